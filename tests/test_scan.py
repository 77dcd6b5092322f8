"""Reading answer sheets: real typst sheets, filled in by simulated students, distorted, read back.

Per-bubble accuracy on flat scans and phone-like photos, no wrong answer ever written without a
review line, pages in any order and upside down, multi-page PDFs, pdftoppm's rendering, and the
command: responses CSV, review report, corrections, one bad page never stopping the batch.
The 200+ sheet run is bench/bench_scan.py; this is a smaller subset of it.
"""

from __future__ import annotations

import csv
import io
import json
import random
import subprocess
from pathlib import Path

import cv2
import numpy as np
import pytest

from generator.quiz import generate
from generator.scan import scan_sheets
from generator.scan.batch import Sheet
from generator.scan.page import read_page
from generator.writers.pdf import make_versions
from generator.writers.pdf.manifest import quiz_code, render_manifest
from generator.writers.pdf.printout import Typesetter, sheet_data
from tests.quiz_banks import load, plain_data, write_bank
from tests.scan_synth import (Student, Tally, fill_sheet, flat_scan, make_student, phone_photo, rasterise,
                              rotate, score_page)
from tests.tools import require_tool, run_cli

DPI = 150


class Printed:
    def __init__(self, folder: Path, questions: int, options: int, versions: int, paper: str = "a4"):
        # What render_printout writes for the sheet and the manifest (the papers and key are not needed here).
        quiz = generate(load(write_bank(folder, plain_data(questions))), seed=21, options=options)
        vs = make_versions(quiz, versions)
        code = quiz_code(quiz, [v.letter for v in vs])
        drawing, geometry = sheet_data(quiz, vs, paper, code)
        self.pdf = Typesetter().pdf("sheet.typ", drawing, quiz)
        (folder / "plain-answer-sheet.json").write_text(geometry)
        (folder / "plain-answer-sheet.pdf").write_bytes(self.pdf)
        (folder / "plain-quiz.json").write_bytes(render_manifest(quiz, vs, code))
        self.folder = folder
        self.manifest = folder / "plain-quiz.json"
        self.sheet = Sheet.load(self.manifest)
        self.geometry = json.loads(geometry)
        self.pages = rasterise(self.pdf, DPI)
        self.letters = "ABCDE"[:options]

    def filled(self, page: int, student: Student, rng: random.Random, tick=None, dpi=DPI, pages=None) -> np.ndarray:
        image = (pages or self.pages)[page].copy()
        fill_sheet(image, self.geometry["pages"][page], student, dpi, rng, tick=tick)
        return image


@pytest.fixture(scope="module")
def quiz3(tmp_path_factory):
    """A 30-question quiz, four options, two versions, on A4."""
    return Printed(tmp_path_factory.mktemp("quiz3"), 30, 4, 2)


@pytest.fixture(scope="module")
def letter5(tmp_path_factory):
    """70 questions, five options, on Letter: two sheets per version."""
    return Printed(tmp_path_factory.mktemp("letter5"), 70, 5, 1, "letter")


def run_batch(printed: Printed, count: int, distort, seed: int) -> Tally:
    rng = random.Random(seed)
    total = Tally()
    for n in range(count):
        p = rng.randrange(len(printed.pages))
        student = make_student(rng, printed.sheet.questions, printed.letters, 7)
        tick = rng.randint(1, printed.sheet.questions) if n % 3 == 0 else None
        image = distort(printed.filled(p, student, rng, tick), rng)
        read = read_page(image, f"sheet-{n}", printed.sheet)
        assert read.status == "ok", (n, read.problems)
        expected = printed.geometry["pages"][p]
        assert (read.version, read.sheet) == (expected["version"], expected["sheet"])
        total.add(score_page(read, student, tick))
    return total


def test_flat_scans_read_right(quiz3):
    t = run_batch(quiz3, 16, flat_scan, seed=1)
    assert t.sheets == 16 and t.bubbles == 16 * (30 * 4 + 70)
    assert t.accuracy >= 0.999, (t.right, t.review, t.wrong)
    assert t.silent_errors == []


def test_phone_photos_read_right(quiz3, letter5):
    t = run_batch(quiz3, 6, phone_photo, seed=2)
    t.add(run_batch(letter5, 6, phone_photo, seed=3))
    assert t.accuracy >= 0.99, (t.right, t.review, t.wrong)
    assert t.silent_errors == []


