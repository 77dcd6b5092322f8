"""System tools the tests need (chromium, pdftotext, node): skip on a laptop without them,
fail in CI, where ERRATA_REQUIRE_TOOLS=1 says they must be there."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest


def required() -> bool:
    return os.environ.get("ERRATA_REQUIRE_TOOLS") == "1"


def require_tool(name: str, why: str) -> str:
    path = shutil.which(name)
    if path:
        return path
    if required():
        pytest.fail(f"{name} is required here (ERRATA_REQUIRE_TOOLS=1): {why}")
    pytest.skip(f"{name} not installed: {why}")


def require(condition: bool, what: str) -> None:
    """Skip (or fail under ERRATA_REQUIRE_TOOLS=1) when a prerequisite other than a command is missing."""
    if condition:
        return
    if required():
        pytest.fail(f"required here (ERRATA_REQUIRE_TOOLS=1): {what}")
    pytest.skip(what)


ROOT = Path(__file__).resolve().parent.parent


def errata(*args, cwd=ROOT, env=None) -> subprocess.CompletedProcess:
    """Run the command line in a fresh interpreter, as a user would (`python cli.py …`)."""
    return subprocess.run([sys.executable, str(ROOT / "cli.py"), *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, timeout=120, env=env)


def run_cli(args, capsys, monkeypatch) -> tuple[int, str, str]:
    """Run the command line in this process (fast): exit code, standard output, standard error."""
    import cli

    monkeypatch.setattr(sys, "argv", ["errata", *map(str, args)])
    with pytest.raises(SystemExit) as exc:
        cli.main()
    out = capsys.readouterr()
    return exc.value.code, out.out, out.err
