"""The lock read and written the quick way is the lock read and written the plain way.

- `read_lock`: a lock laid out as `Lock.dumps` writes it has its note rows decoded by orjson
  and taken as they are. For every lock, written or forged, `read_lock` gives what the plain
  reading (json, then str() and int() of each value) gives: the same Lock, or a LockError
  with the same message. Odd values (text beyond ASCII, escapes, numbers given as text,
  booleans, floats, integers beyond 64 bits, rows of six or eight values) go the plain way.
- A written lock of plain values is read the quick way (so the quick lane is the one tried).
- `Lock.note_lines`: the live notes' lines are those of the loop with f"{x:d}", for integers,
  booleans and anything else (which raises as it did).
"""

from __future__ import annotations

import json

import pytest

from generator.writers.anki import lock as lock_mod
from generator.writers.anki.lock import Lock, LockedNote, LockError, LockedType, RetiredContent, read_lock

HEAD = {"format": "errata-anki-lock", "version": 2, "deck": "d", "options": 3, "inputs": "i", "apkg": "a",
        "counts": {"notes": {"fact": 2}, "cards": {}, "retired": 1},
        "note_types": {"fact": {"id": 1, "mod": 2, "digest": "x"}}, "columns": lock_mod.COLUMNS}
RETIRED = {"fact": "r", "source": "", "n": 0, "guid": "gr", "id": 1012, "mod": 5, "digest": "x", "kind": "fact",
           "label": "r", "deck": "D", "tags": ["t"], "fields": {"FactId": "r"}}


def written(rows, retired=(RETIRED,), head=HEAD) -> str:
    """A lock file's text laid out as `Lock.dumps` lays it out, with these rows as they are."""
    return (json.dumps(head, ensure_ascii=False, indent=1)[:-2] + ',\n "notes": [\n'
            + ",\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + '\n ],\n "retired": [\n'
            + ",\n".join(json.dumps(r, ensure_ascii=False) for r in retired) + "\n ]\n}\n")


def outcome(path: str):
    try:
        lock = read_lock(path)
    except LockError as e:
        return "error", str(e)
    except RecursionError:  # json's, for a lock nested too deep: not caught, as ever
        return "recursion", None
    return "lock", repr(lock)  # repr: 1 and True, 1 and 1.0 differ


def both_ways(tmp_path, text: str | bytes, monkeypatch):
    """read_lock's outcome, and the plain reading's."""
    path = tmp_path / "bank.lock.json"
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8")
    else:
        path.write_bytes(text)
    quick = outcome(str(path))
    with monkeypatch.context() as m:
        m.setattr(lock_mod, "_read_written_lock", lambda path, raw: None)
        plain = outcome(str(path))
    return quick, plain


def quick_lane_taken(tmp_path, text: str) -> bool:
    path = tmp_path / "bank.lock.json"
    path.write_text(text, encoding="utf-8")
    return lock_mod._read_written_lock(str(path), path.read_bytes()) is not None


GOOD = [["a", "", 0, "g1", 1000, 5, "d1"], ["a", "s", 1, "g2", 1004, 5, "d2"]]

ODD_ROWS = [
    GOOD,
    [],
    [["é", "ü", 0, "\u2028", 1000, 5, "😀"]],                          # beyond ASCII
    [["a\"b", "c\\d", 0, "e\nf\tg\x01", 1000, 5, "\x7f"]],           # escapes
    [["a", "", "0", "g1", 1000, 5, "d"]],                            # a number given as text
    [["a", "", 0, "g1", "1000", "5", "d"]],
    [[1, "", 0, "g1", 1000, 5, "d"]],                                # a number where text goes
    [["a", "", True, "g1", 1000, False, "d"]],                       # booleans
    [["a", True, 0, None, 1000, 5, "d"]],
    [["a", "", 0.0, "g1", 1000, 5, "d"]],                            # floats
    [["a", "", 0, "g1", 1000.5, 5, "d"]],
    [["a", "", 0, "g1", 1e300, 5, "d"]],
    [["a", "", 0, 1.5, 1000, 5, "d"]],
    [["a", "", 0, "g1", 2 ** 64, 5, "d"]],                           # beyond 64 bits
    [["a", "", 0, "g1", 2 ** 63 - 1, -2 ** 63, "d"]],                # 64 bits
    [["a", "", 0, "g1", 18446744073709551617, 5, "d"]],
    [["a", "", 0, "g1", 1000, 5, 10 ** 30]],
    [["a", "", 0, "g1", 1000, 5]],                                   # six values
    [["a", "", 0, "g1", 1000, 5, "d", "e"]],                         # eight
    [["a", "", 0, "g1", 1000, 5, "d", "e"], ["b", "", 0, "g2", 1004, 5]],
    [{"a": 1, "b": 2, "c": 3, "d": 4, "e": 5, "f": 6, "g": 7}],       # a dict of seven
    ["abcdefg"],                                                     # a text of seven
    [5],
    [["a", "", 0, "g1", 1000, 5, ["d"]]],                            # a list where text goes
    [["a", "", 0, "g1", 1000, 5, {"d": 1}]],
    [["a", "", [0], "g1", 1000, 5, "d"]],
    GOOD + [["c", "", 0, "g1", 1008, 5, "d"]],                       # a GUID twice
    GOOD + [["c", "", 0, "g3", 1000, 5, "d"]],                       # a note id twice
    [["a", "", 0, "gr", 1000, 5, "d"]],                              # a retired note's GUID
]


