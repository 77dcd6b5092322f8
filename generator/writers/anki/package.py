"""The .apkg: genanki's tables filled with our ids and times, in a DEFLATE zip; and read back.

genanki stamps every note, card and note type with one package timestamp and inserts
row by row; here each note brings its own id and modification time (from the lock),
each note type its own modification time, and the rows go in with `executemany` into a
scratch file in the output folder (a temporary file the next run removes if this one
is killed), in parts (`CollectionWriter`): rows added here, and rows another process wrote
into a collection of its own, copied in by SQLite. The collection is compressed in pieces
on two threads, most of them while SQLite is still writing it (`_CompressedAhead`). The zip
has fixed entry times, so the same notes give the same bytes. The collection is the legacy
`collection.anki2` (schema 11) that every Anki client still imports.

`read_apkg` reads a deck written earlier: the notes students were last given, with
their times and content, for when the lock cannot say (see `build`)."""

from __future__ import annotations

import gc
import hashlib
import json
import os
import shutil
import sqlite3
import threading
import zipfile
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from operator import itemgetter
from typing import Callable, Iterable

import genanki
from genanki.apkg_col import APKG_COL
from genanki.apkg_schema import APKG_SCHEMA

from ...text.markup import text_html
from ..deflate import WINDOW, deflate_piece
from .notes import NoteSpec, content_digest
from .notetypes import NOTE_TYPES

ZIP_TIME = (1980, 1, 1, 0, 0, 0)
# DEFLATE level 1: a quarter of level 6's time (0.18 s against 0.7 s for 20,000 notes), for a
# deck 16 % larger (58 KB against 50 KB for questions.yaml; 3.9 MB against 3.1 MB at 10,000 facts).
ZIP_LEVEL = 1
PAGE_SIZE = 16384  # SQLite pages of 16 KiB: 10 % less file to write and compress than 4 KiB
# SQLite's page cache: 16 MiB (1,024 pages) instead of its 2 MiB. A b-tree's inner page that is full
# is still rewritten when its right sibling splits (cells move between siblings); with 2 MiB it has
# already been written by then, and the piece of the file holding it, compressed ahead, has to be
# compressed again when zipped (10 of 61 pieces at 100,000 facts, against none here but the header's).
# The pages are the same: only when SQLite writes them changes.
CACHE_KIB = 16384
# The collection is compressed in pieces of 4 MiB (`_DeflatePieces`): 64 at 100,000 facts, enough
# for two threads to share, few enough that the 32 KiB each is primed with costs nothing.
DEFLATE_PIECE = 4 << 20
ID_STEP = 4  # note ids are this far apart; a note's cards are id + ordinal (at most 3 card types)


@dataclass
class PlannedNote:
    spec: NoteSpec
    id: int
    mod: int
    due: int


def deck_id_for(name: str) -> int:
    """A fixed id per deck name (Anki matches decks by name; the id only has to be stable)."""
    h = int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:8], "big")
    return 1_000_000_000_000 + h % 1_000_000_000_000


@dataclass
class WrittenRows:
    """Notes and cards written into a collection of their own (`CollectionWriter` with ``tables_only``),
    by another process, to be copied into the deck's (`CollectionWriter.copy`): the deck names and card
    patterns its notes used, in the order they first appear (`CollectionWriter.decks`, ``.patterns``)."""

    path: str
    decks: list[str]
    patterns: dict[tuple, int]


