"""A pile of scans → response rows, a review list and the corrections applied.

Pages come from PDFs (rendered by PDFium) and images, in any order. Every page is read on its
own; a page that cannot be read is a review line, never the end of the batch. Rows are one per
student and version: a quiz longer than one sheet joins its sheets by the student number.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

from .geometry import Bubble, FORMAT

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp"}
PDF_RENDER_SCALE = 200 / 72      # scanned PDFs are rendered at 200 dpi


class ScanError(Exception):
    """The scan cannot start: a missing or broken manifest, geometry or corrections file."""


# --- inputs ---------------------------------------------------------------------------

@dataclass
class Sheet:
    """The quiz as the scanner needs it: from the manifest and the answer-sheet geometry beside it."""
    quiz_id: str
    questions: int
    versions: list[str]
    geometry: dict
    pages: dict[tuple[str, int], list[Bubble]]     # (version, sheet) → bubbles
    sheets: int

    @classmethod
    def load(cls, manifest_path: str | Path) -> "Sheet":
        path = Path(manifest_path)
        manifest = _json(path, "the quiz manifest (written by errata quiz as <deck>-quiz.json)")
        if manifest.get("format") != "errata-quiz-manifest" or "quiz_id" not in manifest:
            raise ScanError(f"{path}: not an Errata quiz manifest (expected <deck>-quiz.json from errata quiz)")
        stem = path.name[:-len("-quiz.json")] if path.name.endswith("-quiz.json") else path.stem
        geometry_path = path.with_name(f"{stem}-answer-sheet.json")
        if not geometry_path.exists():
            raise ScanError(f"{geometry_path}: no such file; the answer-sheet geometry is written beside the "
                            f"manifest by errata quiz (print the quiz again with this version of Errata)")
        geometry = _json(geometry_path, "the answer-sheet geometry")
        if geometry.get("format") != FORMAT:
            raise ScanError(f"{geometry_path}: not an Errata answer-sheet geometry file")
        if geometry.get("quiz_id") != manifest["quiz_id"]:
            raise ScanError(f"{geometry_path}: its quiz code {geometry.get('quiz_id')} is not the manifest's "
                            f"{manifest['quiz_id']}; keep the files of one print together")
        pages = {(p["version"], p["sheet"]): [Bubble(**b) for b in p["bubbles"]] for p in geometry["pages"]}
        sheets = max(p["sheets"] for p in geometry["pages"])
        return cls(manifest["quiz_id"], int(manifest["questions"]), [v["letter"] for v in manifest["versions"]],
                   geometry, pages, sheets)


def _json(path: Path, what: str) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ScanError(f"{path}: no such file ({what})") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ScanError(f"{path}: cannot read {what}: {e}") from None
    if not isinstance(data, dict):
        raise ScanError(f"{path}: not {what}")
    return data


def scan_inputs(paths: Iterable[str | Path]) -> list[Path]:
    """The files to read: each PDF and image named, and those in each folder named (sorted)."""
    out = []
    for p in map(Path, paths):
        if p.is_dir():
            out += sorted(f for f in p.iterdir() if f.suffix.lower() in IMAGE_SUFFIXES | {".pdf"})
        elif not p.exists():
            raise ScanError(f"{p}: no such file")
        else:
            out.append(p)
    return out


def count_pages(files: list[Path]) -> int:
    import pypdfium2 as pdfium

    n = 0
    for f in files:
        if f.suffix.lower() == ".pdf":
            try:
                n += len(pdfium.PdfDocument(str(f)))
            except pdfium.PdfiumError:
                n += 1
        else:
            n += 1
    return n


def page_images(files: list[Path]) -> Iterator[tuple[str, object]]:
    """(source, grey image or an error message) for every page, in order. A file that cannot be
    read yields its message, so the batch goes on."""
    import cv2
    import numpy as np
    import pypdfium2 as pdfium

    for f in files:
        if f.suffix.lower() == ".pdf":
            try:
                doc = pdfium.PdfDocument(str(f))
            except pdfium.PdfiumError as e:
                yield f.name, f"not a readable PDF ({e})"
                continue
            for i in range(len(doc)):
                page = doc[i]
                image = page.render(scale=PDF_RENDER_SCALE, grayscale=True).to_numpy()
                yield f"{f.name}:{i + 1}", np.ascontiguousarray(image)
                page.close()
            doc.close()
        else:
            data = np.fromfile(str(f), dtype=np.uint8)
            image = cv2.imdecode(data, _jpeg_reduction(data)) if data.size else None
            yield f.name, image if image is not None else "not a readable image (PNG, JPEG, TIFF…)"


def _jpeg_reduction(data) -> int:
    """The imdecode flag: a large JPEG is decoded at half or a quarter of its size (the decoder
    scales while decoding, at a fraction of the cost), as the reader would halve it anyway."""
    import cv2

    from .read import WORK_SIDE

    size = jpeg_size(data.tobytes()[:65536]) if data[:2].tobytes() == b"\xff\xd8" else None
    if size and max(size) > 2 * WORK_SIDE:
        return cv2.IMREAD_REDUCED_GRAYSCALE_4
    if size and max(size) > WORK_SIDE:
        return cv2.IMREAD_REDUCED_GRAYSCALE_2
    return cv2.IMREAD_GRAYSCALE


def jpeg_size(head: bytes) -> tuple[int, int] | None:
    """Width and height from a JPEG's frame header, without decoding it."""
    i = 2
    while i + 9 < len(head):
        if head[i] != 0xFF:
            return None
        marker = head[i + 1]
        length = int.from_bytes(head[i + 2:i + 4], "big")
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            return int.from_bytes(head[i + 7:i + 9], "big"), int.from_bytes(head[i + 5:i + 7], "big")
        i += 2 + length
    return None


