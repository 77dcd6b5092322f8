"""--record: the bank's history file; errata check warns from it; errata report pools every delivery."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.tools import run_cli

HERE = Path(__file__).parent / "responses"
TINY = HERE / "tiny-quiz.json"


def miskeyed_class(n: int, seed: int) -> str:
    """Version A: strong students (the first half) answer water and boiling right but choose 'Denser, so it
    sinks' (B) on ice; weak ones answer ice right (A) and water and boiling wrong. Nobody chooses 90 °C."""
    rows = ["student,version,1,2,3"]
    for i in range(n):
        strong = i < n // 2
        rows.append(f"s{seed}-{i},A,{'C' if strong else 'A'},{'B' if strong else 'A'},{'B' if strong else 'C'}")
    return "\n".join(rows) + "\n"


def test_record_check_and_report(tmp_path, capsys, monkeypatch):
    bank = tmp_path / "tiny.yaml"
    shutil.copy(HERE / "tiny.yaml", bank)
    before = bank.read_bytes()
    for seed in (1, 2, 2):   # the third is the second again: recorded once
        (tmp_path / f"r{seed}.csv").write_text(miskeyed_class(30, seed))
        code, out, err = run_cli(["grade", tmp_path / f"r{seed}.csv", "--quiz", TINY, "-o", tmp_path / f"out{seed}",
                                  "--no-pdf", "--record", "--bank", bank], capsys, monkeypatch)
        assert code == 0, err
    assert "already recorded" in out
    history = tmp_path / "tiny.history.jsonl"
    lines = history.read_text().splitlines()
    assert len(lines) == 2 and bank.read_bytes() == before       # append-only; the YAML untouched
    for line in lines:
        d = json.loads(line)
        assert line == json.dumps(d, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        assert d["students"] == 30 and d["quiz"] == "0A2R-9HPZ"
        ice = d["facts"]["ice-density"]
        assert ice["options"]["Denser, so it sinks"]["upper"] > 0 and ice["options"]["Less dense, so it floats"]["upper"] == 0

    code, out, err = run_cli(["check", bank], capsys, monkeypatch)
    assert code == 0
    assert f"{history}:2: warning: fact 'boiling-point': the source error '90 °C' (web2, web1) was chosen by nobody " \
           f"in 2 deliveries (0 of 60 students)" in err
    assert f"{history}:2: warning: fact 'ice-density': possible miskey: the upper group chose 'Denser, so it sinks'" in err
    assert "fact 'ice-density': negative discrimination" in err
    assert "fact 'water-formula': negative discrimination" not in err

    code, out, err = run_cli(["report", bank, "-o", tmp_path / "hist"], capsys, monkeypatch)
    assert code == 0, err
    h = json.loads((tmp_path / "hist" / "history.json").read_text())
    assert len(h["deliveries"]) == 2
    ice = next(i for i in h["items"] if i["fact_id"] == "ice-density")
    assert ice["n"] == 60 and ice["deliveries"] == 2 and ice["p"] == 0.5
    denser = next(m for m in h["misconceptions"] if m["says"] == "Denser, so it sinks")
    assert (denser["chosen"], denser["offered"]) == (30, 60)
    assert "# Every recorded delivery (2)" in (tmp_path / "hist" / "history.md").read_text()
    from tests.test_quiz_pdf import flat, pdf_text
    from tests.tools import require_tool
    require_tool("pdftotext", "reads the history report back")
    text = flat(pdf_text((tmp_path / "hist" / "history.pdf").read_bytes(), tmp_path))
    for expected in ("Every recorded delivery (2)", "Misconceptions, pooled", "Denser, so it sinks (web2)",
                     "30 of 60", "ice-density"):
        assert flat(expected) in text, expected


def test_no_history_no_warnings_and_report_says_what_to_do(tmp_path, capsys, monkeypatch):
    bank = tmp_path / "tiny.yaml"
    shutil.copy(HERE / "tiny.yaml", bank)
    code, _, err = run_cli(["check", bank], capsys, monkeypatch)
    assert code == 0 and "warning" not in err.replace("0 warnings", "")
    code, _, err = run_cli(["report", bank, "-o", tmp_path / "hist"], capsys, monkeypatch)
    assert code == 1 and "no deliveries recorded" in err and "--record" in err and not (tmp_path / "hist").exists()


def test_two_peoples_deliveries_merge_without_a_conflict(tmp_path):
    """Each delivery is one appended line and the repository marks history files merge=union."""
    import subprocess
    from tests.tools import require_tool
    require_tool("git", "merges two branches of a history file")
    root = Path(__file__).parent.parent
    repo = tmp_path / "repo"
    repo.mkdir()
    def git(*args):
        return subprocess.run(["git", "-c", "user.name=T", "-c", "user.email=t@example.org", *args], cwd=repo,
                              capture_output=True, text=True, check=True).stdout
    git("init", "-q", "-b", "main")
    shutil.copy(root / ".gitattributes", repo / ".gitattributes")
    history = repo / "bank.history.jsonl"
    history.write_text('{"delivery":0}\n')
    git("add", "-A")
    git("commit", "-qm", "first delivery")
    git("checkout", "-qb", "other")
    history.write_text('{"delivery":0}\n{"delivery":"other"}\n')
    git("commit", "-qam", "a delivery on another branch")
    git("checkout", "-q", "main")
    history.write_text('{"delivery":0}\n{"delivery":"main"}\n')
    git("commit", "-qam", "a delivery here")
    git("merge", "-q", "--no-edit", "other")
    assert sorted(history.read_text().splitlines()) == ['{"delivery":"main"}', '{"delivery":"other"}',
                                                        '{"delivery":0}']
