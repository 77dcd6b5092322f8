"""Generator: facts → multiple-choice questions whose wrong options come from the sources' errors.

Distractor policy, in order, until the question has ``options`` options:

1. the fact's own source errors, one option per distinct claim (after normalisation),
   carrying every source that states it;
2. its curated distractors;
3. answers of other facts of the same ``kind``, near the key's length, picked by seed.

Never the key or an accepted phrasing, never twice the same option, never filler:
a fact with too few candidates simply gets fewer options (the checker reports it).

Selection depends only on the seed and the fact (and its kind's pool), so a fact's
options do not change when unrelated facts are added. Ordering (`arrange`) balances
the key's position across the whole quiz.
"""

from __future__ import annotations

import random
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass

from ..bank import Bank, Fact, gc_paused
from .model import BORROWED, CURATED, SOURCE_ERROR, Option, Provenance, Question, Quiz

MIN_OPTIONS, MAX_OPTIONS = 2, 5
DEFAULT_OPTIONS = 3


@dataclass
class _Pool:
    """Distinct answers of one kind, sorted by length: borrowing is a bisect plus a small window."""

    lengths: list[int]
    entries: list[tuple[str, str, str]]  # (norm, text, fact id)


def _pools(facts: list[Fact]) -> dict[str, _Pool]:
    by_kind: dict[str, dict[str, tuple[int, str, str, str]]] = {}
    for f in facts:
        distinct = by_kind.get(f.kind)
        if distinct is None:
            distinct = by_kind[f.kind] = {}
        n = f.norms.answer
        if n not in distinct:
            distinct[n] = (len(f.answer), n, f.answer, f.id)
    pools = {}
    for kind, distinct in by_kind.items():
        rows = sorted(distinct.values())   # by length, then norm: the norms of one kind are distinct
        pools[kind] = _Pool([r[0] for r in rows], [r[1:] for r in rows])
    return pools


def own_options(fact: Fact) -> list[Option]:
    """The fact's own wrong options in policy order: source errors (merged), then curated."""
    return _own_options(fact)[0]


def _own_options(fact: Fact, limit: int | None = None) -> tuple[list[Option], list[str]]:
    """`own_options` (the first ``limit`` of them), with each option's normalised text."""
    norms = fact.norms
    every = (norms.answer, *norms.accept, *norms.says, *norms.distractors)
    if len(set(every)) == len(every):
        # No two texts say the same thing (the common case): nothing is blocked or merged, and only
        # the options kept are made.
        errors, distractors = fact.errors, fact.distractors
        if limit is not None and len(errors) + len(distractors) > limit:
            errors = errors[:limit]
            distractors = distractors[:limit - len(errors)]
        out = [Option(e.says, False, Provenance(SOURCE_ERROR, [e])) for e in errors]
        out += [Option(d, False, Provenance(CURATED)) for d in distractors]
        return out, [*norms.says[:len(errors)], *norms.distractors[:len(distractors)]]
    out, merged = _merged_options(fact)
    return out[:limit], merged[:limit]


def _merged_options(fact: Fact) -> tuple[list[Option], list[str]]:
    """`_own_options` claim by claim: the key's and accepted phrasings' claims left out, a claim stated
    by several sources merged into one option."""
    norms = fact.norms
    blocked = {norms.answer, *norms.accept}
    out: list[Option] = []
    by_norm: dict[str, Option] = {}
    for e, n in zip(fact.errors, norms.says):
        if n in blocked:
            continue
        if n in by_norm:
            if by_norm[n].provenance.kind == SOURCE_ERROR:
                by_norm[n].provenance.errors.append(e)
            continue
        o = Option(e.says, False, Provenance(SOURCE_ERROR, [e]))
        by_norm[n] = o
        out.append(o)
    for d, n in zip(fact.distractors, norms.distractors):
        if n in blocked or n in by_norm:
            continue
        o = Option(d, False, Provenance(CURATED))
        by_norm[n] = o
        out.append(o)
    return out, list(by_norm)


def _borrow(fact: Fact, pool: _Pool, need: int, taken: set[str], rng: random.Random) -> list[Option]:
    """Up to ``need`` answers of same-kind facts, near the key's length, none in ``taken``."""
    n_entries = len(pool.entries)
    centre = bisect_left(pool.lengths, len(fact.answer))
    radius = need + len(taken) + 2
    while True:
        lo, hi = max(0, centre - radius), min(n_entries, centre + radius)
        window = list(range(lo, hi))
        rng.shuffle(window)
        found = []
        for i in window:
            n, text, fid = pool.entries[i]
            if n in taken or fid == fact.id:
                continue
            found.append(Option(text, False, Provenance(BORROWED, from_fact=fid)))
            if len(found) == need:
                return found
        if lo == 0 and hi == n_entries:
            return found
        radius *= 2