@pytest.mark.parametrize("rows", ODD_ROWS, ids=range(len(ODD_ROWS)))
def test_odd_rows_read_as_the_plain_reading_reads_them(tmp_path, monkeypatch, rows):
    quick, plain = both_ways(tmp_path, written(rows), monkeypatch)
    assert quick == plain


def test_a_written_lock_of_plain_rows_is_read_the_quick_way(tmp_path, monkeypatch):
    assert quick_lane_taken(tmp_path, written(GOOD))
    assert quick_lane_taken(tmp_path, written([["é", "ü", 0, "a\"b\\c\n", 1000, 5, "😀"]], retired=()))
    assert quick_lane_taken(tmp_path, written([], retired=()))
    assert not quick_lane_taken(tmp_path, written([["a", "", "0", "g1", 1000, 5, "d"]]))
    assert not quick_lane_taken(tmp_path, written([["a", "", 0, "g1", 2 ** 64, 5, "d"]]))
    quick, plain = both_ways(tmp_path, written(GOOD), monkeypatch)
    assert quick == plain and quick[0] == "lock"


def lock_of_every_kind() -> Lock:
    lock = Lock("d", options=3, inputs="i", apkg="a", counts={"notes": {"fact": 3}, "retired": 1},
                note_types={"fact": LockedType(1, 2, "x"), "myth": LockedType(3, 4, "y")})
    for note in (LockedNote("b", "", 0, "g1", 1000, 5, "d1"), LockedNote("a", "s", 1, "g2", 1004, 6, "d2"),
                 LockedNote("a", "", 0, "g,3", 1008, 7, "d3"), LockedNote("é\"\\\n", "ü", 10, "g4", 2 ** 70, 7, "😀")):
        lock.notes[note.guid] = note
    gone = LockedNote("r", "", 0, "gr", 1012, 8, "d4")
    gone.retired = RetiredContent("fact", "r", "D", {"FactId": "r"}, ["t"])
    lock.notes[gone.guid] = gone
    return lock


def test_a_lock_written_reads_back_as_itself(tmp_path, monkeypatch):
    lock = lock_of_every_kind()
    text = lock.dumps()
    quick, plain = both_ways(tmp_path, text, monkeypatch)
    assert quick == plain == ("lock", repr(read_lock(str(tmp_path / "bank.lock.json"))))
    again = read_lock(str(tmp_path / "bank.lock.json"))
    assert again.dumps() == text
    small = Lock("d", notes={n.guid: n for n in lock.notes.values() if n.id < 2 ** 63})
    assert quick_lane_taken(tmp_path, small.dumps())
    assert read_lock(str(tmp_path / "bank.lock.json")) == small


