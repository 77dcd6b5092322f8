"""Moodle's quiz "Responses" report, downloaded as CSV.

Columns (mod/quiz/report/responses): ``Surname``, ``First name``, identity fields such as
``Email address``, ``State``, ``Started on``, ``Completed``, ``Time taken``, ``Grade/<max>``,
then per slot N ``Question N``, ``Response N`` and ``Right answer N`` — the last two only
when ticked in the report options. ``Question N`` is the question text and then the
choices as that student saw them (``text: choice; choice``), ``Response N`` the chosen
choice's text (``-`` when blank), both HTML turned to text. A slot is a position, not a
question (random or shuffled quizzes), so each cell is matched by its question text.
One row per attempt, earliest first.
"""

from __future__ import annotations

import re

from ..model import BLANK, NOT_SHOWN, Problem, QuizKey, StudentResponse, spreadsheet_safe
from .lms import QuestionFinder, find_option, no_option
from .table import Table

FORMAT = "moodle-responses"
_SLOT = re.compile(r"(Question|Response|Right answer) (\d+)$")
TICK = ("download the Responses report again (Quiz → Results → Responses) with 'Question text', "
        "'Response' and 'Right answer' ticked under 'Display options'")
FINISHED = {"finished", ""}


def detect(table: Table) -> bool:
    h = set(table.header)
    return ("First name" in h or "Surname" in h) and ("State" in h or any(x.startswith("Grade/") for x in h)
                                                      or any(_SLOT.match(x) for x in h))


def read(table: Table, key: QuizKey) -> tuple[list[StudentResponse], list[Problem], list[str]]:
    file, header = table.file, table.header
    slots: dict[int, dict[str, int]] = {}
    for col, name in enumerate(header):
        m = _SLOT.match(name)
        if m:
            slots.setdefault(int(m.group(2)), {})[m.group(1)] = col
    if not any("Response" in s for s in slots.values()):
        return [], [Problem(file, f"a Moodle export without responses (a Grades report?): {TICK}", 1)], []
    if not any("Question" in s for s in slots.values()):
        return [], [Problem(file, f"a Moodle Responses export without the Question text column: {TICK}", 1)], []
    col = {name: i for i, name in enumerate(header)}
    first, last = col.get("First name"), col.get("Surname", col.get("Last name"))
    email, state = col.get("Email address"), col.get("State")
    finder = QuestionFinder(key)
    n = len(key.questions)
    out, problems, notes = [], [], []
    unknown: set[str] = set()
    ignored = 0
    right_checked: set[int] = set()
    for line, cells in table.rows:
        def cell(i):
            return cells[i].strip() if i is not None and i < len(cells) else ""
        name = " ".join(x for x in (cell(first), cell(last)) if x)
        if name == "Overall average" or (not name and not cell(email)):
            continue
        if cell(state).lower() not in FINISHED:
            ignored += 1
            continue
        choices, marks = [NOT_SHOWN] * n, [""] * n
        bad = False
        for slot in sorted(slots):
            s = slots[slot]
            if "Question" not in s or "Response" not in s:
                continue
            qtext = cell(s["Question"])
            if not qtext:
                continue
            ci = finder.find(qtext)
            if ci is None:
                if qtext not in unknown:
                    unknown.add(qtext)
                    problems.append(Problem(file, f"question '{qtext[:80]}' is not in quiz {key.quiz_id}",
                                            line, s["Question"] + 1))
                bad = True
                continue
            if choices[ci] != NOT_SHOWN:
                problems.append(Problem(file, f"fact '{key.questions[ci].fact_id}' appears twice in one attempt",
                                        line, s["Question"] + 1, True))
                bad = True
                continue
            response = cell(s["Response"])
            if response in ("", "-"):
                choices[ci] = BLANK
                continue
            oi = find_option(key, ci, response, ("; ",))
            if oi is None:
                problems.append(no_option(key, ci, response, file, line, s["Response"] + 1))
                bad = True
                continue
            choices[ci], marks[ci] = oi, spreadsheet_safe(response)
            right = cell(s.get("Right answer"))
            if right and ci not in right_checked:
                right_checked.add(ci)
                q = key.questions[ci]
                if q.find(right) != q.key:
                    notes.append(f"{file}:{line}: note: Moodle's right answer for fact '{q.fact_id}' is "
                                 f"'{right[:60]}', the quiz key is '{q.options[q.key].text[:60]}': graded by the "
                                 f"quiz key")
        if not bad:
            who = cell(email) or name
            out.append(StudentResponse(name or who, "moodle", choices, marks, file, line, (line,), f"{file}\x1f{who}"))
    if ignored:
        notes.append(f"{file}: note: {ignored} attempt{'s' if ignored != 1 else ''} not finished (State), "
                     f"not graded")
    return out, problems, notes
