"""Which writer module renders which export format, and how an export is written to its file.

Each writer module provides ``render(quiz) -> bytes``, ``SUFFIX`` (the usual file
ending) and ``BINARY`` (True when the output cannot go to a terminal). The text formats
also provide ``render_part(quiz, start, stop)``: the bytes of ``render`` holding the
questions ``start:stop``, so that the parts of consecutive ranges put together are
``render``'s bytes; QTI's zip takes its later items compressed elsewhere (``deflate_items``).
"""

from __future__ import annotations

import importlib
import os
import tempfile
from typing import Iterator

from ..atomic import output_set
from ..forked import Forked
from ..quiz import Quiz

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
    with output_set(os.path.dirname(os.path.abspath(os.fspath(target)))) as files:
        tmp = files.path(target)
        try:
            with open(tmp, "wb", buffering=0) as out:
                if n < max(SPLIT_FROM, 2):
                    _write_all(out.fileno(), writer.render(quiz))
                elif hasattr(writer, "render_part"):
                    _write_text_split(writer, quiz, out.fileno(), _cut(n, TEXT_SPLIT))
                else:
                    _write_all(out.fileno(), _render_qti_split(writer, quiz, os.path.dirname(tmp),
                                                                  n - _cut(n, QTI_SPLIT)))
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


def _write_part(writer, quiz: Quiz, start: int, stop: int, fd: int) -> int:
    data = writer.render_part(quiz, start, stop)
    _write_all(fd, data)
    return len(data)


def _write_text_split(writer, quiz: Quiz, fd: int, first: int) -> None:
    """The questions ``:first`` rendered and written by a child (a file's offset is shared with it, so
    it writes from the start), the rest rendered here meanwhile and written after them."""
    n = len(quiz.questions)
    head = Forked(_write_part, writer, quiz, 0, first, fd)
    rest = writer.render_part(quiz, first, n)
    head.result()
    _write_all(fd, rest)


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
