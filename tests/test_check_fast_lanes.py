"""The checker's and generator's quick lanes give what the step-by-step lanes beside them give.

Each quick lane skips work when a cheap test shows it could find nothing (plain ASCII text, no two
options alike, no lookalike letter, no option that may hold an absolute word…). Here both lanes run
on the same varied input, including the awkward cases: case-blind matches of letters outside ASCII,
punctuation that normalises away, accepted phrasings and errors that repeat the answer.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import astuple

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.bank.model import Bank, Deck, Fact, Reference, Source, SourceError
from generator.check import check as C
from generator.diagnostics import Report
from generator.quiz import Generator, Question
from generator.quiz.generate import _merged_options, _own_options
from generator.text import normalize as N

# Pieces that collide after normalisation, trip the case-blind searches, or look Latin without being so.
PIECES = ["ketamine", "Ketamine", "KETAMINE", "Кetamine", "ket-amine", "ket amine", "N.M.D.A.", "nmda", "2.5", "25",
          "2,5", "-5", "5", "10^8^", "10⁸", "108", "H~2~O", "H₂O", "**bold**", "bold", "all", "All of the above",
          "none of these", "NEİTHER of the options", "abſolutely", "always", "Never", "every", "an", "a", "the",
          "apple", "MRI", "orange", "entirely", "guaranteed", "of", "about", "ο", "α", "\u200b", "\ue000", "  ",
          "\t", "\n", "?", "!", "'", "“", "(", "é", "ﬁ", "Ａ", "$", "<", "+", "|", "`", "\\*", "K", "İ", "ı"]
TEXT = st.lists(st.sampled_from(PIECES), min_size=1, max_size=4).map(" ".join)
# Plain words seldom collide: facts made of them mostly take the quick lanes.
PLAIN = st.from_regex(r"[a-z]{3,8}( [a-z]{3,8}){0,2}", fullmatch=True)
OPTION = st.one_of(TEXT, PLAIN, PLAIN)
ANY_TEXT = st.one_of(TEXT, st.text(max_size=30),
                     st.text(alphabet="abcXYZ019 .,-!?'()*~^\\$<>|`_:;/@#%&", max_size=30))


def reference_norm(text: str) -> str:
    """`norm` as every step, unconditionally."""
    if text.isascii():
        t = (N.rendered(text) if N._has_markup(text) else text).lower()
    else:
        t = text
        if N._UNUSUAL.search(t):
            t = N._SUPERSCRIPT.sub(N._superscript, N._INVISIBLE.sub("", t))
        if N._has_markup(t):
            t = N.rendered(t)
        t = unicodedata.normalize("NFKC", t)
        if N._LOOKALIKE.search(t):
            t = t.translate(N._FOLD)
        t = t.casefold()
    t = N._PUNCT.sub("", N._SIGNIFICANT.sub(N._stand_in, t))
    if "\ue000" in t or "\ue001" in t:
        t = t.replace("\ue000", ".").replace("\ue001", ",")
    return " ".join(t.split())


@settings(max_examples=400, deadline=None)
@given(text=ANY_TEXT)
def test_norm_quick_lane_agrees(text):
    assert N.norm(text) == N._norm(text) == reference_norm(text)


@st.composite
def facts(draw, index: int = 0):
    errors = [SourceError(draw(OPTION), draw(st.sampled_from(["s1", "s2", "missing"])), "q", "w",
                          ("facts", index, "errors", j)) for j in range(draw(st.integers(0, 3)))]
    answer = draw(OPTION)
    accept = draw(st.lists(st.one_of(OPTION, st.just(answer), st.just(answer.upper())), max_size=2))
    distractors = draw(st.lists(st.one_of(OPTION, OPTION, st.just(answer)), max_size=3))
    question = draw(TEXT) + draw(st.sampled_from(["?", " a", " an", " An", ":", " a …"]))
    topic = draw(st.sampled_from(["T", "t", "T::U", "T::", "::T", "T:: ::U", "", "U"]))
    tags = draw(st.lists(st.sampled_from(["x", "x::y", "x::", "a:: ::b", "y"]), max_size=3))
    refs = draw(st.lists(st.sampled_from(["r1", "r2", "nope"]), max_size=2))
    return Fact(f"f{index}", topic, draw(st.sampled_from(["k1", "k2"])), question, answer, "e", refs,
                accept=accept, tags=tags, errors=errors, distractors=distractors, index=index,
                path=("facts", index))


@st.composite
def banks(draw):
    n = draw(st.integers(1, 6))
    return Bank(Deck("d", "D"), {"s1": Source("s1", "S1"), "s2": Source("s2", "S2")},
                {"r1": Reference("r1", "R1"), "r2": Reference("r2", "R2")},
                [draw(facts(i)) for i in range(n)])


def diagnostics(fn, *args) -> list[tuple]:
    report = Report()
    fn(*args, report)
    return [astuple(d) for d in report.diagnostics]


SLOW = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
BANKS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SLOW
@given(fact=facts())
def test_option_and_script_checks_skip_only_facts_with_nothing_to_report(fact):
    assert diagnostics(C._check_options, fact) == diagnostics(C._report_option_clashes, fact)
    assert diagnostics(C._check_scripts, fact) == diagnostics(C._report_mixed_scripts, fact)


def option_rows(options) -> list[tuple]:
    return [(o.text, o.correct, o.provenance and (o.provenance.kind, [id(e) for e in o.provenance.errors],
                                                 o.provenance.from_fact)) for o in options]


@SLOW
@given(fact=facts())
def test_own_options_quick_lane_agrees(fact):
    all_options, all_norms = _merged_options(fact)
    for limit in (None, 1, 2, 3, 4):
        options, norms = _own_options(fact, limit)
        assert option_rows(options) == option_rows(all_options[:limit])
        assert norms == all_norms[:limit] == [N.norm(o.text) for o in options]


_ABOVE = re.compile(r"\b(all|none|both|neither) of (the )?(above|these|the options)\b", re.I)
_ABSOLUTE = re.compile(r"\b(always|never|all|none|every|completely|absolutely|entirely|guaranteed)\b", re.I)


def reference_lint_question(q: Question, report: Report) -> None:
    """`lint_question` searching every option."""
    f = q.fact
    key = next(o for o in q.options if o.correct)
    wrong = [o for o in q.options if not o.correct]
    if not wrong:
        return
    longest_wrong = max(len(o.text) for o in wrong)
    if len(key.text) >= 1.5 * longest_wrong and len(key.text) - longest_wrong >= 12:
        report.warning(f"the key is clearly the longest option ({len(key.text)} characters against at most "
                       f"{longest_wrong}): test-wise students pick it", f.path + ("answer",), fact_id=f.id,
                       hint="shorten the answer (detail belongs in 'explain') or give longer wrong options",
                       code="long-key")
    for o in q.options:
        if _ABOVE.search(o.text):
            report.warning(f"option '{o.text}' is an 'all/none of the above' option", f.path, fact_id=f.id,
                           hint="name the options instead; the order changes per version", code="above")
    if not _ABSOLUTE.search(key.text):
        for o in wrong:
            m = None if _ABOVE.search(o.text) else _ABSOLUTE.search(o.text)
            if m:
                report.warning(f"only wrong options use absolute words like '{m.group(0)}' "
                               f"(option '{o.text}'): students learn to avoid them", f.path, fact_id=f.id,
                               hint="qualify the wrong option or phrase the key as firmly", code="absolute")
                break
    stem = f.question.rstrip(" .…_:?")
    article = stem.rsplit(None, 1)[-1].casefold() if stem.split() else ""
    if article in ("a", "an"):
        for o in q.options:
            text = o.text.lstrip("\"'“‘(")
            if not text or C._LETTER_ACRONYM.match(text):
                continue
            vowel = bool(C._VOWEL_START.match(text))
            if (article == "an") != vowel:
                report.warning(f"the stem ends with '{article}' but option '{o.text}' does not fit it: "
                               f"a grammatical cue", f.path + ("question",), fact_id=f.id,
                               hint="end the stem before the article, e.g. '… is:'", code="article")
                break


def test_reference_patterns_are_the_checkers():
    assert (_ABOVE.pattern, _ABOVE.flags) == (C._ABOVE.pattern, C._ABOVE.flags)
    assert (_ABSOLUTE.pattern, _ABSOLUTE.flags) == (C._ABSOLUTE.pattern, C._ABSOLUTE.flags)


@BANKS
@given(bank=banks(), options=st.integers(2, 5))
def test_lint_question_agrees_with_searching_every_option(bank, options):
    bank.facts = [f for f in bank.facts if f.answer]
    gen = Generator(bank, 0, options)
    for f in bank.facts:
        q = gen.question(f)
        assert diagnostics(C.lint_question, q) == diagnostics(reference_lint_question, q)
        shuffled = Question(f, q.options[::-1])   # the key need not come first
        assert diagnostics(C.lint_question, shuffled) == diagnostics(reference_lint_question, shuffled)


def reference_names_and_ids(bank: Bank, report: Report) -> None:
    """check_semantics' checks of topics, tags, references and sources, fact by fact."""
    topics: dict[str, str] = {}
    for f in bank.facts:
        if f.topic:
            first = topics.setdefault(f.topic.casefold(), f.topic)
            if first != f.topic:
                report.warning(f"topic '{f.topic}' differs from '{first}' only in case", f.path + ("topic",),
                               fact_id=f.id, code="topic-case")
            C._check_hierarchy(f.topic, "topic", f.path + ("topic",), f, report)
        for j, t in enumerate(f.tags):
            C._check_hierarchy(t, "tag", f.path + ("tags", j), f, report)
        for j, r in enumerate(f.refs):
            if r not in bank.references:
                report.error(f"unknown reference '{r}'", f.path + ("refs", j), fact_id=f.id, code="unknown-ref")
        for e in [*f.errors, *f.confirmed_by]:
            if e.source and e.source not in bank.sources:
                report.error(f"unknown source '{e.source}'", e.path + ("source",), fact_id=f.id,
                             code="unknown-source")


