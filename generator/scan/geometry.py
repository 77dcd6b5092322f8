"""Where everything on the answer sheet is: computed here, drawn by typst at these positions, read back by the scanner.

All lengths are PDF points (1/72 inch) from the top-left corner of the page. The same layout
serves A4 and Letter: only the page size differs, and everything below the header follows it.
Nothing here needs OpenCV: printing a quiz computes the layout without loading the scanner.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field

FORMAT = "errata-answer-sheet"
FORMAT_VERSION = 1
PAGE_SIZES = {"a4": (595.2756, 841.8898), "letter": (612.0, 792.0)}   # typst's "a4" and "us-letter"
DEFAULT_STUDENT_DIGITS = 7
MAX_STUDENT_DIGITS = 12

# Fiducials: ArUco markers of the 4×4 dictionary (cv2.aruco.DICT_4X4_50), ids 0–3 clockwise from the
# top-left. Each is a black square of 6×6 cells: a black border around these 4×4 bits (1 = white).
# Distinct ids give the page's orientation, so a sheet scanned upside down is read as well.
MARKER_BITS = {
    0: ("1011", "0101", "0011", "0010"),
    1: ("0000", "1111", "1001", "1010"),
    2: ("0011", "0011", "0010", "1101"),
    3: ("1001", "1001", "0100", "0110"),
}
MARKER_SIZE = 30.0     # 10.6 mm
MARKER_INSET = 34.0    # 12 mm from the page edge: printers' margins and a skewed feed keep them on the page

BUBBLE_R = 6.5         # answer bubbles: 13 pt (4.6 mm) across
DIGIT_R = 5.2
ROW_PITCH = 17.0
GROUP_GAP = 7.0        # extra space after every fifth row, to keep the eye on its row
OPTION_PITCH = 20.0
NUMBER_WIDTH = 22.0
DIGIT_PITCH = 15.0
DIGIT_ROW_PITCH = 13.0
QR_SIZE = 66.0
CONTENT_X = 56.0       # left and right edge of the content
QUESTIONS_TOP = 312.0
GROUP = 5


@dataclass
class Bubble:
    role: str                      # "question" or "student"
    x: float
    y: float
    r: float
    question: int | None = None    # role "question": the number printed on the paper, from 1
    option: str | None = None      # role "question": the option letter
    digit_position: int | None = None   # role "student": the digit's place, from 0 at the left
    digit: int | None = None       # role "student": 0–9

    def label(self) -> str:
        return self.option if self.role == "question" else str(self.digit)

    def to_json(self) -> dict:
        d = {"role": self.role}
        if self.role == "question":
            d.update(question=self.question, option=self.option)
        else:
            d.update(digit_position=self.digit_position, digit=self.digit)
        d.update(x=round(self.x, 2), y=round(self.y, 2), r=self.r)
        return d


@dataclass
class Marker:
    id: int
    x: float       # top-left corner of the black square
    y: float
    size: float = MARKER_SIZE

    def corners(self) -> list[tuple[float, float]]:
        """Clockwise from the marker's own top-left, as cv2.aruco reports them."""
        x, y, s = self.x, self.y, self.size
        return [(x, y), (x + s, y), (x + s, y + s), (x, y + s)]


@dataclass
class Label:
    """A text placed by typst: `x`, `y` is the top-left of its box (or its centre when `centre`)."""
    x: float
    y: float
    text: str
    kind: str          # the typst style: "number", "option", "digit"
    centre: bool = False


@dataclass
class SheetPage:
    page: int            # 1-based page of the answer-sheet PDF
    version: str | None
    sheet: int           # this version's sheet number, from 1
    sheets: int          # sheets per version
    first: int           # first and last question on this sheet
    last: int
    qr_text: str
    bubbles: list[Bubble] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)

    def to_json(self) -> dict:
        return {"page": self.page, "version": self.version, "sheet": self.sheet, "sheets": self.sheets,
                "questions": [self.first, self.last], "qr": self.qr_text,
                "bubbles": [b.to_json() for b in self.bubbles]}


