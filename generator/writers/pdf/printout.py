"""Writer: printed quizzes as PDF, typeset by typst.

A quiz prints as several documents:

- one student paper per version (A, B, C…): title, name and date boxes, instructions,
  the questions; the version and "page x of y" on every page;
- the answer sheet, a page (or more) per version, made to be scanned: markers, a QR code,
  name and date boxes, a student-number grid, a bubble row per question; beside it the
  geometry file that says where each of them is (laid out in `generator/scan`);
- one answer key, a grader's tool: first every version's key letters, then, once per
  question (in the first version's order), its number and each option's letter in every
  version, the explanation, and for every wrong option the belief it diagnoses and who
  states it, in the source's exact words.

A version holds the quiz's questions, with the distractors the generator chose: only
the order of the questions and of their options changes, by a seed derived from the
quiz's seed and the version letter. Key positions are balanced within each version.

The data reaches typst as one JSON string (``sys.inputs``) and is placed as values,
never spliced into markup; a source's words keep their straight quotes, the rest is set
typographically. Only typst's embedded fonts are used, so the bytes are the
same on every machine, and every PDF is PDF/A-2b, whose export refuses a character
that no font can show: that becomes a `PrintError` naming the fact and the character.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import math
import random
import re
import string
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ...bank import Bank
from ...quiz import BORROWED, CURATED, SOURCE_ERROR, Option, Question, Quiz, arrange
from ...scan import DEFAULT_STUDENT_DIGITS, layout_sheet, sheet_drawing
from ...text.markup import spans
from ..lms_feedback import reference_line
from .manifest import quiz_code, render_manifest

LETTERS = string.ascii_uppercase
MAX_VERSIONS = len(LETTERS)
PAPERS = {"a4": "a4", "letter": "us-letter"}
TEMPLATES = Path(__file__).with_name("typst")
FONTS = ("Libertinus Serif", "New Computer Modern", "DejaVu Sans Mono")  # typst's embedded fonts
# A fixed creation date: the same quiz and seed give the same bytes.
CREATED = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)


class PrintError(Exception):
    """The quiz cannot be printed as it is (for example a character no font has)."""


@dataclass
class Version:
    letter: str
    questions: list[Question]   # in this version's order, options arranged


def version_seed(seed: int, letter: str) -> int:
    digest = hashlib.sha256(f"errata-version\x1f{seed}\x1f{letter}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def make_versions(quiz: Quiz, count: int) -> list[Version]:
    """``count`` versions of the quiz: questions and options reordered, nothing else."""
    if not 1 <= count <= MAX_VERSIONS:
        raise ValueError(f"versions must be between 1 and {MAX_VERSIONS}, not {count}")
    out = []
    for letter in LETTERS[:count]:
        seed = version_seed(quiz.seed, letter)
        order = list(quiz.questions)
        random.Random(seed).shuffle(order)
        out.append(Version(letter, arrange(order, seed)))
    return out


# --- what each document shows ---------------------------------------------------------

def _common(quiz: Quiz, doc_title: str, code: str, paper: str) -> dict:
    # `code` is the line printed on every page: the deck, the quiz code (never the seed) and the document.
    deck = quiz.bank.deck
    return {"deck": {"id": deck.id, "title": deck.title}, "running-title": _running_title(deck.title),
            "doc-title": doc_title, "code": code, "paper": PAPERS[paper]}


def _running_title(title: str, limit: int = 80) -> str:
    # The page header holds one line: a long deck title is cut at a word, with an ellipsis.
    title = " ".join(title.split())
    if len(title) <= limit:
        return title
    return title[:limit].rsplit(" ", 1)[0].rstrip(" ,;:–—-") + "…"


# Longest option text (in characters) that still sits side by side with the others, by option count.
_SIDE_BY_SIDE = {2: 34, 3: 24, 4: 15}


def _short(q: Question) -> bool:
    # Short options sit side by side; long ones get a line each.
    limit = _SIDE_BY_SIDE.get(len(q.options), 0)
    return all(len(o.text) <= limit and "\n" not in o.text for o in q.options)


def paper_data(quiz: Quiz, version: Version, paper: str = "a4", code: str = "") -> dict:
    n = len(version.questions)
    letters = LETTERS[:max(len(q.options) for q in version.questions)]
    data = _common(quiz, f"{quiz.bank.deck.title} – quiz, version {version.letter}",
                   f"{quiz.bank.deck.id} · quiz {code} · version {version.letter}", paper)
    data.update({
        "version": version.letter,
        "subtitle": f"Multiple-choice quiz · {n} question{'s' if n != 1 else ''}",
        "instructions": (f"Each question has exactly one correct answer. Mark it on the answer sheet by filling "
                         f"its bubble ({', '.join(letters)}); if you change your mind, erase completely. "
                         f"Write your name and fill version {version.letter} on the answer sheet."),
        "questions": [{"number": i, "id": q.fact.id, "question": spans(q.fact.question), "short": _short(q),
                       "options": [{"letter": LETTERS[j], "text": spans(o.text)} for j, o in enumerate(q.options)]}
                      for i, q in enumerate(version.questions, 1)],
    })
    return data


def sheet_data(quiz: Quiz, versions: list[Version], paper: str = "a4", code: str = "",
               student_digits: int = DEFAULT_STUDENT_DIGITS) -> tuple[dict, str]:
    """What typst draws (every position computed here) and the geometry file the scanner reads."""
    width = max(len(q.options) for q in quiz.questions)
    geometry = layout_sheet(code, [v.letter for v in versions], len(quiz.questions), list(LETTERS[:width]), paper,
                            student_digits)
    data = _common(quiz, f"{quiz.bank.deck.title} – answer sheet",
                   f"{quiz.bank.deck.id} · quiz {code} · answer sheet", paper)
    data.update(sheet_drawing(geometry))
    return data, geometry.to_text()


def _wrong_option(o: Option, bank: Bank) -> dict:
    p = o.provenance
    entry = {"kind": p.kind if p else CURATED, "citations": [], "whys": [], "from": None}
    if p and p.kind == SOURCE_ERROR:
        entry["citations"] = [{"source": e.source, "title": bank.source_title(e.source), "quote": e.quote}
                              for e in p.errors]
        entry["whys"] = [spans(w) for w in p.whys]
    elif p and p.kind == BORROWED:
        other = bank.fact(p.from_fact) if p.from_fact else None
        entry["from"] = {"id": p.from_fact, "question": spans(other.question) if other else []}
    return entry


def key_data(quiz: Quiz, versions: list[Version], paper: str = "a4", code: str = "") -> dict:
    """The grader's key: every version's key letters first, then each question's notes once.

    The notes follow the first version's order; each question gives its number in every
    version, and each option its letter in every version, so one note serves all papers.
    """
    bank = quiz.bank
    data = _common(quiz, f"{bank.deck.title} – answer key", f"{bank.deck.id} · quiz {code} · answer key", paper)
    # Where each question and option stands in each version: (number, {option text: letter}).
    place = [{q.fact.id: (i, {o.text: LETTERS[j] for j, o in enumerate(q.options)})
              for i, q in enumerate(v.questions, 1)} for v in versions]
    data["letters"] = [v.letter for v in versions]
    data["keys"] = [{"version": v.letter, "keys": [q.key_letter for q in v.questions]} for v in versions]
    data["questions"] = []
    for q in versions[0].questions:
        options = sorted(q.options, key=lambda o: not o.correct)   # the key first, then the wrong ones
        data["questions"].append({
            "id": q.fact.id, "question": spans(q.fact.question), "explain": spans(q.fact.explain),
            "numbers": [where[q.fact.id][0] for where in place],
            "refs": [reference_line(bank, r) for r in q.fact.refs],
            "options": [{"letters": [where[q.fact.id][1][o.text] for where in place], "text": spans(o.text),
                         "correct": o.correct, **({} if o.correct else _wrong_option(o, bank))}
                        for o in options]})
    return data


# --- typesetting ------------------------------------------------------------------------

_NO_GLYPH = re.compile(r'the text `"(.+?)"` could not be displayed with font')


class Typesetter:
    """One typst compiler for all documents of a quiz (typst memoises across compiles)."""

    def __init__(self):
        import typst  # imported here: only the print path pays for loading it

        self._typst = typst
        self._compiler = typst.Compiler(root=str(TEMPLATES), ignore_system_fonts=True)

    def pdf(self, template: str, data: dict, quiz: Quiz) -> bytes:
        try:
            return self._compiler.compile(
                input=str(TEMPLATES / template), format="pdf",
                sys_inputs={"data": json.dumps(data, ensure_ascii=False)},
                pdf_standards="a-2b", timestamp=CREATED)
        except self._typst.TypstError as e:
            missing = _NO_GLYPH.findall(f"{e.message}\n{getattr(e, 'diagnostic', '')}")
            if missing:
                raise PrintError(missing_glyphs(quiz, missing)) from None
            raise


def missing_glyphs(quiz: Quiz, texts: list[str]) -> str:
    """Name each character no font has, and the fact (or deck part) where it occurs."""
    chars = []
    for t in texts:
        for c in t:
            if c not in chars and not c.isspace():
                chars.append(c)
    lines = []
    for c in chars:
        where = _where(quiz, c)
        name = unicodedata.name(c, "unnamed character")
        lines.append(f"{where}: the character '{c}' (U+{ord(c):04X} {name}) is in none of the fonts "
                     f"Errata prints with ({', '.join(FONTS)})")
    return "; ".join(lines) + " — replace it or spell it out, then print again"


def _where(quiz: Quiz, c: str) -> str:
    bank = quiz.bank
    for q in quiz.questions:
        f = q.fact
        fields = [("question", f.question), ("explain", f.explain)]
        fields += [("option", o.text) for o in q.options]
        for o in q.options:
            if o.provenance and o.provenance.kind == SOURCE_ERROR:
                for e in o.provenance.errors:
                    fields += [("errors: quote", e.quote), ("errors: why", e.why)]
        for field, text in fields:
            if c in text:
                return f"fact '{f.id}' ({field})"
    if c in bank.deck.title:
        return "deck title"
    for s in bank.sources.values():
        if c in s.title:
            return f"source '{s.id}' (title)"
    for r in bank.references.values():
        if c in " ".join((r.title, r.publisher, str(r.year or ""))):
            return f"reference '{r.id}'"
    return "the quiz"


@dataclass
class Printout:
    """The files of one quiz (PDFs, then the manifest), by file name, in the order they are best read."""

    files: dict[str, bytes]
    versions: list[Version]
    code: str               # the quiz code printed on every page; the manifest maps it to the quiz


def file_names(deck_id: str, letters: list[str]) -> dict[str, str]:
    names = {f"paper-{x}": f"{deck_id}-quiz-{x}.pdf" for x in letters}
    names["sheet"] = f"{deck_id}-answer-sheet.pdf"
    names["sheet-geometry"] = f"{deck_id}-answer-sheet.json"
    names["key"] = f"{deck_id}-key.pdf"
    names["manifest"] = f"{deck_id}-quiz.json"
    return names


def render_printout(quiz: Quiz, versions: int = 1, paper: str = "a4",
                    student_digits: int = DEFAULT_STUDENT_DIGITS,
                    progress: Callable[[int], None] | None = None) -> Printout:
    """Every file of the quiz, typeset in memory: nothing is written until all succeed.

    ``progress`` is called with 1 after each document (``versions`` papers, the sheet, the key)."""
    done = progress or (lambda n: None)
    if not quiz.questions:
        raise PrintError("the quiz has no questions")
    if paper not in PAPERS:
        raise ValueError(f"paper must be one of {', '.join(PAPERS)}, not {paper!r}")
    vs = make_versions(quiz, versions)
    names = file_names(quiz.bank.deck.id, [v.letter for v in vs])
    code = quiz_code(quiz, [v.letter for v in vs])
    ts = Typesetter()
    files = {}
    for v in vs:
        files[names[f"paper-{v.letter}"]] = ts.pdf("paper.typ", paper_data(quiz, v, paper, code), quiz)
        done(1)
    drawing, geometry = sheet_data(quiz, vs, paper, code, student_digits)
    files[names["sheet"]] = ts.pdf("sheet.typ", drawing, quiz)
    files[names["sheet-geometry"]] = geometry.encode()
    done(1)
    files[names["key"]] = ts.pdf("key.typ", key_data(quiz, vs, paper, code), quiz)
    done(1)
    files[names["manifest"]] = render_manifest(quiz, vs, code)
    return Printout(files, vs, code)


# Questions a page holds, about (measured on the ketamine bank): a paper, the key, the answer sheet.
_PER_PAGE = {"paper": 8, "key": 3.5, "sheet": 30}


def estimate_pages(questions: int, versions: int) -> int:
    """Pages a quiz of ``questions`` in ``versions`` versions will take, roughly, before typesetting it."""
    def pages(per_page: float) -> int:
        return max(1, math.ceil(questions / per_page))
    return versions * pages(_PER_PAGE["paper"]) + pages(_PER_PAGE["key"]) + pages(_PER_PAGE["sheet"])


def page_count(pdf: bytes) -> int:
    """Pages of a PDF typst wrote (its page objects are never compressed)."""
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))
