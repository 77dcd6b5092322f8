"""The bank format, said once.

Each shape (bank, deck, source, defect, reference, fact, error) lists its keys,
their type, whether they are required, and what they mean. The structural check
(`validate`) and the JSON Schema for editors (`json_schema`) both read these
tables, so the format cannot drift between them.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from ..diagnostics import Report
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


@dataclass(frozen=True)
class Key:
    name: str
    type: str                 # TEXT, SLUG, TEXTS, SLUGS, TAGS (text without spaces), or "shape:<name>", "list:<name>", "map:<name>"
    required: bool = False
    doc: str = ""
    choices: tuple = ()


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
        Key("title", TEXT, True, "Deck title, shown in Anki and on printed quizzes."),
        Key("description", TEXT, False, "One or two sentences about the deck."),
    ),
    "source": (
        Key("title", TEXT, True, "Title of the document."),
        Key("file", TEXT, False, "File name of the document's text, looked up under `errata audit --sources DIR`."),
        Key("url", TEXT, False, "Where the document was published."),
        Key("defects", "list:defect", False,
            "Passages that are not errors: no claim (spam, hype, boilerplate) or a claim too defensible to teach as "
            "wrong (contested, overstated); reported by `errata audit`."),
    ),
    "defect": (
        Key("kind", TEXT, True, "What the passage is.", DEFECT_KINDS),
        Key("quote", TEXT, True, "The passage, verbatim from the source."),
        Key("note", TEXT, False, "Why it is a defect."),
    ),
    "reference": (
        Key("title", TEXT, True, "Title of the reference."),
        Key("publisher", TEXT, False, "Publisher, regulator or journal."),
        Key("year", TEXT, False, "Year of publication or revision."),
        Key("url", TEXT, False, "Address of the reference."),
    ),
    "fact": (
        Key("id", SLUG, True, "Stable slug; the identity of the fact's Anki notes and LMS items. Never reuse one."),
        Key("topic", TEXT, True, "Topic; becomes an Anki subdeck and a quiz filter."),
        Key("kind", SLUG, True, "What sort of answer this is; facts of one kind lend each other wrong options."),
        Key("question", TEXT, True, "The question (stem)."),
        Key("answer", TEXT, True, "The correct answer, short."),
        Key("accept", TEXTS, False, "Other correct phrasings; never used as wrong options."),
        Key("explain", TEXT, True, "Why the answer is right, in your own words."),
        Key("refs", SLUGS, True, "Reference ids that support the answer (at least one)."),
        Key("tags", TAGS, False, "Tags (no spaces; '::' for hierarchy)."),
        Key("errors", "list:error", False, "Claims that sources state wrongly; they become the wrong options."),
        Key("distractors", TEXTS, False, "Curated wrong options, used after the sources' errors."),
        Key("confirmed_by", "list:confirmation", False,
            "Passages where a source states this fact correctly; `errata audit` checks them and counts "
            "them as reviewed."),
        Key("formerly", SLUGS, False, "Previous ids of this fact, so renaming keeps students' Anki notes."),
    ),
    "confirmation": (
        Key("source", SLUG, True, "The id of the source that states the fact correctly."),
        Key("quote", TEXT, True, "The source's words, verbatim."),
    ),
    "error": (
        Key("says", TEXT, True, "The wrong claim, phrased as an option."),
        Key("source", SLUG, True, "The id of the source that states it."),
        Key("quote", TEXT, True, "The source's words, verbatim."),
        Key("why", TEXT, True, "Why the claim is wrong."),
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

    Returns cleaned values: a shape whose required keys are wrong comes back as None, so
    later stages only ever see well-formed objects.
    """

    def __init__(self, report: Report):
        self.report = report
        self.fact_id: str | None = None

    def err(self, message, path, hint=None, at_key=False, code=""):
        self.report.error(message, path, fact_id=self.fact_id, hint=hint, at_key=at_key, code=code)

    def shape(self, shape: str, value, path) -> dict | None:
        out, ok = self.fields(shape, value, path)
        return out if ok else None

    def fields(self, shape: str, value, path, defer=()) -> tuple[dict, bool]:
        """Validate a mapping; returns what was valid and whether all required keys were.

        Keys in ``defer`` are only checked for presence; their raw values are returned.
        """
        what = shape if shape != "error" else "error entry"
        if not isinstance(value, dict):
            self.err(f"{what} must be a mapping of keys to values, not {_what(value)}", path, code="type")
            return {}, False
        index = KEY_INDEX[shape]
        ok = True
        for name in value.keys() - index.keys():
            hint = suggest(str(name), index) or f"allowed keys: {', '.join(index)}"
            self.err(f"unknown key '{name}' in {what}", path + (name,), hint=hint, at_key=True,
                     code="unknown-key")
        out = {}
        for key in SHAPES[shape]:
            name = key.name
            if name not in value:
                if key.required:
                    self.err(f"missing required key '{name}' in {what}", path,
                             hint=key.doc, code="missing")
                    ok = False
                continue
            if name in defer:
                out[name] = value[name]
                continue
            v = self.value(key, value[name], path + (name,))
            if v is None:
                if key.required:
                    ok = False
                continue
            out[name] = v
        return out, ok

    def value(self, key: Key, v, path):
        t = key.type
        if v is INVALID:
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
            v = v.strip()
            if t == SLUG and not SLUG_RE.match(v):
                self.err(f"'{key.name}' '{v}' is not a valid id", path,
                         hint="use lowercase letters, digits, '-', '_' or '.' (e.g. 'nmda-site')", code="slug")
                return None
            if key.choices and v not in key.choices:
                self.err(f"'{key.name}' must be one of {', '.join(key.choices)}, not '{v}'", path,
                         hint=suggest(v, key.choices), code="choice")
                return None
            return v
        if t in (TEXTS, SLUGS, TAGS):
            if not isinstance(v, list):
                self.err(f"'{key.name}' must be a list, not {_what(v)}", path,
                         hint=f"write it as a list: {key.name}: [{v if isinstance(v, str) else '…'}]",
                         code="type")
                return None
            out = []
            for i, item in enumerate(v):
                if item is INVALID:
                    continue
                if not isinstance(item, str) or not item.strip():
                    self.err(f"item {i + 1} of '{key.name}' must be non-empty text, not {_what(item)}",
                             path + (i,), code="type")
                    continue
                item = item.strip()
                if t == SLUGS and not SLUG_RE.match(item):
                    self.err(f"'{item}' in '{key.name}' is not a valid id", path + (i,),
                             hint="use lowercase letters, digits, '-', '_' or '.'", code="slug")
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
            return self.shape(sub, v, path)
        if kind == "list":
            if not isinstance(v, list):
                self.err(f"'{key.name}' must be a list, not {_what(v)}", path,
                         hint="start each item with '- '", code="type")
                return None
            return [self.shape(sub, item, path + (i,)) for i, item in enumerate(v)]
        if kind == "map":
            if not isinstance(v, dict):
                self.err(f"'{key.name}' must be a mapping from id to {sub}, not {_what(v)}", path,
                         code="type")
                return None
            out = {}
            for ident, item in v.items():
                if not SLUG_RE.match(str(ident)):
                    self.err(f"{sub} id '{ident}' is not a valid id", path + (ident,), at_key=True,
                             hint="use lowercase letters, digits, '-', '_' or '.'", code="slug")
                    continue
                out[ident] = self.shape(sub, item, path + (ident,))
            return out
        raise AssertionError(t)  # pragma: no cover


# --- JSON Schema for editors -------------------------------------------------------------

def _schema_for(key: Key) -> dict:
    t = key.type
    scalar = {"type": ["string", "number"]}
    if t == TEXT:
        s = dict(scalar)
        if key.choices:
            s = {"enum": list(key.choices)}
    elif t == SLUG:
        s = {"type": "string", "pattern": SLUG_RE.pattern}
    elif t == TEXTS:
        s = {"type": "array", "items": dict(scalar)}
    elif t == SLUGS:
        s = {"type": "array", "items": {"type": "string", "pattern": SLUG_RE.pattern}}
    elif t == TAGS:
        s = {"type": "array", "items": {"type": "string", "pattern": r"^\S+$"}}
    else:
        kind, _, sub = t.partition(":")
        ref = {"$ref": f"#/$defs/{sub}"}
        s = ref if kind == "shape" else (
            {"type": "array", "items": ref} if kind == "list" else
            {"type": "object", "propertyNames": {"pattern": SLUG_RE.pattern}, "additionalProperties": ref})
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
