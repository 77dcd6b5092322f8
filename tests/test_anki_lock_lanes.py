"""The lock's lines written the quick way are the lines of the plain loop.

- `Lock.note_lines`: the live notes' lines are those of the loop with f"{x:d}" for every
  integer, for integers of any size, booleans, subclasses of int, and anything else (which
  raises as it did).
- A lock written and read back is itself, and is written again to the same text.
"""

from __future__ import annotations

import re
from json.encoder import encode_basestring as enc

import pytest

from generator.writers.anki.lock import Lock, LockedNote, LockedType, RetiredContent, read_lock


def lock_of_every_kind() -> Lock:
    lock = Lock("d", options=3, inputs="i", apkg="a", counts={"notes": {"fact": 3}, "retired": 1},
                note_types={"fact": LockedType(1, 2, "x"), "myth": LockedType(3, 4, "y")})
    for note in (LockedNote("b", "", 0, "g1", 1000, 5, "d1"), LockedNote("a", "s", 1, "g2", 1004, 6, "d2"),
                 LockedNote("a", "", 0, "g,3", 1008, 7, "d3"),
                 LockedNote("é\"\\\n\x01", "ü", 10, "g4", 2 ** 70, -7, "😀\u2028")):
        lock.notes[note.guid] = note
    gone = LockedNote("r", "", 0, "gr", 1012, 8, "d4")
    gone.retired = RetiredContent("fact", "r", "D", {"FactId": "r"}, ["t"])
    lock.notes[gone.guid] = gone
    return lock


def plain_lines(lock: Lock) -> list[str]:
    live = sorted((n for n in lock.notes.values() if n.retired is None), key=lambda n: (n.fact, n.source, n.n))
    return [f"[{enc(n.fact)}, {enc(n.source)}, {n.n:d}, {enc(n.guid)}, {n.id:d}, {n.mod:d}, {enc(n.digest)}]"
            for n in live]


class Count(int):
    pass


@pytest.mark.parametrize("value", [0, 7, -3, 2 ** 70, -2 ** 70, True, False, Count(4), 1.0, 1.5, "1", None, [1]])
def test_note_lines_are_the_plain_loops_lines(value):
    for field in ("n", "id", "mod"):
        lock = lock_of_every_kind()
        note = LockedNote("c", "", 0, "gv", 2000, 9, "dv")
        setattr(note, field, value)
        lock.notes["gv"] = note
        try:
            expected = plain_lines(lock)
        except (TypeError, ValueError) as e:
            with pytest.raises(type(e), match=re.escape(str(e))):
                lock.note_lines()
        else:
            assert lock.note_lines()[0] == expected


@pytest.mark.parametrize("value", [1, None, b"x", ["x"]])
def test_text_that_is_not_text_raises_as_it_did(value):
    lock = lock_of_every_kind()
    note = LockedNote("c", "", 0, "gv", 2000, 9, "dv")
    note.digest = value
    lock.notes["gv"] = note
    with pytest.raises(TypeError) as plain:
        plain_lines(lock)
    with pytest.raises(TypeError, match=re.escape(str(plain.value))):
        lock.note_lines()


def test_a_lock_written_reads_back_as_itself(tmp_path):
    lock = lock_of_every_kind()
    text = lock.dumps()
    assert text == lock.dumps(lock.note_lines())
    path = tmp_path / "bank.lock.json"
    path.write_text(text, encoding="utf-8")
    again = read_lock(str(path))
    assert again == lock and sorted(map(repr, again.notes.values())) == sorted(map(repr, lock.notes.values()))
    assert again.dumps() == text
