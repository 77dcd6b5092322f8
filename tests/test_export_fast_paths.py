"""The exports' fast lanes give what their full paths give.

- A plain text (no markup, nothing to escape, no control character) is its own HTML once
  stripped: `html_text`, `html_plain` and `question_name` skip the markup engine for it.
- GIFT escapes a question's texts together, in one call.
- `export` checks the bank without the lint, whose warnings it never shows; a bank with errors is
  checked again in full, so what the command prints is the same.

Each is held to the full path on texts drawn from every character class that matters.
"""

from __future__ import annotations

import io
import random
import zipfile
from pathlib import Path

import pytest

import cli
from generator.check import check_loaded
from generator.quiz import generate
from generator.text.markup import plain_html, spans, text_html
from generator.writers import gift as write_gift, moodle_xml as write_moodle, qti as write_qti
from generator.writers import lms_feedback
from generator.writers.lms_feedback import NAME_STEM, html_plain, html_text, is_plain, question_name, xml_chars
from tests.quiz_banks import hostile_data, load, plain_data, write_bank
from tests.test_export_bytes import rewritten_by_elementtree
from tests.tools import run_cli

ROOT = Path(__file__).resolve().parent.parent

# Every character some step treats specially, and ordinary ones around them.
ALPHABET = (list("abc XYZ 09.,;?!'\"()/%=#{}:$") + list("*~^\\[]&<>") + ["**", "\\*", "[sound:", "&amp;"]
            + ["\n", "\r\n", "\r", "\t", "\x00", "\x01", "\x0b", "\x1c", "\x1f", "\x7f", "\x85", "\x9f"]
            + ["\xa0", "\u2028", "\u200b", "\xad", "\ufffe", "\uffff", "\ud800", "\udfff", "\ufeff"]
            + ["é", "αβγ", "“", "’", "—", "…", "😀", "CO₂"])


def random_texts(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    texts = ["", " ", "plain words", " padded plain ", "[plain]", "%50% x", "a" * (NAME_STEM + 5)]
    for _ in range(n):
        texts.append("".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 30))))
        texts.append("word " * rng.randint(0, 20) + rng.choice(ALPHABET) + " end")
    return texts


def full_question_name(question) -> str:
    stem = " ".join("".join(r.get("t", " ") for r in spans(question.fact.question)).split())
    if len(stem) > NAME_STEM:
        stem = stem[:NAME_STEM].rsplit(" ", 1)[0].rstrip(" ,;:") + "…"
    return xml_chars(f"{' '.join(question.fact.topic.split())}: {stem}")


def test_plain_texts_are_their_own_html():
    for text in random_texts(3000, seed=1):
        assert html_text(text) == text_html(xml_chars(text)), repr(text)
        assert html_plain(text) == plain_html(xml_chars(text)), repr(text)
        if is_plain(text):
            assert text_html(text) == text.strip() and xml_chars(text) == text, repr(text)


@pytest.fixture
def hostile(tmp_path):
    return generate(load(write_bank(tmp_path, hostile_data())), seed=5)


def scrambled(quiz, seed: int):
    """The quiz with every text the exports write replaced by a random one (no lone surrogates:
    a bank read from UTF-8 cannot hold them)."""
    texts = iter(t for t in random_texts(2000, seed) if not any("\ud800" <= c <= "\udfff" for c in t))
    bank = quiz.bank
    for s in bank.sources.values():
        s.title = next(texts)
    for q in quiz.questions:
        f = q.fact
        f.question, f.explain, f.topic = next(texts), next(texts), next(texts) or "topic"
        for o in q.options:
            o.text = next(texts)
            for e in (o.provenance.errors if o.provenance else []):
                e.quote, e.why = next(texts), next(texts)
    return quiz


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_question_names_as_the_full_path_makes_them(hostile, seed):
    quiz = scrambled(hostile, seed)
    lms_feedback._topic_label.cache_clear()
    for q in quiz.questions:
        assert question_name(q) == full_question_name(q)


def plain_quiz(tmp_path, seed: int):
    """A quiz whose texts are all plain; with an odd seed, padded with spaces that the HTML strips."""
    quiz = generate(load(write_bank(tmp_path, plain_data())), seed=seed)
    if seed % 2:
        for q in quiz.questions:
            q.fact.question, q.fact.explain = f" {q.fact.question} ", f"{q.fact.explain}  "
            for o in q.options:
                o.text = f" {o.text}"
                for e in (o.provenance.errors if o.provenance else []):
                    e.quote, e.why = f"{e.quote} ", f" {e.why} "
    return quiz


