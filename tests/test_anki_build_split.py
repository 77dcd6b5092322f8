"""A large bank's build is split over two processes: the same deck and lock as made in one.

- The last facts' notes are made, planned and written into a collection of their own by a
  forked child (`build._written_part`) while the parent checks the bank and does the first
  ones; SQLite copies the child's rows in. Through first builds and rebuilds that add facts
  in both parts (the child's new notes are numbered after the parent's), change and retire
  them, revert the bank and its lock (the deck in the folder is newer than the lock) and lose
  the lock, the lock, the deck's rows and the summary are those of the build in one process.
- The bank's checks run while the child works: a bank they stop leaves no child behind and
  writes nothing.
- A child's notes of a type marshal does not take come back pickled, and where there is no fork
  its part is done in the process: the same build.
- A rebuild that takes the rows of the facts that did not change from the last deck
  (`build._plan_reuse`), in one process or split, gives the lock, rows and summary of the build
  that makes every note, through the same versions and more: facts moved (their cards' due
  moves with them), an error's quote fixed, a reference retitled (its facts' notes change).
"""

from __future__ import annotations

import copy
import os
import re
import sqlite3
import zipfile
from pathlib import Path

import genanki

import pytest

from generator.bank import load_bank
from generator.check import check_loaded
from generator.writers.anki import build as build_mod
from generator.writers.anki import build_deck, describe
from tests.quiz_banks import hostile_data, plain_data
from tests.test_anki_build import T0, Clock, apkg_rows, bank_dict, write_bank

TABLES = {"notes": "select * from notes order by id", "cards": "select * from cards order by id",
          "col": "select decks, models from col"}


def _loader(path: Path, verify_error: Exception | None = None):
    """`load` as the command line gives it: the bank as read, and its checks to run later."""
    def load(options: int):
        read = load_bank(str(path))

        def verify() -> None:
            if verify_error is not None:
                raise verify_error
            bank, report = check_loaded(*read, options=options, lint=False)
            assert report.ok and bank is not None, [d.format() for d in report.errors]
        return read[0], verify
    return load


