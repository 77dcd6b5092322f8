"""The quiz manifest: it says exactly what each printed version shows, and grading needs nothing else."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from generator.quiz import generate
from generator.writers.pdf import render_printout
from tests.quiz_banks import load, plain_data, write_bank
from tests.test_quiz_pdf import flat, pdf_text
from tests.tools import errata, require_tool

SCHEMA = json.loads((Path(__file__).parent.parent / "docs" / "quiz-manifest.schema.json").read_text())


@pytest.fixture(scope="module")
def printout(tmp_path_factory):
    bank = load(write_bank(tmp_path_factory.mktemp("bank"), plain_data(9)))
    return render_printout(generate(bank, seed=11, options=4), versions=3)


def manifest_of(printout) -> dict:
    return json.loads(next(data for name, data in printout.files.items() if name.endswith("-quiz.json")))


def test_manifest_follows_its_schema(printout):
    m = manifest_of(printout)
    jsonschema.validate(m, SCHEMA)
    assert m["quiz_id"] == printout.code and m["seed"] == 11 and m["questions"] == 9


def test_manifest_lists_each_version_as_printed(printout, tmp_path):
    require_tool("pdftotext", "reads the printed papers")
    m = manifest_of(printout)
    assert [v["letter"] for v in m["versions"]] == ["A", "B", "C"]
    for v, typeset in zip(m["versions"], printout.versions):
        pdf = printout.files[f"plain-quiz-{v['letter']}.pdf"]
        text = flat(pdf_text(pdf, tmp_path))
        for q, tq in zip(v["questions"], typeset.questions):
            assert q["fact_id"] == tq.fact.id
            assert flat(f"{q['number']}. {q['question']}") in text
            for o in q["options"]:
                assert flat(f"{o['letter']} {o['text']}") in text
            keys = [o["letter"] for o in q["options"] if o["correct"]]
            assert keys == [tq.key_letter]


def test_versions_map_back_to_the_same_questions(printout):
    m = manifest_of(printout)
    def canonical(version):
        return {q["fact_id"]: sorted((o["text"], o["correct"]) for o in q["options"]) for q in version["questions"]}
    a = canonical(m["versions"][0])
    assert all(canonical(v) == a for v in m["versions"][1:])
    orders = {tuple(q["fact_id"] for q in v["questions"]) for v in m["versions"]}
    assert len(orders) == 3   # each version in its own order


def test_quiz_without_seed_draws_a_fresh_one_and_reports_it(tmp_path):
    bank = write_bank(tmp_path, plain_data(6))
    runs = []
    for i in range(2):
        out = tmp_path / f"run{i}"
        r = errata("quiz", str(bank), "-o", str(out))
        assert r.returncode == 0, r.stderr
        m = json.loads((out / "plain-quiz.json").read_text())
        assert f"quiz {m['quiz_id']}, seed {m['seed']}" in r.stderr
        runs.append((out, m))
    assert runs[0][1]["seed"] != runs[1][1]["seed"] and runs[0][1]["quiz_id"] != runs[1][1]["quiz_id"]
    # The reported seed prints the same quiz again, byte for byte.
    out, m = runs[0]
    again = tmp_path / "again"
    r = errata("quiz", str(bank), "--seed", str(m["seed"]), "-o", str(again))
    assert r.returncode == 0, r.stderr
    for f in out.iterdir():
        assert (again / f.name).read_bytes() == f.read_bytes(), f.name