def gift_escape_by_pattern(text: str) -> str:
    """GIFT escaping in one pass of the pattern of special characters."""
    text = write_gift._SPECIAL.sub(lambda m: "\\" + m.group(), text)
    return text.replace("\r", "").replace("\n", "\\n")


def test_gift_escape_is_one_pass_of_the_pattern():
    for text in random_texts(3000, seed=4):
        assert write_gift.escape(text) == gift_escape_by_pattern(text), repr(text)


def gift_one_text_at_a_time(quiz) -> str:
    """GIFT as written one text at a time, with each text's HTML from the full path."""
    bank = quiz.bank
    g = write_gift

    def field(html: str) -> str:
        return gift_escape_by_pattern(g.unmarked(html))
    out = [g.comment(f"{bank.deck.title} ({bank.deck.id}): {len(quiz.questions)} questions, seed {quiz.seed}, "
                     f"written by Errata"), ""]
    topic = None
    for q in quiz.questions:
        if q.fact.topic != topic:
            topic = q.fact.topic
            out += [f"$CATEGORY: {g.category_path(bank.deck.title, topic)}", ""]
        lines = [g.comment(f"[id:{g.id_number(q.fact.id)}]"),
                 f"::{gift_escape_by_pattern(full_question_name(q))}::[html]{field(text_html(xml_chars(q.fact.question)))}{{"]
        for o in q.options:
            line = ("\t=" if o.correct else "\t~") + field(text_html(xml_chars(o.text)))
            p = o.provenance
            if not o.correct and p is not None and p.kind == "source-error":
                feedback = "".join(f"<p>{text_html(xml_chars(w))}</p>" for w in p.whys) + "".join(
                    f"<p>Stated by <em>{plain_html(xml_chars(bank.source_title(e.source)))}</em>: "
                    f"\u201c{plain_html(xml_chars(e.quote))}\u201d</p>" for e in p.errors)
                line += "#" + field(feedback)
            lines.append(line)
        general = f"<p>{text_html(xml_chars(q.fact.explain))}</p>"
        refs = [lms_feedback.reference_line(bank, r) for r in q.fact.refs]
        if refs:
            general += f"<p>References: {plain_html(xml_chars('; '.join(refs)))}</p>"
        lines += ["\t####" + field(general), "}"]
        out += lines + [""]
    return "\n".join(out)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_gift_is_what_one_text_at_a_time_writes(hostile, tmp_path, seed):
    quiz = hostile if seed == 0 else scrambled(hostile, seed)
    lms_feedback._topic_label.cache_clear()
    assert write_gift.dumps(quiz) == gift_one_text_at_a_time(quiz)
    plain = plain_quiz(tmp_path, seed)
    assert write_gift.dumps(plain) == gift_one_text_at_a_time(plain)


@pytest.mark.parametrize("seed", [1, 2])
def test_xml_of_any_text_is_what_elementtree_writes(hostile, seed):
    import io
    import zipfile

    quiz = scrambled(hostile, seed)
    lms_feedback._topic_label.cache_clear()
    document = write_moodle.render(quiz).decode("utf-8")
    assert rewritten_by_elementtree(document) == document
    with zipfile.ZipFile(io.BytesIO(write_qti.render(quiz))) as zf:
        name = next(n for n in zf.namelist() if n.count("/") == 1 and not n.endswith("assessment_meta.xml")
                    and n.endswith(".xml"))
        document = zf.read(name).decode("utf-8")
    assert rewritten_by_elementtree(document) == document


BAD_BANKS = sorted((ROOT / "tests" / "bad_banks").glob("*.yaml"))


def error_and_lint_bank(tmp_path) -> Path:
    """A bank with an error and lint warnings: its summary counts both."""
    text = (ROOT / "tests" / "bad_banks" / "lint-warnings.yaml").read_text(encoding="utf-8")
    path = tmp_path / "both.yaml"
    path.write_text(text.replace("refs: [r1]", "refs: [r9]", 1), encoding="utf-8")
    return path


