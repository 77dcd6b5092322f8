"""The fast lane of the structural check and the general code agree, value for value.

`schema.fast_fields` accepts a mapping only when `Validator.fields` would find nothing to
report in it, and then gives the same mapping; `load._fact` builds the same `Fact` through
either. Compared here on real banks, on every bad bank, and on generated facts full of odd
values.
"""

from __future__ import annotations

import copy
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.bank import load, schema
from generator.bank.yamlsource import INVALID, read_yaml
from generator.diagnostics import Report

ROOT = Path(__file__).parent.parent
BANKS = sorted([ROOT / "questions.yaml", *(ROOT / "examples").glob("*.yaml"),
                *(ROOT / "tests" / "bad_banks").rglob("*.yaml")])


C_FIELDS = schema._C_FIELDS.get("fact")


def assert_c_lane_agrees(raw):
    """The C lane says yes only where the Python lane does, with the same mapping (keys in the same
    order); where it says None, `fast_fields` gives what the Python lane gives."""
    python = schema.python_fast_fields("fact", raw)
    assert schema.fast_fields("fact", raw) == python
    if C_FIELDS is not None:
        got = C_FIELDS(raw)
        if got is not None:
            assert got == python and list(got) == list(python)
            for name in ("accept", "refs", "tags", "distractors", "formerly", "errors", "confirmed_by"):
                if name in got:
                    assert got[name] is not raw[name]   # new lists, as the Python lane makes
        return got is not None
    return False


C_FACTS = load._C_FACTS


def c_fact(raw, index=0):
    """The fact `load._C_FACTS` builds from ``raw`` at ``index`` (None: left to `_fact`)."""
    built, todo = C_FACTS([*[{}] * index, raw], ("facts",))
    assert todo == [*range(index), *([index] if built[index] is None else [])]
    return built[index]


def assert_c_objects_agree(raw, index, slow, slow_report):
    """The C builder builds a fact only where the fast lane takes it whole, the same fact `_fact`
    builds; it leaves to `_fact` only what the C lane does not take, and topics and tags beyond ASCII."""
    if C_FACTS is None:
        return
    built = c_fact(raw, index)
    taken = C_FIELDS(raw) if C_FIELDS is not None else None
    if built is None:
        assert taken is None or not (taken["topic"].isascii() and all(map(str.isascii, taken.get("tags", []))))
        return
    assert taken is not None and slow_report.diagnostics == [] and slow.complete
    assert built == slow and built._norms is None
    for name in ("accept", "refs", "tags", "distractors", "formerly"):
        if name in raw:
            assert getattr(built, name) is not raw[name]   # new lists, as _fact makes
    assert [e.path for e in built.errors] == [("facts", index, "errors", j) for j in range(len(built.errors))]


def slow_fact(raw, index=0):
    """`load._fact` through the general code only."""
    v = schema.Validator(Report())
    original = load.fast_fields
    load.fast_fields = lambda shape, value: None
    try:
        fact = load._fact(v, raw, ("facts", index), index)
    finally:
        load.fast_fields = original
    return fact, v


def fast_fact(raw, index=0):
    v = schema.Validator(Report())
    return load._fact(v, raw, ("facts", index), index), v


def assert_same(raw, index=0):
    """Both lanes build the same fact with the same diagnostics; the fast lane takes only what
    the general code passes whole. Returns whether the fast lane took it."""
    before = copy.deepcopy(raw, {id(INVALID): INVALID})
    taken = schema.fast_fields("fact", raw)
    assert raw == before   # neither lane changes what it reads
    assert_c_lane_agrees(raw)
    slow, sv = slow_fact(raw, index)
    fast, fv = fast_fact(raw, index)
    assert raw == before
    assert fast == slow
    assert fv.report.diagnostics == sv.report.diagnostics
    assert (fv.dropped, fv.fact_id) == (sv.dropped, sv.fact_id)
    assert_c_objects_agree(raw, index, slow, sv.report)
    if taken is not None:
        assert sv.report.diagnostics == [] and sv.dropped == 0
        assert taken == schema.Validator(Report()).fields("fact", raw, ("facts", index))
        assert slow.complete
    return taken is not None


