"""Reader: a YAML bank file → `Bank`, with every structural problem reported.

`load_bank` never raises for a bad bank: it returns whatever could be built and a
`Report`. The checker (`generator.check`) adds the semantic checks and offers
`read_bank`, the strict form for scripts.
"""

from __future__ import annotations

import unicodedata

from ..diagnostics import ERROR, Diagnostic, Report
from .model import Bank, Confirmation, Deck, Defect, Fact, Reference, Source, SourceError, compute_norms
from .schema import _C_FIELDS, SHAPES, Validator, fast_fields
from .yamlsource import Document, gc_paused, read_yaml


def _structure(doc: Document, report: Report) -> Bank | None:
    """The bank as far as it can be read: every part that is a mapping is kept, with its valid
    values; a fact with a missing or invalid value is kept too (``complete=False``), so that its
    other problems are still reported."""
    data = doc.data
    v = Validator(report)
    if not isinstance(data, dict):
        report.error("a bank must be a mapping with the keys deck, sources, references and facts, "
                     f"not {'a list' if isinstance(data, list) else 'a single value'}", (),
                     hint="start from the example in the README", code="type")
        return None
    # Facts are validated one by one below, so that one bad fact does not hide the others.
    top = v.fields("bank", data, (), defer=("facts",))
    incomplete = {part for part in ("deck", "sources", "references") if part in data and part not in top}
    deck_d = top.get("deck") or {}
    if not deck_d.keys() >= {"id", "title"}:
        incomplete.add("deck")
    sources = {}
    for sid, s in (top.get("sources") or {}).items():
        s = s or {}  # an id with a bad entry is still a known id: facts naming it are not wrong
        defects = [Defect(d.get("kind", ""), d.get("quote", ""), d.get("note", ""), ("sources", sid, "defects", i))
                   for i, d in enumerate(s.get("defects") or []) if d is not None]
        sources[sid] = Source(sid, s.get("title", ""), s.get("file", ""), s.get("url", ""), defects)
    references = {rid: Reference(rid, (r or {}).get("title", ""), (r or {}).get("publisher", ""),
                                 (r or {}).get("year", ""), (r or {}).get("url", ""))
                  for rid, r in (top.get("references") or {}).items()}
    if "references" not in top:
        incomplete.add("references")
    raw_facts = data.get("facts")
    facts: list[Fact] = []
    if raw_facts is None and "facts" in data:
        report.error("'facts' is empty", ("facts",), hint="add at least one fact", code="empty")
    elif raw_facts is not None and not isinstance(raw_facts, list):
        report.error("'facts' must be a list of facts", ("facts",), hint="start each fact with '- id: …'",
                     code="type")
        incomplete.add("facts")
    elif isinstance(raw_facts, list):
        if not raw_facts:
            report.error("'facts' is empty", ("facts",), hint="add at least one fact", code="empty")
        if _C_FACTS is not None:   # the plainly valid facts built at once; the rest one by one, in order
            built, todo = _C_FACTS(raw_facts, ("facts",))
        else:
            built, todo = [None] * len(raw_facts), range(len(raw_facts))
        for i in todo:
            built[i] = fact = _fact(v, raw_facts[i], ("facts", i), i)
            if fact is None:
                incomplete.add("facts")  # not even a mapping: nothing to check, its kind unknown
        facts = [f for f in built if f is not None] if todo else built
        v.fact_id = None
    return Bank(Deck(deck_d.get("id", ""), deck_d.get("title", ""), deck_d.get("description", "")),
                sources, references, facts, doc.file, frozenset(incomplete))


