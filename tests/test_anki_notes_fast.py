"""The deck's notes made the quick way are the notes made the plain way.

- Each note's digest is made with it: `content_digest` of its content.
- A myth note with one known GUID keeps it without its quote's GUID being made.
- A first build normalises the quotes all at once: the same GUIDs as one by one.
- GUIDs: the ten-digit base-91 shortcut is genanki's conversion; `fact_guid` and `myth_guid`
  are `guid_for` of their parts.
- The Choose card's order: `_shuffled` draws what ``random.Random(key).shuffle`` draws.
- The Choose card's options: an option stating one source's claim is written out as
  `_why_wrong` and `text_html` write it.
- `plain_html` returns a text with nothing to escape as it is, stripped: what its full path gives.
"""

from __future__ import annotations

import random

import genanki
import pytest

from generator.quiz import Generator
from generator.text.markup import _plain_html, plain_html, text_html
from generator.text.normalize import norm
from generator.writers.anki import notes as notes_mod
from generator.writers.anki.notes import (GUID_NAMESPACE, Identity, _base91, bank_notes, content_digest,
                                          fact_guid, guid_for, myth_guid)
from tests.quiz_banks import hostile_data, load, plain_data, write_bank
from tests.test_anki_build import bank_dict
from tests.test_export_fast_paths import random_texts

FIELDS = ("kind", "guid", "fact_id", "label", "deck", "values", "tags", "retired", "source", "n", "given_fields")


def _banks(tmp_path):
    return [load(write_bank(tmp_path, data, f"bank{i}.yaml"))
            for i, data in enumerate((bank_dict(), hostile_data(), plain_data(40)))]


def _as_rows(specs):
    return [tuple(getattr(s, f) for f in FIELDS) + (s.known_digest,) for s in specs]


def test_a_notes_digest_is_its_content_digest(tmp_path):
    for bank in _banks(tmp_path):
        for s in bank_notes(bank, Identity(bank.deck.id)):
            assert s.known_digest == content_digest(s.kind, s.values, s.tags) == s.digest()


def test_one_known_guid_is_kept_without_making_the_quotes(tmp_path, monkeypatch):
    bank = load(write_bank(tmp_path, bank_dict()))
    fact = next(f for f in bank.facts if len(f.errors) == 1)
    source = fact.errors[0].source
    natural = myth_guid(bank.deck.id, fact.id, fact.errors[0])
    for known in (["kept"], [natural], ["kept", natural], ["kept", "other"], []):
        expected = natural if natural in known or not known else known[0]
        identity = Identity(bank.deck.id, frozenset(), {(fact.id, source): known, ("x", "y"): ["z"]})
        assert identity.myths(fact, fact.id) == [(expected, 0)], known
    monkeypatch.setattr(notes_mod, "myth_guid", None)  # not called when one GUID is known
    assert Identity(bank.deck.id, frozenset(), {(fact.id, source): ["kept"]}).myths(fact, fact.id) == [("kept", 0)]


def _genanki_base91(h: int) -> str:
    out = []
    while h > 0:
        out.append(genanki.util.BASE91_TABLE[h % 91])
        h //= 91
    return "".join(reversed(out))


def test_base91_is_genankis():
    rng = random.Random(3)
    edges = [0, 1, 90, 91, 8280, 8281, 91 ** 9 - 1, 91 ** 9, 91 ** 9 + 1, 2 ** 64 - 1]
    for h in edges + [rng.getrandbits(rng.randint(1, 64)) for _ in range(20000)]:
        assert _base91(h) == _genanki_base91(h), h


def test_fact_and_myth_guids_are_guid_for_of_their_parts(tmp_path):
    for bank in _banks(tmp_path):
        for f in bank.facts:
            assert fact_guid(bank.deck.id, f.id) == guid_for(GUID_NAMESPACE, bank.deck.id, f.id) \
                == genanki.guid_for(GUID_NAMESPACE, bank.deck.id, f.id)
            for e in f.errors:
                assert myth_guid(bank.deck.id, f.id, e) == guid_for(GUID_NAMESPACE, bank.deck.id, f.id, "myth",
                                                                    e.source, norm(e.quote))