def check_options(options: int) -> None:
    """A ValueError unless a question may have ``options`` options."""
    if not MIN_OPTIONS <= options <= MAX_OPTIONS:
        raise ValueError(f"options must be between {MIN_OPTIONS} and {MAX_OPTIONS}, not {options}")


class Generator:
    """Builds questions for facts of one bank; pools are built once, when first needed (linear in the facts)."""

    def __init__(self, bank: Bank, seed: int = 0, options: int = DEFAULT_OPTIONS):
        check_options(options)
        self.bank = bank
        self.seed = seed
        self.options = options
        self._pools: dict[str, _Pool] | None = None
        self._rng = random.Random()   # re-seeded per fact: seeding makes the state of a new Random(seed)
        self._id_counts: Counter | None = None   # facts per id, for `option_counts`: made when first needed

    @property
    def pools(self) -> dict[str, _Pool]:
        """Each kind's pool, made the first time a fact borrows (a bank whose facts all have options
        enough of their own never needs them)."""
        if self._pools is None:
            self._pools = _pools(self.bank.facts)
        return self._pools

    def question(self, fact: Fact) -> Question:
        """Key first, then distractors in policy order (not yet arranged)."""
        want = self.options - 1
        errors = fact.errors
        if self.asks_its_own(fact):
            # `_own_options`' common case, in line: nothing blocked or merged, and options enough of the
            # fact's own, so nothing is borrowed and their norms are not needed.
            options = [Option(fact.answer, True)]
            append = options.append
            for e in errors[:want]:
                append(Option(e.says, False, Provenance(SOURCE_ERROR, [e])))
            if len(errors) < want:
                for d in fact.distractors[:want - len(errors)]:
                    append(Option(d, False, Provenance(CURATED)))
            return Question(fact, options)
        distractors, norms = _own_options(fact, want)
        if len(distractors) < want:
            taken = {fact.norms.answer, *fact.norms.accept, *norms}
            rng = self._rng
            rng.seed(f"{self.seed}\x1f{fact.id}")
            distractors += _borrow(fact, self.pools[fact.kind], want - len(distractors), taken, rng)
        return Question(fact, [Option(fact.answer, True)] + distractors)

    def asks_its_own(self, fact: Fact) -> bool:
        """Whether the fact's question is made of its own options alone (nothing blocked, merged or
        borrowed): then it depends on the fact and the number of options, not on the other facts."""
        return fact.norms.distinct and len(fact.errors) + len(fact.distractors) >= self.options - 1

    def option_counts(self, facts: list[Fact]) -> list[int]:
        """How many options each fact's question has (``len(self.question(fact).options)``), mostly
        without making it: a fact whose own options are distinct and enough has `options`, and so has
        one whose kind surely lends what it lacks; the others' questions are made."""
        want = self.options - 1
        counts = []
        append = counts.append
        for fact in facts:
            norms = fact.norms
            own = len(norms.says) + len(norms.distractors)
            texts = 1 + len(norms.accept) + own
            if len({norms.answer, *norms.accept, *norms.says, *norms.distractors}) == texts:
                if own >= want or self._surely_lends(fact, texts, want - own):
                    append(self.options)
                    continue
            append(len(self.question(fact).options))
        return counts

    def _surely_lends(self, fact: Fact, taken: int, need: int) -> bool:
        """True when the fact's kind lends ``need`` answers whatever they are: its pool holds that many
        beyond the ``taken`` texts and the answers of facts with the fact's id (`_borrow` leaves both
        out, and widens its window to the whole pool before it gives fewer)."""
        pool = self.pools.get(fact.kind)
        if pool is None:
            return False
        if self._id_counts is None:
            self._id_counts = Counter(f.id for f in self.bank.facts)
        return len(pool.entries) - taken - self._id_counts[fact.id] >= need


