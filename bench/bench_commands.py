#!/usr/bin/env python3
"""Time whole commands, as a user runs them: `python cli.py …` on synthetic banks.

    python bench/bench_commands.py                          # 10k and 100k facts, best of 3
    python bench/bench_commands.py --sizes 1000 --repeats 1
    python bench/bench_commands.py --commands check check+warning export-json
    python bench/bench_commands.py --cli ../main/cli.py     # the same rows for another checkout

Every run is a fresh interpreter (`python cli.py COMMAND …`); the figures are its wall
time, its CPU time (user + system: less sensitive than wall time to other work on a shared
machine) and its own peak resident memory (from wait4), best of the repeats. Rows:

- check: a clean bank; check+warning: the same bank with one fact that draws a warning,
  so a diagnostic has to be placed (file, line, column);
- export-json, export-gift, export-moodle-xml, export-qti: `export --format …` to a file;
- build: a first build (no lock yet, every note new); rebuild: the same build again;
  rebuild-one-fact: a build after one fact's answer changed (a different change each run);
  rebuild-fact-added, rebuild-fact-removed: after a fact was added in the middle of the bank (its
  notes are new, and every later card moves one place on), or removed (its notes are retired).

The banks are those of bench_pipeline.py (about 0.8 KB a fact); the build rows work on a
copy of the bank in a scratch folder, so nothing is written into the repository.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_pipeline import OUT, ROOT, bank_file as synthetic_bank  # noqa: E402

CLI = [str(ROOT / "cli.py")]  # the command line timed; --cli names another checkout's
COMMANDS = ("check", "check+warning", "export-json", "export-gift", "export-moodle-xml", "export-qti",
            "build", "rebuild", "rebuild-one-fact", "rebuild-fact-added", "rebuild-fact-removed")

WARNING_FACT = """\
  - id: fact-with-a-warning
    topic: Topic 0
    kind: kind-0
    question: "Which of these is a bench option?"
    answer: "A bench answer"
    explain: "An 'all of the above' option draws a warning."
    refs: [r1]
    distractors: ["All of the above", "Another bench option"]
