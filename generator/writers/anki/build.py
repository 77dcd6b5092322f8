"""`errata build`: a bank and its lock → the Anki deck and the updated lock, all or nothing.

The rules that keep students' reviews and edits (docs/anki.md, "Identity and time"):

- A note's modification time changes only when its content does, and then to the
  build time or one second after the latest time it was shipped with, whichever is
  later: times only move forward, so a student's Anki (default import: "update notes
  if newer", whole seconds) updates exactly the notes that changed and keeps their
  edits of the others.
- The latest time a note was shipped with is the lock's, or — when the deck in the
  output folder is not the one the lock describes (a lock restored from version
  control to revert a change, a copied lock) — the deck's, if later. A revert thus
  reaches students: its notes get a time newer than the deck they have.
- The lock lives beside the bank. Without one, the deck in the output folder (if
  any) gives the notes' ids and times back; a lock of the earlier layout
  (``<out>/<deck id>.lock.json``) is moved beside the bank. A lock that version
  control knows but that is missing stops the build (``--restamp`` overrides).
- A changed deck id stops the build (``--new-deck-id`` overrides): every note would
  reach students twice.
- The deck and the lock are written as one set (`generator.atomic.output_set`), and
  the output folder and the bank's folder are locked for the whole build.
- Nothing to do when the bank, the options and the code are those of the last build
  and the deck is the one the lock describes: an unchanged rebuild reads no YAML.
- When the deck is the one the lock describes and the facts' context is the same (the
  lock's ``context``: sources, references, options, code), a fact whose data digest is the
  lock's, whose question uses only its own options and whose notes keep their GUIDs has
  the notes the lock holds: their rows are taken from that deck as they are (`_plan_reuse`).

Notes whose fact left the bank are shipped with a notice and the tag errata::retired
(Anki never deletes on import); their cards are marked suspended in the package,
which Anki applies only to a student who imports with scheduling.
"""

from __future__ import annotations

import errno
import hashlib
import marshal
import os
import shutil
import sqlite3
import subprocess
import time
from dataclasses import dataclass, field
from operator import attrgetter
from pathlib import Path
from typing import Callable

import genanki

from ...atomic import check_target, output_set
from ...bank import Bank, Fact, gc_paused
from ...forked import Forked
from ...quiz import DEFAULT_OPTIONS, Generator
from ...text.markup import plain_html
from .lock import (Lock, LockedNote, LockedType, LockError, RetiredContent, legacy_lock_path, lock_path,
                   number_slots, read_lock, read_lock_header, source_of)
from .notes import DECK_SEED, RETIRED_TAG, Identity, NoteSpec, deck_name, deck_title, facts_notes, retire
from .notetypes import FACT, MYTH, NOTE_TYPES
from .package import (ID_STEP, ApkgWriter, CollectionWriter, Meanwhile, PlannedNote, ShippedNote, WrittenRows,
                      description_html, extract_collection, read_apkg)

# What decides a deck's content besides the bank and the options: a change here is a
# reason to rebuild (and compare) even when the bank did not change.
_CODE = ("bank", "check", "quiz", "text", "writers/anki", "writers/deflate.py")  # folders, or a module
# A folder's Python modules and its C extensions' sources (their results are tested equal to the Python's,
# but a deck made by changed code is rebuilt either way).
_CODE_FILES = ("*.c", "*.py")

# From this many facts on, the notes of the bank's last facts are made, planned and written into a
# collection of their own by a forked child on the other core, while this process checks the bank and
# does the same for the first facts; the child's rows are then copied in by SQLite (`_written_part`).
# Below it, a process costs more than it saves.
FORK_FROM = 4000
# The child's share of the facts: more than half, as this process also checks the bank, and copies the
# child's rows in.
CHILD_SHARE = 0.54
# From this many facts on, a rebuild takes the rows of the facts that did not change from the last deck (where
# it may: see above), unless more than this share of the facts changed: then every note is made again.
REUSE_FROM = 2000
REMAKE_AT_MOST = 0.25


@dataclass
class BuildResult:
    apkg: str
    lock: str
    first_build: bool
    notes: dict[str, int]                      # notes per note type key, retired included
    cards: dict[str, int]                      # cards per card type name, retired included
    added: list[str] = field(default_factory=list)      # labels
    changed: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)    # retired by this build
    unchanged: int = 0
    still_retired: int = 0                     # retired by an earlier build
    note_types_changed: list[str] = field(default_factory=list)
    taken: int = 0                             # notes whose rows were taken from the last deck as they were
    up_to_date: bool = False                   # nothing to do: nothing was written
    notices: list[str] = field(default_factory=list)
    # What the build read and made (the locks, the notes): hundreds of thousands of objects for a
    # large bank, which a caller that ends the process next can leave to the end (cli's `leave_to_exit`).
    made: list = field(default_factory=list, repr=False, compare=False)

    @property
    def total_notes(self) -> int:
        return sum(self.notes.values())

    @property
    def total_cards(self) -> int:
        return sum(self.cards.values())


def apkg_path(out_dir: str, deck_id: str) -> str:
    return os.path.join(out_dir, f"{deck_id}.apkg")


def _next_mod(now: int, previous: int) -> int:
    # Anki compares whole seconds and updates only if strictly newer.
    return max(now, previous + 1)


def file_digest(path: str) -> str | None:
    try:
        with open(path, "rb") as fh:
            return hashlib.file_digest(fh, "sha256").hexdigest()
    except FileNotFoundError:
        return None