class CollectionWriter:
    """The SQLite collection of a deck, written in parts: rows (`add`, `copy`), then `finish`.

    Rows go in from generators, so no second copy of the deck's text is held. With ``tables_only``
    it is a scratch collection of notes and cards only, for another process to fill and the deck's
    writer to copy (`WrittenRows`): the rows are the same as if they had been added to the deck."""

    def __init__(self, db_path: str, tables_only: bool = False, existing: bool = False):
        # Which card types a note gets: genanki's rule (the required fields of each template).
        self._reqs = {k: [(ord_, how == "any", tuple(fields)) for ord_, how, fields in nt.model(0)._req]
                      for k, nt in NOTE_TYPES.items()}
        self._note_kinds = {k: (nt.id, nt.sort_field) for k, nt in NOTE_TYPES.items()}
        # A note's card types depend only on which of the fields the rules read are empty: the
        # rules are applied once per kind and pattern, and each note looks its pattern up.
        self._read = {k: sorted({i for _, _, fields in rs for i in fields}) for k, rs in self._reqs.items()}
        self._getters = {k: itemgetter(*fields, fields[0]) for k, fields in self._read.items()}  # always a tuple
        self._masks: dict[tuple, int] = {}  # pattern → its card types, bit ord_ for card type ord_
        self.patterns: dict[tuple, int] = {}  # pattern → its notes, in the order the patterns first appear
        self.taken_cards: dict[tuple[str, int], int] = {}  # (kind, card type) → cards taken from a last deck
        self.moved = 0  # of the notes kept (`keep`), those whose cards moved
        self.decks: dict[str, int] = {}  # deck name → id, in the order the notes first use them
        self._conn = conn = sqlite3.connect(db_path)
        cur = conn.cursor()
        cur.execute(f"PRAGMA page_size = {PAGE_SIZE}")  # before the first table
        cur.execute("PRAGMA journal_mode = OFF")  # a scratch file: written once, then zipped
        cur.execute("PRAGMA synchronous = OFF")
        cur.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        cur.execute("PRAGMA locking_mode = EXCLUSIVE")
        tables, _, self._indexes = APKG_SCHEMA.partition("CREATE INDEX")
        if existing:
            # A last deck's collection (`extract_collection`), its rows and indexes kept (`keep`); its
            # decks and note types are made again, as in a new collection.
            self._indexes = ""
            self._last_decks = cur.execute("SELECT decks FROM col").fetchone()[0]  # for `shipped`
            cur.execute("DELETE FROM col")
            cur.executescript(APKG_COL)
        elif tables_only:
            cur.executescript(";".join(t for t in tables.split(";") if "TABLE notes" in t or "TABLE cards" in t))
        else:
            cur.executescript(tables)  # indexes after the rows: one sort instead of an update per row
            cur.executescript(APKG_COL)

    def add(self, notes: list[PlannedNote]) -> None:
        """Insert the notes and their cards, in the order given."""
        note_kinds, getters, masks, patterns, decks = (self._note_kinds, self._getters, self._masks, self.patterns,
                                                       self.decks)

        def note_rows():
            for p in notes:
                s = p.spec
                values = s.values
                mid, sort_field = note_kinds[s.kind]
                yield p.id, s.guid, mid, p.mod, " " + " ".join(s.tags) + " ", "\x1f".join(values), values[sort_field]

        def card_rows():
            """A row a note: SQLite makes its cards (`CARDS`) from the card types in the mask."""
            for p in notes:
                s = p.spec
                kind = s.kind
                key = (kind, *map(bool, getters[kind](s.values)))
                mask = masks.get(key)
                if mask is None:
                    mask = masks[key] = sum(1 << ord_ for ord_ in self._ords_of(key))
                    if mask >> ID_STEP:  # `CARDS` makes ID_STEP card types at most (their ids would meet)
                        raise ValueError(f"note type {kind}: more than {ID_STEP} card types")
                patterns[key] = patterns.get(key, 0) + 1
                deck_id = decks.get(s.deck)
                if deck_id is None:
                    deck_id = decks[s.deck] = deck_id_for(s.deck)
                yield p.id, deck_id, p.mod, -1 if s.retired else 0, p.due, mask

        cur = self._conn.cursor()
        # usn -1, csum 0, flags 0, data "" and a new card's zeros, as genanki writes them.
        cur.executemany("INSERT INTO notes VALUES(?,?,?,?,-1,?,?,?,0,0,'')", note_rows())
        cur.executemany(CARDS, card_rows())

    def copy(self, rows: WrittenRows, new_from: int, shift: int) -> None:
        """Insert the notes and cards of another collection (in the order of their ids), the ids of
        notes from ``new_from`` on moved on by ``shift`` (with their cards'): notes another process
        added, numbered before it knew how many this one had added."""
        conn = self._conn
        conn.execute("ATTACH DATABASE ? AS written", (rows.path,))
        if shift:
            moved = f"CASE WHEN {{0}} >= {int(new_from)} THEN {{0}} + {int(shift)} ELSE {{0}} END"
            conn.execute(f"INSERT INTO notes SELECT {moved.format('id')}, guid, mid, mod, usn, tags, flds, sfld, "
                         f"csum, flags, data FROM written.notes ORDER BY id")
            conn.execute(f"INSERT INTO cards SELECT {moved.format('id')}, {moved.format('nid')}, did, ord, mod, "
                         f"usn, type, queue, due, ivl, factor, reps, lapses, left, odue, odid, flags, data "
                         f"FROM written.cards ORDER BY id")
        else:
            # As they are, with no ORDER BY: SQLite then copies the records without decoding them (its
            # transfer optimisation: 40 % faster), in the order of their ids all the same (a table with
            # an integer primary key and no index is read in that order).
            conn.execute("INSERT INTO notes SELECT * FROM written.notes")
            conn.execute("INSERT INTO cards SELECT * FROM written.cards")
        conn.commit()  # a database is detached outside a transaction
        conn.execute("DETACH DATABASE written")
        for name in rows.decks:
            if name not in self.decks:
                self.decks[name] = deck_id_for(name)
        for key, n in rows.patterns.items():
            self.patterns[key] = self.patterns.get(key, 0) + n

    def use_decks(self, names: list[str]) -> None:
        """Have these decks, in this order, before those of the notes added after."""
        for name in names:
            if name not in self.decks:
                self.decks[name] = deck_id_for(name)

    def shipped(self, guids: Iterable[str]) -> dict[str, ShippedNote]:
        """`read_apkg` of these notes of an ``existing`` collection, before `keep`."""
        return _shipped_notes(self._conn, self._last_decks, guids)

    def keep(self, dues: dict[int, int], dropped: list[int], cards: dict[tuple[str, int], int]) -> None:
        """Of an ``existing`` collection's notes, drop those ``dropped`` (their ids) with their cards, and give
        the others' cards the due of their note in ``dues`` (by id: where the note now is in the deck).
        ``cards``: the collection's cards per note type and card type; the dropped ones' are taken off, the
        rest counted (`card_counts`). Before any other row."""
        conn = self._conn
        kinds = {nt.id: k for k, nt in NOTE_TYPES.items()}
        kept = dict(cards)
        conn.execute("CREATE TEMP TABLE dropped (id INTEGER PRIMARY KEY)")
        conn.executemany("INSERT INTO dropped VALUES (?)", ((i,) for i in dropped))
        for mid, ord_, n in conn.execute("SELECT notes.mid, cards.ord, count(*) FROM dropped JOIN notes ON "
                                         "notes.id = dropped.id JOIN cards ON cards.nid = dropped.id GROUP BY 1, 2"):
            kept[(kinds.get(mid), ord_)] = kept.get((kinds.get(mid), ord_), 0) - n
        conn.execute("DELETE FROM notes WHERE id IN (SELECT id FROM dropped)")
        conn.execute("DELETE FROM cards WHERE nid IN (SELECT id FROM dropped)")
        conn.execute("DROP TABLE dropped")
        # Only the cards whose note moved are written (none, when no fact moved).
        moved = [(dues[nid], nid) for nid, due in conn.execute("SELECT nid, due FROM cards") if dues[nid] != due]
        conn.executemany("UPDATE cards SET due = ? WHERE nid = ?", moved)
        conn.commit()
        self.moved = len(moved)
        self.taken_cards = {key: n for key, n in kept.items() if n}

    def written(self, path: str) -> WrittenRows:
        """Commit and close a scratch collection (``tables_only``) at ``path``, for `copy`."""
        self._conn.commit()
        self._conn.close()
        return WrittenRows(path, list(self.decks), self.patterns)

    def finish(self, type_mods: dict[str, int], title: str, description: str,
               meanwhile: Callable[[], object] | None = None) -> dict[str, int]:
        """The deck's and note types' rows, then the indexes; return the cards per card type name.
        ``meanwhile`` is called on another thread while SQLite makes the indexes (`Meanwhile`)."""
        models = {k: nt.model(type_mods[k]) for k, nt in NOTE_TYPES.items()}
        parent_id = deck_id_for(title)
        decks = {title: genanki.Deck(parent_id, title, description=description)}
        for name, deck_id in self.decks.items():
            if name not in decks:
                decks[name] = genanki.Deck(deck_id, name)
        cur = self._conn.cursor()
        old_decks, old_models = cur.execute("SELECT decks, models FROM col").fetchone()
        all_decks = json.loads(old_decks)  # genanki's template collection has Anki's "Default" deck
        all_decks.update({str(d.deck_id): d.to_json() for d in decks.values()})
        all_models = json.loads(old_models)
        all_models.update({str(m.model_id): m.to_json(0, parent_id) for m in models.values()})
        cur.execute("UPDATE col SET decks = ?, models = ?", (json.dumps(all_decks), json.dumps(all_models)))
        with Meanwhile(meanwhile):
            if self._indexes:
                cur.executescript("CREATE INDEX" + self._indexes)
            self._conn.commit()
        return self.card_counts()

    def card_counts(self) -> dict[str, int]:
        """The cards per card type name, in the order of the note types and their card types."""
        by_type = dict(self.taken_cards)
        for key, n in self.patterns.items():
            for ord_ in self._ords_of(key):
                by_type[(key[0], ord_)] = by_type.get((key[0], ord_), 0) + n
        counts: dict[str, int] = {}
        for kind, nt in NOTE_TYPES.items():
            for ord_, (template, *_) in enumerate(nt.templates):
                if by_type.get((kind, ord_)):
                    counts[template] = counts.get(template, 0) + by_type[(kind, ord_)]
        return counts

    def close(self) -> None:
        self._conn.close()

    def _ords_of(self, key: tuple) -> tuple[int, ...]:
        kind, *filled = key
        filled = dict(zip(self._read[kind], filled))
        return tuple(ord_ for ord_, any_of, fields in self._reqs[kind]
                     if (any if any_of else all)(filled[i] for i in fields))


