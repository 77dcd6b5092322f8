"""The checker's question pass: its quick lane (a fact's options counted, and their texts linted,
without building the question) reports what building every question reports.

Banks here have small pools, repeated answers and ids, accepted phrasings and options that say the
answer again, facts without a kind or an answer, and facts not read whole.
"""

from __future__ import annotations

from dataclasses import astuple, replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator.bank.model import Bank
from generator.check import check as C
from generator.diagnostics import Report
from generator.quiz import Generator, own_options
from tests.test_check_fast_lanes import BANKS, facts


def reference_check_questions(bank: Bank, options: int, strict: bool, lint: bool, report: Report) -> None:
    """Every whole fact's question built, then counted and linted."""
    lenders = [f for f in bank.facts if f.kind and f.answer]
    gen = Generator(bank if len(lenders) == len(bank.facts) else replace(bank, facts=lenders), 0, options)
    unsure_kinds = {f.kind for f in bank.facts if not f.answer}
    unsure_all = "facts" in bank.incomplete or "" in unsure_kinds or any(not f.kind for f in bank.facts)
    for f in bank.facts:
        if not f.complete:
            continue
        q = gen.question(f)
        n = len(q.options)
        if n < options and not (unsure_all or f.kind in unsure_kinds):
            own = len(own_options(f))
            msg = (f"only {n} option{'s' if n != 1 else ''} can be built, {options} requested "
                   f"({own} from its own errors and distractors, {n - 1 - min(own, n - 1)} borrowed "
                   f"from facts of kind '{f.kind}')")
            hint = "add curated 'distractors', or more facts of the same kind"
            if strict or n < 2:
                report.error(msg, f.path, fact_id=f.id, hint=hint, code="too-few-options")
            else:
                report.warning(msg, f.path, fact_id=f.id, hint=hint, code="too-few-options")
        if lint:
            C.lint_question(q, report)


@st.composite
def question_banks(draw, size: int = 10):
    bank = draw(st.lists(facts(), min_size=1, max_size=size))
    for i, f in enumerate(bank):
        f.index, f.path = i, ("facts", i)
        f.id = draw(st.sampled_from([f"f{i}", f"f{i}", f"f{i}", "dup"]))   # some ids repeated
        f.kind = draw(st.sampled_from(["k1", "k1", "k2", "k3", ""]))
        if draw(st.integers(0, 9)) == 0:
            f.answer = ""
        f.complete = draw(st.integers(0, 9)) != 0
    incomplete = frozenset({"facts"}) if draw(st.integers(0, 9)) == 0 else frozenset()
    return Bank(None, {}, {}, bank, incomplete=incomplete)


def rows(fn, *args) -> list[tuple]:
    report = Report()
    try:
        fn(*args, report)
    except KeyError as e:   # a fact without a kind that must borrow: both lanes fail alike
        return [("KeyError", str(e))]
    return [astuple(d) for d in report.diagnostics]


@BANKS
@given(bank=question_banks(), options=st.integers(2, 5), strict=st.booleans(), lint=st.booleans())
def test_quick_lane_reports_what_building_every_question_reports(bank, options, strict, lint):
    assert rows(C._check_questions, bank, options, strict, lint) == \
        rows(reference_check_questions, bank, options, strict, lint)


@BANKS
@given(bank=question_banks(size=30), options=st.integers(2, 5))
def test_quick_count_agrees_where_pools_are_large_enough_to_lend(bank, options):
    assert rows(C._check_questions, bank, options, False, False) == \
        rows(reference_check_questions, bank, options, False, False)


def test_options_out_of_range_are_refused_as_before():
    for options in (1, 6):
        with pytest.raises(ValueError, match=f"options must be between 2 and 5, not {options}"):
            C._check_questions(Bank(None, {}, {}, []), options, False, False, Report())
