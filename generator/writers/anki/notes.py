"""The notes of a deck: what each fact and each source error shows in Anki.

A note is identified by its GUID, never by its text: a fact note by (deck id, fact
id), a myth note by (deck id, fact id, source, quote) when it is first built. After
that the lock keeps each note's GUID in its *slot* — the fact, the source, and its
place among that fact's errors from that source — so fixing a typo in a quote keeps
the note (`Identity`). A fact listed with ``formerly: [old-id]`` keeps the GUID of the
id its notes were first built with, so a student's Anki updates the same note after a
rename.

The Choose card's options are the generator's (`Generator.question`) with a fixed
seed: the card shuffles them at every review anyway, so the deck does not depend on a
seed, and a fact's note must not change because other facts were added (the
quiz-wide `arrange` would do that).
"""

from __future__ import annotations

import functools
import hashlib
import random
import re
import unicodedata
from dataclasses import dataclass

import genanki

from ...quiz import DEFAULT_OPTIONS, MIN_OPTIONS, Generator
from ...bank import Bank, Fact, SourceError
from ...quiz import BORROWED, CURATED, SOURCE_ERROR, Option
from ...text.normalize import norm, norm_all
from ...text.markup import link_html, plain_html, text_html
from .notetypes import FACT, MYTH, NoteType

try:  # the C kit (setup.py builds it where there is a compiler): the same results as the Python below
    from . import _notekit
except ImportError:
    _notekit = None

GUID_NAMESPACE = "errata"
TAG_ROOT = "errata"
RETIRED_TAG = f"{TAG_ROOT}::retired"
RETIRED_NOTICE = ("Retired: this fact is no longer in the deck. You can delete this note "
                  "(find them all with tag:errata::retired in the browser).")
DECK_SEED = 0  # the Choose card's options and their stored order; never changes (see above)


def content_digest(kind: str, values: list[str], tags: list[str]) -> str:
    """The content a re-import would change: note type, fields in order, tags."""
    tags_text = tag_text(tags)
    return _fast_digest(kind, values, tags_text) or _digest(kind, values, tags_text)


def tag_text(tags: list[str]) -> str:
    """The tags' part of `content_digest` (notes share their tag lists: made once per list)."""
    return "\x1e" + " ".join(sorted(tags))


def _digest(kind: str, values: list[str], tags_text: str) -> str:
    return hashlib.sha256((kind + "\x1e" + "\x1f".join(values) + tags_text).encode("utf-8", "surrogatepass")
                          ).hexdigest()[:24]


# `_digest` without joining and encoding the pieces first; None where a piece is not a str (then
# `_digest` says what is wrong, as it always did).
_fast_digest = _notekit.digest if _notekit is not None else lambda kind, values, tags_text: None


@dataclass(slots=True)
class NoteSpec:
    """One Anki note, ready to write: the lock decides its id and modification time."""

    kind: str                    # FACT.key or MYTH.key
    guid: str
    fact_id: str                 # the fact's current id (or last id, when retired)
    label: str                   # for people: "hottest-planet", "hottest-planet: myth from quiz-site"
    deck: str                    # Anki deck name, "Title::Topic"
    values: list[str]            # every field of the note type, in field order
    tags: list[str]
    retired: bool = False
    source: str = ""             # a myth note's source id ("" for a fact note)
    n: int = 0                   # a myth note's place among its fact's errors from that source
    given_fields: dict[str, str] | None = None   # the fields by name as a lock kept them (see `with_fields`)
    known_digest: str | None = None   # `digest()` once made (nothing changes a note's content once made)

    @classmethod
    def with_fields(cls, kind: str, guid: str, fact_id: str, label: str, deck: str, fields: dict[str, str],
                    tags: list[str], **rest) -> "NoteSpec":
        """A note from its fields by name; a field the note type lacks is not shipped, a missing one is
        empty. ``fields`` stays as given for the lock (a retired note keeps the names it was kept with)."""
        names = (FACT if kind == FACT.key else MYTH).field_names
        return cls(kind, guid, fact_id, label, deck, [fields.get(n, "") for n in names], tags, **rest,
                   given_fields=fields)

    @property
    def note_type(self) -> NoteType:
        return FACT if self.kind == FACT.key else MYTH

    @property
    def fields(self) -> dict[str, str]:
        if self.given_fields is not None:
            return self.given_fields
        return dict(zip(self.note_type.field_names, self.values))

    def digest(self) -> str:
        if self.known_digest is None:
            self.known_digest = content_digest(self.kind, self.values, self.tags)
        return self.known_digest


