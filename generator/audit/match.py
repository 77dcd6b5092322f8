"""Audit: every quote of a bank checked against the text of its source.

A quote must appear in its source file verbatim; only white space may differ (a
run of spaces, tabs and line breaks matches any other run). Curly apostrophes,
dashes and case must match exactly: a quote is evidence, and a student may be
shown it. For a quote that is not there, the audit finds the closest passage,
says how alike the two are (difflib ratio) and what differs, so a straight
apostrophe or a dropped word shows at once.

Each source also gets a scorecard: the errors it makes, the facts it contradicts,
the facts it states correctly (`confirmed_by`), its defects, and the share of its
sentences that some error, confirmation or defect quote overlaps ("reviewed"). The sentences no quote touches yet are its `uncovered`
ones: what a curator has still to read.

Sentences. A source is text taken from a web page, one block per line. A line
break ends a sentence unless the next line starts in lower case (a wrapped
line). Inside a block a sentence ends with a word ending in '.', '!' or '?'
(closing quotes and brackets allowed after it) when the next word does not
start in lower case and the word is not an abbreviation ("e.g.", "Dr.", "vs.",
"U.S.", a single initial). Decimals ("2.5 mg") never split: no space follows
their point. A "sentence" without a letter or digit (a lone bullet) is skipped.
"""

from __future__ import annotations

import difflib
import heapq
import re
import unicodedata
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ..diagnostics import Report, visible
from ..bank import finish
from ..bank import Bank, Confirmation, Defect, Fact, Source, SourceError
from ..bank import read_yaml

OK = "ok"
NO_FILE = "no file"             # the source names no file: not audited, not an error
MISSING = "file missing"
UNREADABLE = "unreadable"

_WORD = re.compile(r"\S+")
_HAS_WORD = re.compile(r"\w")
_PIECES = re.compile(r"\w+|\W")
_PUNCT = "".join(chr(c) for c in range(0x2070) if unicodedata.category(chr(c)).startswith("P")) + "*+<=>|~^`$"
_CLOSERS = "\"'”’»)]}"
_OPENERS = "\"'“‘«([{"
# Words that end in a point without ending a sentence. "etc." and "no." are left out:
# they end sentences as often as not, and a capital after them usually starts one.
# Dotted ones ("e.g.", "i.e.", "U.S.", "i.v.") are recognised by their form.
ABBREVIATIONS = frozenset("""
    cf vs viz al approx ca dr mr mrs ms prof st jr sr fig figs vol eq ref refs inc ltd co corp dept univ
""".split())
_DOTTED = re.compile(r"^(?:\w\.)+\w$")

# How far the closest passage may grow or shrink from the quote's length, in words.
_REFINE_STEPS = (-3, -1, 1, 3)
_CANDIDATES = 3
_SHOW_DIFFERENCES = 0.7         # below this the passage is a different text: list no differences
_MAX_DIFFERENCES = 3
_FAR = 0.5                      # below this the closest passage is not worth showing in a hint


def flat(text: str) -> str:
    """White space folded to single spaces, ends trimmed: the form in which quotes are compared."""
    return " ".join(_WORD.findall(text))


# --- one source ------------------------------------------------------------------------

@dataclass
class Sentence:
    start: int      # offsets in the source text
    end: int
    line: int       # 1-based line of its start
    text: str       # white space folded


@dataclass
class Passage:
    """The part of a source most like a quote that is not in it."""

    text: str
    line: int
    similarity: float           # difflib ratio, 0..1
    differences: list[str] = field(default_factory=list)


