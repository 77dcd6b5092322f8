"""Checker: everything wrong with a bank, at once, with locations.

Structural problems come from the reader (`load.py`); here are the problems of
meaning (duplicate ids, unknown sources and references, wrong options that are
right) and the item-writing cues that make a question answerable without
knowing the answer.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace
from itertools import chain, filterfalse
from operator import attrgetter

from ..bank import Bank, Fact, finish, gc_paused, load_bank, suggest
from ..diagnostics import BankError, Diagnostic, Report
from ..forked import Forked, Inline
from ..quiz import DEFAULT_OPTIONS, Generator, Question, check_options, own_options
from ..text.normalize import CONFUSABLES, has_lookalike, mixed_script_word
from .lint_bank import lint_each_fact, lint_giveaways

_ABOVE = re.compile(r"\b(all|none|both|neither) of (the )?(above|these|the options)\b", re.I)
_ABSOLUTE_WORDS = ("always", "never", "all", "none", "every", "completely", "absolutely", "entirely", "guaranteed")
_ABSOLUTE = re.compile(r"\b(" + "|".join(_ABSOLUTE_WORDS) + r")\b", re.I)
_VOWEL_START = re.compile(r"^[aeiou]", re.I)
# Letters whose English name starts with a vowel sound (an 'F', an 'MRI', an 'NMDA'…) make the a/an cue unreliable.
_LETTER_ACRONYM = re.compile(r"^[A-Z]{2,}\b")


def check_semantics(bank: Bank, report: Report) -> None:
    ids: dict[str, Fact] = {}
    former: dict[str, Fact] = {}
    for f in bank.facts:
        if not f.id:
            continue
        if f.id in ids:
            report.error(f"duplicate fact id '{f.id}' (first used by the fact at facts[{ids[f.id].index}])",
                         f.path + ("id",), fact_id=f.id,
                         hint="fact ids must be unique; give this fact a new id", code="duplicate-id")
        else:
            ids[f.id] = f
    for f in bank.facts:
        if not f.formerly:
            continue
        for j, old in enumerate(f.formerly):
            if old == f.id:
                report.error(f"'formerly' names this fact's own id '{old}'", f.path + ("formerly", j),
                             fact_id=f.id, hint="list only ids the fact had before", code="duplicate-id")
            elif old in ids and ids[old] is not f:
                report.error(f"'formerly' names '{old}', which is the id of another fact",
                             f.path + ("formerly", j), fact_id=f.id,
                             hint="an id may belong to one fact only, now or formerly", code="duplicate-id")
            elif old in former and former[old] is not f:
                report.error(f"'{old}' is listed in 'formerly' of two facts ('{former[old].id}' and this one)",
                             f.path + ("formerly", j), fact_id=f.id, code="duplicate-id")
            else:
                former[old] = f

    hints: dict[str, str] = {}  # a renamed id may be misspelt in thousands of facts: one "did you mean" each

    def hint(name: str, known: dict, where: str) -> str:
        if name not in hints:
            hints[name] = suggest(name, known) or f"add it under '{where}'"
        return hints[name]

    if bank.deck.title:
        _check_hierarchy(bank.deck.title, "deck title", ("deck", "title"), None, report)
    # Names, references and sources repeat across facts: each distinct one is judged once here, and the
    # loop below visits a fact's topic, tags, refs or sources only when some of them are faulty (each
    # fault is still reported at every fact, in the order of the facts).
    facts = bank.facts
    references, sources = bank.references, bank.sources
    used_refs = {r for f in facts for r in f.refs}
    used_sources = {e.source for f in facts for e in f.errors}
    used_sources.update(e.source for f in facts for e in f.confirmed_by)
    check_refs = "references" not in bank.incomplete and not used_refs <= references.keys()
    check_sources = "sources" not in bank.incomplete and any(s and s not in sources for s in used_sources)
    topics: dict[str, str] = {}
    miscased: dict[str, str] = {}   # topic → the spelling first seen of its case-folded form, when another
    for topic in dict.fromkeys(f.topic for f in facts):
        if topic:
            first = topics.setdefault(topic.casefold(), topic)
            if first != topic:
                miscased[topic] = first
    names = {f.topic for f in facts}
    names.update(t for f in facts for t in f.tags)
    empty_level = {name for name in names if "::" in name and _EMPTY_LEVEL.search(name)}
    mixed = _mixed_script_facts(facts)
    for k, f in enumerate(facts):
        if miscased or empty_level:
            topic = f.topic
            if topic in miscased:
                first = miscased[topic]
                report.warning(f"topic '{topic}' differs from '{first}' only in case: Anki would make two "
                               f"subdecks of them, while filters and LMS categories treat them as one",
                               f.path + ("topic",), fact_id=f.id, hint=f"write '{first}'", code="topic-case")
            if topic in empty_level:
                _check_hierarchy(topic, "topic", f.path + ("topic",), f, report)
            for j, t in enumerate(f.tags):
                if t in empty_level:
                    _check_hierarchy(t, "tag", f.path + ("tags", j), f, report)
        if check_refs:
            for j, r in enumerate(f.refs):
                if r not in references:
                    report.error(f"unknown reference '{r}'", f.path + ("refs", j), fact_id=f.id,
                                 hint=hint(r, references, "references"), code="unknown-ref")
        if check_sources:
            for e in (*f.errors, *f.confirmed_by):
                if e.source and e.source not in sources:
                    report.error(f"unknown source '{e.source}'", e.path + ("source",), fact_id=f.id,
                                 hint=hint(e.source, sources, "sources"), code="unknown-source")
        _check_options(f, report)
        if k in mixed:
            _report_mixed_scripts(f, report)
    _check_unused(bank, used_refs, used_sources, report)


_EMPTY_LEVEL = re.compile(r"^\s*::|::\s*::|::\s*$")


def _check_hierarchy(name: str, what: str, path: tuple, f: Fact | None, report: Report) -> None:
    """'A::' or '::A' or 'A:: ::B' would make a blank Anki subdeck (or tag level)."""
    if "::" in name and _EMPTY_LEVEL.search(name):
        report.error(f"{what} '{name}' has an empty level between '::' separators", path,
                     fact_id=f.id if f else None,
                     hint=f"write it as '{'::'.join(p.strip() for p in name.split('::') if p.strip())}'"
                     f" (each '::' starts a deeper {'level' if what == 'tag' else 'subdeck'})",
                     code="empty-level")


def _check_scripts(f: Fact, report: Report) -> None:
    """A word that mixes Latin letters with lookalikes from another script ('Кetamine')."""
    # A fact with no lookalike letter anywhere has no such word: one test on its texts joined.
    if _has_mixed_script(f):
        _report_mixed_scripts(f, report)


_SCRIPT_RUN = 256   # facts whose texts are tested together for lookalikes


def _mixed_script_facts(facts: list[Fact]) -> set[int]:
    """The positions of the facts `_check_scripts` reports on: a run of facts at a time, whose texts
    joined are most often plain ASCII or hold no lookalike, and then none of them has one."""
    # Most often no text of the bank holds one: its texts beyond ASCII (few), gathered in calls that loop
    # in C, tell at once.
    texts = chain(map(_QUESTION, facts), map(_ANSWER, facts), chain.from_iterable(map(_ACCEPT, facts)),
                  chain.from_iterable(map(_DISTRACTORS, facts)), map(_SAYS, chain.from_iterable(map(_ERRORS, facts))))
    if not has_lookalike("".join(filterfalse(str.isascii, texts))):
        return set()
    found: set[int] = set()
    for start in range(0, len(facts), _SCRIPT_RUN):
        run = facts[start:start + _SCRIPT_RUN]
        joined = "".join([t for f in run for t in (f.question, f.answer, *f.accept, *f.distractors,
                                                     *[e.says for e in f.errors])])
        if joined.isascii() or not has_lookalike(joined):
            continue
        for k, f in enumerate(run, start):
            if _has_mixed_script(f):
                found.add(k)
    return found


_QUESTION, _ANSWER, _ACCEPT = attrgetter("question"), attrgetter("answer"), attrgetter("accept")
_DISTRACTORS, _ERRORS, _SAYS = attrgetter("distractors"), attrgetter("errors"), attrgetter("says")


def _has_mixed_script(f: Fact) -> bool:
    joined = "".join((f.question, f.answer, *f.accept, *f.distractors, *[e.says for e in f.errors]))
    return not joined.isascii() and has_lookalike(joined)


def _report_mixed_scripts(f: Fact, report: Report) -> None:
    """`_check_scripts` text by text."""
    for name, texts in (("question", (f.question,)), ("answer", (f.answer,)), ("accept", f.accept),
                        ("distractors", f.distractors), ("errors", [e.says for e in f.errors])):
        for j, text in enumerate(texts):
            word = None if text.isascii() else mixed_script_word(text)
            if word:
                where = (name,) if name in ("question", "answer") else (name, j, "says") if name == "errors" \
                    else (name, j)
                others = ", ".join(f"'{c}' (U+{ord(c):04X})" for c in dict.fromkeys(word) if c in CONFUSABLES)
                report.warning(f"'{word}' mixes Latin letters with lookalikes from another script: {others}",
                               f.path + where, fact_id=f.id,
                               hint="retype the word in one script (search, sorting and screen readers trip on it)",
                               code="mixed-script")


def _check_unused(bank: Bank, used_refs: set[str], used_sources: set[str], report: Report) -> None:
    """Sources and references that no fact uses: a misspelt id, or one left behind (warnings)."""
    if "facts" in bank.incomplete or not all(f.complete for f in bank.facts):
        return  # a fact not read whole may be the one that uses them
    for rid in bank.references:
        if rid not in used_refs:
            report.warning(f"reference '{rid}' is not used by any fact", ("references", rid), at_key=True,
                           hint="cite it in a fact's 'refs', or remove it", code="unused")
    for sid, s in bank.sources.items():
        if sid not in used_sources and not s.defects:
            report.warning(f"source '{sid}' is not used by any error, confirmation or defect", ("sources", sid),
                           at_key=True, hint="record what it gets wrong or right, or remove it", code="unused")


def _check_options(f: Fact, report: Report) -> None:
    # Every problem below is two texts with one normalisation (or one phrasing listed twice, which
    # normalises alike): when the normalisations are all distinct there is nothing to report.
    if not f.norms.distinct:
        _report_option_clashes(f, report)


def _report_option_clashes(f: Fact, report: Report) -> None:
    """`_check_options` option by option."""
    norms = f.norms
    key = norms.answer if f.answer else None   # a missing answer: the rest is still compared
    accepted: dict[str, str] = {}
    listed: set[str] = set()
    for j, (a, n) in enumerate(zip(f.accept, norms.accept)):
        if n == key:
            report.warning(f"accepted phrasing '{a}' is the answer itself (after normalisation)",
                           f.path + ("accept", j), fact_id=f.id, code="redundant-accept")
        elif a in listed:  # other spellings of one phrasing may be shown on purpose ('CIII', 'C-III')
            report.warning(f"accepted phrasing '{a}' is listed twice", f.path + ("accept", j), fact_id=f.id,
                           hint="remove the repeat", code="redundant-accept")
        listed.add(a)
        accepted.setdefault(n, a)

    def right(n: str) -> str | None:
        if n == key:
            return "is the answer"
        if n in accepted:
            return f"is the accepted phrasing '{accepted[n]}'"
        return None

    seen: dict[str, str] = {}   # norm → who said it first ("source s1" or "curated")
    stated_by: dict[str, set[str]] = {}   # norm → every source that states it
    for e, n in zip(f.errors, norms.says):
        if not e.says:
            continue  # missing: reported by the reader
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
    options = q.options
    key = options[0] if options[0].correct else next(o for o in options if o.correct)  # the generator's: first
    _lint_options(q.fact, key.text, [o.text for o in options], [o.text for o in options if not o.correct], report)


def _lint_options(f: Fact, key: str, options: list[str], wrong: list[str], report: Report) -> None:
    """`lint_question` on the texts of the question's options (all, in order), its key and its wrong ones."""
    if not wrong:
        return
    longest_wrong = max(map(len, wrong))
    if len(key) >= 1.5 * longest_wrong and len(key) - longest_wrong >= 12:
        report.warning(f"the key is clearly the longest option ({len(key)} characters against at most "
                       f"{longest_wrong}): test-wise students pick it", f.path + ("answer",), fact_id=f.id,
                       hint="shorten the answer (detail belongs in 'explain') or give longer wrong options",
                       code="long-key")
    # The case-blind searches are slow; most options need none. Neither pattern can match across a line
    # break, which is a word boundary as a text's start and end are, so the options joined by line breaks
    # show whether any option may match. In ASCII, a case-blind match is a match of the lower-cased text,
    # so a substring test rules most out; elsewhere letters such as 'ſ', 'İ' or 'K' (Kelvin) match too,
    # so the regex itself decides.
    joined = "\n".join(options)
    if joined.isascii():
        low = joined.lower()
        above = " of " in low
        absolute = _has_any(low, _ABSOLUTE_WORDS)
    else:
        above = absolute = True
    if above and _ABOVE.search(joined):
        for o in options:
            if _ABOVE.search(o):
                report.warning(f"option '{o}' is an 'all/none of the above' option", f.path, fact_id=f.id,
                               hint="name the options instead; the order changes per version", code="above")
    if absolute and _ABSOLUTE.search(joined) and not _ABSOLUTE.search(key):
        for o in wrong:
            m = None if _ABOVE.search(o) else _ABSOLUTE.search(o)
            if m:
                report.warning(f"only wrong options use absolute words like '{m.group(0)}' "
                               f"(option '{o}'): students learn to avoid them", f.path, fact_id=f.id,
                               hint="qualify the wrong option or phrase the key as firmly", code="absolute")
                break
    stem = f.question.rstrip(" .…_:?").rsplit(None, 1)
    article = stem[-1].casefold() if stem else ""
    if article in ("a", "an"):
        for o in options:
            text = o.lstrip("\"'“‘(")
            if not text or _LETTER_ACRONYM.match(text):
                continue
            vowel = bool(_VOWEL_START.match(text))
            if (article == "an") != vowel:
                report.warning(f"the stem ends with '{article}' but option '{o}' does not fit it: "
                               f"a grammatical cue", f.path + ("question",), fact_id=f.id,
                               hint="end the stem before the article, e.g. '… is:'", code="article")
                break