def test_every_way_of_marking(quiz3):
    """Fill, light pencil, cross and tick count as marked; an erasure does not; blank and double marks
    are written as such, and the double mark is flagged."""
    rng = random.Random(5)
    answers = {q: "ABCD"[q % 4] for q in range(1, 31)}
    answers[5], answers[6] = "", "AC"
    kinds = {q: ("fill", "pencil", "cross")[q % 3] for q in range(1, 31)}
    student = Student("0123456", answers, kinds, erased={8: "D" if answers[8] != "D" else "A"})
    image = quiz3.filled(0, student, rng, tick=9)
    read = read_page(rotate(image, 180), "upside-down.png", quiz3.sheet)
    assert read.student == "0123456"
    assert read.answers == answers
    problems = {p.where: p.what for p in read.problems}
    assert problems.get("question 6") == "several marks"
    assert set(problems) <= {"question 6", "question 8"}      # a heavy erasure may be pointed out, never guessed


def test_resolutions_from_150_to_600_dpi(quiz3):
    rng = random.Random(7)
    for dpi in (150, 300, 600):
        page = rasterise(quiz3.pdf, dpi)[:1]
        student = make_student(rng, 30, "ABCD", 7)
        image = quiz3.filled(0, student, rng, dpi=dpi, pages=page)
        read = read_page(rotate(image, rng.uniform(-10, 10)), f"{dpi}.png", quiz3.sheet)
        t = score_page(read, student)
        assert t.wrong == 0 and t.silent_errors == [] and read.student == student.number, dpi


def test_unreadable_qr_and_missing_markers_are_flagged_not_guessed(quiz3):
    rng = random.Random(9)
    px = DPI / 72
    student = make_student(rng, 30, "ABCD", 7)
    image = quiz3.filled(1, student, rng)
    q = quiz3.geometry["qr"]
    no_qr = image.copy()
    no_qr[int((q["y"] - 2) * px):int((q["y"] + q["size"] + 2) * px),
          int((q["x"] - 2) * px):int((q["x"] + q["size"] + 2) * px)] = 255
    read = read_page(no_qr, "no-qr.png", quiz3.sheet)
    assert read.status == "no-qr" and read.version is None
    assert any("QR code cannot be read" in p.what and p.crop for p in read.problems)

    one_gone = image.copy()          # three markers are enough
    m = quiz3.geometry["markers"][2]["corners"]
    one_gone[int(m[0][1] * px) - 3:int(m[2][1] * px) + 3, int(m[0][0] * px) - 3:int(m[2][0] * px) + 3] = 255
    read = read_page(one_gone, "three.png", quiz3.sheet)
    assert read.status == "ok" and read.version == "B" and score_page(read, student).wrong == 0

    for k in (0, 1):
        m = quiz3.geometry["markers"][k]["corners"]
        one_gone[int(m[0][1] * px) - 3:int(m[2][1] * px) + 3, int(m[0][0] * px) - 3:int(m[2][0] * px) + 3] = 255
    read = read_page(one_gone, "one.png", quiz3.sheet)
    assert read.status == "no-markers" and read.answers == {}
    assert read.problems[0].where == "page" and read.problems[0].crop.startswith(b"\x89PNG")


def test_a_sheet_of_another_quiz_is_left_out(quiz3, letter5):
    rng = random.Random(4)
    image = letter5.filled(0, make_student(rng, 70, "ABCDE", 7), rng)
    read = read_page(image, "stray.png", quiz3.sheet)
    assert read.status == "other-quiz" and "not of quiz" in read.problems[0].what


# --- the command -------------------------------------------------------------------------

