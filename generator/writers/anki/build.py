"""`errata build`: a bank and its lock → the Anki deck and the updated lock.

A note's modification time changes only when its content does, and then to the
build time — or one second after its previous time, if that is not earlier — so a
student's Anki (default import: "update notes if newer") updates exactly the notes
that changed, keeps their edits of the others, and never misses a change made within
the same second. Notes whose fact left the bank are shipped with a notice and the tag
errata::retired (Anki never deletes on import); their cards are marked suspended in
the package, which Anki applies only to a student who imports with scheduling.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import Callable

from ...atomic import write_text
from ...quiz import DEFAULT_OPTIONS
from ...bank import Bank
from ...bank import gc_paused
from .lock import Lock, LockedNote, LockedType, lock_path, read_lock
from .notes import bank_notes, retire
from .notetypes import FACT, MYTH, NOTE_TYPES
from .package import ID_STEP, PlannedNote, description_html, write_apkg


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


def build_deck(bank: Bank, out_dir: str, seed: int = 0, options: int = DEFAULT_OPTIONS,
               clock: Callable[[], float] = time.time,
               progress: Callable[[int], None] | None = None) -> BuildResult:
    """Write ``<out_dir>/<deck id>.apkg`` and its lock; return what changed.

    ``clock`` gives the time of changes (injectable so tests can build "one second
    later"); ``progress`` is called with the number of facts done.
    """
    with gc_paused():  # many small acyclic objects: the cyclic collector only costs time
        return _build(bank, out_dir, seed, options, clock, progress)


def _build(bank, out_dir, seed, options, clock, progress) -> BuildResult:
    deck_id = bank.deck.id
    apkg = apkg_path(out_dir, deck_id)
    lpath = lock_path(out_dir, deck_id)
    old = read_lock(lpath, deck_id)
    now = int(clock())

    current = bank_notes(bank, seed, options, known_guids=old.notes.keys(), progress=progress)
    new = Lock(deck_id)
    result = BuildResult(apkg, lpath, not old.exists, {}, {})

    for key, nt in NOTE_TYPES.items():
        digest = nt.digest()
        before = old.note_types.get(key)
        if before is None or before.digest != digest or before.id != nt.id:
            new.note_types[key] = LockedType(nt.id, _next_mod(now, before.mod if before else 0), digest)
            if before is not None:
                result.note_types_changed.append(nt.name)
        else:
            new.note_types[key] = before

    next_id = max(now * 1000, old.max_id() + ID_STEP)
    planned: list[PlannedNote] = []

    def keep(spec, note_id: int, mod: int, digest: str) -> None:
        new.notes[spec.guid] = LockedNote(spec.guid, spec.kind, spec.fact_id, spec.label, note_id, mod, digest,
                                          spec.deck, spec.fields, spec.tags, spec.retired)
        planned.append(PlannedNote(spec, note_id, mod, len(planned)))

    for spec in current.notes:
        digest = spec.digest()
        before = old.notes.get(spec.guid)
        if spec.guid in new.notes:  # the checker keeps ids unique; never ship two notes with one GUID
            raise ValueError(f"two notes of the bank share the GUID {spec.guid} ({spec.label})")
        if before is None:
            keep(spec, next_id, now, digest)
            next_id += ID_STEP
            result.added.append(spec.label)
        elif before.digest != digest:
            keep(spec, before.id, _next_mod(now, before.mod), digest)
            result.changed.append(spec.label)
        else:
            keep(spec, before.id, before.mod, digest)
            result.unchanged += 1

    for guid, before in old.notes.items():
        if guid in new.notes:
            continue
        if before.retired:
            keep(before.spec(), before.id, before.mod, before.digest)
            result.still_retired += 1
        else:
            spec = retire(before.spec())
            keep(spec, before.id, _next_mod(now, before.mod), spec.digest())
            result.retired.append(spec.label)

    for p in planned:
        result.notes[p.spec.kind] = result.notes.get(p.spec.kind, 0) + 1
    type_mods = {k: v.mod for k, v in new.note_types.items()}
    result.cards = write_apkg(apkg, planned, type_mods, bank.deck.title.strip(),
                              description_html(bank.deck.description))
    # The deck first, then the lock: a crash in between leaves a lock whose changes the
    # next build simply makes again.
    write_text(lpath, new.dumps())
    return result


def _some(labels: list[str], limit: int = 8) -> str:
    shown = ", ".join(labels[:limit])
    return shown + (f" … and {len(labels) - limit} more" if len(labels) > limit else "")


def describe(result: BuildResult) -> list[str]:
    """The build summary, line by line: what the deck holds and what changed since the last build."""
    kinds = {FACT.key: ("fact", "facts"), MYTH.key: ("myth", "myths")}
    notes = ", ".join(f"{n} {kinds[k][n != 1]}" for k, n in sorted(result.notes.items()))
    cards = ", ".join(f"{n} {name}" for name, n in result.cards.items())
    retired = len(result.retired) + result.still_retired
    notes += f"; {retired} of them retired" if retired else ""
    lines = [f"wrote {result.apkg}: {result.total_notes} notes ({notes}), {result.total_cards} cards ({cards})"]
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


__all__ = ["BuildResult", "build_deck", "apkg_path", "describe"]
