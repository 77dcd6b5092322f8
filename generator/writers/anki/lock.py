"""The lock file: what every note of a deck was when it last changed.

Anki's importer updates a note only when the incoming modification time is newer
(whole seconds), and then overwrites the whole note. So each note must carry the
time *its* content last changed — not the build time — or every rebuild would
overwrite students' edits of unchanged notes, and a rebuild within the same second
would update nothing. The lock records, per note GUID: its id, modification time,
content digest and its last content (needed to ship it, tagged retired, after its
fact left the bank). It lives next to the deck and is committed with the bank:
the same bank and lock rebuild a byte-identical deck.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field

from .notes import NoteSpec

FORMAT = "errata-anki-lock"
VERSION = 1


class LockError(Exception):
    """The lock file exists but cannot be used."""


@dataclass
class LockedNote:
    guid: str
    kind: str
    fact: str
    label: str
    id: int
    mod: int
    digest: str
    deck: str
    fields: dict[str, str]
    tags: list[str]
    retired: bool = False

    def spec(self) -> NoteSpec:
        return NoteSpec(self.kind, self.guid, self.fact, self.label, self.deck, dict(self.fields),
                        list(self.tags), self.retired)

    def to_json(self) -> dict:
        return {"guid": self.guid, "kind": self.kind, "fact": self.fact, "label": self.label,
                "id": self.id, "mod": self.mod, "digest": self.digest, "retired": self.retired,
                "deck": self.deck, "tags": self.tags, "fields": self.fields}


@dataclass
class LockedType:
    id: int
    mod: int
    digest: str


@dataclass
class Lock:
    deck: str
    note_types: dict[str, LockedType] = field(default_factory=dict)
    notes: dict[str, LockedNote] = field(default_factory=dict)   # by GUID
    exists: bool = False

    def max_id(self) -> int:
        return max((n.id for n in self.notes.values()), default=0)

    def dumps(self) -> str:
        """Stable text, one note per line in a fixed order, so a diff shows which notes changed."""
        notes = sorted(self.notes.values(), key=lambda n: (n.fact, n.kind, n.label, n.guid))
        head = {
            "format": FORMAT,
            "version": VERSION,
            "deck": self.deck,
            "note_types": {k: {"id": v.id, "mod": v.mod, "digest": v.digest}
                           for k, v in sorted(self.note_types.items())},
        }
        lines = [json.dumps(n.to_json(), ensure_ascii=False) for n in notes]
        return (json.dumps(head, ensure_ascii=False, indent=1)[:-2] + ',\n "notes": [\n'
                + ",\n".join(lines) + "\n ]\n}\n")


def lock_path(out_dir: str, deck_id: str) -> str:
    return os.path.join(out_dir, f"{deck_id}.lock.json")


def read_lock(path: str, deck_id: str) -> Lock:
    """The lock at ``path``; an empty one if there is none yet. Raises LockError if unusable."""
    if not os.path.exists(path):
        return Lock(deck_id)
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise LockError(f"{path}: not a readable lock file ({e}); restore it from version control "
                        f"rather than deleting it (without it, students' edits are overwritten and "
                        f"removed facts are not retired)") from e
    try:
        if data.get("format") != FORMAT or data.get("version") != VERSION:
            raise ValueError(f"format {data.get('format')!r} version {data.get('version')!r}, "
                             f"expected {FORMAT!r} version {VERSION}")
        if data.get("deck") != deck_id:
            raise ValueError(f"it belongs to deck '{data.get('deck')}', not '{deck_id}'")
        types = {k: LockedType(int(v["id"]), int(v["mod"]), str(v["digest"]))
                 for k, v in data.get("note_types", {}).items()}
        notes = {}
        for n in data.get("notes", []):
            note = LockedNote(
                guid=str(n["guid"]), kind=str(n["kind"]), fact=str(n["fact"]), label=str(n["label"]),
                id=int(n["id"]), mod=int(n["mod"]), digest=str(n["digest"]), deck=str(n["deck"]),
                fields={str(k): str(v) for k, v in n["fields"].items()},
                tags=[str(t) for t in n["tags"]], retired=bool(n.get("retired", False)))
            if note.kind not in ("fact", "myth"):
                raise ValueError(f"note {note.guid}: unknown kind '{note.kind}'")
            if note.guid in notes:
                raise ValueError(f"note {note.guid} is listed twice")
            notes[note.guid] = note
    except (AttributeError, KeyError, TypeError, ValueError) as e:
        what = f"missing {e}" if isinstance(e, KeyError) else str(e)
        raise LockError(f"{path}: not a valid lock file ({what}); restore it from version control") from e
    return Lock(deck_id, types, notes, exists=True)
