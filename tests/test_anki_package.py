"""The .apkg writer: the collection's rows are genanki's rule applied note by note, the same notes
give the same bytes; the collection compressed in pieces on two threads is one valid DEFLATE
stream, and as one piece it is `zipfile`'s own."""

from __future__ import annotations

import gc
import random
import sqlite3
import time
import zipfile
from pathlib import Path

import genanki

from generator.writers.anki import package
from generator.writers.anki.notes import RETIRED_TAG, NoteSpec
from generator.writers.anki.notetypes import FACT, MYTH, NOTE_TYPES
from generator.writers.anki.package import PlannedNote, read_apkg, write_apkg

TITLE = "Test deck"
TYPE_MODS = {FACT.key: 1_700_000_000, MYTH.key: 1_700_000_100}


def planned(n: int) -> list[PlannedNote]:
    """``n`` notes of both kinds in three decks, with every pattern of the fields the card rules
    read (a fact without options has no Choose card), some retired, ids not in order."""
    notes = []
    for i in range(n):
        kind = FACT if i % 3 else MYTH
        values = [f"{kind.key} {i} field {j} " + "x" * (i * j % 50) for j in range(len(kind.fields))]
        values[-3:] = ["", "", ""]  # the spare fields
        if kind is FACT:
            values[5] = "" if i % 7 == 0 else values[5]  # no options: no Choose card
            values[0] = "" if i % 11 == 0 else values[0]  # no question: Recall from the notice
            values[7] = "" if i % 11 == 0 and i % 2 else values[7]  # neither: no Recall card
        retired = i % 13 == 0
        tags = [f"topic{i % 4}"] + ([RETIRED_TAG] if retired else [])
        deck = f"{TITLE}::Topic {i % 3}"
        spec = NoteSpec(kind.key, f"guid{i:06d}", f"fact-{i}", f"label {i}", deck, values, tags, retired=retired)
        nid = 1_600_000_000_000 + ((i * 7919) % n) * package.ID_STEP
        notes.append(PlannedNote(spec, nid, 1_650_000_000 + i, i))
    return notes


def write(tmp_path: Path, name: str, notes: list[PlannedNote]) -> tuple[Path, dict]:
    target, scratch = tmp_path / f"{name}.apkg", tmp_path / f"{name}.anki2"
    counts = write_apkg(str(target), str(scratch), notes, TYPE_MODS, TITLE, "<b>Described</b>")
    scratch.unlink()
    return target, counts


def collection(tmp_path: Path, apkg: Path) -> sqlite3.Connection:
    db = tmp_path / (apkg.name + ".anki2")
    with zipfile.ZipFile(apkg) as z:
        assert z.testzip() is None  # every entry's CRC-32 holds
        db.write_bytes(z.read("collection.anki2"))
    return sqlite3.connect(db)


def test_the_same_notes_give_the_same_bytes(tmp_path):
    notes = planned(600)
    first, first_counts = write(tmp_path, "first", notes)
    again, again_counts = write(tmp_path, "again", notes)
    assert first.read_bytes() == again.read_bytes() and first_counts == again_counts