class SourceText:
    """A source's text, its folded form for matching (with a map back), and its sentences."""

    def __init__(self, text: str):
        self.text = text.replace("\r\n", "\n").replace("\r", "\n")
        words = list(_WORD.finditer(self.text))
        self.flat = " ".join(m.group() for m in words)
        # word i starts at flat offset _flat_starts[i] and at text offset _starts[i]
        self._flat_starts: list[int] = []
        self._starts: list[int] = []
        pos = 0
        for m in words:
            self._flat_starts.append(pos)
            self._starts.append(m.start())
            pos += len(m.group()) + 1
        self._newlines = [m.start() for m in re.finditer("\n", self.text)]
        self.sentences = _sentences(self.text, self.line)
        self._sentence_starts = [s.start for s in self.sentences]
        self._keys: list[str] | None = None

    def line(self, offset: int) -> int:
        return bisect_right(self._newlines, offset - 1) + 1

    def _to_text(self, flat_offset: int) -> int:
        i = bisect_right(self._flat_starts, flat_offset) - 1
        return self._starts[i] + (flat_offset - self._flat_starts[i])

    def find(self, quote: str) -> list[tuple[int, int]]:
        """Every place (text offsets, end exclusive) where the quote stands, white space aside."""
        q = flat(quote)
        if not q:
            return []
        spans = []
        at = self.flat.find(q)
        while at >= 0:
            spans.append((self._to_text(at), self._to_text(at + len(q) - 1) + 1))
            at = self.flat.find(q, at + 1)
        return spans

    def sentences_overlapping(self, start: int, end: int) -> list[int]:
        i = max(bisect_right(self._sentence_starts, start) - 1, 0)
        out = []
        while i < len(self.sentences) and self.sentences[i].start < end:
            if self.sentences[i].end > start:
                out.append(i)
            i += 1
        return out

    # The closest passage: a cheap word-overlap pass picks a few windows of the
    # quote's length (linear in the source), then difflib refines only those.
    def closest(self, quote: str) -> Passage | None:
        q = flat(quote)
        q_keys = [k for k in map(_key, q.split(" ")) if k]
        if not q_keys or not self.flat:
            return None
        if self._keys is None:
            self._keys = [_key(w) for w in self.flat.split(" ")]
        keys = self._keys
        m = min(len(q_keys), len(keys))
        wanted = set(q_keys)
        present: dict[str, int] = defaultdict(int)
        hits = 0
        scores: list[tuple[int, int]] = []     # (distinct quote words in the window, window start)
        for j, w in enumerate(keys):
            if w in wanted:
                present[w] += 1
                hits += present[w] == 1
            if j >= m:
                old = keys[j - m]
                if old in wanted:
                    present[old] -= 1
                    hits -= present[old] == 0
            if j >= m - 1:
                scores.append((hits, j - m + 1))
        starts: list[int] = []
        for score, i in heapq.nsmallest(64, scores, key=lambda s: (-s[0], s[1])):
            if score == 0 or len(starts) == _CANDIDATES:
                break
            if all(abs(i - s) >= m for s in starts):
                starts.append(i)
        if not starts:
            return None
        matcher = difflib.SequenceMatcher(None, autojunk=False)
        matcher.set_seq2(q)

        def ratio(text: str) -> float:
            matcher.set_seq1(text)
            return matcher.ratio()

        def words(i: int, j: int) -> str:      # words i..j-1 of the folded text
            return self.flat[self._flat_starts[i]:self._flat_starts[j] - 1 if j < len(keys) else len(self.flat)]

        best = (-1.0, 0, 0)
        for i in starts:
            span = (i, i + m)
            r = ratio(words(*span))
            improved = True
            while improved:
                improved = False
                for step in _REFINE_STEPS:
                    for cand in ((span[0] + step, span[1]), (span[0], span[1] + step)):
                        if 0 <= cand[0] < cand[1] <= len(keys):
                            rc = ratio(words(*cand))
                            if rc > r:
                                r, span, improved = rc, cand, True
            if r > best[0]:
                best = (r, *span)
        _, i, j = best
        # Whole words, less any punctuation at either end that the quote does not have.
        text = words(i, j)
        start = self._flat_starts[i]
        lead = len(text) - len(text.lstrip(_PUNCT))
        trail = len(text.rstrip(_PUNCT))
        variants = [(text, start), (text[:trail], start), (text[lead:], start + lead),
                    (text[lead:trail], start + lead)]
        r, text, start = max(((ratio(t), t, at) for t, at in variants if t), key=lambda v: v[0])
        return Passage(text, self.line(self._to_text(start)), r,
                       differences(text, q) if r >= _SHOW_DIFFERENCES else [])