NAME_CODES = ("topic-case", "empty-level", "unknown-ref", "unknown-source")


@BANKS
@given(bank=banks())
def test_names_and_ids_judged_once_are_reported_at_every_fact(bank):
    report = Report()
    C.check_semantics(bank, report)
    got = [(d.code, d.path, d.fact_id, d.message.split(" only in case")[0])
           for d in report.diagnostics if d.code in NAME_CODES]
    expected = Report()
    reference_names_and_ids(bank, expected)
    assert got == [(d.code, d.path, d.fact_id, d.message.split(" only in case")[0]) for d in expected.diagnostics]


@SLOW
@given(many=st.lists(facts(), min_size=1, max_size=12), run=st.integers(1, 5))
def test_facts_with_mixed_scripts_found_by_runs_as_one_by_one(many, run):
    import generator.check.check as check_module
    saved = check_module._SCRIPT_RUN
    check_module._SCRIPT_RUN = run
    try:
        found = C._mixed_script_facts(many)
    finally:
        check_module._SCRIPT_RUN = saved
    assert found == {k for k, f in enumerate(many) if C._has_mixed_script(f)}


@SLOW
@given(many=st.lists(facts(), min_size=1, max_size=6))
def test_distinct_norms_computed_at_once_as_fact_by_fact(many):
    from generator.bank.model import compute_norms
    one_by_one = [f.norms for f in many]
    for f in many:
        f._norms = None
    compute_norms(many)
    for f, alone in zip(many, one_by_one):
        every = (alone.answer, *alone.accept, *alone.says, *alone.distractors)
        assert f.norms == alone
        assert f.norms.distinct == alone.distinct == (len(set(every)) == len(every))