_BASE91 = genanki.util.BASE91_TABLE
_BASE91_PAIRS = [a + b for a in _BASE91 for b in _BASE91]  # two digits per division


def guid_for(*values) -> str:
    """genanki's `guid_for`, the same GUIDs, without its byte-by-byte loop (a test compares them)."""
    return _fast_guid("__".join(map(str, values)))


_sha256 = hashlib.sha256
_TEN_DIGITS = 91 ** 9  # 98 % of the hashes have ten digits: five pairs


def _guid_of(text: str) -> str:
    """`guid_for` of the values already joined with '__'."""
    return _base91(int.from_bytes(_sha256(text.encode("utf-8")).digest()[:8], "big"))


def _base91(h: int) -> str:
    """``h`` (below 2 ** 64) in genanki's base 91, two digits per division."""
    pairs = _BASE91_PAIRS
    if h >= _TEN_DIGITS:  # and below 91 ** 10: the first pair's first digit is not 0
        high, low = divmod(h, 8281 * 8281)
        first, middle = divmod(high, 8281 * 8281)
        a, b = divmod(middle, 8281)
        c, d = divmod(low, 8281)
        return pairs[first] + pairs[a] + pairs[b] + pairs[c] + pairs[d]
    out = []
    while h >= 8281:
        h, r = divmod(h, 8281)
        out.append(pairs[r])
    if h >= 91:
        out.append(pairs[h])  # its first digit is not 0: no leading zero
    elif h:
        out.append(_BASE91[h])
    out.reverse()
    return "".join(out)


_fast_guid = _notekit.guid if _notekit is not None else _guid_of  # `_guid_of`, in C


def fact_guid(deck_id: str, fact_id: str) -> str:
    return _fast_guid(f"{GUID_NAMESPACE}__{deck_id}__{fact_id}")  # guid_for(GUID_NAMESPACE, deck_id, fact_id)


def myth_guid(deck_id: str, base_id: str, error: SourceError, quote_norm: str | None = None) -> str:
    # The quote is the myth card's front; compared like options are, so a fixed typo or
    # case change keeps the note. ``quote_norm``: norm(error.quote), if made already.
    if quote_norm is None:
        quote_norm = norm(error.quote)
    return _fast_guid(f"{GUID_NAMESPACE}__{deck_id}__{base_id}__myth__{error.source}__{quote_norm}")


def base_id(fact: Fact, deck_id: str, known_guids) -> str:
    """The id whose GUID the fact's notes carry: the current id, unless the lock knows
    the notes under an id in ``formerly``; without a lock, the first (oldest) former id."""
    for candidate in (fact.id, *fact.formerly):
        if fact_guid(deck_id, candidate) in known_guids:
            return candidate
    return fact.formerly[0] if fact.formerly else fact.id


class Identity:
    """Which GUID each note of the bank gets, given the notes a lock (or a deck) knows.

    ``slots`` maps (fact id, source id) to the GUIDs of that fact's live myth notes from
    that source, in order. A fact's errors from one source keep those GUIDs: first the
    ones whose quote still gives the same GUID, then the others in order — so a fixed
    typo, a reworded claim or a removed sibling never moves a student's reviews to a
    new note. Only an error beyond the ones known gets a new GUID.
    """

    def __init__(self, deck_id: str, known_guids=frozenset(), slots: dict[tuple[str, str], list[str]] | None = None):
        self.deck_id = deck_id
        self.known = known_guids
        self.slots = slots or {}

    def fact(self, fact: Fact) -> tuple[str, str]:
        """(base id, GUID) of the fact's note."""
        guid = fact_guid(self.deck_id, fact.id)
        if guid in self.known or not fact.formerly:
            return fact.id, guid
        base = base_id(fact, self.deck_id, self.known)
        return base, fact_guid(self.deck_id, base)

    def myths(self, fact: Fact, base: str, quotes: list[str] | None = None) -> list[tuple[str, int]]:
        """(GUID, place among the fact's errors from its source) of each error's note, in order.
        ``quotes``: the norms of the errors' quotes, if made already (`quote_norms`)."""
        if len(fact.errors) == 1:  # most facts: the general rule below, for one error
            e = fact.errors[0]
            quote = quotes[0] if quotes is not None else None
            if not self.slots:
                return [(myth_guid(self.deck_id, base, e, quote), 0)]
            known = [g for fid in (fact.id, *fact.formerly) for g in self.slots.get((fid, e.source), ())]
            if len(known) == 1:  # its one known GUID, whatever GUID its quote gives now: no need to make that
                return [(known[0], 0)]
            natural = myth_guid(self.deck_id, base, e, quote)
            return [(natural if natural in known or not known else known[0], 0)]
        by_source: dict[str, list[int]] = {}
        for i, e in enumerate(fact.errors):
            by_source.setdefault(e.source, []).append(i)
        out: list[tuple[str, int] | None] = [None] * len(fact.errors)
        taken: set[str] = set()
        for source, places in by_source.items():
            known = list(dict.fromkeys(g for fid in (fact.id, *fact.formerly)
                                       for g in self.slots.get((fid, source), ())))
            natural = {}
            for i in places:
                g = myth_guid(self.deck_id, base, fact.errors[i], quotes[i] if quotes is not None else None)
                if g in taken or g in natural.values():  # one source quoted twice alike: keep them apart
                    g = guid_for(GUID_NAMESPACE, self.deck_id, base, "myth", source,
                                         norm(fact.errors[i].quote), norm(fact.errors[i].says))
                natural[i] = g
            chosen: dict[int, str] = {}
            for i in places:
                if natural[i] in known:
                    chosen[i] = natural[i]
                    known.remove(natural[i])
            for i in places:
                if i not in chosen:
                    chosen[i] = known.pop(0) if known else natural[i]
            for n, i in enumerate(places):
                out[i] = (chosen[i], n)
                taken.add(chosen[i])
        return out  # type: ignore[return-value]

    def quote_norms(self, facts: list[Fact]) -> list[str] | None:
        """The norms of the errors' quotes of ``facts`` in order, made at once (`norm_all`: far cheaper
        than quote by quote) when `myths` makes every error's GUID: without slots (a first build).
        None otherwise: a rebuild knows most myth notes by their slot, and needs few quotes."""
        if self.slots:
            return None
        return norm_all([e.quote for f in facts for e in f.errors])


