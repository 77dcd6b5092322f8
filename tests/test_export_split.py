"""A large export is rendered on two cores, in parts: what it writes is what `render` writes.

- The text formats' parts (``render_part``) of consecutive ranges of questions, put together, are
  `render`'s bytes, wherever the ranges are cut (a category where the topic changes, a separator
  between JSON items, the head with the first part and the tail with the last).
- QTI's zip is the same with its items made apart, in parts.
- `write_export` writes the same file inline, with a forked child, and where there is no fork.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from generator.quiz import generate
from generator.writers import exporter, registry, write_export
from generator.writers import qti as write_qti
from tests.quiz_banks import hostile_data, load, plain_data, write_bank
from tests.tools import run_cli

ROOT = Path(__file__).resolve().parent.parent
TEXT_FORMATS = ["json", "gift", "moodle-xml"]


@pytest.fixture(params=["hostile", "plain", "ketamine"])
def quiz(request, tmp_path):
    if request.param == "ketamine":
        return generate(load(ROOT / "questions.yaml"), seed=5)
    data = hostile_data() if request.param == "hostile" else plain_data(40)
    return generate(load(write_bank(tmp_path, data)), seed=5)


@pytest.mark.parametrize("fmt", TEXT_FORMATS)
def test_text_parts_put_together_are_the_whole(quiz, fmt):
    writer = exporter(fmt)
    whole = writer.render(quiz)
    n = len(quiz.questions)
    assert n >= 2
    assert writer.render_part(quiz, 0, n) == whole
    for cut in range(1, n):
        assert writer.render_part(quiz, 0, cut) + writer.render_part(quiz, cut, n) == whole, cut
    cuts = sorted({0, 1, n // 3, n // 2, n - 1, n})
    assert b"".join(writer.render_part(quiz, a, b) for a, b in zip(cuts, cuts[1:])) == whole


@pytest.mark.parametrize("group", [1, 3, write_qti.GROUP])
def test_qti_items_compressed_apart_give_the_same_package(quiz, group, monkeypatch):
    monkeypatch.setattr(write_qti, "GROUP", group)
    whole = write_qti.render(quiz)
    n = len(quiz.questions)
    for cut in sorted({write_qti.group_start(i) for i in range(n + 1)}):
        chunks: list[bytes] = []
        done = write_qti.deflate_items(quiz, cut, chunks.append)
        assert write_qti.render(quiz, (cut, lambda: (done, chunks))) == whole, cut
    with pytest.raises(ValueError):
        write_qti.deflate_items(quiz, 1, [].append) if group > 1 else write_qti.render(
            quiz, (0, lambda: (write_qti.deflate_items(quiz, 1, [].append), [])))


def _no_fork():
    raise OSError("fork: resource temporarily unavailable")


@pytest.mark.parametrize("fmt", TEXT_FORMATS + ["qti"])
def test_write_export_forked_inline_and_without_fork_agree(quiz, fmt, tmp_path, monkeypatch):
    writer = exporter(fmt)
    whole = writer.render(quiz)
    write_export(writer, quiz, tmp_path / "inline")
    monkeypatch.setattr(registry, "SPLIT_FROM", 2)
    write_export(writer, quiz, tmp_path / "forked")
    monkeypatch.setattr(os, "fork", _no_fork)
    write_export(writer, quiz, tmp_path / "unforked")
    for name in ("inline", "forked", "unforked"):
        assert (tmp_path / name).read_bytes() == whole, name
    assert {p.name for p in tmp_path.iterdir()} - {"bank.yaml"} == {"forked", "inline", "unforked"}  # nothing else


@pytest.mark.parametrize("fmt", TEXT_FORMATS + ["qti"])
def test_export_command_writes_the_same_bytes_split(fmt, tmp_path, capsys, monkeypatch):
    bank = write_bank(tmp_path, plain_data(60))
    whole = run_cli(["export", bank, "--format", fmt, "--seed", "3", "-o", tmp_path / "whole"], capsys, monkeypatch)
    monkeypatch.setattr(registry, "SPLIT_FROM", 10)
    split = run_cli(["export", bank, "--format", fmt, "--seed", "3", "-o", tmp_path / "split"], capsys, monkeypatch)
    assert whole[0] == split[0] == 0
    assert whole[2].replace("whole", "split") == split[2]
    assert (tmp_path / "whole").read_bytes() == (tmp_path / "split").read_bytes()


def _fails(*args):
    raise OSError(28, "No space left on device")


def test_a_failing_part_leaves_the_target_as_it_was(tmp_path, monkeypatch):
    quiz = generate(load(write_bank(tmp_path, plain_data(40))), seed=5)
    target = tmp_path / "quiz.json"
    target.write_bytes(b"before")
    monkeypatch.setattr(registry, "SPLIT_FROM", 2)
    monkeypatch.setattr(registry, "_write_part", _fails)
    with pytest.raises(OSError, match="No space left") as e:
        write_export(exporter("json"), quiz, target)
    assert e.value.filename == str(target)
    assert target.read_bytes() == b"before"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bank.yaml", "quiz.json"]


@pytest.mark.parametrize("fmt", TEXT_FORMATS + ["qti"])
def test_the_fewest_questions_split_or_not(fmt, tmp_path, monkeypatch):
    bank = load(write_bank(tmp_path, plain_data(4)))
    writer = exporter(fmt)
    monkeypatch.setattr(registry, "SPLIT_FROM", 0)
    for n in (1, 2, 3):
        quiz = generate(bank, seed=2, facts=bank.facts[:n])
        write_export(writer, quiz, tmp_path / f"out{n}")
        assert (tmp_path / f"out{n}").read_bytes() == writer.render(quiz), n