# A note's cards, in the order of their card types, from one row a note (`card_rows`): id, deck, mod,
# queue, due and the mask of its card types. Cards' ids are the note's id + ord, so that a note
# has at most ID_STEP of them. Usn -1, type 0 and a new card's zeros, as genanki writes them.
# Half the rows and parameters Python hands SQLite that a row a card needs.
CARDS = ("INSERT INTO cards SELECT ?1 + ord, ?1, ?2, ord, ?3, -1, 0, ?4, ?5, 0, 0, 0, 0, 0, 0, 0, 0, '' FROM ("
         + " UNION ALL ".join(f"SELECT {ord_} AS ord WHERE ?6 & {1 << ord_}" for ord_ in range(ID_STEP)) + ")")


class Meanwhile:
    """Call a function on a thread for the time of a ``with`` block, and wait for it (its error
    raised) on leaving the block. Python code on two threads takes turns (the GIL): this is for a
    block that spends its time in C with the GIL let go, as SQLite making an index does, not for
    `executemany`, whose thread would wait for its turn after every row."""

    def __init__(self, fn: Callable[[], object] | None):
        self._fn, self._error = fn, None
        self._thread = threading.Thread(target=self._run, name="meanwhile", daemon=True) if fn else None

    def _run(self) -> None:
        try:
            self._fn()
        except BaseException as e:  # raised again on the block's thread
            self._error = e

    def __enter__(self) -> "Meanwhile":
        if self._thread is not None:
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        if self._thread is not None:
            self._thread.join()
            if self._error is not None and exc[0] is None:
                raise self._error


