#!/usr/bin/env python3
"""Time the self-quiz page: writing it, and opening it in headless Chromium until it answers.

    python bench/bench_html.py                     # 10000 facts
    python bench/bench_html.py --sizes 1000 10000 --repeats 3

For each bank of bench_pipeline.py the page is written once, then opened in a fresh browser
context (no saved progress) from its file. "open" is the page's own clock from the navigation
until its script has built the start screen (the page's "errata-ready" mark); "interactive" is
the wall-clock time from the navigation until a click on Practice has shown the first question,
browser-driving round trips included. Needs the test extra and /usr/bin/chromium.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_pipeline import OUT, ROOT, write_bank  # noqa: E402

sys.path.insert(0, str(ROOT))
from generator.check import read_bank  # noqa: E402
from generator.quiz import generate  # noqa: E402
from generator.writers.html import render  # noqa: E402

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def main() -> int:
    from playwright.sync_api import sync_playwright

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[10000])
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    print(f"{'facts':>8} {'page MB':>8} {'write s':>8} {'open s':>8} {'interactive s':>14}  (best of {args.repeats})")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
        for n in args.sizes:
            bank = OUT / f"bank-{n}.yaml"
            if not bank.exists():
                write_bank(bank, n)
            quiz = generate(read_bank(str(bank)), seed=1)
            t = time.perf_counter()
            data = render(quiz)
            written = time.perf_counter() - t
            page = OUT / f"quiz-{n}.html"
            page.write_bytes(data)
            opened, interactive = [], []
            for _ in range(args.repeats):
                context = browser.new_context()
                pg = context.new_page()
                t = time.perf_counter()
                pg.goto(page.as_uri(), wait_until="commit")
                pg.wait_for_selector("#start-practice")
                opened.append(pg.evaluate("performance.getEntriesByName('errata-ready')[0].startTime") / 1000)
                pg.click("#start-practice")
                pg.wait_for_selector("#question-text")
                interactive.append(time.perf_counter() - t)
                context.close()
            print(f"{n:>8} {len(data) / 1e6:>8.1f} {written:>8.2f} {min(opened):>8.2f} {min(interactive):>14.2f}")
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