_code_digest: str | None = None


def code_files(root: Path) -> list[Path]:
    """The files of Errata's code under ``root`` that decide a deck's content (`_CODE`)."""
    files = []
    for part in _CODE:
        files += [root / part] if part.endswith(".py") else sorted(
            p for pattern in _CODE_FILES for p in (root / part).glob(pattern))
    return files


def code_digest() -> str:
    global _code_digest
    if _code_digest is None:
        h = hashlib.sha256(genanki.__version__.encode())
        for p in code_files(Path(__file__).resolve().parents[2]):
            h.update(p.name.encode() + b"\0" + p.read_bytes())
        _code_digest = h.hexdigest()
    return _code_digest


def inputs_digest(bank_digest: str | None, options: int) -> str:
    """What decides the deck besides the lock: the bank's bytes (``file_digest``), options, code."""
    types = "\0".join(nt.digest() for nt in NOTE_TYPES.values())
    return hashlib.sha256(f"{bank_digest}\0{options}\0{code_digest()}\0{types}".encode()).hexdigest()[:32]


_FACT_DATA = attrgetter("id", "topic", "kind", "question", "answer", "explain", "refs", "accept", "tags",
                        "distractors", "formerly")
_ERROR_DATA = attrgetter("says", "source", "quote", "why")


def fact_digests(facts: list[Fact]) -> list[str]:
    """Each fact's data digest: all of the fact that its notes show or depend on (not its place in the bank)."""
    out: list[str] = []
    append, dumps, blake2b = out.append, marshal.dumps, hashlib.blake2b
    for f in facts:
        data = (_FACT_DATA(f), [_ERROR_DATA(e) for e in f.errors])
        try:
            raw = dumps(data, 2)  # version 2: no back-references, so equal data gives equal bytes
        except ValueError:  # a value of a type marshal does not take
            raw = repr(data).encode("utf-8", "surrogatepass")
        append(blake2b(raw, digest_size=10).hexdigest())
    return out


