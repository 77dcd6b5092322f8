"""Writer: an `Audit` as a terminal table and as a Markdown report.

Both read the audit only. Text from the bank and from the sources is escaped in
Markdown (a `<script>` or a `|` in a quote shows as itself) and stripped of
control characters in the terminal.
"""

from __future__ import annotations

import re
import textwrap

from .match import NO_FILE, Audit, Passage, QuoteCheck, SourceAudit, percent, visible

_HEADERS = ("source", "file", "sentences", "reviewed", "errors", "facts", "confirms", "defects", "not found")
_MD_HEADERS = ("Source", "File", "Sentences", "Reviewed", "Errors", "Facts contradicted", "Facts confirmed",
               "Defects", "Quotes not found")
_NUMERIC = {2, 4, 5, 6, 8}
# Every character that can start Markdown or HTML inside a line; CommonMark lets any
# ASCII punctuation be escaped with a backslash.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~$&#!])")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


def reviewed_cell(s: SourceAudit) -> str:
    if not s.audited:
        return s.status
    if not s.sentences:
        return "no sentences"
    return f"{s.reviewed_count}/{len(s.sentences)} ({percent(s.share)})"


def defects_cell(s: SourceAudit) -> str:
    counts = s.defect_counts
    return ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items())) if counts else "0"


def _row(s: SourceAudit) -> list[str]:
    return [s.source.id, s.source.file or "-", str(len(s.sentences)) if s.audited else "-", reviewed_cell(s),
            str(len(s.errors)), str(len(s.facts)), str(len(s.confirmed)), defects_cell(s),
            str(len(s.not_found)) if s.audited else "-"]


def audit_table(audit: Audit) -> str:
    """The scorecard, one row per source, columns aligned (numbers to the right)."""
    rows = [list(_HEADERS)] + [[visible(c) for c in _row(s)] for s in audit.sources]
    widths = [max(len(r[i]) for r in rows) for i in range(len(_HEADERS))]
    lines = []
    for r in rows:
        cells = [c.rjust(w) if i in _NUMERIC and r is not rows[0] else c.ljust(w)
                 for i, (c, w) in enumerate(zip(r, widths))]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines) + "\n"


def uncovered_text(audit: Audit) -> str:
    """Per audited source, the sentences no error, confirmation or defect quotes yet, with their line numbers."""
    out = []
    for s in audit.sources:
        if not s.audited:
            continue
        un = s.uncovered
        out.append(f"\n{s.source.id} ({visible(s.source.file)}): {len(un)} of "
                   f"{_plural(len(s.sentences), 'sentence')} not reviewed")
        out += [f"  {u.line}: {visible(u.text)}" for u in un]
    return "\n".join(out).lstrip("\n") + "\n" if out else ""


def _location(q: QuoteCheck) -> str:
    if not q.checked:
        return "not checked"
    if not q.found:
        return "NOT FOUND"
    return f"line {q.line}" + (f" (and {len(q.spans) - 1} more)" if len(q.spans) > 1 else "")


def fidelity_text(audit: Audit, width: int = 100) -> str:
    """Every source error as a curator reviews it: the question and key, what the option says, the
    source's words and why they are wrong, one block per error, grouped by source."""
    out = []
    for s in audit.sources:
        if not s.errors:
            continue
        out.append(f"\n{visible(s.source.id)}: {visible(s.source.title)}")
        for e in s.errors:
            f, err = e.fact, e.error
            out.append(f"\n  {visible(f.id)}")
            for label, text in (("asks", f.question), ("key", f.answer), ("says", err.says),
                                (f"quote", f"\u201c{err.quote}\u201d ({_location(e.check)})"), ("why", err.why)):
                lines = textwrap.wrap(" ".join(visible(text).split()), width - 11) or [""]
                out.append(f"    {label + ':':<7}{lines[0]}")
                out += [f"{'':11}{line}" for line in lines[1:]]
    return ("Source errors: what each option says beside the source's words\n" + "\n".join(out).lstrip("\n")
            + "\n") if out else ""


def audit_result(audit: Audit) -> str:
    """How many quotes were checked, and what is wrong."""
    checked = audit.quotes_checked
    files = sum(1 for s in audit.sources if s.audited)
    problems = []
    if audit.quotes_not_found:
        problems.append(f"{audit.quotes_not_found} not found")
    if audit.files_missing:
        problems.append(f"{_plural(audit.files_missing, 'source file')} missing or unreadable")
    text = (f"{_plural(checked, 'quote')} in {_plural(files, 'source file')}: "
            + (", ".join(problems) if problems else ("all found" if checked else "nothing to check")))
    unaudited = sum(1 for s in audit.sources if s.status == NO_FILE)
    if unaudited:
        text += f" ({_plural(unaudited, 'source')} not audited: no file)"
    return text


