"""Which writer module renders which export format, and how an export is written to its file.

Each writer module provides ``render(quiz) -> bytes``, ``SUFFIX`` (the usual file
ending) and ``BINARY`` (True when the output cannot go to a terminal). The text formats
also provide ``render_part(quiz, start, stop)``: the bytes of ``render`` holding the
questions ``start:stop``, so that the parts of consecutive ranges put together are
``render``'s bytes; QTI's zip takes its items' XML made elsewhere (``item_pieces``).

`export_generated` makes the quiz as well: a large text export is made on two cores from the
facts up, each process making, arranging and rendering its own part of the questions.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import tempfile
from bisect import bisect_left
from dataclasses import dataclass
from itertools import chain
from typing import Iterator

from ..atomic import output_set
from ..bank import Bank, Fact, gc_paused
from ..forked import Forked
from ..quiz import MIN_OPTIONS, Generator, Question, Quiz, generate
from ..quiz.generate import Arrangement

EXPORTERS = {
    "json": "generator.writers.json",
    "gift": "generator.writers.gift",
    "moodle-xml": "generator.writers.moodle_xml",
    "qti": "generator.writers.qti",
}

# From this many questions an export is rendered on two cores (a forked child renders a part of the
# questions while this process renders the rest): below it, a process costs more than it saves.
SPLIT_FROM = 20_000
# The share of the questions the child renders. Text formats: it renders the first part and writes
# it, then this process writes the rest after it: a little less than half. QTI: it renders the later
# items only, since one stream compresses them all here (DEFLATE's bytes depend on everything before
# them): the larger share.
TEXT_SPLIT = 0.45
QTI_SPLIT = 0.7
_CHUNK = 1 << 20


def exporter(name: str):
    return importlib.import_module(EXPORTERS[name])


def write_export(writer, quiz: Quiz, target) -> None:
    """``writer``'s export of the quiz as the file ``target``, which appears whole or not at all: the
    bytes of ``writer.render(quiz)``, on two cores from `SPLIT_FROM` questions on."""
    n = len(quiz.questions)
    with _output(target) as (out, folder):
        if n < max(SPLIT_FROM, 2):
            _write_all(out.fileno(), writer.render(quiz))
        elif hasattr(writer, "render_part"):
            _write_text_split(writer, quiz, out.fileno(), _cut(n, TEXT_SPLIT))
        else:
            _write_all(out.fileno(), _render_qti_split(writer, quiz, folder, n - _cut(n, QTI_SPLIT)))


@dataclass
class Exported:
    questions: int   # how many questions the file holds
    made: object     # what this process made for it (for a caller that keeps it to the end of the process)


def export_generated(writer, bank: Bank, target, seed: int, options: int, facts: list[Fact]) -> Exported:
    """``writer``'s export of ``generate(bank, seed, options, facts)`` as the file ``target``, as
    `write_export` writes it. From `SPLIT_FROM` facts, a text format is made on two cores from the
    facts up: a forked child makes, arranges, renders and writes the first part of the questions
    while this process does the same for the rest (making the questions is a quarter of the work)."""
    if len(facts) < max(SPLIT_FROM, 2) or not hasattr(writer, "render_part"):
        quiz = generate(bank, seed=seed, options=options, facts=facts)
        write_export(writer, quiz, target)
        return Exported(len(quiz.questions), quiz)
    with _output(target) as (out, _):
        return _write_generated_split(writer, bank, seed, options, facts, out.fileno(),
                                      _cut(len(facts), TEXT_SPLIT))


@contextlib.contextmanager
def _output(target) -> Iterator[tuple]:
    """The file written as ``target`` (whole or not at all; unbuffered) and its folder; an I/O error names it."""
    with output_set(os.path.dirname(os.path.abspath(os.fspath(target)))) as files:
        tmp = files.path(target)
        try:
            with open(tmp, "wb", buffering=0) as out:
                yield out, os.path.dirname(tmp)
        except OSError as e:
            if e.filename is None:   # a write on a full disk names no file
                e.filename = os.fspath(target)
            raise


def _cut(n: int, share: float) -> int:
    """``share`` of ``n`` questions, at least one and leaving one."""
    return min(max(round(n * share), 1), n - 1)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _render_pieces(writer, quiz: Quiz, start: int, stop: int) -> list:
    """``writer.render_part``'s bytes, in the pieces the writer makes them in where it can (not joined)."""
    if hasattr(writer, "render_pieces"):
        return writer.render_pieces(quiz, start, stop)
    return [writer.render_part(quiz, start, stop)]


