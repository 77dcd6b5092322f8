"""Cross-fact lint: cues that only show when facts meet in one quiz, or across the bank.

Three warnings, each naming the facts involved:

- **give-away**: the answer (or an accepted phrasing) of one fact appears in another
  fact's question or options, so a quiz holding both answers one with the other;
- **hedged key**: the key is the only hedged option ("about", "mixed"…) while every
  wrong option is absolute ("proven", "never"…): test-wise students pick the hedge;
- **middle key**: across the bank, numeric keys sit between their wrong options far
  more often than chance would put them there.

Everything is linear in the size of the bank. Phrases are matched as whole words of
the normalised texts, and each phrase is looked up only through its rarest word (its
*anchor*), so a text is checked against the few phrases anchored on its words, never
against every other fact.
"""

from __future__ import annotations

import math
import re
from bisect import insort
from collections import Counter
from functools import partial
from itertools import chain, compress
from operator import attrgetter, not_

from ..bank import Bank, Fact
from ..diagnostics import Report
from ..text.normalize import norm

_SEP = "\x1f"                                   # between two texts of a fact: no phrase spans it
_LEADING = frozenset({"a", "an", "the"})
_ARTICLE_START = ("a ", "an ", "the ")
_ANSWER = ("answer",)
_NORMS = attrgetter("norms")
# A phrase this short says too little to give anything away ("K", "2", "IV").
_MIN_CHARS = 3

_HEDGES = frozenset("""about approximately roughly around nearly almost usually typically often mostly largely
    may might can could some partly partially mixed varies vary variable inconsistent limited likely possible
    possibly probably generally several moderate modest weak small uncertain unclear investigational""".split())
_ABSOLUTES = frozenset("""always never all none no every any completely entirely absolutely guaranteed only proven
    reliably reliable cure cures cured consistent consistently definitely certainly must permanent permanently
    fully full""".split())