@dataclass
class Frame:
    """The parts at the same place on every page: markers, QR, header boxes, the student-number grid."""
    width: float
    height: float
    markers: list[Marker]
    qr: tuple[float, float, float]          # x, y, size
    name_box: tuple[float, float, float, float]
    date_box: tuple[float, float, float, float]
    version_box: tuple[float, float, float, float]
    instructions: tuple[float, float, float]   # x, y, width
    student_grid: tuple[float, float, float]   # x of the first column's centre, y of the digit boxes' top, pitch
    rule_y: float


@dataclass
class SheetGeometry:
    quiz_id: str
    paper: str
    frame: Frame
    pages: list[SheetPage]
    student_digits: int
    letters: list[str]
    questions: int
    per_sheet: int

    @property
    def page_size(self) -> tuple[float, float]:
        return self.frame.width, self.frame.height

    def to_json(self) -> dict:
        return {
            "format": FORMAT, "version": FORMAT_VERSION, "quiz_id": self.quiz_id, "paper": self.paper,
            "page_size_pt": [round(self.frame.width, 4), round(self.frame.height, 4)],
            "student_digits": self.student_digits, "questions": self.questions,
            "markers": [{"id": m.id, "corners": [[round(x, 2), round(y, 2)] for x, y in m.corners()]}
                        for m in self.frame.markers],
            "qr": {"x": round(self.frame.qr[0], 2), "y": round(self.frame.qr[1], 2), "size": self.frame.qr[2]},
            "pages": [p.to_json() for p in self.pages],
        }


    def to_text(self) -> str:
        """The geometry file: JSON with one bubble a line, small and still readable."""
        data = self.to_json()
        pages = data.pop("pages")
        head = json.dumps(data, separators=(", ", ": "))[:-1]
        out = [head + ', "pages": [']
        for i, page in enumerate(pages):
            bubbles = page.pop("bubbles")
            out.append(" " + json.dumps(page, separators=(", ", ": "))[:-1] + ', "bubbles": [')
            out.append(",\n".join("  " + json.dumps(b, separators=(", ", ": ")) for b in bubbles))
            out.append(" ]}" + ("," if i < len(pages) - 1 else ""))
        out.append("]}")
        return "\n".join(out) + "\n"


# --- the QR code's text -----------------------------------------------------------------

QR_PREFIX = "ERRATA"
_QR = re.compile(r"^ERRATA/([0-9A-Z]{4}-[0-9A-Z]{4})/([A-Z])/(\d+)$")


def qr_text(quiz_id: str, version: str, sheet: int) -> str:
    # Upper case, digits and "/-" only: QR's alphanumeric mode keeps the code small.
    return f"{QR_PREFIX}/{quiz_id}/{version}/{sheet}"


def parse_qr(text: str) -> tuple[str, str, int] | None:
    """quiz id, version letter, sheet number; None for a code that is not an Errata sheet's."""
    m = _QR.match(text.strip())
    return (m.group(1), m.group(2), int(m.group(3))) if m else None


# --- layout -----------------------------------------------------------------------------

def _frame(paper: str, digits: int) -> Frame:
    w, h = PAGE_SIZES[paper]
    i, s = MARKER_INSET, MARKER_SIZE
    markers = [Marker(0, i, i), Marker(1, w - i - s, i), Marker(2, w - i - s, h - i - s), Marker(3, i, h - i - s)]
    qr = (w - i - s - 16 - QR_SIZE, i, QR_SIZE)     # 16 pt clear of the marker: the QR's quiet zone
    right = w - CONTENT_X
    grid_x = right - digits * DIGIT_PITCH + DIGIT_PITCH / 2
    left_width = (right - digits * DIGIT_PITCH - 22) - CONTENT_X
    return Frame(
        width=w, height=h, markers=markers, qr=qr,
        name_box=(CONTENT_X, 122, left_width, 34),
        date_box=(CONTENT_X, 164, left_width * 0.55, 34),
        version_box=(CONTENT_X + left_width * 0.55 + 10, 164, left_width * 0.45 - 10, 34),
        instructions=(CONTENT_X, 208, left_width),
        student_grid=(grid_x, 134, DIGIT_PITCH),
        rule_y=QUESTIONS_TOP - 14,
    )


