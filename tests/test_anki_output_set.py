"""The deck and its lock change together: real kills and concurrent builds, in fresh interpreters."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

from generator.atomic import FAULT_KILL, FAULT_PAUSE, JOURNAL, TMP_SUFFIX
from tests.test_anki_build import DECK, bank_dict, write_bank
from tests.tools import ROOT, errata


def env(**extra) -> dict:
    return {**os.environ, **extra}


def pair_matches(tmp_path: Path, out: Path) -> bool:
    """Whether the lock describes the deck beside which it stands."""
    lock = json.loads((tmp_path / "bank.lock.json").read_text())
    return lock["apkg"] == hashlib.sha256((out / f"{DECK}.apkg").read_bytes()).hexdigest()


def leftovers(*folders: Path) -> list[str]:
    return [p.name for f in folders for p in f.iterdir() if p.name.endswith(TMP_SUFFIX) or p.name == JOURNAL]


def changed_bank(bank: Path, n: int) -> None:
    data = bank_dict()
    data["facts"][0]["explain"] = f"Version {n} of this explanation."
    write_bank(bank, data)


def test_a_build_killed_between_lock_and_deck_is_completed_by_the_next(tmp_path):
    bank, out = write_bank(tmp_path / "bank.yaml", bank_dict()), tmp_path / "out"
    assert errata("build", bank, "-o", out).returncode == 0
    old_deck = (out / f"{DECK}.apkg").read_bytes()
    changed_bank(bank, 2)
    r = errata("build", bank, "-o", out, env=env(**{FAULT_KILL: "bank.lock.json"}))
    assert r.returncode == -9  # killed: the new lock is in place, the deck not yet
    assert (out / f"{DECK}.apkg").read_bytes() == old_deck and not pair_matches(tmp_path, out)
    assert JOURNAL in leftovers(tmp_path) and JOURNAL in leftovers(out)
    r = errata("build", bank, "-o", out)  # the next run finishes the set first
    assert r.returncode == 0, r.stderr
    assert "up to date" in r.stdout and pair_matches(tmp_path, out)
    assert (out / f"{DECK}.apkg").read_bytes() != old_deck and not leftovers(tmp_path, out)


def test_a_build_killed_right_after_the_deck_is_replaced_leaves_a_matching_pair(tmp_path):
    bank, out = write_bank(tmp_path / "bank.yaml", bank_dict()), tmp_path / "out"
    assert errata("build", bank, "-o", out).returncode == 0
    changed_bank(bank, 2)
    r = errata("build", bank, "-o", out, env=env(**{FAULT_KILL: f"{DECK}.apkg"}))
    assert r.returncode == -9 and pair_matches(tmp_path, out)
    r = errata("build", bank, "-o", out)
    assert r.returncode == 0 and "up to date" in r.stdout and not leftovers(tmp_path, out)


def test_a_build_killed_before_its_commit_changes_nothing_and_its_litter_goes(tmp_path):
    bank, out = write_bank(tmp_path / "bank.yaml", bank_dict()), tmp_path / "out"
    assert errata("build", bank, "-o", out).returncode == 0
    before = {p: p.read_bytes() for p in (tmp_path / "bank.lock.json", out / f"{DECK}.apkg")}
    changed_bank(bank, 2)
    r = errata("build", bank, "-o", out, env=env(**{FAULT_KILL: "staged"}))
    assert r.returncode == -9
    assert {p: p.read_bytes() for p in before} == before and len(leftovers(tmp_path, out)) == 2
    r = errata("build", bank, "-o", out)
    assert r.returncode == 0 and "1 changed" in r.stdout
    assert pair_matches(tmp_path, out) and not leftovers(tmp_path, out)


def test_concurrent_builds_wait_for_each_other(tmp_path):
    bank, out = write_bank(tmp_path / "bank.yaml", bank_dict()), tmp_path / "out"
    assert errata("build", bank, "-o", out).returncode == 0
    runs = []
    for n in (2, 3):
        changed_bank(bank, n)
        runs.append(subprocess.Popen([sys.executable, str(ROOT / "cli.py"), "build", str(bank), "-o", str(out)],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     env=env(**{FAULT_PAUSE: "1.5"})))
    results = [(p.wait(timeout=120), *p.communicate()) for p in runs]
    assert [code for code, _, _ in results] == [0, 0], results
    assert any("waiting for another errata run" in err for _, _, err in results)
    assert pair_matches(tmp_path, out) and not leftovers(tmp_path, out)
