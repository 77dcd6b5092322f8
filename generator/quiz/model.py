"""The quiz model: the questions generated from a bank, each option with its provenance.

The generator builds a `Quiz` of `Question`s whose `Option`s carry their `Provenance`.
Every writer (JSON, Anki, PDF, GIFT, Moodle XML, QTI) reads only these objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..bank.model import Bank, Fact, SourceError

SOURCE_ERROR = "source-error"
CURATED = "curated"
BORROWED = "borrowed"


@dataclass(slots=True)   # slots: several per question, so made faster and smaller
class Provenance:
    """Where a wrong option comes from. The key has none."""

    kind: str                                   # SOURCE_ERROR, CURATED or BORROWED
    errors: list[SourceError] = field(default_factory=list)   # SOURCE_ERROR: every source stating it
    from_fact: str | None = None                # BORROWED: the fact whose answer this is

    @property
    def sources(self) -> list[str]:
        return [e.source for e in self.errors]

    @property
    def whys(self) -> list[str]:
        """Why the claim is wrong, each distinct reason once (sources often agree)."""
        return list(dict.fromkeys(e.why for e in self.errors))


@dataclass(slots=True)
class Option:
    text: str
    correct: bool
    provenance: Provenance | None = None


@dataclass(slots=True)
class Question:
    fact: Fact
    options: list[Option]

    @property
    def key_index(self) -> int:
        return next(i for i, o in enumerate(self.options) if o.correct)

    @property
    def key_letter(self) -> str:
        return "ABCDEFGH"[self.key_index]


@dataclass
class Quiz:
    bank: Bank
    questions: list[Question]
    seed: int
    options: int
