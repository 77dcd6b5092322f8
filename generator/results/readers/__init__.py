"""Readers: one module per response format, each giving `StudentResponse`s on the key's canonical questions.

`read_responses` tells the formats apart by their first bytes and header line.
"""

from __future__ import annotations

import hashlib

from ..model import InputFile, Problem, QuizKey, StudentResponse
from . import canvas, moodle, plain, selfquiz
from .table import read_table

FORMATS = (plain.FORMAT, moodle.FORMAT, canvas.FORMAT, selfquiz.FORMAT)


def read_responses(file: str, data: bytes, key: QuizKey, attempt: str = "first"
                   ) -> tuple[list[StudentResponse], InputFile, list[Problem], list[str]]:
    """One response file → its students (each attempt), what it was, its problems and notes."""
    digest = hashlib.sha256(data).hexdigest()
    if selfquiz.detect(data):
        students, problems = selfquiz.read(file, data, key, attempt)
        return students, InputFile(file, selfquiz.FORMAT, len(students), digest), problems, []
    table, problems = read_table(file, data)
    if table is None:
        return [], InputFile(file, "unknown", 0, digest), problems, []
    notes: list[str] = []
    if plain.detect(table):
        fmt = plain.FORMAT
        students, problems = plain.read(table, key)
    elif moodle.detect(table):
        fmt = moodle.FORMAT
        students, problems, notes = moodle.read(table, key)
    elif canvas.detect(table):
        fmt = canvas.FORMAT
        students, problems, notes = canvas.read(table, key)
    else:
        return [], InputFile(file, "unknown", 0, digest), [Problem(
            file, "not a response file Errata knows: expected Errata's CSV (student,version,1,2,…), a Moodle "
                  "Responses report, a Canvas Student Analysis report or a self-quiz results file", 1)], []
    return students, InputFile(file, fmt, len(table.rows), digest), problems, notes