@pytest.mark.parametrize("bank", BAD_BANKS + ["both", ROOT / "questions.yaml"], ids=lambda b: getattr(b, "stem", b))
def test_export_prints_what_a_linted_check_would(bank, tmp_path, capsys, monkeypatch):
    if bank == "both":
        bank = error_and_lint_bank(tmp_path)
    args = ["export", bank, "--format", "gift", "-o", tmp_path / "out.gift", "--options", "5"]
    fast = run_cli(args, capsys, monkeypatch)
    monkeypatch.setattr(cli, "check_loaded", lambda *a, lint=True, **kw: check_loaded(*a, **kw))
    linted = run_cli(args, capsys, monkeypatch)
    assert fast == linted


def test_qti_package_holds_the_same_files_however_items_are_grouped(tmp_path, monkeypatch):
    quiz = generate(load(write_bank(tmp_path, plain_data(60))), seed=3)

    def files() -> dict[str, bytes]:
        with zipfile.ZipFile(io.BytesIO(write_qti.render(quiz))) as zf:
            assert zf.testzip() is None
            return {info.filename: zf.read(info) for info in zf.infolist()}

    whole = files()
    for group in (1, 7, 1000):                        # one item a piece, a few, all of them
        monkeypatch.setattr(write_qti, "GROUP", group)
        assert files() == whole, group


def full_html(text: str) -> str:
    return text_html(xml_chars(text))


def qti_document_by_elementtree(quiz) -> bytes:
    """The QTI questions document built element by element with ElementTree, every text's HTML and
    name from the full path (what `qti._item`'s template and its plain lane must give)."""
    import hashlib
    import xml.etree.ElementTree as ET

    bank = quiz.bank

    def el(parent, tag, text=None, **attrs):
        e = ET.SubElement(parent, tag, attrs)
        e.text = text
        return e

    def mattext(parent, html):
        el(el(parent, "material"), "mattext", html, texttype="text/html")

    root = ET.Element("questestinterop", {
        "xmlns": write_qti.QTI_NS, "xmlns:xsi": write_qti.XSI_NS,
        "xsi:schemaLocation": f"{write_qti.QTI_NS} http://www.imsglobal.org/xsd/ims_qtiasiv1p2p1.xsd"})
    assessment = el(root, "assessment", ident=write_qti.assessment_ident(quiz), title=xml_chars(bank.deck.title))
    field = el(el(assessment, "qtimetadata"), "qtimetadatafield")
    el(field, "fieldlabel", "cc_maxattempts")
    el(field, "fieldentry", "1")
    section = el(assessment, "section", ident="root_section")
    for q in quiz.questions:
        fact = q.fact
        ident = f"errata_{bank.deck.id}_{fact.id}"
        ids = [f"{ident}_{hashlib.sha256(o.text.encode()).hexdigest()[:10]}" for o in q.options]
        item = el(section, "item", ident=ident, title=full_question_name(q))
        md = el(el(item, "itemmetadata"), "qtimetadata")
        for label, entry in [("question_type", "multiple_choice_question"), ("points_possible", "1"),
                             ("original_answer_ids", ",".join(ids)),
                             ("assessment_question_identifierref", f"{ident}_ref")]:
            f = el(md, "qtimetadatafield")
            el(f, "fieldlabel", label)
            el(f, "fieldentry", entry)
        presentation = el(item, "presentation")
        mattext(presentation, f"<p>{full_html(fact.question)}</p>")
        choice = el(el(presentation, "response_lid", ident="response1", rcardinality="Single"), "render_choice")
        wrong = []
        for cid, o in zip(ids, q.options):
            mattext(el(choice, "response_label", ident=cid), full_html(o.text))
            p = o.provenance
            if not o.correct and p is not None and p.kind == "source-error" and p.errors:
                wrong.append((cid, "".join(f"<p>{full_html(w)}</p>" for w in p.whys) + "".join(
                    f"<p>Stated by <em>{plain_html(xml_chars(bank.source_title(e.source)))}</em>: "
                    f"\u201c{plain_html(xml_chars(e.quote))}\u201d</p>" for e in p.errors)))
        processing = el(item, "resprocessing")
        el(el(processing, "outcomes"), "decvar", maxvalue="100", minvalue="0", varname="SCORE", vartype="Decimal")
        condition = el(processing, "respcondition", **{"continue": "Yes"})
        el(el(condition, "conditionvar"), "other")
        el(condition, "displayfeedback", feedbacktype="Response", linkrefid="general_fb")
        for cid, _ in wrong:
            condition = el(processing, "respcondition", **{"continue": "Yes"})
            el(el(condition, "conditionvar"), "varequal", cid, respident="response1")
            el(condition, "displayfeedback", feedbacktype="Response", linkrefid=f"{cid}_fb")
        condition = el(processing, "respcondition", **{"continue": "No"})
        el(el(condition, "conditionvar"), "varequal", ids[q.key_index], respident="response1")
        el(condition, "setvar", "100", action="Set", varname="SCORE")
        general = f"<p>{full_html(fact.explain)}</p>"
        refs = [lms_feedback.reference_line(bank, r) for r in fact.refs]
        if refs:
            general += f"<p>References: {plain_html(xml_chars('; '.join(refs)))}</p>"
        for fb_ident, html in [("general_fb", general)] + [(f"{cid}_fb", html) for cid, html in wrong]:
            mattext(el(el(item, "itemfeedback", ident=fb_ident), "flow_mat"), html)
    return write_qti._xml_bytes(root)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_qti_items_are_what_elementtree_builds_from_the_full_path(hostile, tmp_path, seed):
    quiz = hostile if seed == 0 else scrambled(hostile, seed)
    plain = plain_quiz(tmp_path, seed)
    if seed:   # ids that need escaping, as attributes and as text
        odd = ['a"b', "a&b", "a<b>", "a\tb", "a\nb", "a\rb", "a'b", ""]
        for i, q in enumerate(quiz.questions + plain.questions):
            q.fact.id = odd[(i + seed) % len(odd)] + q.fact.id
    lms_feedback._topic_label.cache_clear()
    for quiz in (quiz, plain):
        with zipfile.ZipFile(io.BytesIO(write_qti.render(quiz))) as zf:
            name = next(n for n in zf.namelist() if n.count("/") == 1 and not n.endswith("assessment_meta.xml")
                        and n.endswith(".xml"))
            assert zf.read(name) == qti_document_by_elementtree(quiz)


