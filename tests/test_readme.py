"""The README's promises: its bank example is accepted by `errata check`."""

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

    r, took = run(30)
    assert r.returncode == 0 and took < 5 and r.stderr == ""          # nothing holds it: no wait
    # Another process holds the lists lock (as `apt-get update` would) for about three seconds.
    holder = subprocess.Popen([sys.executable, "-c",
                               "import fcntl, sys, time\n"
                               f"f = open({str(locks[1])!r}, 'r+'); fcntl.lockf(f, fcntl.LOCK_EX)\n"
                               "print('held', flush=True); time.sleep(3)"],
                              stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline() == "held\n"
    r, took = run(30)
    holder.wait()
    assert r.returncode == 0 and took >= 1.5 and "waiting for another install" in r.stderr
    holder = subprocess.Popen([sys.executable, "-c",
                               "import fcntl, time\n"
                               f"f = open({str(locks[0])!r}, 'r+'); fcntl.lockf(f, fcntl.LOCK_EX)\n"
                               "print('held', flush=True); time.sleep(6)"],
                              stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline() == "held\n"
    r, _ = run(2)                                                       # gives up after LOCK_WAIT seconds
    holder.kill()
    holder.wait()
    assert r.returncode == 1 and "still locked" in r.stderr
