"""DEFLATE in pieces: a zip entry's data compressed piece by piece, each piece on its own (so in
any process or thread), joined into one valid raw DEFLATE stream, as pigz makes it.

A piece is primed with the end (32 KiB) of the piece before it (its matches may reach back into
them) and ends on a byte boundary (a sync flush), the last with the final block: the bytes depend on the pieces alone,
not on where or in what order they were compressed. The CRC-32 of data compressed elsewhere is
combined with the CRC before it (`crc32_combine`), so the data itself need not come back.
"""

from __future__ import annotations

import zlib

WINDOW = 32768  # DEFLATE's window: what a piece's matches may reach back into


def deflate_piece(data: bytes, primer: bytes, last: bool, level: int) -> bytes:
    """``data`` as raw DEFLATE at ``level`` (zlib's other settings as `zipfile` uses them), primed
    with ``primer``; ended with the final block if ``last``, else flushed to a byte boundary."""
    if primer:
        z = zlib.compressobj(level, zlib.DEFLATED, -15, zlib.DEF_MEM_LEVEL, zlib.Z_DEFAULT_STRATEGY, primer)
    else:
        z = zlib.compressobj(level, zlib.DEFLATED, -15)
    return z.compress(data) + z.flush(zlib.Z_FINISH if last else zlib.Z_SYNC_FLUSH)


def _gf2_times(matrix: list[int], vector: int) -> int:
    total, i = 0, 0
    while vector:
        if vector & 1:
            total ^= matrix[i]
        vector >>= 1
        i += 1
    return total


def _gf2_square(matrix: list[int]) -> list[int]:
    return [_gf2_times(matrix, row) for row in matrix]


def crc32_combine(crc1: int, crc2: int, len2: int) -> int:
    """The CRC-32 of A + B from A's (``crc1``), B's (``crc2``) and B's length: zlib's
    ``crc32_combine``, which Python does not expose (log2(len2) small matrix squarings)."""
    if len2 <= 0:
        return crc1
    odd = [0xEDB88320] + [1 << i for i in range(31)]   # the operator for one zero bit
    even = _gf2_square(odd)                              # two zero bits
    odd = _gf2_square(even)                              # four zero bits
    while True:                                          # apply len2 zero bytes to crc1
        even = _gf2_square(odd)
        if len2 & 1:
            crc1 = _gf2_times(even, crc1)
        len2 >>= 1
        if not len2:
            break
        odd = _gf2_square(even)
        if len2 & 1:
            crc1 = _gf2_times(odd, crc1)
        len2 >>= 1
        if not len2:
            break
    return crc1 ^ crc2


class HeldPieces:
    """A zip entry's compressor (zlib's ``compress``/``flush``, for `zipfile`) that compresses each
    piece written on its own, primed with the end of the piece before: a piece is held until the
    next comes (or `flush`), so that the last one ends the stream. A single piece is compressed
    exactly as zipfile would. `splice` puts in a run of pieces compressed elsewhere."""

    def __init__(self, level: int):
        self._level = level
        self._primer = b""      # the end of the piece before the held one
        self._held: bytes | None = None

    def _release(self, last: bool) -> bytes:
        if self._held is None:
            return deflate_piece(b"", self._primer, True, self._level) if last else b""
        out = deflate_piece(self._held, self._primer, last, self._level)
        self._primer, self._held = self._held[-WINDOW:], None
        return out

    def compress(self, data) -> bytes:
        out = self._release(False)
        self._held = bytes(data)
        return out

    def flush(self) -> bytes:
        return self._release(True)

    def splice(self, entry, compressed, crc: int, size: int, tail: bytes) -> int:
        """Write into ``entry`` (the open zip entry, ``zipfile.ZipFile.open(..., "w")``, whose
        compressor this is) the chunks ``compressed`` of pieces compressed elsewhere, following the
        ones written here (the first primed with their end, none final): ``size`` bytes of data whose
        CRC-32 is ``crc``, ending with ``tail`` (its last `WINDOW` bytes, the next piece's primer).
        zipfile has no public way in for compressed data: its entry's counters are set as its
        ``write`` sets them. Returns how many bytes of ``compressed`` it wrote."""
        head = self._release(False)
        entry._fileobj.write(head)
        entry._compress_size += len(head)
        spliced = 0
        for chunk in compressed:
            entry._fileobj.write(chunk)
            spliced += len(chunk)
        entry._compress_size += spliced
        entry._file_size += size
        entry._crc = crc32_combine(entry._crc, crc, size)
        self._primer = tail[-WINDOW:]
        return spliced
