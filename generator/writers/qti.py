"""Writer: a QTI 1.2 package for Canvas (a zip), in the layout Canvas imports.

The layout is the one text2qti's packages use and Canvas accepts:

    imsmanifest.xml              the package: one imsqti_xmlv1p2 resource, depending on…
    <id>/assessment_meta.xml     …Canvas's quiz settings (cccv1p0)
    <id>/<id>.xml                the questions (questestinterop)
    non_cc_assessments/          empty

Each question is a ``multiple_choice_question`` worth one point. Feedback: the
explanation for every answer (``general_fb``), and, for each wrong option that a source
states, that source's words and why they are wrong. Identifiers come from the deck and
fact ids, so the same fact has the same item ident in every export; an item's title is
readable (topic and the start of its question); option idents come from the option's text. The zip has fixed timestamps: the same quiz gives the same bytes.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable, Iterator
import xml.etree.ElementTree as ET
import zipfile

from ..bank import gc_paused
from .lms_feedback import Feedback, html_text, question_name, xml_chars
from ..quiz import Option, Question, Quiz

SUFFIX = ".qti.zip"
BINARY = True

QTI_NS = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"
CP_NS = "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"
MD_NS = "http://www.imsglobal.org/xsd/imsmd_v1p2"
CANVAS_NS = "http://canvas.instructure.com/xsd/cccv1p0"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def _digest(text: str, n: int = 12) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:n]


def assessment_ident(quiz: Quiz) -> str:
    """Stable for the same deck and the same questions; another selection is another quiz."""
    ids = "\x1f".join(q.fact.id for q in quiz.questions)
    return f"errata_{quiz.bank.deck.id}_{_digest(ids)}"


def item_ident(quiz: Quiz, q: Question) -> str:
    return f"errata_{quiz.bank.deck.id}_{q.fact.id}"   # as `_item` writes it


def option_ident(quiz: Quiz, q: Question, o: Option) -> str:
    return f"{item_ident(quiz, q)}_{_digest(o.text, 10)}"


def _el(parent: ET.Element, tag: str, text: str | None = None, **attrs) -> ET.Element:
    el = ET.SubElement(parent, tag, attrs)
    if text is not None:
        el.text = text
    return el


def _metadata(parent: ET.Element, fields: list[tuple[str, str]]) -> None:
    md = _el(parent, "qtimetadata")
    for label, entry in fields:
        f = _el(md, "qtimetadatafield")
        _el(f, "fieldlabel", label)
        _el(f, "fieldentry", entry)


def _text(text: str) -> str:
    """XML character data, escaped as ElementTree escapes it."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _attr(text: str) -> str:
    """An XML attribute value, escaped as ElementTree escapes it."""
    return (_text(text).replace('"', "&quot;").replace("\r", "&#13;").replace("\n", "&#10;")
            .replace("\t", "&#09;"))


def _mattext(html: str, indent: str) -> str:
    """A <material><mattext> pair at ``indent``, text as HTML."""
    inner = f'<mattext texttype="text/html">{_text(html)}</mattext>' if html else '<mattext texttype="text/html" />'
    return f"{indent}<material>\n{indent}  {inner}\n{indent}</material>"


_META_FIELD = ("\n            <qtimetadatafield>\n              <fieldlabel>{}</fieldlabel>"
               "\n              <fieldentry>{}</fieldentry>\n            </qtimetadatafield>")
_META_QUESTION_TYPE = (_META_FIELD.format("question_type", "multiple_choice_question")
                       + _META_FIELD.format("points_possible", "1"))
_GENERAL_CONDITION = """
          <respcondition continue="Yes">
            <conditionvar>
              <other />
            </conditionvar>
            <displayfeedback feedbacktype="Response" linkrefid="general_fb" />
          </respcondition>"""