def context_digest(bank: Bank, options: int) -> str:
    """What a fact's notes depend on besides the fact (`fact_digests`) and the lock: the deck's id and title,
    the sources and references, the options, the note types and the code; and the deck's description, the
    one part of a deck a rebuild that changed no note could change."""
    data = (code_digest(), options, [nt.digest() for nt in NOTE_TYPES.values()], bank.deck.id, bank.deck.title,
            bank.deck.description,
            [(k, r.title, r.publisher, r.year, r.url) for k, r in bank.references.items()],
            [(k, s.title, s.url) for k, s in bank.sources.items()])
    return hashlib.sha256(repr(data).encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _committed_before(path: str) -> bool:
    """Whether version control has known the file at ``path`` (so it was lost, not never made)."""
    folder, name = os.path.split(path)
    try:
        r = subprocess.run(["git", "-C", folder, "log", "-1", "--format=%h", "--", name],
                           capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.SubprocessError):
        return False
    return r.returncode == 0 and bool(r.stdout.strip())


def build_deck(bank_file: str, out_dir: str, load: Callable[[int], Bank], options: int | None = None,
               restamp: bool = False, new_deck_id: bool = False, clock: Callable[[], float] = time.time,
               progress: Callable[[int], None] | None = None) -> BuildResult:
    """Write ``<out_dir>/<deck id>.apkg`` and the lock beside ``bank_file``; return what changed.

    ``load(options)`` reads and checks the bank (not called when nothing changed);
    ``options`` defaults to the lock's; ``clock`` gives the time of changes (tests move
    it); ``progress`` is called with the number of facts done. Raises LockError when
    the lock is unusable or the build would lose students' data.
    """
    lpath = lock_path(bank_file)
    with gc_paused(), output_set(out_dir, os.path.dirname(lpath) or ".") as files:
        return _build(bank_file, out_dir, lpath, files, load, options, restamp, new_deck_id, clock, progress)


def _build(bank_file, out_dir, lpath, files, load, options, restamp, new_deck_id, clock, progress) -> BuildResult:
    head = read_lock_header(lpath)
    opts = options or (head.options if head is not None and head.options else 0)
    bank_digest = file_digest(bank_file)  # read once: 0.15 s for a bank of 80 MiB
    inputs = inputs_digest(bank_digest, opts or DEFAULT_OPTIONS)
    if head is not None and head.inputs == inputs and head.apkg:
        apkg = apkg_path(out_dir, head.deck)
        if file_digest(apkg) == head.apkg:
            counts = head.counts
            notes = dict(counts.get("notes", {}))
            retired = int(counts.get("retired", 0))
            return BuildResult(apkg, lpath, False, notes, dict(counts.get("cards", {})),
                               unchanged=sum(notes.values()) - retired, still_retired=retired, up_to_date=True)

    old = read_lock(lpath)
    last = _LastCollection.start(old, out_dir, files)
    try:
        return _rebuild(bank_file, out_dir, lpath, files, load, restamp, new_deck_id, clock, progress, opts,
                        bank_digest, old, last)
    finally:
        if last is not None:
            last.close()


class _LastCollection:
    """The collection of the deck the lock describes, extracted into a scratch file and its pieces compressed
    by a forked child while the bank is read (`extract_collection`): a rebuild that takes rows from it
    (`_plan_reuse`) writes the new deck on it."""

    def __init__(self, apkg: str, path: str):
        self.apkg, self.path = apkg, path
        self._job = Forked(extract_collection, apkg, path)
        self._pieces: dict | None = None
        self._done = False

    @classmethod
    def start(cls, old: Lock | None, out_dir: str, files) -> "_LastCollection | None":
        """Started when a rebuild may take rows from the deck: the lock has the facts' digests, and the
        deck in the output folder is the one it describes."""
        if old is None or not old.facts or not old.apkg or not os.path.isdir(out_dir):
            return None
        apkg = apkg_path(out_dir, old.deck)
        if file_digest(apkg) != old.apkg:
            return None
        return cls(apkg, files.scratch(out_dir))

    def pieces(self) -> dict | None:
        """The collection's pieces compressed (`ApkgWriter`'s ``ready``), once the child is done; None when
        there is no collection to write on."""
        if not self._done:
            self._done = True
            try:
                self._pieces = self._job.result()
            except Exception:  # an unreadable deck: nothing is taken, every note is made again
                self._pieces = None
        return self._pieces

    def close(self) -> None:
        if not self._done:
            self._job.cancel()
            self._done = True
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass


def _rebuild(bank_file, out_dir, lpath, files, load, restamp, new_deck_id, clock, progress, opts, bank_digest,
             old: Lock | None, last: _LastCollection | None) -> BuildResult:
    opts = opts or (old.options if old is not None and old.options else DEFAULT_OPTIONS)
    inputs = inputs_digest(bank_digest, opts)
    loaded = load(opts)
    bank, verify = loaded if isinstance(loaded, tuple) else (loaded, None)
    deck_id = bank.deck.id
    apkg = apkg_path(out_dir, deck_id)
    check_target(apkg)  # a deck id too long for a file name fails here, before anything is read or written
    result = BuildResult(apkg, lpath, False, {}, {})
    if old is None:
        legacy = legacy_lock_path(out_dir, deck_id)
        old = read_lock(legacy)
        if old is not None:
            files.remove(legacy)
            result.notices.append(f"moved the lock from {legacy} to {lpath} (it belongs with the bank): "
                                  f"commit both")
    if old is not None and old.deck != deck_id and not new_deck_id:
        raise LockError(
            f"the deck id changed from '{old.deck}' to '{deck_id}' ({lpath} belongs to '{old.deck}'). Every "
            f"note's identity hangs on the deck id: students who import the new deck would get every note "
            f"twice, the old ones with their reviews and an unreviewed copy of each. Put the old id back; or, "
            f"to start a new deck on purpose, run again with --new-deck-id (the old notes are then shipped "
            f"tagged {RETIRED_TAG} so students can find and delete them)")
    previous = apkg_path(out_dir, old.deck if old is not None else deck_id)
    # The deck `_LastCollection.start` found to be the lock's is not hashed again.
    previous_digest = old.apkg if last is not None and last.apkg == previous else file_digest(previous)
    shipped: dict[str, ShippedNote] = {}
    if previous_digest is not None and (old is None or previous_digest != old.apkg):
        shipped = read_apkg(previous)
        if old is not None and _holds_the_notes_of(shipped, old):
            shipped = {}  # the same notes as the lock's, laid out otherwise (`_plan_reuse` writes on a last deck)
        elif old is not None and old.apkg:
            result.notices.append(f"{previous} is not the deck {lpath} describes (a restored lock or an "
                                  f"interrupted build): notes it holds newer than the lock keep moving forward")
    if old is None:
        if shipped:
            old = _lock_from_deck(deck_id, shipped)
            result.notices.append(f"no lock file: the notes' ids and times were read back from {previous}; "
                                  f"commit {lpath} with the bank")
        elif not restamp and _committed_before(lpath):
            raise LockError(
                f"{lpath} is missing, but version control has it: without the lock every note would get a "
                f"new time, and each student's next import would overwrite their edits of notes that did not "
                f"change. Restore it (e.g. git checkout -- {os.path.basename(lpath)}), or build into the folder "
                f"that holds the last deck (-o) so the lock is read back from it; to build anyway, run again "
                f"with --restamp")
        else:
            result.first_build = True
            old = Lock(deck_id)

    now = int(clock())
    new = Lock(deck_id, options=opts, inputs=inputs)
    for key, nt in NOTE_TYPES.items():
        digest = nt.digest()
        before = old.note_types.get(key)
        if before is None or before.digest != digest or before.id != nt.id:
            new.note_types[key] = LockedType(nt.id, _next_mod(now, before.mod if before else 0), digest)
            if before is not None:
                result.note_types_changed.append(nt.name)
        else:
            new.note_types[key] = before

    same_deck = old.deck == deck_id  # a new deck id: every note new, the old ones retired
    slots = _myth_slots(old.notes.values()) if same_deck else {}
    known = (old.notes.keys() | shipped.keys() if shipped else old.notes) if same_deck else frozenset()
    identity = Identity(deck_id, known, slots)
    next_id = max(now * 1000, max(old.max_id(), max((s.id for s in shipped.values()), default=0)) + ID_STEP)
    planner = _Planner(old.notes, shipped, now, next_id)
    new.context = context_digest(bank, opts)
    reuse = None
    cards_before = _cards_by_type(old.counts)
    if (last is not None and last.apkg == previous and previous_digest == old.apkg and same_deck and not shipped
            and old.context == new.context and all(new.note_types[k] is old.note_types.get(k) for k in NOTE_TYPES)
            and cards_before is not None and len(bank.facts) >= REUSE_FROM):
        gen = Generator(bank, DECK_SEED, opts)
        reuse = _plan_reuse(bank, gen, identity, old, cards_before, verify)
        verify = None  # done
        if reuse is not None and last.pieces() is None:
            reuse = None
    if last is not None and reuse is None:
        last.close()  # the child's work is not needed: stopped, so that it does not slow this build
    type_mods = {k: v.mod for k, v in new.note_types.items()}
    title, description = deck_title(bank), description_html(bank.deck.description)
    # One set: the lock is renamed first, then the deck; a run killed in between is
    # completed by the next one (generator.atomic).
    lock_staged, staged = files.path(lpath), files.path(apkg)
    folder = os.path.dirname(staged)
    # The collection is written in a scratch file; a rebuild that takes rows from the last deck writes on
    # its collection, extracted (`_LastCollection`).
    scratch = files.scratch(folder) if reuse is None else last.path
    lines: list = []  # the lock's note lines
    try:
        writer = ApkgWriter(staged, scratch, last.pieces() if reuse is not None else None)
        try:
            if reuse is not None:
                kinds, notes = _write_taken_notes(writer, bank, identity, gen, planner, reuse, old, progress,
                                                  result.made)
                result.taken = len(reuse.taken)
            else:
                kinds, notes = _write_bank_notes(writer, bank, identity, opts, planner, verify, progress,
                                                 lambda: files.scratch(folder), result.made)
            result.added, result.changed, result.unchanged = planner.added, planner.changed, planner.unchanged
            retired = _retired_notes(result, bank, old, shipped, new.notes, notes.guids, now, previous,
                                     previous_digest, notes.last_content)
            for p in retired:
                kinds[p.spec.kind] = kinds.get(p.spec.kind, 0) + 1
            result.notes = kinds
            facts = bank.facts
            del bank  # what is left to write is in the collection

            def lock_lines() -> None:
                digests = notes.digests if notes.digests is not None else fact_digests(facts)
                new.facts = dict(zip(map(attrgetter("id"), facts), digests))
                notes.lock(new.notes)
                lines.append(new.note_lines())

            # The facts' digests and the lock's notes and lines are made on a thread while SQLite copies the
            # child's rows and makes the indexes, and the deck is zipped: work in C that lets go of the GIL.
            with Meanwhile(lock_lines):
                if notes.written is not None:
                    writer.copy(notes.written, notes.new_from, notes.shift)
                writer.add(retired)
                result.cards = writer.finish(type_mods, title, description)
            if notes.written is not None:
                os.unlink(notes.written.path)
            if reuse is not None and not (reuse.remade or writer.moved or result.retired or result.note_types_changed):
                # Every note kept as it was, none moved, none retired: the deck holds what the last one did, row
                # for row, and is shipped as it was, so that a lock restored with the bank still describes it.
                # (A note made again may differ from the last one's row though the planner finds it unchanged:
                # its tags in another order.)
                shutil.copyfile(previous, staged)
        finally:
            writer.close()
    except sqlite3.OperationalError as e:  # "database or disk is full"
        raise OSError(errno.EIO, f"cannot write the deck ({e})", apkg) from e
    except OSError as e:
        if e.filename in (None, staged, scratch):
            e.filename = apkg
        raise
    os.unlink(scratch)
    new.apkg = file_digest(staged)
    new.counts = {"notes": result.notes, "cards": result.cards,
                  "retired": len(result.retired) + result.still_retired}
    files.write(lpath, new.dumps(lines[0]).encode("utf-8"), lock_staged)
    result.made += [old, new, shipped, identity, slots, lines, planner, notes, reuse]
    return result


def _holds_the_notes_of(shipped: dict[str, ShippedNote], lock: Lock) -> bool:
    """Whether a deck's notes are the lock's, each with its id, time and content (`ShippedNote.digest`)."""
    notes = lock.notes
    if shipped.keys() != notes.keys():
        return False
    for guid, ship in shipped.items():
        note = notes[guid]
        if ship.id != note.id or ship.mod != note.mod or ship.digest() != note.digest:
            return False
    return True


def _myth_slots(notes) -> dict[tuple[str, str], list[str]]:
    """The GUIDs of the live myth notes of each fact and source, in the order of their slots (`Identity`)."""
    live = [n for n in notes if n.source and n.retired is None]
    keys = list(zip(map(attrgetter("fact"), live), map(attrgetter("source"), live)))
    # Most facts have one error from a source: those are made at C speed, the others after.
    slots = dict(zip(keys, [[guid] for guid in map(attrgetter("guid"), live)]))
    if len(slots) != len(keys):
        several: dict[tuple[str, str], list[tuple[int, str]]] = {}
        for n in live:
            several.setdefault((n.fact, n.source), []).append((n.n, n.guid))
        slots.update({k: [guid for _, guid in sorted(v)] for k, v in several.items() if len(v) > 1})
    return slots


class _Planner:
    """Each note's id and modification time (the rules above), from the lock's notes and those of the
    deck in the output folder when it was shipped after the lock was written (``shipped``). Notes
    new to both get ids from ``next_id`` on, ``ID_STEP`` apart, in the order they are planned."""

    def __init__(self, old_notes: dict[str, LockedNote], shipped: dict[str, ShippedNote], now: int, next_id: int):
        self.old_notes, self.shipped, self.now, self.next_id = old_notes, shipped, now, next_id
        self.added: list[str] = []  # labels
        self.changed: list[str] = []
        self.unchanged = 0

    def plan(self, specs: list[NoteSpec], due: int) -> tuple[list[PlannedNote], list[tuple]]:
        """The notes planned (their cards due from ``due`` on, in order), and as the lock keeps them
        (`LockedNote.row`: plain values, which a child sends back as they are)."""
        planned: list[PlannedNote] = []
        locked: list[tuple] = []
        old_notes, shipped, now, next_id = self.old_notes, self.shipped, self.now, self.next_id
        added, changed, plan, lock, planned_note = self.added, self.changed, planned.append, locked.append, PlannedNote
        seen: set[str] = set()
        unchanged = 0
        for spec in specs:
            guid = spec.guid
            if guid in seen:  # the checker keeps ids unique; never ship two notes with one GUID
                raise ValueError(f"two notes of the bank share the GUID {guid} ({spec.label})")
            seen.add(guid)
            digest = spec.known_digest or spec.digest()  # made with the note: no call
            before, ship = old_notes.get(guid), shipped.get(guid) if shipped else None
            if before is None and ship is None:
                note_id, mod = next_id, now
                next_id += ID_STEP
                added.append(spec.label)
            else:
                if ship is not None and (before is None or ship.mod > before.mod):
                    last, same = ship.mod, ship.digest() == digest   # the deck was shipped after the lock was written
                else:
                    last, same = before.mod, before.digest == digest
                note_id = (before or ship).id
                if same:
                    mod = last
                    unchanged += 1
                else:
                    mod = _next_mod(now, last)
                    changed.append(spec.label)
            lock((spec.fact_id, spec.source, spec.n, guid, note_id, mod, digest))
            plan(planned_note(spec, note_id, mod, due))
            due += 1
        self.next_id = next_id
        self.unchanged += unchanged
        return planned, locked


def _kinds(planned: list[PlannedNote]) -> dict[str, int]:
    """The notes per kind, in the order the kinds first appear."""
    kinds: dict[str, int] = {}
    for p in planned:
        kinds[p.spec.kind] = kinds.get(p.spec.kind, 0) + 1
    return kinds


@dataclass
class _BankNotes:
    """The bank's notes as the lock keeps them (`LockedNote.row`), those of the first facts and those a
    forked child made of the last ones (`_written_part`), with the collection it wrote them into."""

    first: list[tuple]
    last: list[tuple]
    guids: set[str]                     # every note's
    digests: list[str] | None           # the facts' data digests (`fact_digests`) in bank order, if made
    written: WrittenRows | None = None
    new_from: int = 0                   # the ids from here on, in ``last``, are of notes new to the lock…
    shift: int = 0                      # …numbered before the parent knew how many it added: moved by this much
    taken: list[LockedNote] = field(default_factory=list)  # notes taken from the last deck (`_write_taken_notes`)
    last_content: dict[str, ShippedNote] | None = None      # …and the last content of the notes to retire

    def lock(self, new_notes: dict[str, LockedNote]) -> None:
        """Keep the notes in ``new_notes`` (the ids of ``last`` moved on, see above)."""
        locked = LockedNote
        for note in self.taken:
            new_notes[note.guid] = note
        for row in self.first:
            new_notes[row[3]] = locked(*row)
        new_from, shift = self.new_from, self.shift
        for fact, source, n, guid, note_id, mod, digest in self.last:
            new_notes[guid] = locked(fact, source, n, guid, note_id + shift if note_id >= new_from else note_id,
                                     mod, digest)


def _write_bank_notes(writer: ApkgWriter, bank: Bank, identity: Identity, options: int, planner: _Planner,
                      verify: Callable[[], None] | None, progress: Callable[[int], None] | None,
                      scratch: Callable[[], str], made: list) -> tuple[dict[str, int], _BankNotes]:
    """Make, plan and write the bank's notes, in bank order, into ``writer``; ``verify()`` checks the bank
    first. Return the notes per kind, and the notes for the lock, with the collection a child wrote, if
    any, for the caller to copy in (`CollectionWriter.copy`). The notes made are put in ``made``
    (`BuildResult.made`).

    From ``FORK_FROM`` facts on, a forked child does the last facts' notes (`_written_part`) while this
    process checks the bank and does the first ones."""
    facts = bank.facts
    gen = Generator(bank, DECK_SEED, options)
    cut = len(facts) - int(len(facts) * CHILD_SHARE) if len(facts) >= FORK_FROM else len(facts)
    first_new_id = planner.next_id
    due = cut + sum(len(f.errors) for f in facts[:cut])  # the first facts' notes: a fact's, a myth an error
    # The child numbers the notes new to the lock after those this process will add: all of its notes
    # when neither the lock nor a deck knows any note (a first build), else none (the usual edit). Any
    # other count moves the child's numbers (`CollectionWriter.copy`); this one spares SQLite that.
    guess = due if not planner.old_notes and not planner.shipped else 0
    child_from = first_new_id + ID_STEP * guess
    rest = (Forked(_written_part, bank, gen, identity, facts[cut:], planner, due, child_from, scratch())
            if cut < len(facts) else None)
    try:
        if verify is not None:
            verify()  # while the child works: an error stops the build here
        planned, first = planner.plan(facts_notes(bank, gen, identity, facts[:cut], progress), 0)
        if len(planned) != due:
            raise RuntimeError(f"{len(planned)} notes made of the first {cut} facts, {due} expected")
        made.append(planned)
        writer.add(planned)
        kinds = _kinds(planned)
        guids = {row[3] for row in first}  # each once: the planner saw to that
        if rest is None:
            return kinds, _BankNotes(first, [], guids, None)
        shift = first_new_id + ID_STEP * len(planner.added) - child_from
        rows, last, added, changed, unchanged, later_kinds = _read_part(rest.result())
    except BaseException:
        if rest is not None:
            rest.cancel()
        raise
    made.append(last)
    if progress:
        progress(len(facts) - cut)
    later = {row[3] for row in last}
    clash = guids & later
    if clash:
        raise ValueError(f"two notes of the bank share the GUID {min(clash)}")
    planner.added += added
    planner.changed += changed
    planner.unchanged += unchanged
    for kind, n in later_kinds.items():
        kinds[kind] = kinds.get(kind, 0) + n
    return kinds, _BankNotes(first, last, guids | later, None, rows, first_new_id, shift)


@dataclass
class _Reuse:
    """What a rebuild takes from the last deck (`_plan_reuse`), and what it makes again."""

    taken: list[LockedNote]             # the notes taken, as the lock keeps them
    dues: dict[int, int]                # each taken note's id → its cards' due (its place in the deck)
    dropped: list[int]                  # the ids of the last deck's other notes (made again, or retired)
    remade: list[tuple[Fact, int]]      # the facts whose notes are made again, with their first note's due
    digests: list[str]                  # every fact's data digest (`fact_digests`)
    cards: dict[tuple[str, int], int]   # the last deck's cards per note type and card type


def _plan_reuse(bank: Bank, gen: Generator, identity: Identity, old: Lock, cards: dict[tuple[str, int], int],
                verify: Callable[[], None] | None) -> _Reuse | None:
    """The notes a rebuild takes from the deck the lock describes (whose cards per type are ``cards``): those
    of each fact whose data digest is the lock's, whose question is made of its own options alone
    (`Generator.asks_its_own`: it does not depend on other facts) and whose notes keep the GUIDs the lock
    holds, live and in their slots (`_same_notes`). The context they depend on is the lock's (checked by the
    caller). None when more than ``REMAKE_AT_MOST`` of the facts would be made again: then it is quicker to
    make them all. ``verify()`` checks the bank first; from ``FORK_FROM`` facts on, a forked child plans the
    last half of the facts meanwhile (`_planned_part`)."""
    facts = bank.facts
    most = int(len(facts) * REMAKE_AT_MOST)
    cut = len(facts) // 2 if len(facts) >= FORK_FROM else len(facts)
    rest = (Forked(_planned_part, facts[cut:], gen, identity, old, cut + sum(len(f.errors) for f in facts[:cut]),
                   most) if cut < len(facts) else None)
    try:
        if verify is not None:
            verify()  # before the facts are looked at here: a bank with errors stops the build with them
        parts = [_planned_part(facts[:cut], gen, identity, old, 0, most)]
        if rest is not None:
            parts.append(rest.result())
    except BaseException:
        if rest is not None:
            rest.cancel()
        raise
    if None in parts:
        return None
    digests: list[str] = []
    taken: list[LockedNote] = []
    dues: dict[int, int] = {}
    remade: list[tuple[Fact, int]] = []
    notes_before = old.notes
    for at, (part_digests, guids, part_dues, part_remade) in zip((0, cut), parts):
        digests += part_digests
        taken += [notes_before[g] for g in guids]
        dues.update(part_dues)
        remade += [(facts[at + i], due) for i, due in part_remade]
    if len(remade) > most:
        return None
    dropped = [n.id for n in notes_before.values() if n.id not in dues]
    return _Reuse(taken, dues, dropped, remade, digests, cards)


def _planned_part(facts: list[Fact], gen: Generator, identity: Identity, old: Lock, due: int, most: int):
    """`_plan_reuse` for some of the bank's facts, the first of them due at ``due``: their data digests, the
    GUIDs of the notes taken, those notes' ids and dues, and the facts made again (their place in ``facts``
    and due), as plain values (for a child to send back); None when more than ``most`` facts are made again."""
    digests = fact_digests(facts)
    digests_before, notes_before = old.facts, old.notes
    taken: list[str] = []
    dues: list[tuple[int, int]] = []
    remade: list[tuple[int, int]] = []
    for i, (fact, digest) in enumerate(zip(facts, digests)):
        notes = (_same_notes(fact, identity, notes_before)
                 if digests_before.get(fact.id) == digest and fact.complete and gen.asks_its_own(fact) else None)
        if notes is None:
            remade.append((i, due))
            if len(remade) > most:
                return None
        else:
            taken += [n.guid for n in notes]
            dues += [(n.id, due + k) for k, n in enumerate(notes)]
        due += 1 + len(fact.errors)
    return digests, taken, dues, remade


def _same_notes(fact: Fact, identity: Identity, notes: dict[str, LockedNote]) -> list[LockedNote] | None:
    """The lock's notes of ``fact`` (its own, then its errors' in order) when its notes get the GUIDs the lock
    holds for it (`Identity`), each live and in the same slot; else None."""
    base, guid = identity.fact(fact)
    note = notes.get(guid)
    if note is None or note.retired is not None or note.fact != fact.id or note.source:
        return None
    out = [note]
    if fact.errors:
        for e, (guid, n) in zip(fact.errors, identity.myths(fact, base)):
            note = notes.get(guid)
            if (note is None or note.retired is not None or note.fact != fact.id or note.source != e.source
                    or note.n != n):
                return None
            out.append(note)
    return out


def _cards_by_type(counts: dict) -> dict[tuple[str, int], int] | None:
    """A lock's cards per card type name (`BuildResult.cards`) as cards per note type and card type; None
    when a name does not say which (two note types with a card type of that name)."""
    types: dict[str, tuple[str, int]] = {}
    for kind, nt in NOTE_TYPES.items():
        for ord_, (name, *_) in enumerate(nt.templates):
            types[name] = None if name in types else (kind, ord_)
    try:
        by_type = {types[name]: int(n) for name, n in counts.get("cards", {}).items()}
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
    return None if None in by_type else by_type


def _write_taken_notes(writer: ApkgWriter, bank: Bank, identity: Identity, gen: Generator, planner: _Planner,
                       reuse: _Reuse, old: Lock, progress: Callable[[int], None] | None,
                       made: list) -> tuple[dict[str, int], _BankNotes]:
    """The bank's notes written into ``writer`` as `_write_bank_notes` writes them, where ``writer`` writes on the
    last deck's collection: those of ``reuse.taken`` are kept as they are, moved to their places
    (`CollectionWriter.keep`), the others dropped; only the other facts' notes are made, planned and written.
    The last content of the notes whose fact or error left the bank is read from that collection first
    (`_BankNotes.last_content`, for `_retired_notes`)."""
    facts = bank.facts
    specs = facts_notes(bank, gen, identity, [f for f, _ in reuse.remade])
    planned: list[PlannedNote] = []
    locked: list[tuple] = []
    at = 0
    for fact, due in reuse.remade:  # each fact's notes, where the fact is in the bank
        end = at + 1 + len(fact.errors)
        fact_planned, fact_locked = planner.plan(specs[at:end], due)
        planned += fact_planned
        locked += fact_locked
        at = end
    guids = {n.guid for n in reuse.taken}
    for row in locked:  # the planner sees to this within a fact only
        if row[3] in guids:
            raise ValueError(f"two notes of the bank share the GUID {row[3]}")
        guids.add(row[3])
    gone = old.notes.keys() - guids
    # What `_retired_notes` would read from the last deck: read here before `keep` drops those notes.
    last_content = writer.shipped(gone) if any(old.notes[g].retired is None for g in gone) else None
    # The decks in the order the bank's notes first use them, as if every note were written.
    writer.use_decks([deck_name(bank, topic) for topic in dict.fromkeys(f.topic for f in facts)])
    writer.keep(reuse.dues, reuse.dropped, reuse.cards)
    made.append(planned)
    writer.add(planned)
    planner.unchanged += len(reuse.taken)
    if progress:
        progress(len(facts))
    myths = sum(len(f.errors) for f in facts)
    kinds = {FACT.key: len(facts), **({MYTH.key: myths} if myths else {})}  # in the order `_kinds` gives
    return kinds, _BankNotes(locked, [], guids, reuse.digests, taken=reuse.taken, last_content=last_content)


def _written_part(bank: Bank, gen: Generator, identity: Identity, facts: list[Fact], planner: _Planner, due: int,
                  next_id: int, path: str) -> bytes | tuple:
    """The notes of ``facts`` made, planned as ``planner`` plans (their cards due from ``due`` on, the notes
    new to the lock numbered from ``next_id`` on) and written into a collection of their own at ``path``:
    what a forked child does, and sends back (`_read_part`): the collection's `WrittenRows`, the notes as
    the lock keeps them, the labels of those added and changed, the number unchanged, and the notes per
    kind. Plain values, marshalled (in two thirds of pickle's time); left to pickle if some value is of a
    type marshal does not take."""
    planner = _Planner(planner.old_notes, planner.shipped, planner.now, next_id)  # its own counts and labels
    planned, locked = planner.plan(facts_notes(bank, gen, identity, facts), due)
    writer = CollectionWriter(path, tables_only=True)
    try:
        writer.add(planned)
        rows = writer.written(path)
    finally:
        writer.close()
    part = ((rows.path, rows.decks, rows.patterns), locked, planner.added, planner.changed,
            planner.unchanged, _kinds(planned))
    # Held by a cycle, the notes are not freed one by one when this returns (0.2 s at 100k facts): a
    # child ends without freeing anything (`Forked`); done inline (no fork), they are the collector's.
    made = [planned, locked]
    made.append(made)
    try:
        return marshal.dumps(part)
    except ValueError:
        return part


def _read_part(data: bytes | tuple) -> tuple:
    rows, *rest = marshal.loads(data) if isinstance(data, bytes) else data
    return (WrittenRows(*rows), *rest)


def _retired_notes(result: BuildResult, bank: Bank, old: Lock, shipped: dict[str, ShippedNote],
                   new_notes: dict[str, LockedNote], bank_guids: set[str], now: int, previous: str,
                   previous_digest: str | None, last_content: dict[str, ShippedNote] | None = None
                   ) -> list[PlannedNote]:
    """The notes of the lock or the last deck whose fact or error left the bank (whose notes' GUIDs are
    ``bank_guids``), shipped retired (a notice, a tag), after the bank's notes; kept in ``new_notes``;
    counted in ``result``. ``last_content``: those notes as the last deck holds them, if read already."""
    planned: list[PlannedNote] = []

    def keep(spec: NoteSpec, note_id: int, mod: int, digest: str) -> None:
        note = LockedNote(spec.fact_id, spec.source, spec.n, spec.guid, note_id, mod, digest)
        if spec.retired:
            note.retired = RetiredContent(spec.kind, spec.label, spec.deck, spec.fields, spec.tags)
        planned.append(PlannedNote(spec, note_id, mod, due + len(planned)))
        new_notes[spec.guid] = note

    due = len(bank_guids)
    gone = (old.notes.keys() | shipped.keys()) - bank_guids
    if gone and not shipped and previous_digest is not None and any(old.notes[g].retired is None for g in gone):
        # the last content of the notes to retire
        shipped = last_content if last_content is not None else read_apkg(previous, gone)
    missing = 0
    for guid in sorted(gone, key=lambda g: (old.notes[g].id if g in old.notes else shipped[g].id, g)):
        before, ship = old.notes.get(guid), shipped.get(guid)
        if before is not None and before.retired is not None and (ship is None or ship.mod <= before.mod):
            keep(before.retired.spec(before), before.id, before.mod, before.digest)
            result.still_retired += 1
            continue
        if ship is not None:
            fact = before.fact if before else _fact_of(ship)
            source = before.source if before else source_of(ship.kind, ship.tags)
            spec = ship.spec(fact, _label(ship.kind, fact, source), source, before.n if before else 0)
            if ship.retired and (before is None or before.retired is not None):
                keep(spec, ship.id, ship.mod, ship.digest())
                result.still_retired += 1
                continue
        else:  # neither the lock nor a deck holds its content any more
            missing += 1
            kind = MYTH.key if before.source else FACT.key
            spec = NoteSpec.with_fields(kind, guid, before.fact, _label(kind, before.fact, before.source),
                                        deck_title(bank), {"FactId": plain_html(before.fact)}, [],
                                        source=before.source, n=before.n)
        spec = retire(spec)
        last = max(before.mod if before else 0, ship.mod if ship else 0)
        keep(spec, before.id if before else ship.id, _next_mod(now, last), spec.digest())
        result.retired.append(spec.label)
    if missing:
        result.notices.append(f"{missing} retired note{'s' if missing != 1 else ''} shipped with the notice only: "
                              f"their last content was in {previous}, which is not there")
    return planned


def _fact_of(ship: ShippedNote) -> str:
    values = dict(zip(NOTE_TYPES[ship.kind].field_names, ship.values))
    return values.get("FactId", "")


def _label(kind: str, fact: str, source: str) -> str:
    return f"{fact}: myth from {source}" if kind == MYTH.key else fact


def _lock_from_deck(deck_id: str, shipped: dict[str, ShippedNote]) -> Lock:
    """A lock read back from a deck Errata wrote: every note's slot, id, time and digest."""
    notes = []
    for s in shipped.values():
        fact, source = _fact_of(s), source_of(s.kind, s.tags)
        note = LockedNote(fact, source, 0, s.guid, s.id, s.mod, s.digest())
        if s.retired:
            note.retired = RetiredContent(s.kind, _label(s.kind, fact, source), s.deck,
                                          dict(zip(NOTE_TYPES[s.kind].field_names, s.values)), list(s.tags))
        notes.append(note)
    return Lock(deck_id, notes={n.guid: n for n in number_slots(notes)})


def _some(labels: list[str], limit: int = 8) -> str:
    shown = ", ".join(labels[:limit])
    return shown + (f" … and {len(labels) - limit} more" if len(labels) > limit else "")


def describe(result: BuildResult) -> list[str]:
    """The build summary, line by line: what the deck holds and what changed since the last build."""
    kinds = {FACT.key: ("fact", "facts"), MYTH.key: ("myth", "myths")}
    notes = ", ".join(f"{n} {kinds[k][n != 1]}" for k, n in sorted(result.notes.items()) if k in kinds)
    cards = ", ".join(f"{n} {name}" for name, n in result.cards.items())
    retired = len(result.retired) + result.still_retired
    notes += f"; {retired} of them retired" if retired else ""
    what = f"{result.total_notes} notes ({notes}), {result.total_cards} cards ({cards})"
    if result.up_to_date:
        return [f"{result.apkg} is up to date: {what}",
                "since the last build: nothing changed (same bank, options and Errata); nothing written"]
    lines = [f"wrote {result.apkg}: {what}"] + result.notices
    if result.first_build:
        lines.append(f"first build: every note is new; commit {result.lock} with the bank "
                     f"(it keeps students' updates exact)")
        return lines
    counts = [f"{len(result.added)} added", f"{len(result.changed)} changed", f"{len(result.retired)} retired",
              f"{result.unchanged} unchanged"]
    if not (result.added or result.changed or result.retired or result.note_types_changed):
        lines.append(f"since the last build: nothing changed ({result.unchanged} notes); the deck is the same")
        return lines
    lines.append("since the last build: " + ", ".join(counts))
    if result.added:
        lines.append("  added: " + _some(result.added))
    if result.changed:
        lines.append("  changed: " + _some(result.changed))
    if result.retired:
        lines.append("  retired: " + _some(result.retired))
        lines.append("  (a renamed fact keeps its notes if its old id is listed under 'formerly')")
    if result.note_types_changed:
        lines.append("  card templates changed: " + ", ".join(result.note_types_changed))
    lines.append(f"updated {result.lock}: commit it with the bank")
    return lines


__all__ = ["BuildResult", "apkg_path", "build_deck", "describe", "lock_path"]
