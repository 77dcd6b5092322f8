"""The notes' C kit (generator/writers/anki/_notekit.c) gives what the Python code gives.

- `digest` is `_digest` (SHA-256 of the pieces' UTF-8 with surrogates passed through), for
  ASCII, Latin-1, curly quotes, astral characters, lone surrogates, empty pieces and long runs;
  None for a piece that is not a str. `digest` and `guid` are tested with SHA-256 by the CPU's
  SHA instructions (where it has them) and by plain C (or hashlib, for a note's digest).
- `guid` is `_guid_of` (and genanki's `guid_for`), and refuses a surrogate as str.encode does;
  for texts of every length about SHA-256's blocks.
- `shuffled` is `_shuffled` (and `random.Random(key).shuffle`), for keys with leading NULs (the
  seed's int drops them), empty keys and keys of every length about SHA-512's blocks.
- The notes made with the kit are the notes made without it.
- The kit is built where the tools are required (CI).
"""

from __future__ import annotations

import random

import genanki
import pytest

from generator.writers.anki import notes as notes_mod
from generator.writers.anki.notes import Identity, bank_notes
from tests.quiz_banks import hostile_data, load, plain_data, write_bank
from tests.test_anki_build import bank_dict
from tests.tools import require

KIT = notes_mod._notekit
needs_kit = pytest.mark.skipif(KIT is None, reason="the C kit is not built (python setup.py build_ext --inplace)")

PIECES = ["a", "Z", " ", "\x00", "\x1f", "\x7f", "\x80", "é", "ÿ", "“", "”", "\u0100", "\u07ff", "\u0800",
          "\ud800", "\udfff", "\uffff", "\U0001f600", "\U0010ffff"]


def _texts(n: int, seed: int) -> list[str]:
    """Short texts of any characters, and long ones mostly ASCII (the C kit's runs of eight and four)."""
    rng = random.Random(seed)
    texts = ["", "plain", "“quoted”", "é" * 9, "x" * 4000 + "”"]
    for _ in range(n):
        texts.append("".join(rng.choice(PIECES) for _ in range(rng.randrange(12))))
        some = [rng.choice(PIECES) for _ in range(rng.randrange(3))]
        texts.append("".join(rng.choice(["word ", "x", "  "] * 8 + some) for _ in range(rng.randrange(60))))
    return texts


@pytest.fixture(params=[True, False], ids=["sha-instructions", "plain-c"])
def sha_way(request):
    """Each test taking it runs with SHA-256 by the CPU's SHA instructions (where it has them) and without."""
    if KIT is None:
        pytest.skip("the C kit is not built")
    KIT.use_sha_instructions(request.param)
    yield request.param
    KIT.use_sha_instructions(True)  # as at import: the instructions where the CPU has them


def test_the_kit_is_built_where_required():
    """CI builds the kit (pip install -e .): a missing build there is an error, not a silent slowdown."""
    require(KIT is not None, "the notes' C kit (generator/writers/anki/_notekit.c) is not built (pip install -e . "
                             "or python setup.py build_ext --inplace): the Python code runs")


def test_digest_is_the_python_digest(sha_way):
    rng = random.Random(7)
    texts = _texts(3000, seed=7)
    for i in range(6000):
        values = [rng.choice(texts) for _ in range(rng.randrange(12))]
        kind, tags = rng.choice(texts), rng.choice(texts)
        assert KIT.digest(kind, values, tags) == notes_mod._digest(kind, values, tags), (kind, values, tags)
    assert KIT.digest("fact", ["x" * 100_000, "“" * 5000], "\x1e") == notes_mod._digest("fact", ["x" * 100_000, "“" * 5000], "\x1e")
    for n in range(300):  # every length about SHA-256's blocks of 64 bytes and its padding
        assert KIT.digest("f", ["x" * n], "") == notes_mod._digest("f", ["x" * n], ""), n
    for odd in (("fact", ["a", 1], ""), ("fact", ["a"], None), (None, [], ""), ("fact", ("a",), "")):
        assert KIT.digest(*odd) is None, odd
    with pytest.raises(TypeError):  # what the Python code says of such pieces
        notes_mod.content_digest("fact", ["a", 1], [])


def _outcome(fn, *args):
    try:
        return fn(*args)
    except UnicodeEncodeError as e:
        return type(e)


def test_guid_is_the_python_guid(sha_way):
    for text in _texts(3000, seed=8):
        assert _outcome(KIT.guid, text) == _outcome(notes_mod._guid_of, text), repr(text)
        if not any("\ud800" <= c <= "\udfff" for c in text):
            assert KIT.guid(text) == genanki.guid_for(text)
    assert _outcome(KIT.guid, "a\ud800") is UnicodeEncodeError
    for n in range(300):  # every length about SHA-256's blocks of 64 bytes and its padding
        for text in ("x" * n, "é" * (n // 2) + "x" * (n % 2)):
            assert KIT.guid(text) == notes_mod._guid_of(text), n


@needs_kit
def test_shuffled_is_the_python_shuffle():
    rng = random.Random(9)
    keys = ["", "\x00", "\x00\x00\x00\x00\x00abc", "anki\x1f0\x1fid", "a" * 5000, *_texts(300, seed=9)]
    for key in keys:
        for n in (0, 1, 2, 3, 4, 5, 8, 13, rng.randrange(14, 400)):
            items = [object() for _ in range(n)]
            assert _outcome(KIT.shuffled, items, key) == _outcome(notes_mod._shuffled, items, key), (key, n)
            if isinstance(_outcome(KIT.shuffled, items, key), list):
                expected = list(items)
                random.Random(key).shuffle(expected)
                assert KIT.shuffled(items, key) == expected
    assert KIT.shuffled(range(3), "k") == notes_mod._shuffled(range(3), "k")  # any iterable, as list() takes
    for n in range(400):  # every length about SHA-512's blocks of 128 bytes and its padding
        assert KIT.shuffled(range(6), "k" * n) == notes_mod._shuffled(range(6), "k" * n), n


def _rows(specs):
    return [(s.kind, s.guid, s.fact_id, s.label, s.deck, s.values, s.tags, s.retired, s.source, s.n,
             s.given_fields, s.known_digest) for s in specs]


@needs_kit
def test_notes_made_with_the_kit_are_the_notes_made_without(tmp_path, monkeypatch):
    banks = [load(write_bank(tmp_path, data, f"bank{i}.yaml"))
             for i, data in enumerate((bank_dict(), hostile_data(), plain_data(40)))]
    with_kit = [bank_notes(b, Identity(b.deck.id)) for b in banks]
    monkeypatch.setattr(notes_mod, "_fast_digest", lambda kind, values, tags_text: None)
    monkeypatch.setattr(notes_mod, "_fast_guid", notes_mod._guid_of)
    monkeypatch.setattr(notes_mod, "_fast_shuffled", notes_mod._shuffled)
    without = [bank_notes(b, Identity(b.deck.id)) for b in banks]
    assert [_rows(s) for s in with_kit] == [_rows(s) for s in without]