@functools.lru_cache(maxsize=65536)  # a bank has few topics, kinds and sources, each used by many notes
def tag_part(text: str) -> str:
    """Text usable inside an Anki tag: no spaces (Anki splits tags on them)."""
    return re.sub(r"\s+", "_", unicodedata.normalize("NFC", text).strip()) or "_"


def deck_name(bank: Bank, topic: str) -> str:
    return _deck_name(bank.deck.title, topic)


@functools.lru_cache(maxsize=65536)
def _deck_name(title: str, topic: str) -> str:
    """``Title::Topic`` in NFC (Anki compares deck names as written: NFC and NFD would be two
    decks), without blank levels (``A::`` or ``::A`` would make a nameless subdeck)."""
    parts = [p.strip() for p in unicodedata.normalize("NFC", f"{title}::{topic}").split("::")]
    return "::".join(p for p in parts if p) or "Errata"


def deck_title(bank: Bank) -> str:
    """The parent deck's name, normalised like its subdecks' (`deck_name`)."""
    return _deck_name(bank.deck.title, "")


def _references(bank: Bank, fact: Fact) -> str:
    items = []
    for rid in fact.refs:
        r = bank.references[rid]
        extra = ", ".join(x for x in (str(r.publisher).strip(), str(r.year).strip()) if x)
        items.append(f"<li>{link_html(r.title, r.url)}"
                     + (f' <span class="errata-pub">— {text_html(extra)}</span>' if extra else "") + "</li>")
    return f'<ul class="errata-reflist">{"".join(items)}</ul>' if items else ""


def _source_title(bank: Bank, source_id: str) -> str:
    s = bank.sources.get(source_id)
    return link_html(s.title, s.url) if s else plain_html(source_id)


def _why_wrong(option: Option, errors_html: dict[int, tuple[str, str, str, str]]) -> str:
    p = option.provenance
    if p is None:
        return ""
    if p.kind == SOURCE_ERROR:
        parts = []
        for e in p.errors:
            quote, source, _, why = errors_html[id(e)]
            parts.append(f'<div class="errata-err"><div class="errata-reason">{why}</div>'
                         f'<div class="errata-cite"><span class="errata-src">{source}</span>: '
                         f'“{quote}”</div></div>')
        body = "".join(parts)
    elif p.kind == BORROWED:
        body = '<div class="errata-reason">The answer to another question of this deck.</div>'
    elif p.kind == CURATED:
        body = '<div class="errata-reason">A plausible wrong answer; no source in this deck states it.</div>'
    else:
        body = ""
    return f'<div class="errata-why">{body}</div>' if body else ""


_shuffler = random.Random()
_seed_int = random.Random.__mro__[1].seed  # the C seeding `random.Random.seed` ends in, given an int
_sha512 = hashlib.sha512
_getrandbits = _shuffler.getrandbits