def _key(word: str) -> str:
    """A word as the word-overlap pass compares it: lower case, without surrounding punctuation."""
    return word.strip(_PUNCT).lower()


def _sentences(text: str, line_of) -> list[Sentence]:
    out: list[Sentence] = []
    for start, end in _blocks(text):
        words = list(_WORD.finditer(text, start, end))
        first = 0
        for k, w in enumerate(words):
            last = k == len(words) - 1
            if last or _ends_sentence(w.group(), words[k + 1].group()):
                s, e = words[first].start(), w.end()
                body = text[s:e]
                if _HAS_WORD.search(body):
                    out.append(Sentence(s, e, line_of(s), flat(body)))
                first = k + 1
    return out


def _blocks(text: str):
    """(start, end) of each block: lines, with a line that starts in lower case joined to the one before."""
    start = None
    pos = 0
    for line in text.split("\n"):
        stripped = line.lstrip()
        if not stripped:
            if start is not None:
                yield start, pos - 1
                start = None
        elif start is None:
            start = pos
        elif not stripped[0].islower():
            yield start, pos - 1
            start = pos
        pos += len(line) + 1
    if start is not None:
        yield start, len(text)


def _ends_sentence(word: str, following: str) -> bool:
    core = word.rstrip(_CLOSERS)
    if not core or core[-1] not in ".!?…":
        return False
    if following.lstrip(_OPENERS)[:1].islower():
        return False
    if core.endswith(".") and not core.endswith(".."):
        stem = core.lstrip(_OPENERS)[:-1].lower()
        if stem in ABBREVIATIONS or (len(stem) == 1 and stem.isalpha()) or _DOTTED.match(stem):
            return False
    return True


def differences(passage: str, quote: str) -> list[str]:
    """What a near-miss quote changes, in words a curator can act on.

    Compared piece by piece, a piece being a word or a single other character, so a
    changed word shows whole and a changed apostrophe shows alone.
    """
    a, b = _PIECES.findall(passage), _PIECES.findall(quote)
    out: list[str] = []
    for tag, a1, a2, b1, b2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        # the space beside an added or dropped word is no news; a space alone is
        src, q = ("".join(a[a1:a2]).strip() or "".join(a[a1:a2]), "".join(b[b1:b2]).strip() or "".join(b[b1:b2]))
        if src and q:
            text = f"the source has {_show(src)} where the quote has {_show(q)}"
        elif src:
            text = f"the quote leaves out {_show(src)}"
        else:
            text = f"the quote adds {_show(q)}"
        if text not in out:
            out.append(text)
    if len(out) > _MAX_DIFFERENCES:
        rest = len(out) - _MAX_DIFFERENCES
        out = out[:_MAX_DIFFERENCES] + [f"and {rest} more difference{'s' if rest != 1 else ''}"]
    return out


def _show(s: str) -> str:
    """A piece of text, quoted; a lone symbol gets its code point, as ’ and ' look alike."""
    shown = f"'{s}'" if "'" not in s else f'"{s}"'
    if len(s) == 1 and not s.isalnum():
        name = unicodedata.name(s, "").lower()
        shown += f" (U+{ord(s):04X}{' ' + name if name else ''})"
    return shown


# --- the whole bank --------------------------------------------------------------------