def _item(q: Question, feedback: Feedback, prefix: str) -> str:
    """One <item>, written at its place in the document (six spaces in), indented as ElementTree indents.

    The items are nearly all of a package, and ElementTree's serializer is pure Python: a
    text template is several times faster. The tests read the document back, indent and
    write it again with ElementTree, and require the same bytes. ``prefix`` is what
    `item_ident` puts before the fact id.
    """
    ident = f"{prefix}{q.fact.id}"                            # item_ident
    # ids as attribute values and as text (they differ only where an id holds a quote or a line
    # break); an option's is the item's and a hex digest (`option_ident`), which needs no escaping
    ident_attr, ident_text = _attr(ident), _text(ident)
    digests = [_digest(o.text, 10) for o in q.options]
    attr_ids = [f"{ident_attr}_{d}" for d in digests]
    text_ids = [f"{ident_text}_{d}" for d in digests]
    meta = (f"{_META_QUESTION_TYPE}{_META_FIELD.format('original_answer_ids', ','.join(text_ids))}"
            f"{_META_FIELD.format('assessment_question_identifierref', ident_text + '_ref')}")
    choices = "".join(
        f'\n              <response_label ident="{cid}">\n'
        f"{_mattext(html_text(o.text), '                ')}\n              </response_label>"
        for cid, o in zip(attr_ids, q.options))
    wrong = [(attr_id, text_id, fb) for attr_id, text_id, fb
             in zip(attr_ids, text_ids, map(feedback.option, q.options)) if fb]
    conditions = "".join(                                     # what a wrong answer reveals
        f'\n          <respcondition continue="Yes">\n            <conditionvar>\n'
        f'              <varequal respident="response1">{text_id}</varequal>\n            </conditionvar>\n'
        f'            <displayfeedback feedbacktype="Response" linkrefid="{attr_id}_fb" />\n'
        f"          </respcondition>"
        for attr_id, text_id, _ in wrong)
    feedbacks = "".join(
        f'\n        <itemfeedback ident="{fb_ident}">\n          <flow_mat>\n'
        f"{_mattext(html, '            ')}\n          </flow_mat>\n        </itemfeedback>"
        for fb_ident, html in [("general_fb", feedback.general(q))] + [(f"{attr_id}_fb", fb) for attr_id, _, fb in wrong])
    return (
        f'<item ident="{ident_attr}" title="{_attr(question_name(q))}">\n'
        f"        <itemmetadata>\n          <qtimetadata>{meta}\n          </qtimetadata>\n        </itemmetadata>\n"
        f"        <presentation>\n{_mattext(f'<p>{html_text(q.fact.question)}</p>', '          ')}\n"
        f'          <response_lid ident="response1" rcardinality="Single">\n'
        f"            <render_choice>{choices}\n            </render_choice>\n          </response_lid>\n"
        f"        </presentation>\n"
        f"        <resprocessing>\n          <outcomes>\n"
        f'            <decvar maxvalue="100" minvalue="0" varname="SCORE" vartype="Decimal" />\n'
        f"          </outcomes>{_GENERAL_CONDITION}{conditions}\n"   # the explanation, whatever the answer
        f'          <respcondition continue="No">\n            <conditionvar>\n'   # the key scores
        f'              <varequal respident="response1">{text_ids[q.key_index]}</varequal>\n'
        f"            </conditionvar>\n"
        f'            <setvar action="Set" varname="SCORE">100</setvar>\n          </respcondition>\n'
        f"        </resprocessing>{feedbacks}\n      </item>")


# Items gathered into pieces of about this many characters before they are encoded and
# compressed: fewer, larger calls; DEFLATE writes the same bytes however its input is cut.
_PIECE = 1 << 20


