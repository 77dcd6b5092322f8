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
import xml.etree.ElementTree as ET
import zipfile

from .lms_feedback import general_feedback_html, html_text, option_feedback_html, question_name, xml_chars
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
    return f"errata_{quiz.bank.deck.id}_{q.fact.id}"


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


def _mattext(parent: ET.Element, html: str) -> None:
    _el(_el(parent, "material"), "mattext", html, texttype="text/html")


def _item(section: ET.Element, quiz: Quiz, q: Question) -> None:
    bank = quiz.bank
    ident = item_ident(quiz, q)
    choice_ids = [option_ident(quiz, q, o) for o in q.options]
    item = _el(section, "item", ident=ident, title=question_name(q))
    _metadata(_el(item, "itemmetadata"), [
        ("question_type", "multiple_choice_question"),
        ("points_possible", "1"),
        ("original_answer_ids", ",".join(choice_ids)),
        ("assessment_question_identifierref", f"{ident}_ref"),
    ])
    presentation = _el(item, "presentation")
    _mattext(presentation, f"<p>{html_text(q.fact.question)}</p>")
    lid = _el(presentation, "response_lid", ident="response1", rcardinality="Single")
    choices = _el(lid, "render_choice")
    for cid, o in zip(choice_ids, q.options):
        _mattext(_el(choices, "response_label", ident=cid), html_text(o.text))

    feedback = [(cid, option_feedback_html(o, bank)) for cid, o in zip(choice_ids, q.options)]
    feedback = [(cid, fb) for cid, fb in feedback if fb]
    rp = _el(item, "resprocessing")
    _el(_el(rp, "outcomes"), "decvar", maxvalue="100", minvalue="0", varname="SCORE", vartype="Decimal")
    cond = _el(rp, "respcondition", **{"continue": "Yes"})      # the explanation, whatever the answer
    _el(_el(cond, "conditionvar"), "other")
    _el(cond, "displayfeedback", feedbacktype="Response", linkrefid="general_fb")
    for cid, _ in feedback:                                    # what a wrong answer reveals
        cond = _el(rp, "respcondition", **{"continue": "Yes"})
        _el(_el(cond, "conditionvar"), "varequal", cid, respident="response1")
        _el(cond, "displayfeedback", feedbacktype="Response", linkrefid=f"{cid}_fb")
    cond = _el(rp, "respcondition", **{"continue": "No"})       # the key scores
    _el(_el(cond, "conditionvar"), "varequal", choice_ids[q.key_index], respident="response1")
    _el(cond, "setvar", "100", action="Set", varname="SCORE")

    for fb_ident, html in [("general_fb", general_feedback_html(q, bank))] + [(f"{c}_fb", fb) for c, fb in feedback]:
        _mattext(_el(_el(item, "itemfeedback", ident=fb_ident), "flow_mat"), html)


def assessment_xml(quiz: Quiz, aid: str) -> ET.Element:
    root = ET.Element("questestinterop", {
        "xmlns": QTI_NS, "xmlns:xsi": XSI_NS,
        "xsi:schemaLocation": f"{QTI_NS} http://www.imsglobal.org/xsd/ims_qtiasiv1p2p1.xsd"})
    assessment = _el(root, "assessment", ident=aid, title=xml_chars(quiz.bank.deck.title))
    _metadata(assessment, [("cc_maxattempts", "1")])
    section = _el(assessment, "section", ident="root_section")
    for q in quiz.questions:
        _item(section, quiz, q)
    return root


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


def package_files(quiz: Quiz) -> dict[str, bytes]:
    """The package's files by path, in zip order (a path ending in '/' is a folder)."""
    aid = assessment_ident(quiz)
    return {
        "imsmanifest.xml": _xml_bytes(manifest_xml(quiz, aid)),
        "non_cc_assessments/": b"",
        f"{aid}/assessment_meta.xml": _xml_bytes(assessment_meta_xml(quiz, aid)),
        f"{aid}/{aid}.xml": _xml_bytes(assessment_xml(quiz, aid)),
    }


def render(quiz: Quiz) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for path, data in package_files(quiz).items():
            info = zipfile.ZipInfo(path, date_time=ZIP_TIME)
            if path.endswith("/"):
                info.external_attr = (0o40755 << 16) | 0x10
                zf.writestr(info, b"")
            else:
                info.external_attr = 0o644 << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, data)
    return buf.getvalue()
