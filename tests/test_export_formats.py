"""LMS exports (GIFT, Moodle XML, QTI 1.2), read back by parsers Errata did not write.

- GIFT goes through gift-pegjs (npm, pinned in tests/gift): every question parses with
  exactly one right option and every text comes back as it is in the bank.
- Moodle XML is read with the standard library and checked for what Moodle's importer
  reads (research: import_multichoice); QTI against the structure of text2qti's Canvas
  packages, with text2qti itself writing the reference.
- A hostile bank puts the markup of every format in every field.
"""

from __future__ import annotations

import html
import io
import json
import re
import subprocess
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest

from generator.writers import gift as write_gift, moodle_xml as write_moodle, qti as write_qti
from generator.writers.lms_feedback import question_name
from generator.quiz import generate
from generator.quiz import SOURCE_ERROR, Question, Quiz
from tests.quiz_banks import hostile_data, load, plain_data, write_bank
from tests.tools import errata, require, require_tool

ROOT = Path(__file__).parent.parent
GIFT_DIR = Path(__file__).parent / "gift"
EXAMPLE = ROOT / "examples" / "solar-system.yaml"
MOODLE_FRACTIONS = {"100", "90", "83.33333", "80", "75", "70", "66.66667", "60", "50", "40", "33.33333", "30",
                    "25", "20", "16.66667", "14.28571", "12.5", "11.11111", "10", "5", "0"}
QTI = "{http://www.imsglobal.org/xsd/ims_qtiasiv1p2}"
CP = "{http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1}"
CANVAS = "{http://canvas.instructure.com/xsd/cccv1p0}"


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Quiz:
    bank = load(write_bank(tmp_path_factory.mktemp("hostile"), hostile_data()))
    quiz = generate(bank, seed=3, options=5)
    kinds = {o.provenance.kind for q in quiz.questions for o in q.options if o.provenance}
    assert kinds == {"source-error", "curated", "borrowed"}, "the fixture should exercise every provenance"
    return quiz


@pytest.fixture(scope="module")
def solar() -> Quiz:
    return generate(load(EXAMPLE), seed=7, options=3)


def plain_text(fragment: str) -> str:
    """What a browser shows for an HTML fragment we wrote: our tags go, entities are decoded."""
    fragment = fragment.replace("<br>", "\n")
    return html.unescape(re.sub(r"</?(p|em)>", " ", fragment))


def expected_feedback(q: Question, quiz: Quiz) -> dict[str, list[str]]:
    """For each wrong option a source states: the texts its feedback must carry."""
    out = {}
    for o in q.options:
        if o.provenance and o.provenance.kind == SOURCE_ERROR:
            out[o.text] = [t for e in o.provenance.errors
                           for t in (e.why, e.quote, quiz.bank.sources[e.source].title)]
    return out


def assert_feedback(q: Question, quiz: Quiz, per_option: dict[str, str], general: str) -> None:
    want = expected_feedback(q, quiz)
    for o in q.options:
        got = plain_text(per_option.get(o.text) or "")
        if o.text in want:
            for piece in want[o.text]:
                assert piece in got, (q.fact.id, o.text, piece)
        else:
            assert got == "", (q.fact.id, o.text)      # the key, curated and borrowed options: none
    assert q.fact.explain in plain_text(general)


# --- GIFT -------------------------------------------------------------------------------

def gift_parse(text: str) -> list[dict]:
    node = require_tool("node", "reads the GIFT export back with gift-pegjs")
    require((GIFT_DIR / "node_modules" / "gift-pegjs").is_dir(),
            "gift-pegjs is not installed: run 'npm ci --prefix tests/gift'")
    r = subprocess.run([node, str(GIFT_DIR / "parse.mjs")], input=text.encode(), capture_output=True, timeout=60)
    assert r.returncode == 0, (r.stdout + r.stderr).decode()
    return json.loads(r.stdout)


def moodle_category(title: str) -> list[str]:
    """A $CATEGORY path as Moodle reads it: backslash pairs undone, '//' a slash inside a name."""
    title = title.replace("\\\\", "\\")
    assert title.startswith("$course$/top/")
    return [part.replace("\x00", "/") for part in title[len("$course$/top/"):].replace("//", "\x00").split("/")]