def _shuffled(items: list, key: str) -> list:
    """``items`` as ``random.Random(key).shuffle`` orders them, the same draws (a test compares them)
    without the Python-level seed and shuffle: the str seed made into its int as `Random.seed` makes
    it, then `shuffle`'s Fisher-Yates with its `_randbelow` written out."""
    raw = key.encode()
    _seed_int(_shuffler, int.from_bytes(raw + _sha512(raw).digest(), "big"))
    order = list(items)
    getrandbits = _getrandbits
    for i in range(len(order) - 1, 0, -1):
        k = (i + 1).bit_length()
        j = getrandbits(k)
        while j > i:
            j = getrandbits(k)
        order[i], order[j] = order[j], order[i]
    return order


_fast_shuffled = _notekit.shuffled if _notekit is not None else _shuffled  # `_shuffled`, in C


def options_html(options: list[Option], seed: int, fact_id: str, errors_html: dict[int, tuple[str, str, str, str]],
                 key_html: str) -> str:
    """The Choose card's options as an ordered list; the key is marked by class only.

    Stored in a fixed per-fact order that does not start with the key, for a card
    shown without script (the script shuffles at every review). ``errors_html`` holds the
    HTML of the fact's errors (quote, source, claim, why) by ``id``; ``key_html`` the key's text."""
    order = _fast_shuffled(options, f"anki\x1f{seed}\x1f{fact_id}")  # what random.Random(that string) would draw
    if len(order) > 1 and order[0].correct:
        order.append(order.pop(0))
    items = []
    for o in order:
        if o.correct:
            items.append(f'<li class="errata-option errata-key"><div class="errata-text">{key_html}</div></li>')
            continue
        p = o.provenance
        if p is not None and p.kind == SOURCE_ERROR and len(p.errors) == 1 and o.text is p.errors[0].says:
            # One source's claim (most options): `_why_wrong` written out, and the claim's HTML is
            # the one made for its myth note.
            quote, source, claim, why = errors_html[id(p.errors[0])]
            items.append(f'<li class="errata-option errata-wrong"><div class="errata-text">{claim}</div>'
                         f'<div class="errata-why"><div class="errata-err"><div class="errata-reason">{why}</div>'
                         f'<div class="errata-cite"><span class="errata-src">{source}</span>: '
                         f'“{quote}”</div></div></div></li>')
        else:
            items.append(f'<li class="errata-option errata-wrong"><div class="errata-text">{text_html(o.text)}</div>'
                         f'{_why_wrong(o, errors_html)}</li>')
    return f'<ol class="errata-list">{"".join(items)}</ol>'


def _fact_tags(fact: Fact) -> list[str]:
    tags = [f"{TAG_ROOT}::topic::{tag_part(fact.topic)}", f"{TAG_ROOT}::kind::{tag_part(fact.kind)}"]
    for source in dict.fromkeys(e.source for e in fact.errors):
        tags.append(f"{TAG_ROOT}::source::{tag_part(source)}")
    tags.extend(t for t in fact.tags if t not in tags)
    return tags


def _myth_label(fact_id: str, e: SourceError) -> str:
    return f"{fact_id}: myth from {e.source}"


# The fields in the order the note types list them, filled by position below.
_FACT_FIELDS = ["Question", "Answer", "Accepted", "Explanation", "References", "Options", "FactId", "Notice",
                "Spare1", "Spare2", "Spare3"]
_MYTH_FIELDS = ["Quote", "Source", "Claim", "Why", "Answer", "FactId", "Notice", "Question", "Spare2", "Spare3"]
assert FACT.field_names == _FACT_FIELDS and MYTH.field_names == _MYTH_FIELDS, "note type fields moved"


def bank_notes(bank: Bank, identity: Identity, options: int = DEFAULT_OPTIONS, progress=None) -> list[NoteSpec]:
    """Every note of the bank, in bank order: each fact's note, then its myth notes; each note's
    digest made with it (`facts_notes` of all the facts)."""
    return facts_notes(bank, Generator(bank, DECK_SEED, options), identity, bank.facts, progress)