class ApkgWriter(CollectionWriter):
    """The deck as an .apkg at ``target`` (a staged file): its collection written at ``scratch`` in parts
    (`CollectionWriter`), compressed while it is written (`_CompressedAhead`) and zipped by `finish`."""

    def __init__(self, target: str, scratch: str, ready: dict[tuple, bytes] | None = None):
        """``ready``: ``scratch`` is a last deck's collection, extracted, and these its pieces compressed
        (`extract_collection`): the deck is written on it (`keep`), and the pieces that stay the same
        are not compressed again."""
        super().__init__(scratch, existing=ready is not None)
        self._target, self._scratch, self._ready = target, scratch, ready
        # Started with the first rows, not before: a process may be forked meanwhile (a child of a
        # process with threads gets only the forking one, and whatever locks the others held).
        self._ahead: _CompressedAhead | None = None

    def add(self, notes: list[PlannedNote]) -> None:
        if self._ahead is None and self._ready is None:
            self._ahead = _CompressedAhead(self._scratch, DEFLATE_PIECE)
        super().add(notes)

    def finish(self, type_mods: dict[str, int], title: str, description: str,
               meanwhile: Callable[[], object] | None = None) -> dict[str, int]:
        counts = super().finish(type_mods, title, description, meanwhile)
        self._conn.close()
        if self._ahead is not None:
            self._ahead.finish()
        _zip_collection(self._target, self._scratch, self._ahead.ready if self._ahead is not None else self._ready)
        return counts

    def close(self) -> None:
        try:
            super().close()
        finally:
            if self._ahead is not None:
                self._ahead.close()


