#!/usr/bin/env python3
"""Time `errata grade` on synthetic classes: 2,500, 5,000 and 10,000 students × 100 questions.

    python bench/bench_grade.py                        # 2500 5000 10000 students, one run each
    python bench/bench_grade.py --students 10000 --repeats 3 --pdf

Each run is a fresh interpreter, as the command would be: read the plain CSV against a
manifest of 100 questions (4 options, 4 versions), map versions back, grade, analyse
items and misconceptions, and render grades.csv, analysis.json and report.md (and
report.pdf with --pdf). It prints the wall time of grading (read, map back, analyse, grades.csv),
of rendering analysis.json and report.md, the processor time of both (what the run costs on
a busy machine, where wall time also counts the wait), and the peak resident memory.
Answers follow a logistic model (ability − difficulty) with 2 % blanks, so every
statistic has real work to do.
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
LETTERS = "ABCD"


def manifest(n_questions: int = 100, n_options: int = 4, versions: int = 4, seed: int = 1) -> dict:
    rng = random.Random(seed)
    canonical = []
    for i in range(n_questions):
        options = [{"text": f"Answer {i}", "correct": True, "provenance": {"kind": "answer"}}]
        for j in range(1, n_options):
            src = f"s{(i + j) % 7}"
            options.append({"text": f"Wrong claim {i}.{j}", "correct": False,
                            "provenance": {"kind": "source-error", "sources": [src], "quote": f"quote {i}.{j}",
                                           "why": f"why {i}.{j}",
                                           "citations": [{"source": src, "title": f"Source {src}",
                                                          "quote": f"quote {i}.{j}", "why": f"why {i}.{j}"}]}})
        canonical.append({"fact_id": f"fact-{i}", "topic": "T", "question": f"Question number {i}?",
                          "options": options})
    out = []
    for v in range(versions):
        order = list(canonical)
        rng.shuffle(order)
        qs = []
        for n, q in enumerate(order, 1):
            opts = list(q["options"])
            rng.shuffle(opts)
            qs.append({**q, "number": n, "options": [{**o, "letter": LETTERS[j]} for j, o in enumerate(opts)]})
        out.append({"letter": LETTERS[v], "questions": qs})
    return {"format": "errata-quiz-manifest", "version": 1, "quiz_id": "BNCH-0001",
            "deck": {"id": "bench", "title": "Bench"}, "seed": seed, "options": n_options,
            "questions": n_questions, "versions": out}


def responses(m: dict, n_students: int, seed: int = 2) -> str:
    import math
    rng = random.Random(seed)
    difficulty = [rng.gauss(0, 1) for _ in range(m["questions"])]
    index = {q["fact_id"]: i for i, q in enumerate(m["versions"][0]["questions"])}
    lines = ["student,version," + ",".join(str(i) for i in range(1, m["questions"] + 1))]
    for s in range(n_students):
        v = m["versions"][s % len(m["versions"])]
        ability = rng.gauss(0, 1)
        cells = []
        for q in v["questions"]:
            r = rng.random()
            if r < 0.02:
                cells.append("")
                continue
            p = 1 / (1 + math.exp(difficulty[index[q["fact_id"]]] - ability))
            if rng.random() < p:
                cells.append(next(o["letter"] for o in q["options"] if o["correct"]))
            else:
                cells.append(rng.choice([o["letter"] for o in q["options"] if not o["correct"]]))
        lines.append(f"student {s},{v['letter']}," + ",".join(cells))
    return "\n".join(lines) + "\n"


CHILD = r"""
import json, resource, sys, time
t0 = time.perf_counter()
c0 = time.process_time()
from generator.results import grade, report_files
t_import = time.perf_counter()
graded = grade([sys.argv[1]], sys.argv[2])
t_grade = time.perf_counter()
files = report_files(graded, pdf=False)
t_write = time.perf_counter()
cpu = time.process_time() - c0
pdf = 0.0
if sys.argv[3] == "pdf":
    from generator.results.report_pdf import render_pdf
    files["report.pdf"] = render_pdf(graded.analysis)
    pdf = time.perf_counter() - t_write
print(json.dumps({"students": len(graded.delivery.students), "grade": t_grade - t_import,
                  "render": t_write - t_grade, "total": t_write - t_import, "pdf": pdf, "cpu": cpu,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "bytes": {k: len(v) for k, v in files.items()}}))
"""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--students", type=int, nargs="+", default=[2500, 5000, 10000])
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--pdf", action="store_true", help="also typeset report.pdf (timed apart)")
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    m = manifest()
    quiz = OUT / "grade-quiz.json"
    quiz.write_text(json.dumps(m), encoding="utf-8")
    print(f"{'students':>8} {'grade s':>8} {'render s':>8} {'total s':>8} {'cpu s':>6} {'pdf s':>6} {'peak MB':>8}")
    for n in args.students:
        csv = OUT / f"grade-{n}.csv"
        if not csv.exists():
            csv.write_text(responses(m, n), encoding="utf-8")
        best = None
        for _ in range(args.repeats):
            r = subprocess.run([sys.executable, "-c", CHILD, str(csv), str(quiz), "pdf" if args.pdf else "-"],
                               capture_output=True, text=True, cwd=ROOT)
            if r.returncode:
                print(r.stderr, file=sys.stderr)
                return 1
            run = json.loads(r.stdout)
            best = run if best is None or run["total"] < best["total"] else best
        print(f"{n:>8} {best['grade']:>8.2f} {best['render']:>8.2f} {best['total']:>8.2f} {best['cpu']:>6.2f} "
              f"{best['pdf']:>6.2f} {best['peak_rss_mb']:>8.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