@pytest.mark.parametrize("which", ["solar", "hostile"])
def test_gift_round_trips_through_gift_pegjs(which, request):
    quiz: Quiz = request.getfixturevalue(which)
    parsed = gift_parse(write_gift.dumps(quiz))
    questions = [p for p in parsed if p["type"] == "MC"]
    categories = [p for p in parsed if p["type"] == "Category"]
    assert len(questions) == len(quiz.questions) and len(parsed) == len(questions) + len(categories)
    assert moodle_category(categories[0]["title"]) == [quiz.bank.deck.title, quiz.questions[0].fact.topic]
    for p, q in zip(questions, quiz.questions):
        assert p["title"] == question_name(q)
        assert p["stem"]["format"] == "html" and plain_text(p["stem"]["text"]) == q.fact.question
        right = [c for c in p["choices"] if c["isCorrect"]]
        assert len(right) == 1 and plain_text(right[0]["text"]["text"]) == q.fact.answer
        assert [plain_text(c["text"]["text"]) for c in p["choices"]] == [o.text for o in q.options]
        assert all(c["weight"] is None for c in p["choices"])
        per_option = {plain_text(c["text"]["text"]): (c["feedback"] or {}).get("text", "") for c in p["choices"]}
        assert_feedback(q, quiz, per_option, p["globalFeedback"]["text"])


def test_gift_escaping_is_what_stops_a_second_right_answer(solar, monkeypatch):
    # Without escaping, gift-pegjs (like Moodle) reads an '=' inside an option as a second right answer.
    quiz = generate(solar.bank, seed=7, options=3, facts=[solar.bank.fact("planet-count")])
    quiz.questions[0].options[0].text += " = 4 + 4"
    escaped = gift_parse(write_gift.dumps(quiz))
    assert sum(c["isCorrect"] for c in escaped[-1]["choices"]) == 1
    monkeypatch.setattr(write_gift, "_SPECIAL", re.compile(r"[\\~#{}:]"))   # everything but '='
    naive = gift_parse(write_gift.dumps(quiz))
    assert sum(c["isCorrect"] for c in naive[-1]["choices"]) == 2


def test_gift_escape_rules():
    assert write_gift.escape("a\\b~c=d#e{f}g:h\ni\rj") == "a\\\\b\\~c\\=d\\#e\\{f\\}g\\:h\\nij"
    assert write_gift.field("[plain] x") == "&\\#91;plain] x"      # not read as a format marker
    assert write_gift.field("%50% x") == "&\\#37;50% x"              # not read as a weight
    assert write_gift.category_path("A/B", "C\\:D") == "$course$/top/A//B/C\\\\:D"


def test_gift_blocks_are_what_moodle_splits(hostile):
    # Moodle splits on blank lines and drops lines starting with '//': neither may come from a text.
    blocks = write_gift.dumps(hostile).strip("\n").split("\n\n")
    assert blocks[0].startswith("// ") and "\n" not in blocks[0]
    questions = [b for b in blocks[1:] if not b.startswith("$CATEGORY: ")]
    assert all("\n" not in b for b in blocks[1:] if b.startswith("$CATEGORY: "))
    assert len(questions) == len(hostile.questions)
    for block, q in zip(questions, hostile.questions):
        lines = block.split("\n")
        # Moodle's importer (extract_idnumber_and_tags_from_comment) takes the ID number from the
        # question's comment lines: '[id:' up to the first unescaped ']'.
        assert lines[0].startswith("// ")
        found = re.search(r"\[id:((?:\\\]|[^\]\x00-\x1f])+)\]", lines[0])
        assert found and found.group(1).strip().replace("\\]", "]") == q.fact.id
        lines = lines[1:]
        assert lines[0].startswith(f"::{write_gift.escape(question_name(q))}::[html]")
        assert lines[0].endswith("{") and lines[-1] == "}"
        assert not any(line.lstrip().startswith("//") for line in lines)
        assert [line[:2] for line in lines[1:-1]] == ["\t=" if o.correct else "\t~" for o in q.options] + ["\t#"]


