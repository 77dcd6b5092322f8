#!/usr/bin/env python3
"""Time `errata build` as a user runs it, on synthetic banks: first build, unchanged
rebuild, rebuild after one fact changed.

    python bench/bench_build.py                          # 10k and 100k facts, best of 3
    python bench/bench_build.py --sizes 1000 10000 --repeats 1

Each build is `python cli.py build BANK -o DIR` in a fresh interpreter; the figures
are its wall time, its CPU time (user + system: what a busy shared machine inflates
least) and its peak resident memory, and the lock's size per note. The banks are those
of bench_pipeline.py (one source error per fact: two notes per fact); each run
builds from a copy in a scratch folder (the lock is written beside the bank).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_pipeline import ROOT, bank_file  # noqa: E402


def run(args: list[str]) -> tuple[float, float, float, str]:
    """Wall s, CPU s, peak MB of one command in a fresh interpreter, and its output."""
    out = tempfile.TemporaryFile()
    t = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        os.dup2(out.fileno(), 1)
        os.dup2(out.fileno(), 2)
        os.execv(sys.executable, [sys.executable, str(ROOT / "cli.py"), *args])
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - t
    out.seek(0)
    text = out.read().decode()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(args)}\n{text}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, text


def one_fact_changed(bank: Path) -> None:
    text = bank.read_text(encoding="utf-8")
    i = text.index("    explain: ")
    bank.write_text(text[:i] + "    explain: \"changed for the benchmark\"\n" + text[text.index("\n", i) + 1:],
                    encoding="utf-8")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[10000, 100000])
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    cases = ("first build", "unchanged rebuild", "one fact changed")
    print(f"{'facts':>8} {'case':<18} {'wall s':>7} {'cpu s':>7} {'peak MB':>8}  lock bytes/note")
    for n in args.sizes:
        source = bank_file(n)  # read only: each run works on a copy
        best: dict[str, tuple[float, float, float]] = {}
        per_note = 0.0
        for _ in range(args.repeats):
            work = Path(tempfile.mkdtemp(prefix="errata-bench-"))
            try:
                bank = work / "bank.yaml"
                shutil.copy(source, bank)
                for case in cases:
                    if case == "one fact changed":
                        one_fact_changed(bank)
                    wall, cpu, mb, text = run(["build", str(bank), "-o", str(work / "decks")])
                    if case == "unchanged rebuild":
                        assert "up to date" in text, text
                    if case == "one fact changed":
                        assert "1 changed" in text, text
                    b = best.get(case)
                    best[case] = (min(wall, b[0]), min(cpu, b[1]), min(mb, b[2])) if b else (wall, cpu, mb)
                    if args.repeats > 1:
                        print(f"  ({n} {case}: {wall:.2f} s, {cpu:.2f} s CPU, {mb:.0f} MB)", flush=True)
                per_note = (work / "bank.lock.json").stat().st_size / (2 * n)
            finally:
                shutil.rmtree(work, ignore_errors=True)
        for case in cases:
            wall, cpu, mb = best[case]
            print(f"{n:>8} {case:<18} {wall:>7.2f} {cpu:>7.2f} {mb:>8.0f}  {per_note:.0f}", flush=True)
    print(f"(best of {args.repeats}; each figure its own minimum)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