def audit_summary(audit: Audit) -> str:
    return f"{visible(audit.bank.file or audit.bank.deck.id)}: {audit_result(audit)}"


# --- Markdown ---------------------------------------------------------------------------

def md(text: str) -> str:
    """Bank or source text as literal Markdown: one line, every special character escaped."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(visible(str(text)).split()))


def _quoted(text: str) -> str:
    return f"\u201c{md(text)}\u201d"


def _passage(p: Passage | None) -> str:
    if p is None:
        return "No passage of the source shares a word with it."
    text = f"Closest passage (line {p.line}, {percent(p.similarity)} alike): {_quoted(p.text)}"
    if p.differences:
        text += "; " + md("; ".join(p.differences))
    return text + "."


def _where(q: QuoteCheck) -> str:
    if not q.checked:
        return f"not checked: {_quoted(q.quote)}"
    if q.found:
        more = f" (and {len(q.spans) - 1} more)" if len(q.spans) > 1 else ""
        return f"line {q.line}{more}: {_quoted(q.quote)}"
    return f"**not found**: {_quoted(q.quote)}. {_passage(q.closest)}"


def _source_section(s: SourceAudit, uncovered: bool) -> list[str]:
    src = s.source
    out = [f"## {md(src.id)}: {md(src.title)}", ""]
    facts = [f"File: {md(src.file)}" if src.file else "File: none"]
    if src.url:
        facts.append(f"URL: {md(src.url)}")
    if s.audited:
        share = f" ({percent(s.share)})" if s.sentences else ""
        facts.append(f"{_plural(len(s.sentences), 'sentence')}, {s.reviewed_count} reviewed{share}")
    else:
        facts.append(f"Not audited ({s.status})")
    out += [". ".join(facts) + ".", ""]
    if s.errors:
        out += [f"### Errors ({len(s.errors)})", "",
                "| Fact | Question and key | Says (the option) | Quote (the source's words) | Why it is wrong |",
                "|---|---|---|---|---|"]
        out += [f"| **{md(e.fact.id)}** | {md(e.fact.question)} Key: {md(e.fact.answer)} | {_quoted(e.error.says)} "
                f"| {_where(e.check)} | {md(e.error.why)} |" for e in s.errors]
        out += ["", f"Facts contradicted ({len(s.facts)}): {', '.join(md(f) for f in s.facts)}.", ""]
    if s.confirms:
        out += [f"### Confirms ({len(s.confirms)})", ""]
        out += [f"- **{md(c.fact.id)}**: {_where(c.check)}" for c in s.confirms]
        out.append("")
    if s.defects:
        out += [f"### Defects ({len(s.defects)})", ""]
        out += [f"- {md(d.defect.kind)}, {_where(d.check)}" + (f" — {md(d.defect.note)}" if d.defect.note else "")
                for d in s.defects]
        out.append("")
    if uncovered and s.audited:
        un = s.uncovered
        out += [f"### Not reviewed ({len(un)} of {_plural(len(s.sentences), 'sentence')})", ""]
        out += [f"- line {u.line}: {md(u.text)}" for u in un] or ["Every sentence is reviewed."]
        out.append("")
    return out


def audit_markdown(audit: Audit, uncovered: bool = False) -> str:
    """The audit as a Markdown document: result, scorecard, then each source in detail."""
    bank = audit.bank
    out = [f"# Audit: {md(bank.deck.title)}", "",
           f"Bank {md(bank.file or bank.deck.id)}, sources in {md(audit.sources_dir)}.", "",
           f"**{md(audit_result(audit))}.**", "",
           "A sentence is *reviewed* when an error, confirmation or defect quote of the bank overlaps it.", "",
           "## Scorecard", "",
           "| " + " | ".join(_MD_HEADERS) + " |",
           "|" + "|".join("--:" if i in _NUMERIC else "---" for i in range(len(_HEADERS))) + "|"]
    out += ["| " + " | ".join(md(c) for c in _row(s)) + " |" for s in audit.sources]
    out.append("")
    for s in audit.sources:
        out += _source_section(s, uncovered)
    return "\n".join(out).rstrip("\n") + "\n"
