"""Errata's plain CSV: ``student,version,1,2,…,N``, one row per student.

A trainer types it, the answer-sheet scanner writes it. Each cell holds what was marked
on that version's paper: a letter (A–E), nothing for a blank, several letters (``AC``)
for a multiple mark, ``?`` for a mark the scanner could not read. Versions are mapped
back to the canonical questions and options here.
"""

from __future__ import annotations

from ..model import BLANK, LETTERS, MULTIPLE, UNREADABLE, Problem, QuizKey, StudentResponse
from .table import Table

FORMAT = "errata-csv"


def detect(table: Table) -> bool:
    h = [x.lower() for x in table.header]
    return len(h) >= 2 and h[0] == "student" and h[1] == "version"


def read(table: Table, key: QuizKey) -> tuple[list[StudentResponse], list[Problem]]:
    file, header = table.file, table.header
    while header and not header[-1]:    # spreadsheets save empty columns after the last one used
        header = header[:-1]
    n_questions = len(key.questions)
    numbers = header[2:]
    if numbers != [str(i) for i in range(1, len(numbers) + 1)]:
        return [], [Problem(file, "the header must be student,version,1,2,…,N (question numbers in order), "
                                  f"not {','.join(header)[:120]}", 1)]
    if not key.versions:
        return [], [Problem(file, "a plain CSV holds letters as printed: give --quiz the manifest "
                                  "(<deck>-quiz.json) of the printed quiz, not the bank", 1)]
    if len(numbers) != n_questions:
        return [], [Problem(file, f"responses to another quiz: the header has {len(numbers)} questions, quiz "
                                  f"{key.quiz_id} has {n_questions}", 1)]
    letters = sorted(key.versions)
    only = letters[0] if len(letters) == 1 else None
    # What each cell means, per version and printed question, for the cells a class writes.
    decode = {}
    for v in key.versions.values():
        per = []
        for pos, opts in enumerate(v.options):
            d = {"": BLANK, "?": UNREADABLE}
            for j, ci in enumerate(opts):
                d[LETTERS[j]] = ci
                d[LETTERS[j].lower()] = ci
            per.append(d)
        decode[v.letter] = per
    # Canonical question → its printed position, per version.
    inverse = {v.letter: [v.questions.index(ci) for ci in range(n_questions)] for v in key.versions.values()}
    out, problems = [], []
    width = len(header)
    for line, cells in table.rows:
        if len(cells) > width and not any(c.strip() for c in cells[width:]):
            cells = cells[:width]
        if len(cells) != width:
            problems.append(Problem(file, f"{len(cells)} cells, the header has {width}", line, None, True))
            continue
        student = cells[0].strip()
        if not student:
            problems.append(Problem(file, "no student name", line, 1, True))
            continue
        letter = cells[1].strip().upper() or only
        if letter not in key.versions:
            problems.append(Problem(
                file, (f"version '{cells[1].strip()}' is not in quiz {key.quiz_id} (versions {', '.join(letters)})"
                       if cells[1].strip() else f"no version letter: quiz {key.quiz_id} has versions "
                                                f"{', '.join(letters)}"), line, 2, True))
            continue
        v = key.versions[letter]
        marks = cells[2:]
        codes = [d.get(c) for d, c in zip(decode[letter], marks)]   # the common cells, at C speed
        if None in codes:
            bad = False
            for pos, code in enumerate(codes):
                if code is None:
                    code = _slow(marks[pos], len(v.options[pos]), decode[letter][pos])
                    if isinstance(code, str):
                        problems.append(Problem(file, f"question {pos + 1} (fact "
                                                      f"'{key.questions[v.questions[pos]].fact_id}', version {letter}): "
                                                      f"{code}", line, pos + 3, True))
                        bad = True
                    codes[pos] = code
                    marks[pos] = "".join(marks[pos].split()).upper()
            if bad:
                continue
        printed = inverse[letter]
        out.append(StudentResponse(student, letter, [codes[p] for p in printed], [marks[p] for p in printed],
                                   file, line, (line,), f"{file}\x1f{student}"))
    return out, problems


def _slow(cell: str, n_options: int, table: dict) -> int | str:
    """A cell outside the common cases: a mark with spaces, a multiple mark, or a mistake (a message)."""
    s = "".join(cell.split()).upper()
    if s in table:
        return table[s]
    last = LETTERS[n_options - 1]
    if s and all(c in LETTERS for c in s):
        beyond = sorted({c for c in s if LETTERS.index(c) >= n_options})
        if beyond:
            return (f"letter '{''.join(beyond)}' is beyond the options: this question has A–{last}")
        return MULTIPLE
    return (f"'{cell.strip()}' is not a mark: write a letter A–{last}, several letters for a multiple mark, "
            f"nothing for a blank, ? for unreadable")