def test_shuffled_is_random_shuffle_of_a_str_seed():
    rng = random.Random(14)
    keys = ["", "anki\x1f0\x1fid", "é—ü\U0001f600", *(f"anki\x1f{rng.randrange(99)}\x1f{rng.random()}" * rng.randrange(1, 60)
                                                  for _ in range(300))]
    for key in keys:
        for n in range(0, 12):
            expected = list(range(n))
            random.Random(key).shuffle(expected)
            assert notes_mod._shuffled(range(n), key) == expected, (key, n)


def _options_html_plain(options, seed, fact_id, errors_html, key_html):
    order = list(options)
    random.Random(f"anki\x1f{seed}\x1f{fact_id}").shuffle(order)
    if len(order) > 1 and order[0].correct:
        order.append(order.pop(0))
    items = []
    for o in order:
        if o.correct:
            items.append(f'<li class="errata-option errata-key"><div class="errata-text">{key_html}</div></li>')
        else:
            items.append(f'<li class="errata-option errata-wrong"><div class="errata-text">{text_html(o.text)}</div>'
                         f'{notes_mod._why_wrong(o, errors_html)}</li>')
    return f'<ol class="errata-list">{"".join(items)}</ol>'


def test_options_html_is_its_plain_form(tmp_path):
    seen = 0
    for bank in _banks(tmp_path):
        for k in (2, 3, 5):
            gen = Generator(bank, notes_mod.DECK_SEED, k)
            for fact in bank.facts:
                errors_html = {id(e): (plain_html(e.quote), plain_html(e.source), text_html(e.says), text_html(e.why))
                               for e in fact.errors}
                options = gen.question(fact).options
                key = text_html(fact.answer)
                args = (options, notes_mod.DECK_SEED, fact.id, errors_html, key)
                assert notes_mod.options_html(*args) == _options_html_plain(*args), fact.id
                seen += sum(1 for o in options if o.provenance and len(o.provenance.errors) == 1)
    assert seen


def test_plain_html_fast_lane_is_its_full_path():
    for text in random_texts(3000, seed=2):
        assert plain_html(text) == _plain_html(text), repr(text)


def test_a_lock_names_its_first_repeated_guid_or_note_id(tmp_path):
    import json

    from generator.writers.anki.lock import LockError, read_lock

    def lock(*rows, retired=()):
        path = tmp_path / "bank.lock.json"
        path.write_text(json.dumps({"format": "errata-anki-lock", "version": 2, "deck": "d", "note_types": {},
                                    "notes": [list(r) for r in rows], "retired": list(retired)}))
        return str(path)

    assert len(read_lock(lock(("a", "", 0, "g1", 1000, 5, "x"), ("b", "", 0, "g2", 1004, 5, "x"))).notes) == 2
    with pytest.raises(LockError, match="note g1 is listed twice"):
        read_lock(lock(("a", "", 0, "g1", 1000, 5, "x"), ("c", "", 0, "g1", 1008, 5, "x"),
                       ("b", "", 0, "g2", 1000, 5, "x")))
    with pytest.raises(LockError, match="notes g1 and g2 share the note id 1000"):
        read_lock(lock(("a", "", 0, "g1", 1000, 5, "x"), ("b", "", 0, "g2", 1000, 5, "x"),
                       ("c", "", 0, "g1", 1008, 5, "x")))
    retired = {"fact": "r", "source": "", "n": 0, "guid": "g1", "id": 1012, "mod": 5, "digest": "x", "kind": "fact",
               "label": "r", "deck": "D", "tags": [], "fields": {}}
    with pytest.raises(LockError, match="note g1 is listed twice"):
        read_lock(lock(("a", "", 0, "g1", 1000, 5, "x"), retired=[retired]))


def test_quotes_normalised_at_once_give_the_guids_of_quotes_normalised_one_by_one(tmp_path, monkeypatch):
    """A first build normalises every quote in one `norm_all` call (`Identity.quote_norms`): the same notes."""
    banks = _banks(tmp_path)
    assert any(len(f.errors) > 1 for b in banks for f in b.facts)  # the rule of several errors is taken too
    at_once = [_as_rows(bank_notes(b, Identity(b.deck.id))) for b in banks]
    assert all(Identity(b.deck.id).quote_norms(b.facts) is not None for b in banks)
    monkeypatch.setattr(Identity, "quote_norms", lambda self, facts: None)
    one_by_one = [_as_rows(bank_notes(b, Identity(b.deck.id))) for b in banks]
    assert at_once == one_by_one