def structure(file, fast: bool, objects: bool = True):
    """The bank through the fast lanes (with the C objects or without), or through the general code."""
    report = Report()
    doc = read_yaml(str(file), report)
    if doc.data is None:
        return None, report.diagnostics
    original, original_objects = load.fast_fields, load._C_FACTS
    if not fast:
        load.fast_fields = lambda shape, value: None
    if not (fast and objects):
        load._C_FACTS = None
    try:
        bank = load._structure(doc, report)
    finally:
        load.fast_fields, load._C_FACTS = original, original_objects
    return bank, report.diagnostics


@pytest.mark.parametrize("file", BANKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_bank_reads_the_same_through_either_lane(file):
    fast_bank, fast_diagnostics = structure(file, fast=True)
    fields_bank, fields_diagnostics = structure(file, fast=True, objects=False)
    slow_bank, slow_diagnostics = structure(file, fast=False)
    assert fast_bank == fields_bank == slow_bank
    assert fast_diagnostics == fields_diagnostics == slow_diagnostics


@pytest.mark.parametrize("file", BANKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_fact_of_every_bank(file):
    doc = read_yaml(str(file), Report())
    facts = doc.data.get("facts") if isinstance(doc.data, dict) else None
    for i, raw in enumerate(facts if isinstance(facts, list) else []):
        assert_same(raw, i)


def test_the_fast_lane_takes_every_fact_of_a_valid_bank():
    doc = read_yaml(str(ROOT / "questions.yaml"), Report())
    assert all(assert_same(raw, i) for i, raw in enumerate(doc.data["facts"]))


@pytest.mark.skipif(C_FIELDS is None, reason="the C reader is not built")
def test_the_c_lane_takes_every_fact_of_a_valid_bank():
    doc = read_yaml(str(ROOT / "questions.yaml"), Report())
    assert all(assert_c_lane_agrees(raw) for raw in doc.data["facts"])
    # and builds the objects of every fact whose topic and tags are ASCII
    plain = [i for i, raw in enumerate(doc.data["facts"])
             if raw["topic"].isascii() and all(map(str.isascii, raw.get("tags") or []))]
    built, todo = C_FACTS(doc.data["facts"], ("facts",))
    assert plain and todo == sorted(set(range(len(built))) - set(plain))
    # and a fact with texts beyond ASCII, written as banks write them
    assert assert_c_lane_agrees({**BASE, "question": "Which “αβγ” site’s dose?", "tags": ["Ä::b"],
                                 "accept": ["  x  "], "errors": [{"says": "é x", "source": "s", "quote": "q",
                                                                   "why": "w"}]})


@pytest.mark.skipif(C_FIELDS is None, reason="the C reader is not built")
def test_the_c_lane_says_no_or_agrees_on_edges():
    """Limits, spaces, bad and invisible characters, each at the edge of what is allowed."""
    cases = [{**BASE, "topic": "x" * 255}, {**BASE, "topic": "x" * 256}, {**BASE, "explain": "x" * 9_000},
             {**BASE, "explain": "x" * 10_000}, {**BASE, "id": "a" * 100}, {**BASE, "id": "a" * 101},
             {**BASE, "id": "a.b_c-d9"}, {**BASE, "id": ".a"}, {**BASE, "id": "A"}, {**BASE, "id": "é"},
             {**BASE, "tags": ["x" * 100]}, {**BASE, "tags": ["x" * 101]}, {**BASE, "tags": ["a\u00a0b"]},
             {**BASE, "tags": ["a\u2028b"]}, {**BASE, "question": "tab\tok"}, {**BASE, "question": "a\x7f"},
             {**BASE, "question": "a\x85"}, {**BASE, "question": "\u2066x"}, {**BASE, "question": "x\ud800"},
             {**BASE, "question": "\u00e9\u00e8"}, {**BASE, "question": "\u200bx"}, {**BASE, "question": " \u3000x "},
             {**BASE, "accept": None}, {**BASE, "accept": []}, {**BASE, "refs": None}, {**BASE, "errors": []},
             {**BASE, "errors": None}, {**BASE, "accept": ["x"] * 100}, {**BASE, "accept": ["x"] * 101},
             {**BASE, "accept": [1]}, {**BASE, "refs": ["r1", " r2 "]}, {**BASE, "formerly": ["old id"]},
             {**BASE, "confirmed_by": [{"source": "s", "quote": "q"}]}, {**BASE, "confirmed_by": [{"source": "s"}]},
             {**BASE, "errors": [{"says": "x", "source": "s", "quote": "q", "why": "w", "extra": 1}]},
             {**BASE, 1: "x"}, {**BASE, "answer": INVALID}, {**BASE, "answer": ["x"]},
             {Text(k): v for k, v in BASE.items()}, {**BASE, Text("anwser"): "x"}]
    for raw in cases:
        assert_same(raw)


def test_the_other_shapes_agree_on_a_valid_bank():
    doc = read_yaml(str(ROOT / "questions.yaml"), Report())
    data = doc.data
    pairs = [("deck", data["deck"])] + [("source", s) for s in data["sources"].values()] + \
            [("reference", r) for r in data["references"].values()]
    for shape, value in pairs:
        v = schema.Validator(Report())
        assert schema.fast_fields(shape, value) == v.fields(shape, value, (shape,))
        assert not v.report.diagnostics


def test_space_in_a_pattern_is_space_in_python():
    """The fast lane seeks spaces in tags with the regex \\s; the general code with str.isspace."""
    spaces = [chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()]
    assert [c for c in map(chr, range(sys.maxunicode + 1)) if schema._HAS_SPACE(c)] == spaces


def test_bad_characters_are_sought_in_two_parts():
    """The fast lane deletes the bad ASCII bytes, then seeks the rest of _BAD_CHAR beyond ASCII."""
    everything = [chr(c) for c in range(sys.maxunicode + 1)]
    bad = {c for c in everything if schema._BAD_CHAR.match(c)}
    assert {chr(b) for b in schema._BAD_BYTES} == {c for c in bad if c.isascii()}
    assert [b for b in range(256) if schema._MARK_BAD[b] != b] == list(schema._BAD_BYTES)
    plain = "plain text, several words\n\ton two lines".encode()
    assert plain.translate(schema._MARK_BAD) is plain   # what the fast lane counts on
    assert {c for c in everything if schema._BAD_WIDE.match(c)} == {c for c in bad if not c.isascii()}


# --- generated facts ------------------------------------------------------------------------

BASE = {
    "id": "nmda-site", "topic": "Mechanism", "kind": "receptor", "question": "Which receptor?",
    "answer": "NMDA receptor", "accept": ["the NMDA receptor"], "explain": "It blocks the channel.",
    "refs": ["r1"], "tags": ["pharmacology", "nmda::site"],
    "errors": [{"says": "GABA-A receptor", "source": "s1", "quote": "It acts on GABA-A.", "why": "It does not."}],
    "distractors": ["Opioid receptor", "Sigma receptor"],
    "confirmed_by": [{"source": "s2", "quote": "It blocks NMDA receptors."}],
    "formerly": ["nmda"],
}

ODD_CHARS = ["a", "Z", "0", "-", ".", "_", ":", " ", "\t", "\n", "\r", "\x00", "\x07", "\x0b", "\x1b", "\x1c",
             "\x1f", "\x7f", "\x85", "\x9f", "\xa0", "\u00ad", "\u034f", "\u1680", "\u200b", "\u200d", "\u2028",
             "\u202a", "\u202e", "\u2066", "\u2069", "\u2800", "\u3000", "\u3164", "\ufe0f", "\ufeff", "é", "e\u0301",
             "Ä", "A\u0308", "α", "\U000e0041", "\U0001f600"]


class Text(str):
    """A str of another class: the general code takes it as text."""


def sized(n: int) -> st.SearchStrategy:
    return st.tuples(st.integers(n - 3, n + 3), st.sampled_from(["a", "é", " ", "\u200b"]),
                     st.sampled_from(["", "  ", "\n"])).map(lambda t: t[2] + t[1] * t[0] + t[2])


texts = st.one_of(
    st.lists(st.sampled_from(ODD_CHARS), max_size=6).map("".join),
    st.sampled_from(["", " ", "  \n", "\u200b", "\ufeff", "\u2800", "nmda-site", "NMDA", "r1", "a b", "spam",
                     "hype", "Spam", " spam ", "s1\n", "x" * 100, "x" * 101, " " + "x" * 100 + " "]),
    sized(100), sized(255), sized(1000), sized(10_000), sized(100_000),
    st.text(max_size=12),
)
scalars = st.one_of(texts, st.none(), st.just(INVALID), st.integers(), st.booleans(), st.floats(allow_nan=False),
                    texts.map(Text))
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.builds(list), st.lists(st.just("x"), min_size=99, max_size=102),
    st.dictionaries(st.sampled_from(["says", "source", "quote", "why", "sayz", "note", "id"]), inner, max_size=5)),
    max_leaves=8)
