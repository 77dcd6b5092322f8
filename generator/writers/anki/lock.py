"""The lock file: when every note of a deck last changed, kept beside the bank.

Anki's importer updates a note only when the incoming modification time is newer
(whole seconds), and then overwrites the whole note. So each note must carry the
time *its* content last changed — not the build time — or every rebuild would
overwrite students' edits of unchanged notes. The lock records, per note: the fact
and error it belongs to (its slot), its GUID, id, modification time and a digest of
its content. Content itself is kept only for retired notes, which nothing else can
provide once their fact has left the bank. The header holds what lets an unchanged
rebuild stop early: the options, a digest of the inputs (bank, options, code) and the
digest of the .apkg it describes. A digest of each fact's data, and one of what else its
notes depend on (the bank's sources and references, the options, the code: the
*context*), let a rebuild take the rows of the facts that did not change from that .apkg
instead of making them again.

The lock belongs with the bank (`questions.yaml` → `questions.lock.json`, in the same
folder), whatever folder the deck is written to: it is part of the bank's history and
is committed with it. Its name follows the bank's file name, not the deck id, so that
a changed deck id is seen (and refused) rather than starting a fresh lock.
"""

from __future__ import annotations

import errno
import json
import os
from json.encoder import encode_basestring  # json.dumps's own string encoder (ensure_ascii=False)
from dataclasses import dataclass, field
from operator import attrgetter, index

from .notes import NoteSpec, content_digest

FORMAT = "errata-anki-lock"
VERSION = 2
COLUMNS = ["fact", "source", "n", "guid", "id", "mod", "digest"]


class LockError(Exception):
    """The lock file exists but cannot be used, or the build would lose students' data."""


@dataclass(slots=True)
class LockedNote:
    fact: str          # the fact's id when last built
    source: str        # "" for a fact note; the source id for a myth note
    n: int             # a myth note's place among the fact's errors from that source
    guid: str
    id: int
    mod: int
    digest: str
    retired: "RetiredContent | None" = None

    def row(self) -> list:
        return [self.fact, self.source, self.n, self.guid, self.id, self.mod, self.digest]


@dataclass(slots=True)
class RetiredContent:
    """What a retired note shows: kept in the lock, since its fact left the bank."""

    kind: str
    label: str
    deck: str
    fields: dict[str, str]
    tags: list[str]

    def spec(self, note: LockedNote) -> NoteSpec:
        return NoteSpec.with_fields(self.kind, note.guid, note.fact, self.label, self.deck, dict(self.fields),
                                    list(self.tags), retired=True, source=note.source, n=note.n)


@dataclass
class LockedType:
    id: int
    mod: int
    digest: str