def write_apkg(target: str, scratch: str, notes: list[PlannedNote], type_mods: dict[str, int], title: str,
               description: str, meanwhile: Callable[[], object] | None = None) -> dict[str, int]:
    """Write the deck holding ``notes`` as an .apkg to ``target`` (a staged file), using ``scratch`` for
    the collection; return its cards per card type name (`ApkgWriter` in one part). ``meanwhile`` is
    called on another thread once the rows are in, while SQLite makes the indexes."""
    writer = ApkgWriter(target, scratch)
    try:
        writer.add(notes)
        return writer.finish(type_mods, title, description, meanwhile)
    finally:
        writer.close()


def _zip_collection(target: str, scratch: str, ready: dict | None = None) -> None:
    """Zip the collection at ``scratch`` into ``target``; ``ready``: pieces compressed ahead (`_CompressedAhead`)."""
    with zipfile.ZipFile(target, "w") as z:
        size = os.path.getsize(scratch)
        with ThreadPoolExecutor(max_workers=2) as pool, open(scratch, "rb") as src, \
                z.open(_zip_info("collection.anki2"), "w") as dst:
            # zipfile writes the entry (CRC, sizes, headers); the pieces are compressed on the pool.
            dst._compressor = _DeflatePieces(_ReadyFirst(pool, ready) if ready else pool, size)
            while piece := src.read(DEFLATE_PIECE):
                dst.write(piece)
        z.writestr(_zip_info("media"), b"{}", compresslevel=ZIP_LEVEL)


# How often the collection's size is looked at while SQLite writes it (`_CompressedAhead`).
FOLLOW_EVERY = 0.01
_HOLE = bytes(8)  # the start of a page SQLite has not written yet


def _piece_key(args: tuple) -> tuple:
    """What a piece's compression depends on: its bytes, those before it, whether it ends the stream
    (`_deflate_piece`'s arguments), the bytes by their SHA-256."""
    key = []
    for a in args:
        if isinstance(a, (bytes, bytearray, memoryview)):
            key += (len(a), hashlib.sha256(a).digest())  # hashlib lets go of the GIL
        else:
            key.append(a)
    return tuple(key)