def arrange(questions: list[Question], seed: int) -> list[Question]:
    """Order each question's options; the key's position is balanced across the quiz.

    Among questions with k options, key positions are drawn from successive shuffled
    blocks of range(k), so every position is used equally often (±1).
    """
    rng = random.Random(f"arrange\x1f{seed}")
    blocks: dict[int, list[int]] = {}
    out = []
    for q in questions:
        k = len(q.options)
        block = blocks.get(k)
        if not block:
            block = list(range(k))
            rng.shuffle(block)
            blocks[k] = block
        key_pos = block.pop()
        key = next(o for o in q.options if o.correct)
        rest = [o for o in q.options if not o.correct]
        rng.shuffle(rest)
        rest.insert(key_pos, key)
        out.append(Question(q.fact, rest))
    return out


class Arrangement:
    """`arrange`'s draws for questions as `Generator.question` builds them (the key first, the only one
    marked correct), made in turn over consecutive parts of a quiz. The draws depend only on the option
    counts, in order: a part can be arranged without the questions before it, once their counts have
    been drawn for (`skip`)."""

    def __init__(self, seed: int):
        self._rng = random.Random(f"arrange\x1f{seed}")
        self._blocks: dict[int, list[int]] = {}

    def arrange(self, questions: list[Question]) -> list[Question]:
        """The next questions arranged, in place, those with fewer than `MIN_OPTIONS` options left out:
        the same draws in the same order as `arrange`, without looking for the key or making each
        question again."""
        shuffle = self._rng.shuffle
        key_position = self._key_position
        out = []
        for q in questions:
            options = q.options
            k = len(options)
            if k < MIN_OPTIONS:
                continue
            key_pos = key_position(k)
            rest = options[1:]
            shuffle(rest)
            rest.insert(key_pos, options[0])
            q.options = rest
            out.append(q)
        return out

    def state(self) -> tuple:
        """Where the draws are: `resumed` from it, an `Arrangement` draws on as this one would."""
        return self._rng.getstate(), {k: block[:] for k, block in self._blocks.items()}

    @classmethod
    def resumed(cls, state: tuple) -> Arrangement:
        arrangement = cls(0)
        arrangement._rng.setstate(state[0])
        arrangement._blocks = {k: block[:] for k, block in state[1].items()}
        return arrangement

    def skip(self, counts: list[int]) -> None:
        """The draws of `arrange` for questions with these option counts, the questions left unmade."""
        shuffle = self._rng.shuffle
        key_position = self._key_position
        # The wrong options' shuffle draws by their number only: a list of as many stands in for them.
        spare = {k: [0] * (k - 1) for k in set(counts)}
        for k in counts:
            if k < MIN_OPTIONS:
                continue
            key_position(k)
            shuffle(spare[k])

    def _key_position(self, k: int) -> int:
        """The key's position in the next question with ``k`` options: taken from a shuffled block of
        the ``k`` positions, a new block drawn when the last is used up (so keys spread evenly)."""
        block = self._blocks.get(k)
        if not block:
            block = list(range(k))
            self._rng.shuffle(block)
            self._blocks[k] = block
        return block.pop()


def _arrange_built(questions: list[Question], seed: int) -> list[Question]:
    """`arrange` for questions as `Generator.question` builds them, in place (`Arrangement.arrange`).
    Questions with fewer than `MIN_OPTIONS` options are left out first."""
    return Arrangement(seed).arrange(questions)


def select_facts(bank: Bank, topics=(), tags=(), count: int | None = None, seed: int = 0) -> list[Fact]:
    """Facts matching any of ``topics`` and any of ``tags`` (case-insensitive); ``count`` drawn by seed."""
    want_topics = {t.casefold() for t in topics}
    want_tags = {t.casefold() for t in tags}
    facts = [f for f in bank.facts
             if (not want_topics or f.topic.casefold() in want_topics)
             and (not want_tags or want_tags & {t.casefold() for t in f.tags})]
    if count is not None and count < len(facts):
        picked = set(id(f) for f in random.Random(f"select\x1f{seed}").sample(facts, count))
        facts = [f for f in facts if id(f) in picked]  # keep bank order
    return facts


def generate(bank: Bank, seed: int = 0, options: int = DEFAULT_OPTIONS, facts: list[Fact] | None = None) -> Quiz:
    """The quiz: one question per fact with at least two options, options arranged."""
    with gc_paused():  # ~10 objects a question, none in a cycle: the collector would only slow it down
        gen = Generator(bank, seed, options)
        built = [gen.question(f) for f in (bank.facts if facts is None else facts)]
        return Quiz(bank, _arrange_built(built, seed), seed, options)
