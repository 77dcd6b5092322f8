"""Which writer module renders which export format, and how an export is written to its file.

Each writer module provides ``render(quiz) -> bytes``, ``SUFFIX`` (the usual file
ending) and ``BINARY`` (True when the output cannot go to a terminal). The text formats
also provide ``render_part(quiz, start, stop)``: the bytes of ``render`` holding the
questions ``start:stop``, so that the parts of consecutive ranges put together are
``render``'s bytes; QTI's zip takes its later items compressed elsewhere (``deflate_items``).

`export_generated` makes the quiz as well: a large export is made on two cores from the facts up,
each process making, arranging and rendering its own part of the questions.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import pickle
import tempfile
from dataclasses import dataclass
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
# it, then this process writes the rest after it: a little less than half. QTI: it renders and
# compresses the later items (DEFLATE in pieces), this process the earlier ones, then makes the zip.
TEXT_SPLIT = 0.45
QTI_SPLIT = 0.5
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
    while this process does the same for the rest (making the questions is a quarter of the work).
    QTI likewise, its child taking the later part (`_render_qti_generated`)."""
    if len(facts) >= max(SPLIT_FROM, 2) and hasattr(writer, "deflate_items"):
        # QTI: the questions counted first (cheap), so that each process makes only those it renders.
        gen = Generator(bank, seed, options)
        counts = gen.option_counts(facts)
        n = sum(k >= MIN_OPTIONS for k in counts)
        if n >= max(SPLIT_FROM, 2):
            with _output(target) as (out, folder):
                exported, data = _render_qti_generated(writer, gen, facts, counts, folder, n - _cut(n, QTI_SPLIT))
                _write_all(out.fileno(), data)
            return exported
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
    start: its offset is shared), those of the rest here meanwhile, written after them.

    Arranging is the one step that depends on the questions before: the child says where its
    arrangement's draws end (and this process, how many questions the rest holds, which the head of
    some formats says) through a pipe each way, each message sent before the other is awaited. Without
    a child (no fork, or it failed before it said), the first part's draws are drawn for here from its
    option counts (`Generator.option_counts`), and `Forked` does the first part afterwards, or raises
    the child's error."""
    up_read, up_write = os.pipe()       # child → here: where the first part's arrangement ends
    down_read, down_write = os.pipe()   # here → child: how many questions the rest holds
    try:
        head = Forked(_write_first_part, writer, bank, seed, options, facts, cut, fd, os.getpid(),
                      (up_read, up_write, down_read, down_write))
    finally:
        os.close(up_write)
        os.close(down_read)
    try:
        with gc_paused():   # ~10 objects a question, none in a cycle: the collector would only slow it down
            gen = Generator(bank, seed, options)
            built = [gen.question(f) for f in facts[cut:]]
            _send(down_write, sum(len(q.options) >= MIN_OPTIONS for q in built))
            os.close(down_write)
            down_write = None
            told = _received(up_read)
            if told is not None:
                state, first, last = told
                arrangement = Arrangement.resumed(state)
            else:
                counts = gen.option_counts(facts[:cut])
                arrangement = Arrangement(seed)
                arrangement.skip(counts)
                kept = [i for i, k in enumerate(counts) if k >= MIN_OPTIONS]
                first, last = len(kept), kept[-1] if kept else None
            rest = arrangement.arrange(built)
            if rest:
                # The questions before, as the writers see them: the last one's topic (a category continues).
                before = [*[_ELSEWHERE] * (first - 1), Question(facts[last], [])] if first else []
                quiz = Quiz(bank, before + rest, seed, options)
                data = _render_pieces(writer, quiz, first, len(quiz.questions))
            else:
                quiz = Quiz(bank, [_ELSEWHERE] * first, seed, options)
                data = [] if first else [writer.render(quiz)]   # the child wrote the whole file, or nothing
    finally:
        os.close(up_read)
        if down_write is not None:
            os.close(down_write)
    head.result()
    for piece in data:
        _write_all(fd, piece)
    return Exported(len(quiz.questions), quiz)