def _versions(data: dict) -> list[dict]:
    """The bank, then edited as an author would: facts changed, added and removed in both halves."""
    facts = data["facts"]
    later = copy.deepcopy(data)
    later["facts"][0]["answer"] += " (changed)"
    later["facts"][-1]["explain"] = "Explained again."
    for at, source in ((1, 0), (len(facts), len(facts) - 1)):
        new = copy.deepcopy(facts[source])
        new["id"] = f"new-{at}"
        new.pop("formerly", None)
        later["facts"].insert(at, new)
    last = copy.deepcopy(later)
    del last["facts"][len(facts) // 2]
    last["facts"][-2]["question"] += " Really?"
    moved = copy.deepcopy(last)
    moved["facts"][2], moved["facts"][-1] = moved["facts"][-1], moved["facts"][2]
    quoted = next(f for f in moved["facts"] if f.get("errors"))
    quoted["errors"][0]["quote"] += " (sic)"
    retitled = copy.deepcopy(moved)
    next(iter(retitled["references"].values()))["title"] += ", revised"
    return [data, later, last, moved, retitled]


def _assert_sound(apkg: str) -> None:
    """The deck's collection passes SQLite's integrity check (its indexes agree with its tables) and has
    genanki's tables and indexes, whether it was written new or on the last deck's collection."""
    with zipfile.ZipFile(apkg) as z:
        data = z.read("collection.anki2")
    con = sqlite3.connect(":memory:")
    reference = sqlite3.connect(":memory:")
    try:
        con.deserialize(data)
        assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        reference.executescript(genanki.apkg_schema.APKG_SCHEMA)
        schema = "select type, name, tbl_name, sql from sqlite_master order by name"
        assert con.execute(schema).fetchall() == reference.execute(schema).fetchall()
        assert con.execute("select count(*) from col").fetchone() == (1,)
    finally:
        con.close()
        reference.close()


def _no_fork():
    raise OSError("no fork here")


def _builds(tmp_path: Path, data: dict, monkeypatch, split: bool, fork: bool = True, reuse: bool = False,
            taken: list | None = None) -> list:
    """Each version of the bank built in turn, a second apart: the lock, the deck's rows, the summary.
    Without ``fork``, the child's part is done in this process (as where there is no fork). With ``reuse``,
    the rows of facts that did not change are taken from the last deck wherever they may be (the notes
    taken by each build are put in ``taken``); without, every note is made."""
    monkeypatch.setattr(build_mod, "FORK_FROM", 1 if split else 10 ** 9)
    monkeypatch.setattr(build_mod, "CHILD_SHARE", 0.5)
    monkeypatch.setattr(build_mod, "REUSE_FROM", 1 if reuse else 10 ** 9)
    monkeypatch.setattr(build_mod, "REMAKE_AT_MOST", 1.0)
    if not fork:
        monkeypatch.setattr(os, "fork", _no_fork)
    folder = tmp_path / ("split" if split else "one") / ("forked" if fork else "inline") / ("reuse" if reuse else "")
    folder.mkdir(parents=True)
    clock, out, locks = Clock(T0), [], []
    versions = _versions(data)
    # Then the first version again with the first lock restored (a revert: the deck in the folder is newer
    # than the lock), and once more without a lock (its ids and times read back from the deck).
    for version, lock_before in [(v, None) for v in versions] + [(versions[0], 0), (versions[1], "none")]:
        path = write_bank(folder / "bank.yaml", version)
        if lock_before == "none":
            (folder / "bank.lock.json").unlink()
        elif lock_before is not None:
            (folder / "bank.lock.json").write_bytes(locks[lock_before])
        result = build_deck(str(path), str(folder / "decks"), _loader(path), clock=clock)
        _assert_sound(result.apkg)
        if taken is not None:
            taken.append(result.taken)
        locks.append(Path(result.lock).read_bytes())
        # The lock names the deck's digest: the file's pages, which SQLite lays out its own way when it copies rows.
        lock = re.sub(rb'"apkg": "[0-9a-f]+"', b'"apkg": ""', Path(result.lock).read_bytes())
        out.append((lock, {t: apkg_rows(result.apkg, sql) for t, sql in TABLES.items()},
                    [line.replace(str(folder), "<folder>") for line in describe(result)]))
        clock.t += 1
    return out


@pytest.mark.parametrize("data", [bank_dict(), hostile_data(), plain_data(40)], ids=["bank", "hostile", "plain"])
def test_a_split_build_is_the_build_in_one_process(tmp_path, monkeypatch, data):
    one = _builds(tmp_path, data, monkeypatch, split=False)
    split = _builds(tmp_path, data, monkeypatch, split=True)
    unforked = _builds(tmp_path, data, monkeypatch, split=True, fork=False)
    taken: list[int] = []
    reused = _builds(tmp_path, data, monkeypatch, split=False, reuse=True, taken=taken)
    reused_split = _builds(tmp_path, data, monkeypatch, split=True, reuse=True)
    # Rows were taken by the rebuilds of the edited banks, not by the first build, the build on a restored lock
    # (the deck is not the one it describes), the one without a lock, nor the one after a reference changed.
    # (The hostile bank's two facts both change in every version.)
    assert [bool(n) for n in taken] == [False, len(data["facts"]) > 2, True, True, False, False, False]
    for other in (split, unforked, reused, reused_split):
        for (lock, rows, summary), (lock_split, rows_split, summary_split) in zip(one, other):
            assert summary_split == summary
            assert rows_split == rows
            assert lock_split == lock
    added = [line for line in one[1][2] if line.strip().startswith("added:")]
    assert added and "new-1" in added[0]  # new notes in both halves: the child's were numbered after them
    assert any("retired" in line and ": " in line for line in one[2][2])
    assert any("is not the deck" in line for line in one[5][2])  # the reverted lock: the deck's notes were newer
    assert any("no lock file" in line for line in one[6][2])


class _Recorded(build_mod.Forked):
    made: list = []

    def __init__(self, *args):
        super().__init__(*args)
        _Recorded.made.append(self._pid)


def test_a_bank_stopped_by_its_checks_leaves_no_child_and_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(build_mod, "FORK_FROM", 1)
    monkeypatch.setattr(build_mod, "Forked", _Recorded)
    _Recorded.made = []
    path = write_bank(tmp_path / "bank.yaml", plain_data(40))
    out = tmp_path / "decks"
    with pytest.raises(LookupError, match="the checks say no"):
        build_deck(str(path), str(out), _loader(path, LookupError("the checks say no")), clock=Clock(T0))
    [pid] = _Recorded.made
    assert pid is not None
    with pytest.raises(ChildProcessError):  # stopped and reaped
        os.waitpid(pid, os.WNOHANG)
    assert not out.exists() or not list(out.iterdir())
    assert sorted(p.name for p in tmp_path.iterdir()) in (["bank.yaml"], ["bank.yaml", "decks"])


class Text(str):
    """A string of a type marshal does not take."""


def test_a_childs_notes_marshal_cannot_take_come_back_pickled(tmp_path, monkeypatch):
    made = build_mod.facts_notes

    def with_a_str_subclass(*args, **kw):
        out = made(*args, **kw)
        for s in out:
            s.fact_id = Text(s.fact_id)
        return out

    one = _builds(tmp_path, plain_data(12), monkeypatch, split=False)
    monkeypatch.setattr(build_mod, "facts_notes", with_a_str_subclass)
    assert _builds(tmp_path, plain_data(12), monkeypatch, split=True) == one


def test_myth_slots_are_each_fact_and_sources_guids_in_slot_order():
    """`_myth_slots`'s quick lane for one note a slot key, and its plain lane for several, against the rule."""
    import random

    from generator.writers.anki.lock import LockedNote, RetiredContent

    rng = random.Random(5)
    notes = []
    for i in range(400):
        fact, source = f"f{rng.randrange(60)}", rng.choice(["", "s1", "s2"])
        note = LockedNote(fact, source, rng.randrange(3), f"g{i}", i, 0, "d")
        if rng.random() < 0.1:
            note.retired = RetiredContent("myth", "x", "D", {}, [])
        notes.append(note)
    expected: dict = {}
    for n in notes:
        if n.source and n.retired is None:
            expected.setdefault((n.fact, n.source), []).append((n.n, n.guid))
    expected = {k: [g for _, g in sorted(v)] for k, v in expected.items()}
    assert any(len(v) > 1 for v in expected.values()) and any(len(v) == 1 for v in expected.values())
    assert build_mod._myth_slots(notes) == expected
    single = [n for n in notes if (n.fact, n.source) in {k for k, v in expected.items() if len(v) == 1}]
    assert build_mod._myth_slots(single) == {k: v for k, v in expected.items() if len(v) == 1}


def _take_what_may_be_taken(monkeypatch) -> None:
    """Rebuilds take rows from the last deck whatever the bank's size and however much of it changed."""
    monkeypatch.setattr(build_mod, "REUSE_FROM", 1)
    monkeypatch.setattr(build_mod, "REMAKE_AT_MOST", 1.0)


def _both_ways(tmp_path: Path, monkeypatch, versions: list) -> list[list[tuple]]:
    """Each version built in turn, a second apart, by a build that makes every note and by one that takes what
    it may from the last deck (in folders of their own): for each way, each build's result, rows and summary
    and its lock (the deck's digest left out). A version is the bank's data, or (data, the number of an
    earlier build whose lock is restored first)."""
    monkeypatch.setattr(build_mod, "REMAKE_AT_MOST", 1.0)
    out = []
    for reuse in (False, True):
        monkeypatch.setattr(build_mod, "REUSE_FROM", 1 if reuse else 10 ** 9)
        folder = tmp_path / ("reuse" if reuse else "made")
        folder.mkdir()
        clock, locks, runs = Clock(T0), [], []
        for version in versions:
            data, restore = version if isinstance(version, tuple) else (version, None)
            path = write_bank(folder / "bank.yaml", data)
            if restore is not None:
                (folder / "bank.lock.json").write_bytes(locks[restore])
            result = build_deck(str(path), str(folder / "decks"), _loader(path), clock=clock)
            clock.t += 1
            locks.append(Path(result.lock).read_bytes())
            runs.append((result, {t: apkg_rows(result.apkg, sql) for t, sql in TABLES.items()},
                         [line.replace(str(folder), "<folder>") for line in describe(result)],
                         re.sub(rb'"apkg": "[0-9a-f]+"', b'"apkg": ""', locks[-1])))
        out.append(runs)
    return out


def test_a_fact_that_borrows_options_is_made_again_when_the_answer_it_borrowed_changes(tmp_path, monkeypatch):
    """A fact with too few wrong options of its own borrows other facts' answers: its notes depend on them,
    so a rebuild makes them again rather than take them (`Generator.asks_its_own`)."""
    data = plain_data(12)
    lender, borrower = data["facts"][4], data["facts"][9]
    lender["kind"] = borrower["kind"] = "pair"  # the borrower's one lender
    borrower["errors"] = borrower["errors"][:1]
    del borrower["distractors"]
    edited = copy.deepcopy(data)
    edited["facts"][4]["answer"] = "Right value 04, edited"
    (*_, (_, rows, summary, lock)), (*_, (reused, rows_reused, summary_reused, lock_reused)) = _both_ways(
        tmp_path, monkeypatch, [data, edited])
    assert (rows_reused, summary_reused, lock_reused) == (rows, summary, lock)
    changed = next(line for line in summary if line.strip().startswith("changed:"))
    assert "fact-09" in changed.split(": ", 1)[1].split(", ")  # the borrower's Choose card shows the new answer
    assert reused.taken == 3 * 10  # the ten other facts' notes (a fact's and two myths) were taken


def test_a_rebuild_stopped_by_its_checks_leaves_no_child_and_changes_nothing(tmp_path, monkeypatch):
    """A rebuild that could take rows from the last deck starts a child extracting its collection before the
    bank is read, and another planning half the facts: a bank stopped by its checks leaves neither behind, nor
    any scratch file, and the deck and lock are those of the last build."""
    monkeypatch.setattr(build_mod, "FORK_FROM", 1)
    _take_what_may_be_taken(monkeypatch)
    data = plain_data(40)
    path = write_bank(tmp_path / "bank.yaml", data)
    out = tmp_path / "decks"
    first = build_deck(str(path), str(out), _loader(path), clock=Clock(T0))
    before = {p.name: p.read_bytes() for p in (*tmp_path.iterdir(), *out.iterdir()) if p.is_file()}
    data["facts"][3]["answer"] += " (edited)"
    write_bank(path, data)
    monkeypatch.setattr(build_mod, "Forked", _Recorded)
    _Recorded.made = []
    with pytest.raises(LookupError, match="the checks say no"):
        build_deck(str(path), str(out), _loader(path, LookupError("the checks say no")), clock=Clock(T0 + 1))
    assert len(_Recorded.made) == 2 and None not in _Recorded.made  # the extraction, the plan's second half
    for pid in _Recorded.made:
        with pytest.raises(ChildProcessError):  # stopped and reaped
            os.waitpid(pid, os.WNOHANG)
    after = {p.name: p.read_bytes() for p in (*tmp_path.iterdir(), *out.iterdir()) if p.is_file()}
    assert after.keys() == before.keys() | {"bank.yaml"} and Path(first.apkg).name in after
    assert {k: v for k, v in after.items() if k != "bank.yaml"} == {k: v for k, v in before.items() if k != "bank.yaml"}


def test_a_rebuild_written_on_the_last_deck_is_the_same_bytes_each_time(tmp_path, monkeypatch):
    """The same bank, lock and last deck give the same deck and lock, byte for byte, when the rebuild writes on
    the last deck's collection (in one process or split)."""
    _take_what_may_be_taken(monkeypatch)
    data = plain_data(30)
    path = write_bank(tmp_path / "bank.yaml", data)
    out = tmp_path / "decks"
    first = build_deck(str(path), str(out), _loader(path), clock=Clock(T0))
    kept = {p: p.read_bytes() for p in (Path(first.apkg), Path(first.lock))}
    data["facts"].insert(4, {**copy.deepcopy(data["facts"][9]), "id": "inserted"})
    data["facts"][20]["answer"] += " (edited)"
    del data["facts"][25]
    write_bank(path, data)
    made = []
    for fork_from in (10 ** 9, 1, 10 ** 9):
        monkeypatch.setattr(build_mod, "FORK_FROM", fork_from)
        for p, content in kept.items():
            p.write_bytes(content)
        result = build_deck(str(path), str(out), _loader(path), clock=Clock(T0 + 1))
        assert result.taken
        made.append((Path(result.apkg).read_bytes(), Path(result.lock).read_bytes()))
    assert made[0] == made[1] == made[2]


def test_a_rebuild_that_changes_no_note_ships_the_last_deck_as_it_was(tmp_path, monkeypatch):
    """A bank edited without changing any note (a comment) is rebuilt on the last deck's collection into the
    same rows: the last deck is shipped as it was, byte for byte, so that reverting the bank and its lock
    finds the deck up to date (as a build that makes every note finds it)."""
    _take_what_may_be_taken(monkeypatch)
    path = write_bank(tmp_path / "bank.yaml", plain_data(12))
    out, clock = tmp_path / "decks", Clock(T0)
    first = build_deck(str(path), str(out), _loader(path), clock=clock)
    bank, lock, deck = path.read_bytes(), Path(first.lock).read_bytes(), Path(first.apkg).read_bytes()
    path.write_bytes(bank + b"# a comment\n")
    clock.t += 1
    commented = build_deck(str(path), str(out), _loader(path), clock=clock)
    assert commented.taken == 36 and not commented.up_to_date
    assert Path(commented.apkg).read_bytes() == deck
    path.write_bytes(bank)  # reverted, with its lock
    Path(first.lock).write_bytes(lock)
    clock.t += 1
    assert build_deck(str(path), str(out), _loader(path), clock=clock).up_to_date


def test_a_deck_with_the_locks_notes_laid_out_otherwise_is_the_deck_it_describes(tmp_path, monkeypatch):
    """A deck written on the last deck's collection has other bytes than the same notes written anew. Restoring
    locks from version control around such builds must not make the deck look like another one: a deck whose
    notes are the lock's (ids, times, content) is the deck the lock describes, whatever its bytes. (Found by
    fuzzing: the summary differed, rows and locks did not.)"""
    data = plain_data(12)
    edited = copy.deepcopy(data)
    edited["facts"][1], edited["facts"][3] = edited["facts"][3], edited["facts"][1]
    edited["facts"][9]["errors"].reverse()
    made, reused = _both_ways(tmp_path, monkeypatch, [data, edited, (edited, 0), (edited, 1)])
    assert [(rows, lock) for _, rows, _, lock in reused] == [(rows, lock) for _, rows, _, lock in made]
    assert [run[2] for run in reused[:3]] == [run[2] for run in made[:3]]
    # The last build: made anew, the deck in the folder has the bytes the restored lock names, and nothing is
    # done; written on the last deck, it has not, and is rebuilt into the same notes. Either way nothing
    # changed, and the deck is not taken for another one.
    assert made[3][2][-1].endswith("nothing written")
    assert reused[3][2][-1].startswith("since the last build: nothing changed")
    assert not any("is not the deck" in line for line in made[3][2] + reused[3][2])


def test_a_note_made_again_unchanged_is_written_as_made(tmp_path, monkeypatch):
    """A fact whose tags were only reordered is made again (its data changed) into a note the planner finds
    unchanged (a note's digest sorts its tags): its row is the new one, as when every note is made, not the
    last deck's. (Found by fuzzing.)"""
    data = plain_data(12)
    data["facts"][5]["tags"] = ["even", "hard"]
    edited = copy.deepcopy(data)
    edited["facts"][5]["tags"] = ["hard", "even"]
    made, reused = _both_ways(tmp_path, monkeypatch, [data, edited])
    assert [run[1:] for run in reused] == [run[1:] for run in made]
    assert not reused[1][0].changed and reused[1][0].taken
    assert any(" hard even " in row[5] for row in reused[1][1]["notes"])  # the tags, in the new order