def facts_notes(bank: Bank, gen: Generator, identity: Identity, facts: list[Fact], progress=None) -> list[NoteSpec]:
    """The notes of ``facts`` (some of the bank's), in order, from ``gen``, a `Generator` of the bank with
    ``DECK_SEED`` (see `bank_notes`); ``progress`` is called with the number of facts done."""
    out: list[NoteSpec] = []
    append = out.append
    fact_kind, myth_kind = FACT.key, MYTH.key
    references: dict[tuple, str] = {}  # facts share their references
    source_titles: dict[str, str] = {}  # and their sources
    tag_lists: dict[tuple, list[str]] = {}
    tag_texts: dict[int, str] = {}  # `tag_text` of each list in tag_lists, by its id (they all stay alive)
    decks: dict[str, str] = {}  # by topic
    digest, digest_py = _fast_digest, _digest
    quote_norms = identity.quote_norms(facts)
    quotes = None
    at = 0  # the first of the fact's quotes in quote_norms
    pending = 0  # facts done since the last progress call
    for fact in facts:
        # Each error's HTML once: its myth note and the Choose card's explanation show it.
        errors_html: dict[int, tuple[str, str, str, str]] = {}
        for e in fact.errors:
            source = source_titles.get(e.source)
            if source is None:
                source = source_titles[e.source] = _source_title(bank, e.source)
            errors_html[id(e)] = (plain_html(e.quote), source, text_html(e.says), text_html(e.why))
        answer = text_html(fact.answer)
        q = gen.question(fact)
        choose = (options_html(q.options, DECK_SEED, fact.id, errors_html, answer)
                  if len(q.options) >= MIN_OPTIONS else "")
        base, guid = identity.fact(fact)
        # Facts share their tags (topic, kind, sources, own tags): each list is made once, and
        # shared by the notes (nothing changes a note's tags in place).
        tag_key = (fact.topic, fact.kind, tuple([e.source for e in fact.errors]), tuple(fact.tags))
        tags = tag_lists.get(tag_key)
        if tags is None:
            tags = tag_lists[tag_key] = _fact_tags(fact)
        deck = decks.get(fact.topic)
        if deck is None:
            deck = decks[fact.topic] = deck_name(bank, fact.topic)
        refs = tuple(fact.refs)
        if refs not in references:
            references[refs] = _references(bank, fact)
        fact_id = plain_html(fact.id)
        question = text_html(fact.question)
        values = [question, answer, ", ".join([text_html(a) for a in fact.accept]) if fact.accept else "",
                  text_html(fact.explain), references[refs], choose, fact_id, "", "", "", ""]
        tags_text = tag_texts.get(id(tags))
        if tags_text is None:
            tags_text = tag_texts[id(tags)] = tag_text(tags)
        append(NoteSpec(fact_kind, guid, fact.id, fact.id, deck, values, tags, False, "", 0, None,
                        digest(fact_kind, values, tags_text) or digest_py(fact_kind, values, tags_text)))
        if fact.errors:
            if quote_norms is not None:
                quotes = quote_norms[at:at + len(fact.errors)]
                at += len(fact.errors)
            for e, (guid, n) in zip(fact.errors, identity.myths(fact, base, quotes)):
                quote, source, claim, why = errors_html[id(e)]
                myth_tags = tag_lists.get((tag_key, e.source))
                if myth_tags is None:
                    myth_tags = tag_lists[(tag_key, e.source)] = (
                        [t for t in tags if not t.startswith(f"{TAG_ROOT}::source::")]
                        + [f"{TAG_ROOT}::source::{tag_part(e.source)}"])
                values = [quote, source, claim, why, answer, fact_id, "", question, "", ""]
                tags_text = tag_texts.get(id(myth_tags))
                if tags_text is None:
                    tags_text = tag_texts[id(myth_tags)] = tag_text(myth_tags)
                append(NoteSpec(myth_kind, guid, fact.id, _myth_label(fact.id, e), deck, values, myth_tags, False,
                                e.source, n, None,
                                digest(myth_kind, values, tags_text) or digest_py(myth_kind, values, tags_text)))
        if progress:
            pending += 1
            if pending == 256:  # a terminal's progress bar redraws at each call: not once a fact
                progress(pending)
                pending = 0
    if progress and pending:
        progress(pending)
    return out


def retire(note: NoteSpec) -> NoteSpec:
    """The note as shipped once its fact or error left the bank: same content, a notice, a tag."""
    tags = note.tags + ([RETIRED_TAG] if RETIRED_TAG not in note.tags else [])
    if note.given_fields is not None:
        fields = dict(note.given_fields)
        fields["Notice"] = plain_html(RETIRED_NOTICE)
        return NoteSpec.with_fields(note.kind, note.guid, note.fact_id, note.label, note.deck, fields, tags,
                                    retired=True, source=note.source, n=note.n)
    values = list(note.values)
    values[note.note_type.field_names.index("Notice")] = plain_html(RETIRED_NOTICE)
    return NoteSpec(note.kind, note.guid, note.fact_id, note.label, note.deck, values, tags, retired=True,
                    source=note.source, n=note.n)