def _write_part(writer, quiz: Quiz, start: int, stop: int, fd: int) -> int:
    size = 0
    for piece in _render_pieces(writer, quiz, start, stop):
        _write_all(fd, piece)
        size += len(piece)
    return size


def _write_text_split(writer, quiz: Quiz, fd: int, first: int) -> None:
    """The questions ``:first`` rendered and written by a child (a file's offset is shared with it, so
    it writes from the start), the rest rendered here meanwhile and written after them."""
    n = len(quiz.questions)
    head = Forked(_write_part, writer, quiz, 0, first, fd)
    rest = _render_pieces(writer, quiz, first, n)
    head.result()
    for piece in rest:
        _write_all(fd, piece)


# Stands for a question that another process makes and renders: the writers read only the length of
# the quiz's list of questions outside the part they render (and the fact of the question before it).
_ELSEWHERE = Question(None, [])


def _write_generated_split(writer, bank: Bank, seed: int, options: int, facts: list[Fact], fd: int,
                           cut: int) -> Exported:
    """The questions of ``facts[:cut]`` made, arranged, rendered and written by a child (from the file's
    start: its offset is shared), those of the rest here meanwhile, written after them. Arranging is
    the only step that depends on the questions before: its draws depend only on their option counts,
    counted first without making most questions (`Generator.option_counts`), before the fork: the
    pages the count reads are then shared by both processes, where after it each would copy them."""
    with gc_paused():   # ~10 objects a question, none in a cycle: the collector would only slow it down
        gen = Generator(bank, seed, options)
        counts = gen.option_counts(facts)
        kept = [i for i, k in enumerate(counts) if k >= MIN_OPTIONS]
        first = bisect_left(kept, cut)
        head = Forked(_write_first_part, writer, gen, facts[:cut], first, len(kept), fd)
        arrangement = Arrangement(seed)
        arrangement.skip(counts[:cut])
        rest = arrangement.arrange([gen.question(f) for f in facts[cut:]])
        if rest:
            # The questions before, as the writers see them: the last one's topic (a category continues).
            before = [*[_ELSEWHERE] * (first - 1), Question(facts[kept[first - 1]], [])] if first else []
            quiz = Quiz(bank, before + rest, seed, options)
            data = _render_pieces(writer, quiz, first, len(quiz.questions))
        else:
            quiz = Quiz(bank, [_ELSEWHERE] * first, seed, options)
            data = [] if first else [writer.render(quiz)]   # the child wrote the whole file, or nothing
    head.result()
    for piece in data:
        _write_all(fd, piece)
    return Exported(len(quiz.questions), quiz)


def _write_first_part(writer, gen: Generator, facts: list[Fact], first: int, total: int, fd: int) -> int:
    """The questions of ``facts`` (``first`` of them with options enough, of ``total`` in the quiz) made,
    arranged, rendered and written to ``fd``: the start of the file, or nothing."""
    if not first:
        return 0
    with gc_paused():
        questions = Arrangement(gen.seed).arrange([gen.question(f) for f in facts])
        quiz = Quiz(gen.bank, questions + [_ELSEWHERE] * (total - first), gen.seed, gen.options)
        return _write_part(writer, quiz, 0, first, fd)


def _write_items(writer, quiz: Quiz, start: int, fd: int) -> int:
    size = 0
    for piece in writer.item_pieces(quiz, start, None):
        _write_all(fd, piece)
        size += len(piece)
    return size


def _render_qti_split(writer, quiz: Quiz, folder: str, first: int) -> bytes:
    """The package, the items from ``first`` on rendered by a child into a file without a name (in
    the output's folder), read back into the zip's one stream after the items made here."""
    with tempfile.TemporaryFile(dir=folder) as scratch:
        later = Forked(_write_items, writer, quiz, first, scratch.fileno())

        def later_items() -> Iterator[bytes]:
            size = later.result()
            scratch.seek(0)
            while size > 0:
                piece = scratch.read(min(_CHUNK, size))
                if not piece:
                    raise OSError(f"the items written apart end {size} bytes early")
                size -= len(piece)
                yield piece

        return writer.render(quiz, chain(writer.item_pieces(quiz, 0, first), later_items()))