def _fact(v: Validator, raw, path: tuple, index: int) -> Fact | None:
    """One fact with every valid value (missing or invalid ones empty), or None if it is no mapping."""
    f = fast_fields("fact", raw)   # a plainly valid fact, at once
    if f is not None:
        v.fact_id = f["id"]
        complete = True
    else:   # something to report: the general code says what, exactly as always
        raw_id = raw.get("id") if isinstance(raw, dict) else None
        v.fact_id = raw_id.strip() if isinstance(raw_id, str) else None
        dropped = v.dropped
        f = v.fields("fact", raw, path)
        if f is None:
            return None
        complete = v.dropped == dropped
    get = f.get
    errors = get("errors")
    if errors:
        errors = [SourceError(e.get("says", ""), e.get("source", ""), e.get("quote", ""), e.get("why", ""),
                              (*path, "errors", j))
                  for j, e in enumerate(errors) if e is not None]
    else:
        errors = []
    confirmed = get("confirmed_by")
    if confirmed:
        confirmed = [Confirmation(c.get("source", ""), c.get("quote", ""), (*path, "confirmed_by", j))
                     for j, c in enumerate(confirmed) if c is not None]
    else:
        confirmed = []
    # One spelling per topic and tag: NFC and NFD forms of 'Ä' would be two Anki decks. ASCII is NFC already.
    topic = get("topic", "")
    if not topic.isascii():
        topic = unicodedata.normalize("NFC", topic)
    tags = get("tags", [])
    if not all(map(str.isascii, tags)):
        tags = [unicodedata.normalize("NFC", t) for t in tags]
    return Fact(get("id", v.fact_id or ""),   # an invalid id still names the fact, for duplicate ids and messages
                topic, get("kind", ""), get("question", ""), get("answer", ""), get("explain", ""),
                get("refs", []), get("accept", []), tags, errors, get("distractors", []), get("formerly", []),
                confirmed, index, path, complete)


def _c_facts():
    """`_fastyaml.objects`: the C lane of `fast_fields` building the `Fact` (with its `SourceError`s
    and `Confirmation`s) of each plainly valid fact at once, as `_fact` builds it; or None without
    the extension."""
    from .fastyaml import _fastyaml
    if _C_FIELDS.get("fact") is None or not hasattr(_fastyaml, "objects"):
        return None
    # The lane's shapes in its order (see schema._c_lane), and every slot not filled from a key.
    shapes = ["fact"] + [k.type[5:] for k in SHAPES["fact"] if k.type.startswith("list:")]
    classes = {"fact": Fact, "error": SourceError, "confirmation": Confirmation}
    path, index, true, none = range(4)
    extras = {"fact": (("index", index), ("path", path), ("complete", true), ("_norms", none)),
              "error": (("path", path),), "confirmation": (("path", path),)}
    for shape in shapes:
        cls = classes[shape]
        if set(cls.__slots__) != {k.name for k in SHAPES[shape]} | {name for name, _ in extras[shape]} \
                or hasattr(cls, "__post_init__"):
            return None   # a class that no longer fits its shape: the Python code builds it
    # A topic or tag beyond ASCII is normalised (NFC) by _fact: such facts are left to it.
    _fastyaml.classes(tuple((classes[s], extras[s], ("topic", "tags") if s == "fact" else ()) for s in shapes))
    return _fastyaml.objects


_C_FACTS = _c_facts()


def load_bank(file: str, report: Report | None = None) -> tuple[Bank | None, Report, Document | None]:
    """Read and structurally validate a bank. Diagnostics are not yet located (see `finish`)."""
    report = report if report is not None else Report()
    doc = read_yaml(file, report)
    if doc.data is None:
        if report.ok:
            report.add(Diagnostic(ERROR, "the file holds no bank, only an empty document ('---', 'null' or '~')",
                                  line=1, column=1, file=file, hint="start from the example in the README",
                                  code="empty"))
    if doc.data is None:
        return None, report, doc
    with gc_paused():
        bank = _structure(doc, report)
        if bank is not None:
            # Every command compares normalised texts (the checks, the lint, the generator): all at once
            # here, far cheaper than fact by fact, and before the cross-fact lint forks to share them.
            compute_norms(bank.facts)
    return bank, report, doc


def finish(report: Report, doc: Document | None) -> Report:
    """Give every diagnostic its file, line and column, then free the YAML nodes."""
    if doc is not None:
        for d in report.diagnostics:
            doc.resolve(d)
        doc.drop_nodes()
    return report
