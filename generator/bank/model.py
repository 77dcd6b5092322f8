"""The bank model: a deck, its sources and references, and its facts.

The reader (`load`) builds a `Bank`; the checker and the quiz generator read it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from ..text.normalize import norm, norm_all


@dataclass(slots=True)
class Deck:
    id: str
    title: str
    description: str = ""


@dataclass(slots=True)
class Defect:
    """A passage of a source that is not an error: no claim at all (spam, hype, boilerplate), or a claim
    too defensible to teach as wrong (contested, overstated)."""

    kind: str
    quote: str
    note: str = ""
    path: tuple = ()


@dataclass(slots=True)
class Source:
    id: str
    title: str
    file: str = ""
    url: str = ""
    defects: list[Defect] = field(default_factory=list)


@dataclass(slots=True)
class Reference:
    id: str
    title: str
    publisher: str = ""
    year: str = ""
    url: str = ""


@dataclass(slots=True)
class SourceError:
    """A claim a named source states wrongly, with its words and the correction."""

    says: str
    source: str
    quote: str
    why: str
    path: tuple = ()


@dataclass(slots=True)
class Confirmation:
    """A passage where a named source states a fact correctly."""

    source: str
    quote: str
    path: tuple = ()


@dataclass(slots=True)   # slots: a bank holds many facts, built fast and kept small
class Fact:
    id: str
    topic: str
    kind: str
    question: str
    answer: str
    explain: str
    refs: list[str]
    accept: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    errors: list[SourceError] = field(default_factory=list)
    distractors: list[str] = field(default_factory=list)
    formerly: list[str] = field(default_factory=list)
    confirmed_by: list[Confirmation] = field(default_factory=list)
    index: int = 0          # position in the bank
    path: tuple = ()        # data path, for diagnostics
    # False when a required value is missing or invalid (and so left empty here): the bank
    # has errors, and the fact is checked only as far as it can be (no question is built).
    complete: bool = True
    _norms: "FactNorms | None" = field(default=None, init=False, repr=False, compare=False)

    @property
    def norms(self) -> "FactNorms":
        """Normalised texts, computed once: the checker and every generator compare with them."""
        if self._norms is None:   # a slot, where a cached_property would need a __dict__
            answer, accept = norm(self.answer), [norm(a) for a in self.accept]
            says, distractors = [norm(e.says) for e in self.errors], [norm(d) for d in self.distractors]
            every = (answer, *accept, *says, *distractors)
            self._norms = FactNorms(answer, accept, says, distractors, len(set(every)) == len(every))
        return self._norms


@dataclass(frozen=True, slots=True)
class FactNorms:
    answer: str
    accept: list[str]
    says: list[str]          # one per error, in order
    distractors: list[str]   # one per curated distractor, in order
    # No two of the texts above alike: nothing to report between them, nothing blocked or merged when a
    # question is built. Asked of every fact by the checks and the question count: found once here.
    distinct: bool = True


def compute_norms(facts: list[Fact]) -> None:
    """Every fact's `norms` at once, as the property would give them: in C when the reader's
    extension is built (`_fastyaml.norms`: plain ASCII only lower-cased there, any other text by
    `norm`), else by `python_compute_norms`."""
    if _C_NORMS is None or not _C_NORMS(facts):
        python_compute_norms(facts)


def python_compute_norms(facts: list[Fact]) -> None:
    """`compute_norms` in Python alone, the reference for the C code: the texts of all the facts are
    normalised in one call (`norm_all`), far cheaper than text by text."""
    texts: list[str] = []
    add, extend = texts.append, texts.extend
    for f in facts:
        add(f.answer)
        extend(f.accept)
        extend([e.says for e in f.errors])
        extend(f.distractors)
    normed = norm_all(texts)
    i = 0
    for f in facts:
        accept = i + 1
        says = accept + len(f.accept)
        distractors = says + len(f.errors)
        end = distractors + len(f.distractors)
        every = normed[i:end]
        f._norms = FactNorms(normed[i], normed[accept:says], normed[says:distractors], normed[distractors:end],
                             len(set(every)) == end - i)
        i = end


def _c_norms():
    """The C `compute_norms` (its classes handed over), or None without the extension."""
    try:
        from . import _fastyaml
    except ImportError:
        return None
    # The C code fills these slots of FactNorms, and reads Fact's and SourceError's by name.
    if not hasattr(_fastyaml, "norms") or set(FactNorms.__slots__) != {"answer", "accept", "says", "distractors",
                                                                       "distinct"}:
        return None
    try:
        _fastyaml.norm_lane(Fact, SourceError, FactNorms, norm)
    except (TypeError, AttributeError):   # a slot it reads is gone: the Python code does it all
        return None
    return _fastyaml.norms


_C_NORMS = _c_norms()


@dataclass
class Bank:
    deck: Deck
    sources: dict[str, Source]
    references: dict[str, Reference]
    facts: list[Fact]
    file: str = ""
    # Parts that could not be read whole ('deck', 'sources', 'references', 'facts'): the bank
    # has errors, and checks that need the whole part (an unknown source…) stay quiet about it.
    incomplete: frozenset = frozenset()

    @cached_property
    def _by_id(self) -> dict[str, Fact]:
        return {f.id: f for f in reversed(self.facts)}  # the first of duplicate ids wins

    def fact(self, fact_id: str) -> Fact | None:
        return self._by_id.get(fact_id)

    def source_title(self, source_id: str) -> str:
        """The source's title, or its id when the bank does not define it."""
        s = self.sources.get(source_id)
        return s.title if s else source_id