def _write_first_part(writer, bank: Bank, seed: int, options: int, facts: list[Fact], cut: int, fd: int,
                      parent: int, pipes: tuple[int, int, int, int]) -> int:
    """The questions of ``facts[:cut]`` made, arranged, rendered and written to ``fd``: the start of the
    file, or nothing when none has options enough. In a child of ``parent``, it says where its
    arrangement ends and hears how many questions follow (`_write_generated_split`); done in line,
    the parent's pipes are closed and it counts them itself."""
    up_read, up_write, down_read, down_write = pipes
    apart = os.getpid() != parent
    if apart:
        os.close(up_read)
        os.close(down_write)
    with gc_paused():
        gen = Generator(bank, seed, options)
        built = [gen.question(f) for f in facts[:cut]]
        kept = [i for i, q in enumerate(built) if len(q.options) >= MIN_OPTIONS]
        arrangement = Arrangement(seed)
        questions = arrangement.arrange(built)
        later = None
        if apart:
            _send(up_write, (arrangement.state(), len(questions), kept[-1] if kept else None))
            os.close(up_write)
            later = _received(down_read)
            os.close(down_read)
        if later is None:
            later = sum(k >= MIN_OPTIONS for k in gen.option_counts(facts[cut:]))
        if not questions:
            return 0
        return _write_part(writer, Quiz(bank, questions + [_ELSEWHERE] * later, seed, options), 0,
                           len(questions), fd)


def _send(fd: int, value) -> None:
    """``value`` to the other end of a pipe, if it is still there (a small message: the pipe holds it
    whole, so this never waits for the reader)."""
    try:
        _write_all(fd, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
    except BrokenPipeError:   # no reader: no child, or it ended (its result says why)
        pass


def _received(fd: int):
    """What the other end of a pipe sent before it closed it, or None when it sent nothing."""
    with os.fdopen(os.dup(fd), "rb") as source:
        data = source.read()
    return pickle.loads(data) if data else None


def _write_items(writer, quiz: Quiz, start: int, fd: int):
    """The items from ``start`` on, compressed into ``fd``; what `render` needs of them besides."""
    return writer.deflate_items(quiz, start, lambda data: _write_all(fd, data))


def _render_qti_split(writer, quiz: Quiz, folder: str, first: int) -> bytes:
    """The package, the items from ``first`` on (from the start of its group) rendered and compressed
    by a child into a file without a name (in the output's folder), while the items before are
    rendered and compressed here; its compressed bytes are put in after them."""
    with tempfile.TemporaryFile(dir=folder) as scratch:
        later = Forked(_write_items, writer, quiz, writer.group_start(first), scratch.fileno())

        def wait() -> tuple[object, Iterator[bytes]]:
            done = later.result()
            scratch.seek(0)
            return done, iter(lambda: scratch.read(_CHUNK), b"")

        return writer.render(quiz, (writer.group_start(first), wait))


def _render_qti_generated(writer, gen: Generator, facts: list[Fact], counts: list[int], folder: str,
                          first: int) -> tuple[Exported, bytes]:
    """`_render_qti_split` from the facts up: the package of ``gen``'s quiz of ``facts`` (their option
    counts ``counts``, `Generator.option_counts`), the questions from ``first``'s group on made,
    arranged, rendered and compressed by a child while this process does the same for those before.

    Each process arranges its part after drawing for the questions before it from their counts
    (`Arrangement.skip`); the questions of the other part stand in as their facts (the package's
    ident and question count are made from the facts of the whole quiz)."""
    bank = gen.bank
    kept = [i for i, k in enumerate(counts) if k >= MIN_OPTIONS]
    start = writer.group_start(first)
    with tempfile.TemporaryFile(dir=folder) as scratch:
        later = Forked(_write_generated_items, writer, gen, facts, counts, kept, start, scratch.fileno())
        with gc_paused():
            made = Arrangement(gen.seed).arrange([gen.question(f) for f in facts[:kept[start - 1] + 1 if start else 0]])
            if len(made) != start:
                raise RuntimeError(f"{len(made)} questions made of the first {start}")
            quiz = Quiz(bank, made + [Question(facts[i], []) for i in kept[start:]], gen.seed, gen.options)

        def wait() -> tuple[object, Iterator[bytes]]:
            done = later.result()
            scratch.seek(0)
            return done, iter(lambda: scratch.read(_CHUNK), b"")

        return Exported(len(kept), quiz), writer.render(quiz, (start, wait))


def _write_generated_items(writer, gen: Generator, facts: list[Fact], counts: list[int], kept: list[int],
                           start: int, fd: int):
    """The items from question ``start`` (a group's first) on, made from their facts (``kept``: the
    index of each question's fact), arranged, and compressed into ``fd``, with the group's before them
    that prime the first (`_write_items`)."""
    with gc_paused():
        back = max(start - writer.GROUP, 0)   # the items before that prime the first are of the group before
        origin = kept[back] if back < len(kept) else len(facts)
        arrangement = Arrangement(gen.seed)
        arrangement.skip(counts[:origin])
        made = arrangement.arrange([gen.question(f) for f in facts[origin:]])
        if len(made) != len(kept) - back:
            raise RuntimeError(f"{len(made)} questions made of the last {len(kept) - back}")
        quiz = Quiz(gen.bank, [Question(facts[i], []) for i in kept[:back]] + made, gen.seed, gen.options)
    return _write_items(writer, quiz, start, fd)