def moodle_question_one_text_at_a_time(q, bank, tags: str) -> str:
    """A Moodle XML question with each text's HTML from the full path, escaped on its own."""
    m = write_moodle

    def element(html: str) -> str:
        return f"<text>{m._text(html)}</text>" if html else "<text />"
    answers = ""
    for o in q.options:
        p = o.provenance
        why = ""
        if not o.correct and p is not None and p.kind == "source-error":
            why = "".join(f"<p>{full_html(w)}</p>" for w in p.whys) + "".join(
                f"<p>Stated by <em>{plain_html(xml_chars(bank.source_title(e.source)))}</em>: "
                f"\u201c{plain_html(xml_chars(e.quote))}\u201d</p>" for e in p.errors)
        answers += (f'\n    <answer fraction="{"100" if o.correct else "0"}" format="html">\n'
                    f"      {element(full_html(o.text))}\n"
                    f'      <feedback format="html">\n        {element(why)}\n      </feedback>\n    </answer>')
    general = f"<p>{full_html(q.fact.explain)}</p>"
    refs = [lms_feedback.reference_line(bank, r) for r in q.fact.refs]
    if refs:
        general += f"<p>References: {plain_html(xml_chars('; '.join(refs)))}</p>"
    return (f'  <question type="multichoice">\n    <name>\n      {element(full_question_name(q))}\n    </name>\n'
            f'    <questiontext format="html">\n      {element(full_html(q.fact.question))}\n    </questiontext>\n'
            f'    <generalfeedback format="html">\n      {element(general)}\n    </generalfeedback>\n'
            f"    <defaultgrade>1</defaultgrade>\n    <penalty>0.3333333</penalty>\n    <hidden>0</hidden>\n"
            f"    <idnumber>{m._text(q.fact.id)}</idnumber>\n    <single>true</single>\n"
            f"    <shuffleanswers>true</shuffleanswers>\n    <answernumbering>ABCD</answernumbering>\n"
            f"    <showstandardinstruction>0</showstandardinstruction>{m._EMPTY_FEEDBACK}{answers}{tags}\n"
            f"  </question>")


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_moodle_questions_are_what_one_text_at_a_time_writes(hostile, tmp_path, seed):
    quiz = hostile if seed == 0 else scrambled(hostile, seed)
    plain = plain_quiz(tmp_path, seed)
    lms_feedback._topic_label.cache_clear()
    for quiz in (quiz, plain):
        feedback = lms_feedback.Feedback(quiz.bank)
        for q in quiz.questions:
            assert write_moodle._question(q, feedback, "<tags />") == \
                moodle_question_one_text_at_a_time(q, quiz.bank, "<tags />"), q.fact.id
