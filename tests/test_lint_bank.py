"""Cross-fact lint in `errata check`: answers that give each other away, a hedged key among absolute
wrong options, and numeric keys that sit in the middle across the bank."""

from __future__ import annotations

import json
from pathlib import Path

from generator.check import check_bank
from tests.tools import run_cli

HEAD = """\
deck:
  id: lint
  title: Lint
references:
  r1:
    title: Reference one
facts:
"""


def fact(fid: str, question: str, answer: str, wrong: list[str], accept: list[str] = (), kind: str = "") -> str:
    text = (f"  - id: {fid}\n    topic: T\n    kind: {kind or fid}\n    question: {json.dumps(question)}\n"
            f"    answer: {json.dumps(answer)}\n    explain: Because.\n    refs: [r1]\n")
    if accept:
        text += f"    accept: {json.dumps(list(accept))}\n"
    return text + f"    distractors: {json.dumps(wrong)}\n"


def warnings(tmp_path: Path, *facts: str, code: str) -> list[str]:
    path = tmp_path / "bank.yaml"
    path.write_text(HEAD + "".join(facts), encoding="utf-8")
    bank, report = check_bank(str(path))
    assert report.ok, [d.format() for d in report.errors]
    return [d.format() for d in report.sorted() if d.code == code]


# --- give-away ---------------------------------------------------------------------------

COMPANY = fact("developer", "Which firm developed ketamine?", "Parke-Davis", ["Sandoz", "Eli Lilly"],
               accept=["Parke, Davis & Co."])


def test_an_answer_in_another_facts_question_names_both(tmp_path):
    other = fact("brand", "Parke-Davis sold ketamine for people under which name?", "Ketalar", ["Ketaset", "Vetalar"])
    found = warnings(tmp_path, COMPANY, other, code="give-away")
    assert len(found) == 1
    assert "fact 'developer': the answer 'Parke-Davis' appears in 1 other fact: 'brand' (its question)" in found[0]
    assert found[0].split(":")[1] == "12"                     # located at the answer of 'developer'


def test_accepted_phrasings_and_options_count_and_words_stay_whole(tmp_path):
    bladder = fact("organ", "Heavy use damages which organ?", "The urinary bladder", ["The retina", "The skin"],
                   accept=["lower urinary tract"])
    options = fact("symptom", "Which symptom is typical?", "Painful urination",
                   ["Damage to the lower urinary tract", "Urinary bladder stones"])   # the accepted phrasing; the answer
    spread = fact("cystitis", "Ulcerative cystitis hits which part?", "Bladder wall",
                  ["Urinary bladders of rats", "Kidney"])                          # 'bladders' is another word
    found = warnings(tmp_path, bladder, options, spread, code="give-away")
    assert len(found) == 2, found
    assert ("the accepted phrasing 'lower urinary tract' appears in 1 other fact: "
            "'symptom' (option 'Damage to the lower urinary tract')") in found[1]
    assert "the answer 'The urinary bladder' appears in 1 other fact: 'symptom' (option 'Urinary bladder stones')" \
        in found[0]


def test_short_answers_and_small_numbers_and_own_texts_are_not_give_aways(tmp_path):
    count = fact("count", "How many trials must fail?", "2", ["1", "4"], accept=["two"])
    dose = fact("dose", "Which dose does the label give?", "2 mg/kg", ["20 mg/kg", "0.2 mg/kg"])
    iv = fact("route", "Which route is fastest?", "IV", ["IM", "Oral"])
    own = fact("self", "Which firm, Parke-Davis or another?", "Parke-Davis", ["Sandoz", "Lilly"])
    assert warnings(tmp_path, count, dose, iv, own, code="give-away") == []


def test_a_question_of_punctuation_only_keeps_the_others_in_place(tmp_path):
    blank = fact("blank", "???", "Nothing", ["Something", "Anything"])
    other = fact("brand", "Parke-Davis sold ketamine for people under which name?", "Ketalar", ["Ketaset", "Vetalar"])
    blank2 = fact("blank2", "...", "Void", ["Zero", "Null"])
    found = warnings(tmp_path, blank, COMPANY, blank2, other, code="give-away")
    assert len(found) == 1 and "'brand' (its question)" in found[0]


def test_a_year_is_a_give_away(tmp_path):
    year = fact("year", "When was ketamine first made?", "1962", ["1955", "1970"])
    stem = fact("chemist", "Who made ketamine in 1962?", "Calvin Stevens", ["Paul Janssen", "Albert Hofmann"])
    assert len(warnings(tmp_path, year, stem, code="give-away")) == 1


# --- hedged key --------------------------------------------------------------------------

def test_the_only_hedged_option_among_absolute_ones(tmp_path):
    cue = fact("pain", "What does the evidence show?", "Mixed results in small trials",
               ["Proven in all chronic pain", "No benefit in any trial"])
    found = warnings(tmp_path, cue, code="hedged-key")
    assert len(found) == 1 and "fact 'pain': the key 'Mixed results in small trials' is the only hedged option" in found[0]
    fair = fact("pain", "What does the evidence show?", "Mixed results in small trials",
                ["Proven in all chronic pain", "Moderate evidence for back pain"])    # a hedged wrong option
    firm = fact("pain", "What does the evidence show?", "Benefit only in CRPS",
                ["Proven in all chronic pain", "No benefit in any trial"])           # the key is firm too
    assert warnings(tmp_path, fair, code="hedged-key") == []
    assert warnings(tmp_path, firm, code="hedged-key") == []


# --- middle keys -------------------------------------------------------------------------

def years(n: int, middle: int) -> list[str]:
    out = []
    for i in range(n):
        key = 1900 + 10 * i
        wrong = [key - 3, key + 4] if i < middle else [key + 3, key + 5]
        out.append(fact(f"y{i}", f"Event number {chr(97 + i)} happened when?", str(key), [str(w) for w in wrong]))
    return out


def test_numeric_keys_in_the_middle_across_the_bank(tmp_path):
    found = warnings(tmp_path, *years(8, 7), code="middle-key")
    assert len(found) == 1
    assert ("7 of 8 numeric questions (88%) have a key between their wrong options, against 33% by chance"
            in found[0])
    assert "'y0', 'y1', 'y2', 'y3', 'y4', 'y5', 'y6'" in found[0] and "'y7'" not in found[0]
    assert warnings(tmp_path, *years(8, 3), code="middle-key") == []             # about what chance gives


def test_options_of_another_shape_are_not_numeric(tmp_path):
    units = [fact(f"t{i}", f"How long does step {chr(97 + i)} take?", "18 days", ["18 hours", "18 months"])
             for i in range(8)]
    ranges = [fact(f"r{i}", f"What share in trial {chr(97 + i)}?", "About 12%", ["About 1%", "About 50%", "Two"])
              for i in range(8)]
    assert warnings(tmp_path, *units, *ranges, code="middle-key") == []


def test_the_ketamine_bank_is_clean(capsys, monkeypatch):
    root = Path(__file__).resolve().parents[1]
    code, out, err = run_cli(["check", str(root / "questions.yaml")], capsys, monkeypatch)
    assert code == 0 and "0 errors, 0 warnings" in out + err, out + err


def test_vocabulary_shared_by_many_facts_is_not_a_give_away(tmp_path):
    many = [fact(f"q{i}", f"Is statement {i} about ketamine true?", "Yes", ["No"], kind="yes-no")
            for i in range(60)]
    assert warnings(tmp_path, *many, code="give-away") == []
    few = many[:5]
    found = warnings(tmp_path, *few, code="give-away")
    assert len(found) == 5 and "the answer 'Yes' appears in 4 other facts" in found[0]
