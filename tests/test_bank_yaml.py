"""YAML-level cases of `errata check`: banks in tests/bad_banks/yaml/, each read by both readers.

A bank is read by the fast subset reader or, outside that subset, by libyaml; either way
the same problems are found at the same places.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.bank import fastyaml
from generator.bank.yamlsource import read_yaml_text
from tests import tools

BANKS = Path(__file__).parent / "bad_banks" / "yaml"
FULL_PARSER = "%YAML 1.1\n---\n"  # a directive is outside the fast subset: libyaml reads the rest


def check(path, capsys, monkeypatch) -> tuple[int, str]:
    code, out, err = tools.run_cli(["check", str(path)], capsys, monkeypatch)
    return code, out + err


def test_a_number_split_by_a_flow_list_comma_is_flagged(capsys, monkeypatch):
    path = BANKS / "split-number.yaml"
    code, output = check(path, capsys, monkeypatch)
    assert code == 0, output  # a warning: the list may really hold those items
    assert (f"{path}:18:29: warning: fact 'max-dose': list item '000 mg' right after '1' looks like one number "
            f"split at its comma: YAML reads '1,000 mg' as two items") in output
    assert 'hint: quote it, "1,000 mg"' in output
    # '[1, 000 mg, 200 mg]' separates with ', ': three items, as written
    assert "spaced-list" not in output
    assert "1 warning" in output


@pytest.mark.parametrize("prefix", ["", FULL_PARSER], ids=["fast reader", "libyaml"])
def test_split_numbers_are_found_by_both_readers(prefix):
    text = prefix + (BANKS / "split-number.yaml").read_text(encoding="utf-8")
    doc = read_yaml_text(text, "bank.yaml")
    assert doc.data["facts"][0]["distractors"] == ["100 mg", "1", "000 mg"]
    warnings = [(d.line - prefix.count("\n"), d.column, d.code) for d in doc.report.diagnostics]
    assert warnings == [(18, 29, "flow-split")]


@pytest.mark.parametrize("text, split", [
    ("a: [1,000,000]", [("1", "000"), ("000", "000")]),
    ("a: [2,500 mg, 10]", [("2", "500 mg")]),
    ("a: [1, 000]", []),          # a space after the comma: two items meant as two
    ("a: [a1,000x]", [("a1", "000x")]),
    ("a: [1,00]", []),            # not a thousands group
    ("a: [1,0000]", []),
    ("a: ['1',000]", []),         # a quoted item is as written
    ("a: [x,100]", []),
])
def test_what_looks_like_a_split_number(text, split):
    for prefix in ("", FULL_PARSER):
        doc = read_yaml_text(prefix + text + "\n", "bank.yaml")
        assert [(d.message.split("'")[3], d.message.split("'")[1]) for d in doc.report.diagnostics] == split, prefix


def test_brackets_inside_text_of_a_crlf_bank_are_not_nesting(capsys, monkeypatch):
    """1,001 '[' in quoted, plain and single-quoted text and a comment, with Windows line ends."""
    for name in ("crlf-brackets.yaml", "crlf-brackets-full-parser.yaml"):
        path = BANKS / name
        raw = path.read_bytes()
        assert raw.count(b"\r\n") == raw.count(b"\n") > 10 and b"[" * 1001 in raw
        code, output = check(path, capsys, monkeypatch)
        assert code == 0, output
        assert "0 errors, 0 warnings" in output


def test_crlf_bank_is_read_by_the_fast_reader_and_libyaml_alike():
    fast = (BANKS / "crlf-brackets.yaml").read_text(encoding="utf-8")
    full = (BANKS / "crlf-brackets-full-parser.yaml").read_text(encoding="utf-8")
    data, places = fastyaml.read(fast)
    with pytest.raises(fastyaml.Unsupported):
        fastyaml.read(full)
    doc = read_yaml_text(full, "bank.yaml")
    assert doc.data == data
    path = ("facts", 0, "distractors", 1)
    line, column = doc.locate(path)
    assert (line - 2, column) == places.locate(data, path) == (18, 1028)


def test_real_nesting_past_the_limit_is_refused(capsys, monkeypatch):
    path = BANKS / "too-deep.yaml"
    code, output = check(path, capsys, monkeypatch)
    assert code == 1
    assert f"{path}:15:1013: error: the YAML is nested more than 1000 levels deep" in output
    assert "Traceback" not in output


def test_diagnostics_are_placed_without_reading_the_file_again(monkeypatch):
    """Places come from the read itself: libyaml is never asked, even for a diagnostic's line."""
    import generator.bank.yamlsource as yamlsource

    text = (BANKS / "split-number.yaml").read_text(encoding="utf-8")
    text = text.replace("answer: 500 mg", "answer: 500 mg\n    answr: typo")
    monkeypatch.setattr(yamlsource, "_NodeReader", None)  # any use of libyaml would fail
    doc = read_yaml_text(text, "bank.yaml")
    assert doc.locate(("facts", 0, "answr"), at_key=True) == (16, 5)
    assert doc.locate(("facts", 0, "answr")) == (16, 12)
    assert doc.locate(("facts", 0, "distractors", 2)) == (19, 29)
    assert doc.fact_at(16) == "max-dose"
    assert doc.fact_at(24) == "spaced-list"
    assert doc.fact_at(3) is None
