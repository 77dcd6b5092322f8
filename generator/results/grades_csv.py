"""grades.csv: one row per student — score, max, percent, then per question the mark and whether it was right.

Questions are the canonical ones, named by fact id (a printed number differs between
versions). The mark is what the file held: the letter on that student's version, the
option text from an LMS, empty for a blank, ``?`` unreadable, several letters for a
multiple mark. A name or an LMS text that starts like a formula is prefixed with ``'``
(by the readers, for marks) so that a spreadsheet shows it as text instead of running it.
"""

from __future__ import annotations

import csv
import io

import numpy as np

from .model import Delivery, spreadsheet_safe as cell
from .stats import Matrix

def render_grades(delivery: Delivery, m: Matrix) -> bytes:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    facts = [q.fact_id for q in delivery.key.questions]
    w.writerow(["student", "version", "score", "max", "percent"]
               + [h for f in facts for h in (f, f"{f} right")])
    # Readers leave the mark of a question not shown empty; its "right" cell is empty too.
    right = np.where(m.offered, np.where(m.correct, "1", "0"), "").tolist()
    score, top, percent = m.score.tolist(), m.max.tolist(), (100 * m.percent).tolist()
    for i, s in enumerate(delivery.students):
        w.writerow([cell(s.student), s.version, score[i], top[i], f"{percent[i]:.1f}",
                    *[v for pair in zip(s.marks, right[i]) for v in pair]])
    return out.getvalue().encode("utf-8")