def _pdf_of(images: list[np.ndarray], folder: Path, name: str) -> Path:
    """A multi-page PDF of JPEG pages, as a scanner's feeder writes it."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument.new()
    for k, image in enumerate(images):
        path = folder / f"_{name}-{k}.jpg"
        cv2.imwrite(str(path), image, [cv2.IMWRITE_JPEG_QUALITY, 80])
        w, h = image.shape[1] * 72 / DPI, image.shape[0] * 72 / DPI
        page = doc.new_page(w, h)
        obj = pdfium.PdfImage.new(doc)
        obj.load_jpeg(str(path))
        obj.set_matrix(pdfium.PdfMatrix().scale(w, h))
        page.insert_obj(obj)
        page.gen_content()
        path.unlink()
    out = folder / name
    doc.save(str(out))
    return out


def read_csv(path: Path) -> list[dict]:
    return list(csv.DictReader(io.StringIO(path.read_text())))


def test_scan_command_end_to_end(letter5, tmp_path, capsys, monkeypatch):
    """Two students' two-sheet papers: a PDF in reverse order, a photo, a broken file; then corrections."""
    rng = random.Random(11)
    s1 = make_student(rng, 70, "ABCDE", 7, style="fill")
    s2 = make_student(rng, 70, "ABCDE", 7, style="fill")
    for s in (s1, s2):
        s.answers = {q: a[:1] for q, a in s.answers.items()}
        s.erased = {}
    s2.answers[3] = "AB"          # a double mark, flagged
    scans = tmp_path / "scans"
    scans.mkdir()
    _pdf_of([flat_scan(letter5.filled(1, s1, rng), rng), flat_scan(letter5.filled(0, s1, rng), rng),
             rotate(letter5.filled(1, s2, rng), 180)], scans, "feeder.pdf")
    cv2.imwrite(str(scans / "photo.jpg"), phone_photo(letter5.filled(0, s2, rng), rng))
    (scans / "torn.png").write_bytes(b"not an image")
    out = tmp_path / "responses.csv"
    code, stdout, stderr = run_cli(["scan", scans, "--quiz", letter5.manifest, "-o", out], capsys, monkeypatch)
    assert code == 1                                # something to review
    rows = read_csv(out)
    assert list(rows[0]) == ["student", "version", *map(str, range(1, 71))]
    by_student = {r["student"]: r for r in rows}
    assert set(by_student) == {s1.number, s2.number}
    for s in (s1, s2):
        row = by_student[s.number]
        assert row["version"] == "A"
        assert {q: row[str(q)] for q in range(1, 71)} == s.answers
    assert "torn.png: page: cannot read this file" in stderr
    assert "several marks" not in stderr          # written as AB: a note to glance at, not a decision to make
    assert "(1 thing to decide, 1 to glance at)" in stdout
    review = (tmp_path / "responses-review.html").read_text()
    to_decide, glance = review.split("Read, worth a glance")
    assert "torn.png" in to_decide and "scan it again" in to_decide
    assert "several marks" in glance and "photo.jpg,3," in glance and "data:image/png;base64," in glance

    # The trainer decides: question 3 of the photo is B; the torn page is let go.
    fixes = tmp_path / "fixes.csv"
    fixes.write_text("sheet,question,answer\nphoto.jpg,3,B\n")
    (scans / "torn.png").unlink()
    code, stdout, stderr = run_cli(["scan", scans, "--quiz", letter5.manifest, "-o", out, "--corrections", fixes],
                                   capsys, monkeypatch)
    assert code == 0, stderr
    assert {r["student"]: r["3"] for r in read_csv(out)}[s2.number] == "B"
    assert "corrected: B" in (tmp_path / "responses-review.html").read_text()


def test_unreadable_cells_are_question_marks_and_student_corrections_apply(quiz3, tmp_path, capsys, monkeypatch):
    rng = random.Random(12)
    student = make_student(rng, 30, "ABCD", 7, style="fill")
    number = student.number
    student.number = number[:2] + "x" + number[3:]       # the third digit not filled in, question 4 left blank
    student.answers[4] = ""
    image = quiz3.filled(0, student, rng)
    px = DPI / 72
    # Grey smudges on two of question 4's bubbles and two of the third digit's: neither clearly marked nor empty.
    for b in quiz3.geometry["pages"][0]["bubbles"]:
        if b.get("option") in ("A", "B") and b.get("question") == 4 or b.get("digit_position") == 2 and \
                b.get("digit") in (3, 5):
            cv2.circle(image, (int(b["x"] * px), int(b["y"] * px)), int(b["r"] * px * 0.55), 175, -1)
    cv2.imwrite(str(tmp_path / "smudged.png"), image)
    out = tmp_path / "r.csv"
    code, _, stderr = run_cli(["scan", tmp_path / "smudged.png", "--quiz", quiz3.manifest, "-o", out],
                              capsys, monkeypatch)
    assert code == 1
    row = read_csv(out)[0]
    assert row["4"] == "?" and row["student"] == number[:2] + "?" + number[3:]
    assert "smudged.png: question 4: unclear mark" in stderr and "smudged.png: student number" in stderr
    fixes = tmp_path / "fixes.csv"
    fixes.write_text(f"sheet,question,answer\nsmudged.png,student,{number}\n{number},4,C\n")
    code, _, stderr = run_cli(["scan", tmp_path / "smudged.png", "--quiz", quiz3.manifest, "-o", out,
                               "--corrections", fixes], capsys, monkeypatch)
    row = read_csv(out)[0]
    assert row["student"] == number and row["4"] == "C"