class _CompressedAhead:
    """The collection's pieces compressed while SQLite still writes the file: the rows go in on
    this core, the pieces already written are compressed on the other. A thread follows the
    file as it grows and compresses each whole piece as `_DeflatePieces` will ask for it (the
    same bytes, the 32 KiB before it as primer), kept in ``ready`` by `_piece_key`.

    SQLite keeps the b-trees' inner pages in its cache and writes them when the rows are all in
    (before the indexes are made), leaving a hole of zeros in the file until then: a piece
    whose bytes or primer have such a hole waits until it is filled. A piece that changes after
    it was read (the header, a page written twice) no longer has its key, and is compressed again
    when the collection is zipped (`_ReadyFirst`). So the deck is the finished file's, compressed,
    whatever the thread managed to do ahead."""

    def __init__(self, path: str, piece: int):
        self._path, self._piece = path, piece
        self.ready: dict[tuple, bytes] = {}
        self.reached = 0  # the bytes of the file gone over once
        self.waiting: dict[int, list[int]] = {}  # where a piece starts → where its holes are
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._follow, name="deflate-ahead", daemon=True)
        self._thread.start()

    def finish(self) -> None:
        """SQLite is done: leave the rest to the zip (the piece in hand is still finished)."""
        self._done.set()

    def close(self) -> None:
        self._done.set()
        self._thread.join()

    def _follow(self) -> None:
        piece, done, waiting = self._piece, self._done, self.waiting
        src = None
        try:
            while not done.is_set():
                if src is None:
                    try:
                        src = open(self._path, "rb", buffering=0)
                    except FileNotFoundError:  # SQLite has not made it yet
                        done.wait(FOLLOW_EVERY)
                        continue
                for start, holes in list(waiting.items()):
                    holes[:] = [at for at in holes if _read(src, at, len(_HOLE)) == _HOLE]
                    if not holes:
                        del waiting[start]
                        self._compress(src, start)
                if os.fstat(src.fileno()).st_size >= self.reached + piece:
                    self._compress(src, self.reached)
                    self.reached += piece
                else:
                    done.wait(FOLLOW_EVERY)
        except OSError:
            pass  # what could not be done ahead is done by the zip
        finally:
            if src is not None:
                src.close()

    def _compress(self, src, start: int) -> None:
        before = min(start, WINDOW)
        primer_data = _read(src, start - before, before + self._piece)
        first = -(start - before) % PAGE_SIZE  # where the first page starts in what was read
        holes = [start - before + i for i in range(first, len(primer_data), PAGE_SIZE)
                 if primer_data[i:i + len(_HOLE)] == _HOLE]
        if holes:
            self.waiting[start] = holes
        elif len(primer_data) == before + self._piece:
            args = (primer_data[before:], primer_data[:before], False)
            self.ready[_piece_key(args)] = _deflate_piece(*args)


def _read(src, at: int, size: int) -> bytes:
    src.seek(at)
    return src.read(size)


class _ReadyFirst:
    """The thread pool `_DeflatePieces` compresses on, answering with the piece compressed ahead
    when its arguments are those it was compressed with (`_CompressedAhead`)."""

    def __init__(self, pool: ThreadPoolExecutor, ready: dict[tuple, bytes]):
        self._pool, self._ready = pool, ready

    def submit(self, fn, *args):
        return self._pool.submit(self._piece, fn, args)

    def _piece(self, fn, args):
        done = self._ready.pop(_piece_key(args), None) if fn is _deflate_piece else None
        return fn(*args) if done is None else done


