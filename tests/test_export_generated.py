"""A large export made from the facts up, in two processes, is the export of the generated quiz.

- `Generator.option_counts` gives each question's option count as `Generator.question` builds it;
- `Arrangement` draws over consecutive parts (a part's counts skipped, the next part arranged) as
  `arrange` does over the whole quiz;
- `export_generated` writes `render(generate(...))`'s bytes, split at every cut, forked or not,
  on banks where facts borrow, where a kind lends too few (short questions, and questions left out
  for want of a wrong option) and where option counts mix.
"""

from __future__ import annotations

import os
import random

import pytest

from generator.check import check_bank
from generator.quiz import Generator, arrange, generate
from generator.writers import exporter, registry
from generator.writers.registry import export_generated
from tests.quiz_banks import hostile_data, plain_data, write_bank

TEXT_FORMATS = ["json", "gift", "moodle-xml"]


def mixed_data(n: int, seed: int) -> dict:
    """Facts with none to three source errors (a claim now and then repeated by a second source, or
    the key's), none to two curated options, kinds from one fact (nothing to borrow) to many, and
    topics that change often and seldom."""
    rng = random.Random(seed)
    facts = []
    for i in range(n):
        kind = rng.choice(["wide", "wide", "wide", "narrow", f"alone-{i}"])
        answer = f"Answer {i} " + "x" * rng.randrange(12)
        errors = []
        for j in range(rng.choice([0, 0, 1, 2, 3])):
            says = rng.choice([f"Claim {i}.{j}", f"Claim {i}.0", answer])   # repeated, or the key's
            errors.append({"says": says, "source": rng.choice(["one", "two"]), "quote": f"Quote {i}.{j}",
                           "why": f"Why {i}.{j}"})
        distractors = [f"Curated {i}.{j}" for j in range(rng.choice([0, 0, 1, 2]))]
        facts.append({"id": f"f{i}", "topic": rng.choice(["A", "A", "B", "C"]), "kind": kind,
                      "tags": [rng.choice(["t", "u"])], "question": f"Question {i}?", "answer": answer,
                      "explain": f"Explanation {i}.", "refs": ["book"], "errors": errors,
                      "distractors": distractors})
    return {"deck": {"id": "mixed", "title": "Mixed deck"},
            "sources": {"one": {"title": "Source One"}, "two": {"title": "Source Two"}},
            "references": {"book": {"title": "The Book"}}, "facts": facts}


def read(path):
    bank, _ = check_bank(str(path), lint=False)   # a question short of options is an error: read all the same
    assert bank is not None
    return bank


@pytest.fixture(params=["mixed-1", "mixed-2", "mixed-3", "hostile", "plain"])
def bank(request, tmp_path):
    kind, _, n = request.param.partition("-")
    if kind == "mixed":
        data = mixed_data(30, int(n))
    else:
        data = hostile_data() if kind == "hostile" else plain_data(12)
    return read(write_bank(tmp_path, data))


def test_mixed_banks_mix_option_counts(tmp_path):
    # The banks below do what they are for: questions short of options, and questions left out.
    bank = read(write_bank(tmp_path, mixed_data(30, 1)))
    for options in (3, 5):
        counts = Generator(bank, 0, options).option_counts(bank.facts)
        assert {1, options} <= set(counts) and len(set(counts)) >= 3, counts


@pytest.mark.parametrize("options", [2, 3, 4, 5])
def test_option_counts_are_those_of_the_questions(bank, options):
    for seed in (0, 7):
        counted = Generator(bank, seed, options).option_counts(bank.facts)
        built = Generator(bank, seed, options)
        assert counted == [len(built.question(f).options) for f in bank.facts]


def _built(bank, seed, options):
    gen = Generator(bank, seed, options)
    return [gen.question(f) for f in bank.facts]


def _orders(questions):
    return [[(o.text, o.correct) for o in q.options] for q in questions]


@pytest.mark.parametrize("options", [2, 3, 5])
def test_arranging_in_parts_draws_as_arranging_the_whole(bank, options):
    from generator.quiz.generate import Arrangement

    seed = 11
    whole = arrange([q for q in _built(bank, seed, options) if len(q.options) >= 2], seed)
    counts = Generator(bank, seed, options).option_counts(bank.facts)
    for cut in range(len(bank.facts) + 1):
        built = _built(bank, seed, options)
        first = Arrangement(seed)
        head = first.arrange(built[:cut])
        later = Arrangement(seed)
        later.skip(counts[:cut])
        assert _orders(head + later.arrange(built[cut:])) == _orders(whole), cut
        assert _orders(first.arrange(_built(bank, seed, options)[cut:])) == _orders(whole[len(head):]), cut


def _no_fork():
    raise OSError("fork: resource temporarily unavailable")


@pytest.mark.parametrize("fmt", TEXT_FORMATS)
def test_made_in_parts_at_every_cut_are_the_generated_quiz(bank, fmt, tmp_path):
    writer = exporter(fmt)
    for options, seed in ((3, 0), (5, 4), (2, 9)):
        quiz = generate(bank, seed=seed, options=options)
        whole = writer.render(quiz)
        facts = bank.facts
        for cut in range(1, len(facts)):
            with open(tmp_path / "out", "wb", buffering=0) as out:
                made = registry._write_generated_split(writer, bank, seed, options, facts, out.fileno(), cut)
            assert (tmp_path / "out").read_bytes() == whole, (options, seed, cut)
            assert made.questions == len(quiz.questions)