def test_bad_corrections_and_missing_files_are_usage_errors(quiz3, tmp_path, capsys, monkeypatch):
    fixes = tmp_path / "fixes.csv"
    fixes.write_text("sheet,question,answer\na.png,31,B\na.png,2,Z\na.png,3\n")
    img = tmp_path / "a.png"
    cv2.imwrite(str(img), quiz3.pages[0])
    code, _, stderr = run_cli(["scan", img, "--quiz", quiz3.manifest, "--corrections", fixes, "-o",
                               tmp_path / "r.csv"], capsys, monkeypatch)
    assert code == 2 and "Traceback" not in stderr
    assert f"{fixes}:2: question '31'" in stderr and f"{fixes}:3: answer 'Z'" in stderr and f"{fixes}:4: expected 3" \
        in stderr
    code, _, stderr = run_cli(["scan", img, "--quiz", tmp_path / "nothing-quiz.json"], capsys, monkeypatch)
    assert code == 2 and "no such file" in stderr
    code, _, stderr = run_cli(["scan", img, "--quiz", quiz3.manifest, "-o", tmp_path / "no" / "r.csv"], capsys,
                              monkeypatch)
    assert code == 2 and "no folder" in stderr
    assert not (tmp_path / "r.csv").exists()


def test_pages_rendered_by_pdftoppm_read_back(quiz3, tmp_path):
    """Another renderer than PDFium's: poppler's pdftoppm rasterises the printed sheet, then it is filled in."""
    exe = require_tool("pdftoppm", "renders the sheet another way (poppler-utils)")
    pdf = tmp_path / "sheet.pdf"
    pdf.write_bytes(quiz3.pdf)
    subprocess.run([exe, "-r", "200", "-gray", "-png", str(pdf), str(tmp_path / "p")], check=True, timeout=60)
    pages = [cv2.imread(str(p), cv2.IMREAD_GRAYSCALE) for p in sorted(tmp_path.glob("p-*.png"))]
    assert len(pages) == 2
    rng = random.Random(13)
    files, students = [], []
    for k, page in enumerate(pages):
        s = make_student(rng, 30, "ABCD", 7)
        image = page.copy()
        fill_sheet(image, quiz3.geometry["pages"][k], s, 200, rng)
        cv2.imwrite(str(tmp_path / f"filled-{k}.png"), rotate(image, 4))
        students.append(s)
        files.append(tmp_path / f"filled-{k}.png")
    result = scan_sheets(files, quiz3.manifest)
    for page, s in zip(result.pages, students):
        t = score_page(page, s)
        assert t.wrong == 0 and t.silent_errors == []
    assert [r.version for r in result.rows] == ["A", "B"]


def test_review_report_escapes_what_it_shows():
    from generator.scan import review_html
    from generator.scan.batch import Problem, ScanResult

    sheet = Sheet("AAAA-BBBB", 3, ["A"], {}, {}, 1)
    result = ScanResult(sheet, problems=[Problem("<script>x</script>.png", "question 2", "unclear <b>", b"\x89PNG",
                                                 fix="2")])
    text = review_html(result)
    assert "<script>x" not in text and "&lt;script&gt;x&lt;/script&gt;.png,2," in text and "unclear &lt;b&gt;" in text
    assert "data:image/png;base64,iVBORw==" in text


def test_a_missing_second_sheet_is_question_marks_and_a_review_line(letter5, tmp_path):
    rng = random.Random(17)
    s = make_student(rng, 70, "ABCDE", 7, style="fill")
    cv2.imwrite(str(tmp_path / "first.png"), letter5.filled(0, s, rng))
    result = scan_sheets([tmp_path / "first.png"], letter5.manifest)
    last = letter5.geometry["pages"][0]["questions"][1]
    assert last < 70
    cells = result.csv_text().splitlines()[1].split(",")
    assert cells[2 + last:] == ["?"] * (70 - last)
    assert [p.where for p in result.open_problems if p.where == "sheet"] == ["sheet"]


