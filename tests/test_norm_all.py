"""norm_all (runs of texts at once) and compute_norms (every fact's norms at once, in C and in
Python) against `norm` text by text and the `Fact.norms` property, on the same texts."""

import random

import pytest

from generator.bank import model
from generator.bank.model import Fact, SourceError, compute_norms, python_compute_norms
from generator.text.normalize import _RUN, norm, norm_all

PIECES = ["ketamine", "NMDA", "receptor", "2.5", "mg", "-5", "°C", "H~2~O", "10^8^", "**a**", "Кetamine",
          "αβγ", "’s", "$5", "<5%", "a|b", "`x`", "\u200b", "", " ", "  ", "\n", "x\ny", "ﬁ", "N.M.D.A.", "1,000"]


def _text(rng: random.Random) -> str:
    if rng.random() < 0.6:   # mostly plain ASCII, as in a bank
        words = [rng.choice(["dose", "Onset", "risk", "hours", "0", "12", "$+<=>|`"]) for _ in range(rng.randint(1, 5))]
        return " ".join(words).lower() if rng.random() < 0.7 else " ".join(words)
    return rng.choice(["", " ", "\n"]).join(rng.choice(PIECES) for _ in range(rng.randint(0, 4)))


def test_norm_all_is_norm_of_each_text():
    rng = random.Random(14)
    for _ in range(300):
        texts = [_text(rng) for _ in range(rng.randint(0, 3 * _RUN))]
        assert norm_all(texts) == [norm(t) for t in texts]


def test_norm_all_runs_of_plain_text():
    plain = [f"dose {i} hours" for i in range(5 * _RUN)]
    assert norm_all(plain) == plain
    upper = [t.upper() for t in plain]
    assert norm_all(upper) == [norm(t) for t in upper] == plain
    # one text of a run that is not plain, at every place of the run: only its norm differs
    for odd in ("Dose  12", " dose", "dose ", "", "dose\n12", "dose.", "dose\u00a0x", "Ä"):
        for k in range(_RUN + 1):
            texts = plain[:_RUN + 1]
            texts = texts[:k] + [odd] + texts[k + 1:]
            assert norm_all(texts) == [norm(t) for t in texts]
    assert norm_all([]) == []


def _fact(rng: random.Random, i: int) -> Fact:
    n = rng.randint
    return Fact(f"f{i}", "t", "k", "q?", _text(rng), "e", ["r"], [_text(rng) for _ in range(n(0, 3))],
                errors=[SourceError(_text(rng), "s", "q", "w") for _ in range(n(0, 3))],
                distractors=[_text(rng) for _ in range(n(0, 3))])


@pytest.mark.parametrize("compute", [compute_norms, python_compute_norms])
def test_compute_norms_is_the_property(compute):
    rng = random.Random(7)
    facts = [_fact(rng, i) for i in range(500)]
    rng = random.Random(7)
    copies = [_fact(rng, i) for i in range(500)]
    expected = [f.norms for f in copies]
    compute(facts)
    assert [f._norms for f in facts] == expected


ODD = ["Dose  12", " dose", "dose ", "", "dose\n12", "dose.", "dose\u00a0x", "Ä", "DOSE", "dose", "12", "$+<=>|`",
       "A", "a", "a b c", "a  b", "Dose\t12", "x" * 1000, "X " * 50 + "Y", "n.m.d.a.", "\u200bdose", "H~2~O", "10^8^"]


@pytest.mark.skipif(model._C_NORMS is None, reason="the C extension is not built")
def test_c_norms_text_by_text():
    """Each text alone and beside its duplicates (distinct or not), as the property gives it."""
    for text in ODD:
        for other in ODD:
            facts = [Fact("f", "t", "k", "q", text, "e", ["r"], [other], errors=[SourceError(text.lower(), "s", "q", "w")],
                          distractors=[other.upper(), text])]
            copies = [Fact("f", "t", "k", "q", text, "e", ["r"], [other], errors=[SourceError(text.lower(), "s", "q", "w")],
                           distractors=[other.upper(), text])]
            assert model._C_NORMS(facts) is True
            assert facts[0]._norms == copies[0].norms
    # more than a few texts: sought in a set
    many = [f"dose {i}" for i in range(12)]
    for texts in (many, many + ["DOSE 3"]):
        fact = Fact("f", "t", "k", "q", "answer", "e", ["r"], texts)
        copy = Fact("f", "t", "k", "q", "answer", "e", ["r"], list(texts))
        assert model._C_NORMS([fact]) is True
        assert fact._norms == copy.norms


@pytest.mark.skipif(model._C_NORMS is None, reason="the C extension is not built")
def test_c_norms_leave_what_they_do_not_read_to_python():
    fact = Fact("f", "t", "k", "q", "answer", "e", ["r"], ("a", "b"))   # a tuple, not a list
    plain = Fact("f", "t", "k", "q", "answer", "e", ["r"])
    assert model._C_NORMS([plain, fact]) is False
    assert plain._norms is None and fact._norms is None   # nothing set
    compute_norms([plain, fact])
    assert fact._norms == Fact("f", "t", "k", "q", "answer", "e", ["r"], ["a", "b"]).norms
    assert model._C_NORMS([plain, object()]) is False