_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_NUMBER_WORDS = {w: str(i) for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve".split())}
# A whole word that is a number: an option without one is not numeric (a C-speed test before any parsing).
_HAS_NUMBER = re.compile(r"(?<!\S)(?:\d+(?:\.\d+)?|" + "|".join(_NUMBER_WORDS) + r")(?!\S)")
# How far above chance the share of middle keys must be before it is a cue (one-sided z).
MIDDLE_Z = 2.0
_NAMED = 12   # fact ids named in one warning before "and N more"
# A phrase shown in, or answering, more facts than this is the subject's vocabulary rather than a give-away.
VOCABULARY = 50


def _phrase(normalised: str) -> str | None:
    """A normalised answer as a phrase to look for: leading articles dropped; None when too short to tell."""
    if len(normalised) >= 4 and not normalised.startswith(_ARTICLE_START) and not normalised.isdigit():
        return normalised                                   # the common case, without splitting
    ws = normalised.split()
    while ws and ws[0] in _LEADING:
        ws = ws[1:]
    p = " ".join(ws)
    if len(p) < _MIN_CHARS or (len(ws) == 1 and ws[0].isdigit() and len(ws[0]) < 4):
        return None   # '2' is everywhere; a year is not
    return p


def _wrong(f: Fact) -> list[str]:
    """The fact's own wrong options, normalised (source errors, then curated)."""
    return [*f.norms.says, *f.norms.distractors]


def question_norms(facts: list[Fact]) -> list[str]:
    """Every question normalised, a run of questions at a time in few passes over one string (a mark,
    which normalisation keeps, separates them): a call or two a run instead of one per fact. (A run
    of texts joined stays small enough to be made in memory already in use, and in cache: on a large
    bank, one string of every question and each step's copy of it cost more in fresh pages than the
    calls they save.)"""
    out: list[str] = []
    for start in range(0, len(facts), _QUESTION_RUN):
        out += _run_norms([f.question for f in facts[start:start + _QUESTION_RUN]])
    return out


_QUESTION_RUN = 512


def _run_norms(questions: list[str]) -> list[str]:
    """`question_norms` of a run of questions (texts)."""
    # ASCII text normalises several times faster than text beyond it (no NFKC, lower() for case folding,
    # one byte a character), and one question beyond ASCII makes the joined text so: the ASCII questions
    # are normalised together, the others together.
    plain = list(map(str.isascii, questions))
    ascii_norms = _norm_joined(list(compress(questions, plain)))
    if len(ascii_norms) == len(questions):
        return ascii_norms
    other_norms = _norm_joined(list(compress(questions, map(not_, plain))))
    if not ascii_norms:
        return other_norms
    ascii_next, other_next = iter(ascii_norms).__next__, iter(other_norms).__next__
    return [ascii_next() if is_plain else other_next() for is_plain in plain]


def _norm_joined(questions: list[str]) -> list[str]:
    """`norm` of each text, from one call on them all joined."""
    if not questions:
        return []
    everything = "\n".join(questions)
    # An ASCII symbol that no question holds keeps ASCII questions ASCII, which normalise several times
    # faster than text beyond it (no NFKC, one byte a character); otherwise a private-use mark.
    for mark in _MARKS:
        if mark not in everything:
            break
    else:
        mark = "\ue00f"
        questions = [q.replace(mark, " ") for q in questions]
    joined = norm(f" {mark} ".join(questions))
    return [q.strip() for q in joined.split(mark)]   # a question may normalise to nothing


_MARKS = ("|", "`")   # symbols: neither punctuation nor white space nor markup, so normalisation keeps them


def _seen(f: Fact, question: str) -> str:
    """What a student sees of a fact in a quiz, normalised: its question and every own option, each with a
    space either side and a separator between two (normalised texts hold neither the separator nor two
    spaces in a row, so a phrase ' p ' matches within one text only)."""
    n = f.norms
    return f" {question} {_SEP} " + _BETWEEN.join((n.answer, *n.says, *n.distractors)) + " "


_BETWEEN = f" {_SEP} "
_SLICE = 2048


def _where_in(f: Fact, phrase: str) -> str:
    if f" {phrase} " in f" {norm(f.question)} ":
        return "its question"
    if f" {phrase} " in f" {f.norms.answer} ":
        return "its key"
    for text in [*(e.says for e in f.errors), *f.distractors]:
        if f" {phrase} " in f" {norm(text)} ":
            return f"option '{text}'"
    return "its text"


def lint_giveaways(bank: Bank, report: Report, questions: list[str] | None = None) -> None:
    """The give-away warnings; ``questions``: every question normalised (`question_norms`), if already done."""
    facts = bank.facts
    # Each distinct phrase (answers and accepted phrasings) with the facts and places it comes from.
    owners: dict[str, list[tuple[int, tuple]]] = {}
    get = owners.get
    for i, f in enumerate(facts):
        n = f.norms
        a = n.answer
        # `_phrase`'s common case inline: most answers are kept whole.
        p = a if len(a) >= 4 and not a.startswith(_ARTICLE_START) and not a.isdigit() else _phrase(a)
        if p is not None:
            places = get(p)
            if places is None:
                owners[p] = [(i, _ANSWER)]
            else:
                places.append((i, _ANSWER))
        if n.accept:
            for j, a in enumerate(n.accept):
                q = _phrase(a)
                if q is not None and q != p and not (q in owners and owners[q][-1][0] == i):
                    owners.setdefault(q, []).append((i, ("accept", j)))
    # A phrase is looked for through its rarest word among all phrases: few phrases share an anchor,
    # so a text is checked against a handful of candidates, whatever the size of the bank. (Which word
    # of a phrase anchors it changes only the speed: a text holding ' p ' holds each word of p.)
    words = list(map(str.split, owners))
    rarest = partial(min, key=Counter(chain.from_iterable(words)).__getitem__)   # a phrase's words → its anchor
    anchored: dict[str, list[str]] = {}   # anchor → the phrases anchored on it
    # anchor → the one fact that owns every phrase anchored on it, or -1. Most anchors are one fact's
    # own (its answer's rarest word), and that fact's text holds it: the scan passes over such a hit
    # and, for the few phrases also found elsewhere, looks for them in that fact's text afterwards.
    alone: dict[str, int] = {}
    for (p, places), w in zip(owners.items(), map(rarest, words)):
        i = places[0][0] if len(places) == 1 else -1
        phrases = anchored.get(w)
        if phrases is None:
            anchored[w] = [p]
            alone[w] = i
        else:
            phrases.append(p)
            if alone[w] != i:
                alone[w] = -1
    del words
    # Every fact's text, split into words and met with the anchors, in calls that loop in C; a slice of
    # facts at a time, so that the texts stay few and in cache.
    anchors = set(anchored)
    if questions is None:
        questions = question_norms(facts)
    found: dict[str, list[int]] = {}
    for start in range(0, len(facts), _SLICE):
        # `_seen` of each fact, inline
        seen = [f" {q} {_SEP} " + _BETWEEN.join((n.answer, *n.says, *n.distractors)) + " "
                for n, q in zip(map(_NORMS, facts[start:start + _SLICE]), questions[start:start + _SLICE])]
        for b, (text, hit) in enumerate(zip(seen, map(anchors.intersection, map(str.split, seen))), start):
            for w in hit:
                if alone[w] != b:
                    for p in anchored[w]:
                        if f" {p} " in text:
                            found.setdefault(p, []).append(b)
    for p, where_found in found.items():
        b = alone[rarest(p.split())]
        if b >= 0 and f" {p} " in _seen(facts[b], questions[b]):
            insort(where_found, b)
    for p, where_found in sorted((p, bs) for p, bs in found.items() if bs != [owners[p][0][0]]):
        if len(where_found) + len(owners[p]) > VOCABULARY:
            continue    # the bank's own vocabulary, not one fact's give-away (and never a quadratic report)
        for a, where in owners[p]:
            others = [b for b in where_found if b != a]
            if not others:
                continue
            f, n = facts[a], len(others)
            places = ", ".join(f"'{facts[b].id}' ({_where_in(facts[b], p)})" for b in others[:_NAMED])
            what, text = ("answer", f.answer) if where == ("answer",) else ("accepted phrasing", f.accept[where[1]])
            report.warning(f"the {what} '{text}' appears in {n} other fact{'s' if n != 1 else ''}: "
                           f"{places}{f' and {n - _NAMED} more' if n > _NAMED else ''}; "
                           f"a quiz holding both gives this one away",
                           f.path + where, fact_id=f.id,
                           hint="reword the other fact's question or option, or this answer", code="give-away")


def lint_hedged_key(f: Fact, report: Report) -> None:
    key = f.norms.answer.split()
    if _HEDGES.isdisjoint(key) or not _ABSOLUTES.isdisjoint(key):
        return
    wrong = _wrong(f)
    if len(wrong) < 2:
        return
    for t in wrong:
        ws = set(t.split())
        if ws & _HEDGES or not ws & _ABSOLUTES:
            return
    options = [e.says for e in f.errors] + f.distractors
    report.warning(f"the key '{f.answer}' is the only hedged option and every wrong option is absolute "
                   f"({'; '.join(options)}): test-wise students pick the hedge", f.path + ("answer",), fact_id=f.id,
                   hint="give a wrong option a hedge too, or phrase the key as firmly", code="hedged-key")


def numeric_value(normalised: str) -> tuple[str, tuple[float, ...]] | None:
    """A normalised option's shape (its words, each number as '#') and its numbers; None without a number."""
    ws = [_NUMBER_WORDS.get(w, w) for w in normalised.replace(",", "").split()]
    nums = tuple(float(w) for w in ws if _NUMBER.fullmatch(w))
    if not nums:
        return None
    return " ".join("#" if _NUMBER.fullmatch(w) else w for w in ws), nums


def middle_key(f: Fact) -> tuple[bool, int] | None:
    """For a numeric fact (the key and its own wrong options share one shape, numbers aside), whether
    the key is neither the smallest nor the largest value, and how many distinct values there are."""
    n = f.norms
    # One shape has one number of words, and normalised words are one space apart: an option with
    # another count of spaces rules the fact out before any search.
    spaces = n.answer.count(" ")
    for t in n.says:
        if t.count(" ") != spaces:
            return None
    for t in n.distractors:
        if t.count(" ") != spaces:
            return None
    wrong = _wrong(f)
    if not _HAS_NUMBER.search(f.norms.answer) or not all(_HAS_NUMBER.search(t) for t in wrong):
        return None
    key = numeric_value(f.norms.answer)
    if key is None:
        return None
    values = {key[1]}
    for t in wrong:
        v = numeric_value(t)
        if v is None or v[0] != key[0]:
            return None
        values.add(v[1])
    if len(values) < 3:
        return None
    return min(values) < key[1] < max(values), len(values)


def lint_middle_keys(bank: Bank, report: Report) -> None:
    _report_middle_keys([(f.id, m) for f in bank.facts if (m := middle_key(f)) is not None], report)


def _report_middle_keys(numeric_facts: list[tuple[str, tuple[bool, int]]], report: Report) -> None:
    """The middle-key warning from each numeric fact's id and `middle_key`, in bank order."""
    middle, expected, variance, numeric = [], 0.0, 0.0, 0
    for fact_id, (inner, k) in numeric_facts:
        numeric += 1
        p = (k - 2) / k            # chance that a random position is neither end
        expected += p
        variance += p * (1 - p)
        if inner:
            middle.append(fact_id)
    if not numeric or variance == 0:
        return
    z = (len(middle) - expected) / math.sqrt(variance)
    if z >= MIDDLE_Z:
        shown = ", ".join(f"'{i}'" for i in middle[:_NAMED]) + (
            f" and {len(middle) - _NAMED} more" if len(middle) > _NAMED else "")
        report.warning(f"{len(middle)} of {numeric} numeric questions ({len(middle) / numeric:.0%}) have a key "
                       f"between their wrong options, against {expected / numeric:.0%} by chance: test-wise "
                       f"students pick the middle value. Middle keys: {shown}", ("facts",), at_key=True,
                       hint="give some of these facts wrong options on one side of the key only",
                       code="middle-key")


def lint_bank(bank: Bank, report: Report) -> None:
    """The cross-fact and bank-level item-writing cues, as warnings."""
    lint_giveaways(bank, report)
    lint_each_fact(bank, report)


# A normalised answer holding a hedge as a whole word (answers one per line; normalised text is single-spaced).
_HEDGE_WORD = re.compile(r"(?<![^ \n])(?:" + "|".join(sorted(_HEDGES)) + r")(?![^ \n])")


def lint_each_fact(bank: Bank, report: Report) -> None:
    """`lint_bank` but the give-aways: the hedged keys, then the middle keys."""
    facts = bank.facts
    # Few keys hold a hedge: one search over all of them finds the facts to look at.
    answers = "\n".join([f.norms.answer for f in facts])
    line, at, done = 0, 0, -1
    for m in _HEDGE_WORD.finditer(answers):
        start = m.start()
        line += answers.count("\n", at, start)
        at = start
        if line != done:   # once a fact, however many hedges its key holds
            lint_hedged_key(facts[line], report)
            done = line
    numeric_facts = []
    for f in facts:
        m = middle_key(f)
        if m is not None:
            numeric_facts.append((f.id, m))
    _report_middle_keys(numeric_facts, report)
