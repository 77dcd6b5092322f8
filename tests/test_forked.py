"""Work on the other core: a forked child's result is the caller's, and the cross-fact lint run in
one gives `errata check` the same report, in the same order, as run in the process itself."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from generator.check import check as check_module
from generator.check import check_bank
from generator.forked import Forked, Inline
from tests.test_lint_bank import HEAD, fact

ROOT = Path(__file__).resolve().parent.parent


def _pid_and(value):
    return os.getpid(), value


def _fails():
    raise ValueError("no result: 'x' is wrong")


def test_the_child_computes_in_another_process():
    pid, value = Forked(_pid_and, {"a": [1, 2]}).result()
    assert pid != os.getpid() and value == {"a": [1, 2]}
    assert Inline(_pid_and, 3).result() == (os.getpid(), 3)


def test_the_childs_error_is_raised_in_the_caller():
    with pytest.raises(ValueError, match="no result: 'x' is wrong"):
        Forked(_fails).result()


def test_without_fork_the_work_is_done_in_this_process(monkeypatch):
    def no_fork():
        raise OSError("fork: resource temporarily unavailable")
    monkeypatch.setattr(os, "fork", no_fork)
    assert Forked(_pid_and, 5).result() == (os.getpid(), 5)


def _banks(tmp_path: Path) -> list[Path]:
    """Banks with lint warnings of every kind, and banks with errors of every kind."""
    lint = tmp_path / "lint.yaml"
    lint.write_text(HEAD + fact("a", "Which drug is an NMDA antagonist?", "ketamine", ["morphine", "fentanyl"])
                    + fact("b", "What does ketamine block?", "the NMDA receptor", ["the mu receptor", "GABA"])
                    + fact("c", "How long does it last?", "possibly an hour", ["always a day", "never a week"])
                    + "".join(fact(f"n{i}", f"Dose {i}?", f"{10 * i} mg", [f"{10 * i - 5} mg", f"{10 * i + 5} mg"],
                                   kind="dose") for i in range(1, 6)), encoding="utf-8")
    return [lint, ROOT / "questions.yaml", *sorted((ROOT / "tests" / "bad_banks").glob("*.yaml"))]


def test_the_forked_lint_gives_the_same_report(tmp_path, monkeypatch):
    codes = set()
    for bank in _banks(tmp_path):
        monkeypatch.setattr(check_module, "FORK_FROM", 10**9)
        _, inline = check_bank(str(bank))
        monkeypatch.setattr(check_module, "FORK_FROM", 0)
        _, forked = check_bank(str(bank))
        assert [d.format() for d in forked.diagnostics] == [d.format() for d in inline.diagnostics], bank
        codes |= {d.code for d in forked.diagnostics}
    assert {"give-away", "hedged-key", "middle-key"} <= codes   # the cross-fact lint did report
