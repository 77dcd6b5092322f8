"""The answer sheet as printed: its geometry file says where typst drew every bubble and marker.

Real sheets, compiled by typst and rasterised by PDFium; each bubble of the geometry file must
sit on a drawn ring, each marker where the file says, each page's QR must say its quiz, version
and sheet. A4 and Letter; a quiz too long for one sheet continues on a second.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import pytest
import zxingcpp

from generator.quiz import generate
from generator.scan import capacity, parse_qr
from generator.writers.pdf import make_versions, render_printout
from generator.writers.pdf.manifest import quiz_code
from generator.writers.pdf.printout import Typesetter, sheet_data
from tests.quiz_banks import load, plain_data, write_bank
from tests.scan_synth import rasterise
from tests.tools import require_tool

ROOT = Path(__file__).parent.parent
DPI = 150


@dataclass
class SheetPrint:
    code: str
    files: dict


def printout(tmp_path, facts: int, versions: int, paper: str = "a4", options: int = 4, digits: int = 7):
    """The answer sheet and its geometry alone, as render_printout makes them (the papers and key are
    not needed here, and typesetting them would only slow the tests)."""
    quiz = generate(load(write_bank(tmp_path, plain_data(facts))), seed=11, options=options)
    vs = make_versions(quiz, versions)
    code = quiz_code(quiz, [v.letter for v in vs])
    drawing, geometry = sheet_data(quiz, vs, paper, code, digits)
    return SheetPrint(code, {"plain-answer-sheet.pdf": Typesetter().pdf("sheet.typ", drawing, quiz),
                             "plain-answer-sheet.json": geometry.encode()})


@pytest.fixture(scope="module")
def a4(tmp_path_factory):
    return printout(tmp_path_factory.mktemp("a4"), 24, 2)


def geometry(out) -> dict:
    return json.loads(out.files["plain-answer-sheet.json"])


def test_the_printout_holds_the_geometry_of_its_sheet(tmp_path):
    bank = load(write_bank(tmp_path, plain_data(5)))
    out = render_printout(generate(bank, seed=11, options=3), 1, "letter", 4)
    g = json.loads(out.files["plain-answer-sheet.json"])
    assert g["quiz_id"] == out.code and g["paper"] == "letter" and g["student_digits"] == 4
    assert list(out.files)[1:3] == ["plain-answer-sheet.pdf", "plain-answer-sheet.json"]


def test_geometry_file_follows_its_schema(a4):
    import jsonschema

    g = geometry(a4)
    jsonschema.validate(g, json.loads((ROOT / "docs/answer-sheet.schema.json").read_text()))
    assert g["quiz_id"] == a4.code and g["page_size_pt"] == [595.2756, 841.8898]
    assert [(p["page"], p["version"], p["sheet"]) for p in g["pages"]] == [(1, "A", 1), (2, "B", 1)]
    for p in g["pages"]:
        qs = [b for b in p["bubbles"] if b["role"] == "question"]
        assert sorted({b["question"] for b in qs}) == list(range(1, 25))
        assert all(sorted(b["option"] for b in qs if b["question"] == q) == list("ABCD") for q in range(1, 25))
        digits = [(b["digit_position"], b["digit"]) for b in p["bubbles"] if b["role"] == "student"]
        assert sorted(digits) == [(i, d) for i in range(7) for d in range(10)]


def _ring_and_inside(ink: np.ndarray, x: float, y: float, r: float, px: float) -> tuple[float, float, float]:
    """Mean ink on the circle of radius r, inside it (well within) and just outside it."""
    angles = np.linspace(0, 2 * np.pi, 72, endpoint=False)

    def on_circle(radius):
        xs = np.clip(np.round((x + radius * np.cos(angles)) * px).astype(int), 0, ink.shape[1] - 1)
        ys = np.clip(np.round((y + radius * np.sin(angles)) * px).astype(int), 0, ink.shape[0] - 1)
        return float(ink[ys, xs].mean())

    return on_circle(r), on_circle(r * 0.6), on_circle(r + 2.2)


def test_every_bubble_is_drawn_where_the_geometry_says(a4):
    px = DPI / 72
    pages = rasterise(a4.files["plain-answer-sheet.pdf"], DPI)
    g = geometry(a4)
    assert len(pages) == len(g["pages"])
    for image, page in zip(pages, g["pages"]):
        ink = 1.0 - image.astype(np.float32) / 255
        for b in page["bubbles"]:
            ring, inside, outside = _ring_and_inside(ink, b["x"], b["y"], b["r"], px)
            assert ring > 0.35 and outside < 0.12 and ring > inside + 0.2, (b, ring, inside, outside)
        # A bubble shifted by a third of its radius no longer sits on the ring: the check can fail.
        b = page["bubbles"][0]
        ring, _, _ = _ring_and_inside(ink, b["x"] + b["r"] / 3, b["y"], b["r"], px)
        assert ring < 0.35


def test_markers_and_qr_are_where_the_geometry_says(a4):
    px = DPI / 72
    g = geometry(a4)
    detector = cv2.aruco.ArucoDetector(cv2.aruco.getPredefinedDictionary(cv2.aruco.DICT_4X4_50))
    for image, page in zip(rasterise(a4.files["plain-answer-sheet.pdf"], DPI), g["pages"]):
        corners, ids, _ = detector.detectMarkers(image)
        found = {int(i): c.reshape(4, 2) / px for c, i in zip(corners, ids.ravel())}
        assert sorted(found) == [0, 1, 2, 3]
        for m in g["markers"]:
            assert np.abs(found[m["id"]] - np.array(m["corners"])).max() < 1.0
        q = g["qr"]
        crop = image[int(q["y"] * px) - 20:int((q["y"] + q["size"]) * px) + 20,
                     int(q["x"] * px) - 20:int((q["x"] + q["size"]) * px) + 20]
        codes = zxingcpp.read_barcodes(crop)
        assert [c.text for c in codes] == [page["qr"]]
        assert parse_qr(page["qr"]) == (a4.code, page["version"], page["sheet"])


def test_sheet_prints_the_code_version_and_sheet_but_never_the_seed(a4, tmp_path):
    exe = require_tool("pdftotext", "reads the answer sheet back (poppler-utils)")
    pdf = tmp_path / "sheet.pdf"
    pdf.write_bytes(a4.files["plain-answer-sheet.pdf"])
    text = subprocess.run([exe, "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = text.split("\f")
    for letter, page in zip("AB", pages):
        assert f"{a4.code} · {letter} · 1" in page                      # the QR's content in clear text
        assert "Answer sheet" in page and "Name" in page and "STUDENT NUMBER" in page
        assert f"quiz {a4.code} · answer sheet · version {letter}" in page
    assert "11" not in text.replace(" 11 ", "")                          # seed 11, never printed but as a number


@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_a_long_quiz_continues_on_a_second_sheet(tmp_path, paper):
    per_sheet = capacity(paper, 3)
    out = printout(tmp_path, per_sheet + 5, 2, paper, options=3)
    g = geometry(out)
    assert [(p["version"], p["sheet"], p["sheets"], p["questions"]) for p in g["pages"]] == [
        ("A", 1, 2, [1, per_sheet]), ("A", 2, 2, [per_sheet + 1, per_sheet + 5]),
        ("B", 1, 2, [1, per_sheet]), ("B", 2, 2, [per_sheet + 1, per_sheet + 5])]
    w, h = g["page_size_pt"]
    assert (w, h) == ((595.2756, 841.8898) if paper == "a4" else (612.0, 792.0))
    for p in g["pages"]:
        for b in p["bubbles"]:       # everything clear of the markers and the page's edges
            assert 70 < b["y"] < h - 70 and 50 < b["x"] < w - 50
    pages = rasterise(out.files["plain-answer-sheet.pdf"], 72)
    assert len(pages) == 4 and abs(pages[0].shape[0] - h) <= 1 and abs(pages[0].shape[1] - w) <= 1


def test_capacity_is_what_the_readme_says():
    readme = (ROOT / "README.md").read_text()
    for paper, name in (("a4", "A4"), ("letter", "Letter")):
        assert f"{name}: {capacity(paper, 5)} questions with five options, {capacity(paper, 4)} with four, " \
               f"{capacity(paper, 3)} with two or three" in readme


def test_many_versions_keep_the_instructions_readable(tmp_path):
    exe = require_tool("pdftotext", "reads the answer sheet back (poppler-utils)")
    out = printout(tmp_path, 6, 18, digits=10)
    pdf = tmp_path / "sheet.pdf"
    pdf.write_bytes(out.files["plain-answer-sheet.pdf"])
    text = subprocess.run([exe, "-layout", "-f", "18", "-l", "18", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    line = next(ln for ln in text.splitlines() if "Use a dark pen" in ln)
    assert len(line.split("Use a dark pen", 1)[1].split()) >= 8, line
    assert "R · 1" in text


def test_student_digits_out_of_range_is_a_usage_error(tmp_path, capsys, monkeypatch):
    from tests.tools import run_cli

    bank = write_bank(tmp_path, plain_data(3))
    code, _, stderr = run_cli(["quiz", bank, "--student-digits", "13", "-o", tmp_path / "out"], capsys, monkeypatch)
    assert code == 2 and "--student-digits must be between 1 and 12, not 13" in stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
