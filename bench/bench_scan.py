"""Scanning: accuracy on synthetic sheets, and pages per second at 300 dpi on one core.

    python bench/bench_scan.py                 # 240 sheets for accuracy, 20 pages at 300 dpi for speed
    python bench/bench_scan.py --sheets 60     # a quicker accuracy run

Real answer sheets are printed by typst, rasterised by PDFium, filled in by simulated students
from the geometry file (fills, light pencil, crosses, ticks, erasures, blanks, double marks),
then put through a flatbed's or a phone's distortions (skew up to ±10°, upside down,
perspective, scale, blur, noise, JPEG quality 40, uneven light). Each is read back and scored
bubble by bubble against what the student meant.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import cv2  # noqa: E402

from generator.quiz import generate  # noqa: E402
from generator.scan.batch import Sheet, page_images  # noqa: E402
from generator.scan.page import read_page  # noqa: E402
from generator.writers.pdf import render_printout  # noqa: E402
from tests.quiz_banks import load, plain_data, write_bank  # noqa: E402
from tests.scan_synth import (Tally, fill_sheet, flat_scan, make_student, phone_photo, rasterise,  # noqa: E402
                              score_page)


def printed_quiz(folder: Path, questions: int, options: int, versions: int, paper: str):
    bank = load(write_bank(folder, plain_data(questions)))
    out = render_printout(generate(bank, seed=5, options=options), versions, paper)
    for name, data in out.files.items():
        (folder / name).write_bytes(data)
    return Sheet.load(folder / "plain-quiz.json"), json.loads(out.files["plain-answer-sheet.json"])


def accuracy(sheets: int, dpi: float, seed: int) -> dict[str, Tally]:
    tallies = {"flat": Tally(), "phone": Tally()}
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as tmp:
        setups = []
        for i, (q, k, v, paper) in enumerate([(30, 4, 2, "a4"), (60, 5, 3, "letter"), (45, 3, 1, "a4")]):
            folder = Path(tmp) / str(i)
            folder.mkdir()
            sheet, geometry = printed_quiz(folder, q, k, v, paper)
            setups.append((sheet, geometry, rasterise((folder / "plain-answer-sheet.pdf").read_bytes(), dpi),
                           "ABCDE"[:k]))
        for n in range(sheets):
            sheet, geometry, pages, letters = setups[n % len(setups)]
            p = rng.randrange(len(pages))
            page = geometry["pages"][p]
            student = make_student(rng, sheet.questions, letters, geometry["student_digits"])
            image = pages[p].copy()
            tick = rng.randint(1, sheet.questions) if rng.random() < 0.3 else None
            fill_sheet(image, page, student, dpi, rng, tick=tick)
            style = "flat" if n % 2 == 0 else "phone"
            image = flat_scan(image, rng) if style == "flat" else phone_photo(image, rng)
            read = read_page(image, f"sheet-{n}", sheet)
            tallies[style].add(score_page(read, student, tick))
    return tallies


def speed(pages: int, dpi: float = 300) -> tuple[float, float]:
    cv2.setNumThreads(1)
    rng = random.Random(1)
    with tempfile.TemporaryDirectory() as tmp:
        sheet, geometry = printed_quiz(Path(tmp), 40, 4, 1, "a4")
        blank = rasterise((Path(tmp) / "plain-answer-sheet.pdf").read_bytes(), dpi)[0]
        files = []
        for n in range(pages):
            image = blank.copy()
            fill_sheet(image, geometry["pages"][0], make_student(rng, 40, "ABCD", 7), dpi, rng)
            path = Path(tmp) / f"scan-{n}.jpg"      # as a scanner writes them
            cv2.imwrite(str(path), flat_scan(image, rng), [cv2.IMWRITE_JPEG_QUALITY, 85])
            files.append(path)
        start, cpu = time.perf_counter(), time.process_time()
        for source, image in page_images(files):      # decoding the file included, as errata scan does
            read_page(image, source, sheet)
        return pages / (time.perf_counter() - start), pages / (time.process_time() - cpu)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sheets", type=int, default=240, help="synthetic sheets for the accuracy run")
    ap.add_argument("--dpi", type=float, default=150, help="resolution of the synthetic sheets")
    ap.add_argument("--speed-pages", type=int, default=20, help="pages at 300 dpi for the speed run")
    ap.add_argument("--seed", type=int, default=13)
    args = ap.parse_args()
    tallies = accuracy(args.sheets, args.dpi, args.seed) if args.sheets else {}
    print(f"{'images':<8} {'sheets':>6} {'bubbles':>8} {'right %':>8} {'ambiguous %':>12} {'wrong %':>8} "
          f"{'sheets to decide %':>19} {'sheets with notes %':>20} {'wrong answers without a flag':>29}")
    for name, t in tallies.items():
        if not t.bubbles:
            continue
        print(f"{name:<8} {t.sheets:>6} {t.bubbles:>8} {100 * t.accuracy:>8.3f} {100 * t.review / t.bubbles:>12.3f} "
              f"{100 * t.wrong / t.bubbles:>8.3f} {100 * t.sheets_to_decide / t.sheets:>19.1f} "
              f"{100 * t.sheets_with_notes / t.sheets:>20.1f} {len(t.silent_errors):>29}")
        print("   review lines:", ", ".join(f"{k} {n}" for k, n in t.lines.most_common()))
        for e in t.silent_errors[:10]:
            print("   silent:", e)
    if args.speed_pages:
        wall, cpu = speed(args.speed_pages)
        print(f"speed at 300 dpi, one thread, JPEG decoding included: {wall:.1f} pages/s "
              f"(wall clock), {cpu:.1f} pages per CPU second")


if __name__ == "__main__":
    main()