def test_the_same_sheet_scanned_twice_is_listed(quiz3, tmp_path):
    rng = random.Random(19)
    image = quiz3.filled(0, make_student(rng, 30, "ABCD", 7, style="fill"), rng)
    for name in ("monday.png", "again.png"):
        cv2.imwrite(str(tmp_path / name), image)
    result = scan_sheets([tmp_path / "monday.png", tmp_path / "again.png"], quiz3.manifest)
    assert len(result.rows) == 2
    twice = [p for p in result.open_problems if p.where == "student number"]
    assert len(twice) == 1 and "also on monday.png" in twice[0].what and twice[0].source == "again.png"


def test_progress_bar_on_a_terminal_only(quiz3, tmp_path):
    import os
    import pty
    import sys

    blank = tmp_path / "blank.png"
    cv2.imwrite(str(blank), quiz3.pages[0])
    files = [blank] * 10
    cmd = [sys.executable, str(Path(__file__).parent.parent / "cli.py"), "scan", *map(str, files),
           "--quiz", str(quiz3.manifest), "-o", str(tmp_path / "r.csv")]
    master, slave = pty.openpty()
    proc = subprocess.run(cmd, stderr=slave, stdout=subprocess.PIPE, timeout=300)
    os.close(slave)
    shown = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
    os.close(master)
    assert proc.returncode == 1 and b"scanning" in shown        # ten blank sheets: no student numbers to decide
    plain = subprocess.run(cmd, capture_output=True, timeout=300)
    assert b"scanning" not in plain.stderr


def test_a_student_who_marks_lightly_is_read_against_their_own_marks(quiz3):
    """Every mark a faint grey fill: under the usual 'marked' level, clearly marks on this sheet."""
    rng = random.Random(23)
    student = make_student(rng, 30, "ABCD", 7, style="fill")
    student.answers = {q: a[:1] or "A" for q, a in student.answers.items()}
    student.erased = {}
    image = quiz3.pages[0].copy()
    px = DPI / 72
    for b in quiz3.geometry["pages"][0]["bubbles"]:
        meant = (b["role"] == "student" and student.number[b["digit_position"]] == str(b["digit"])) or \
                (b["role"] == "question" and b["option"] == student.answers[b["question"]])
        if meant:
            cv2.circle(image, (int(b["x"] * px), int(b["y"] * px)), int(b["r"] * px * 0.9), 208, -1, cv2.LINE_AA)
    read = read_page(flat_scan(image, rng), "light.png", quiz3.sheet)
    scores = [r.score for b, r in read.bubbles if b.role == "question" and b.option == student.answers[b.question]]
    assert max(scores) < 0.20                         # each below the usual threshold…
    assert read.answers == student.answers and read.student == student.number      # …yet all read
    assert not read.problems


def test_errata_grade_reads_what_scan_writes(quiz3, tmp_path, capsys, monkeypatch):
    """Paper end to end: filled sheets of both versions → scan → grade; scores are the students' own."""
    rng = random.Random(31)
    manifest = json.loads(quiz3.manifest.read_text())
    students = []
    for page in (0, 1):                 # one student on version A's sheet, one on B's
        s = make_student(rng, 30, "ABCD", 7, style="fill")
        s.answers = {q: a[:1] for q, a in s.answers.items()}
        s.erased = {}
        cv2.imwrite(str(tmp_path / f"sheet{page}.png"), flat_scan(quiz3.filled(page, s, rng), rng))
        students.append((s, manifest["versions"][page]))
    out = tmp_path / "responses.csv"
    code, _, stderr = run_cli(["scan", tmp_path / "sheet0.png", tmp_path / "sheet1.png", "--quiz", quiz3.manifest,
                               "-o", out], capsys, monkeypatch)
    assert code == 0, stderr
    results = tmp_path / "results"
    code, _, stderr = run_cli(["grade", out, "--quiz", quiz3.manifest, "-o", results, "--no-pdf"],
                              capsys, monkeypatch)
    assert code == 0, stderr
    scores = {s["id"]: (s["version"], s["score"]) for s in json.loads((results / "analysis.json").read_text())["students"]}
    for s, version in students:
        right = sum(1 for q in version["questions"]
                    for o in q["options"] if o["correct"] and s.answers.get(q["number"]) == o["letter"])
        assert scores[s.number] == (version["letter"], right)