def _has_any(text: str, words: tuple[str, ...]) -> bool:
    for w in words:
        if w in text:
            return True
    return False


def check_bank(file: str, options: int = DEFAULT_OPTIONS, strict: bool = False,
               lint: bool = True) -> tuple[Bank | None, Report]:
    """Load, check and lint a bank. Every diagnostic comes back located."""
    return check_loaded(*load_bank(file), options=options, strict=strict, lint=lint)


def check_loaded(bank: Bank | None, report: Report, doc, options: int = DEFAULT_OPTIONS, strict: bool = False,
                 lint: bool = True) -> tuple[Bank | None, Report]:
    """`check_bank` of a bank already read (`load_bank`'s bank, report and document)."""
    if bank is not None:
        with gc_paused():
            # The give-away lint needs nothing from the checks below: on a large bank it runs in a
            # child process on the other core meanwhile, and its warnings come after theirs, as before.
            # The child also normalises the questions, which only it reads (the facts' own normalised
            # texts were computed when the bank was read, so both processes share them). One child for
            # both: the questions never cross the pipe, and the parent's pages are shared with one
            # process only (each fork makes the parent's next write to a page copy it).
            giveaways = None
            if lint:
                giveaways = (Forked(_lint_giveaways, bank, None) if len(bank.facts) >= FORK_FROM
                             else Inline(_lint_giveaways, bank, None))
            check_semantics(bank, report)
            _check_questions(bank, options, strict, lint, report)
            if giveaways is not None:
                fact_lint = Report()
                lint_each_fact(bank, fact_lint)
                report.diagnostics.extend(giveaways.result())
                report.diagnostics.extend(fact_lint.diagnostics)
    finish(report, doc)
    return bank, report


