"""errata grade: every response format read, versions mapped back, bad input refused in one run."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from generator.results import GradeError, grade, render_summary
from generator.results.model import BLANK, MULTIPLE, UNREADABLE
from tests.responses.classes import ketamine_manifest
from tests.responses.lms import canvas_student_analysis, moodle_responses
from tests.tools import run_cli

HERE = Path(__file__).parent / "responses"
TINY = HERE / "tiny-quiz.json"
TINY_BANK = HERE / "tiny.yaml"
KETAMINE = ketamine_manifest()   # every fact of the bank, so every source error


def scores(graded) -> dict[str, tuple[int, int]]:
    return {s["id"]: (s["score"], s["max"]) for s in graded.analysis["students"]}


def choices(graded, student: str) -> list[int]:
    return next(s.choices for s in graded.delivery.students if s.student == student)


def reteach(graded, student: str) -> list[dict]:
    """A student's re-teaching list, each entry resolved to its misconception (and the facts)."""
    a = graded.analysis
    r = next(r for r in a["reteach"] if r["student"] == student)
    assert len(r["misconceptions"]) == len(r["facts"])
    return [{**a["misconceptions"][i], "facts": facts} for i, facts in zip(r["misconceptions"], r["facts"])]


def key_manifest(path=KETAMINE) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def key_texts(manifest) -> dict[str, str]:
    return {q["fact_id"]: next(o["text"] for o in q["options"] if o["correct"])
            for q in manifest["versions"][0]["questions"]}


# --- the plain CSV -------------------------------------------------------------------------

def test_plain_csv_with_bom_and_semicolons_maps_versions_back():
    g = grade([str(HERE / "tiny-plain.csv")], str(TINY))
    assert scores(g) == {"Ada": (3, 3), "Ben": (2, 3), "Cleo": (0, 3), "Dan": (0, 3), "Eve": (3, 3)}
    # Canonical order is version A's: water, ice, boiling. Dan marked AC on ice, nothing on boiling, ? on water.
    assert choices(g, "Dan") == [UNREADABLE, MULTIPLE, BLANK]
    items = {i["fact_id"]: i for i in g.analysis["items"]}
    assert (items["ice-density"]["multiple"], items["boiling-point"]["blank"], items["water-formula"]["unreadable"]) \
        == (1, 1, 1)
    # Ben (version B, question 2, letter C) and Cleo (version A, question 3, letter A) both chose 90 °C.
    ninety = next(m for m in g.analysis["misconceptions"] if m["says"] == "90 °C")
    assert sorted(ninety["students"]) == ["Ben", "Cleo"] and ninety["sources"] == ["web2", "web1"]


