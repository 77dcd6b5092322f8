"""The answer sheet as typst draws it: every mark at the position the geometry computed.

typst receives positions and texts as JSON values and places them absolutely, so the PDF
and the geometry file cannot disagree.
"""

from __future__ import annotations

from .geometry import DIGIT_ROW_PITCH, MARKER_BITS, SheetGeometry

INSTRUCTIONS = ("Use a dark pen or a soft pencil. Fill the bubble of your answer completely, one per question; "
                "to change an answer, erase it completely. Write your student number in the boxes, one digit "
                "per box, and fill the matching bubble under each digit. Use the sheet of the version printed "
                "on your paper, and do not write near the black squares or the code.")


def qr_runs(text: str) -> tuple[int, list[list[int]]]:
    """The QR code of `text` (error correction M) as its size in modules and the runs of dark
    modules, row by row: [row, first column, length]. Runs draw as a few rectangles, not hundreds."""
    import segno  # only printing needs it

    matrix = segno.make(text, error="m", micro=False, boost_error=False).matrix
    runs = []
    for r, row in enumerate(matrix):
        c = 0
        while c < len(row):
            if row[c]:
                start = c
                while c < len(row) and row[c]:
                    c += 1
                runs.append([r, start, c - start])
            else:
                c += 1
    return len(matrix), runs


def sheet_drawing(geometry: SheetGeometry) -> dict:
    f = geometry.frame
    gx, gtop, pitch = f.student_grid
    pages = []
    for p in geometry.pages:
        modules, runs = qr_runs(p.qr_text)
        pages.append({
            "version": p.version, "sheet": p.sheet, "sheets": p.sheets,
            "clear": f"{geometry.quiz_id} · {p.version} · {p.sheet}",
            "qr": {"modules": modules, "runs": runs},
            "bubbles": [{"x": b.x, "y": b.y, "r": b.r, "label": b.label()} for b in p.bubbles],
            "labels": [{"x": lb.x, "y": lb.y, "text": lb.text} for lb in p.labels],
        })
    return {
        "page-size": [f.width, f.height],
        "markers": [{"x": m.x, "y": m.y, "size": m.size,
                     "white": [[r, c] for r, bits in enumerate(MARKER_BITS[m.id]) for c, b in enumerate(bits)
                               if b == "1"]}
                    for m in f.markers],
        "qr-box": list(f.qr),
        "name-box": list(f.name_box), "date-box": list(f.date_box), "version-box": list(f.version_box),
        "instructions-box": list(f.instructions), "instructions": INSTRUCTIONS,
        "digits": {"x": gx, "top": gtop, "pitch": pitch, "count": geometry.student_digits,
                   "row-pitch": DIGIT_ROW_PITCH},
        "rule-y": f.rule_y,
        "pages": pages,
    }