keys = st.sampled_from([*schema.KEY_INDEX["fact"], "anwser", "Errors", "notes"])
error_keys = st.sampled_from(["says", "source", "quote", "why", "sayz", "note"])

# Values that are mostly valid, but not plain: padded, on several lines, beyond ASCII, invisible in part.
padding = st.sampled_from(["", " ", "\n", "\t ", "\u3000", "\x1c"])
GOOD_CHARS = ["a", "Z", "é", "α", "µg", " ", "\t", "\n", "\u200b", "\u00ad", "e\u0301", "\U0001f600", "::", "-", "0",
              "\u2800"]
good_text = st.tuples(padding, st.lists(st.sampled_from(GOOD_CHARS), min_size=1, max_size=8).map("".join),
                      padding).map("".join)
good_slug = st.tuples(padding, st.from_regex(r"[a-z0-9][a-z0-9._-]{0,12}", fullmatch=True), padding).map("".join)
good_tag = st.tuples(padding, st.lists(st.sampled_from(["a", "é", "::", "-", "\u00ad", "A\u0308"]), min_size=1,
                                       max_size=5).map("".join), padding).map("".join)
GOOD = {schema.TEXT: good_text, schema.SLUG: good_slug, schema.TEXTS: st.lists(good_text, max_size=3),
        schema.SLUGS: st.lists(good_slug, min_size=1, max_size=3), schema.TAGS: st.lists(good_tag, max_size=3)}


