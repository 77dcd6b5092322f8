"""Canvas Classic Quizzes "Student Analysis" report (CSV).

Columns: ``name,id,sis_id,[root_account],section,section_id,section_sis_id,submitted,
[attempt]``, then per question two columns — ``"<question id>: <question text>"`` (tags
stripped) holding the response, and one headed by the points possible holding the
points awarded — and finally ``n correct,n incorrect,score``. A multiple-choice
response is the chosen answer's text (several answers: joined by commas). Both cells
are empty when that student's quiz did not contain the question (question groups).
"""

from __future__ import annotations

import re

from ..model import BLANK, NOT_SHOWN, Problem, QuizKey, StudentResponse, spreadsheet_safe
from .lms import QuestionFinder, find_option, no_option
from .table import Table

FORMAT = "canvas-student-analysis"
_QUESTION = re.compile(r"(\d+): (.*)$", re.S)


def detect(table: Table) -> bool:
    h = [x.lower() for x in table.header]
    return h[:3] == ["name", "id", "sis_id"] and "n correct" in h


def read(table: Table, key: QuizKey) -> tuple[list[StudentResponse], list[Problem], list[str]]:
    file, header = table.file, table.header
    finder = QuestionFinder(key)
    n = len(key.questions)
    columns: list[tuple[int, int]] = []   # (response column, canonical question)
    problems: list[Problem] = []
    end = header.index("n correct")
    col = 0
    while col < end:
        m = _QUESTION.match(header[col])
        if m and col + 1 < end:
            ci = finder.find(m.group(2))
            if ci is None:
                problems.append(Problem(file, f"responses to another quiz: question '{m.group(2)[:80]}' is not in "
                                              f"quiz {key.quiz_id}", 1, col + 1))
            else:
                columns.append((col, ci))
            col += 2
        else:
            col += 1
    if problems:
        return [], problems, []
    lower = [x.lower() for x in header]
    attempt = lower.index("attempt") if "attempt" in lower else None
    out = []
    for line, cells in table.rows:
        if len(cells) < len(header):
            problems.append(Problem(file, f"{len(cells)} cells, the header has {len(header)}", line, None, True))
            continue
        name, sid = cells[0].strip(), cells[1].strip()
        choices, marks = [NOT_SHOWN] * n, [""] * n
        bad = False
        for c, ci in columns:
            response, points = cells[c], cells[c + 1].strip()
            if not response.strip():
                choices[ci] = BLANK if points else NOT_SHOWN
                continue
            oi = find_option(key, ci, _unescape(response), (",",))
            if oi is None:
                problems.append(no_option(key, ci, response, file, line, c + 1))
                bad = True
                continue
            choices[ci], marks[ci] = oi, spreadsheet_safe(response.strip())
        try:
            number = int(cells[attempt]) if attempt is not None else 1
        except ValueError:
            problems.append(Problem(file, f"attempt '{cells[attempt]}' is not a number", line, attempt + 1, True))
            continue
        if not bad:
            out.append(StudentResponse(name or sid, "canvas", choices, marks, file, line, (number, line),
                                       f"{file}\x1f{sid or name}"))
    return out, problems, []


def _unescape(text: str) -> str:
    # Several answers are joined by ',' and literal commas written '\,'; one answer keeps its commas.
    return text.replace("\\,", ",")
