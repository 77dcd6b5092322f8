"""Errata's two note types, designed once.

Anki matches a note type by its id, and its fields and card types by their ids; a
different number of fields or card types is a *schema change*, after which a
student's re-import no longer updates their notes (Anki makes a second note type and
reports the notes as conflicting). So the ids below, the number and order of fields
and of templates must never change. Spare fields and a reserved card type are there
so later versions can add things without touching the schema; names may change
(they are matched by id), template text and CSS may change freely (`templates.py`).

- "Errata fact": one note per fact; card types Recall, Choose (only when the fact
  has at least two options) and Reserved (no cards).
- "Errata myth": one note per source error; card types Myth or fact, Reserved. Its
  eighth field, first a spare, became "Question" (a rename keeps the field's id: Anki
  updates the note type in place, no schema change).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import genanki

from . import templates as t


@dataclass(frozen=True)
class NoteType:
    key: str                    # "fact" or "myth": how the lock and the notes refer to it
    id: int
    name: str
    fields: tuple[tuple[str, int], ...]      # (name, field id), in order
    templates: tuple[tuple[str, int, str, str], ...]   # (name, template id, front, back)
    sort_field: int = 0

    @property
    def field_names(self) -> list[str]:
        return [name for name, _ in self.fields]

    def digest(self) -> str:
        """What a student's Anki would need to update: everything but the modification time."""
        data = [self.id, self.name, self.fields, self.templates, t.CSS, self.sort_field]
        return hashlib.sha256(json.dumps(data, ensure_ascii=False).encode("utf-8")).hexdigest()

    def model(self, mod: int) -> "Model":
        return Model(
            self.id,
            self.name,
            fields=[{"name": name, "id": fid} for name, fid in self.fields],
            templates=[{"name": name, "id": tid, "qfmt": front, "afmt": back}
                       for name, tid, front, back in self.templates],
            css=t.CSS,
            sort_field_index=self.sort_field,
            mod=mod,
        )


class Model(genanki.Model):
    """A genanki model with its own modification time (genanki uses the package's)."""

    def __init__(self, *args, mod: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.mod = mod

    def to_json(self, timestamp, deck_id):
        data = super().to_json(timestamp, deck_id)
        data["mod"] = self.mod
        return data


FACT = NoteType(
    key="fact",
    id=1891564893,
    name="Errata fact",
    fields=(
        ("Question", 2955049291849914804),
        ("Answer", 4543398909983373717),
        ("Accepted", 2917314909755073059),
        ("Explanation", 1386262402468259433),
        ("References", 2821998287802686937),
        ("Options", 1981058010081624135),
        ("FactId", 1979584549674504024),
        ("Notice", 2012898146496242224),
        ("Spare1", 4428900579128299443),
        ("Spare2", 2876424744957126375),
        ("Spare3", 2788494848206072179),
    ),
    templates=(
        ("Recall", 2108314687034706308, t.RECALL_FRONT, t.RECALL_BACK),
        ("Choose", 4309080690195877701, t.CHOOSE_FRONT, t.CHOOSE_BACK),
        ("Reserved", 2359785100868154337, t.RESERVED_FRONT, t.RESERVED_BACK),
    ),
)

MYTH = NoteType(
    key="myth",
    id=2051118055,
    name="Errata myth",
    fields=(
        ("Quote", 3204936501572487777),
        ("Source", 2430886739657907724),
        ("Claim", 3001686989983120005),
        ("Why", 1558058870510426171),
        ("Answer", 3827647456676736971),
        ("FactId", 1714284740605862885),
        ("Notice", 3423312383464916110),
        ("Question", 3342023317982608984),   # was the spare field "Spare1": renamed, same id
        ("Spare2", 2478480904344145628),
        ("Spare3", 2669588511317988561),
    ),
    templates=(
        ("Myth or fact", 1817707578714867192, t.MYTH_FRONT, t.MYTH_BACK),
        ("Reserved", 1821963577465469410, t.RESERVED_FRONT, t.RESERVED_BACK),
    ),
)

NOTE_TYPES = {nt.key: nt for nt in (FACT, MYTH)}
