"""One page of a scan, read: which sheet it is, the student number, each answer, what to review."""

from __future__ import annotations

import cv2
import numpy as np

from .batch import Problem, Sheet
from .read import (EMPTY, SCALE, PageRead, black_level, darkness, decide, read_bubbles, read_qr, rectify)


def read_page(image, source: str, sheet: Sheet) -> PageRead:
    if isinstance(image, str) or image is None:
        page = PageRead(source, "unreadable", message=image or "unreadable")
        page.problems.append(Problem(source, "page", f"cannot read this file: {page.message}", None))
        return page
    markers = {m["id"]: m["corners"] for m in sheet.geometry["markers"]}
    rect = rectify(image, markers, tuple(sheet.geometry["page_size_pt"]))
    if rect is None:
        page = PageRead(source, "no-markers")
        page.problems.append(Problem(source, "page", "fewer than three of the four black corner squares found: "
                                     "not an answer sheet, or a corner is folded, covered or cut off",
                                     _png(_thumbnail(image))))
        return page
    qr = read_qr(rect.image, sheet.geometry["qr"], image)
    page = PageRead(source, "ok")
    problems = page.problems
    if qr is None:
        page.status = "no-qr"
        if sheet.sheets == 1 and len(sheet.versions) == 1:
            version, number = sheet.versions[0], 1
        else:
            version, number = None, 1
        problems.append(Problem(source, "page", "the QR code cannot be read: which version (and sheet) this is "
                                "must be given in the corrections (question 'version')", _png(_top(rect.image)),
                                fix="version" if sheet.sheets == 1 else None))
        if sheet.sheets > 1:
            return page
    else:
        quiz_id, version, number = qr
        if quiz_id != sheet.quiz_id or (version, number) not in sheet.pages:
            page.status = "other-quiz"
            problems.append(Problem(source, "page", f"this is a sheet of quiz {quiz_id} (version {version}, sheet "
                                    f"{number}), not of quiz {sheet.quiz_id}: left out", None))
            return page
    page.version, page.sheet = version, number
    bubbles = sheet.pages[(version or sheet.versions[0], number)]
    ink = darkness(rect.image)
    reads = read_bubbles(ink, black_level(ink, markers), bubbles)
    page.bubbles = list(zip(bubbles, reads))

    questions: dict[int, list] = {}
    digits: dict[int, list] = {}
    for b, r in page.bubbles:
        if b.role == "question":
            questions.setdefault(b.question, []).append((b, r))
        else:
            digits.setdefault(b.digit_position, []).append((b, r))
    for q, pairs in questions.items():
        d = decide([b.option for b, _ in pairs], [r for _, r in pairs])
        for b, r in pairs:
            if b.option in d.erased:
                r.state = EMPTY          # decided beside a clear mark; still listed for review
        page.answers[q] = d.answer
        if d.problem:
            problems.append(Problem(source, f"question {q}", d.problem, _png(_crop(rect.image, [b for b, _ in pairs])),
                                    fix=str(q), read=d.answer != "?"))
    number_text, number_problem = _student_number(digits)
    page.student = number_text
    if number_problem:
        every = [b for pairs in digits.values() for b, _ in pairs]
        problems.append(Problem(source, "student number", number_problem, _png(_crop(rect.image, every, label=0)),
                                fix="student", read="?" not in number_text))
    conf = min((r.confidence for _, r in page.bubbles), default=0.0)
    page.confidence = round(conf * (1.0 if rect.markers == 4 else 0.8) * (1.0 if rect.error_pt < 1.5 else 0.5)
                            * (1.0 if qr else 0.5), 3)
    if rect.error_pt >= 1.5:
        problems.append(Problem(source, "page", f"the corner squares do not fit a flat sheet (off by "
                                f"{rect.error_pt:.1f} pt): curled or folded paper; check its answers",
                                _png(_thumbnail(rect.image))))
    return page


def _student_number(digits: dict[int, list]) -> tuple[str, str | None]:
    chars, notes = [], []
    for pos in sorted(digits):
        pairs = digits[pos]
        d = decide([str(b.digit) for b, _ in pairs], [r for _, r in pairs])
        if d.answer == "":
            chars.append(" ")
        elif len(d.answer) == 1 and d.answer != "?" and (d.problem is None or d.erased):
            chars.append(d.answer)
            if d.problem:
                notes.append(f"digit {pos + 1}: {d.problem}")
        else:
            chars.append("?")
            notes.append(f"digit {pos + 1}: " + (d.problem or "unclear"))
    text = "".join(chars)
    if not text.strip():
        return "?" * len(chars), "no student number filled in"
    if " " in text.strip():
        notes.append("a digit in the middle is not filled in")
        text = text.strip().replace(" ", "?")
    text = text.strip()
    return text, ("; ".join(notes) if notes else None)


def _crop(image: np.ndarray, bubbles, label: float = 26.0) -> np.ndarray:
    xs = [b.x for b in bubbles]
    ys = [b.y for b in bubbles]
    r = max(b.r for b in bubbles)
    x0, x1 = min(xs) - r - label - 4, max(xs) + r + 6
    y0, y1 = min(ys) - r - 5, max(ys) + r + 5
    h, w = image.shape
    return image[max(0, int(y0 * SCALE)):min(h, int(y1 * SCALE)), max(0, int(x0 * SCALE)):min(w, int(x1 * SCALE))]


def _top(image: np.ndarray) -> np.ndarray:
    return _thumbnail(image[: image.shape[0] // 3])


def _thumbnail(image: np.ndarray, width: int = 600) -> np.ndarray:
    f = min(1.0, width / image.shape[1])
    return cv2.resize(image, None, fx=f, fy=f, interpolation=cv2.INTER_AREA) if f < 1 else image


def _png(image: np.ndarray) -> bytes:
    ok, data = cv2.imencode(".png", image)
    return data.tobytes() if ok else b""
