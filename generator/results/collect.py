"""Several response files → one `Delivery`: one response per student, every problem found in one run.

Within one file, rows of the same student are attempts: the first counts (or the last,
with ``attempt="last"``). The same student in two files, or twice in a plain CSV, is a
duplicate: the later row is the problem.
"""

from __future__ import annotations

from pathlib import Path

from .model import Delivery, GradeError, Problem, QuizKey
from .readers import read_responses

ATTEMPTS = ("moodle", "canvas", "self-quiz")   # deliveries whose files may hold several attempts of a student


def read_delivery(paths: list[str], key: QuizKey, attempt: str = "first", skip_bad_rows: bool = False
                  ) -> tuple[Delivery, list[str]]:
    """The delivery and notes to show; raises `GradeError` with every problem unless only rows are bad
    and ``skip_bad_rows`` is set (those rows are then listed in ``Delivery.skipped``)."""
    problems: list[Problem] = []
    notes: list[str] = []
    inputs, everyone = [], []
    for path in paths:
        try:
            data = Path(path).read_bytes()
        except OSError as e:
            problems.append(Problem(path, f"cannot read: {e.strerror}"))
            continue
        students, info, found, said = read_responses(path, data, key, attempt)
        inputs.append(info)
        everyone.extend(students)
        problems.extend(found)
        notes.extend(said)
    chosen = {}
    for s in everyone:
        held = chosen.get(s.attempt_group)
        # Attempts exist only in LMS files; a paper row repeated is a duplicate, and the first row stands.
        last = attempt == "last" and s.version in ATTEMPTS
        if held is None or (s.attempt > held.attempt if last else s.attempt < held.attempt):
            chosen[s.attempt_group] = s
    kept, seen = [], {}
    for s in sorted(chosen.values(), key=lambda s: (paths.index(s.file) if s.file in paths else 0, s.row)):
        who = " ".join(s.student.casefold().split())
        if who in seen:
            first = seen[who]
            problems.append(Problem(s.file, f"duplicate student '{s.student}': already at {first.file}:{first.row}",
                                    s.row, 1, True))
            continue
        seen[who] = s
        kept.append(s)
    # Several attempts of one student in a plain CSV are duplicates too: the scanner or trainer wrote one row each.
    for s in everyone:
        if s.version not in ATTEMPTS and chosen.get(s.attempt_group) is not s:
            first = chosen[s.attempt_group]
            problems.append(Problem(s.file, f"duplicate student '{s.student}': already at {first.file}:{first.row}",
                                    s.row, 1, True))
    problems.sort(key=lambda p: (paths.index(p.file) if p.file in paths else -1, p.row or 0, p.column or 0))
    fatal = [p for p in problems if not p.skippable]
    if fatal or (problems and not skip_bad_rows):
        raise GradeError(problems)
    if not kept:
        raise GradeError([Problem(", ".join(paths), "no student's responses could be read")])
    return Delivery(key, kept, inputs, [p for p in problems if p.skippable], attempt), notes
