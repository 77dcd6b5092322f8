"""The quiz manifest: what each printed version shows, in printed order, for grading it later.

`errata quiz` writes it beside the PDFs as `<deck>-quiz.json`. For each version letter it
lists the questions as numbered on that paper, and each question's options as lettered
there, with the key and every wrong option's provenance. Grading, scanning and the
reports read this file alone: they need neither the bank nor the seed. Its shape is
documented in docs/quiz-manifest.md and docs/quiz-manifest.schema.json.
"""

from __future__ import annotations

import hashlib
import json

from ...quiz import Quiz
from ..json import provenance_json

FORMAT = "errata-quiz-manifest"
VERSION = 1
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
# No I, L, O or U: a code read aloud or copied by hand cannot be misread.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def quiz_code(quiz: Quiz, letters: list[str]) -> str:
    """A short code that names one printed quiz and reveals nothing of its seed or key.

    A digest of everything the papers show (the questions and options of every version,
    in printed order): the same quiz and seed give the same code, and knowing the code
    does not help anyone rebuild the key.
    """
    h = hashlib.sha256(b"errata-quiz\x1f" + quiz.bank.deck.id.encode())
    h.update(str(quiz.seed).encode())
    for letter in letters:
        h.update(b"\x1e" + letter.encode())
    for q in quiz.questions:
        h.update(b"\x1d" + q.fact.id.encode())
        for o in q.options:
            h.update(b"\x1f" + o.text.encode())
    n = int.from_bytes(h.digest()[:5], "big")  # 40 bits: eight characters of Crockford's base 32
    raw = "".join(CODE_ALPHABET[(n >> (5 * i)) & 31] for i in reversed(range(8)))
    return f"{raw[:4]}-{raw[4:]}"


def manifest_json(quiz: Quiz, versions, code: str) -> dict:
    """The manifest of a printout: ``versions`` are the arranged `Version`s that were typeset."""
    bank = quiz.bank
    return {
        "format": FORMAT,
        "version": VERSION,
        "quiz_id": code,
        "deck": {"id": bank.deck.id, "title": bank.deck.title},
        "seed": quiz.seed,
        "options": quiz.options,
        "questions": len(quiz.questions),
        "versions": [
            {"letter": v.letter,
             "questions": [
                 {"number": i, "fact_id": q.fact.id, "topic": q.fact.topic, "question": q.fact.question,
                  "options": [{"letter": LETTERS[j], "text": o.text, "correct": o.correct,
                               "provenance": provenance_json(o, quiz)}
                              for j, o in enumerate(q.options)]}
                 for i, q in enumerate(v.questions, 1)]}
            for v in versions],
    }


def render_manifest(quiz: Quiz, versions, code: str) -> bytes:
    return (json.dumps(manifest_json(quiz, versions, code), ensure_ascii=False, indent=2) + "\n").encode("utf-8")