def test_the_rows_are_genankis_rule_note_by_note(tmp_path):
    notes = planned(500)
    apkg, counts = write(tmp_path, "deck", notes)
    models = {k: nt.model(TYPE_MODS[k]) for k, nt in NOTE_TYPES.items()}
    want_notes, want_cards, want_counts = [], [], {}
    for p in sorted(notes, key=lambda p: p.id):
        s, model = p.spec, models[p.spec.kind]
        want_notes.append((p.id, s.guid, model.model_id, p.mod, -1, " " + " ".join(s.tags) + " ",
                           "\x1f".join(s.values), s.values[NOTE_TYPES[s.kind].sort_field], 0, 0, ""))
        for ord_, how, fields in model._req:
            if (any if how == "any" else all)(s.values[i] for i in fields):
                want_cards.append((p.id + ord_, p.id, package.deck_id_for(s.deck), ord_, p.mod, -1, 0,
                                   -1 if s.retired else 0, p.due, 0, 0, 0, 0, 0, 0, 0, 0, ""))
    by_type: dict[tuple, int] = {}
    for p in notes:
        for ord_, how, fields in models[p.spec.kind]._req:
            if (any if how == "any" else all)(p.spec.values[i] for i in fields):
                by_type[(p.spec.kind, ord_)] = by_type.get((p.spec.kind, ord_), 0) + 1
    for kind, nt in NOTE_TYPES.items():  # counts by card type, in the order of the note types and their card types
        for ord_, template in enumerate(nt.templates):
            if (kind, ord_) in by_type:
                want_counts[template[0]] = by_type[(kind, ord_)]
    con = collection(tmp_path, apkg)
    try:
        assert con.execute("select * from notes order by id").fetchall() == want_notes
        assert con.execute("select * from cards order by id").fetchall() == sorted(want_cards)
        assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        # genanki's schema: every table and index, in its order, with its SQL
        reference = sqlite3.connect(":memory:")
        reference.executescript(genanki.apkg_schema.APKG_SCHEMA)
        schema = "select type, name, tbl_name, sql from sqlite_master order by rowid"
        assert con.execute(schema).fetchall() == reference.execute(schema).fetchall()
        # each index answers as a scan of its table does
        assert (con.execute("select id from cards indexed by ix_cards_sched order by did, queue, due, id").fetchall()
                == con.execute("select id from cards not indexed order by did, queue, due, id").fetchall())
        assert con.execute("select count(*) from cards indexed by ix_cards_nid where nid > 0").fetchone() == \
            (len(want_cards),)
    finally:
        con.close()
    assert list(counts.items()) == list(want_counts.items())
    shipped = read_apkg(str(apkg))
    assert sorted(shipped) == sorted(p.spec.guid for p in notes)
    some = [p.spec.guid for p in notes[::7]]
    assert read_apkg(str(apkg), some + ["no such guid", some[0]]) == {g: shipped[g] for g in some}
    assert gc.isenabled()  # read_apkg holds the collector off while it reads, and only then
    by_guid = {p.spec.guid: p for p in notes}
    with_cards = {nid for _, nid, *_ in want_cards}
    for guid, ship in shipped.items():
        p = by_guid[guid]
        deck = p.spec.deck if p.id in with_cards else ""  # the deck is its cards'
        assert (ship.id, ship.mod, ship.kind, ship.deck, ship.values, ship.tags) == \
            (p.id, p.mod, p.spec.kind, deck, p.spec.values, p.spec.tags)