def test_empty_columns_a_spreadsheet_adds_are_ignored(tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes(b"\xef\xbb\xbfstudent;version;1;2;3;;\r\nAda;A;C;A;B;;\r\nBen;B;C;C;B;;\r\n")
    assert scores(grade([str(path)], str(TINY))) == {"Ada": (3, 3), "Ben": (2, 3)}


def test_the_same_answers_on_two_versions_grade_the_same(tmp_path):
    # Version B lists the questions and options in another order: translate version A's marks letter by letter.
    m = key_manifest(TINY)
    a, b = m["versions"]
    text_of_a = {(q["fact_id"], o["letter"]): o["text"] for q in a["questions"] for o in q["options"]}
    def on_b(marks_on_a: list[str]) -> list[str]:
        chosen = {q["fact_id"]: text_of_a[(q["fact_id"], mark)] for q, mark in zip(a["questions"], marks_on_a)}
        return [next(o["letter"] for o in q["options"] if o["text"] == chosen[q["fact_id"]]) for q in b["questions"]]
    rows = [["C", "A", "B"], ["B", "B", "A"], ["A", "C", "C"], ["C", "B", "A"]]
    (tmp_path / "a.csv").write_text("student,version,1,2,3\n" + "".join(
        f"s{i},A,{','.join(r)}\n" for i, r in enumerate(rows)))
    (tmp_path / "b.csv").write_text("student,version,1,2,3\n" + "".join(
        f"s{i},B,{','.join(on_b(r))}\n" for i, r in enumerate(rows)))
    ga, gb = grade([str(tmp_path / "a.csv")], str(TINY)), grade([str(tmp_path / "b.csv")], str(TINY))
    assert [s.choices for s in ga.delivery.students] == [s.choices for s in gb.delivery.students]
    for key in ("items", "misconceptions", "test", "sources"):
        assert ga.analysis[key] == gb.analysis[key]


# --- Moodle and Canvas, as they write them: the ketamine quiz end to end ------------------

def ketamine_class(manifest) -> list:
    keys = key_texts(manifest)
    questions = manifest["versions"][0]["questions"]
    errors = {q["fact_id"]: next((o["text"] for o in q["options"] if o["provenance"]["kind"] == "source-error"),
                                 None) for q in questions}
    misled = {f: t for f, t in errors.items() if t}
    first_misled = sorted(misled)[:4]
    return [
        ("Ada Lovelace", dict(keys)),
        ("Bo Jensen", {f: (misled[f] if f in first_misled else k) for f, k in keys.items()}),
        ("Chen Wei", {f: (None if i % 2 else k) for i, (f, k) in enumerate(keys.items())}),
        ("Dora Ruiz", {f: misled.get(f, k) for f, k in keys.items()}),
    ], first_misled, misled


def ketamine_scores(m, misled) -> dict[str, tuple[int, int]]:
    """What the four students of `ketamine_class` score: all right, four errors, every other blank, every error."""
    n = m["questions"]
    return {"Ada Lovelace": (n, n), "Bo Jensen": (n - min(4, len(misled)), n), "Chen Wei": ((n + 1) // 2, n),
            "Dora Ruiz": (n - len(misled), n)}


def test_moodle_right_answer_that_differs_from_the_key_is_noted(tmp_path):
    m = key_manifest(TINY)
    path = tmp_path / "moodle.csv"
    path.write_bytes(moodle_responses(m, [("Ann Lee", key_texts(m))]).replace('"100 °C"\n'.encode(), '"90 °C"\n'.encode()))
    g = grade([str(path)], str(TINY))
    assert any("Moodle's right answer for fact 'boiling-point' is '90 °C', the quiz key is '100 °C'" in n
               for n in g.notes)
    assert scores(g) == {"Ann Lee": (3, 3)}    # graded by the quiz's key


def test_moodle_responses_report_of_the_ketamine_quiz(tmp_path):
    m = key_manifest()
    students, first_misled, misled = ketamine_class(m)
    # A second attempt of Ada (all blank) comes later in the file; an unfinished attempt is not graded.
    rows = students + [("Ada Lovelace", {}), ("Eli Stone", dict(key_texts(m)), "In progress")]
    path = tmp_path / "responses.csv"
    path.write_bytes(moodle_responses(m, rows))
    g = grade([str(path)], str(KETAMINE))
    n = m["questions"]
    assert scores(g) == ketamine_scores(m, misled)
    assert any("not finished" in note for note in g.notes)
    bo = reteach(g, "Bo Jensen")
    assert sorted(f for mc in bo for f in mc["facts"]) == sorted(first_misled)
    assert all(mc["sources"] and mc["why"] for mc in bo)
    last = grade([str(path)], str(KETAMINE), attempt="last")
    assert scores(last)["Ada Lovelace"] == (0, n)


def test_canvas_student_analysis_of_the_ketamine_quiz(tmp_path):
    m = key_manifest()
    students, first_misled, misled = ketamine_class(m)
    keys = key_texts(m)
    rows = students + [("Ada Lovelace", dict.fromkeys(keys), 2),           # a second attempt, all blank
                       ("Eve Group", {f: k for i, (f, k) in enumerate(keys.items()) if i % 4})]  # question groups
    path = tmp_path / "student_analysis.csv"
    path.write_bytes(canvas_student_analysis(m, rows))
    g = grade([str(path)], str(KETAMINE))
    n = m["questions"]
    shown = sum(1 for i in range(n) if i % 4)
    assert scores(g) == {**ketamine_scores(m, misled), "Eve Group": (shown, shown)}
    assert [i["n"] for i in g.analysis["items"]][:2] == [len(rows) - 2, len(rows) - 1]
    assert g.analysis["test"]["kr20"] is None      # not everyone saw every question
    dora = reteach(g, "Dora Ruiz")
    assert sorted(f for mc in dora for f in mc["facts"]) == sorted(misled)
    assert scores(grade([str(path)], str(KETAMINE), attempt="last"))["Ada Lovelace"] == (0, n)


def test_paper_and_lms_together_and_markup_from_moodle(tmp_path):
    m = key_manifest(TINY)
    keys = key_texts(m)
    moodle = tmp_path / "moodle.csv"
    # Moodle shows H~2~O as H2O and *ice* as _ice_; the BOM and the Windows line ends are read too.
    moodle.write_bytes(moodle_responses(m, [("Fay Online", dict(keys)),
                                             ("Gus Online", {**keys, "water-formula": "H~2~O~2~"})], bom=True)
                       .replace(b"\n", b"\r\n"))
    text = moodle.read_text(encoding="utf-8-sig")
    assert "H2O2" in text and "_ice_" in text
    g = grade([str(HERE / "tiny-plain.csv"), str(moodle)], str(TINY))
    assert scores(g)["Fay Online"] == (3, 3) and scores(g)["Gus Online"] == (2, 3)
    peroxide = next(x for x in g.analysis["misconceptions"] if x["says"] == "H~2~O~2~")
    assert sorted(peroxide["students"]) == ["Cleo", "Gus Online"]
    # The terminal shows the option as a reader sees it, not its markup.
    summary = render_summary(g.analysis)
    assert "misconception: 'H₂O₂'" in summary and "~" not in summary


# --- the self-quiz results, against the bank ---------------------------------------------

def selfquiz(student: str, answers: list[tuple[str, str, int]], deck: str = "tiny") -> str:
    return json.dumps({"format": "errata-selfquiz-results", "version": 1, "deck": {"id": deck, "title": "Tiny"},
                       "quiz_hash": "abc", "student": student, "mode": "practice",
                       "started": "2026-11-30T10:00:00Z", "finished": None,
                       "answers": [{"fact_id": f, "question": "?", "chosen": c, "correct": False, "attempt": a,
                                    "time": "2026-11-30T10:01:00Z"} for f, c, a in answers]})


def test_selfquiz_results_against_the_bank(tmp_path):
    (tmp_path / "hana.json").write_text(selfquiz("", [
        ("water-formula", "H2O", 1),                 # an accepted phrasing: right
        ("boiling-point", "90 °C", 1), ("boiling-point", "100 °C", 2),   # the first attempt counts
        ("ice-density", "Exactly as dense", 1)]))    # a curated distractor
    (tmp_path / "ivo.json").write_text(selfquiz("Ivo", [("water-formula", "H~2~O~2~", 1)]))
    g = grade([str(tmp_path / "hana.json"), str(tmp_path / "ivo.json")], str(TINY_BANK))
    assert scores(g) == {"hana": (1, 3), "Ivo": (0, 1)}   # Ivo saw one question; the file name names Hana
    last = grade([str(tmp_path / "hana.json")], str(TINY_BANK), attempt="last")
    assert scores(last) == {"hana": (2, 3)}


def test_selfquiz_text_that_is_no_option_names_the_closest(tmp_path):
    (tmp_path / "x.json").write_text(selfquiz("Jo", [("boiling-point", "100 degrees C", 1)]))
    with pytest.raises(GradeError) as e:
        grade([str(tmp_path / "x.json")], str(TINY_BANK))
    (p,) = e.value.problems
    assert "'100 degrees C' matches no option" in p.message and "closest: '100 °C'" in p.message


# --- bad input: one line each, every problem in one run, exit 1, nothing written ----------

def run_grade(files: list, capsys, monkeypatch, tmp_path, *extra):
    out = tmp_path / "out"
    code, stdout, stderr = run_cli(["grade", *files, "--quiz", str(TINY), "-o", out, "--no-pdf", *extra],
                                   capsys, monkeypatch)
    return code, stdout, stderr, out


def test_bad_rows_are_all_reported_and_nothing_is_written(tmp_path, capsys, monkeypatch):
    bad = tmp_path / "bad.csv"
    bad.write_text("student,version,1,2,3\n"
                   "Ada,A,C,A,B\n"
                   "Ben,Z,C,A,B\n"        # no version Z
                   "Cleo,A,D,A,B\n"       # D beyond A–C
                   "Dan,B,C,7,B\n"        # not a mark
                   "Ada,B,C,A,B\n")       # duplicate student
    code, _, err, out = run_grade([bad], capsys, monkeypatch, tmp_path)
    assert code == 1 and not out.exists() and "Traceback" not in err
    lines = err.strip().splitlines()
    assert f"{bad}:3:2: error: version 'Z' is not in quiz 0A2R-9HPZ (versions A, B)" in lines
    assert any(l.startswith(f"{bad}:4:3: error:") and "letter 'D' is beyond the options: this question has A–C" in l
               for l in lines)
    assert any(l.startswith(f"{bad}:5:4: error:") and "'7' is not a mark" in l for l in lines)
    assert f"{bad}:6:1: error: duplicate student 'Ada': already at {bad}:2" in lines
    assert lines[-1].startswith("errata: 4 problems") and "--skip-bad-rows" in lines[-1]


def test_skip_bad_rows_writes_and_lists_what_was_skipped(tmp_path, capsys, monkeypatch):
    bad = tmp_path / "bad.csv"
    bad.write_text("student,version,1,2,3\nAda,A,C,A,B\nBen,Z,C,A,B\n")
    code, stdout, err, out = run_grade([bad], capsys, monkeypatch, tmp_path, "--skip-bad-rows")
    assert code == 0
    assert sorted(p.name for p in out.iterdir()) == ["analysis.json", "grades.csv", "report.md"]
    assert "skipped: version 'Z'" in err
    a = json.loads((out / "analysis.json").read_text())
    assert [s["id"] for s in a["students"]] == ["Ada"] and a["skipped"][0]["row"] == 3
    assert "## Skipped rows" in (out / "report.md").read_text()


def test_files_that_are_not_responses(tmp_path, capsys, monkeypatch):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    xlsx = tmp_path / "grades.xlsx"
    xlsx.write_bytes(b"PK\x03\x04" + bytes(100))
    latin = tmp_path / "latin.csv"
    latin.write_bytes("student,version,1,2,3\nJos\xe9,A,A,A,A\n".encode("latin-1"))
    other = tmp_path / "other.csv"
    other.write_text("student,version,1,2\nAda,A,A,B\n")
    nomoodle = tmp_path / "moodle.csv"
    nomoodle.write_text("Surname,First name,Email address,State,Started on,Completed,Time taken,Grade/3.00,"
                        "Response 1,Response 2,Response 3\nLee,Ann,a@x.org,Finished,x,y,z,1.00,HO,-,-\n")
    code, _, err, out = run_grade([empty, xlsx, latin, other, nomoodle], capsys, monkeypatch, tmp_path)
    assert code == 1 and not out.exists() and "Traceback" not in err
    assert f"{empty}: error: empty file" in err
    assert f"{xlsx}: error: not a CSV: this is a spreadsheet workbook; save it as CSV (UTF-8) first" in err
    assert f"{latin}:2: error: not a CSV in UTF-8" in err
    assert f"{other}:1: error: responses to another quiz: the header has 2 questions, quiz 0A2R-9HPZ has 3" in err
    assert (f"{nomoodle}:1: error: a Moodle Responses export without the Question text column: download the "
            f"Responses report again") in err and "'Question text', 'Response' and 'Right answer' ticked" in err
    assert "errata: 5 problems" in err


def test_an_option_text_that_matches_nothing_gives_file_row_column_and_closest(tmp_path):
    m = key_manifest(TINY)
    keys = key_texts(m)
    path = tmp_path / "moodle.csv"
    path.write_bytes(moodle_responses(m, [("Kim Park", {**keys, "boiling-point": "99 °C"})]))
    with pytest.raises(GradeError) as e:
        grade([str(path)], str(TINY))
    (p,) = e.value.problems
    header = next(csv.reader(io.StringIO(path.read_text())))
    column = next(i for i, h in enumerate(header, 1) if h.startswith("Response ") and
                  "99" in next(csv.reader(io.StringIO(path.read_text().splitlines()[1])))[i - 1])
    assert (p.row, p.column) == (2, column)
    assert "the response '99 °C' matches no option (closest: '90 °C')" in p.message


def test_canvas_export_of_another_quiz(tmp_path):
    path = tmp_path / "canvas.csv"
    path.write_bytes(canvas_student_analysis(key_manifest(), [("Lu Xin", {})]))
    with pytest.raises(GradeError) as e:
        grade([str(path)], str(TINY))
    assert all("responses to another quiz" in p.message for p in e.value.problems)


def test_grades_csv_columns(tmp_path, capsys, monkeypatch):
    code, _, _, out = run_grade([HERE / "tiny-plain.csv"], capsys, monkeypatch, tmp_path)
    assert code == 0
    rows = list(csv.reader(io.StringIO((out / "grades.csv").read_text())))
    assert rows[0] == ["student", "version", "score", "max", "percent", "water-formula", "water-formula right",
                       "ice-density", "ice-density right", "boiling-point", "boiling-point right"]
    assert rows[2] == ["Ben", "B", "2", "3", "66.7", "B", "1", "C", "1", "C", "0"]
    assert rows[4] == ["Dan", "B", "0", "3", "0.0", "?", "0", "AC", "0", "", "0"]


# --- the report PDF, compiled for real ---------------------------------------------------------

def test_report_pdf_shows_the_analysis_and_hostile_names_as_written(tmp_path, capsys, monkeypatch):
    from tests.test_quiz_pdf import flat, pdf_text
    from tests.tools import require_tool
    require_tool("pdftotext", "reads the report back")
    hostile = '#set text(red) $x$ <b>*bold*</b> "quoted" \\ @ref'
    data = (HERE / "tiny-plain.csv").read_text(encoding="utf-8-sig").replace("Cleo", hostile)
    (tmp_path / "r.csv").write_text(data)
    out = tmp_path / "out"
    code, stdout, err = run_cli(["grade", tmp_path / "r.csv", "--quiz", TINY, "-o", out], capsys, monkeypatch)
    assert code == 0, err
    assert sorted(p.name for p in out.iterdir()) == ["analysis.json", "grades.csv", "report.md", "report.pdf"]
    text = flat(pdf_text((out / "report.pdf").read_bytes(), tmp_path))
    for expected in ("Results of quiz 0A2R-9HPZ", "Misconceptions the class holds", "Sources that misled the class",
                     "A web page about water", "water, also written H2O2", "Re-teaching lists",
                     "Why it is wrong: H2O2 is hydrogen peroxide.", flat(hostile)):
        assert flat(expected) in text, expected
    assert "5 students, 3 questions" in stdout


def test_moodle_export_graded_against_the_bank_and_same_bytes_twice(tmp_path):
    # A Moodle quiz built from `errata export` carries no manifest: the bank is the key.
    import jsonschema
    from generator.results import report_files
    m = key_manifest(TINY)
    keys = key_texts(m)
    path = tmp_path / "moodle.csv"
    path.write_bytes(moodle_responses(m, [("Mo Bank", dict(keys)), ("No Bank", {**keys, "ice-density": "Denser, so it sinks"})]))
    g = grade([str(path)], str(TINY_BANK))
    assert g.analysis["quiz"]["id"] == "bank:tiny" and scores(g) == {"Mo Bank": (3, 3), "No Bank": (2, 3)}
    jsonschema.validate(g.analysis, json.loads((HERE.parent.parent / "docs" / "analysis.schema.json").read_text()))
    again = grade([str(path)], str(TINY_BANK))
    assert report_files(g, pdf=False) == report_files(again, pdf=False)


def test_report_md_renders_bank_markup_and_keeps_everything_else_text(tmp_path):
    from markdown_it import MarkdownIt
    from generator.results import report_files
    hostile = "<img src=x onerror=alert(1)> | *x* [link](javascript:y)"
    data = (HERE / "tiny-plain.csv").read_text(encoding="utf-8-sig").replace("Cleo", hostile.replace(";", ","))
    (tmp_path / "r.csv").write_text(data)
    html = MarkdownIt("commonmark").enable("table").render(
        report_files(grade([str(tmp_path / "r.csv")], str(TINY)), pdf=False)["report.md"].decode())
    assert "H<sub>2</sub>O<sub>2</sub>" in html and "<i>ice</i>" in html     # the bank's markup, rendered
    assert "<img" not in html and "javascript:" not in html.replace("[link](javascript:y)", "")
    assert "&lt;img src=x onerror=alert(1)&gt; | *x* [link](javascript:y)" in html   # a name shows as written
