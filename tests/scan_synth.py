"""Synthetic answer sheets: real typst sheets, rasterised, filled in by a simulated student from the
geometry file, then put through a scanner's or a phone's distortions. Used by the scan tests and
bench/bench_scan.py."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass

import cv2
import numpy as np

# How a student marks a bubble, and what the scanner must make of it.
MARKS = ("fill", "pencil", "cross", "tick", "erased")
COUNTS_AS_MARKED = {"fill": True, "pencil": True, "cross": True, "tick": True, "erased": False}


def rasterise(pdf: bytes, dpi: float) -> list[np.ndarray]:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    pages = [np.ascontiguousarray(doc[i].render(scale=dpi / 72, grayscale=True).to_numpy()) for i in range(len(doc))]
    doc.close()
    return pages


def draw_mark(image: np.ndarray, x: float, y: float, r: float, kind: str, px: float, rng: random.Random) -> None:
    """A mark centred near (x, y) points on a page rasterised at `px` pixels per point."""
    cx, cy = (x + rng.uniform(-0.8, 0.8)) * px, (y + rng.uniform(-0.8, 0.8)) * px
    rr = r * px
    c = (int(round(cx)), int(round(cy)))
    if kind == "fill":
        cv2.circle(image, c, int(rr * rng.uniform(0.85, 1.05)), int(rng.uniform(10, 60)), -1, cv2.LINE_AA)
    elif kind == "pencil":          # a light, patchy pencil fill
        level = int(rng.uniform(110, 150))
        patch = image.copy()
        cv2.circle(patch, c, int(rr * rng.uniform(0.8, 0.95)), level, -1, cv2.LINE_AA)
        for _ in range(6):
            a = rng.uniform(0, np.pi)
            d = rr * 0.7
            p1 = (int(cx - d * np.cos(a)), int(cy - d * np.sin(a)))
            p2 = (int(cx + d * np.cos(a)), int(cy + d * np.sin(a)))
            cv2.line(patch, p1, p2, level - 30, max(1, int(px * 0.8)), cv2.LINE_AA)
        np.minimum(image, patch, out=image)
    elif kind == "cross":
        t = max(2, round(px * rng.uniform(0.9, 1.4)))
        d = rr * rng.uniform(0.75, 1.0)
        ink = int(rng.uniform(20, 70))
        cv2.line(image, (int(cx - d), int(cy - d)), (int(cx + d), int(cy + d)), ink, t, cv2.LINE_AA)
        cv2.line(image, (int(cx - d), int(cy + d)), (int(cx + d), int(cy - d)), ink, t, cv2.LINE_AA)
    elif kind == "tick":
        t = max(1, int(px * 1.1))
        ink = int(rng.uniform(20, 70))
        cv2.line(image, (int(cx - rr * 0.6), int(cy)), (int(cx - rr * 0.1), int(cy + rr * 0.6)), ink, t, cv2.LINE_AA)
        cv2.line(image, (int(cx - rr * 0.1), int(cy + rr * 0.6)), (int(cx + rr * 0.8), int(cy - rr * 0.8)), ink, t,
                 cv2.LINE_AA)
    elif kind == "erased":          # a fill rubbed out: a faint smudge remains
        patch = image.copy()
        cv2.circle(patch, c, int(rr * 0.9), int(rng.uniform(195, 240)), -1, cv2.LINE_AA)
        np.minimum(image, patch, out=image)


@dataclass
class Student:
    number: str
    answers: dict[int, str]             # question → letters intended ("" blank, "AB" double)
    kinds: dict[int, str]               # question → how it was marked
    erased: dict[int, str]              # question → a letter filled then erased


def make_student(rng: random.Random, questions: int, letters: str, digits: int, style: str = "mixed") -> Student:
    number = "".join(str(rng.randrange(10)) for _ in range(digits))
    answers, kinds, erased = {}, {}, {}
    for q in range(1, questions + 1):
        roll = rng.random()
        answers[q] = "" if roll < 0.02 else "".join(sorted(rng.sample(letters, 2))) if roll < 0.035 \
            else rng.choice(letters)
        kinds[q] = style if style != "mixed" else rng.choices(["fill", "pencil", "cross"], [6, 2, 2])[0]
        if answers[q] and len(answers[q]) == 1 and rng.random() < 0.06:
            erased[q] = rng.choice([x for x in letters if x != answers[q]])
    return Student(number, answers, kinds, erased)


def fill_sheet(image: np.ndarray, page: dict, student: Student, dpi: float, rng: random.Random,
               tick: int | None = None) -> None:
    """Mark `student`'s answers (and number) on a rasterised sheet page of the geometry file."""
    px = dpi / 72
    for b in page["bubbles"]:
        if b["role"] == "student":
            if student.number[b["digit_position"]] == str(b["digit"]):
                draw_mark(image, b["x"], b["y"], b["r"], "fill", px, rng)
        elif b["option"] in student.answers.get(b["question"], ""):
            kind = "tick" if b["question"] == tick else student.kinds[b["question"]]
            draw_mark(image, b["x"], b["y"], b["r"], kind, px, rng)
        elif student.erased.get(b["question"]) == b["option"]:
            draw_mark(image, b["x"], b["y"], b["r"], "erased", px, rng)


# --- distortions -----------------------------------------------------------------------

def rotate(image: np.ndarray, degrees: float) -> np.ndarray:
    h, w = image.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    cos, sin = abs(m[0, 0]), abs(m[0, 1])
    nw, nh = int(h * sin + w * cos), int(h * cos + w * sin)
    m[0, 2] += nw / 2 - w / 2
    m[1, 2] += nh / 2 - h / 2
    return cv2.warpAffine(image, m, (nw, nh), borderValue=235)


