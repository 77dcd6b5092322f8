"""`errata check` on a corpus of bad banks: one file per case, each with its message, place and exit code."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests import tools

HERE = Path(__file__).parent
BAD = HERE / "bad_banks"
ROOT = HERE.parent

# case → (exit code, extra args, expected diagnostic line prefix (after the file name))
CASES = {
    "malformed": (1, [], "19:7: error: malformed YAML: did not find expected ',' or ']'"),
    "duplicate-key": (1, [], "18:5: error: fact 'nmda-site': duplicate key 'answer' (first at line 15)"),
    "unknown-key": (1, [], "19:5: error: fact 'nmda-site': unknown key 'anwser' in fact\n    hint: did you mean 'answer'?"),
    "missing-field": (1, [], "11:5: error: fact 'nmda-site': missing required key 'answer' in fact"),
    "empty-field": (1, [], "14:15: error: fact 'nmda-site': 'question' is empty"),
    "wrong-type": (1, [], "18:13: error: fact 'nmda-site': 'accept' must be a list, not text"),
    "duplicate-fact-id": (1, [], "19:9: error: fact 'nmda-site': duplicate fact id 'nmda-site'"),
    "unknown-source": (1, [], "21:17: error: fact 'nmda-site': unknown source 's2'"),
    "unknown-reference": (1, [], "17:16: error: fact 'nmda-site': unknown reference 'r2'"),
    "distractor-is-answer": (1, [], "18:36: error: fact 'nmda-site': distractor 'N.M.D.A. Receptor' is the answer (after normalisation)"),
    "error-is-accepted": (1, [], "21:15: error: fact 'nmda-site': error 'The NMDA glutamate receptor' from source 's1' is the accepted phrasing"),
    "duplicate-option": (1, [], "18:53: error: fact 'nmda-site': distractor 'gaba-a receptor' duplicates an option already given"),
    "tag-with-space": (1, [], "19:23: error: fact 'nmda-site': tag 'nmda receptor' contains a space"),
    "too-few-options-strict": (1, ["--strict"], "11:5: error: fact 'nmda-site': only 2 options can be built, 3 requested"),
    "too-few-options": (0, [], "11:5: warning: fact 'nmda-site': only 2 options can be built, 3 requested"),
    "no-options": (1, [], "11:5: error: fact 'nmda-site': only 1 option can be built"),
    "empty": (1, [], "1:1: error: the file is empty"),
    "not-a-mapping": (1, [], "1:1: error: a bank must be a mapping"),
    "python-tag": (1, [], "15:13: error: fact 'nmda-site': YAML tag '!!python/object/apply:os.system' is not allowed"),
    "alias-bomb": (1, [], "1:4: error: anchors and aliases (&name / *name) are not allowed in a bank"),
    "two-documents": (1, [], "19:1: error: malformed YAML: but found another document"),
    "bad-id": (1, [], "11:9: error: fact 'NMDA Site': 'id' 'NMDA Site' is not a valid id"),
    "formerly-clash": (1, [], "27:16: error: fact 'gaba-site': 'formerly' names 'nmda-site', which is the id of another fact"),
    "tab-indent": (1, [], "16:1: error: malformed YAML: found a tab character that violates indentation"),
    "missing-deck": (1, [], "1:1: error: missing required key 'deck' in bank"),
    "unquoted-colon": (1, [], "14:23: error: malformed YAML: mapping values are not allowed in this context\n    hint: a value containing ': ' must be quoted"),
    "not-utf8": (1, [], "15:19: error: the file is not valid UTF-8 (byte 0xe9)"),
    "lint-warnings": (0, [], "15:13: warning: fact 'nmda-site': the key is clearly the longest option"),
    # A bank that is only an empty document.
    "only-dashes": (1, [], "1:1: error: the file holds no bank, only an empty document"),
    "only-null": (1, [], "1:1: error: the file holds no bank, only an empty document"),
    "only-tilde": (1, [], "1:1: error: the file holds no bank, only an empty document"),
    # Every problem at once: one problem of a fact hides none of the others.
    "missing-key-hides-nothing": (1, [], [
        "11:5: error: fact 'nmda-site': missing required key 'explain' in fact",
        "17:36: error: fact 'nmda-site': distractor 'N.M.D.A. Receptor' is the answer (after normalisation)",
        "19:9: error: fact 'nmda-site': missing required key 'why' in error entry",
        "20:17: error: fact 'nmda-site': unknown source 's2'",
        ": 4 errors, 0 warnings"]),
    "bad-id-hides-nothing": (1, [], [
        "11:9: error: fact 'NMDA Site': 'id' 'NMDA Site' is not a valid id",
        "16:14: error: fact 'NMDA Site': YAML tag '!!python/name:os.system' is not allowed",
        "17:16: error: fact 'NMDA Site': unknown reference 'r2'",
        "18:36: error: fact 'NMDA Site': distractor 'nmda receptor' is the answer (after normalisation)",
        "21:17: error: fact 'NMDA Site': unknown source 's2'",
        ": 5 errors, 0 warnings"]),
    "missing-deck-title": (1, [], [
        "2:3: error: missing required key 'title' in deck",
        "16:16: error: fact 'nmda-site': unknown reference 'r2'",
        "17:36: error: fact 'nmda-site': distractor 'NMDA receptor' is the answer (after normalisation)",
        ": 3 errors, 0 warnings"]),
    "alias-hides-nothing": (1, [], [
        "12:12: error: fact 'nmda-site': anchors and aliases (&name / *name) are not allowed in a bank",
        "30:12: error: fact 'gaba-site': unknown reference 'r9'",
        ": 2 errors, 0 warnings"]),
    "dropped-fact-lends": (1, [], [
        "23:13: error: fact 'gaba-site': YAML tag '!!binary' is not allowed",
        ": 1 error, 0 warnings"]),  # no "only 2 options" for nmda-site: gaba-site would lend it one
    # Options compared as a reader sees them; text that shows nothing, or reorders itself.
    "look-alike-options": (1, [], [
        "18:19: error: fact 'water': distractor 'H₂O' is the answer (after normalisation)",
        "18:24: error: fact 'water': distractor 'H<U+200B>~2~O' is the answer (after normalisation)",
        "18:39: error: fact 'water': distractor 'Н2O' is the answer (after normalisation)",
        "18:39: warning: fact 'water': 'Н2O' mixes Latin letters with lookalikes from another script: 'Н' (U+041D)",
        "20:15: error: fact 'water': error 'H<U+00AD>2O' from source 's1' is the answer (after normalisation)",
        "31:19: error: fact 'cells': distractor '10⁸' is the answer (after normalisation)",
        ": 5 errors, 1 warning"]),  # CO~2~, H2O2, 108 and 10^9^ are other options
    "invisible-text": (1, [], [
        "15:13: error: fact 'nothing-to-see': 'answer' shows nothing: it holds only invisible characters (U+200B)",
        "16:14: error: fact 'nothing-to-see': item 1 of 'accept' contains a control character (U+0000)",
        "16:20: error: fact 'nothing-to-see': item 2 of 'accept' contains a BiDi control character, which "
        "reorders what is shown (U+202E)",
        "16:35: error: fact 'nothing-to-see': item 3 of 'accept' shows nothing: it holds only invisible "
        "characters (U+00AD, U+FEFF)",
        "19:19: error: fact 'nothing-to-see': item 1 of 'distractors' contains a control character (U+0007)"]),
    # Smaller items of issue 9, and the next ones.
    "empty-subdeck": (1, [], [
        "12:12: error: fact 'nmda-site': topic 'Pharmacology::' has an empty level between '::' separators\n"
        "    hint: write it as 'Pharmacology'",
        "18:12: error: fact 'nmda-site': tag 'a::::b' has an empty level between '::' separators",
        "21:12: error: fact 'gaba-site': topic '::Pharmacology' has an empty level"]),
    "long-deck-id": (1, [], "2:7: error: deck: 'id' is 240 characters long; at most 100 are allowed"),
    "formerly-own-id": (1, [], "19:22: error: fact 'nmda-site': 'formerly' names this fact's own id 'nmda-site'"),
    "nul-in-file-name": (1, [], "7:11: error: source 's1': 'file' contains a control character (U+0000)"),
    "unused-ids": (0, [], [
        "7:3: warning: source 's2' is not used by any error, confirmation or defect",
        "12:3: warning: reference 'r2' is not used by any fact"]),
}


def run_cli(args, capsys, monkeypatch):
    code, out, err = tools.run_cli(args, capsys, monkeypatch)
    return code, out + err


def test_every_bad_bank_has_a_case():
    assert {p.stem for p in BAD.glob("*.yaml")} == set(CASES)


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_bank(case, capsys, monkeypatch):
    code, expected_exit_args, expected = CASES[case][0], CASES[case][1], CASES[case][2]
    path = BAD / f"{case}.yaml"
    exit_code, output = run_cli(["check", str(path), *expected_exit_args], capsys, monkeypatch)
    assert exit_code == code, output
    for line in [expected] if isinstance(expected, str) else expected:
        assert f"{path}{'' if line.startswith(':') else ':'}{line}" in output, output
    assert "Traceback" not in output


def test_lint_warnings_each_cue(capsys, monkeypatch):
    _, output = run_cli(["check", str(BAD / "lint-warnings.yaml")], capsys, monkeypatch)
    assert "only wrong options use absolute words like 'Always'" in output
    assert "option 'none of the above' is an 'all/none of the above' option" in output
    assert "the stem ends with 'an' but option 'painkiller' does not fit it" in output


def test_alias_bomb_fails_fast(capsys, monkeypatch):
    import time

    start = time.perf_counter()
    code, _ = run_cli(["check", str(BAD / "alias-bomb.yaml")], capsys, monkeypatch)
    assert code == 1
    assert time.perf_counter() - start < 5  # 9**9 strings if it were expanded


def test_all_problems_reported_at_once(tmp_path, capsys, monkeypatch):
    bank = (BAD / "unknown-reference.yaml").read_text().replace("title: Reference one",
                                                                 "title: Reference one\n    auther: x")
    bank += "    tags: [a b]\n"
    p = tmp_path / "many.yaml"
    p.write_text(bank)
    code, output = run_cli(["check", str(p)], capsys, monkeypatch)
    assert code == 1
    assert "unknown key 'auther' in reference" in output
    assert "unknown reference 'r2'" in output
    assert "tag 'a b' contains a space" in output
    assert "3 errors" in output


def test_usage_errors_exit_2(capsys, monkeypatch):
    assert run_cli(["check", "no-such-bank.yaml"], capsys, monkeypatch)[0] == 2
    assert run_cli(["check", "--options", "9", str(ROOT / "examples" / "solar-system.yaml")], capsys, monkeypatch)[0] == 2
    code, out = run_cli(["check", "--no-such-flag"], capsys, monkeypatch)
    assert code == 2 and "No such option" in out


def test_example_bank_is_clean(capsys, monkeypatch):
    code, output = run_cli(["check", str(ROOT / "examples" / "solar-system.yaml")], capsys, monkeypatch)
    assert code == 0, output
    assert "0 errors, 0 warnings" in output


def test_console_script_and_module_entry_points():
    """`errata --help` (installed console script) and `python cli.py --help` both work."""
    for cmd in (["errata", "--help"], [sys.executable, str(ROOT / "cli.py"), "--help"]):
        r = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=60)
        assert r.returncode == 0, r.stderr
        for command in ("check", "export", "schema"):
            assert command in r.stdout


def test_no_traceback_on_directory_or_binary(tmp_path, capsys, monkeypatch):
    assert run_cli(["check", str(tmp_path)], capsys, monkeypatch)[0] == 2
    binary = tmp_path / "b.yaml"
    binary.write_bytes(b"deck:\x00\x01\x02")
    code, out = run_cli(["check", str(binary)], capsys, monkeypatch)
    assert code == 1 and "NUL character" in out and "Traceback" not in out
