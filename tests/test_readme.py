"""The README's promises: its bank example is accepted by `errata check`; every example it gives
runs, shows the output the README shows, and leaves the repository's files alone; CI waits for
another install instead of failing."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from generator.check import check_bank

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_bank_example_passes_check(tmp_path):
    blocks = re.findall(r"```yaml\n(.*?)```", README, re.S)
    example = next(b for b in blocks if "facts:" in b)
    bank = tmp_path / "example.yaml"
    bank.write_text(example, encoding="utf-8")
    result, report = check_bank(str(bank))
    assert report.ok, [d.format() for d in report.diagnostics]
    assert not report.warnings, [d.format() for d in report.warnings]
    assert result.facts[0].errors[0].source == "s002"


def test_readme_starts_with_build_and_test_commands():
    first_block = re.search(r"```sh\n(.*?)```", README, re.S).group(1)
    lines = [ln.split("#")[0].strip() for ln in first_block.strip().splitlines()]
    assert "errata build" in lines[0] and "pip install" in lines[0]
    assert lines[1] == "python -m pytest -q"
    assert "python3 -m pytest -q" in (ROOT / ".ci" / "run").read_text()


def _ci_functions() -> str:
    """The lock-waiting functions of .ci/run, to run on their own (without sudo or apt)."""
    script = (ROOT / ".ci" / "run").read_text()
    return "\n".join(re.findall(r"^(\w+\(\) \{\n.*?^\})", script, re.S | re.M))


def test_ci_waits_for_another_install_to_release_apts_lock(tmp_path):
    import subprocess
    import time

    script = (ROOT / ".ci" / "run").read_text()
    assert "DPkg::Lock::Timeout=$LOCK_WAIT" in script
    assert all(ln.lstrip().startswith('"${APT[@]}"') or "command -v npm" in ln
               for ln in script.splitlines()
               if "apt-get " in ln and "APT=(" not in ln and not ln.lstrip().startswith("#"))
    assert script.index("wait_for_apt_locks\n") < script.index('"${APT[@]}" update')
    locks = [tmp_path / "lock-frontend", tmp_path / "lists-lock"]
    for lock in locks:
        lock.write_bytes(b"")

    def run(wait: int) -> tuple[subprocess.CompletedProcess, float]:
        body = (f'SUDO=""; LOCK_WAIT={wait}; APT_LOCKS=({" ".join(map(str, locks))})\n'
                f"{_ci_functions()}\nwait_for_apt_locks")
        start = time.monotonic()
        return subprocess.run(["bash", "-c", body], capture_output=True, text=True, timeout=60), \
            time.monotonic() - start

    def hold(lock: Path, seconds: float) -> subprocess.Popen:
        # Another process holds the lock (as `apt-get update` or dpkg would), then lets go.
        holder = subprocess.Popen([sys.executable, "-c",
                                   "import fcntl, time\n"
                                   f"f = open({str(lock)!r}, 'r+'); fcntl.lockf(f, fcntl.LOCK_EX)\n"
                                   f"print('held', flush=True); time.sleep({seconds})"],
                                  stdout=subprocess.PIPE, text=True)
        assert holder.stdout.readline() == "held\n"
        return holder

    r, took = run(30)
    assert r.returncode == 0 and took < 5 and r.stderr == ""          # nothing holds it: no wait
    holder = hold(locks[1], 3)
    r, took = run(30)
    holder.wait()
    assert r.returncode == 0 and took >= 1.5 and "waiting for another install" in r.stderr
    holder = hold(locks[0], 6)
    r, _ = run(2)                                                       # gives up after LOCK_WAIT seconds
    holder.kill()
    holder.wait()
    assert r.returncode == 1 and "still locked" in r.stderr


# Commands of the README's code blocks that are not Errata's and are not run here: installing and
# compiling (the C reader's build is tested in test_fastyaml), the test suite itself, CI (root, apt)
# and the benchmarks (minutes).
NOT_RUN = {'pip install -e ".[test]"', "python setup.py build_ext --inplace", "python -m pytest -q", "bash .ci/run",
           "python bench/bench_pipeline.py",
           "python bench/bench_writers.py"}
# The documented rebuilds of the downloads: the only examples that may write into decks/.
REBUILDS = {"errata build"}


def readme_examples() -> list[tuple[str, str | None]]:
    """Every command of the README's shell blocks, and each `$ errata …` of its text blocks with the
    output shown after it."""
    out: list[tuple[str, str | None]] = []
    for block in re.findall(r"```sh\n(.*?)```", README, re.S):
        for line in block.splitlines():
            for command in re.sub(r"\s+#.*", "", line).split("&&"):
                if command.strip():
                    out.append((" ".join(command.split()), None))
    for block in re.findall(r"```text\n(.*?)```", README, re.S):
        for shown in re.split(r"^(?=\$ )", block, flags=re.M):
            if shown.startswith("$ errata "):
                command, _, output = shown.partition("\n")
                out.append((command[2:].strip(), output))
    return out


def digests(repo: Path, files: list[str]) -> dict[str, str]:
    import hashlib

    return {f: hashlib.sha256((repo / f).read_bytes()).hexdigest() if (repo / f).exists() else "absent"
            for f in files}


def test_every_readme_example_runs_and_touches_no_tracked_file(tmp_path):
    """Each example runs in a copy of the repository (beside a link to ../shared, as in CI) and
    leaves every tracked file as it was; only the documented rebuilds may write decks/."""
    import shlex
    import shutil
    import subprocess

    from tests.tools import require

    examples = readme_examples()
    # Benchmarks take minutes and write only under bench/out/: documented, not run here.
    assert {c for c, _ in examples if not c.startswith(("errata ", "python bench/"))} <= NOT_RUN
    errata_examples = [(c, shown) for c, shown in examples if c.startswith("errata ")]
    assert len(errata_examples) >= 8
    require((ROOT.parent / "shared" / "seeds").is_dir(), "the audit examples read ../shared/seeds")

    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    tracked = [f for f in files.decode().split("\0") if f]
    repo = tmp_path / "errata"
    for f in tracked:
        (repo / f).parent.mkdir(parents=True, exist_ok=True)
        if (ROOT / f).is_file():
            shutil.copy2(ROOT / f, repo / f)
    (tmp_path / "shared").symlink_to((ROOT.parent / "shared").resolve())

    for command, shown in errata_examples:
        before = digests(repo, tracked)
        if " scans/ " in command and not (repo / "scans").exists():
            fill_answer_sheets(repo)     # the trainer scans the printed sheets, filled in by students
        r = subprocess.run([sys.executable, "cli.py", *shlex.split(command)[1:]], cwd=repo, capture_output=True,
                           text=True, timeout=300)
        if shown is None:
            assert r.returncode == 0, (command, r.stderr)
        else:   # the output the README shows is the output the command gives
            assert r.returncode == 1 and (r.stdout + r.stderr).strip() == shown.strip(), (command, r.stderr)
        changed = {f for f, h in digests(repo, tracked).items() if before[f] != h}
        allowed = ({f for f in changed if f.startswith("decks/") or f == "questions.lock.json"}
                   if command in REBUILDS else set())
        assert changed == allowed, (command, sorted(changed))
    assert (repo / "quiz" / "ketamine-key.pdf").is_file() and (repo / "audit.md").is_file()
    ignored = subprocess.run(["git", "check-ignore", "quiz/ketamine-key.pdf", "audit.md"], cwd=ROOT,
                             capture_output=True, text=True).stdout.split()
    assert ignored == ["quiz/ketamine-key.pdf", "audit.md"]     # what the examples write stays out of git


def fill_answer_sheets(repo: Path) -> None:
    """What a trainer brings back to the scanning example: every printed answer sheet (quiz/), filled in
    by a student and scanned, in scans/; and an empty corrections file."""
    import json
    import random

    import cv2

    from tests.scan_synth import fill_sheet, flat_scan, make_student, rasterise

    rng = random.Random(5)
    geometry = json.loads((repo / "quiz" / "ketamine-answer-sheet.json").read_text())
    pages = rasterise((repo / "quiz" / "ketamine-answer-sheet.pdf").read_bytes(), 150)
    (repo / "scans").mkdir()
    for i, (image, page) in enumerate(zip(pages, geometry["pages"])):
        letters = sorted({b["option"] for b in page["bubbles"] if b["role"] == "question"})
        questions = max(b["question"] for b in page["bubbles"] if b["role"] == "question")
        student = make_student(rng, questions, "".join(letters), 7, style="fill")
        student.answers = {q: a[:1] or letters[0] for q, a in student.answers.items()}
        student.erased = {}
        fill_sheet(image, page, student, 150, rng)
        cv2.imwrite(str(repo / "scans" / f"sheet-{i + 1}.png"), flat_scan(image, rng))
    (repo / "quiz" / "fixes.csv").write_text("sheet,question,answer\n")
