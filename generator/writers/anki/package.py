"""The .apkg: genanki's tables filled with our ids and times, in a DEFLATE zip; and read back.

genanki stamps every note, card and note type with one package timestamp and inserts
row by row; here each note brings its own id and modification time (from the lock),
each note type its own modification time, the rows go in with `executemany` into an
in-memory database (no temporary file left by a killed run), and the zip has fixed
entry times, so the same notes give the same bytes. The collection is the legacy
`collection.anki2` (schema 11) that every Anki client still imports.

`read_apkg` reads a deck written earlier: the notes students were last given, with
their times and content, for when the lock cannot say (see `build`).
"""

from __future__ import annotations

import hashlib
import io
import json
import sqlite3
import zipfile
from dataclasses import dataclass

import genanki
from genanki.apkg_col import APKG_COL
from genanki.apkg_schema import APKG_SCHEMA

from ...text.markup import text_html
from .notes import NoteSpec, content_digest
from .notetypes import NOTE_TYPES

ZIP_TIME = (1980, 1, 1, 0, 0, 0)
ZIP_LEVEL = 6  # level 9 costs twice the time for a file 1 % smaller
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


def collection_bytes(notes: list[PlannedNote], type_mods: dict[str, int], title: str,
                     description: str) -> tuple[bytes, dict[str, int]]:
    """The SQLite collection holding ``notes``, as bytes; and its cards per card type name."""
    models = {k: nt.model(type_mods[k]) for k, nt in NOTE_TYPES.items()}
    parent_id = deck_id_for(title)
    decks = {title: genanki.Deck(parent_id, title, description=description)}
    # Which card types a note gets: genanki's rule (the required fields of each template).
    reqs = {k: [(ord_, any if how == "any" else all, fields) for ord_, how, fields in m._req]
            for k, m in models.items()}
    names = {k: [t[0] for t in nt.templates] for k, nt in NOTE_TYPES.items()}
    mids = {k: m.model_id for k, m in models.items()}
    sort_index = {k: nt.sort_field for k, nt in NOTE_TYPES.items()}
    counts: dict[str, int] = {}
    note_rows, card_rows = [], []
    for p in notes:
        spec = p.spec
        name = spec.deck
        deck = decks.get(name)
        if deck is None:
            deck = decks[name] = genanki.Deck(deck_id_for(name), name)
        values = spec.values()
        kind = spec.kind
        note_rows.append((p.id, spec.guid, mids[kind], p.mod, -1, " " + " ".join(spec.tags) + " ",
                          "\x1f".join(values), values[sort_index[kind]], 0, 0, ""))
        queue = -1 if spec.retired else 0
        for ord_, op, required in reqs[kind]:
            if op(values[i] for i in required):
                card_rows.append((p.id + ord_, p.id, deck.deck_id, ord_, p.mod, -1, 0, queue, p.due,
                                  0, 0, 0, 0, 0, 0, 0, 0, ""))
                template = names[kind][ord_]
                counts[template] = counts.get(template, 0) + 1
    conn = sqlite3.connect(":memory:")
    try:
        cur = conn.cursor()
        cur.executescript(APKG_SCHEMA)
        cur.executescript(APKG_COL)
        old_decks, old_models = cur.execute("SELECT decks, models FROM col").fetchone()
        all_decks = json.loads(old_decks)  # genanki's template collection has Anki's "Default" deck
        all_decks.update({str(d.deck_id): d.to_json() for d in decks.values()})
        all_models = json.loads(old_models)
        all_models.update({str(m.model_id): m.to_json(0, parent_id) for m in models.values()})
        cur.execute("UPDATE col SET decks = ?, models = ?", (json.dumps(all_decks), json.dumps(all_models)))
        cur.executemany("INSERT INTO notes VALUES(?,?,?,?,?,?,?,?,?,?,?)", note_rows)
        cur.executemany("INSERT INTO cards VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", card_rows)
        conn.commit()
        return conn.serialize(), counts
    finally:
        conn.close()


def apkg_bytes(notes: list[PlannedNote], type_mods: dict[str, int], title: str,
               description: str) -> tuple[bytes, dict[str, int]]:
    """The deck as the bytes of an .apkg; and its cards per card type name."""
    db, counts = collection_bytes(notes, type_mods, title, description)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in (("collection.anki2", db), ("media", b"{}")):
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o644 << 16
            z.writestr(info, data, compresslevel=ZIP_LEVEL)
    return buf.getvalue(), counts


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
        return NoteSpec(self.kind, self.guid, fact_id, label, self.deck, dict(zip(nt.field_names, values)),
                        list(self.tags), retired=self.retired, source=source, n=n)


def read_apkg(path: str) -> dict[str, ShippedNote]:
    """The notes of an .apkg written by Errata, by GUID (other note types are ignored)."""
    kinds = {nt.id: k for k, nt in NOTE_TYPES.items()}
    with zipfile.ZipFile(path) as z:
        db = z.read("collection.anki2")
    conn = sqlite3.connect(":memory:")
    try:
        conn.deserialize(db)
        decks = {int(k): d["name"] for k, d in json.loads(conn.execute("select decks from col").fetchone()[0]).items()}
        out = {}
        for nid, guid, mid, mod, flds, tags, did in conn.execute(
                "select n.id, n.guid, n.mid, n.mod, n.flds, n.tags, min(c.did) "
                "from notes n left join cards c on c.nid = n.id group by n.id"):
            if mid in kinds:
                out[guid] = ShippedNote(guid, nid, mod, kinds[mid], decks.get(did, ""), flds.split("\x1f"),
                                        tags.split())
        return out
    finally:
        conn.close()


def description_html(text: str) -> str:
    return text_html(text)  # the same markup subset and escaping as every other bank text
