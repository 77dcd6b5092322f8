"""The fast subset reader agrees with libyaml, or steps aside.

For any document, `fastyaml.read` either raises Unsupported (and the full parser
reads the file) or returns exactly what the full libyaml path builds, and records the
same line and column as libyaml for every key and value.
"""

from __future__ import annotations

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.bank import fastyaml
from generator.diagnostics import Report
from generator.bank.fastyaml import Places
from generator.bank.yamlsource import _Builder, _NodeReader, _place, read_yaml_text


def full(text: str):
    """The libyaml path's data and places."""
    reader = _NodeReader(text)
    try:
        root = reader.get_single_node()
    finally:
        reader.dispose()
    places = Places()
    places.root = _place(root)
    return _Builder("t", Report(), places).build(root), places


def paths(data, prefix=()):
    yield prefix
    if isinstance(data, dict):
        for k, v in data.items():
            yield from paths(v, prefix + (k,))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from paths(v, prefix + (i,))


def agree(text: str) -> bool:
    """True when the fast reader accepted the text (and then it must match libyaml, places included)."""
    try:
        fast, fast_places = fastyaml.read(text)
    except fastyaml.Unsupported:
        return False
    try:
        slow, slow_places = full(text)
    except yaml.YAMLError as e:  # the fast reader must never accept what libyaml rejects
        raise AssertionError(f"fast reader accepted invalid YAML: {e}\n{text}")
    assert fast == slow, text
    for path in paths(fast):
        for at_key in (False, True):
            assert fast_places.locate(fast, path, at_key) == slow_places.locate(slow, path, at_key), (path, text)
    assert fast_places.splits == slow_places.splits, text
    return True


SCALAR = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30)
KEY = st.from_regex(r"[a-z][a-z0-9_-]{0,8}", fullmatch=True)
TREE = st.recursive(
    st.one_of(SCALAR, st.none(), st.integers().map(str)),
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(KEY, children, max_size=4)),
    max_leaves=25,
)


@settings(max_examples=300, deadline=None)
@given(data=st.dictionaries(KEY, TREE, min_size=1, max_size=5),
       flow=st.sampled_from([False, None]), width=st.sampled_from([40, 80, 10**6]),
       unicode=st.booleans(), indent=st.sampled_from([2, 4]))
def test_agrees_with_libyaml_on_dumped_documents(data, flow, width, unicode, indent):
    text = yaml.safe_dump(data, default_flow_style=flow, width=width, allow_unicode=unicode, indent=indent,
                          sort_keys=False)
    assert agree(text) == agree(text.replace("\n", "\r\n"))  # Windows line ends: same data, same places


LINE_PIECES = st.sampled_from([
    "a: b", "a: 'it''s'", 'a: "x \\" y \\u00e9 \\t"', "a: [x, 'y', \"z\"]", "a: []", "a:", "a: ~", "a: null",
    "a: b # c", "a: b#c", "a: 'q' # c", "- x", "- a: b", "  b: c", "    - d", "a: b: c", "a: -b", "a: - b",
    "a: &x y", "a: *x", "a: !t y", "a: |", "a: >", "  continued", "a: {b: c}", "# comment", "", "---",
    "a: 'unterminated", "a: >-", "a: |-", "a: >+", "a: |2", "a: > # c", "   - x", "  # not a comment", 'a: "bad \\q escape"', "a: [x, [y]]", "a: [x: y]", "? a", "a : b", "a:b", "-a: b",
    "a: http://x.y/z", "a: 10:30", "a: ''", 'a: ""', "a: @x", "a: `x`", "a: %x", "a: [a, b] c",
    'a: "\\ud800"', 'a: "\\U00110000"', 'a: "\\x85 \\u2028"', "a: x\u2028y", "a: x\x85y", "a: x\u2029",
    "a: |", "a: >-", "a: [b::c, d e]", "a: [x:, y]", "a: [1,000 mg, 5]", "- [2,500, 'q']", "a: [x , y]",
    'a: ["p, q", r]', "a: [null, ~]", "a: [a #b]",
])


@settings(max_examples=500, deadline=None)
@given(lines=st.lists(st.tuples(st.sampled_from([0, 2, 4]), LINE_PIECES), min_size=1, max_size=8))
def test_agrees_with_libyaml_on_odd_lines(lines):
    text = "\n".join(" " * ind + piece for ind, piece in lines) + "\n"
    agree(text)


BLOCK_LINE = st.one_of(st.just(""), st.just("   "), st.from_regex(r"[a-z#:'\"][a-z #:'\"-]{0,12}", fullmatch=True))


@settings(max_examples=400, deadline=None)
@given(header=st.sampled_from(["|", "|-", ">", ">-"]), key_indent=st.sampled_from([0, 2]),
       extra=st.sampled_from([1, 2, 4]), body=st.lists(st.tuples(st.sampled_from([0, 0, 0, 2]), BLOCK_LINE),
                                                       min_size=0, max_size=6),
       after=st.sampled_from(["", "b: next", "- item", "  c: deeper"]))
def test_block_scalars_agree_with_libyaml(header, key_indent, extra, body, after):
    pad = " " * key_indent
    lines = ["root:"] if key_indent else []
    lines.append(f"{pad}a: {header}")
    lines += [(" " * (key_indent + extra + more) + text) if text.strip() else text for more, text in body]
    if after:
        lines.append(pad + after)
    agree("\n".join(lines) + "\n")


def test_accepts_the_shipped_banks():
    from pathlib import Path

    root = Path(__file__).parent.parent
    for bank in [root / "examples" / "solar-system.yaml", root / "questions.yaml"]:
        if bank.exists():
            assert agree(bank.read_text(encoding="utf-8")), f"{bank.name} fell back to the slow path"


def test_problems_are_located_after_the_fast_path():
    text = "deck:\n  id: d\n  title: T\nreferences:\n  r:\n    title: R\nfacts:\n  - id: a\n    topic: T\n"
    doc = read_yaml_text(text, "t.yaml")
    assert doc.data["facts"][0]["id"] == "a"
    assert doc.locate(("facts", 0, "topic")) == (9, 12)
    assert doc.locate(("facts", 0, "topic"), at_key=True) == (9, 5)
    assert doc.fact_at(9) == "a"
