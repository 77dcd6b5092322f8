"""The key a delivery is graded against: a quiz manifest, or the bank itself.

A manifest (`errata quiz` writes it beside the PDFs) says what each printed version
showed; its version A gives the canonical order. A bank serves deliveries that carry
fact ids or option texts (the self-quiz results; LMS exports made by `errata export`):
its questions are those `generate(bank, seed=0)` makes — what `errata export` writes
by default — and a student may also have chosen another of the fact's known wrong
options (a source error or a curated distractor, as another seed would offer) or an
accepted phrasing of the answer.
"""

from __future__ import annotations

import json
from pathlib import Path

from .model import KeyOption, KeyQuestion, Problem, QuizKey, Version, match_key

MANIFEST_FORMAT = "errata-quiz-manifest"


def load_key(path: str) -> tuple[QuizKey | None, list[Problem]]:
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as e:
        return None, [Problem(path, f"cannot read the quiz: {e.strerror}")]
    if p.suffix.lower() in (".yaml", ".yml"):
        return _from_bank(path)
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        return None, [Problem(path, f"not a quiz manifest ({e}): give --quiz the <deck>-quiz.json that "
                                    f"'errata quiz' wrote, or the bank (.yaml)")]
    if not isinstance(doc, dict) or doc.get("format") != MANIFEST_FORMAT:
        return None, [Problem(path, "not a quiz manifest (no \"format\": \"errata-quiz-manifest\"): give --quiz "
                                    "the <deck>-quiz.json that 'errata quiz' wrote, or the bank (.yaml)")]
    try:
        return _from_manifest(doc, path), []
    except (KeyError, TypeError, ValueError, StopIteration) as e:
        return None, [Problem(path, f"damaged quiz manifest ({type(e).__name__}: {e}): print the quiz again "
                                    f"with 'errata quiz --seed N'")]


def _from_manifest(doc: dict, path: str) -> QuizKey:
    versions = doc["versions"]
    first = versions[0]
    questions = [KeyQuestion(q["fact_id"], q.get("topic", ""), q["question"],
                             [KeyOption(o["text"], bool(o["correct"]), o.get("provenance") or {"kind": "answer"})
                              for o in q["options"]])
                 for q in first["questions"]]
    by_fact = {q.fact_id: i for i, q in enumerate(questions)}
    out = {}
    for v in versions:
        order, options = [], []
        for q in v["questions"]:
            ci = by_fact[q["fact_id"]]
            canon = {o.match: j for j, o in enumerate(questions[ci].options)}
            order.append(ci)
            options.append([canon[match_key(o["text"])] for o in q["options"]])
        if sorted(order) != list(range(len(questions))):
            raise ValueError(f"version {v['letter']} does not hold the same questions as version {first['letter']}")
        out[v["letter"]] = Version(v["letter"], order, options)
    return QuizKey(doc["quiz_id"], doc["deck"]["id"], doc["deck"]["title"], questions, out, "manifest", path)


def _from_bank(path: str) -> tuple[QuizKey | None, list[Problem]]:
    from ..check import check_bank
    from ..quiz import generate, own_options

    bank, report = check_bank(path)
    if bank is None or not report.ok:
        return None, [Problem(path, d.format()) for d in report.errors] or [Problem(path, "the bank cannot be read")]
    quiz = generate(bank, seed=0)
    questions = []
    for q in quiz.questions:
        f = q.fact
        options = [KeyOption(o.text, o.correct, provenance(o, bank)) for o in q.options]
        known = {o.match for o in options}
        spare = [KeyOption(o.text, False, provenance(o, bank)) for o in own_options(f)]
        kq = KeyQuestion(f.id, f.topic, f.question, options, f.explain,
                         spare=[o for o in spare if o.match not in known])
        kq.aliases = {match_key(a): kq.key for a in f.accept}
        questions.append(kq)
    return QuizKey(f"bank:{bank.deck.id}", bank.deck.id, bank.deck.title, questions, {}, "bank", path), []


def provenance(option, bank) -> dict:
    """An option's provenance, shaped as in the quiz manifest."""
    p = option.provenance
    if option.correct or p is None:
        return {"kind": "answer"}
    if p.kind == "source-error":
        first = p.errors[0]
        return {"kind": p.kind, "sources": [e.source for e in p.errors], "quote": first.quote, "why": first.why,
                "citations": [{"source": e.source, "title": bank.source_title(e.source), "quote": e.quote,
                               "why": e.why} for e in p.errors]}
    if p.kind == "borrowed":
        return {"kind": p.kind, "from_fact": p.from_fact}
    return {"kind": p.kind}
