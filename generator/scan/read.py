"""Reading one page: markers → rectified page → QR → every bubble's darkness → states.

The page is mapped onto the sheet's own coordinates (SCALE pixels per point) by a homography
from the ArUco markers' corners, so rotation (upside down included), scale and a phone's
perspective all disappear before anything is measured. Lighting is flattened by dividing by
the paper's own brightness, and ink is measured against the markers' black, so a grey scan, a
dim photo and a crisp scan give the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from .geometry import Bubble, parse_qr

SCALE = 2.0             # pixels per point on the rectified page (144 dpi)
WORK_SIDE = 2600        # longest side (pixels) a page is halved to, before looking for markers

# Darkness of a bubble's inside above the empty bubbles' level, as a share of the markers' black:
EMPTY_BELOW = 0.10      # below: empty
MARKED_ABOVE = 0.20     # above: marked; in between: ambiguous, for a person to decide
INNER = 0.62            # share of the radius measured: the printed ring stays outside it
LIGHTEST_EMPTY = 0.05  # on a sheet of light marks "empty" ends no lower: empty bubbles' noise stays below
FAINT_SHARE = 0.45      # an ambiguous bubble this much lighter than the row's mark reads as an erasure

MARKED, EMPTY, AMBIGUOUS = "marked", "empty", "ambiguous"

_detectors: dict = {}


@dataclass
class Rectified:
    image: np.ndarray          # grey, the sheet at SCALE pixels per point
    markers: int               # markers found (3 or 4)
    error_pt: float            # mean distance of the markers' corners from where the fit puts them


def rectify(gray: np.ndarray, markers: dict[int, list], size: tuple[float, float]) -> Rectified | None:
    """The page mapped onto the sheet's coordinates, or None when fewer than three markers are seen."""
    work = gray
    while max(work.shape[:2]) > WORK_SIDE:      # halving is fast and keeps thin strokes
        work = cv2.pyrDown(work)
    found = _find_markers(work, markers)
    if len(found) < 3:
        # Dim or low-contrast photos: stretch the contrast locally and look again.
        found = _find_markers(cv2.createCLAHE(clipLimit=3.0, tileGridSize=(8, 8)).apply(work), markers, thorough=True)
    if len(found) < 3:
        return None
    src = np.array([c for i in sorted(found) for c in found[i]], dtype=np.float32)
    dst = np.array([c for i in sorted(found) for c in markers[i]], dtype=np.float32) * SCALE
    homography, _ = cv2.findHomography(src, dst, 0)
    if homography is None:
        return None
    back = cv2.perspectiveTransform(src[None], homography)[0]
    error = float(np.mean(np.linalg.norm(back - dst, axis=1))) / SCALE
    out_size = (int(round(size[0] * SCALE)), int(round(size[1] * SCALE)))
    image = cv2.warpPerspective(work, homography, out_size, flags=cv2.INTER_LINEAR, borderValue=255)
    return Rectified(image, len(found), error)


def _detector(thorough: bool):
    if thorough not in _detectors:
        params = cv2.aruco.DetectorParameters()
        if not thorough:    # two threshold passes instead of three, and no tiny candidates: twice as fast
            params.adaptiveThreshWinSizeMin, params.adaptiveThreshWinSizeMax = 15, 35
            params.adaptiveThreshWinSizeStep = 20
            params.minMarkerPerimeterRate = 0.05
        _detectors[thorough] = cv2.aruco.ArucoDetector(
            cv2.aruco.getPredefinedDictionary(cv2.aruco.DICT_4X4_50), params)
    return _detectors[thorough]


