"""The bank format, said once.

Each shape (bank, deck, source, defect, reference, fact, error) lists its keys,
their type, whether they are required, and what they mean. The structural check
(`validate`) and the JSON Schema for editors (`json_schema`) both read these
tables, so the format cannot drift between them.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from operator import itemgetter

from ..diagnostics import Report
from ..text.normalize import FORMAT_CHARS
from .yamlsource import INVALID

TEXT = "text"          # a scalar; numbers and yes/no stay text
SLUG = "slug"          # an identifier: lowercase letters, digits, - _ .
TEXTS = "texts"        # a list of text
SLUGS = "slugs"
TAGS = "tags"

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
# spam, hype, boilerplate: no claim at all. contested: a defensible or disputed claim;
# overstated: a claim beyond the evidence but not plainly false. Neither may become an error.
DEFECT_KINDS = ("spam", "hype", "boilerplate", "contested", "overstated")

# Size limits, in characters: generous for any real bank, and far below what makes the
# outputs slow or breaks them (a deck id becomes a file name; a 50 MB field takes a quiz
# minutes and gigabytes to typeset). Every command refuses a bank beyond them.
MAX_ID = 100          # every id (deck, fact, source, reference, kind), each tag
MAX_NAME = 255        # deck title and topic: Anki deck names, LMS categories (Moodle keeps 255)
MAX_TEXT = 10_000     # question, answer, options and other short text
MAX_LONG = 100_000    # explain, why, quotes, notes, descriptions
MAX_ITEMS = 100       # items in each list of a fact (accept, errors, distractors…)

# Characters a text may not hold: controls other than tab and line breaks (invisible, or
# garbage in every output) and the BiDi embeddings, overrides and isolates, which reorder
# what is shown ('10 mg' could print as 'gm 01').
_BAD_CHAR = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_BAD_ASCII = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# A character that shows something: not white space, a format character, a filler or a variation selector.
_VISIBLE = re.compile("[^\\s" + re.escape(FORMAT_CHARS) + "\U000e0000-\U000e007f\U000e0100-\U000e01ef"
                      "\u034f\u115f\u1160\u180b-\u180f\u3164\ufe00-\ufe0f\uffa0\u2800]")


@dataclass(frozen=True)
class Key:
    name: str
    type: str                 # TEXT, SLUG, TEXTS, SLUGS, TAGS (text without spaces), or "shape:<name>", "list:<name>", "map:<name>"
    required: bool = False
    doc: str = ""
    choices: tuple = ()
    max_len: int = 0          # characters of a text, or of each item of a list of text (0: by type)
    max_items: int = 0        # items of a list (0: no limit)
    limit: int = field(init=False)   # max_len, or the limit of the type

    def __post_init__(self):
        object.__setattr__(self, "limit", self.max_len or (MAX_ID if self.type in (SLUG, SLUGS, TAGS) else MAX_TEXT))


SHAPES: dict[str, tuple[Key, ...]] = {
    "bank": (
        Key("deck", "shape:deck", True, "What the deck is: its stable id and title."),
        Key("sources", "map:source", False,
            "Documents the facts were checked against, by source id. Their errors become wrong options."),
        Key("references", "map:reference", True,
            "Authoritative references for the truth (drug labels, regulators, reviews), by reference id."),
        Key("facts", "list:fact", True, "The curated facts, one question each."),
    ),
    "deck": (
        Key("id", SLUG, True, "Stable slug. Every Anki note's identity hangs on it: never change it."),
        Key("title", TEXT, True, "Deck title, shown in Anki and on printed quizzes.", max_len=MAX_NAME),
        Key("description", TEXT, False, "One or two sentences about the deck.", max_len=MAX_LONG),
    ),
    "source": (
        Key("title", TEXT, True, "Title of the document."),
        Key("file", TEXT, False, "File name of the document's text, looked up under `errata audit --sources DIR`.",
            max_len=1000),
        Key("url", TEXT, False, "Where the document was published."),
        Key("defects", "list:defect", False,
            "Passages that are not errors: no claim (spam, hype, boilerplate) or a claim too defensible to teach as "
            "wrong (contested, overstated); reported by `errata audit`."),
    ),
    "defect": (
        Key("kind", TEXT, True, "What the passage is.", DEFECT_KINDS),
        Key("quote", TEXT, True, "The passage, verbatim from the source.", max_len=MAX_LONG),
        Key("note", TEXT, False, "Why it is a defect.", max_len=MAX_LONG),
    ),
    "reference": (
        Key("title", TEXT, True, "Title of the reference."),
        Key("publisher", TEXT, False, "Publisher, regulator or journal."),
        Key("year", TEXT, False, "Year of publication or revision."),
        Key("url", TEXT, False, "Address of the reference."),
    ),
    "fact": (
        Key("id", SLUG, True, "Stable slug; the identity of the fact's Anki notes and LMS items. Never reuse one."),
        Key("topic", TEXT, True, "Topic; becomes an Anki subdeck and a quiz filter.", max_len=MAX_NAME),
        Key("kind", SLUG, True, "What sort of answer this is; facts of one kind lend each other wrong options."),
        Key("question", TEXT, True, "The question (stem)."),
        Key("answer", TEXT, True, "The correct answer, short."),
        Key("accept", TEXTS, False, "Other correct phrasings; never used as wrong options.", max_items=MAX_ITEMS),
        Key("explain", TEXT, True, "Why the answer is right, in your own words.", max_len=MAX_LONG),
        Key("refs", SLUGS, True, "Reference ids that support the answer (at least one).", max_items=MAX_ITEMS),
        Key("tags", TAGS, False, "Tags (no spaces; '::' for hierarchy).", max_items=MAX_ITEMS),
        Key("errors", "list:error", False, "Claims that sources state wrongly; they become the wrong options.",
            max_items=MAX_ITEMS),
        Key("distractors", TEXTS, False, "Curated wrong options, used after the sources' errors.", max_items=MAX_ITEMS),
        Key("confirmed_by", "list:confirmation", False,
            "Passages where a source states this fact correctly; `errata audit` checks them and counts "
            "them as reviewed.", max_items=MAX_ITEMS),
        Key("formerly", SLUGS, False, "Previous ids of this fact, so renaming keeps students' Anki notes.",
            max_items=MAX_ITEMS),
    ),
    "confirmation": (
        Key("source", SLUG, True, "The id of the source that states the fact correctly."),
        Key("quote", TEXT, True, "The source's words, verbatim.", max_len=MAX_LONG),
    ),
    "error": (
        Key("says", TEXT, True, "The wrong claim, phrased as an option."),
        Key("source", SLUG, True, "The id of the source that states it."),
        Key("quote", TEXT, True, "The source's words, verbatim.", max_len=MAX_LONG),
        Key("why", TEXT, True, "Why the claim is wrong.", max_len=MAX_LONG),
    ),
}

KEY_INDEX = {shape: {k.name: k for k in keys} for shape, keys in SHAPES.items()}
REQUIRED = {shape: tuple(k for k in keys if k.required) for shape, keys in SHAPES.items()}

_TYPE_WORDS = {dict: "a mapping", list: "a list", str: "text", type(None): "empty"}


def _what(value) -> str:
    return _TYPE_WORDS.get(type(value), type(value).__name__)


def suggest(name: str, known) -> str | None:
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else None


class Validator:
    """Structural check of plain data against SHAPES. Problems go to the report with data paths.

    Returns what is valid: a mapping comes back with its valid keys only (a missing or bad
    key is left out, the rest kept), so the caller can still check everything else in it.
    ``dropped`` counts the values left out, so a caller knows whether a part came through whole.
    """

    def __init__(self, report: Report):
        self.report = report
        self.fact_id: str | None = None
        self.dropped = 0

    def err(self, message, path, hint=None, at_key=False, code="", drops=True):
        self.dropped += drops
        if self.fact_id is None and len(path) > 2 and path[0] in _OWNERS:
            message = f"{_OWNERS[path[0]]} '{path[1]}': {message}"   # say whose field it is
        elif path[:1] == ("deck",) and len(path) > 1:
            message = f"deck: {message}"
        self.report.error(message, path, fact_id=self.fact_id, hint=hint, at_key=at_key, code=code)

    def fields(self, shape: str, value, path, defer=()) -> dict | None:
        """Validate a mapping: its valid keys and values, or None when it is not a mapping.

        Keys in ``defer`` are only checked for presence; their raw values are returned.
        """
        what = shape if shape != "error" else "error entry"
        if value is INVALID:
            self.dropped += 1   # already reported (an alias)
            return None
        if not isinstance(value, dict):
            self.err(f"{what} must be a mapping of keys to values, not {_what(value)}", path, code="type")
            return None
        index = KEY_INDEX[shape]
        for name in value.keys() - index.keys():
            hint = suggest(str(name), index) or f"allowed keys: {', '.join(index)}"
            self.err(f"unknown key '{name}' in {what}", path + (name,), hint=hint, at_key=True,
                     code="unknown-key", drops=False)
        missing = [k for k in REQUIRED[shape] if k.name not in value]
        if len(missing) == 1:
            self.err(f"missing required key '{missing[0].name}' in {what}", path, hint=missing[0].doc, code="missing")
        elif missing:  # one line for them all: a fact written as a list item of the wrong shape lacks every key
            names = [f"'{k.name}'" for k in missing]
            self.err(f"missing required keys {', '.join(names[:-1])} and {names[-1]} in {what}", path,
                     hint="see the bank format in the README, or run 'errata schema'", code="missing")
        out = {}
        for key in SHAPES[shape]:
            name = key.name
            if name not in value:
                continue
            if name in defer:
                out[name] = value[name]
                continue
            v = self.value(key, value[name], path + (name,))
            if v is not None:
                out[name] = v
        return out

    def text(self, key: Key, v: str, path, index: int | None = None) -> str | None:
        """Stripped text within its limits, or None (reported): not too long, no control
        characters, something visible; an id must be a slug. ``index``: of an item in a list."""
        v = v.strip()
        limit = key.limit
        if len(v) <= limit and key.type == TEXT and v.isascii() and not _BAD_ASCII.search(v):
            return v   # the common case, at once
        label = f"'{key.name}'" if index is None else f"item {index + 1} of '{key.name}'"
        if len(v) > limit:
            self.err(f"{label} is {len(v):,} characters long; at most {limit:,} are allowed", path,
                     hint=("a short slug is enough" if key.type in (SLUG, SLUGS) else
                           "shorten it (the README's bank format lists every limit)"),
                     code="too-long")
            return None
        if key.type in (SLUG, SLUGS):
            if not SLUG_RE.match(v):
                self.err(f"'{key.name}' '{v}' is not a valid id" if index is None else
                         f"'{v}' in '{key.name}' is not a valid id", path,
                         hint="use lowercase letters, digits, '-', '_' or '.' (e.g. 'nmda-site')", code="slug")
                return None
            return v
        m = (_BAD_ASCII if v.isascii() else _BAD_CHAR).search(v)
        if m:
            c = m.group()
            what = "a BiDi control character, which reorders what is shown" if c >= "\u202a" else \
                "a control character"
            self.err(f"{label} contains {what} (U+{ord(c):04X})", path,
                     hint="remove it (an escape such as \"\\0\" or a character pasted from another program)",
                     code="control")
            return None
        if not v.isascii() and not _VISIBLE.search(v):
            self.err(f"{label} shows nothing: it holds only invisible characters "
                     f"({', '.join(sorted({f'U+{ord(c):04X}' for c in v}))})", path,
                     hint="write the text, or remove the key", code="empty")
            return None
        return v

    def value(self, key: Key, v, path):
        t = key.type
        if v is INVALID:
            self.dropped += 1   # already reported (a YAML tag or an alias)
            return None
        if v is None or (isinstance(v, str) and not v.strip()) or (isinstance(v, (list, dict)) and not v
                                                                      and key.required):
            if key.required:
                self.err(f"'{key.name}' is empty", path, hint=key.doc, code="empty")
            return None
        if t == TEXT or t == SLUG:
            if not isinstance(v, str):
                self.err(f"'{key.name}' must be text, not {_what(v)}", path,
                         hint="quote the value, or write it on one line", code="type")
                return None
            v = self.text(key, v, path)
            if v is not None and key.choices and v not in key.choices:
                self.err(f"'{key.name}' must be one of {', '.join(key.choices)}, not '{v}'", path,
                         hint=suggest(v, key.choices), code="choice")
                return None
            return v
        if t in (TEXTS, SLUGS, TAGS) or t.startswith("list:"):
            if not isinstance(v, list):
                self.err(f"'{key.name}' must be a list, not {_what(v)}", path,
                         hint=(f"write it as a list: {key.name}: [{v if isinstance(v, str) else '…'}]"
                               if t in (TEXTS, SLUGS, TAGS) else "start each item with '- '"), code="type")
                return None
            if key.max_items and len(v) > key.max_items:
                self.err(f"'{key.name}' has {len(v):,} items; at most {key.max_items} are allowed", path,
                         hint="keep the few that matter most", code="too-many")
                return None
        if t in (TEXTS, SLUGS, TAGS):
            out = []
            for i, item in enumerate(v):
                if item is INVALID:
                    self.dropped += 1
                    continue
                if not isinstance(item, str) or not item.strip():
                    self.err(f"item {i + 1} of '{key.name}' must be non-empty text, not {_what(item)}",
                             path + (i,), code="type")
                    continue
                item = self.text(key, item, path + (i,), i)
                if item is None:
                    continue
                if t == TAGS and any(c.isspace() for c in item):
                    self.err(f"tag '{item}' contains a space (Anki splits tags on spaces)", path + (i,),
                             hint=f"write it as '{'-'.join(item.split())}' or use '::' for hierarchy",
                             code="tag-space")
                    continue
                out.append(item)
            return out
        kind, _, sub = t.partition(":")
        if kind == "shape":
            return self.fields(sub, v, path)
        if kind == "list":
            return [self.fields(sub, item, path + (i,)) for i, item in enumerate(v)]
        if kind == "map":
            if not isinstance(v, dict):
                self.err(f"'{key.name}' must be a mapping from id to {sub}, not {_what(v)}", path,
                         code="type")
                return None
            out = {}
            for ident, item in v.items():
                if len(str(ident)) > MAX_ID or not SLUG_RE.match(str(ident)):
                    self.err(f"{sub} id '{str(ident)[:MAX_ID]}' is not a valid id" +
                             (f" (at most {MAX_ID} characters)" if len(str(ident)) > MAX_ID else ""),
                             path + (ident,), at_key=True,
                             hint="use lowercase letters, digits, '-', '_' or '.'", code="slug")
                    continue
                out[ident] = self.fields(sub, item, path + (ident,))
            return out
        raise AssertionError(t)  # pragma: no cover


_OWNERS = {"sources": "source", "references": "reference"}


# --- The fast lane -----------------------------------------------------------------------
#
# Almost every fact of a real bank is plainly valid. For those, `fast_fields` gives the same
# mapping as `Validator.fields` with far fewer Python operations: a function per shape, written
# out from SHAPES on first use (as fastjsonschema does), that checks each key inline (no method
# call per value, no data path built) and stops at the first sign of anything unusual; the texts
# of the whole fact are then scanned for bad characters in one pass. When it gives up, the
# caller runs `Validator.fields`, which reports exactly what it always did.
# tests/test_schema_fast.py holds both to the same results.

_SCALAR_KINDS = (TEXT, SLUG, TEXTS, SLUGS, TAGS)
_HAS_SPACE = re.compile(r"\s").search   # the same characters as str.isspace (tested)
_BAD_BYTES = bytes(c for c in range(128) if _BAD_ASCII.match(chr(c)))
# bytes.translate with this table changes every bad byte and no other, and returns the very same
# object when it changed nothing: the fastest test for any of them (faster than deleting them).
_MARK_BAD = bytes(c ^ 0x80 if c in _BAD_BYTES else c for c in range(256))
_BAD_WIDE = re.compile("[\x80-\x9f\u202a-\u202e\u2066-\u2069]")   # _BAD_CHAR beyond ASCII (tested)


def _fast_body(shape: str, value: str, out: str, depth: int = 0) -> list[str] | None:
    """Lines that check the mapping in the variable ``value`` against ``shape`` and leave the valid
    mapping in ``out``, or return None from the function at anything unusual. A list of mappings
    is checked inline (no call per item). None (no code) for a shape the fast lane leaves alone."""
    keys = SHAPES[shape]
    if any(k.type not in _SCALAR_KINDS and not k.type.startswith("list:") for k in keys):
        return None
    v, items, item, joined = (f"{name}{depth}" for name in ("v", "items", "item", "joined"))
    # A missing required key raises KeyError when it is fetched: no need to look for it first.
    lines = [f"if type({value}) is not dict or not known_{shape}({value}):", "    return None"]

    def scalar_ok(key: Key, x: str) -> list[str]:
        """Conditions under which the stripped text in ``x`` is valid (its bad characters aside)."""
        if key.type == SLUG:   # a fullmatch of the bounded pattern: the slug test and the limit at once
            return [f"slug_{key.limit}({x})"]
        return [x] + ([f"len({x}) <= {key.limit}"] if key.limit < MAX_TEXT else []) + \
            ([f"{x} in choices_{shape}_{key.name}"] if key.choices else [])

    # The required texts and ids: fetched and stripped at once, checked in one condition.
    scalars = [k for k in keys if k.required and k.type in (TEXT, SLUG)]
    names = [f"{k.name}_{depth}" for k in scalars]
    if len(scalars) > 1:
        lines.append(f"{', '.join(names)} = map(strip, required_scalars_{shape}({value}))")
    elif scalars:
        lines.append(f"{names[0]} = strip({value}[{scalars[0].name!r}])")
    if scalars:
        ok = [c for k, x in zip(scalars, names) for c in scalar_ok(k, x)]
        lines += [f"if not ({' and '.join(ok)}):", "    return None"]
        texts = [x for k, x in zip(scalars, names) if k.type == TEXT]
        if texts:
            lines.append(f"texts += ({', '.join(texts)},)")   # a tuple, even of one
    lines.append(f"{out} = {{" + ", ".join(f"{k.name!r}: {x}" for k, x in zip(scalars, names)) + "}")
    for key in keys:
        t, name, limit = key.type, key.name, key.limit
        if key in scalars:
            continue
        if key.required:
            ind = ""
            lines.append(f"{v} = {value}[{name!r}]")
        else:   # an optional key that is empty (null) is left out, as Validator.value does
            lines += [f"{v} = {value}.get({name!r})", f"if {v} is not None:"]
            ind = "    "
        code = []
        if t in (TEXT, SLUG):
            code += [f"{v} = strip({v})", f"if not ({' and '.join(scalar_ok(key, v))}):", "    return None"]
            if t == TEXT:
                code.append(f"texts.append({v})")
        else:
            refuse = [f"type({v}) is not list"] + ([f"not {v}"] if key.required else []) + \
                     ([f"len({v}) > {key.max_items}"] if key.max_items else [])
            code += [f"if {' or '.join(refuse)}:", "    return None"]
            if t.startswith("list:"):
                body = _fast_body(t[5:], item, f"out{depth + 1}", depth + 1)
                if body is None:
                    return None
                code += [f"{items} = []", f"for {item} in {v}:", *("    " + c for c in body),
                         f"    {items}.append(out{depth + 1})", f"{v} = {items}"]
            elif t == SLUGS:
                code += [f"{v} = list(map(strip, {v}))", f"if not all(map(slug_{limit}, {v})):", "    return None"]
            else:   # TEXTS, TAGS: every item non-empty, and within the limit (all at once when together they are)
                code += [f"{v} = list(map(strip, {v}))", f"if not all({v}):", "    return None"]
                if t == TAGS or limit < MAX_TEXT:
                    code.append(f"{joined} = ''.join({v})")
                if limit < MAX_TEXT:
                    code += [f"if len({joined}) > {limit} and max(map(len, {v})) > {limit}:", "    return None"]
                if t == TAGS:   # a space in any tag is a space in them all
                    code += [f"if has_space({joined}):", "    return None"]
                code.append(f"texts += {v}")
        lines += [ind + c for c in code] + [f"{ind}{out}[{name!r}] = {v}"]
    return lines


def _fast_code(shape: str) -> str | None:
    """Source of ``fast_<shape>(value, texts)``: the valid mapping, or None at anything unusual.

    Texts are stripped with ``str.strip`` itself, which raises TypeError for anything but text;
    a missing required key raises KeyError (the caller gives up then). The texts to scan for bad
    characters are added to ``texts``; a limit of MAX_TEXT or more is checked there too, on their
    total length."""
    body = _fast_body(shape, "value", "out")
    if body is None:
        return None
    return "\n".join([f"def fast_{shape}(value, texts):", *("    " + c for c in body), "    return out"]) + "\n"


_FAST_NAMES: dict = {"has_space": _HAS_SPACE, "strip": str.strip}
for _shape, _keys in SHAPES.items():
    _FAST_NAMES[f"known_{_shape}"] = frozenset(KEY_INDEX[_shape]).issuperset
    _scalars = [k.name for k in _keys if k.required and k.type in (TEXT, SLUG)]
    if len(_scalars) > 1:
        _FAST_NAMES[f"required_scalars_{_shape}"] = itemgetter(*_scalars)
    for _k in _keys:
        if _k.type in (SLUG, SLUGS):
            _FAST_NAMES[f"slug_{_k.limit}"] = re.compile(f"[a-z0-9][a-z0-9._-]{{0,{_k.limit - 1}}}").fullmatch
        if _k.choices:
            _FAST_NAMES[f"choices_{_shape}_{_k.name}"] = frozenset(_k.choices)
_FAST: dict = {}   # shape → its function, written on first use (a command uses one or two)


def _fast_function(shape: str):
    if shape not in _FAST:
        code = _fast_code(shape)
        if code is None:
            raise ValueError(f"no fast lane for {shape}")
        exec(compile(code, f"<fast lane: {shape}>", "exec"), _FAST_NAMES)
        _FAST[shape] = _FAST_NAMES[f"fast_{shape}"]
    return _FAST[shape]


def _c_lane(shape: str):
    """The C reader's fast lane for ``shape`` (its shapes handed over from SHAPES), or None: without
    the extension, or for a shape it does not cover (choices, mappings by id, nested shapes)."""
    from .fastyaml import _fastyaml
    if _fastyaml is None or not hasattr(_fastyaml, "fields"):
        return None
    kinds = {TEXT: 0, SLUG: 1, TEXTS: 2, SLUGS: 3, TAGS: 4}
    order = [shape] + [k.type[5:] for k in SHAPES[shape] if k.type.startswith("list:")]
    spec = []
    for name in order:
        keys = []
        for k in SHAPES[name]:
            if k.choices or (k.type not in kinds and not (name == shape and k.type.startswith("list:"))):
                return None
            kind, sub = (5, order.index(k.type[5:])) if k.type.startswith("list:") else (kinds[k.type], 0)
            keys.append((k.name, kind, k.required, k.limit, k.max_items, sub))
        spec.append(tuple(keys))
    _fastyaml.lane(tuple(spec))
    return _fastyaml.fields


# The C lane for facts, the bulk of every bank (one shape only: the C module holds one at a time).
_C_FIELDS = {"fact": _c_lane("fact")}


def fast_fields(shape: str, value) -> dict | None:
    """What `Validator.fields` returns for a mapping in which it finds nothing to report, or None
    when the mapping is not plainly valid (then ask `Validator.fields`)."""
    c_fields = _C_FIELDS.get(shape)
    if c_fields is not None:
        out = c_fields(value)   # None: not plainly valid, or unsure; the Python lane decides
        if out is not None:
            return out
    return python_fast_fields(shape, value)


def python_fast_fields(shape: str, value) -> dict | None:
    """`fast_fields` in Python alone: the reference for the C lane, and its fallback."""
    texts = []
    try:
        out = (_FAST.get(shape) or _fast_function(shape))(value, texts)
    except (TypeError, KeyError):   # a value that is not text where text belongs; a required key missing
        return None
    if out is None:
        return None
    # Together within the smallest long limit, each text is within its own.
    joined = "\n".join(texts)
    if len(joined) > MAX_TEXT:
        return None
    # The bad ASCII characters of all the texts at once, on the bytes: several times faster than
    # seeking them with a pattern. In UTF-8 a byte below 0x80 is only ever that ASCII character.
    if joined.isascii():
        encoded = joined.encode()
        return out if encoded.translate(_MARK_BAD) is encoded else None
    try:
        encoded = joined.encode()
    except UnicodeEncodeError:   # a lone surrogate
        return None
    if encoded.translate(_MARK_BAD) is not encoded:
        return None
    for t in texts:   # the rest of what Validator.text looks for
        if not t.isascii() and (_BAD_WIDE.search(t) or not _VISIBLE.search(t)):
            return None
    return out


# --- JSON Schema for editors -------------------------------------------------------------

def _schema_for(key: Key) -> dict:
    t = key.type
    scalar = {"type": ["string", "number"], "maxLength": key.limit}
    slug = {"type": "string", "pattern": SLUG_RE.pattern, "maxLength": key.limit}
    if t == TEXT:
        s = dict(scalar)
        if key.choices:
            s = {"enum": list(key.choices)}
    elif t == SLUG:
        s = slug
    elif t == TEXTS:
        s = {"type": "array", "items": scalar}
    elif t == SLUGS:
        s = {"type": "array", "items": slug}
    elif t == TAGS:
        s = {"type": "array", "items": {"type": "string", "pattern": r"^\S+$", "maxLength": key.limit}}
    else:
        kind, _, sub = t.partition(":")
        ref = {"$ref": f"#/$defs/{sub}"}
        s = ref if kind == "shape" else (
            {"type": "array", "items": ref} if kind == "list" else
            {"type": "object", "propertyNames": {"pattern": SLUG_RE.pattern}, "additionalProperties": ref})
    if key.max_items:
        s["maxItems"] = key.max_items
    s["description"] = key.doc
    return s


def _object(shape: str) -> dict:
    keys = SHAPES[shape]
    return {
        "type": "object",
        "additionalProperties": False,
        "required": [k.name for k in keys if k.required],
        "properties": {k.name: _schema_for(k) for k in keys},
    }


def json_schema() -> dict:
    """JSON Schema (draft 2020-12) of the bank format, for yaml-language-server and friends."""
    root = _object("bank")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Errata bank",
        "description": "Curated facts whose wrong options are the errors that named sources make.",
        **root,
        "$defs": {name: _object(name) for name in SHAPES if name != "bank"},
    }