def phone(image: np.ndarray, rng: random.Random, scale: float = 1.0) -> np.ndarray:
    """A photo from above at a slant: perspective, the sheet on a darker table, scale."""
    h, w = image.shape
    pad = int(0.08 * max(w, h))
    j = lambda: rng.uniform(-0.06, 0.06) * w   # noqa: E731
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    dst = np.float32([[pad + j(), pad + j()], [pad + w + j(), pad + j()], [pad + w + j(), pad + h + j()],
                      [pad + j(), pad + h + j()]]) * scale
    size = (int((w + 2 * pad) * scale), int((h + 2 * pad) * scale))
    m = cv2.getPerspectiveTransform(src, dst)
    return cv2.warpPerspective(image, m, size, flags=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR,
                               borderValue=90)


def lighting(image: np.ndarray, rng: random.Random, depth: float = 0.45) -> np.ndarray:
    """Light falling off across the sheet: up to `depth` darker on one side."""
    h, w = image.shape
    a = rng.uniform(0, 2 * np.pi)
    xs = np.linspace(0, 1, 64, dtype=np.float32)
    ramp = np.cos(a) * xs[None, :] + np.sin(a) * xs[:, None]
    ramp = (ramp - ramp.min()) / max(1e-6, float(ramp.max() - ramp.min()))
    shade = cv2.resize((1.0 - depth * ramp).astype(np.float32), (w, h), interpolation=cv2.INTER_LINEAR)
    return cv2.multiply(image.astype(np.float32), shade).astype(np.uint8)


def blur(image: np.ndarray, sigma: float) -> np.ndarray:
    return cv2.GaussianBlur(image, (0, 0), sigma)


def noise(image: np.ndarray, rng: random.Random, sd: float = 12.0) -> np.ndarray:
    cv2.setRNGSeed(rng.randrange(2**31))
    g = np.empty(image.shape, np.int16)
    cv2.randn(g, 0, sd)
    return cv2.add(image.astype(np.int16), g).clip(0, 255).astype(np.uint8)


def jpeg(image: np.ndarray, quality: int = 40) -> np.ndarray:
    ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    return cv2.imdecode(data, cv2.IMREAD_GRAYSCALE)


def flat_scan(image: np.ndarray, rng: random.Random) -> np.ndarray:
    """A flatbed scan: a small skew, a little blur and noise, sometimes upside down."""
    out = rotate(image, rng.uniform(-3, 3) + (180 if rng.random() < 0.25 else 0))
    return noise(blur(out, 0.6), rng, 5)


def phone_photo(image: np.ndarray, rng: random.Random) -> np.ndarray:
    out = rotate(image, rng.uniform(-10, 10) + (180 if rng.random() < 0.2 else 0))
    out = phone(out, rng, scale=rng.uniform(0.8, 1.3))
    out = lighting(out, rng)
    out = noise(blur(out, rng.uniform(0.6, 1.3)), rng, 8)
    return jpeg(out, 40)


# --- scoring a read against what the student meant --------------------------------------

@dataclass
class Tally:
    bubbles: int = 0
    right: int = 0
    review: int = 0          # ambiguous: left for a person
    wrong: int = 0           # read as the opposite of what was meant
    answers: int = 0
    answers_flagged: int = 0
    silent_errors: list = None    # (source, question, meant, written) written without a review line
    sheets: int = 0
    sheets_to_decide: int = 0     # with something a person must decide
    sheets_with_notes: int = 0    # with something read but worth a glance (several marks, an erasure)
    lines: Counter = None         # review lines by kind

    def __post_init__(self):
        self.silent_errors = self.silent_errors or []
        self.lines = self.lines or Counter()

    def add(self, other: "Tally") -> None:
        for k in ("bubbles", "right", "review", "wrong", "answers", "answers_flagged", "sheets", "sheets_to_decide",
                  "sheets_with_notes"):
            setattr(self, k, getattr(self, k) + getattr(other, k))
        self.silent_errors += other.silent_errors
        self.lines += other.lines

    @property
    def accuracy(self) -> float:
        return self.right / max(1, self.bubbles)


def score_page(read, student: Student, tick: int | None = None) -> Tally:
    """How well a PageRead matches the student's marks."""
    t = Tally(sheets=1, sheets_to_decide=int(any(not p.read for p in read.problems)),
              sheets_with_notes=int(any(p.read for p in read.problems)))
    for p in read.problems:
        t.lines["erasure" if "erased" in p.what else p.what.split(" on ")[0].split(":")[0]] += 1
    flagged = {p.where for p in read.problems}
    for b, r in read.bubbles:
        t.bubbles += 1
        if b.role == "student":
            meant = student.number[b.digit_position] == str(b.digit)
        else:
            kind = "tick" if b.question == tick else student.kinds[b.question]
            meant = b.option in student.answers[b.question] and COUNTS_AS_MARKED[kind]
        if r.state == "ambiguous":
            t.review += 1
        elif (r.state == "marked") == meant:
            t.right += 1
        else:
            t.wrong += 1
    for q, meant in student.answers.items():
        if q not in read.answers:
            continue
        t.answers += 1
        flag = f"question {q}" in flagged
        t.answers_flagged += flag
        written = read.answers[q]
        ok = written == meant or written == "?"
        if not ok and not flag:
            t.silent_errors.append((read.source, q, meant, written))
    if read.student != student.number and "student number" not in flagged:
        t.silent_errors.append((read.source, "student", student.number, read.student))
    return t
