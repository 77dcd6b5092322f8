"""Text as a reader sees it: option comparison, invisible and control characters, size limits."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from generator.bank import schema
from generator.check import check_bank
from generator.text.normalize import mixed_script_word, norm
from tests import tools

BAD = Path(__file__).parent / "bad_banks"
BANK = """deck:
  id: demo
  title: Demo bank
sources:
  s1:
    title: Source one
references:
  r1:
    title: Reference one
facts:
"""


def fact(fid="nmda-site", topic="Mechanism", answer="NMDA receptor", distractors=("GABA-A receptor", "Opioid receptor"),
         **extra) -> str:
    lines = [f"  - id: {fid}", f"    topic: {topic}", "    kind: receptor", "    question: Which receptor?",
             f"    answer: {answer}", "    explain: It blocks the channel.", "    refs: [r1]",
             f"    distractors: [{', '.join(distractors)}]"]
    lines += [f"    {k}: {v}" for k, v in extra.items()]
    return "\n".join(lines) + "\n"


def check(tmp_path, text: str):
    p = tmp_path / "bank.yaml"
    p.write_text(text, encoding="utf-8")
    bank, report = check_bank(str(p))
    return bank, report, [d.format() for d in report.sorted()]


@pytest.mark.parametrize("a, b", [
    ("H~2~O", "H₂O"),              # markup rendered: a subscript reads as one
    ("H₂O", "H2O"),                # and NFKC flattens it
    ("10^8^", "10⁸"),              # a superscript keeps its caret…
    ("10⁸", "10^8"),               # …as plain text writes it
    ("10^-3^", "10⁻³"),
    ("**NMDA** receptor", "NMDA receptor"),
    ("ket\u00adamine", "ketamine"),   # soft hyphen
    ("ket\u200bamine", "ketamine"),   # zero-width space
    ("\ufeffketamine", "ketamine"),   # byte-order mark
    ("Кetamine", "Ketamine"),         # Cyrillic Ka
    ("ketаmine", "ketamine"),         # Cyrillic a
    ("ΒRAF", "BRAF"),                 # Greek capital Beta
    ("Ｋｅｔａｍｉｎｅ", "ketamine"),     # full width
    ("N.M.D.A.  Receptor", "nmda receptor"),
])
def test_options_a_reader_cannot_tell_apart_are_one(a, b):
    assert norm(a) == norm(b)


@pytest.mark.parametrize("a, b", [
    ("10^8^", "108"),   # an exponent carries meaning
    ("10⁸", "108"),
    ("2.5 mg", "25 mg"),
    ("-5 °C", "5 °C"),
    ("<5%", ">5%"),
    ("ρ", "p"),          # Greek lower case is read as Greek
    ("μg", "ug"),
    ("H2O2", "H2O"),
])
def test_options_that_read_differently_stay_apart(a, b):
    assert norm(a) != norm(b)


def test_mixed_script_words():
    assert mixed_script_word("a dose of Кetamine") == "Кetamine"
    assert mixed_script_word("Н2O") == "Н2O"
    assert mixed_script_word("5 μg/kg") is None      # μ is no lookalike
    assert mixed_script_word("Кетамин") is None      # one script
    assert mixed_script_word("plain ASCII") is None


def test_topics_in_nfc_and_nfd_are_one_topic(tmp_path):
    nfc = "Pharmakologie Ä"
    nfd = unicodedata.normalize("NFD", nfc)
    assert nfc != nfd
    bank, report, lines = check(tmp_path, BANK + fact(topic=nfc) + fact("gaba-site", topic=nfd, answer="GABA-A",
                                                                       distractors=("x1", "x2")))
    assert report.ok, lines
    assert bank.facts[0].topic == bank.facts[1].topic == nfc
    assert not [d for d in report.diagnostics if d.code == "topic-case"]


@pytest.mark.parametrize("field, size, limit", [
    ("answer", schema.MAX_TEXT + 1, schema.MAX_TEXT),
    ("question", schema.MAX_TEXT + 1, schema.MAX_TEXT),
    ("explain", schema.MAX_LONG + 1, schema.MAX_LONG),
    ("topic", schema.MAX_NAME + 1, schema.MAX_NAME),
])
def test_fields_beyond_their_size_are_refused_naming_the_fact(tmp_path, field, size, limit):
    text = BANK + fact().replace(f"    {field}: ", f"    {field}: {'x' * size} #", 1)
    _, report, lines = check(tmp_path, text)
    assert not report.ok
    assert any(f"fact 'nmda-site': '{field}' is {size:,} characters long; at most {limit:,} are allowed" in ln
               for ln in lines), lines


def test_fields_at_their_size_pass(tmp_path):
    text = BANK + fact(answer="y" * schema.MAX_TEXT)
    text = text.replace("    explain: It blocks the channel.", "    explain: " + "z" * schema.MAX_LONG)
    _, report, lines = check(tmp_path, text)
    assert report.ok, lines


def test_long_ids_and_lists_are_refused(tmp_path):
    long_id = "f" * (schema.MAX_ID + 1)
    many = [f"option {i}" for i in range(schema.MAX_ITEMS + 1)]
    _, report, lines = check(tmp_path, BANK + fact(long_id) + fact("gaba-site", answer="GABA-A", distractors=many))
    assert any(f"fact '{long_id}': 'id' is 101 characters long; at most 100 are allowed" in ln for ln in lines), lines
    assert any("fact 'gaba-site': 'distractors' has 101 items; at most 100 are allowed" in ln for ln in lines), lines


@pytest.mark.parametrize("command", [["build", "-o", "{out}"], ["quiz", "-o", "{out}"],
                                     ["export", "-o", "{out}/q.json"]])
def test_every_command_refuses_an_oversized_field(tmp_path, capsys, monkeypatch, command):
    bank = tmp_path / "bank.yaml"
    bank.write_text(BANK + fact(answer="x" * (schema.MAX_TEXT + 1)), encoding="utf-8")
    out = tmp_path / "out"
    args = [command[0], str(bank), *(a.format(out=out) for a in command[1:])]
    code, _, err = tools.run_cli(args, capsys, monkeypatch)
    assert code == 1
    assert "fact 'nmda-site': 'answer' is 10,001 characters long" in err
    assert not out.exists() or not any(out.iterdir())


def test_a_bank_not_read_whole_is_returned_with_its_incomplete_parts_marked(tmp_path):
    bank, report, _ = check(tmp_path, (BAD / "missing-key-hides-nothing.yaml").read_text())
    assert not report.ok
    (f,) = bank.facts
    assert not f.complete and f.explain == "" and f.answer == "NMDA receptor"
    bank, _, _ = check(tmp_path, (BAD / "missing-deck-title.yaml").read_text())
    assert "deck" in bank.incomplete and bank.deck.id == "demo" and bank.facts[0].complete


def test_a_dropped_fact_is_why_no_shortfall_is_reported(tmp_path):
    """The control for dropped-fact-lends.yaml: the same bank with its fact whole lends, and nothing is short;
    without the lender, the shortfall is reported."""
    text = (BAD / "dropped-fact-lends.yaml").read_text()
    _, report, lines = check(tmp_path, text.replace("!!binary R0FCQQ==", "GABA-A receptor"))
    assert report.ok and not [d for d in report.diagnostics if d.code == "too-few-options"], lines
    alone = text[:text.index("  - id: gaba-site")]
    _, report, lines = check(tmp_path, alone)
    assert [d for d in report.diagnostics if d.code == "too-few-options"], lines


def test_a_deck_title_with_an_empty_level_is_refused(tmp_path):
    _, report, lines = check(tmp_path, BANK.replace("title: Demo bank", "title: 'Demo bank::'") + fact())
    assert any(":3:10: error: deck title 'Demo bank::' has an empty level between '::' separators" in ln
               for ln in lines), lines


def test_an_accepted_phrasing_listed_twice_is_flagged_but_other_spellings_are_not(tmp_path):
    _, report, lines = check(tmp_path, BANK + fact(accept="[CIII, C-III, CIII]"))
    flagged = [d for d in report.diagnostics if d.code == "redundant-accept"]
    assert [d.message for d in flagged] == ["accepted phrasing 'CIII' is listed twice"], lines
    assert flagged[0].path[-2:] == ("accept", 2)