@dataclass
class QuoteCheck:
    """One quote (of an error or a defect) looked up in its source."""

    quote: str
    path: tuple
    spans: list[tuple[int, int]] = field(default_factory=list)
    line: int | None = None             # line of the first occurrence
    closest: Passage | None = None      # only for a quote that is not found
    checked: bool = False               # False when the source has no readable file

    @property
    def found(self) -> bool:
        return bool(self.spans)


@dataclass
class ErrorCheck:
    fact: Fact
    error: SourceError
    check: QuoteCheck


@dataclass
class ConfirmCheck:
    fact: Fact
    confirmation: Confirmation
    check: QuoteCheck


@dataclass
class DefectCheck:
    defect: Defect
    check: QuoteCheck


@dataclass
class SourceAudit:
    """The scorecard of one source."""

    source: Source
    status: str                                     # OK, NO_FILE, MISSING or UNREADABLE
    path: Path | None = None
    errors: list[ErrorCheck] = field(default_factory=list)
    confirms: list[ConfirmCheck] = field(default_factory=list)
    defects: list[DefectCheck] = field(default_factory=list)
    sentences: list[Sentence] = field(default_factory=list)
    reviewed: list[bool] = field(default_factory=list)   # per sentence

    @property
    def audited(self) -> bool:
        return self.status == OK

    @property
    def facts(self) -> list[str]:
        """Ids of the facts this source contradicts, in bank order."""
        return list(dict.fromkeys(e.fact.id for e in self.errors))

    @property
    def confirmed(self) -> list[str]:
        """Ids of the facts this source states correctly, in bank order."""
        return list(dict.fromkeys(c.fact.id for c in self.confirms))

    @property
    def defect_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for d in self.defects:
            counts[d.defect.kind] = counts.get(d.defect.kind, 0) + 1
        return counts

    @property
    def reviewed_count(self) -> int:
        return sum(self.reviewed)

    @property
    def share(self) -> float | None:
        return self.reviewed_count / len(self.sentences) if self.sentences else None

    @property
    def uncovered(self) -> list[Sentence]:
        return [s for s, r in zip(self.sentences, self.reviewed) if not r]

    @property
    def quotes(self) -> list[QuoteCheck]:
        return [e.check for e in [*self.errors, *self.confirms, *self.defects]]

    @property
    def not_found(self) -> list[QuoteCheck]:
        return [q for q in self.quotes if q.checked and not q.found]


@dataclass
class Audit:
    bank: Bank
    sources_dir: Path
    sources: list[SourceAudit]
    report: Report

    @property
    def ok(self) -> bool:
        return self.report.ok

    @property
    def quotes_checked(self) -> int:
        return sum(1 for s in self.sources for q in s.quotes if q.checked)

    @property
    def quotes_not_found(self) -> int:
        return sum(len(s.not_found) for s in self.sources)

    @property
    def files_missing(self) -> int:
        return sum(1 for s in self.sources if s.status in (MISSING, UNREADABLE))


def audit_bank(bank: Bank, sources_dir: str | Path, progress: Callable[[int], None] | None = None) -> Audit:
    """Check every error and defect quote of a (checked) bank against the files in ``sources_dir``.

    Problems go to ``Audit.report`` as located diagnostics: a quote not found, a
    source file that is absent or not UTF-8 text. ``progress`` is called with 1 per source.
    """
    folder = Path(sources_dir)
    report = Report()
    cards = {sid: SourceAudit(s, OK if s.file else NO_FILE) for sid, s in bank.sources.items()}
    for f in bank.facts:
        for e in f.errors:
            if e.source in cards:
                cards[e.source].errors.append(ErrorCheck(f, e, QuoteCheck(e.quote, e.path + ("quote",))))
        for c in f.confirmed_by:
            if c.source in cards:
                cards[c.source].confirms.append(ConfirmCheck(f, c, QuoteCheck(c.quote, c.path + ("quote",))))
    for card in cards.values():
        card.defects = [DefectCheck(d, QuoteCheck(d.quote, d.path + ("quote",))) for d in card.source.defects]
        if card.status == OK:
            _audit_source(card, folder, report)
        if progress:
            progress(1)
    if report.diagnostics:
        _locate(report, bank.file)
    return Audit(bank, folder, list(cards.values()), report)


