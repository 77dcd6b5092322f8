"""The fast export paths write exactly what the standard library would.

JSON goes through orjson and the large XML documents through text templates (for speed:
see bench/); here each is held to the bytes of the standard library's own writer: `json.dumps`
for JSON, ElementTree's indent and serializer for the XML read back from our output.
"""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest

from generator.quiz import generate
from generator.writers import json as write_json, moodle_xml as write_moodle, qti as write_qti
from tests.quiz_banks import hostile_data, load, plain_data, write_bank

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(params=["hostile", "plain", "ketamine"])
def quiz(request, tmp_path):
    if request.param == "ketamine":
        return generate(load(ROOT / "questions.yaml"), seed=5)
    data = hostile_data() if request.param == "hostile" else plain_data()
    return generate(load(write_bank(tmp_path, data)), seed=5)


def rewritten_by_elementtree(document: str) -> str:
    """The document parsed, indented and written by ElementTree (namespace declarations set aside,
    which ElementTree would turn into ns0: prefixes)."""
    declaration, root_tag, rest = document.split("\n", 2)
    name = root_tag[1:].split(" ", 1)[0].rstrip(">")
    root = ET.fromstring(f"<{name}>\n{rest}", parser=ET.XMLParser(target=ET.TreeBuilder(insert_comments=True)))
    ET.indent(root, space="  ")
    body = ET.tostring(root, encoding="unicode").split("\n", 1)[1]
    return f"{declaration}\n{root_tag}\n{body}\n"


def test_json_is_what_json_dumps_writes(quiz):
    expected = json.dumps(write_json.quiz_json(quiz), ensure_ascii=False, indent=2) + "\n"
    assert write_json.render(quiz) == expected.encode("utf-8")


def test_moodle_xml_is_what_elementtree_writes(quiz):
    document = write_moodle.render(quiz).decode("utf-8")
    assert document.count("<question type=\"multichoice\">") == len(quiz.questions)
    assert rewritten_by_elementtree(document) == document


def test_qti_questions_are_what_elementtree_writes(quiz):
    with zipfile.ZipFile(io.BytesIO(write_qti.render(quiz))) as zf:
        names = [n for n in zf.namelist() if n.count("/") == 1 and n.endswith(".xml")
                 and not n.endswith("assessment_meta.xml")]
        assert len(names) == 1
        document = zf.read(names[0]).decode("utf-8")
    assert document.count("<item ") == len(quiz.questions)
    assert rewritten_by_elementtree(document) == document