# --- Moodle XML ---------------------------------------------------------------------------

def moodle_questions(quiz: Quiz) -> tuple[list[ET.Element], list[ET.Element]]:
    root = ET.fromstring(write_moodle.render(quiz))
    assert root.tag == "quiz"
    kinds = [q.get("type") for q in root.findall("question")]
    assert set(kinds) == {"category", "multichoice"}
    return root.findall("question[@type='category']"), root.findall("question[@type='multichoice']")


@pytest.mark.parametrize("which", ["solar", "hostile"])
def test_moodle_xml_has_what_the_importer_reads(which, request):
    quiz: Quiz = request.getfixturevalue(which)
    categories, items = moodle_questions(quiz)
    path = categories[0].findtext("category/text")
    assert path == "$course$/top/" + "/".join(
        " ".join(n.split()).replace("/", "//") for n in (quiz.bank.deck.title, quiz.questions[0].fact.topic))
    assert len(items) == len(quiz.questions)
    for item, q in zip(items, quiz.questions):
        assert item.findtext("name/text") == question_name(q) and item.findtext("idnumber") == q.fact.id
        assert item.find("questiontext").get("format") == "html"
        assert plain_text(item.findtext("questiontext/text")) == q.fact.question
        # Missing elements take import defaults that are wrong here (shuffleanswers=false…).
        assert item.findtext("single") == "true" and item.findtext("shuffleanswers") == "true"
        assert item.findtext("answernumbering") in {"abc", "ABCD", "123", "iii", "IIII", "none"}
        assert float(item.findtext("defaultgrade")) == 1 and item.findtext("hidden") == "0"
        for tag in ("correctfeedback", "partiallycorrectfeedback", "incorrectfeedback", "generalfeedback"):
            assert item.find(tag) is not None and item.find(f"{tag}/text") is not None
        answers = item.findall("answer")
        assert [a.get("fraction") for a in answers] == ["100" if o.correct else "0" for o in q.options]
        assert all(a.get("fraction") in MOODLE_FRACTIONS and a.get("format") == "html" for a in answers)
        assert [plain_text(a.findtext("text")) for a in answers] == [o.text for o in q.options]
        per_option = {plain_text(a.findtext("text")): a.findtext("feedback/text") or "" for a in answers}
        assert_feedback(q, quiz, per_option, item.findtext("generalfeedback/text"))
        assert [t.findtext("text") for t in item.findall("tags/tag")] == q.fact.tags


# --- QTI 1.2 ------------------------------------------------------------------------------

def qti_package(quiz: Quiz) -> tuple[list[str], dict[str, ET.Element]]:
    data = write_qti.render(quiz)
    z = zipfile.ZipFile(io.BytesIO(data))
    assert z.testzip() is None
    return z.namelist(), {n: ET.fromstring(z.read(n)) for n in z.namelist() if n.endswith(".xml")}


