"""A response file read as a table: UTF-8 with or without a BOM, comma or semicolon.

Spreadsheets in many locales save CSV with semicolons; Excel adds a BOM. Each record
keeps the line it starts on, so every problem can name its file, line and column.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from ..model import Problem


@dataclass
class Table:
    file: str
    header: list[str]
    rows: list[tuple[int, list[str]]]   # (line the record starts on, cells)


def sniff_delimiter(first_line: str) -> str:
    """Comma or semicolon: whichever the header uses more, outside quotes."""
    counts = {",": 0, ";": 0, "\t": 0}
    quoted = False
    for c in first_line:
        if c == '"':
            quoted = not quoted
        elif not quoted and c in counts:
            counts[c] += 1
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def read_table(file: str, data: bytes) -> tuple[Table | None, list[Problem]]:
    if not data.strip(b"\xef\xbb\xbf \t\r\n"):
        return None, [Problem(file, "empty file: expected a CSV of responses with a header line")]
    if data[:4] == b"PK\x03\x04" or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return None, [Problem(file, "not a CSV: this is a spreadsheet workbook; save it as CSV (UTF-8) first")]
    if data[:5] == b"%PDF-":
        return None, [Problem(file, "not a CSV: this is a PDF")]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[:e.start].count(b"\n") + 1
        return None, [Problem(file, "not a CSV in UTF-8 (byte %#x): save it as 'CSV UTF-8'" % data[e.start], line)]
    if "\x00" in text:
        return None, [Problem(file, "not a CSV: the file holds binary data")]
    first = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(first), strict=True)
    rows: list[tuple[int, list[str]]] = []
    start = 1
    try:
        for cells in reader:
            rows.append((start, cells))
            start = reader.line_num + 1
    except csv.Error as e:
        return None, [Problem(file, f"not a readable CSV: {e}", start)]
    if not rows or len(rows[0][1]) < 2:
        return None, [Problem(file, "not a CSV of responses: the first line should be a header such as "
                                    "'student,version,1,2,…' (or a Moodle or Canvas export)", 1)]
    header = [h.strip() for h in rows[0][1]]
    return Table(file, header, [(ln, c) for ln, c in rows[1:] if any(x.strip() for x in c)]), []