@dataclass
class Lock:
    deck: str
    options: int = 0
    inputs: str = ""                # digest of bank bytes, options and code: unchanged means nothing to do
    context: str = ""               # digest of what a fact's notes depend on besides the fact (`facts`)
    apkg: str = ""                  # sha256 of the .apkg this lock describes
    counts: dict = field(default_factory=dict)      # notes and cards per type, for an up-to-date summary
    note_types: dict[str, LockedType] = field(default_factory=dict)
    notes: dict[str, LockedNote] = field(default_factory=dict)   # by GUID, live and retired
    facts: dict[str, str] = field(default_factory=dict)          # each fact's data digest, by fact id

    def max_id(self) -> int:
        return max((n.id for n in self.notes.values()), default=0)

    def note_lines(self) -> tuple[list[str], list[str]]:
        """The lines of the live and of the retired notes, in the order `dumps` writes them."""
        live = sorted((n for n in self.notes.values() if n.retired is None), key=attrgetter("fact", "source", "n"))
        retired = sorted((n for n in self.notes.values() if n.retired is not None),
                         key=attrgetter("fact", "source", "n", "guid"))
        dumps, enc = json.dumps, encode_basestring
        # json.dumps(n.row(), ensure_ascii=False), written out: the same text at a fifth of the cost.
        # operator.index turns an integer into itself (True into 1) and refuses anything else, so
        # f"{index(x)}" is f"{x:d}" without the format spec's parsing (a fifth of this loop's time);
        # any other value goes to the loop with f"{x:d}", which writes it or raises as ever.
        try:
            lines = [f"[{enc(n.fact)}, {enc(n.source)}, {index(n.n)}, {enc(n.guid)}, {index(n.id)}, "
                     f"{index(n.mod)}, {enc(n.digest)}]" for n in live]
        except TypeError:
            lines = [f"[{enc(n.fact)}, {enc(n.source)}, {n.n:d}, {enc(n.guid)}, {n.id:d}, {n.mod:d}, "
                     f"{enc(n.digest)}]" for n in live]
        gone = [dumps({**dict(zip(COLUMNS, n.row())), "kind": n.retired.kind, "label": n.retired.label,
                       "deck": n.retired.deck, "tags": n.retired.tags, "fields": n.retired.fields},
                      ensure_ascii=False) for n in retired]
        return lines, gone

    def dumps(self, note_lines: tuple[list[str], list[str]] | None = None) -> str:
        """Stable text, one note per line sorted by fact, so a diff shows which notes changed.
        ``note_lines``: what `note_lines` gives, when made already."""
        lines, gone = note_lines or self.note_lines()
        head = {
            "format": FORMAT,
            "version": VERSION,
            "deck": self.deck,
            "options": self.options,
            "inputs": self.inputs,
            "context": self.context,
            "apkg": self.apkg,
            "counts": self.counts,
            "note_types": {k: {"id": v.id, "mod": v.mod, "digest": v.digest}
                           for k, v in sorted(self.note_types.items())},
            "columns": COLUMNS,
        }
        # One join: adding the pieces up would copy the notes' text (19 MB at 100,000 facts) at each step.
        enc = encode_basestring
        facts = [f"  {enc(fact)}: {enc(digest)}" for fact, digest in sorted(self.facts.items())]
        return "".join((json.dumps(head, ensure_ascii=False, indent=1)[:-2], ',\n "notes": [\n', ",\n".join(lines),
                        '\n ],\n "retired": [\n', ",\n".join(gone), '\n ],\n "facts": {\n', ",\n".join(facts),
                        "\n }\n}\n"))


def lock_path(bank_file: str) -> str:
    """Where the lock of ``bank_file`` lives: beside it, named after it."""
    folder, name = os.path.split(bank_file)
    stem = name.rsplit(".", 1)[0] if "." in name.lstrip(".") else name
    return os.path.join(folder, f"{stem}.lock.json")


def legacy_lock_path(out_dir: str, deck_id: str) -> str:
    """Where earlier versions kept the lock: beside the deck."""
    return os.path.join(out_dir, f"{deck_id}.lock.json")


def _bad(path: str, what: str) -> LockError:
    return LockError(f"{path}: not a valid lock file ({what}); restore it from version control "
                     f"(without it, students' edits are overwritten and removed facts are not retired)")


_NOTES = b',\n "notes": [\n'


def read_lock_header(path: str) -> Lock | None:
    """The lock's header only (deck, options, inputs, apkg digest, counts), without parsing
    its notes: enough to see that nothing changed. None when it cannot tell."""
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
        cut = raw.find(_NOTES)
        data = json.loads(raw[:cut] + b"}") if cut > 0 else None
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("version") != VERSION:
        return None
    try:
        return Lock(str(data["deck"]), int(data["options"]), str(data["inputs"]), apkg=str(data["apkg"]),
                    counts=dict(data["counts"]))
    except (KeyError, TypeError, ValueError):
        return None


