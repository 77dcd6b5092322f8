"""Checker: everything wrong with a bank, at once, with locations.

Structural problems come from the reader (`load.py`); here are the problems of
meaning (duplicate ids, unknown sources and references, wrong options that are
right) and the item-writing cues that make a question answerable without
knowing the answer.
"""

from __future__ import annotations

import re

from ..diagnostics import BankError, Report
from ..quiz import DEFAULT_OPTIONS, Generator, own_options
from ..bank import finish, load_bank
from ..bank import Bank, Fact
from ..quiz import Question
from ..bank import suggest
from ..bank import gc_paused
from .lint_bank import lint_bank

_ABOVE = re.compile(r"\b(all|none|both|neither) of (the )?(above|these|the options)\b", re.I)
_ABSOLUTE = re.compile(r"\b(always|never|all|none|every|completely|absolutely|entirely|guaranteed)\b", re.I)
_VOWEL_START = re.compile(r"^[aeiou]", re.I)
# Letters whose English name starts with a vowel sound (an 'F', an 'MRI', an 'NMDA'…) make the a/an cue unreliable.
_LETTER_ACRONYM = re.compile(r"^[A-Z]{2,}\b")


def check_semantics(bank: Bank, report: Report) -> None:
    ids: dict[str, Fact] = {}
    former: dict[str, Fact] = {}
    for f in bank.facts:
        if f.id in ids:
            report.error(f"duplicate fact id '{f.id}' (first used by the fact at facts[{ids[f.id].index}])",
                         f.path + ("id",), fact_id=f.id,
                         hint="fact ids must be unique; give this fact a new id", code="duplicate-id")
        else:
            ids[f.id] = f
    for f in bank.facts:
        for j, old in enumerate(f.formerly):
            if old in ids and ids[old] is not f:
                report.error(f"'formerly' names '{old}', which is the id of another fact",
                             f.path + ("formerly", j), fact_id=f.id,
                             hint="an id may belong to one fact only, now or formerly", code="duplicate-id")
            elif old in former and former[old] is not f:
                report.error(f"'{old}' is listed in 'formerly' of two facts ('{former[old].id}' and this one)",
                             f.path + ("formerly", j), fact_id=f.id, code="duplicate-id")
            else:
                former[old] = f

    topics: dict[str, str] = {}
    for f in bank.facts:
        first = topics.setdefault(f.topic.casefold(), f.topic)
        if first != f.topic:
            report.warning(f"topic '{f.topic}' differs from '{first}' only in case: Anki would make two "
                           f"subdecks of them, while filters and LMS categories treat them as one",
                           f.path + ("topic",), fact_id=f.id, hint=f"write '{first}'", code="topic-case")
        for j, r in enumerate(f.refs):
            if r not in bank.references:
                report.error(f"unknown reference '{r}'", f.path + ("refs", j), fact_id=f.id,
                             hint=suggest(r, bank.references) or "add it under 'references'", code="unknown-ref")
        for e in [*f.errors, *f.confirmed_by]:
            if e.source not in bank.sources:
                report.error(f"unknown source '{e.source}'", e.path + ("source",), fact_id=f.id,
                             hint=suggest(e.source, bank.sources) or "add it under 'sources'",
                             code="unknown-source")
        _check_options(f, report)


def _check_options(f: Fact, report: Report) -> None:
    norms = f.norms
    key = norms.answer
    accepted = dict(zip(norms.accept, f.accept))
    for j, (a, n) in enumerate(zip(f.accept, norms.accept)):
        if n == key:
            report.warning(f"accepted phrasing '{a}' is the answer itself (after normalisation)",
                           f.path + ("accept", j), fact_id=f.id, code="redundant-accept")

    def right(n: str) -> str | None:
        if n == key:
            return "is the answer"
        if n in accepted:
            return f"is the accepted phrasing '{accepted[n]}'"
        return None

    seen: dict[str, str] = {}   # norm → who said it first ("source s1" or "curated")
    stated_by: dict[str, set[str]] = {}   # norm → every source that states it
    for e, n in zip(f.errors, norms.says):
        why = right(n)
        if why:
            report.error(f"error '{e.says}' from source '{e.source}' {why} (after normalisation)",
                         e.path + ("says",), fact_id=f.id,
                         hint="a source's wrong claim must contradict the answer; fix 'says' or the answer",
                         code="option-is-answer")
            continue
        if e.source in stated_by.setdefault(n, set()):
            report.error(f"source '{e.source}' states the error '{e.says}' twice", e.path + ("says",),
                         fact_id=f.id, hint="keep one entry per source and claim", code="duplicate-option")
        stated_by[n].add(e.source)
        seen.setdefault(n, f"source {e.source}")
    for j, (d, n) in enumerate(zip(f.distractors, norms.distractors)):
        why = right(n)
        if why:
            report.error(f"distractor '{d}' {why} (after normalisation)", f.path + ("distractors", j),
                         fact_id=f.id, hint="a distractor must be wrong; remove it or fix the answer",
                         code="option-is-answer")
            continue
        if n in seen:
            first = seen[n]
            report.error(f"distractor '{d}' duplicates an option already given "
                         f"({'by ' + first if first.startswith('source') else 'among the distractors'})",
                         f.path + ("distractors", j), fact_id=f.id,
                         hint="remove the repeated option", code="duplicate-option")
        seen.setdefault(n, "curated")


def lint_question(q: Question, report: Report) -> None:
    """Item-writing cues (Haladyna et al. 2002) that give the key away: warnings."""
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
            if not text or _LETTER_ACRONYM.match(text):
                continue
            vowel = bool(_VOWEL_START.match(text))
            if (article == "an") != vowel:
                report.warning(f"the stem ends with '{article}' but option '{o.text}' does not fit it: "
                               f"a grammatical cue", f.path + ("question",), fact_id=f.id,
                               hint="end the stem before the article, e.g. '… is:'", code="article")
                break


def check_bank(file: str, options: int = DEFAULT_OPTIONS, strict: bool = False,
               lint: bool = True) -> tuple[Bank | None, Report]:
    """Load, check and lint a bank. Every diagnostic comes back located."""
    bank, report, doc = load_bank(file)
    if bank is not None:
        with gc_paused():
            check_semantics(bank, report)
            gen = Generator(bank, 0, options)
            for f in bank.facts:
                q = gen.question(f)
                n = len(q.options)
                if n < options:
                    own = len(own_options(f))
                    msg = (f"only {n} option{'s' if n != 1 else ''} can be built, {options} requested "
                           f"({own} from its own errors and distractors, {n - 1 - min(own, n - 1)} borrowed "
                           f"from facts of kind '{f.kind}')")
                    hint = "add curated 'distractors', or more facts of the same kind"
                    if strict or n < 2:
                        report.error(msg, f.path, fact_id=f.id, hint=hint, code="too-few-options")
                    else:
                        report.warning(msg, f.path, fact_id=f.id, hint=hint, code="too-few-options")
                if lint:
                    lint_question(q, report)
            if lint:
                lint_bank(bank, report)
    finish(report, doc)
    return bank, report


def read_bank(file: str) -> Bank:
    """Load and fully check a bank; raise BankError if it has errors (warnings pass). For scripts and tests."""
    bank, report = check_bank(file)
    if not report.ok or bank is None:
        raise BankError(report)
    return bank
