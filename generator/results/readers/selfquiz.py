"""The self-quiz page's results file (``errata-selfquiz-results``, version 1).

``{"format", "version", "deck": {"id", "title"}, "quiz_hash", "student", "mode",
"started", "finished", "answers": [{"fact_id", "question", "chosen", "correct",
"attempt", "time"}]}`` — ``chosen`` is the option's text as written in the bank;
``attempt`` 1 is a student's first try at that fact (practice mode allows more). The
student is ``student``, or the file name's stem when that is empty.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..model import NOT_SHOWN, Problem, QuizKey, StudentResponse, spreadsheet_safe
from .lms import no_option

FORMAT = "errata-selfquiz-results"


def detect(data: bytes) -> bool:
    return data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{"


def read(file: str, data: bytes, key: QuizKey, attempt: str) -> tuple[list[StudentResponse], list[Problem]]:
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        return [], [Problem(file, f"not a self-quiz results file: {e}")]
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        return [], [Problem(file, f"not a self-quiz results file (no \"format\": \"{FORMAT}\")")]
    if doc.get("version") != 1:
        return [], [Problem(file, f"self-quiz results version {doc.get('version')!r}: this Errata reads version 1")]
    deck = (doc.get("deck") or {}).get("id")
    if deck != key.deck_id:
        return [], [Problem(file, f"responses to another quiz: deck '{deck}', the quiz is of deck '{key.deck_id}'")]
    answers = doc.get("answers")
    if not isinstance(answers, list):
        return [], [Problem(file, "no \"answers\" list")]
    by_fact = key.by_fact()
    n = len(key.questions)
    student = str(doc.get("student") or "").strip() or Path(file).stem
    picked: dict[int, tuple[int, int, dict]] = {}     # canonical question → (attempt, answer index, answer)
    problems = []
    for i, a in enumerate(answers, 1):
        where = f"answer {i}"
        if not isinstance(a, dict) or not isinstance(a.get("fact_id"), str) or not isinstance(a.get("chosen"), str):
            problems.append(Problem(file, f"{where}: needs \"fact_id\" and \"chosen\" texts", None, None, True))
            continue
        ci = by_fact.get(a["fact_id"])
        if ci is None:
            problems.append(Problem(file, f"{where}: fact '{a['fact_id']}' is not in quiz {key.quiz_id}",
                                    None, None, True))
            continue
        number = a.get("attempt", 1)
        if not isinstance(number, int) or number < 1:
            problems.append(Problem(file, f"{where}: attempt {number!r} is not a whole number ≥ 1", None, None, True))
            continue
        held = picked.get(ci)
        if held is None or (number < held[0] if attempt == "first" else number >= held[0]):
            picked[ci] = (number, i, a)
    choices, marks = [NOT_SHOWN] * n, [""] * n
    for ci, (_, i, a) in sorted(picked.items()):
        oi = key.questions[ci].find(a["chosen"])
        if oi is None:
            p = no_option(key, ci, a["chosen"], file, None, None)
            p.message = f"answer {i}: {p.message}"
            problems.append(p)
            continue
        choices[ci], marks[ci] = oi, spreadsheet_safe(a["chosen"])
    if not picked:
        return [], problems or [Problem(file, "no answers in this self-quiz results file", None, None, True)]
    return [StudentResponse(student, "self-quiz", choices, marks, file, 1, (1,), f"{file}\x1f{student}")], problems
