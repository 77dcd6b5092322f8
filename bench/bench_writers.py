#!/usr/bin/env python3
"""Time the writers on synthetic banks: Anki deck, printed quiz, LMS exports.

    python bench/bench_writers.py                  # 1000 and 10000 facts
    python bench/bench_writers.py --sizes 1000 10000 100000
    python bench/bench_writers.py --exports-only   # the LMS exports alone

Each size runs in a fresh interpreter. The deck is built twice from the bank already
read: a first build (every note new) and a rebuild with the lock (nothing changed: it
stops early). bench_build.py times the whole command. The printed quiz is 100
questions in 3 versions (typst's time grows with the questions printed, not with the
bank). Each LMS export renders the same quiz three times: its figure is the least CPU time
(less sensitive than wall time to other work on a shared machine). The banks are those of
bench_pipeline.py.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_pipeline import ROOT, bank_file  # noqa: E402

CHILD = r"""
import json, resource, sys, tempfile, time
from generator.check import read_bank
from generator.quiz import generate, select_facts
from generator.writers.anki import build_deck
from generator.writers import exporter
from generator.writers.pdf import render_printout

import os, shutil
bank = read_bank(sys.argv[1])
exports_only = sys.argv[2] == "1"
times = {}
if not exports_only:
    out = tempfile.mkdtemp()
    copy = os.path.join(out, "bank.yaml")  # the lock goes beside the bank
    shutil.copy(sys.argv[1], copy)
    t = time.perf_counter(); build_deck(copy, out, lambda options: bank); times["anki first build"] = time.perf_counter() - t
    t = time.perf_counter(); build_deck(copy, out, lambda options: bank); times["anki rebuild"] = time.perf_counter() - t
quiz = generate(bank, seed=1)
for fmt in ("json", "gift", "moodle-xml", "qti"):
    best = float("inf")
    for _ in range(3):
        t = time.process_time(); exporter(fmt).render(quiz); best = min(best, time.process_time() - t)
    times[fmt + " cpu"] = best
if not exports_only:
    small = generate(bank, seed=1, facts=select_facts(bank, count=100, seed=1))
    t = time.perf_counter(); render_printout(small, 3); times["pdf 100q x3"] = time.perf_counter() - t
times["peak MB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(times))
"""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    ap.add_argument("--exports-only", action="store_true", help="Time the LMS exports alone.")
    args = ap.parse_args()
    rows = []
    for n in args.sizes:
        bank = bank_file(n)
        r = subprocess.run([sys.executable, "-c", CHILD, str(bank), "1" if args.exports_only else "0"], capture_output=True, text=True, cwd=ROOT)
        if r.returncode:
            print(r.stderr, file=sys.stderr)
            return 1
        rows.append((n, json.loads(r.stdout)))
    names = list(rows[0][1])
    print(f"{'facts':>8} " + " ".join(f"{k:>16}" for k in names))
    for n, t in rows:
        print(f"{n:>8} " + " ".join(f"{t[k]:>16.2f}" for k in names))
    print("(seconds; peak MB for the whole process)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
