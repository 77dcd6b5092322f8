"""Reader: a YAML bank file → `Bank`, with every structural problem reported.

`load_bank` never raises for a bad bank: it returns whatever could be built and a
`Report`. The checker (`generator.check`) adds the semantic checks and offers
`read_bank`, the strict form for scripts.
"""

from __future__ import annotations

from ..diagnostics import Report
from .model import Bank, Confirmation, Deck, Defect, Fact, Reference, Source, SourceError
from .schema import Validator
from .yamlsource import Document, gc_paused, read_yaml


def _structure(doc: Document, report: Report) -> Bank | None:
    data = doc.data
    v = Validator(report)
    if not isinstance(data, dict):
        report.error("a bank must be a mapping with the keys deck, sources, references and facts, "
                     f"not {'a list' if isinstance(data, list) else 'a single value'}", (),
                     hint="start from the example in the README", code="type")
        return None
    # Facts are validated one by one below, so that one bad fact does not hide the others.
    top, _ = v.fields("bank", data, (), defer=("facts",))
    deck_d = top.get("deck")
    sources = {}
    for sid, s in (top.get("sources") or {}).items():
        if s is None:
            continue
        defects = [Defect(d["kind"], d["quote"], d.get("note", ""), ("sources", sid, "defects", i))
                   for i, d in enumerate(s.get("defects") or []) if d]
        sources[sid] = Source(sid, s["title"], s.get("file", ""), s.get("url", ""), defects)
    references = {rid: Reference(rid, r["title"], r.get("publisher", ""), r.get("year", ""), r.get("url", ""))
                  for rid, r in (top.get("references") or {}).items() if r is not None}
    raw_facts = data.get("facts")
    facts: list[Fact] = []
    if raw_facts is None and "facts" in data:
        report.error("'facts' is empty", ("facts",), hint="add at least one fact", code="empty")
    elif raw_facts is not None and not isinstance(raw_facts, list):
        report.error("'facts' must be a list of facts", ("facts",), hint="start each fact with '- id: …'",
                     code="type")
    elif isinstance(raw_facts, list):
        if not raw_facts:
            report.error("'facts' is empty", ("facts",), hint="add at least one fact", code="empty")
        for i, raw in enumerate(raw_facts):
            path = ("facts", i)
            v.fact_id = raw.get("id") if isinstance(raw, dict) and isinstance(raw.get("id"), str) else None
            f = v.shape("fact", raw, path)
            if f is None:
                continue
            errors = [SourceError(e["says"], e["source"], e["quote"], e["why"], path + ("errors", j))
                      for j, e in enumerate(f.get("errors") or []) if e]
            facts.append(Fact(
                id=f["id"], topic=f["topic"], kind=f["kind"], question=f["question"], answer=f["answer"],
                explain=f["explain"], refs=f["refs"], accept=f.get("accept", []), tags=f.get("tags", []),
                errors=errors, distractors=f.get("distractors", []), formerly=f.get("formerly", []),
                confirmed_by=[Confirmation(c["source"], c["quote"], path + ("confirmed_by", j))
                              for j, c in enumerate(f.get("confirmed_by") or []) if c],
                index=i, path=path))
        v.fact_id = None
    if deck_d is None:
        return None
    return Bank(Deck(deck_d["id"], deck_d["title"], deck_d.get("description", "")),
                sources, references, facts, doc.file)


def load_bank(file: str, report: Report | None = None) -> tuple[Bank | None, Report, Document | None]:
    """Read and structurally validate a bank. Diagnostics are not yet located (see `finish`)."""
    report = report if report is not None else Report()
    doc = read_yaml(file, report)
    if doc.data is None:
        return None, report, doc
    with gc_paused():
        bank = _structure(doc, report)
    return bank, report, doc


def finish(report: Report, doc: Document | None) -> Report:
    """Give every diagnostic its file, line and column, then free the YAML nodes."""
    if doc is not None:
        for d in report.diagnostics:
            doc.resolve(d)
        doc.drop_nodes()
    return report