def assessment_xml(quiz: Quiz, aid: str, items: Iterable[bytes] | None = None) -> Iterator[bytes]:
    """The questions document in pieces: its frame from ElementTree, each item from `_item`
    (``items``: every item's bytes, from `item_pieces`, when made elsewhere).

    In pieces, so that a large quiz streams into the zip instead of standing in memory whole
    (100k questions are ~400 MB of XML).
    """
    root = ET.Element("questestinterop", {
        "xmlns": QTI_NS, "xmlns:xsi": XSI_NS,
        "xsi:schemaLocation": f"{QTI_NS} http://www.imsglobal.org/xsd/ims_qtiasiv1p2p1.xsd"})
    assessment = _el(root, "assessment", ident=aid, title=xml_chars(quiz.bank.deck.title))
    _metadata(assessment, [("cc_maxattempts", "1")])
    _el(assessment, "section", ident="root_section")
    frame = _xml_bytes(root)
    if not quiz.questions:
        yield frame
        return
    head, tail = frame.split(b'<section ident="root_section" />')
    yield head + b'<section ident="root_section">'
    yield from item_pieces(quiz, 0, None) if items is None else items
    yield b"\n    </section>" + tail


def item_pieces(quiz: Quiz, start: int, stop: int | None) -> Iterator[bytes]:
    """The items of the questions ``start:stop`` as they stand in the questions document (each on
    its own line), in pieces of about `_PIECE` characters."""
    feedback = Feedback(quiz.bank)
    prefix = f"errata_{quiz.bank.deck.id}_"
    items: list[str] = []
    size = 0
    for q in quiz.questions[start:stop]:
        item = _item(q, feedback, prefix)
        items.append(item)
        size += len(item)
        if size >= _PIECE:
            yield "\n      ".join(["", *items]).encode("utf-8")
            items, size = [], 0
    if items:
        yield "\n      ".join(["", *items]).encode("utf-8")


# Canvas's quiz settings, as text2qti writes them (Canvas fills in nothing it can rely on).
_QUIZ_SETTINGS = [
    ("shuffle_answers", "true"), ("scoring_policy", "keep_highest"), ("hide_results", ""),
    ("quiz_type", "assignment"), ("points_possible", None), ("require_lockdown_browser", "false"),
    ("require_lockdown_browser_for_results", "false"), ("require_lockdown_browser_monitor", "false"),
    ("lockdown_browser_monitor_data", ""), ("show_correct_answers", "true"), ("anonymous_submissions", "false"),
    ("could_be_locked", "false"), ("allowed_attempts", "1"), ("one_question_at_a_time", "false"),
    ("cant_go_back", "false"), ("available", "false"), ("one_time_results", "false"),
    ("show_correct_answers_last_attempt", "false"), ("only_visible_to_overrides", "false"),
    ("module_locked", "false"),
]
_ASSIGNMENT_SETTINGS = [
    ("due_at", ""), ("lock_at", ""), ("unlock_at", ""), ("module_locked", "false"),
    ("workflow_state", "unpublished"), ("assignment_overrides", ""), ("quiz_identifierref", None),
    ("allowed_extensions", ""), ("has_group_category", "false"), ("points_possible", None),
    ("grading_type", "points"), ("all_day", "false"), ("submission_types", "online_quiz"), ("position", "1"),
    ("turnitin_enabled", "false"), ("vericite_enabled", "false"), ("peer_review_count", "0"),
    ("peer_reviews", "false"), ("automatic_peer_reviews", "false"), ("anonymous_peer_reviews", "false"),
    ("grade_group_students_individually", "false"), ("freeze_on_copy", "false"),
    ("omit_from_final_grade", "false"), ("intra_group_peer_reviews", "false"),
    ("only_visible_to_overrides", "false"), ("post_to_sis", "false"), ("moderated_grading", "false"),
    ("grader_count", "0"), ("grader_comments_visible_to_graders", "true"), ("anonymous_grading", "false"),
    ("graders_anonymous_to_graders", "false"), ("grader_names_visible_to_final_grader", "true"),
    ("anonymous_instructor_annotations", "false"),
]


