#!/usr/bin/env python3
"""Time load + check + generate on synthetic banks of 1k, 10k and 100k facts.

    python bench/bench_pipeline.py                 # 1000 10000 100000, one run each
    python bench/bench_pipeline.py --sizes 1000 10000 --repeats 3

Each (size, repeat) runs in a fresh interpreter, as a user's command would, and
reports wall time per stage and the peak resident memory. The synthetic facts look
like real ones and weigh about what the research benchmark's facts weigh (~0.8 KB):
~80-character questions, 30-character answers, one source error with its quote and
correction, two curated distractors, tags, one kind in 50 (pools of ~2,000 facts for
borrowing), one fact in 8 with curly quotes and Greek letters.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = Path(os.environ.get("ERRATA_BENCH_DIR", ROOT / "bench" / "out"))
WORDS = ("ketamine receptor channel glutamate dose infusion anesthesia label review trial patient "
         "brain synapse plasticity onset hours weeks effect risk bladder heart rate pressure route").split()


def text(rng: random.Random, n: int) -> str:
    out = []
    while sum(len(w) + 1 for w in out) < n:
        out.append(rng.choice(WORDS))
    return " ".join(out)


def quoted(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)  # a JSON string is a valid double-quoted YAML scalar


def write_bank(path: Path, n: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    lines = ["deck:", "  id: bench", "  title: Synthetic bench bank", "sources:"]
    for s in range(5):
        lines += [f"  s{s}:", f"    title: Source {s}", f"    file: s{s}.txt"]
    lines += ["references:", "  r1:", "    title: Reference one", "  r2:", "    title: Reference two", "facts:"]
    for i in range(n):
        fancy = i % 8 == 0
        q = text(rng, 80) + (" “αβγ” ’s" if fancy else "") + f" #{i}?"
        a = f"{text(rng, 24)} {i}"
        lines += [
            f"  - id: fact-{i}",
            f"    topic: Topic {i % 20}",
            f"    kind: kind-{i % 50}",
            f"    question: {quoted(q)}",
            f"    answer: {quoted(a)}",
        ]
        if i % 4 == 0:
            lines.append(f"    accept: [{quoted(a + ' exactly')}]")
        lines += [
            f"    explain: {quoted(text(rng, 150))}",
            f"    refs: [r{1 + i % 2}]",   # both references cited: a clean bank, no warning to locate
            f"    tags: [t{i % 7}, bench::t{i % 3}]",
            "    errors:",
            f"      - says: {quoted(text(rng, 28) + f' wrong {i}')}",
            f"        source: s{i % 5}",
            f"        quote: {quoted(text(rng, 120))}",
            f"        why: {quoted(text(rng, 70))}",
            f"    distractors: [{quoted(text(rng, 30) + f' d{i}a')}, {quoted(text(rng, 30) + f' d{i}b')}]",
        ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def bank_file(n: int) -> Path:
    """The synthetic bank of ``n`` facts, written on first use."""
    OUT.mkdir(parents=True, exist_ok=True)
    bank = OUT / f"bank-{n}-v2.yaml"  # v2: cites both references
    if not bank.exists():
        write_bank(bank, n)
    return bank


CHILD = r"""
import json, resource, sys, time
t0 = time.perf_counter()
from generator.bank import load_bank, finish
from generator.check import check_semantics, lint_bank, lint_question
from generator.quiz import Generator, generate
from generator.bank import gc_paused
t_import = time.perf_counter()
bank, report, doc = load_bank(sys.argv[1])
t_load = time.perf_counter()
with gc_paused():
    check_semantics(bank, report)
    gen = Generator(bank, 0, 3)
    for f in bank.facts:
        lint_question(gen.question(f), report)
    lint_bank(bank, report)
finish(report, doc)
t_check = time.perf_counter()
with gc_paused():
    quiz = generate(bank, seed=7, options=3)
t_gen = time.perf_counter()
assert report.ok, report.errors[:3]
print(json.dumps({"facts": len(bank.facts), "questions": len(quiz.questions),
                  "import": t_import - t0, "load": t_load - t_import, "check": t_check - t_load,
                  "generate": t_gen - t_check, "total": t_gen - t_import,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    ap.add_argument("--repeats", type=int, default=1)
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    print(f"{'facts':>8} {'MiB':>6} {'load s':>8} {'check s':>8} {'gen s':>7} {'total s':>8} {'peak MB':>8}")
    results = {}
    for n in args.sizes:
        bank = bank_file(n)
        runs = []
        for _ in range(args.repeats):
            r = subprocess.run([sys.executable, "-c", CHILD, str(bank)], capture_output=True, text=True, cwd=ROOT)
            if r.returncode:
                print(r.stderr, file=sys.stderr)
                return 1
            runs.append(json.loads(r.stdout))
        best = min(runs, key=lambda x: x["total"])
        results[n] = best
        print(f"{n:>8} {bank.stat().st_size / 2**20:>6.1f} {best['load']:>8.2f} {best['check']:>8.2f} "
              f"{best['generate']:>7.2f} {best['total']:>8.2f} {best['peak_rss_mb']:>8.0f}")
    sizes = sorted(results)
    for a, b in zip(sizes, sizes[1:]):
        print(f"growth {a}→{b} (×{b // a} facts): time ×{results[b]['total'] / results[a]['total']:.1f}, "
              f"memory ×{results[b]['peak_rss_mb'] / results[a]['peak_rss_mb']:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
