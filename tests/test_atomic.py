"""Outputs appear whole or not at all."""

from __future__ import annotations

import os

import pytest

from generator.atomic import atomic_path, write_bytes


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
