"""Writer: the quiz as JSON, the canonical view of generated questions.

Later writers and external tools read this shape; it is documented in
docs/quiz-json.md and checked against that description by the tests.
"""

from __future__ import annotations

import orjson

from ..bank import gc_paused
from ..quiz import BORROWED, CURATED, SOURCE_ERROR, Option, Quiz

SUFFIX = ".json"
BINARY = False
FORMAT = "errata-quiz"
VERSION = 1


def provenance_json(o: Option, quiz: Quiz) -> dict:
    p = o.provenance
    if o.correct or p is None:
        return {"kind": "answer"}
    if p.kind == SOURCE_ERROR:
        first = p.errors[0]
        return {
            "kind": SOURCE_ERROR,
            "sources": [e.source for e in p.errors],
            "quote": first.quote,
            "why": first.why,
            "citations": [{"source": e.source, "title": quiz.bank.source_title(e.source),
                           "quote": e.quote, "why": e.why} for e in p.errors],
        }
    if p.kind == BORROWED:
        return {"kind": BORROWED, "from_fact": p.from_fact}
    return {"kind": CURATED}


def quiz_json(quiz: Quiz, start: int = 0, stop: int | None = None) -> dict:
    """The quiz as JSON values (with only the questions ``start:stop``, when given). What repeats (an
    answer's or a curated option's provenance, a set of references, a source's title) is one object
    shared by every question: a read-only tree, built and written at once."""
    bank = quiz.bank
    answer, curated = {"kind": "answer"}, {"kind": CURATED}
    ref_sets: dict[tuple[str, ...], list[dict]] = {}
    titles: dict[str, str] = {}
    questions = []
    append = questions.append
    for q in quiz.questions[start:stop]:
        fact = q.fact
        options = []
        for o in q.options:
            p = o.provenance
            if o.correct or p is None:
                provenance = answer
            elif p.kind == CURATED:
                provenance = curated
            elif p.kind == SOURCE_ERROR:   # `provenance_json`'s, the sources' titles looked up once
                errors = p.errors
                citations = []
                for e in errors:
                    title = titles.get(e.source)
                    if title is None:
                        title = titles[e.source] = bank.source_title(e.source)
                    citations.append({"source": e.source, "title": title, "quote": e.quote, "why": e.why})
                first = errors[0]
                provenance = {"kind": SOURCE_ERROR, "sources": [e.source for e in errors],
                              "quote": first.quote, "why": first.why, "citations": citations}
            else:
                provenance = provenance_json(o, quiz)
            options.append({"text": o.text, "correct": o.correct, "provenance": provenance})
        refs = ref_sets.get(key := tuple(fact.refs))
        if refs is None:
            refs = ref_sets[key] = [{"id": r, "title": bank.references[r].title,
                                     "publisher": bank.references[r].publisher,
                                     "year": bank.references[r].year, "url": bank.references[r].url} for r in key]
        append({
            "fact_id": fact.id,
            "topic": fact.topic,
            "kind": fact.kind,
            "tags": fact.tags,
            "question": fact.question,
            "options": options,
            "answer": fact.answer,
            "accept": fact.accept,
            "explain": fact.explain,
            "refs": refs,
        })
    return {
        "format": FORMAT,
        "version": VERSION,
        "deck": {"id": bank.deck.id, "title": bank.deck.title, "description": bank.deck.description},
        "seed": quiz.seed,
        "options": quiz.options,
        "questions": questions,
    }


def dumps(quiz: Quiz) -> str:
    return render(quiz).decode("utf-8")


_INDENTED = orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE


def render(quiz: Quiz) -> bytes:
    # orjson writes the same bytes as json.dumps(indent=2, ensure_ascii=False), ~10x faster;
    # the tree built here is acyclic and short-lived, so the cyclic collector has nothing to find.
    with gc_paused():
        return orjson.dumps(quiz_json(quiz), option=_INDENTED)


# The questions written alone under the same key are indented as in the whole document; between
# these, their items.
_QUESTIONS_OPEN, _QUESTIONS_CLOSE = b'{\n  "questions": [\n', b"\n  ]\n}\n"


def render_part(quiz: Quiz, start: int, stop: int) -> bytes:
    """The bytes of `render` that hold the questions ``start:stop`` (0 <= start < stop): with the
    document's head when ``start`` is 0, its tail when ``stop`` is the last, so that the parts of
    consecutive ranges put together are `render`'s bytes."""
    return b"".join(render_pieces(quiz, start, stop))


def render_pieces(quiz: Quiz, start: int, stop: int) -> list:
    """`render_part`'s bytes in pieces (bytes-like), as they are made: a part of a large quiz is some
    hundred megabytes, which joining would copy once more."""
    n = len(quiz.questions)
    if start == 0 and stop >= n:
        return [render(quiz)]
    with gc_paused():
        tree = quiz_json(quiz, start, stop)
        items = orjson.dumps({"questions": tree["questions"]}, option=_INDENTED)
        items = memoryview(items)[len(_QUESTIONS_OPEN):-len(_QUESTIONS_CLOSE)]
        if start > 0:
            head = b",\n"
        else:   # the document without questions ends '"questions": []', then its tail
            tree["questions"] = []
            head = orjson.dumps(tree, option=_INDENTED)[:-len(b"]\n}\n")] + b"\n"
        return [head, items, _QUESTIONS_CLOSE] if stop >= n else [head, items]