# --- corrections ------------------------------------------------------------------------

@dataclass
class Correction:
    sheet: str          # "file.pdf:3", "photo.jpg" or a student number
    question: str       # a question number, "student" or "version"
    answer: str
    line: int


def read_corrections(path: str | Path, questions: int) -> list[Correction]:
    """The corrections file: CSV with the header sheet,question,answer. Every bad line is reported at once."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ScanError(f"{path}: no such file (the corrections file)") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ScanError(f"{path}: cannot read the corrections file: {e}") from None
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or [c.strip().lower() for c in rows[0]] != ["sheet", "question", "answer"]:
        raise ScanError(f"{path}:1: the first line must be the header sheet,question,answer")
    out, errors = [], []
    for n, row in enumerate(rows[1:], 2):
        if not any(c.strip() for c in row):
            continue
        if len(row) != 3:
            errors.append(f"{path}:{n}: expected 3 fields (sheet,question,answer), found {len(row)}")
            continue
        sheet, question, answer = (c.strip() for c in row)
        q = question.lower()
        if q not in ("student", "version") and not (q.isdigit() and 1 <= int(q) <= questions):
            errors.append(f"{path}:{n}: question '{question}' is neither a number from 1 to {questions} "
                          f"nor 'student' or 'version'")
            continue
        if q.isdigit() and not all(c in "ABCDE" for c in answer.upper()):
            errors.append(f"{path}:{n}: answer '{answer}' must be letters A–E, or empty for a blank")
            continue
        out.append(Correction(sheet, q, answer.upper() if q != "student" else answer, n))
    if errors:
        raise ScanError("\n".join(errors))
    return out


# --- the batch --------------------------------------------------------------------------

@dataclass
class Problem:
    source: str
    where: str            # "question 7", "student number", "page"
    what: str
    crop: bytes | None    # PNG of the place, for the review
    fix: str | None = None          # the corrections file's question column that settles it, if one can
    corrected: str | None = None
    read: bool = False              # an answer was written (several marks, an erasure beside a mark): a note


@dataclass
class Row:
    student: str
    version: str
    answers: dict[int, str]
    sources: list[str]


@dataclass
class ScanResult:
    sheet: Sheet
    pages: list = field(default_factory=list)          # PageRead per page
    rows: list[Row] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def open_problems(self) -> list[Problem]:
        """What a person must decide: neither corrected nor read."""
        return [p for p in self.problems if p.corrected is None and not p.read]

    @property
    def notes(self) -> list[Problem]:
        """Read and written, but worth a glance."""
        return [p for p in self.problems if p.corrected is None and p.read]

    def csv_text(self) -> str:
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\n")
        w.writerow(["student", "version", *range(1, self.sheet.questions + 1)])
        for r in self.rows:
            w.writerow([r.student, r.version, *(r.answers.get(q, "?") for q in range(1, self.sheet.questions + 1))])
        return out.getvalue()


def scan_sheets(paths: Iterable[str | Path], manifest: str | Path, corrections: str | Path | None = None,
                progress: Callable[[int], None] | None = None) -> ScanResult:
    from .page import read_page

    sheet = Sheet.load(manifest)
    fixes = read_corrections(corrections, sheet.questions) if corrections else []
    files = scan_inputs(paths)
    result = ScanResult(sheet)
    for source, image in page_images(files):
        result.pages.append(read_page(image, source, sheet))
        if progress:
            progress(1)
    _apply_page_fixes(result.pages, fixes)
    result.rows = _rows(result.pages, sheet)
    _apply_student_fixes(result.rows, fixes)
    for page in result.pages:
        result.problems += page.problems
    result.problems += _duplicate_problems(result.rows)
    result.problems += _missing_questions(result.rows, sheet)
    return result


def _apply_page_fixes(pages, fixes: list[Correction]) -> None:
    by_source = {}
    for c in fixes:
        by_source.setdefault(c.sheet, []).append(c)
    for page in pages:
        for c in by_source.get(page.source, []):
            if c.question == "student":
                page.student = c.answer
            elif c.question == "version":
                page.version = c.answer.upper()
            else:
                page.answers[int(c.question)] = c.answer
            for p in page.problems:
                if p.fix == c.question:
                    p.corrected = c.answer or "blank"


def _apply_student_fixes(rows: list[Row], fixes: list[Correction]) -> None:
    by_student = {}
    for c in fixes:
        by_student.setdefault(c.sheet, []).append(c)
    for row in rows:
        for c in by_student.get(row.student, []):
            if c.question.isdigit():
                row.answers[int(c.question)] = c.answer


def _rows(pages, sheet: Sheet) -> list[Row]:
    rows: list[Row] = []
    by_key: dict[tuple[str, str], Row] = {}
    for page in pages:
        if page.status not in ("ok", "no-qr") or page.version is None and sheet.sheets > 1:
            continue
        version = page.version or "?"
        key = (version, page.student)
        row = by_key.get(key) if "?" not in page.student and page.student else None
        if row is None or any(q in row.answers for q in page.answers):
            row = Row(page.student or "?", version, {}, [])
            rows.append(row)
            if "?" not in page.student and page.student:
                by_key[key] = row
        row.answers.update(page.answers)
        row.sources.append(page.source)
    return rows


def _missing_questions(rows: list[Row], sheet: Sheet) -> list[Problem]:
    """A row without some of its questions: a sheet of a longer quiz not scanned, or not joined to it."""
    out = []
    for r in rows:
        missing = [q for q in range(1, sheet.questions + 1) if q not in r.answers]
        if missing:
            out.append(Problem(", ".join(r.sources), "sheet",
                               f"student {r.student}, version {r.version}: no sheet with questions {missing[0]}–"
                               f"{missing[-1]} joined to this one (not scanned, or its student number differs); "
                               f"written as ?", None))
    return out


def _duplicate_problems(rows: list[Row]) -> list[Problem]:
    seen: dict[str, Row] = {}
    out = []
    for r in rows:
        if r.student and "?" not in r.student:
            if r.student in seen:
                out.append(Problem(", ".join(r.sources), "student number",
                                   f"student {r.student} also on {', '.join(seen[r.student].sources)} "
                                   f"(scanned twice, or a number misread)", None, fix="student"))
            seen.setdefault(r.student, r)
    return out