@pytest.mark.parametrize("which", ["solar", "hostile"])
def test_qti_package_is_a_canvas_qti_12_quiz(which, request):
    quiz: Quiz = request.getfixturevalue(which)
    names, xml = qti_package(quiz)
    aid = write_qti.assessment_ident(quiz)
    assert names == ["imsmanifest.xml", "non_cc_assessments/", f"{aid}/assessment_meta.xml", f"{aid}/{aid}.xml"]

    manifest = xml["imsmanifest.xml"]
    assert manifest.tag == f"{CP}manifest"
    resources = {r.get("identifier"): r for r in manifest.iter(f"{CP}resource")}
    qti_res = resources[aid]
    assert qti_res.get("type") == "imsqti_xmlv1p2"
    assert [f.get("href") for f in qti_res.iter(f"{CP}file")] == [f"{aid}/{aid}.xml"]
    meta_res = resources[qti_res.find(f"{CP}dependency").get("identifierref")]
    assert meta_res.get("type") == "associatedcontent/imscc_xmlv1p1/learning-application-resource"
    assert meta_res.get("href") == f"{aid}/assessment_meta.xml"

    meta = xml[f"{aid}/assessment_meta.xml"]
    assert meta.tag == f"{CANVAS}quiz" and meta.get("identifier") == aid
    assert meta.findtext(f"{CANVAS}title") == quiz.bank.deck.title
    assert meta.findtext(f"{CANVAS}assignment/{CANVAS}quiz_identifierref") == aid
    assert float(meta.findtext(f"{CANVAS}points_possible")) == len(quiz.questions)

    root = xml[f"{aid}/{aid}.xml"]
    assert root.tag == f"{QTI}questestinterop"
    assessment = root.find(f"{QTI}assessment")
    assert assessment.get("ident") == aid and assessment.get("title") == quiz.bank.deck.title
    items = assessment.findall(f"{QTI}section/{QTI}item")
    assert [i.get("ident") for i in items] == [f"errata_{quiz.bank.deck.id}_{q.fact.id}" for q in quiz.questions]
    assert [i.get("title") for i in items] == [question_name(q) for q in quiz.questions]
    for item, q in zip(items, quiz.questions):
        fields = {f.findtext(f"{QTI}fieldlabel"): f.findtext(f"{QTI}fieldentry")
                  for f in item.iter(f"{QTI}qtimetadatafield")}
        assert fields["question_type"] == "multiple_choice_question"
        labels = item.findall(f".//{QTI}response_lid/{QTI}render_choice/{QTI}response_label")
        idents = [lab.get("ident") for lab in labels]
        assert fields["original_answer_ids"].split(",") == idents and len(set(idents)) == len(idents)
        assert item.find(f".//{QTI}response_lid").get("rcardinality") == "Single"
        assert plain_text(item.findtext(f"{QTI}presentation/{QTI}material/{QTI}mattext")).strip() == q.fact.question
        assert [plain_text(lab.findtext(f".//{QTI}mattext")) for lab in labels] == [o.text for o in q.options]

        conditions = item.findall(f"{QTI}resprocessing/{QTI}respcondition")
        scoring = [c for c in conditions if c.find(f"{QTI}setvar") is not None]
        assert len(scoring) == 1 and scoring[0].get("continue") == "No"
        assert scoring[0].findtext(f"{QTI}conditionvar/{QTI}varequal") == idents[q.key_index]
        assert scoring[0].findtext(f"{QTI}setvar") == "100"
        feedback = {f.get("ident"): f.findtext(f".//{QTI}mattext") for f in item.findall(f"{QTI}itemfeedback")}
        shown = {c.findtext(f"{QTI}conditionvar/{QTI}varequal"): c.find(f"{QTI}displayfeedback").get("linkrefid")
                 for c in conditions if c.find(f"{QTI}displayfeedback") is not None
                 and c.find(f"{QTI}conditionvar/{QTI}varequal") is not None}
        assert set(shown.values()) | {"general_fb"} == set(feedback)   # every link has a body, and back
        per_option = {o.text: feedback[shown[i]] for i, o in zip(idents, q.options) if i in shown}
        assert_feedback(q, quiz, per_option, feedback["general_fb"])


