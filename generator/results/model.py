"""The results model: what a quiz offered (`QuizKey`) and what each student chose (`Delivery`).

Every reader turns its file into `StudentResponse`s on the key's canonical questions
and options: versions and LMS shuffles are mapped back as the file is read, so the
statistics never see a version letter. A choice is an option index on the canonical
question, or one of the negative codes below.
"""

from __future__ import annotations

import difflib
import html
import re
from dataclasses import dataclass, field

from ..diagnostics import visible
from ..text.markup import text_html
from ..text.normalize import norm

BLANK = -1        # nothing marked
MULTIPLE = -2     # several options marked
UNREADABLE = -3   # a mark the scanner could not read ('?')
NOT_SHOWN = -4    # the question was not on this student's quiz
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"

_TAG = re.compile(r"<[^>]*>")


_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(text: str) -> str:
    """Text for a CSV cell: one that starts like a formula gets a leading ``'`` so spreadsheets show it."""
    return "'" + text if text.startswith(_FORMULA) else text


def plain(text: str) -> str:
    """Bank text as an LMS shows it once its HTML is turned back into text: `H~2~O` → `H2O`."""
    return html.unescape(_TAG.sub(" ", text_html(text).replace("<sub>", "").replace("</sub>", "")
                                  .replace("<sup>", "").replace("</sup>", "")))


def match_key(text: str) -> str:
    """How an option or question text is compared with what a response file holds."""
    return norm(plain(text))


class GradeError(Exception):
    """Responses that cannot be graded; carries every `Problem` found."""

    def __init__(self, problems: list["Problem"]):
        self.problems = problems
        super().__init__(problems[0].format() if problems else "bad responses")


@dataclass
class Problem:
    """One thing wrong with the input, located: ``file:row:column: error: message``.

    ``row`` is the line where the record starts (the header is line 1). A problem with
    ``skippable`` set spoils only its row, which `--skip-bad-rows` leaves out.
    """

    file: str
    message: str
    row: int | None = None
    column: int | None = None
    skippable: bool = False

    def format(self) -> str:
        place = self.file
        if self.row is not None:
            place += f":{self.row}"
            if self.column is not None:
                place += f":{self.column}"
        return visible(f"{place}: error: {self.message}")


@dataclass
class KeyOption:
    text: str
    correct: bool
    provenance: dict          # as in the quiz manifest: {"kind": ...} and, for a source error, its citations
    match: str = ""           # match_key(text)

    def __post_init__(self):
        if not self.match:
            self.match = match_key(self.text)


@dataclass
class KeyQuestion:
    fact_id: str
    topic: str
    question: str
    options: list[KeyOption]
    explain: str = ""
    # Other texts that select an option (accepted phrasings of the key): match → option index.
    aliases: dict[str, int] = field(default_factory=dict)
    # Known wrong options not offered by default (bank mode): added when a student chose one.
    spare: list[KeyOption] = field(default_factory=list)
    found: dict[str, int | None] = field(default_factory=dict, repr=False)

    @property
    def key(self) -> int:
        return next(i for i, o in enumerate(self.options) if o.correct)

    def find(self, text: str) -> int | None:
        """The option ``text`` names (after normalisation), adding a known spare option if need be.

        A class gives the same few texts again and again: each is normalised once."""
        if text not in self.found:
            self.found[text] = self._find(text)
        return self.found[text]

    def _find(self, text: str) -> int | None:
        m = match_key(text)
        for i, o in enumerate(self.options):
            if o.match == m:
                return i
        if m in self.aliases:
            return self.aliases[m]
        for o in self.spare:
            if o.match == m:
                self.spare.remove(o)
                self.options.append(o)
                return len(self.options) - 1
        return None

    def closest(self, text: str) -> str:
        texts = [o.text for o in self.options + self.spare]
        m = match_key(text)
        best = max(texts, key=lambda t: difflib.SequenceMatcher(None, m, match_key(t)).ratio())
        return best


@dataclass
class Version:
    """One printed version: for printed question n, its canonical question and option order."""

    letter: str
    questions: list[int]            # printed position → canonical question index
    options: list[list[int]]        # printed position → printed letter index → canonical option index


@dataclass
class QuizKey:
    """What the quiz offered, in canonical order (a manifest's version A, or the bank's facts)."""

    quiz_id: str
    deck_id: str
    deck_title: str
    questions: list[KeyQuestion]
    versions: dict[str, Version]    # empty when the key is a bank (no printed versions)
    source: str                      # "manifest" or "bank"
    file: str = ""

    def by_fact(self) -> dict[str, int]:
        return {q.fact_id: i for i, q in enumerate(self.questions)}


@dataclass
class StudentResponse:
    student: str                 # the student's id as the file gives it
    version: str                 # the version letter, or the delivery ('moodle', 'canvas', 'self-quiz')
    choices: list[int]           # per canonical question: an option index or a code above
    marks: list[str]             # per canonical question: the mark as the file gave it (letter or text)
    file: str
    row: int
    attempt: tuple = ()          # orders several attempts of one student in one file (smaller = earlier)
    attempt_group: str = ""      # attempts are compared only within one file: file + student


@dataclass
class InputFile:
    file: str
    format: str
    rows: int
    sha256: str


@dataclass
class Delivery:
    """The responses of one delivery (one or more files), one per student, ready for the statistics."""

    key: QuizKey
    students: list[StudentResponse]
    inputs: list[InputFile]
    skipped: list[Problem] = field(default_factory=list)
    attempt: str = "first"