def _zip_info(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info._compresslevel = ZIP_LEVEL
    info.create_system = 3
    info.external_attr = 0o644 << 16
    return info


class _DeflatePieces:
    """A zip entry's compressor (zlib's ``compress``/``flush``) that compresses each piece it is
    given on a thread pool (zlib lets go of the GIL): each piece on its own, primed with the 32 KiB
    before it and ended on a byte boundary, so the pieces joined are one DEFLATE stream (as pigz
    makes it) that depends on the pieces alone, not on the threads. One piece is compressed
    exactly as zipfile would. ``size`` is the entry's: the piece that reaches it ends the stream."""

    def __init__(self, pool: ThreadPoolExecutor, size: int):
        self._pool, self._left, self._primer = pool, size, b""
        self._ahead: deque = deque()  # compressed pieces not yet returned, in order
        self._started = False

    def compress(self, data: bytes) -> bytes:
        self._started = True
        self._left -= len(data)
        self._ahead.append(self._pool.submit(_deflate_piece, data, self._primer, self._left <= 0))
        self._primer = data[-WINDOW:] if len(data) >= WINDOW else (self._primer + data)[-WINDOW:]
        done = []  # what is ready, in order; at most a few pieces wait (memory)
        while self._ahead and (len(self._ahead) > 3 or self._ahead[0].done()):
            done.append(self._ahead.popleft().result())
        return b"".join(done)

    def flush(self) -> bytes:
        if not self._started:
            return _deflate_piece(b"", b"", True)
        done = [piece.result() for piece in self._ahead]
        self._ahead.clear()
        return b"".join(done)


def _deflate_piece(data: bytes, primer: bytes, last: bool) -> bytes:
    """A piece of the collection's stream (`deflate_piece` at the deck's level, ``ZIP_LEVEL``)."""
    return deflate_piece(data, primer, last, ZIP_LEVEL)


@dataclass
class ShippedNote:
    """A note as a deck written earlier holds it."""

    guid: str
    id: int
    mod: int
    kind: str
    deck: str
    values: list[str]
    tags: list[str]

    @property
    def retired(self) -> bool:
        from .notes import RETIRED_TAG
        return RETIRED_TAG in self.tags

    def digest(self) -> str:
        return content_digest(self.kind, self.values, self.tags)

    def spec(self, fact_id: str, label: str, source: str, n: int) -> NoteSpec:
        nt = NOTE_TYPES[self.kind]
        values = self.values + [""] * (len(nt.field_names) - len(self.values))
        return NoteSpec(self.kind, self.guid, fact_id, label, self.deck, values[:len(nt.field_names)],
                        list(self.tags), retired=self.retired, source=source, n=n)


def extract_collection(apkg: str, path: str) -> dict[tuple, bytes] | None:
    """Write the collection of the deck at ``apkg`` to ``path`` and return its pieces compressed as the zip
    compresses them (`_zip_collection`'s ``ready``); None if the deck has no collection Errata writes."""
    with zipfile.ZipFile(apkg) as z:
        if "collection.anki2" not in z.namelist():
            return None
        with z.open("collection.anki2") as src, open(path, "wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
    ready: dict[tuple, bytes] = {}
    size = os.path.getsize(path)
    with open(path, "rb") as src:
        primer, start = b"", 0
        while piece := src.read(DEFLATE_PIECE):
            start += len(piece)
            args = (piece, primer, start >= size)
            ready[_piece_key(args)] = _deflate_piece(*args)
            primer = piece[-WINDOW:] if len(piece) >= WINDOW else (primer + piece)[-WINDOW:]
    return ready


def read_apkg(path: str, guids: Iterable[str] | None = None) -> dict[str, ShippedNote]:
    """The notes of an .apkg written by Errata, by GUID (other note types are ignored); only those of
    ``guids``, if given (a few notes of a large deck are read without making all the others')."""
    with zipfile.ZipFile(path) as z:
        db = z.read("collection.anki2")
    conn = sqlite3.connect(":memory:")
    try:
        conn.deserialize(db)
        return _shipped_notes(conn, conn.execute("select decks from col").fetchone()[0], guids)
    finally:
        conn.close()


def _shipped_notes(conn: sqlite3.Connection, decks_json: str, guids: Iterable[str] | None) -> dict[str, ShippedNote]:
    """`read_apkg` of the collection open on ``conn``, whose decks are ``decks_json`` (its `col` row's)."""
    kinds = {nt.id: k for k, nt in NOTE_TYPES.items()}
    decks = {int(k): d["name"] for k, d in json.loads(decks_json).items()}
    where = ""
    if guids is not None:
        conn.execute("CREATE TEMP TABLE wanted (guid TEXT PRIMARY KEY)")
        conn.executemany("INSERT OR IGNORE INTO wanted VALUES (?)", ((g,) for g in guids))
        where = "where n.guid in (select guid from wanted) "
    out = {}
    # Three new objects a note, none in a cycle: the cyclic collector would walk the whole heap
    # again and again as they pile up (2.5 s of 5.5 at 200,000 notes), so it waits until they are made.
    collecting = gc.isenabled()
    gc.disable()
    try:
        for nid, guid, mid, mod, flds, tags, did in conn.execute(
                "select n.id, n.guid, n.mid, n.mod, n.flds, n.tags, min(c.did) "
                f"from notes n left join cards c on c.nid = n.id {where}group by n.id"):
            if mid in kinds:
                out[guid] = ShippedNote(guid, nid, mod, kinds[mid], decks.get(did, ""), flds.split("\x1f"),
                                        tags.split())
    finally:
        if collecting:
            gc.enable()
        if guids is not None:
            conn.execute("DROP TABLE wanted")
    return out


def description_html(text: str) -> str:
    return text_html(text)  # the same markup subset and escaping as every other bank text
