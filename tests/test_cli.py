"""The command line as a new user meets it: the same conventions in every command.

--version; flags shown as flags; choices in any case with a plain message; a filter that
matches nothing says what exists; --count beyond the filters and --options beyond a fact
are reported; a closed pipe ends any command quietly; progress shows on a terminal only;
a quiz of more than a thousand pages is not typeset unasked.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from generator.check import read_bank
from tests.quiz_banks import plain_data, write_bank
from tests.tools import ROOT, errata

BANK = ROOT / "questions.yaml"


def few_options_data() -> dict:
    """Two facts of their own kinds, each with one curated wrong option: two options at most."""
    data = plain_data(3)
    for i, f in enumerate(data["facts"]):
        f.update(kind=f"kind-{i}", errors=[], distractors=[f"Lonely option {i}"])
    return data


def test_version():
    r = errata("--version")
    assert r.returncode == 0 and re.fullmatch(r"errata \d+\.\d+\.\d+\n", r.stdout), r


def test_flags_show_as_flags_in_help():
    r = errata("check", "--help")
    assert r.returncode == 0
    line = next(ln for ln in r.stdout.splitlines() if "--strict" in ln)
    assert "<bool>" not in line and "BOOLEAN" not in line and "--no-strict" not in line
    assert "<bool>" not in errata("quiz", "--help").stdout


def test_choices_in_any_case_and_a_plain_message_otherwise(tmp_path):
    r = errata("export", BANK, "--format", "GIFT", "--count", "2", "--seed", "1")
    assert r.returncode == 0 and "$CATEGORY:" in r.stdout, r.stderr
    r = errata("export", BANK, "--format", "Moodle-XML", "--count", "2", "--seed", "1")
    assert r.returncode == 0 and r.stdout.startswith("<?xml"), r.stderr
    r = errata("export", BANK, "--format", "pdf")
    assert r.returncode == 2
    assert r.stderr == "errata: error: --format must be one of json, gift, moodle-xml, qti, not 'pdf'\n"
    r = errata("quiz", BANK, "--paper", "A4", "--count", "1", "--seed", "1", "-o", tmp_path / "q")
    assert r.returncode == 0, r.stderr
    r = errata("quiz", BANK, "--paper", "A3", "--count", "1", "-o", tmp_path / "q")
    assert r.returncode == 2 and r.stderr == "errata: error: --paper must be one of a4, letter, not 'A3'\n"


def test_quiz_to_standard_output_is_a_usage_error(tmp_path):
    r = errata("quiz", BANK, "--count", "1", "-o", "-", cwd=tmp_path)
    assert r.returncode == 2 and "cannot go to standard output" in r.stderr
    assert not (tmp_path / "-").exists()


@pytest.mark.parametrize("command", ["quiz", "export"])
def test_a_filter_that_matches_nothing_lists_what_exists(command, tmp_path):
    r = errata(command, BANK, "--topic", "Pharmacolgy", "-o", tmp_path / "out")
    assert r.returncode == 2
    assert "no fact matches" in r.stderr and "the topics are: Administration, Clinical use" in r.stderr
    assert "Pharmacology" in r.stderr
    r = errata(command, BANK, "--tag", "nmda-receptor", "-o", tmp_path / "out")
    tags = sorted({t for f in read_bank(BANK).facts for t in f.tags})
    assert r.returncode == 2 and f"the tags are: {', '.join(tags[:3])}," in r.stderr and "nmda," in r.stderr


@pytest.mark.parametrize("command", ["quiz", "export"])
def test_count_beyond_what_the_filters_leave_is_reported(command, tmp_path):
    bank = write_bank(tmp_path, plain_data(12))
    r = errata(command, bank, "--topic", "alpha", "--count", "20", "--seed", "1", "-o", tmp_path / "out")
    assert r.returncode == 0, r.stderr
    assert "warning: --count 20, but only 4 facts match --topic 'alpha': 4 questions" in r.stderr


@pytest.mark.parametrize("command", ["quiz", "export"])
def test_shortfalls_are_reported_as_check_reports_them(command, tmp_path):
    bank = write_bank(tmp_path, few_options_data())
    r = errata(command, bank, "--options", "4", "--count", "2", "--seed", "1", "-o", tmp_path / "out")
    assert r.returncode == 0, r.stderr
    check = errata("check", bank, "--options", "4")
    shortfalls = [ln for ln in check.stderr.splitlines() if "can be built, 4 requested" in ln]
    assert len(shortfalls) == 3
    reported = [ln for ln in r.stderr.splitlines() if "can be built, 4 requested" in ln]
    assert len(reported) == 2 and set(reported) <= set(shortfalls)    # the quiz's two facts, in check's words


def test_schema_output_says_what_it_wrote(tmp_path):
    r = errata("schema", "-o", tmp_path / "s.json")
    assert r.returncode == 0 and r.stdout == ""
    assert f"wrote {tmp_path / 's.json'}" in r.stderr and (tmp_path / "s.json").read_text().startswith("{")


@pytest.mark.parametrize("args", [
    ["audit", BANK, "--sources", ROOT.parent / "shared" / "seeds", "--uncovered"],
    ["export", BANK],
    ["schema"],
    ["check", BANK],
    ["--help"],
])
def test_a_closed_pipe_ends_quietly(args):
    p = subprocess.Popen([sys.executable, str(ROOT / "cli.py"), *map(str, args)], cwd=ROOT,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    p.stdout.close()          # the reader is gone before the first line (`| head -0`)
    err = p.stderr.read().decode()
    code = p.wait(timeout=120)
    assert err == "", err     # no traceback, no "Exception ignored", no "Broken pipe"
    assert code in (0, 1)


def test_quiz_with_a_closed_pipe_still_writes_every_file(tmp_path):
    bank = write_bank(tmp_path, plain_data(6))
    p = subprocess.Popen([sys.executable, str(ROOT / "cli.py"), "quiz", str(bank), "--versions", "2", "--seed", "1",
                          "-o", str(tmp_path / "out")], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    p.stdout.close()
    err = p.stderr.read().decode()
    p.wait(timeout=120)
    assert "Traceback" not in err and "Exception ignored" not in err
    assert sorted(f.name for f in (tmp_path / "out").iterdir()) == [
        "plain-answer-sheet.json", "plain-answer-sheet.pdf", "plain-key.pdf", "plain-quiz-A.pdf", "plain-quiz-B.pdf",
        "plain-quiz.json"]


def on_a_terminal(*args) -> tuple[int, str]:
    """Run the command with standard error on a pseudo-terminal, as a user at a terminal would."""
    import pty

    master, slave = pty.openpty()
    p = subprocess.Popen([sys.executable, str(ROOT / "cli.py"), *map(str, args)], cwd=ROOT,
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=slave)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:     # the terminal closed with the process
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    return p.wait(timeout=120), b"".join(chunks).decode("utf-8", "replace")


def test_progress_shows_on_a_terminal_only(tmp_path):
    bank = write_bank(tmp_path, plain_data(6))
    code, err = on_a_terminal("quiz", bank, "--versions", "2", "--seed", "1", "-o", tmp_path / "out")
    assert code == 0 and re.search(r"typesetting\s+\[#+-*\]\s+2/4", err), err
    code, err = on_a_terminal("audit", BANK, "--sources", ROOT.parent / "shared" / "seeds")
    assert re.search(r"auditing sources\s+\[#+\]\s+5/5", err), err
    r = errata("quiz", bank, "--versions", "2", "--seed", "1", "-o", tmp_path / "out")
    assert r.returncode == 0 and "typesetting" not in r.stderr and "\r" not in r.stderr


def test_a_quiz_of_more_than_a_thousand_pages_needs_count_or_yes(tmp_path):
    bank = write_bank(tmp_path, plain_data(320))
    r = errata("quiz", bank, "--versions", "26", "-o", tmp_path / "out")
    assert r.returncode == 2 and "about 1," in r.stderr and "--count N" in r.stderr and "--yes" in r.stderr
    assert not (tmp_path / "out").exists()