@st.composite
def odd_facts(draw):
    fact = copy.deepcopy(BASE)
    for _ in range(draw(st.integers(0, 4))):
        what = draw(st.sampled_from(["set", "set", "delete", "error", "error-delete", "list-item", "good", "good",
                                     "good-error"]))
        if what == "good":
            key = schema.KEY_INDEX["fact"][draw(st.sampled_from([k for k in schema.KEY_INDEX["fact"]
                                                                 if k not in ("errors", "confirmed_by")]))]
            fact[key.name] = draw(GOOD[key.type])
        elif what == "good-error" and isinstance(fact.get("errors"), list) and fact["errors"] \
                and isinstance(fact["errors"][0], dict):
            name = draw(st.sampled_from(["says", "source", "quote", "why"]))
            fact["errors"] = [dict(fact["errors"][0]), *fact["errors"][1:]]
            fact["errors"][0][name] = draw(good_slug if name == "source" else good_text)
        elif what == "set":
            fact[draw(keys)] = draw(values)
        elif what == "delete":
            fact.pop(draw(keys), None)
        elif what in ("error", "error-delete") and isinstance(fact.get("errors"), list) and fact["errors"] \
                and isinstance(fact["errors"][0], dict):
            fact["errors"] = [dict(fact["errors"][0]), *fact["errors"][1:]]   # never change a drawn value
            if what == "error":
                fact["errors"][0][draw(error_keys)] = draw(values)
            else:
                fact["errors"][0].pop(draw(error_keys), None)
        elif what == "list-item":
            name = draw(st.sampled_from(["accept", "refs", "tags", "distractors", "formerly", "errors",
                                         "confirmed_by"]))
            if isinstance(fact.get(name), list):
                fact[name] = [*fact[name]]
                fact[name].insert(draw(st.integers(0, len(fact[name]))), draw(values))
    return fact


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fact=odd_facts(), index=st.integers(0, 5))
def test_odd_facts_read_the_same_through_either_lane(fact, index):
    assert_same(fact, index)


@settings(max_examples=200, deadline=None)
@given(raw=values)
def test_a_fact_that_is_not_a_mapping(raw):
    assert_same(raw)


def test_the_fast_lane_gives_up_rather_than_guess():
    """A few facts it must leave to the general code, so their problems are reported."""
    cases = [{**BASE, "tags": ["a b"]}, {**BASE, "tags": ["a\u3000b"]}, {**BASE, "question": "bell\x07"},
             {**BASE, "question": "10 \u202emg"}, {**BASE, "answer": "\u200b"}, {**BASE, "refs": []},
             {**BASE, "id": "nmda-site\nx"}, {**BASE, "topic": "x" * 256},
             {**BASE, "explain": "x" * 10_001}, {**BASE, "anwser": "x"}, {**BASE, "accept": " "},
             {k: v for k, v in BASE.items() if k != "answer"}, {**BASE, "errors": [None]}]
    for raw in cases:
        assert schema.fast_fields("fact", raw) is None
        assert_same(raw)
