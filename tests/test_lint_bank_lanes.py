"""The bank lint's quick lanes give what the plain loops gave: hedged keys found by one search over all
keys, numeric facts ruled out by their count of words, the give-aways found by anchors."""

from __future__ import annotations

import importlib
from collections import Counter
from dataclasses import astuple
from functools import partial

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.bank.model import Bank, Fact, SourceError
from generator.diagnostics import Report

L = importlib.import_module("generator.check.lint_bank")   # the package names the function so

WORDS = ["about", "always", "never", "proven", "mixed", "possibly", "10", "20", "1,000", "2.5", "two", "twelve",
         "mg", "mg.", "days", "the", "a", "ketamine", "NMDA", "receptor", "-5", "5", "1999", "Ketamine!", "  ",
         "usually", "cures", "only", "x"]
NUMBERS = ["1", "2", "3", "10", "20", "2.5", "1,000", "two", "twelve", "-5", "1999"]
TEXT = st.one_of(
    st.lists(st.sampled_from(WORDS), min_size=1, max_size=4).map(" ".join),
    st.tuples(st.sampled_from(NUMBERS), st.sampled_from(["mg", "mg", "days", "mg a day"])).map(" ".join),  # numeric
    st.tuples(st.sampled_from(["about", "possibly", "usually", "mixed"]),
              st.sampled_from(["an hour", "a day", "cures", "10 mg"])).map(" ".join),              # hedged
    st.tuples(st.sampled_from(["always", "never", "proven", "only"]),
              st.sampled_from(["an hour", "a day", "cures", "10 mg"])).map(" ".join))              # absolute

DOSE = st.sampled_from(NUMBERS).map(lambda n: n + " mg")


@st.composite
def lint_banks(draw):
    facts = []
    for i in range(draw(st.integers(1, 12))):
        # Facts with numeric options only, some, or none: the middle-key lint has facts to count.
        option = draw(st.sampled_from([DOSE, st.one_of(DOSE, TEXT), TEXT]))
        answer = draw(option)
        errors = [SourceError(draw(option), "s", "q", "w", ("facts", i, "errors", j))
                  for j in range(draw(st.integers(0, 3)))]
        facts.append(Fact(f"f{i}", "T", "k", draw(TEXT) + "?", answer, "", [],
                          accept=draw(st.lists(TEXT, max_size=2)), errors=errors,
                          distractors=draw(st.lists(option, max_size=3)), index=i, path=("facts", i)))
    return Bank(None, {}, {}, facts)


def reference_middle_key(f: Fact):
    """`middle_key` without ruling facts out by their count of words."""
    wrong = L._wrong(f)
    if not L._HAS_NUMBER.search(f.norms.answer) or not all(L._HAS_NUMBER.search(t) for t in wrong):
        return None
    key = L.numeric_value(f.norms.answer)
    if key is None:
        return None
    values = {key[1]}
    for t in wrong:
        v = L.numeric_value(t)
        if v is None or v[0] != key[0]:
            return None
        values.add(v[1])
    if len(values) < 3:
        return None
    return min(values) < key[1] < max(values), len(values)


def reference_each_fact(bank: Bank, report: Report) -> None:
    """`lint_each_fact` fact by fact."""
    for f in bank.facts:
        L.lint_hedged_key(f, report)
    L._report_middle_keys([(f.id, m) for f in bank.facts if (m := reference_middle_key(f)) is not None], report)


