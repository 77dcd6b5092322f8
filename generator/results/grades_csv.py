"""grades.csv: one row per student — score, max, percent, then per question the mark and whether it was right.

Questions are the canonical ones, named by fact id (a printed number differs between
versions). The mark is what the file held: the letter on that student's version, the
option text from an LMS, empty for a blank, ``?`` unreadable, several letters for a
multiple mark. A cell that starts like a formula is prefixed with ``'`` so that a
spreadsheet shows it as text instead of running it.
"""

from __future__ import annotations

import csv
import io

from .model import NOT_SHOWN, Delivery
from .stats import Matrix

_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def cell(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA) else text


def render_grades(delivery: Delivery, m: Matrix) -> bytes:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    facts = [q.fact_id for q in delivery.key.questions]
    w.writerow(["student", "version", "score", "max", "percent"]
               + [h for f in facts for h in (f, f"{f} right")])
    for i, s in enumerate(delivery.students):
        row = [cell(s.student), s.version, int(m.score[i]), int(m.max[i]), f"{100 * m.percent[i]:.1f}"]
        for q in range(len(facts)):
            if m.choices[i, q] == NOT_SHOWN:
                row += ["", ""]
            else:
                row += [cell(s.marks[q]), "1" if m.correct[i, q] else "0"]
        w.writerow(row)
    return out.getvalue().encode("utf-8")
