"""Writing the .apkg: genanki's tables, our ids and times, a DEFLATE zip.

genanki stamps every note, card and note type with one package timestamp and draws
ids from it; here each note brings its own id and modification time (from the lock),
each note type its own modification time, and the zip has fixed entry times, so the
same notes give the same bytes. The collection is the legacy `collection.anki2`
(schema 11) that every Anki client still imports.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import sqlite3
import tempfile
import zipfile
from dataclasses import dataclass

import genanki

from ...atomic import atomic_path
from ...text.markup import text_html
from .notes import NoteSpec
from .notetypes import NOTE_TYPES

ZIP_TIME = (1980, 1, 1, 0, 0, 0)
ID_STEP = 4  # note ids are this far apart; a note's cards are id + ordinal (at most 3 card types)


@dataclass
class PlannedNote:
    spec: NoteSpec
    id: int
    mod: int
    due: int


class _Note(genanki.Note):
    """A genanki note with its own id and modification time; a retired note's cards are
    marked suspended (kept by Anki only when a student imports with scheduling)."""

    def __init__(self, planned: PlannedNote, model: genanki.Model):
        spec = planned.spec
        super().__init__(model=model, fields=[spec.fields.get(n, "") for n in spec.note_type.field_names],
                         tags=spec.tags, guid=spec.guid, due=planned.due)
        self.note_id = planned.id
        self.mod = planned.mod
        self.suspended = spec.retired

    def write_to_db(self, cursor, timestamp, deck_id, id_gen):
        cursor.execute("INSERT INTO notes VALUES(?,?,?,?,?,?,?,?,?,?,?);", (
            self.note_id, self.guid, self.model.model_id, self.mod, -1, self._format_tags(),
            self._format_fields(), self.sort_field, 0, 0, ""))
        for card in self.cards:
            cursor.execute("INSERT INTO cards VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?);", (
                self.note_id + card.ord, self.note_id, deck_id, card.ord, self.mod, -1,
                0, -1 if self.suspended else 0, self.due, 0, 0, 0, 0, 0, 0, 0, 0, ""))


def deck_id_for(name: str) -> int:
    """A fixed id per deck name (Anki matches decks by name; the id only has to be stable)."""
    h = int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:8], "big")
    return 1_000_000_000_000 + h % 1_000_000_000_000


def collection_bytes(notes: list[PlannedNote], type_mods: dict[str, int], title: str,
                     description: str) -> tuple[bytes, dict[str, int]]:
    """The SQLite collection holding ``notes``, as bytes; and its cards per card type name."""
    models = {k: nt.model(type_mods[k]) for k, nt in NOTE_TYPES.items()}
    parent = genanki.Deck(deck_id_for(title), title, description=description)
    for m in models.values():  # both note types always ship, even with no myth notes
        parent.add_model(m)
    decks: dict[str, genanki.Deck] = {title: parent}
    counts: dict[str, int] = {}
    for p in notes:
        name = p.spec.deck
        deck = decks.get(name)
        if deck is None:
            deck = decks[name] = genanki.Deck(deck_id_for(name), name)
        note = _Note(p, models[p.spec.kind])
        deck.add_note(note)
        for card in note.cards:  # which cards genanki writes (cached on the note)
            template = p.spec.note_type.templates[card.ord][0]
            counts[template] = counts.get(template, 0) + 1
    with tempfile.TemporaryDirectory(prefix="errata-anki-") as tmp:
        path = os.path.join(tmp, "collection.anki2")
        conn = sqlite3.connect(path)
        try:
            genanki.Package(list(decks.values())).write_to_db(conn.cursor(), 0, itertools.count(1))
            conn.commit()
        finally:
            conn.close()
        with open(path, "rb") as fh:
            return fh.read(), counts


def write_apkg(target: str, notes: list[PlannedNote], type_mods: dict[str, int], title: str,
               description: str) -> dict[str, int]:
    """Write the deck to ``target`` atomically (the old file stays until the new one is
    complete); return its cards per card type name."""
    db, counts = collection_bytes(notes, type_mods, title, description)
    with atomic_path(target) as tmp:
        with zipfile.ZipFile(tmp, "w") as z:
            for name, data in (("collection.anki2", db), ("media", b"{}")):
                info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.create_system = 3
                info.external_attr = 0o644 << 16
                z.writestr(info, data, compresslevel=9)
    return counts


def description_html(text: str) -> str:
    return text_html(text)  # the same markup subset and escaping as every other bank text