def assessment_meta_xml(quiz: Quiz, aid: str) -> ET.Element:
    deck = quiz.bank.deck
    points = f"{len(quiz.questions):.1f}"
    root = ET.Element("quiz", {
        "identifier": aid, "xmlns": CANVAS_NS, "xmlns:xsi": XSI_NS,
        "xsi:schemaLocation": f"{CANVAS_NS} https://canvas.instructure.com/xsd/cccv1p0.xsd"})
    _el(root, "title", xml_chars(deck.title))
    _el(root, "description", f"<p>{html_text(deck.description)}</p>" if deck.description else "")
    for tag, value in _QUIZ_SETTINGS:
        _el(root, tag, points if tag == "points_possible" else value)
    assignment = _el(root, "assignment", identifier=f"{aid}_assignment")
    _el(assignment, "title", xml_chars(deck.title))
    for tag, value in _ASSIGNMENT_SETTINGS:
        _el(assignment, tag, {"points_possible": points, "quiz_identifierref": aid}.get(tag, value))
    _el(_el(assignment, "post_policy"), "post_manually", "false")
    _el(root, "assignment_group_identifierref", f"{aid}_group")
    _el(root, "assignment_overrides", "")
    return root


def manifest_xml(quiz: Quiz, aid: str) -> ET.Element:
    root = ET.Element("manifest", {
        "identifier": f"{aid}_manifest", "xmlns": CP_NS, "xmlns:imsmd": MD_NS, "xmlns:xsi": XSI_NS,
        "xsi:schemaLocation": f"{CP_NS} http://www.imsglobal.org/xsd/imscp_v1p1.xsd "
                              f"{MD_NS} http://www.imsglobal.org/xsd/imsmd_v1p2p2.xsd"})
    metadata = _el(root, "metadata")
    _el(metadata, "schema", "IMS Content")
    _el(metadata, "schemaversion", "1.1.3")
    title = _el(_el(_el(metadata, "imsmd:lom"), "imsmd:general"), "imsmd:title")
    _el(title, "imsmd:string", xml_chars(quiz.bank.deck.title))
    _el(root, "organizations")
    resources = _el(root, "resources")
    res = _el(resources, "resource", identifier=aid, type="imsqti_xmlv1p2")
    _el(res, "file", href=f"{aid}/{aid}.xml")
    _el(res, "dependency", identifierref=f"{aid}_meta")
    meta = _el(resources, "resource", identifier=f"{aid}_meta",
               type="associatedcontent/imscc_xmlv1p1/learning-application-resource",
               href=f"{aid}/assessment_meta.xml")
    _el(meta, "file", href=f"{aid}/assessment_meta.xml")
    return root


def _xml_bytes(root: ET.Element) -> bytes:
    ET.indent(root, space="  ")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n").encode()


def package_files(quiz: Quiz, items: Iterable[bytes] | None = None) -> dict[str, Iterable[bytes]]:
    """The package's files by path, each in pieces, in zip order (a path ending in '/' is a folder).
    ``items``: as `assessment_xml` takes them."""
    aid = assessment_ident(quiz)
    return {
        "imsmanifest.xml": [_xml_bytes(manifest_xml(quiz, aid))],
        "non_cc_assessments/": [],
        f"{aid}/assessment_meta.xml": [_xml_bytes(assessment_meta_xml(quiz, aid))],
        f"{aid}/{aid}.xml": assessment_xml(quiz, aid, items),
    }


def render(quiz: Quiz, items: Iterable[bytes] | None = None) -> bytes:
    """The package. ``items``: every item's bytes in order, when made elsewhere (pieces of
    `item_pieces` for consecutive ranges of the questions: the same bytes however they are cut)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf, gc_paused():
        for path, pieces in package_files(quiz, items).items():
            info = zipfile.ZipInfo(path, date_time=ZIP_TIME)
            if path.endswith("/"):
                info.external_attr = (0o40755 << 16) | 0x10
                zf.writestr(info, b"")
                continue
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            # DEFLATE level 1: the XML is repetitive and shrinks ~13x anyway; level 6 takes three
            # times as long for a quarter less. (ZipInfo's own level: public as compress_level from 3.13.)
            info._compresslevel = 1
            with zf.open(info, "w") as out:
                for piece in pieces:
                    out.write(piece)
    return buf.getvalue()
