"""The fast subset reader agrees with libyaml, or steps aside.

For any document, `fastyaml.read` either raises Unsupported (and the full parser
reads the file) or returns exactly what the full libyaml path builds, and records the
same line and column as libyaml for every key and value.

The reader has two implementations: the Python one, the reference, and a C one for the
common part of the subset (an optional extension). Every test here runs against both, and
wherever the C reader accepts a document it must return exactly what the Python one does:
the same data (key order included), the same positions for every container, the same splits.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.bank import fastyaml
from generator.diagnostics import Report
from generator.bank.fastyaml import Places
from generator.bank.yamlsource import _Builder, _NodeReader, _place, read_yaml_text
from tests.tools import require


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


ROOT = Path(__file__).resolve().parent.parent
C_READER = fastyaml._fastyaml
needs_c = pytest.mark.skipif(C_READER is None, reason="the C reader is not built (python setup.py build_ext --inplace)")


def read_python(text: str):
    """`fastyaml.read` with the Python reader alone."""
    return fastyaml.read_python(text.replace("\r\n", "\n") if "\r" in text else text)


# Each test taking `reader` runs once per implementation; "c" is `fastyaml.read` as Errata
# calls it (the C reader, falling back to the Python one), checked against the Python reader.
READERS = [pytest.param("python"), pytest.param("c", marks=needs_c)]


def ordered(value):
    """Data with every mapping's key order made visible to ==."""
    if isinstance(value, dict):
        return ("dict", [(k, ordered(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("list", [ordered(v) for v in value])
    return (type(value).__name__, value)


def containers(value):
    if isinstance(value, (dict, list)):
        yield value
        for v in value.values() if isinstance(value, dict) else value:
            yield from containers(v)


def c_read(text: str):
    """The C reader's data and places, or None where it steps aside."""
    got = C_READER.read(text.replace("\r\n", "\n") if "\r" in text else text)
    if got is None:
        return None
    data, root, flat, ids, spans = got
    places = Places()
    places.root = root
    places.flat, places.flat_ids, places.flat_spans = (memoryview(flat).cast("q"), memoryview(ids).cast("Q"),
                                                      memoryview(spans).cast("q"))
    return data, places


def c_agrees_with_python(text: str) -> bool:
    """True when the C reader accepted the text; then it returned exactly what the Python reader returns."""
    got = c_read(text)
    if got is None:
        return False
    data, places = got
    try:
        ref, ref_places = read_python(text)
    except fastyaml.Unsupported as e:
        raise AssertionError(f"the C reader accepted what the Python reader refuses ({e}):\n{text!r}")
    assert ordered(data) == ordered(ref), text
    assert places.root == ref_places.root, text
    assert places.splits == ref_places.splits, text
    mine, theirs = list(containers(data)), list(containers(ref))
    assert len(mine) == len(theirs), text
    for c, r in zip(mine, theirs):
        assert list(places._positions(c)) == list(ref_places._positions(r)), (c, text)
        assert places.lines(c) == ref_places.lines(r), text
    for path in paths(data):
        for at_key in (False, True):
            assert places.locate(data, path, at_key) == ref_places.locate(ref, path, at_key), (path, text)
    return True


def agree(text: str, reader: str = "python") -> bool:
    """True when the fast reader accepted the text (and then it must match libyaml, places included)."""
    read = read_python if reader == "python" else fastyaml.read
    if reader == "c":
        c_agrees_with_python(text)
    try:
        fast, fast_places = read(text)
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


@pytest.mark.parametrize("reader", READERS)
@settings(max_examples=300, deadline=None)
@given(data=st.dictionaries(KEY, TREE, min_size=1, max_size=5),
       flow=st.sampled_from([False, None]), width=st.sampled_from([40, 80, 10**6]),
       unicode=st.booleans(), indent=st.sampled_from([2, 4]))
def test_agrees_with_libyaml_on_dumped_documents(reader, data, flow, width, unicode, indent):
    text = yaml.safe_dump(data, default_flow_style=flow, width=width, allow_unicode=unicode, indent=indent,
                          sort_keys=False)
    # Windows line ends: same data, same places
    assert agree(text, reader) == agree(text.replace("\n", "\r\n"), reader)


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


@pytest.mark.parametrize("reader", READERS)
@settings(max_examples=500, deadline=None)
@given(lines=st.lists(st.tuples(st.sampled_from([0, 2, 4]), LINE_PIECES), min_size=1, max_size=8))
def test_agrees_with_libyaml_on_odd_lines(reader, lines):
    text = "\n".join(" " * ind + piece for ind, piece in lines) + "\n"
    agree(text, reader)


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize("text", [
    "a: \xa0\n", "- 0\xa0\n", "a: x \xa0 \n", "- 0\u2003\n", "a: [x\xa0,y]\n", 'a: ["q", x\xa0 ]\n',
    "key :\nb: 1\n", "key : # c\nb: 1\n",
])
def test_white_space_and_empty_values_as_libyaml_reads_them(reader, text):
    """Only spaces end a plain scalar (a no-break space is text), and 'key :' has its empty value after the colon."""
    if reader == "python":
        assert agree(text, reader)
    else:
        agree(text, reader)   # the C reader may hand these back; whatever it returns must match


BLOCK_LINE = st.one_of(st.just(""), st.just("   "), st.from_regex(r"[a-z#:'\"][a-z #:'\"-]{0,12}", fullmatch=True))


@pytest.mark.parametrize("reader", READERS)
@settings(max_examples=400, deadline=None)
@given(header=st.sampled_from(["|", "|-", ">", ">-"]), key_indent=st.sampled_from([0, 2]),
       extra=st.sampled_from([1, 2, 4]), body=st.lists(st.tuples(st.sampled_from([0, 0, 0, 2]), BLOCK_LINE),
                                                       min_size=0, max_size=6),
       after=st.sampled_from(["", "b: next", "- item", "  c: deeper"]))
def test_block_scalars_agree_with_libyaml(reader, header, key_indent, extra, body, after):
    pad = " " * key_indent
    lines = ["root:"] if key_indent else []
    lines.append(f"{pad}a: {header}")
    lines += [(" " * (key_indent + extra + more) + text) if text.strip() else text for more, text in body]
    if after:
        lines.append(pad + after)
    agree("\n".join(lines) + "\n", reader)


@pytest.mark.parametrize("reader", READERS)
def test_accepts_the_shipped_banks(reader):
    for bank in [ROOT / "examples" / "solar-system.yaml", ROOT / "questions.yaml"]:
        if bank.exists():
            assert agree(bank.read_text(encoding="utf-8"), reader), f"{bank.name} fell back to the slow path"


@pytest.mark.parametrize("reader", READERS)
def test_problems_are_located_after_the_fast_path(reader, monkeypatch):
    if reader == "python":
        monkeypatch.setattr(fastyaml, "_fastyaml", None)
    text = "deck:\n  id: d\n  title: T\nreferences:\n  r:\n    title: R\nfacts:\n  - id: a\n    topic: T\n"
    doc = read_yaml_text(text, "t.yaml")
    assert doc.data["facts"][0]["id"] == "a"
    assert doc.locate(("facts", 0, "topic")) == (9, 12)
    assert doc.locate(("facts", 0, "topic"), at_key=True) == (9, 5)
    assert doc.fact_at(9) == "a"


# The C reader on its own: wherever it accepts a document, the Python reader returns the same.

@needs_c
def test_c_reader_reads_the_synthetic_bank_as_the_python_reader(tmp_path):
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        from bench_pipeline import OUT, write_bank
    finally:
        sys.path.remove(str(ROOT / "bench"))
    bank = OUT / "bank-10000-v2.yaml"
    if not bank.exists():
        bank = tmp_path / "bank.yaml"
        write_bank(bank, 10000)
    text = bank.read_text(encoding="utf-8")
    assert c_agrees_with_python(text), "the C reader stepped aside on the synthetic bank"
    assert c_agrees_with_python(text.replace("\n", "\r\n"))


def _utf8(path: Path) -> bool:
    try:
        path.read_bytes().decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False   # the loader reports it before any reader sees it


@needs_c
@pytest.mark.parametrize("bank", sorted(str(p.relative_to(ROOT)) for p in (ROOT / "tests" / "bad_banks").rglob("*.yaml")
                                        if _utf8(p)) + ["questions.yaml", "examples/solar-system.yaml"])
def test_c_reader_agrees_on_the_banks(bank):
    c_agrees_with_python((ROOT / bank).read_text(encoding="utf-8"))


# Documents in the C reader's part of the subset, with awkward text in every place.
AWKWARD = st.lists(st.sampled_from(list("ab -:#,[]{}\"'\\~?!&*|>%@`\t\u00a0\u3000\u2028\u0085é€😀1") + [" #", ": "]),
                   max_size=12).map("".join)
# Mostly text the C reader takes (letters of every plane, inner punctuation), sometimes awkward.
WORD = st.text(st.sampled_from(list("abcxyz019éαβ€😀\u00a0.-/'\"!?")), min_size=1, max_size=8)
PLAIN = st.lists(WORD, min_size=1, max_size=3).map(" ".join)
QUOTED = st.text(st.sampled_from(list("abz09 :#,[]{}'!&*|>%@`~-éα€😀\u00a0\u3000")), max_size=14).map(
    lambda s: '"%s"' % s)
C_KEY = st.one_of(KEY, KEY, KEY, st.sampled_from(["<<", "-a", "a b", "a #b", "é", "\u3000k", "null", "~", "k "]),
                  AWKWARD)
ITEMS = st.lists(st.one_of(PLAIN, QUOTED, AWKWARD), max_size=4).map(lambda items: "[" + ", ".join(items) + "]")
C_SCALAR = st.one_of(
    QUOTED, QUOTED, PLAIN, PLAIN, ITEMS, ITEMS, AWKWARD, AWKWARD.map(lambda s: '"%s"' % s),
    st.sampled_from(["[]", "[ ]", "[a,b]", "[1,000, 5]", "[a , b]", "null", "~", "- x", "|", ">-", "'q'",
                     '"x" # c', "x # c", "[a, b] # c", "[null]", "[x:, y]", "[b::c]", "-1", "1:2"]),
)


def c_key(draw, j: int) -> str:
    """Mostly a key unique in its mapping (a duplicate sends the document to the Python reader)."""
    key = draw(C_KEY)
    return key if draw(st.integers(0, 9)) == 9 else f"{key}{j}"


def c_document(draw, depth: int, indent: int, lines: list[str]) -> None:
    """A block node at ``indent``: a mapping or a sequence of the shapes banks use."""
    pad = " " * indent
    if depth > 0 and draw(st.booleans()):
        for _ in range(draw(st.integers(1, 3))):
            kind = draw(st.sampled_from(["scalar", "scalar", "map", "seq"] if depth < 3 else ["scalar"]))
            if kind == "map":
                lines.append(f"{pad}- {c_key(draw, 0)}: {draw(C_SCALAR)}")
                for j in range(draw(st.integers(0, 3))):
                    lines.append(f"{pad}  {c_key(draw, j + 1)}: {draw(C_SCALAR)}")
                if draw(st.booleans()):
                    lines.append(f"{pad}  {c_key(draw, 9)}:")
                    c_document(draw, depth + 1, indent + draw(st.sampled_from([2, 4])), lines)
            else:
                lines.append(f"{pad}- {draw(C_SCALAR)}")
        return
    for j in range(draw(st.integers(1, 4))):
        key = c_key(draw, j)
        if depth < 3 and draw(st.integers(0, 3)) == 0:
            lines.append(f"{pad}{key}:{draw(st.sampled_from(['', ' # c', '  ']))}")
            c_document(draw, depth + 1, indent + draw(st.sampled_from([2, 4, 0])), lines)
        else:
            lines.append(f"{pad}{key}:{draw(st.sampled_from([' ', '  ']))}{draw(C_SCALAR)}")
        if draw(st.integers(0, 5)) == 5:
            lines.append(draw(st.sampled_from(["", "# comment", "   ", "  # indented comment", "", "---", "%x"])))


@st.composite
def c_documents(draw):
    lines: list[str] = []
    c_document(draw, 0, draw(st.sampled_from([0, 0, 1])), lines)
    return "\n".join(lines) + draw(st.sampled_from(["\n", "", "\n\n"]))


@needs_c
@settings(max_examples=1500, deadline=None)
@given(text=c_documents())
def test_c_reader_agrees_with_python_on_generated_documents(text):
    if c_agrees_with_python(text):
        agree(text, "c")  # and with libyaml


@needs_c
@settings(max_examples=300, deadline=None)
@given(text=st.text(st.sampled_from(list("ab:-# \n\"'[],{}~\\é😀\u00a0\r\t")), max_size=60))
def test_c_reader_agrees_with_python_on_any_text(text):
    c_agrees_with_python(text)


@needs_c
def test_c_reader_steps_aside_on_what_it_does_not_read():
    for text in ["a: 'q'\n", 'a: "x\\ty"\n', "a: |\n  x\n", "a: x # c\n", "a: null\n", "a: [a,b]\n",
                 "a: 1\na: 2\n", "<<: x\n", "---\na: 1\n", "a:\tb\n", "a: b\x85\n", "", "# only\n",
                 "a: " + "x" * (1 << 20) + "\n", "a:\n" + "".join(" " * i + "- b:\n" for i in range(0, 400, 2))]:
        assert C_READER.read(text) is None, text


@needs_c
def test_c_reader_reads_the_usual_lines():
    text = 'a: "x: #y"\nb: plain text\nc: [x, "y, z"]\nd:\n  - e: f\n    g: []\n  - "h"\n  - i\n'
    assert c_read(text) is not None and c_agrees_with_python(text)


def test_the_c_reader_is_built_where_required():
    """CI builds the C reader (pip install -e .): a missing build there is an error, not a silent slowdown."""
    require(C_READER is not None, "the C reader (generator/bank/_fastyaml.c) is not built (pip install -e . or "
                                  "python setup.py build_ext --inplace): the Python reader reads")


@needs_c
def test_places_sought_one_by_one_agree_with_the_table_of_all(monkeypatch):
    """A few containers are sought in the C reader's ids; more, through a dict of them all: the same places."""
    text = "deck:\n  id: d\n  title: D\nreferences:\n  r1:\n    title: R\nfacts:\n" + "".join(
        f"  - id: f{i}\n    topic: T\n    kind: k\n    question: \"Q {i}?\"\n    answer: A {i}\n"
        f"    explain: E\n    refs: [r1]\n    distractors: [\"B {i}\", C {i}]\n    errors:\n"
        f"      - says: D {i}\n        source: s1\n        quote: q\n        why: w\n" for i in range(40))
    data, sought = c_read(text)
    tabled = Places()
    tabled.root, tabled.flat, tabled.flat_ids, tabled.flat_spans = (sought.root, sought.flat, sought.flat_ids,
                                                                    sought.flat_spans)
    tabled._spans = dict(zip(tabled.flat_ids, tabled.flat_spans))
    monkeypatch.setattr(fastyaml, "_SEARCHES", 10 ** 9)   # every container sought, none from the dict
    everything = list(containers(data))
    assert len(everything) > 64
    for c in everything:
        assert list(sought._positions(c)) == list(tabled._positions(c))
    assert sought._spans is None
    for path in paths(data):
        assert sought.locate(data, path) == tabled.locate(data, path)
    assert sought._positions([]) is None


# Characters at the edges of what YAML allows, and 2-byte characters with a 0x0a or '"' byte
# (the C reader seeks line breaks as bytes, and tests a block of characters at a time).
EDGE_CHARS = ["\x1f", "\x7e", "\x7f", "\x9f", "\xa0", "\xff", "\u010a", "\u0a0a", "\u0a41", "\u0a22", "\u225c",
              "\u2027", "\u2028", "\u2029", "\u202a", "\ud7ff", "\ud800", "\udfff", "\ue000", "\ufffd", "\ufffe",
              "\uffff", "\U00010000", "\U0010ffff", "\u5c22"]


@needs_c
def test_c_reader_at_the_edges_of_the_characters_allowed():
    for c in EDGE_CHARS:
        for extra in ("", "é", "\u0100", "😀"):   # the text's kind: 1, 2 or 4 bytes a character
            for text in (f'a: "x{c}y"\nb: {c}z{extra}\n', f"a: x{extra}\nb: [q{c}, \"{c}\"]\n",
                         "".join(f"a{c}{i}: v\nb{i}: w{extra}\n" for i in range(3)), f"- {c}\n- x{extra}{c}\n"):
                c_agrees_with_python(text)
                if c in ("\u010a", "\u0a0a", "\u0a41", "\u0a22", "\u225c", "\u5c22", "\ud7ff", "\ue000"):
                    assert c_read(text) is not None, repr(text)   # allowed: read here, not passed on
