"""Outputs appear whole or not at all."""

from __future__ import annotations

import json
import os

import pytest

from generator.atomic import JOURNAL, TMP_SUFFIX, atomic_path, folder_lock, output_set, write_bytes


def test_a_crash_mid_write_keeps_the_old_file_and_leaves_no_litter(tmp_path):
    target = tmp_path / "deck.apkg"
    target.write_bytes(b"good deck")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            with open(tmp, "wb") as fh:
                fh.write(b"half a dec")
            raise RuntimeError("crash")
    assert target.read_bytes() == b"good deck"
    assert os.listdir(tmp_path) == ["deck.apkg"]


def test_a_finished_write_replaces_the_file_with_ordinary_permissions(tmp_path):
    target = tmp_path / "out" / "quiz.json"
    write_bytes(target, b"{}")
    assert target.read_bytes() == b"{}"
    assert os.stat(target).st_mode & 0o644 == 0o644


def test_a_folder_is_not_a_target(tmp_path):
    with pytest.raises(IsADirectoryError):
        write_bytes(tmp_path, b"x")
    assert os.listdir(tmp_path) == []


# --- sets of files --------------------------------------------------------------------

def test_a_set_commits_together_and_removes_what_it_replaces(tmp_path):
    (tmp_path / "quiz-C.pdf").write_bytes(b"old C")
    with output_set(tmp_path) as files:
        files.write(tmp_path / "quiz-A.pdf", b"A")
        files.write(tmp_path / "key.pdf", b"key")
        files.remove(tmp_path / "quiz-C.pdf")
        assert not (tmp_path / "key.pdf").exists()  # nothing shows before the set commits
    assert sorted(os.listdir(tmp_path)) == ["key.pdf", "quiz-A.pdf"]


def test_a_failing_set_changes_nothing(tmp_path):
    (tmp_path / "key.pdf").write_bytes(b"old key")
    with pytest.raises(OSError):
        with output_set(tmp_path) as files:
            files.write(tmp_path / "key.pdf", b"new key")
            files.write(tmp_path / ("x" * 300 + ".pdf"), b"too long a name")  # fails before anything moves
    assert os.listdir(tmp_path) == ["key.pdf"] and (tmp_path / "key.pdf").read_bytes() == b"old key"


def test_a_name_too_long_is_refused_naming_the_file(tmp_path):
    with pytest.raises(OSError, match="file name longer") as e:
        write_bytes(tmp_path / ("d" * 260 + ".apkg"), b"x")
    assert e.value.filename.endswith(".apkg")
    write_bytes(tmp_path / ("d" * 240 + ".apkg"), b"x")  # a long name that fits: the temporary name is short
    assert os.listdir(tmp_path) == ["d" * 240 + ".apkg"]


def test_an_io_error_names_the_target(tmp_path, monkeypatch):
    import builtins

    real_open = builtins.open

    def full_disk(path, mode="r", *a, **k):
        fh = real_open(path, mode, *a, **k)
        if "w" in mode and str(path).endswith(TMP_SUFFIX):
            def write(_data):
                raise OSError(28, "No space left on device")
            fh.write = write
        return fh

    monkeypatch.setattr(builtins, "open", full_disk)
    with pytest.raises(OSError) as e:
        write_bytes(tmp_path / "deck.apkg", b"data")
    assert e.value.filename == str(tmp_path / "deck.apkg")
    monkeypatch.undo()
    assert os.listdir(tmp_path) == []


def test_leftovers_of_a_killed_run_are_completed_or_removed(tmp_path):
    (tmp_path / "a").write_bytes(b"old a")
    (tmp_path / "b").write_bytes(b"old b")
    # killed after its commit point: the journal names the renames still to do
    (tmp_path / f".1{TMP_SUFFIX}").write_bytes(b"new b")
    (tmp_path / JOURNAL).write_text(json.dumps({
        "rename": [[str(tmp_path / "a-gone.tmp"), str(tmp_path / "a")], [str(tmp_path / f".1{TMP_SUFFIX}"),
                                                                          str(tmp_path / "b")]],
        "remove": [], "journals": [str(tmp_path / JOURNAL)]}))
    # and a temporary file of a run killed before its commit point
    (tmp_path / f".2{TMP_SUFFIX}").write_bytes(b"half")
    with folder_lock(tmp_path):
        pass
    assert sorted(os.listdir(tmp_path)) == ["a", "b"]
    assert (tmp_path / "b").read_bytes() == b"new b" and (tmp_path / "a").read_bytes() == b"old a"



def test_a_quiz_with_fewer_versions_leaves_no_paper_of_the_last_one(tmp_path, capsys, monkeypatch):
    from tests.test_anki_build import DECK, bank_dict, write_bank
    from tests.tools import run_cli

    bank = write_bank(tmp_path / "bank.yaml", bank_dict())
    out = tmp_path / "out"
    (out).mkdir()
    (out / "other-deck-quiz-C.pdf").write_bytes(b"another deck's paper")
    code, _, err = run_cli(["quiz", bank, "--versions", "3", "--count", "3", "--seed", "1", "-o", out], capsys,
                           monkeypatch)
    assert code == 0, err
    assert {f"{DECK}-quiz-{x}.pdf" for x in "ABC"} <= set(os.listdir(out))
    code, _, err = run_cli(["quiz", bank, "--versions", "1", "--count", "3", "--seed", "2", "-o", out], capsys,
                           monkeypatch)
    assert code == 0, err
    papers = sorted(p for p in os.listdir(out) if "-quiz-" in p)
    assert papers == sorted([f"{DECK}-quiz-A.pdf", "other-deck-quiz-C.pdf"])