@pytest.mark.parametrize("fmt", TEXT_FORMATS)
def test_export_generated_forked_inline_and_without_fork_agree(bank, fmt, tmp_path, monkeypatch):
    writer = exporter(fmt)
    facts = bank.facts[1:]   # a selection, not the whole bank: others still lend their answers
    quiz = generate(bank, seed=3, options=4, facts=facts)
    whole = writer.render(quiz)
    assert export_generated(writer, bank, tmp_path / "inline", 3, 4, facts).questions == len(quiz.questions)
    monkeypatch.setattr(registry, "SPLIT_FROM", 2)
    assert export_generated(writer, bank, tmp_path / "forked", 3, 4, facts).questions == len(quiz.questions)
    monkeypatch.setattr(os, "fork", _no_fork)
    export_generated(writer, bank, tmp_path / "unforked", 3, 4, facts)
    for name in ("inline", "forked", "unforked"):
        assert (tmp_path / name).read_bytes() == whole, name
    assert {p.name for p in tmp_path.iterdir()} - {"bank.yaml"} == {"forked", "inline", "unforked"}


@pytest.mark.parametrize("fmt", TEXT_FORMATS)
def test_parts_without_questions(fmt, tmp_path):
    # Facts without a wrong option make no question: a part may hold none, or the whole quiz none.
    data = mixed_data(6, 5)
    for i, fact in enumerate(data["facts"]):
        fact["kind"], fact["errors"], fact["distractors"] = f"alone-{i}", [], ([] if i % 3 else ["Curated"])
    bank = read(write_bank(tmp_path, data))
    writer = exporter(fmt)
    for facts in (bank.facts, bank.facts[1:3], bank.facts[1:], bank.facts[:4]):
        whole = writer.render(generate(bank, seed=1, facts=facts))
        for cut in range(1, len(facts)):
            with open(tmp_path / "out", "wb", buffering=0) as out:
                registry._write_generated_split(writer, bank, 1, 3, facts, out.fileno(), cut)
            assert (tmp_path / "out").read_bytes() == whole, ([f.id for f in facts], cut)



def _fails(*args):
    raise OSError(28, "No space left on device")


def test_a_failing_first_part_leaves_the_target_as_it_was(tmp_path, monkeypatch):
    # The child fails before it says where its arrangement ends: this process goes on alone, then
    # raises the child's error, and the target is as it was.
    bank = read(write_bank(tmp_path, plain_data(12)))
    target = tmp_path / "quiz.json"
    target.write_bytes(b"before")
    monkeypatch.setattr(registry, "SPLIT_FROM", 2)
    monkeypatch.setattr(registry, "_write_first_part", _fails)
    with pytest.raises(OSError, match="No space left") as e:
        export_generated(exporter("json"), bank, target, 1, 3, bank.facts)
    assert e.value.filename == str(target)
    assert target.read_bytes() == b"before"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bank.yaml", "quiz.json"]


@pytest.mark.parametrize("group", [1, 3, 256])
def test_qti_made_in_parts_at_every_cut_is_the_generated_package(bank, group, tmp_path, monkeypatch):
    # Each process makes and arranges only the questions it renders (and the child the group's before
    # its first, which prime it): the package is that of the generated quiz, wherever the parts meet.
    writer = exporter("qti")
    monkeypatch.setattr(writer, "GROUP", group)
    for options, seed in ((3, 0), (5, 4)):
        facts = bank.facts[1:]
        quiz = generate(bank, seed=seed, options=options, facts=facts)
        whole = writer.render(quiz)
        gen = Generator(bank, seed, options)
        counts = gen.option_counts(facts)
        for first in range(1, len(quiz.questions)):
            made, data = registry._render_qti_generated(writer, gen, facts, counts, str(tmp_path), first)
            assert data == whole, (options, seed, first)
            assert made.questions == len(quiz.questions)


def test_qti_export_generated_forked_inline_and_without_fork_agree(bank, tmp_path, monkeypatch):
    writer = exporter("qti")
    facts = bank.facts[1:]
    whole = writer.render(generate(bank, seed=3, options=4, facts=facts))
    export_generated(writer, bank, tmp_path / "inline", 3, 4, facts)
    monkeypatch.setattr(registry, "SPLIT_FROM", 2)
    monkeypatch.setattr(registry, "_render_qti_split", None)   # not the path of a quiz made first
    export_generated(writer, bank, tmp_path / "forked", 3, 4, facts)
    monkeypatch.setattr(os, "fork", _no_fork)
    export_generated(writer, bank, tmp_path / "unforked", 3, 4, facts)
    for name in ("inline", "forked", "unforked"):
        assert (tmp_path / name).read_bytes() == whole, name


def test_a_failing_later_qti_part_leaves_the_target_as_it_was(tmp_path, monkeypatch):
    bank = read(write_bank(tmp_path, plain_data(12)))
    target = tmp_path / "quiz.qti.zip"
    target.write_bytes(b"before")
    monkeypatch.setattr(registry, "SPLIT_FROM", 2)
    monkeypatch.setattr(registry, "_write_generated_items", _fails)
    with pytest.raises(OSError, match="No space left") as e:
        export_generated(exporter("qti"), bank, target, 1, 3, bank.facts)
    assert e.value.filename == str(target)
    assert target.read_bytes() == b"before"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bank.yaml", "quiz.qti.zip"]