def _check_questions(bank: Bank, options: int, strict: bool, lint: bool, report: Report) -> None:
    """Each whole fact's question: a shortfall of options (error or warning), and with ``lint`` its cues."""
    # Facts not read whole are checked above as far as they can be; here only whole facts get
    # a question. Any fact with a kind and an answer lends them. A fact whose answer could not be
    # read might lend to its kind, one whose kind could not be read to any kind: a shortfall
    # counted without it could be wrong, so it is reported once those errors are fixed.
    check_options(options)   # as `Generator` does, which may not be needed below
    lenders = [f for f in bank.facts if f.kind and f.answer]
    gen = None   # made when a question has to be built (its pools cost a pass over the bank)
    unsure_kinds = {f.kind for f in bank.facts if not f.answer}
    unsure_all = "facts" in bank.incomplete or "" in unsure_kinds or any(not f.kind for f in bank.facts)
    want = options - 1
    pool_sizes: dict[str, int] | None = None
    id_counts: Counter | None = None
    for f in bank.facts:
        if not f.complete:
            continue
        # Quick lane: the question the generator would build is known without building it. Its key
        # comes first, then its own wrong options in policy order; borrowed ones only when too few.
        norms = f.norms
        if norms.distinct:   # nothing blocked or merged (the generator's own test)
            own = len(f.errors) + len(f.distractors)
            if own >= want:   # no borrowing: `options` options, and their texts are the fact's own
                if lint:
                    wrong = [e.says for e in f.errors[:want]]
                    wrong += f.distractors[:want - len(wrong)]
                    _lint_options(f, f.answer, [f.answer, *wrong], wrong, report)
                continue
            taken = 1 + len(f.accept) + own   # the texts it takes: its key, accepted phrasings and own options
        else:
            blocked = {norms.answer, *norms.accept}
            own = len({*norms.says, *norms.distractors} - blocked)
            if own >= want and not lint:
                continue
            taken = len(blocked) + min(own, want)
        if not lint and own < want and f.kind:
            # Borrowing draws from the distinct answers of the fact's kind, leaving out those it has
            # taken (at most one each) and those of a fact with its id (its own answer is taken; other
            # facts share it only when ids are duplicated): a pool that large surely lends what is missing.
            if pool_sizes is None:
                pool_sizes = _pool_sizes(lenders)
                id_counts = Counter(g.id for g in lenders)
            if f.kind in pool_sizes and pool_sizes[f.kind] - taken - id_counts[f.id] >= want - own:
                continue
        if gen is None:
            gen = Generator(bank if len(lenders) == len(bank.facts) else replace(bank, facts=lenders), 0, options)
        q = gen.question(f)
        n = len(q.options)
        if n < options and not (unsure_all or f.kind in unsure_kinds):
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


def _pool_sizes(lenders: list[Fact]) -> dict[str, int]:
    """How many distinct answers (normalised) each kind's pool holds, as `Generator` pools them."""
    distinct: dict[str, set[str]] = {}
    for f in lenders:
        distinct.setdefault(f.kind, set()).add(f.norms.answer)
    return {kind: len(answers) for kind, answers in distinct.items()}


# Below this many facts the lint takes less time than starting a process for it.
FORK_FROM = 5000


def _lint_giveaways(bank: Bank, questions: list[str] | None) -> list[Diagnostic]:
    report = Report()
    lint_giveaways(bank, report, questions)
    return report.diagnostics


def read_bank(file: str) -> Bank:
    """Load and fully check a bank; raise BankError if it has errors (warnings pass). For scripts and tests."""
    bank, report = check_bank(file)
    if not report.ok or bank is None:
        raise BankError(report)
    return bank