def test_qti_matches_text2qti_structure(solar):
    """text2qti writes the same questions; apart from identifiers and text, the XML must agree."""
    from text2qti.config import Config
    from text2qti.qti import QTI as Text2QTI
    from text2qti.quiz import Quiz as Text2QTIQuiz

    lines = [f"Quiz title: {solar.bank.deck.title}", f"Quiz description: {solar.bank.deck.description}", ""]
    for n, q in enumerate(solar.questions, 1):
        lines += [f"Title: {q.fact.id}", f"{n}.  Question {n}", "... General feedback"]
        for j, o in enumerate(q.options):
            lines.append(f"{'*' if o.correct else ''}{'abcde'[j]}) Option {j}")
            if o.provenance and o.provenance.kind == SOURCE_ERROR:
                lines.append("... Option feedback")
        lines.append("")
    reference = zipfile.ZipFile(io.BytesIO(Text2QTI(Text2QTIQuiz("\n".join(lines), config=Config())).zip_bytes()))
    names, xml = qti_package(solar)

    def role(name: str) -> str:
        return name.replace(name.split("/")[0], "ID") if "/" in name.rstrip("/") else name

    assert [role(n) for n in names] == [role(n) for n in reference.namelist()]

    structural = {"texttype", "rcardinality", "feedbacktype", "continue", "action", "varname", "vartype",
                  "maxvalue", "minvalue", "type", "respident"}

    def shape(el: ET.Element, depth: int = 0) -> list:
        tag = el.tag.split("}")[-1]
        attrs = tuple(sorted((k.split("}")[-1], v if k in structural else "*") for k in el.attrib
                             for v in [el.attrib[k]]))
        text = (el.text or "").strip() if tag in ("fieldlabel",) else ""
        out = [(depth, tag, attrs, text)]
        for child in el:
            out += shape(child, depth + 1)
        return out

    ours = {role(n): root for n, root in xml.items()}
    theirs = {role(n): ET.fromstring(reference.read(n)) for n in reference.namelist() if n.endswith(".xml")}
    assert shape(ours["ID/ID.xml"]) == shape(theirs["ID/ID.xml"])
    assert shape(ours["ID/assessment_meta.xml"]) == shape(theirs["ID/assessment_meta.xml"])
    resources = lambda root: shape(root.find(f"{CP}resources"))  # noqa: E731 (their metadata differs: dates)
    assert resources(ours["imsmanifest.xml"]) == resources(theirs["imsmanifest.xml"])


# --- all three ----------------------------------------------------------------------------

@pytest.mark.parametrize("writer", [write_gift, write_moodle, write_qti])
def test_exports_are_deterministic_and_ids_stable(writer, solar):
    again = generate(solar.bank, seed=7, options=3)
    assert writer.render(solar) == writer.render(again)
    other = generate(solar.bank, seed=8, options=3)
    if writer is write_qti:   # the same facts: the same item idents, whatever the seed
        assert write_qti.item_ident(solar, solar.questions[0]) == write_qti.item_ident(other, other.questions[0])
        assert write_qti.assessment_ident(solar) == write_qti.assessment_ident(other)


def test_questions_are_named_by_topic_and_stem(tmp_path):
    data = plain_data(3)
    data["facts"][0]["question"] = "Is **H~2~O** water?"
    data["facts"][1]["question"] = "Which receptor does ketamine block at the doses used for anaesthesia in adults?"
    quiz = generate(load(write_bank(tmp_path, data)), seed=1, options=3)
    names = {q.fact.id: question_name(q) for q in quiz.questions}
    assert names["fact-00"] == "Alpha: Is H2O water?"          # markup rendered away
    assert names["fact-01"] == "Beta: Which receptor does ketamine block at the doses used for…"


def test_characters_xml_cannot_carry_are_dropped_not_fatal(tmp_path):
    bank = load(write_bank(tmp_path, plain_data(3)))
    # `errata check` refuses control characters; a bank built in code still reaches the writers.
    bank.facts[0].question = "Bell\x07 and escape\x1b characters?"
    quiz = generate(bank, seed=1, options=3)
    item = moodle_questions(quiz)[1][0]
    assert item.findtext("questiontext/text") == "Bell and escape characters?"
    _, xml = qti_package(quiz)   # parses


def test_export_command_writes_each_format(tmp_path):
    bank = write_bank(tmp_path, hostile_data())
    for fmt, name in (("gift", "q.gift.txt"), ("moodle-xml", "q.moodle.xml"), ("qti", "q.qti.zip")):
        out = tmp_path / name
        r = errata("export", bank, "--format", fmt, "--seed", "3", "--options", "5", "-o", out)
        assert r.returncode == 0, r.stderr
        assert out.read_bytes() == {"gift": write_gift, "moodle-xml": write_moodle, "qti": write_qti}[fmt].render(
            generate(load(bank), seed=3, options=5))
    r = errata("export", bank, "--format", "qti")
    assert r.returncode == 2 and "binary" in r.stderr
