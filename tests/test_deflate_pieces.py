"""DEFLATE in pieces (generator/writers/deflate.py) and QTI's package compressed in pieces on two cores.

- `crc32_combine` is zlib's: the CRC of A + B from A's, B's and B's length.
- Pieces, each compressed on its own and joined, are one raw DEFLATE stream of the data put together;
  one piece alone is what zipfile writes.
- QTI's questions document: the same files in the zip (byte for byte the document one stream made)
  whether its later items are compressed here, in a forked child or inline without a fork, wherever
  the cut falls; the zip is read alike by zipfile and by `unzip -t`.
"""

from __future__ import annotations

import io
import os
import random
import shutil
import subprocess
import zipfile
import zlib

import pytest

from generator.quiz import generate
from generator.writers import qti as write_qti
from generator.writers import registry, write_export
from generator.writers.deflate import WINDOW, HeldPieces, crc32_combine, deflate_piece
from tests.quiz_banks import load, plain_data, write_bank


@pytest.mark.parametrize("sizes", [(0, 0), (1, 0), (0, 1), (5, 3), (1000, 70_000), (70_000, 1)])
def test_crc32_combine_is_the_crc_of_the_data_put_together(sizes):
    rng = random.Random(sum(sizes))
    a, b = rng.randbytes(sizes[0]), rng.randbytes(sizes[1])
    assert crc32_combine(zlib.crc32(a), zlib.crc32(b), len(b)) == zlib.crc32(a + b)


def _text(n: int, seed: int) -> bytes:
    rng = random.Random(seed)
    words = [b"item", b"ident", b"<mattext>", b"response", b"\n      ", b"feedback", b"&amp;", b"0", b"7"]
    return b" ".join(rng.choice(words) for _ in range(n))


@pytest.mark.parametrize("cuts", [[], [0], [1], [10, 20], [WINDOW - 1, WINDOW + 5, 3 * WINDOW]])
def test_pieces_joined_are_one_stream_of_the_whole(cuts):
    data = _text(40_000, len(cuts))
    bounds = [0, *cuts, len(data)]
    pieces = HeldPieces(1)
    out = b"".join(pieces.compress(data[a:b]) for a, b in zip(bounds, bounds[1:])) + pieces.flush()
    assert zlib.decompress(out, -15) == data


def test_one_piece_is_what_zipfile_writes():
    data = _text(5000, 1)
    z = zlib.compressobj(1, zlib.DEFLATED, -15)
    assert deflate_piece(data, b"", True, 1) == z.compress(data) + z.flush()
    pieces = HeldPieces(1)
    assert pieces.compress(data) + pieces.flush() == deflate_piece(data, b"", True, 1)
    assert HeldPieces(1).flush() == zlib.compressobj(1, zlib.DEFLATED, -15).flush()   # an empty entry


@pytest.fixture(scope="module")
def quiz(tmp_path_factory):
    return generate(load(write_bank(tmp_path_factory.mktemp("bank"), plain_data(40))), seed=5)


def _files(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.testzip() is None
        return {info.filename: zf.read(info) for info in zf.infolist()}


def test_questions_document_is_what_one_stream_holds(quiz, monkeypatch):
    """The document in the zip is the document's pieces put together, whatever the groups."""
    aid = write_qti.assessment_ident(quiz)
    document = b"".join(write_qti.assessment_xml(quiz, aid))
    for group in (1, 4, write_qti.GROUP):
        monkeypatch.setattr(write_qti, "GROUP", group)
        files = _files(write_qti.render(quiz))
        assert files[f"{aid}/{aid}.xml"] == document
        assert b"".join(write_qti.assessment_xml(quiz, aid)) == document


def _no_fork():
    raise OSError("fork: resource temporarily unavailable")


@pytest.mark.parametrize("share", [0.01, 0.5, 0.99])
def test_forked_inline_and_without_fork_agree_wherever_the_cut(quiz, share, tmp_path, monkeypatch):
    monkeypatch.setattr(write_qti, "GROUP", 3)        # the child's items begin after the first group
    monkeypatch.setattr(registry, "QTI_SPLIT", share)
    whole = write_qti.render(quiz)
    write_export(write_qti, quiz, tmp_path / "inline")
    monkeypatch.setattr(registry, "SPLIT_FROM", 2)
    write_export(write_qti, quiz, tmp_path / "forked")
    monkeypatch.setattr(os, "fork", _no_fork)
    write_export(write_qti, quiz, tmp_path / "unforked")
    for name in ("inline", "forked", "unforked"):
        assert (tmp_path / name).read_bytes() == whole, name
    assert {p.name for p in tmp_path.iterdir()} == {"forked", "inline", "unforked"}   # nothing else


@pytest.mark.skipif(shutil.which("unzip") is None, reason="no unzip")
def test_unzip_reads_the_package(quiz, tmp_path, monkeypatch):
    monkeypatch.setattr(write_qti, "GROUP", 2)
    path = tmp_path / "quiz.qti.zip"
    path.write_bytes(write_qti.render(quiz))
    r = subprocess.run(["unzip", "-t", str(path)], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    aid = write_qti.assessment_ident(quiz)
    r = subprocess.run(["unzip", "-p", str(path), f"{aid}/{aid}.xml"], capture_output=True)
    assert r.returncode == 0 and r.stdout == b"".join(write_qti.assessment_xml(quiz, aid))


def test_items_compressed_apart_must_come_back_whole(quiz, monkeypatch):
    monkeypatch.setattr(write_qti, "GROUP", 4)
    chunks: list[bytes] = []
    done = write_qti.deflate_items(quiz, 8, chunks.append)
    assert write_qti.render(quiz, (8, lambda: (done, chunks))) == write_qti.render(quiz)
    short = b"".join(chunks)[:-1]
    with pytest.raises(OSError, match="not read back whole"):
        write_qti.render(quiz, (8, lambda: (done, [short])))