def read_lock(path: str) -> Lock | None:
    """The lock at ``path`` (this format or the first one), or None when there is none.
    Raises LockError if it is unusable."""
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except FileNotFoundError:
        return None
    except OSError as e:
        if e.errno == errno.ENAMETOOLONG:  # no such file can exist
            return None
        raise LockError(f"{path}: cannot read the lock file ({e.strerror})") from e
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, ValueError) as e:
        raise LockError(f"{path}: not a readable lock file ({e}); restore it from version control "
                        f"rather than deleting it (without it, students' edits are overwritten and "
                        f"removed facts are not retired)") from e
    try:
        if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("version") not in (1, VERSION):
            got = (data.get("format"), data.get("version")) if isinstance(data, dict) else (type(data).__name__, None)
            raise ValueError(f"format {got[0]!r} version {got[1]!r}, expected {FORMAT!r} version {VERSION}")
        lock = Lock(str(data["deck"]))
        lock.note_types = {str(k): LockedType(int(v["id"]), int(v["mod"]), str(v["digest"]))
                           for k, v in data.get("note_types", {}).items()}
        if data["version"] == 1:
            notes = _notes_v1(data["notes"])
        else:
            lock.options = int(data.get("options", 0))
            lock.inputs, lock.apkg = str(data.get("inputs", "")), str(data.get("apkg", ""))
            lock.context = str(data.get("context", ""))
            facts = data.get("facts", {})  # a lock written before facts had digests has none
            if not isinstance(facts, dict) or not all(isinstance(d, str) for d in facts.values()):
                raise ValueError("'facts' is not a mapping of fact ids to digests")
            lock.facts = facts
            lock.counts = dict(data.get("counts", {}))
            notes = [LockedNote(str(f), str(s), int(n), str(g), int(i), int(m), str(d))
                     for f, s, n, g, i, m, d in data["notes"]]
            for r in data.get("retired", []):
                note = LockedNote(*(r[c] for c in COLUMNS))
                note.retired = RetiredContent(str(r["kind"]), str(r["label"]), str(r["deck"]),
                                              {str(k): str(v) for k, v in r["fields"].items()},
                                              [str(t) for t in r["tags"]])
                if note.retired.kind not in ("fact", "myth"):
                    raise ValueError(f"note {note.guid}: unknown kind '{note.retired.kind}'")
                notes.append(note)
    except (AttributeError, KeyError, TypeError, ValueError) as e:
        raise _bad(path, f"missing {e}" if isinstance(e, KeyError) else str(e)) from e
    lock.notes = {note.guid: note for note in notes}
    if len(lock.notes) != len(notes) or len({note.id for note in notes}) != len(notes):
        _first_repeat(path, notes)
    return lock


def _first_repeat(path: str, notes: list[LockedNote]) -> None:
    """Raise for the first note, in the lock's order, whose GUID or note id an earlier one has."""
    guids: set[str] = set()
    by_id: dict[int, str] = {}
    for note in notes:
        if note.guid in guids:
            raise _bad(path, f"note {note.guid} is listed twice")
        if note.id in by_id:
            raise _bad(path, f"notes {by_id[note.id]} and {note.guid} share the note id {note.id}")
        guids.add(note.guid)
        by_id[note.id] = note.guid


def _notes_v1(rows) -> list[LockedNote]:
    """Notes of a first-format lock (every note's content): slots from the tags, digests recomputed."""
    from .notetypes import NOTE_TYPES

    notes = []
    for r in sorted(rows, key=lambda r: int(r["id"])):
        kind = str(r["kind"])
        if kind not in NOTE_TYPES:
            raise ValueError(f"note {r.get('guid')}: unknown kind '{kind}'")
        fields = {str(k): str(v) for k, v in r["fields"].items()}
        tags = [str(t) for t in r["tags"]]
        note = LockedNote(str(r["fact"]), source_of(kind, tags), 0, str(r["guid"]), int(r["id"]), int(r["mod"]),
                          content_digest(kind, list(fields.values()), tags))  # fields were kept in field order
        if r.get("retired"):
            note.retired = RetiredContent(kind, str(r["label"]), str(r["deck"]), fields, tags)
        notes.append(note)
    return number_slots(notes)


def source_of(kind: str, tags: list[str]) -> str:
    """A myth note's source, read from its errata::source:: tag (a fact note has none)."""
    if kind != "myth":
        return ""
    prefix = "errata::source::"
    return next((t[len(prefix):] for t in tags if t.startswith(prefix)), "")


def number_slots(notes: list[LockedNote]) -> list[LockedNote]:
    """Number myth notes of one fact and source in order of note id (their order of creation)."""
    seen: dict[tuple[str, str], int] = {}
    for note in sorted(notes, key=lambda n: n.id):
        if note.source:
            key = (note.fact, note.source)
            note.n = seen.get(key, 0)
            seen[key] = note.n + 1
    return notes
