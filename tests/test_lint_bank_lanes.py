"""The bank lint's quick lanes give what the plain loops gave: hedged keys found by one search over all
keys, numeric facts ruled out by their count of words, the give-aways found by anchors."""

from __future__ import annotations

import importlib
from dataclasses import astuple

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