def _find_markers(work: np.ndarray, markers: dict[int, list], thorough: bool = False) -> dict[int, np.ndarray]:
    # Markers are looked for at half size (they are large), then their corners refined at full size.
    half = not thorough and max(work.shape[:2]) > 1400
    corners, ids, _ = _detector(thorough).detectMarkers(cv2.pyrDown(work) if half else work)
    found: dict[int, np.ndarray] = {}
    if ids is None:
        return found
    for c, i in zip(corners, ids.ravel()):
        i = int(i)
        if i in markers:
            quad = c.reshape(4, 2).astype(np.float32) * (2.0 if half else 1.0)
            # Two markers with one id: keep the larger (a small one is a printed picture of the sheet).
            if i not in found or cv2.contourArea(quad) > cv2.contourArea(found[i]):
                found[i] = quad
    if half and found:
        quads = np.concatenate(list(found.values())).reshape(-1, 1, 2)
        refined = cv2.cornerSubPix(work, quads, (4, 4), (-1, -1),
                                   (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 20, 0.05))
        for k, i in enumerate(found):
            found[i] = refined[4 * k:4 * k + 4].reshape(4, 2)
    return found


def read_qr(rectified: np.ndarray, qr_box: dict, gray: np.ndarray | None = None) -> tuple[str, str, int] | None:
    """quiz id, version and sheet from the QR code: looked for where it is printed, then on the whole page."""
    import zxingcpp

    m = 14.0
    x, y, s = qr_box["x"], qr_box["y"], qr_box["size"]
    x0, y0 = int(max(0, (x - m) * SCALE)), int(max(0, (y - m) * SCALE))
    crop = rectified[y0:int((y + s + m) * SCALE), x0:int((x + s + m) * SCALE)]
    for image in (crop, cv2.threshold(crop, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)[1], gray):
        if image is None or image.size == 0:
            continue
        for code in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode):
            parsed = parse_qr(code.text)
            if parsed:
                return parsed
    return None


def darkness(rectified: np.ndarray) -> np.ndarray:
    """Ink per pixel, 0 (paper) to 1 (the darkest ink), with uneven lighting divided out."""
    small = cv2.resize(rectified, None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA)
    # The paper's brightness: the brightest value nearby (wider than any mark), smoothed.
    paper = cv2.dilate(small, cv2.getStructuringElement(cv2.MORPH_RECT, (23, 23)))
    paper = cv2.GaussianBlur(paper, (0, 0), 6)
    paper = cv2.resize(paper, (rectified.shape[1], rectified.shape[0]), interpolation=cv2.INTER_LINEAR)
    ink = 1.0 - rectified.astype(np.float32) / np.maximum(paper.astype(np.float32), 1.0)
    return np.clip(ink, 0.0, 1.0)


def black_level(ink: np.ndarray, markers: dict[int, list]) -> float:
    """How dark the markers' black border reads: the unit every mark is measured in."""
    levels = []
    for quad in markers.values():
        x0, y0 = quad[0]
        cell = (quad[1][0] - x0) / 6
        # The border's left column of cells, inset from its edges (blur softens them).
        xa, xb = int((x0 + cell * 0.25) * SCALE), int((x0 + cell * 0.75) * SCALE)
        ya, yb = int((y0 + cell * 0.5) * SCALE), int((y0 + cell * 5.5) * SCALE)
        levels.append(float(np.median(ink[ya:yb, xa:xb])))
    return float(np.clip(np.median(levels), 0.25, 1.0))


@dataclass
class BubbleRead:
    score: float        # ink inside the bubble above an empty bubble's, in markers' black
    state: str
    confidence: float   # 0 (on a threshold) to 1 (far from both)


def _disc_means(ink: np.ndarray, bubbles) -> np.ndarray:
    out = np.empty(len(bubbles), dtype=np.float32)
    masks: dict[float, tuple[np.ndarray, int]] = {}
    h, w = ink.shape
    for k, b in enumerate(bubbles):
        if b.r not in masks:
            rad = b.r * INNER * SCALE
            n = int(np.ceil(rad))
            yy, xx = np.mgrid[-n:n + 1, -n:n + 1]
            masks[b.r] = ((xx * xx + yy * yy) <= rad * rad, n)
        mask, n = masks[b.r]
        cx, cy = int(round(b.x * SCALE)), int(round(b.y * SCALE))
        if n <= cx < w - n and n <= cy < h - n:
            out[k] = ink[cy - n:cy + n + 1, cx - n:cx + n + 1][mask].mean()
        else:
            out[k] = 0.0
    return out


