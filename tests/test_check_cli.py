"""The command line as a terminal meets it: Ctrl-C at any moment, terminals that cannot show every character."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests import tools

ROOT = tools.ROOT
SEEDS = ROOT.parent / "shared" / "seeds"

# Sends Ctrl-C to itself the moment a module is first imported, then runs cli.py as a user would:
# the interrupt lands exactly where it did when a user pressed Ctrl-C in the first half-second.
INTERRUPT_DURING_IMPORT = r"""
import os, runpy, signal, sys
module = sys.argv[1]

class Interrupt:
    def find_spec(self, name, path=None, target=None):
        if name == module:
            os.kill(os.getpid(), signal.SIGINT)
        return None

sys.meta_path.insert(0, Interrupt())
sys.argv = ["cli.py", *sys.argv[2:]]
runpy.run_path("cli.py", run_name="__main__")
"""


@pytest.mark.parametrize("module", ["yaml", "typer", "generator.check"])
def test_ctrl_c_while_loading_prints_one_line_and_exits_130(module):
    r = subprocess.run([sys.executable, "-c", INTERRUPT_DURING_IMPORT, module, "check", "questions.yaml"],
                       capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert r.returncode == 130, r.stderr
    assert r.stderr == "errata: interrupted\n"
    assert r.stdout == ""


def test_ctrl_c_while_running_prints_one_line(tmp_path):
    """Once main() runs, Ctrl-C is a KeyboardInterrupt that the command line turns into one line (atomic
    writes clean up on the way out)."""
    code = ("import signal, sys, cli\n"
            "import generator.check as c\n"
            "def interrupted(*a, **k): raise KeyboardInterrupt\n"
            "cli.check_loaded = interrupted\n"
            "sys.argv = ['errata', 'check', 'questions.yaml']\n"
            "cli.main()\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert r.returncode == 130 and r.stderr == "errata: interrupted\n", r.stderr


def ascii_terminal() -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LC_")}
    return {**env, "LANG": "C", "LC_ALL": "C", "PYTHONIOENCODING": "ascii", "PYTHONUTF8": "0"}


def test_audit_on_an_ascii_terminal_escapes_what_it_cannot_show():
    tools.require(SEEDS.is_dir(), f"the seed sources are missing: {SEEDS}")
    r = tools.errata("audit", "questions.yaml", "--sources", SEEDS, "--uncovered", env=ascii_terminal())
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr and "internal error" not in r.stderr
    assert "\\u2019" in r.stdout  # a curly apostrophe of a source, escaped
    assert "all found" in r.stdout


def test_check_on_an_ascii_terminal_escapes_what_it_cannot_show():
    r = tools.errata("check", ROOT / "tests" / "bad_banks" / "look-alike-options.yaml", env=ascii_terminal())
    assert r.returncode == 1
    assert "internal error" not in r.stderr and "Traceback" not in r.stderr
    assert "distractor 'H\\u2082O' is the answer" in r.stderr


def test_audit_refuses_a_source_file_name_with_a_nul(capsys, monkeypatch, tmp_path):
    bank = ROOT / "tests" / "bad_banks" / "nul-in-file-name.yaml"
    code, out, err = tools.run_cli(["audit", bank, "--sources", tmp_path], capsys, monkeypatch)
    assert code == 1
    assert "source 's1': 'file' contains a control character (U+0000)" in err
    assert "internal error" not in out + err