def test_pieces_make_one_deflate_stream(tmp_path, monkeypatch):
    notes = planned(400)
    whole, _ = write(tmp_path, "whole", notes)
    size = len(zipfile.ZipFile(whole).read("collection.anki2"))
    # many pieces, and a piece size that divides the file exactly (the last piece is a whole one)
    for piece in (package.WINDOW // 2, 5 * 4096, size // 4 if size % 4 == 0 else 16384):
        monkeypatch.setattr(package, "DEFLATE_PIECE", piece)
        pieced, _ = write(tmp_path, f"pieced-{piece}", notes)
        with zipfile.ZipFile(whole) as a, zipfile.ZipFile(pieced) as b:
            assert b.testzip() is None
            assert a.namelist() == b.namelist() == ["collection.anki2", "media"]
            assert [a.read(n) for n in a.namelist()] == [b.read(n) for n in b.namelist()]
            assert [(i.date_time, i.external_attr, i.compress_type) for i in b.infolist()] == \
                [(i.date_time, i.external_attr, i.compress_type) for i in a.infolist()]
        again, _ = write(tmp_path, f"again-{piece}", notes)
        assert again.read_bytes() == pieced.read_bytes()


def test_one_piece_is_zipfiles_own_zip(tmp_path):
    """A collection of one piece: the bytes `zipfile` writes, with the same entries and settings."""
    notes = planned(300)
    apkg, _ = write(tmp_path, "deck", notes)
    with zipfile.ZipFile(apkg) as z:
        data = z.read("collection.anki2")
    assert len(data) <= package.DEFLATE_PIECE
    expected = tmp_path / "zipfile.apkg"
    with zipfile.ZipFile(expected, "w") as z:
        for name, content in (("collection.anki2", data), ("media", b"{}")):
            info = zipfile.ZipInfo(name, date_time=package.ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o644 << 16
            z.writestr(info, content, compresslevel=package.ZIP_LEVEL)
    assert apkg.read_bytes() == expected.read_bytes()


def _text(size: int, seed: int) -> bytearray:
    rng = random.Random(seed)
    words = [f"word{i}" for i in range(300)]
    out = bytearray()
    while len(out) < size:
        out += (" ".join(rng.choices(words, k=12)) + "\n").encode()
    return out[:size]


def test_pieces_compressed_ahead_are_used_only_while_unchanged(tmp_path, monkeypatch):
    """The collection compressed while it is written: a piece with a page not yet written (or
    such a page in the 32 KiB before it) waits until the page is written; a piece is taken from
    what was compressed ahead only if it and the 32 KiB before it are still those bytes: a piece
    changed since, the piece after a changed end, and the last piece (it ends the stream) are
    compressed again. The deck is the same either way."""
    piece = 4 * package.PAGE_SIZE
    monkeypatch.setattr(package, "DEFLATE_PIECE", piece)
    data = _text(10 * piece + 1000, 1)
    filled = bytes(data)
    holes = (6 * piece + package.PAGE_SIZE, 8 * piece - package.PAGE_SIZE)  # in piece 6; in piece 8's primer
    for at in holes:
        data[at:at + package.PAGE_SIZE] = bytes(package.PAGE_SIZE)  # a page SQLite has not written yet
    path = tmp_path / "collection.anki2"
    path.write_bytes(data)

    def overwrite(content: bytes) -> None:
        # In place, as SQLite writes its pages: truncating first (write_bytes) would let the follower
        # read a file shorter than what it has already reached.
        with open(path, "r+b") as fh:
            fh.write(content)

    def wait(done):
        deadline = time.monotonic() + 60
        while not done() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert done()

    ahead = package._CompressedAhead(str(path), piece)
    try:
        wait(lambda: ahead.reached == 10 * piece)
        assert len(ahead.ready) == 7 and sorted(ahead.waiting) == [6 * piece, 7 * piece, 8 * piece]
        overwrite(filled)  # the pages written
        # The thread takes a piece off ``waiting`` before it compresses it: wait for the piece itself.
        wait(lambda: len(ahead.ready) == 10)
        assert not ahead.waiting
        data = bytearray(filled)
        data[2 * piece + 500:2 * piece + 510] = b"x" * 10  # changed after it was read
        data[5 * piece - 100:5 * piece - 90] = b"y" * 10  # the end of piece 4: piece 5's primer
        overwrite(data)
        ahead.finish()
        package._zip_collection(str(tmp_path / "ahead.apkg"), str(path), ahead.ready)
    finally:
        ahead.close()
    assert len(ahead.ready) == 3  # pieces 2, 4 and 5 were compressed again; the other seven were taken
    package._zip_collection(str(tmp_path / "plain.apkg"), str(path))
    assert (tmp_path / "ahead.apkg").read_bytes() == (tmp_path / "plain.apkg").read_bytes()
    with zipfile.ZipFile(tmp_path / "ahead.apkg") as z:
        assert z.read("collection.anki2") == bytes(data)


def test_a_deck_compressed_while_written_is_the_finished_files(tmp_path, monkeypatch):
    """The whole writer with small pieces and a thread that looks at the file as often as it can:
    the same bytes as the finished collection zipped afterwards."""
    monkeypatch.setattr(package, "DEFLATE_PIECE", package.PAGE_SIZE)
    monkeypatch.setattr(package, "FOLLOW_EVERY", 0)
    notes = planned(900)
    target, scratch = tmp_path / "deck.apkg", tmp_path / "deck.anki2"
    write_apkg(str(target), str(scratch), notes, TYPE_MODS, TITLE, "<b>Described</b>")
    package._zip_collection(str(tmp_path / "plain.apkg"), str(scratch))
    assert target.read_bytes() == (tmp_path / "plain.apkg").read_bytes()


def test_meanwhile_runs_beside_the_indexes_and_its_error_is_raised(tmp_path):
    """``meanwhile`` is called once, on another thread, while the collection is written; the deck
    is the same as without it; an error it raises is raised by `write_apkg`."""
    import threading

    notes = planned(300)
    plain, _ = write(tmp_path, "plain", notes)
    calls = []
    target, scratch = tmp_path / "beside.apkg", tmp_path / "beside.anki2"
    write_apkg(str(target), str(scratch), notes, TYPE_MODS, TITLE, "<b>Described</b>",
               meanwhile=lambda: calls.append(threading.current_thread() is threading.main_thread()))
    assert calls == [False]
    assert target.read_bytes() == plain.read_bytes()

    def fails():
        raise ValueError("meanwhile failed")

    try:
        write_apkg(str(tmp_path / "failed.apkg"), str(tmp_path / "failed.anki2"), notes, TYPE_MODS, TITLE,
                   "<b>Described</b>", meanwhile=fails)
    except ValueError as e:
        assert str(e) == "meanwhile failed"
    else:
        raise AssertionError("the error of meanwhile was not raised")