def read_bubbles(ink: np.ndarray, black: float, bubbles: list[Bubble]) -> list[BubbleRead]:
    raw = _disc_means(ink, bubbles) / black
    # An empty bubble's level, per printed glyph (an "8" holds more grey than a "1"): a low quantile
    # of the bubbles with that glyph, never far above the page's empty level (a student who marks
    # every A must not make A look empty).
    labels = np.array([b.label() for b in bubbles])
    page_empty = float(np.quantile(raw, 0.25)) if len(raw) else 0.0
    base = np.empty_like(raw)
    for label in set(labels.tolist()):
        sel = labels == label
        base[sel] = min(float(np.quantile(raw[sel], 0.25)), page_empty + 0.04)
    scores = raw - base
    empty_below, marked_above = sheet_thresholds(scores, bubbles)
    reads = []
    for s in scores.tolist():
        if s < empty_below:
            state, conf = EMPTY, min(1.0, (empty_below - s) / empty_below)
        elif s > marked_above:
            state, conf = MARKED, min(1.0, (s - marked_above) / 0.2)
        else:
            state, conf = AMBIGUOUS, 0.0
        reads.append(BubbleRead(round(s, 3), state, round(conf, 3)))
    return reads


def sheet_thresholds(scores: np.ndarray, bubbles: list[Bubble]) -> tuple[float, float]:
    """Where "empty" ends and "marked" begins on this sheet. A student marks consistently: when all
    their marks are light (a hard pencil, a faint pen, ticks), the thresholds follow their typical
    mark, yet stay above the noise of empty bubbles."""
    strongest: dict[tuple, float] = {}
    for b, s in zip(bubbles, scores.tolist()):
        key = (b.role, b.question if b.role == "question" else b.digit_position)
        strongest[key] = max(strongest.get(key, 0.0), s)
    marks = [s for s in strongest.values() if s >= LIGHTEST_EMPTY]
    typical = float(np.median(marks)) if len(marks) >= 3 else 1.0
    if typical >= 2 * MARKED_ABOVE:
        return EMPTY_BELOW, MARKED_ABOVE
    return (min(EMPTY_BELOW, max(LIGHTEST_EMPTY, 0.35 * typical)),
            min(MARKED_ABOVE, max(LIGHTEST_EMPTY + 0.03, 0.6 * typical)))


@dataclass
class Decision:
    answer: str            # letters marked; "" blank; "?" for a person to decide
    problem: str | None    # why a person should look, or None
    erased: tuple = ()     # letters of ambiguous bubbles taken as erasures beside a clear mark


def decide(letters: list[str], reads: list[BubbleRead]) -> Decision:
    """One question's (or one digit's) answer from its bubbles, never guessing."""
    marked = [(l, r) for l, r in zip(letters, reads) if r.state == MARKED]
    unsure = [(l, r) for l, r in zip(letters, reads) if r.state == AMBIGUOUS]
    text = "".join(l for l, _ in marked)
    if not unsure:
        return Decision(text, "several marks" if len(marked) > 1 else None)
    if marked and max(r.score for _, r in unsure) < FAINT_SHARE * min(r.score for _, r in marked):
        faint = ", ".join(l for l, _ in unsure)
        return Decision(text, f"read {text}; faint mark on {faint} taken as erased", tuple(l for l, _ in unsure))
    return Decision("?", "unclear mark on " + ", ".join(l for l, _ in unsure))


@dataclass
class PageRead:
    """Everything read from one page."""
    source: str                  # file name, with ":page" for a page of a PDF
    status: str                  # "ok", "no-markers", "no-qr", "other-quiz", "unreadable"
    version: str | None = None
    sheet: int | None = None
    student: str = ""
    answers: dict[int, str] = field(default_factory=dict)
    problems: list = field(default_factory=list)            # batch.Problem: what a person should look at
    confidence: float = 0.0
    bubbles: list[tuple] = field(default_factory=list)      # (Bubble, BubbleRead), for tests and reports
    message: str = ""