FORGED = [
    # another "notes" after the rows: json keeps the last one
    lambda t: t.replace('\n ]\n}\n', '\n ],\n "notes": [["z", "", 0, "gz", 9, 9, "z"]]\n}\n'),
    lambda t: t.replace('\n ]\n}\n', '\n ],\n "notes": []\n}\n'),
    lambda t: t.replace('\n ]\n}\n', '\n ],\n "notes": [NaN]\n}\n'),
    # "notes" before them too, or the rows' markers somewhere else
    lambda t: t.replace('"deck": "d",', '"notes": [["z", "", 0, "gz", 9, 9, "z"]], "deck": "d",'),
    lambda t: t.replace('"retired": [\n', '"retired": [\n1], "notes": [\n'),
    lambda t: t.replace('"counts": {', '"counts": {"x": NaN, '),
    lambda t: t.replace('"counts": {', '"counts": {"x": 1e400, '),
    lambda t: t.replace('"counts": {', '"counts": {"x": 18446744073709551617, '),
    lambda t: t.replace('"version": 2', '"version": 1'),
    lambda t: t.replace('"version": 2', '"version": 2.0'),
    lambda t: t.replace('"version": 2', '"version": true'),
    lambda t: t.replace('"version": 2', '"version": 3'),
    lambda t: t.replace('"format": "errata-anki-lock"', '"format": "other"'),
    lambda t: t.replace('"deck": "d",', '"deck": ["d"],'),
    lambda t: t.replace('"deck": "d",', ''),
    lambda t: t.replace('"options": 3', '"options": "x"'),
    lambda t: t.replace('"kind": "fact"', '"kind": "card"'),
    lambda t: t.replace('"fields": {"FactId": "r"}', '"fields": ["r"]'),
    lambda t: t.replace('"guid": "gr"', '"guid": "g1"'),
    lambda t: t.replace('"retired": [\n', '"retired": [\n{},\n'),
    lambda t: t.replace('\n ]\n}\n', '\n ]\n}\n{}'),
    lambda t: t.replace('\n ]\n}\n', '\n ]\n'),
    lambda t: t.replace('"notes": [\n', '"notes": [\n\n'),
    lambda t: t.replace('"notes": [\n', '"notes": [\n ["x", "", 0, "gx", 1, 1, "x"],\n'),
    lambda t: t.replace('\n ],\n "retired"', '\n ] ,\n "retired"'),
    lambda t: t.replace('"d1"]', '"d1"]]'),
    lambda t: t.replace('"d1"]', '"d1"'),
    lambda t: t.replace('"g1"', '"\\ud800"'),
    lambda t: t.replace('"g1"', '"\\u0067\\u0031"'),
    lambda t: "\ufeff" + t,
    lambda t: t.replace('"counts": {', '"counts": {"x": ' + "[" * 990 + "]" * 990 + ', '),
    lambda t: t + "\n",
    lambda t: t.replace("\n", "\r\n"),
    lambda t: "[" + t + "]",
]


@pytest.mark.parametrize("forge", FORGED, ids=range(len(FORGED)))
def test_forged_locks_read_as_the_plain_reading_reads_them(tmp_path, monkeypatch, forge):
    text = forge(written(GOOD))
    assert text != written(GOOD)
    quick, plain = both_ways(tmp_path, text, monkeypatch)
    assert quick == plain


def test_bytes_that_are_not_utf8_read_as_the_plain_reading_reads_them(tmp_path, monkeypatch):
    text = written(GOOD).encode()
    for bad in (b"\xff", b"\xc0\x80", b"\xed\xa0\x80", b"\xf4\x90\x80\x80"):
        quick, plain = both_ways(tmp_path, text.replace(b"g1", b"g" + bad), monkeypatch)
        assert quick == plain


def plain_lines(lock: Lock) -> list[str]:
    from json.encoder import encode_basestring as enc
    live = sorted((n for n in lock.notes.values() if n.retired is None), key=lambda n: (n.fact, n.source, n.n))
    return [f"[{enc(n.fact)}, {enc(n.source)}, {n.n:d}, {enc(n.guid)}, {n.id:d}, {n.mod:d}, {enc(n.digest)}]"
            for n in live]


class Count(int):
    pass


@pytest.mark.parametrize("value", [0, 7, -3, 2 ** 70, True, False, Count(4), 1.0, 1.5, "1", None, [1]])
def test_note_lines_are_the_plain_loops_lines(value):
    lock = lock_of_every_kind()
    for field in ("n", "id", "mod"):
        note = LockedNote("a", "", 0, "gv", 2000, 9, "dv")
        setattr(note, field, value)
        lock.notes["gv"] = note
        try:
            expected = plain_lines(lock)
        except (TypeError, ValueError) as e:
            with pytest.raises(type(e), match=str(e).replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")):
                lock.note_lines()
        else:
            assert lock.note_lines()[0] == expected
