"""The README's promises: its bank example is accepted by `errata check`."""

from __future__ import annotations

import re
from pathlib import Path

from generator.check import check_bank

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_bank_example_passes_check(tmp_path):
    blocks = re.findall(r"```yaml\n(.*?)```", README, re.S)
    example = next(b for b in blocks if "facts:" in b)
    bank = tmp_path / "example.yaml"
    bank.write_text(example, encoding="utf-8")
    result, report = check_bank(str(bank))
    assert report.ok, [d.format() for d in report.diagnostics]
    assert not report.warnings, [d.format() for d in report.warnings]
    assert result.facts[0].errors[0].source == "s002"


def test_readme_starts_with_build_and_test_commands():
    first_block = re.search(r"```sh\n(.*?)```", README, re.S).group(1)
    lines = [ln.split("#")[0].strip() for ln in first_block.strip().splitlines()]
    assert "errata build" in lines[0] and "pip install" in lines[0]
    assert lines[1] == "python -m pytest -q"
    assert "python3 -m pytest -q" in (ROOT / ".ci" / "run").read_text()
