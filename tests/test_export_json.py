"""The JSON export matches its documented shape, and the bank schema serves editors."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml
from tests.tools import errata

ROOT = Path(__file__).parent.parent
EXAMPLE = ROOT / "examples" / "solar-system.yaml"
QUIZ_SCHEMA = json.loads((ROOT / "docs" / "quiz.schema.json").read_text())


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    out = tmp_path_factory.mktemp("export") / "quiz.json"
    r = errata("export", str(EXAMPLE), "--format", "json", "--seed", "7", "--options", "3", "-o", str(out))
    assert r.returncode == 0, r.stderr
    return json.loads(out.read_text())


def test_export_matches_documented_schema(exported):
    jsonschema.validate(exported, QUIZ_SCHEMA)
    assert exported["seed"] == 7 and exported["options"] == 3


def test_export_is_true_to_the_bank(exported):
    bank = yaml.safe_load(EXAMPLE.read_text())
    facts = {f["id"]: f for f in bank["facts"]}
    assert [q["fact_id"] for q in exported["questions"]] == [f["id"] for f in bank["facts"]]
    for q in exported["questions"]:
        fact = facts[q["fact_id"]]
        keys = [o for o in q["options"] if o["correct"]]
        assert len(keys) == 1 and keys[0]["text"] == str(fact["answer"])
        for o in q["options"]:
            p = o["provenance"]
            if p["kind"] == "source-error":
                said = [e for e in fact.get("errors", []) if e["source"] in p["sources"]]
                assert said and p["quote"] == said[0]["quote"]
                assert [c["source"] for c in p["citations"]] == p["sources"]
            elif p["kind"] == "borrowed":
                lender = facts[p["from_fact"]]
                assert str(lender["answer"]) == o["text"] and lender["kind"] == fact["kind"]
            elif p["kind"] == "curated":
                assert o["text"] in map(str, fact["distractors"])
    hottest = next(q for q in exported["questions"] if q["fact_id"] == "hottest-planet")
    mercury = next(o for o in hottest["options"] if o["text"] == "Mercury")
    assert mercury["provenance"]["sources"] == ["quiz-site", "old-textbook"]


def test_documentation_names_every_field():
    doc = (ROOT / "docs" / "quiz-json.md").read_text()
    names = set()

    def walk(s):
        if isinstance(s, dict):
            names.update(s.get("properties", {}))
            for v in s.values():
                walk(v)
        elif isinstance(s, list):
            for v in s:
                walk(v)

    walk(QUIZ_SCHEMA)
    missing = [n for n in sorted(names) if not re.search(rf"`[^`]*\b{re.escape(n)}\b[^`]*`", doc)]
    assert not missing, f"fields not documented in docs/quiz-json.md: {missing}"


def test_same_seed_same_bytes_and_stdout(tmp_path):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    for out in (a, b):
        assert errata("export", str(EXAMPLE), "--seed", "3", "-o", str(out)).returncode == 0
    assert a.read_bytes() == b.read_bytes()
    r = errata("export", str(EXAMPLE), "--seed", "3")
    assert r.returncode == 0 and json.loads(r.stdout) == json.loads(a.read_text())


def test_export_filters(tmp_path):
    r = errata("export", str(EXAMPLE), "--topic", "moons")
    assert r.returncode == 0, r.stderr
    assert [q["fact_id"] for q in json.loads(r.stdout)["questions"]] == ["moons-of-mercury"]
    r = errata("export", str(EXAMPLE), "--tag", "no-such-tag")
    assert r.returncode == 2 and "no fact matches" in r.stderr


def test_export_refuses_a_bad_bank_and_keeps_the_old_file(tmp_path):
    out = tmp_path / "quiz.json"
    out.write_text("previous")
    bad = ROOT / "tests" / "bad_banks" / "unknown-source.yaml"
    r = errata("export", str(bad), "-o", str(out))
    assert r.returncode == 1 and "unknown source 's2'" in r.stderr
    assert out.read_text() == "previous"


def test_bank_schema_validates_banks():
    r = errata("schema")
    assert r.returncode == 0
    schema = json.loads(r.stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    bank = yaml.load(EXAMPLE.read_text(), Loader=yaml.BaseLoader)  # every scalar text, as Errata reads it
    jsonschema.validate(bank, schema)
    bank["facts"][0]["anwser"] = "x"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bank, schema)
    # Numbers written unquoted (years, counts) are accepted, as the checker accepts them.
    numeric = yaml.safe_load(EXAMPLE.read_text())
    jsonschema.validate(numeric, schema)


def test_committed_schema_is_current():
    """errata.schema.json (what the README's `$schema` comment points at) is what `errata schema` prints."""
    r = errata("schema")
    assert json.loads((ROOT / "errata.schema.json").read_text()) == json.loads(r.stdout)