def reference_giveaways(bank: Bank, report: Report) -> None:
    """`lint_giveaways` as first written: every hit looked at, a fact's own included."""
    facts = bank.facts
    # Each distinct phrase (answers and accepted phrasings) with the facts and places it comes from.
    owners: dict[str, list[tuple[int, tuple]]] = {}
    for i, f in enumerate(facts):
        n = f.norms
        p = L._phrase(n.answer)
        if p is not None:
            owners.setdefault(p, []).append((i, ("answer",)))
        for j, a in enumerate(n.accept):
            q = L._phrase(a)
            if q is not None and q != p and not (q in owners and owners[q][-1][0] == i):
                owners.setdefault(q, []).append((i, ("accept", j)))
    # A phrase is looked for through its rarest word among all phrases: few phrases share an anchor,
    # so a text is checked against a handful of candidates, whatever the size of the bank. (Which word
    # of a phrase anchors it changes only the speed: a text holding ' p ' holds each word of p.)
    freq = Counter(" ".join(owners).split())
    rarest = partial(min, key=freq.__getitem__)
    anchored: dict[str, list[tuple[str, str]]] = {}   # anchor → (phrase, phrase with a space either side)
    for p, w in zip(owners, map(rarest, map(str.split, owners))):
        if w in anchored:
            anchored[w].append((p, f" {p} "))
        else:
            anchored[w] = [(p, f" {p} ")]
    # Every fact's text, split into words and met with the anchors, in calls that loop in C; a slice of
    # facts at a time, so that the texts stay few and in cache.
    anchors = set(anchored)
    questions = L.question_norms(facts)
    found: dict[str, list[int]] = {}
    for start in range(0, len(facts), L._SLICE):
        seen = list(map(L._seen, facts[start:start + L._SLICE], questions[start:start + L._SLICE]))
        for b, (text, hit) in enumerate(zip(seen, map(anchors.intersection, map(str.split, seen))), start):
            for w in hit:
                for p, spaced in anchored[w]:
                    if spaced in text:
                        found.setdefault(p, []).append(b)
    for p, where_found in sorted((p, bs) for p, bs in found.items() if bs != [owners[p][0][0]]):
        if len(where_found) + len(owners[p]) > L.VOCABULARY:
            continue    # the bank's own vocabulary, not one fact's give-away (and never a quadratic report)
        for a, where in owners[p]:
            others = [b for b in where_found if b != a]
            if not others:
                continue
            f, n = facts[a], len(others)
            places = ", ".join(f"'{facts[b].id}' ({L._where_in(facts[b], p)})" for b in others[:L._NAMED])
            what, text = ("answer", f.answer) if where == ("answer",) else ("accepted phrasing", f.accept[where[1]])
            report.warning(f"the {what} '{text}' appears in {n} other fact{'s' if n != 1 else ''}: "
                           f"{places}{f' and {n - L._NAMED} more' if n > L._NAMED else ''}; "
                           f"a quiz holding both gives this one away",
                           f.path + where, fact_id=f.id,
                           hint="reword the other fact's question or option, or this answer", code="give-away")


def rows(fn, *args) -> list[tuple]:
    report = Report()
    fn(*args, report)
    return [astuple(d) for d in report.diagnostics]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bank=lint_banks())
def test_each_fact_lint_agrees_with_the_plain_loop(bank):
    for f in bank.facts:
        assert L.middle_key(f) == reference_middle_key(f)
    assert rows(L.lint_each_fact, bank) == rows(reference_each_fact, bank)


GIVE = ["ketamine", "the NMDA receptor", "NMDA", "receptor", "glutamate", "an hour", "1999", "2", "mu receptor",
        "dose", "Ketamine!", "the", "a", "hour"]
PHRASE = st.lists(st.sampled_from(GIVE), min_size=1, max_size=3).map(" ".join)


@st.composite
def give_banks(draw):
    """Answers, accepted phrasings, questions and options from a few words: facts meet often, some
    answers repeat, some facts share an id."""
    facts = []
    for i in range(draw(st.integers(1, 14))):
        errors = [SourceError(draw(PHRASE), "s", "q", "w", ("facts", i, "errors", j))
                  for j in range(draw(st.integers(0, 2)))]
        facts.append(Fact(draw(st.sampled_from([f"f{i}", f"f{i}", "same"])), "T", "k", draw(PHRASE) + "?",
                          draw(PHRASE), "", [], accept=draw(st.lists(PHRASE, max_size=2)), errors=errors,
                          distractors=draw(st.lists(PHRASE, max_size=2)), index=i, path=("facts", i)))
    return Bank(None, {}, {}, facts)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bank=give_banks(), vocabulary=st.sampled_from([1, 3, 50]))
def test_giveaways_agree_with_looking_at_every_hit(bank, vocabulary):
    old = L.VOCABULARY
    L.VOCABULARY = vocabulary
    try:
        assert rows(L.lint_giveaways, bank) == rows(reference_giveaways, bank)
    finally:
        L.VOCABULARY = old


@pytest.mark.parametrize("extra", [[], ["a | b?"], ["a | b?", "c ` d?"], ["a | b ` \ue00f c?"],
                                   ["é | ` ß?", "Ä ` x?"]])
@pytest.mark.parametrize("run", [512, 1, 2, 3])
def test_questions_normalised_together_as_one_by_one(extra, run, monkeypatch):
    """Whichever mark separates the questions (one that none of them holds), each comes back as `norm` gives it,
    the ASCII questions (normalised together) and the others (together) in their places, a run at a time."""
    monkeypatch.setattr(L, "_QUESTION_RUN", run)
    from generator.text.normalize import norm
    texts = ["What is NMDA?", "H~2~O is:", "**Bold** claim, 2.5 mg -5 °C", "Кetamine ﬁ?", "", "  x  ", *extra]
    facts = [Fact(f"f{i}", "T", "k", q, "a", "e", ["r"], index=i) for i, q in enumerate(texts)]
    assert L.question_norms(facts) == [norm(q.replace("\ue00f", " ")) for q in texts]
    ascii_only = [f for f in facts if f.question.isascii()]
    assert L.question_norms(ascii_only) == [norm(f.question) for f in ascii_only]
    beyond_ascii = [f for f in facts if not f.question.isascii()]
    assert L.question_norms(beyond_ascii) == [norm(f.question.replace("\ue00f", " ")) for f in beyond_ascii]
    assert L.question_norms([]) == []