"""


def bank_file(n: int, warning: bool = False) -> Path:
    bank = synthetic_bank(n)
    if not warning:
        return bank
    warned = OUT / f"bank-{n}-warning.yaml"
    if not warned.exists() or warned.stat().st_mtime < bank.stat().st_mtime:
        # Copied, not read: a bench process holding the bank's text would lend its memory to the
        # commands' peak (a forked child's maximum resident size starts from its parent's).
        shutil.copyfile(bank, warned)
        with open(warned, "a", encoding="utf-8") as out:
            out.write(WARNING_FACT)
    return warned


def run(args: list[str], expect: int = 0) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds and peak RSS (MB) of one command in a fresh interpreter."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, CLI[0], *args], cwd=Path(CLI[0]).parent, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    stderr = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != expect:
        raise SystemExit(f"{' '.join(args)}: exit {proc.returncode}\n{stderr.decode(errors='replace')[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def measure(command: str, n: int, scratch: Path) -> tuple[float, float, float]:
    if command == "check":
        return run(["check", str(bank_file(n))])
    if command == "check+warning":
        return run(["check", str(bank_file(n, warning=True))])
    if command.startswith("export-"):
        fmt = command.removeprefix("export-")
        return run(["export", str(bank_file(n)), "--format", fmt, "-o", str(scratch / f"quiz.{fmt}")])
    # build / rebuild: a private copy of the bank, so the lock and the deck stay in the scratch folder
    folder = scratch / f"build-{n}"
    bank = folder / "bank.yaml"
    if command == "build":
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
        shutil.copyfile(bank_file(n), bank)
        result = run(["build", str(bank), "-o", str(folder / "decks")])
        shutil.rmtree(folder)
        return result
    if not bank.exists():
        folder.mkdir(exist_ok=True)
        shutil.copyfile(bank_file(n), bank)
        run(["build", str(bank), "-o", str(folder / "decks")])
    if command == "rebuild-one-fact":
        change_one_answer(bank, n)
    elif command == "rebuild-fact-added":
        add_or_remove_fact(bank, n, add=True)
    elif command == "rebuild-fact-removed":
        add_or_remove_fact(bank, n, add=False)
    return run(["build", str(bank), "-o", str(folder / "decks")])


_EDITS = iter(range(1, 1 << 30))


def change_one_answer(bank: Path, n: int) -> None:
    """Give the fact in the middle of the bank a new answer, as an author fixing a typo would.

    Line by line, so that this process stays small (see `bank_file`)."""
    edited = bank.with_suffix(".edited")
    target, found = f"  - id: fact-{n // 2}\n", None
    with open(bank, encoding="utf-8") as src, open(edited, "w", encoding="utf-8") as out:
        for line in src:
            if line == target:
                found = False
            elif found is False and line.startswith("    answer: "):
                line, found = f'    answer: "edited answer {next(_EDITS)}"\n', True
            out.write(line)
    if not found:
        raise SystemExit(f"{bank}: no answer of fact-{n // 2} to change")
    edited.replace(bank)


_ADDED = iter(range(1, 1 << 30))
_REMOVED = iter(range(1, 1 << 30))


def add_or_remove_fact(bank: Path, n: int, add: bool) -> None:
    """Add a fact before the one in the middle of the bank (a copy of it, under a new id, with its own
    question and answer), or remove a fact after it (a different one each run). Line by line."""
    edited = bank.with_suffix(".edited")
    target = f"  - id: fact-{n // 2 + (0 if add else next(_REMOVED))}\n"
    block: list[str] | None = None  # the target fact's lines, while they are read
    done = False
    with open(bank, encoding="utf-8") as src, open(edited, "w", encoding="utf-8") as out:
        for line in src:
            if line == target and not done:
                block = [line]
                continue
            if block is not None:
                if not line.startswith("  - id: ") and line.startswith("    "):
                    block.append(line)
                    continue
                if add:
                    k = next(_ADDED)
                    copy = [f"  - id: fact-added-{k}\n"] + [
                        f'    question: "Which value did added fact {k} get?"\n' if b.startswith("    question: ")
                        else f'    answer: "added answer {k}"\n' if b.startswith("    answer: ") else b
                        for b in block[1:]]
                    out.writelines(copy + block)
                block, done = None, True
            out.write(line)
    if not done:
        raise SystemExit(f"{bank}: no fact {target.strip()} to {'copy' if add else 'remove'}")
    edited.replace(bank)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[10000, 100000])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--commands", nargs="+", choices=COMMANDS, default=list(COMMANDS))
    ap.add_argument("--cli", help="time this cli.py instead of this checkout's (e.g. the trunk's, to compare)")
    args = ap.parse_args()
    if args.cli:
        CLI[0] = str(Path(args.cli).resolve())
    best: dict[tuple[str, int], tuple[float, float, float]] = {}
    print(f"{'command':<18} {'facts':>8} {'best s':>8} {'runs s':>22} {'cpu s':>7} {'peak MB':>8}", flush=True)
    with tempfile.TemporaryDirectory(prefix="errata-bench-") as tmp:
        scratch = Path(tmp)
        for command in args.commands:
            for n in args.sizes:
                runs = [measure(command, n, scratch) for _ in range(args.repeats)]
                best[command, n] = tuple(min(r[i] for r in runs) for i in range(3))
                wall, cpu, peak = best[command, n]
                print(f"{command:<18} {n:>8} {wall:>8.2f} {' '.join(f'{r[0]:.2f}' for r in runs):>22} "
                      f"{cpu:>7.2f} {peak:>8.0f}", flush=True)
                shutil.rmtree(scratch / f"build-{n}", ignore_errors=True)
    sizes = sorted(args.sizes)
    for command in args.commands:
        for a, b in zip(sizes, sizes[1:]):
            (ta, ca, ma), (tb, cb, mb) = best[command, a], best[command, b]
            print(f"growth {command} {a}→{b}: time ×{tb / ta:.1f} (cpu ×{cb / ca:.1f}), memory ×{mb / ma:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