def _columns(paper: str, options: int) -> tuple[int, int]:
    """Question columns across and rows down one sheet."""
    w, h = PAGE_SIZES[paper]
    row_width = NUMBER_WIDTH + options * OPTION_PITCH
    cols = max(1, min(4, int((w - 2 * CONTENT_X + 24) // (row_width + 24))))
    bottom = h - MARKER_INSET - MARKER_SIZE - 8
    rows = 0
    while _row_y(rows) + ROW_PITCH / 2 <= bottom:
        rows += 1
    return cols, rows


def _row_y(row: int) -> float:
    """The centre line of the row-th row (from 0) of a column."""
    return QUESTIONS_TOP + ROW_PITCH / 2 + row * ROW_PITCH + (row // GROUP) * GROUP_GAP


def capacity(paper: str, options: int) -> int:
    """Questions that fit on one sheet."""
    cols, rows = _columns(paper, options)
    return cols * rows


def layout_sheet(quiz_id: str, versions: list[str], questions: int, letters: list[str], paper: str = "a4",
                 student_digits: int = DEFAULT_STUDENT_DIGITS) -> SheetGeometry:
    """The answer sheet of a quiz: for each version its sheets, each with every bubble's place."""
    if not 1 <= student_digits <= MAX_STUDENT_DIGITS:
        raise ValueError(f"student digits must be between 1 and {MAX_STUDENT_DIGITS}, not {student_digits}")
    frame = _frame(paper, student_digits)
    cols, rows = _columns(paper, len(letters))
    per_sheet = cols * rows
    sheets = max(1, math.ceil(questions / per_sheet))
    pages = []
    for version in versions:
        for sheet in range(1, sheets + 1):
            first = (sheet - 1) * per_sheet + 1
            last = min(questions, sheet * per_sheet)
            page = SheetPage(len(pages) + 1, version, sheet, sheets, first, last, qr_text(quiz_id, version, sheet))
            _student_grid(page, frame, student_digits)
            _question_rows(page, frame, letters, cols, rows)
            pages.append(page)
    return SheetGeometry(quiz_id, paper, frame, pages, student_digits, list(letters), questions, per_sheet)


def _student_grid(page: SheetPage, frame: Frame, digits: int) -> None:
    x0, top, pitch = frame.student_grid
    for pos in range(digits):
        x = x0 + pos * pitch
        for d in range(10):
            y = top + 28 + d * DIGIT_ROW_PITCH
            page.bubbles.append(Bubble("student", x, y, DIGIT_R, digit_position=pos, digit=d))


def _question_rows(page: SheetPage, frame: Frame, letters: list[str], cols: int, rows: int) -> None:
    n = page.last - page.first + 1
    # Fill columns top-down; a short quiz uses whole groups of five rows and fewer columns.
    down = min(rows, GROUP * math.ceil(math.ceil(n / cols) / GROUP))
    col_width = (frame.width - 2 * CONTENT_X) / math.ceil(n / down)    # the columns used share the width
    row_width = NUMBER_WIDTH + len(letters) * OPTION_PITCH
    for k in range(n):
        col, row = divmod(k, down)
        left = CONTENT_X + col * col_width + (col_width - row_width) / 2
        y = _row_y(row)
        q = page.first + k
        page.labels.append(Label(left, y, str(q), "number"))
        for j, letter in enumerate(letters):
            x = left + NUMBER_WIDTH + OPTION_PITCH / 2 + j * OPTION_PITCH
            page.bubbles.append(Bubble("question", x, y, BUBBLE_R, question=q, option=letter))