def _audit_source(card: SourceAudit, folder: Path, report: Report) -> None:
    s = card.source
    card.path = folder / s.file
    text = _read(card, folder, report)
    if text is None:
        return
    src = SourceText(text)
    card.sentences = src.sentences
    card.reviewed = [False] * len(src.sentences)
    for item in [*card.errors, *card.confirms, *card.defects]:
        q = item.check
        q.checked = True
        q.spans = src.find(q.quote)
        if q.spans:
            q.line = src.line(q.spans[0][0])
            for a, b in q.spans:
                for i in src.sentences_overlapping(a, b):
                    card.reviewed[i] = True
            continue
        q.closest = src.closest(q.quote)
        where = f"{s.id} ({s.file})"
        if isinstance(item, (ErrorCheck, ConfirmCheck)):
            report.error(f"quote not found in {where}", q.path, fact_id=item.fact.id,
                         hint=_closest_hint(q.closest), code="quote-not-found")
        else:
            report.error(f"source '{s.id}': {item.defect.kind} quote not found in {s.file}", q.path,
                         hint=_closest_hint(q.closest), code="quote-not-found")


def _read(card: SourceAudit, folder: Path, report: Report) -> str | None:
    s, path = card.source, card.path
    where = ("sources", s.id, "file")
    if not path.resolve().is_relative_to(folder.resolve()):
        # A bank names files inside --sources; '/etc/passwd' or '../x' would print another file's lines.
        card.status = MISSING
        report.error(f"source '{s.id}': file '{s.file}' is outside the sources folder {folder}", where,
                     hint="give the file's name relative to the folder passed with --sources",
                     code="source-file-missing")
        return None
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        card.status = MISSING
        report.error(f"source '{s.id}': file '{s.file}' not found in {folder}", where,
                     hint="check the file name, and the folder given with --sources", code="source-file-missing")
        return None
    except OSError as e:
        card.status = MISSING if isinstance(e, IsADirectoryError) else UNREADABLE
        report.error(f"source '{s.id}': cannot read '{path}': {e.strerror or e}", where, code="source-file-missing")
        return None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        card.status = UNREADABLE
        line = raw[: e.start].count(b"\n") + 1
        report.error(f"source '{s.id}': '{s.file}' is not UTF-8 text (byte 0x{raw[e.start]:02x} on line {line})",
                     where, hint="save the source's text as UTF-8", code="source-encoding")
        return None


def _closest_hint(p: Passage | None) -> str:
    if p is None:
        return "no passage of the source shares a word with it; copy the quote from the source file"
    if p.similarity < _FAR:
        return (f"no passage of the source comes close (the best, on line {p.line}, is {percent(p.similarity)} "
                f"alike); copy the quote from the source file")
    hint = f"closest passage (line {p.line}, {percent(p.similarity)} alike): \u201c{p.text}\u201d"
    if p.differences:
        hint += "; " + "; ".join(p.differences)
    return visible(hint + " (only white space and line breaks may differ)")


def percent(share: float) -> str:
    """A share as a whole percentage; never rounds up to 100% or down to 0% when it is not."""
    p = round(share * 100)
    if p == 100 and share < 1:
        p = 99
    if p == 0 and share > 0:
        p = 1
    return f"{p}%"


def _locate(report: Report, bank_file: str) -> None:
    """Lines and columns for the audit's diagnostics: the bank is read again only when there are some."""
    doc = None
    if bank_file:
        try:
            doc = read_yaml(bank_file, Report())
        except OSError:
            doc = None
    for d in report.diagnostics:
        d.file = d.file or bank_file or None
    finish(report, doc)
