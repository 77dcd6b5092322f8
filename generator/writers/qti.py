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
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from ..bank import gc_paused
from .deflate import WINDOW, HeldPieces, deflate_piece
from .lms_feedback import (Feedback, html_plain_xml, html_text, html_text_xml, question_is_plain, question_name,
                           xml_chars)
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


_sha256 = hashlib.sha256


def _is_attr_plain(text: str) -> bool:
    """True when `_attr` (and so `_text`) leaves the text as it is."""
    return not ("&" in text or "<" in text or ">" in text or '"' in text
                or "\r" in text or "\n" in text or "\t" in text)


# `_item`'s template, cut where its values go (each cut named by what follows it).
_MATTEXT, _MATTEXT_END, _MATTEXT_EMPTY = b'<mattext texttype="text/html">', b"</mattext>", b'<mattext texttype="text/html" />'
_ITEM_IDENT = b'\n      <item ident="'
_ITEM_TITLE = b'" title="'
_ITEM_ANSWER_IDS = ('">\n        <itemmetadata>\n          <qtimetadata>' + _META_QUESTION_TYPE
                    + _META_FIELD.format("original_answer_ids", "\0").split("\0")[0]).encode()
_ITEM_REF = (_META_FIELD.format("original_answer_ids", "\0").split("\0")[1]
             + _META_FIELD.format("assessment_question_identifierref", "\0").split("\0")[0]).encode()
_ITEM_QUESTION = ("_ref" + _META_FIELD.format("assessment_question_identifierref", "\0").split("\0")[1]
                  + "\n          </qtimetadata>\n        </itemmetadata>\n        <presentation>\n          <material>\n"
                  '            <mattext texttype="text/html">&lt;p&gt;').encode()
_ITEM_CHOICES = (b'&lt;/p&gt;</mattext>\n          </material>\n'
                 b'          <response_lid ident="response1" rcardinality="Single">\n            <render_choice>')
_CHOICE = b'\n              <response_label ident="'
_CHOICE_TEXT = b'">\n                <material>\n                  '
_CHOICE_END = b"\n                </material>\n              </response_label>"
_ITEM_CONDITIONS = (b"\n            </render_choice>\n          </response_lid>\n        </presentation>\n"
                    b"        <resprocessing>\n          <outcomes>\n"
                    b'            <decvar maxvalue="100" minvalue="0" varname="SCORE" vartype="Decimal" />\n'
                    b"          </outcomes>" + _GENERAL_CONDITION.encode())   # the explanation, whatever the answer
_CONDITION = (b'\n          <respcondition continue="Yes">\n            <conditionvar>\n'
              b'              <varequal respident="response1">')
_CONDITION_LINK = (b'</varequal>\n            </conditionvar>\n'
                   b'            <displayfeedback feedbacktype="Response" linkrefid="')
_CONDITION_END = b'_fb" />\n          </respcondition>'
_ITEM_KEY = (b'\n          <respcondition continue="No">\n            <conditionvar>\n'   # the key scores
             b'              <varequal respident="response1">')
_ITEM_GENERAL = (b'</varequal>\n            </conditionvar>\n'
                 b'            <setvar action="Set" varname="SCORE">100</setvar>\n          </respcondition>\n'
                 b'        </resprocessing>\n        <itemfeedback ident="general_fb">\n          <flow_mat>\n'
                 b"            <material>\n              ")
_FEEDBACK = b'\n        <itemfeedback ident="'
_FEEDBACK_TEXT = b'_fb">\n          <flow_mat>\n            <material>\n              '
_FEEDBACK_END = b"\n            </material>\n          </flow_mat>\n        </itemfeedback>"
_ITEM_END = b"\n      </item>"


def _mattext_bytes(html: str) -> bytes:
    """A <mattext> of text as HTML, the HTML already escaped."""
    return _MATTEXT + html.encode() + _MATTEXT_END if html else _MATTEXT_EMPTY


def _item(q: Question, feedback: Feedback, prefix: str) -> bytes:
    """One <item> on its own line, written at its place in the document (six spaces in), indented as
    ElementTree indents, in UTF-8.

    The items are nearly all of a package, and ElementTree's serializer is pure Python: a
    template is several times faster. The tests read the document back, indent and write it
    again with ElementTree, and require the same bytes; and build it with ElementTree, each text
    by the full path. ``prefix`` is what `item_ident` puts before the fact id.

    The template is bytes, the values encoded one by one: an item as text would be as wide as its
    widest character (the feedback's quotation marks), twice the bytes to copy and then encode.
    Each text goes straight to its escaped HTML (`html_text_xml`: the HTML's tags escaped with it).
    When every text of the question is plain (`question_is_plain`), each is its own HTML stripped.
    """
    fact = q.fact
    options = q.options
    ident = prefix + fact.id                                  # item_ident
    # ids as attribute values and as text (they differ only where an id holds a quote or a line
    # break); an option's is the item's and a hex digest (`option_ident`), which needs no escaping
    if _is_attr_plain(ident):
        ident_attr = ident_text = ident.encode()
    else:
        ident_attr, ident_text = _attr(ident).encode(), _text(ident).encode()
    if question_is_plain(q):
        html = plain = str.strip
    else:
        html, plain = html_text_xml, html_plain_xml
    name = question_name(q)
    out = [_ITEM_IDENT, ident_attr, _ITEM_TITLE, (name if _is_attr_plain(name) else _attr(name)).encode(),
           _ITEM_ANSWER_IDS]
    choices = []
    conditions = []                                           # what a wrong answer reveals
    feedbacks = []
    key = None
    for i, o in enumerate(options):
        digest = _sha256(o.text.encode()).hexdigest()[:10].encode()
        out += (b"," if i else b"", ident_text, b"_", digest)    # original_answer_ids
        choices += (_CHOICE, ident_attr, b"_", digest, _CHOICE_TEXT, _mattext_bytes(html(o.text)), _CHOICE_END)
        if o.correct:
            if key is None:
                key = digest
            continue
        fb = feedback.option_xml(o, html, plain)
        if fb:
            conditions += (_CONDITION, ident_text, b"_", digest, _CONDITION_LINK, ident_attr, b"_", digest,
                           _CONDITION_END)
            feedbacks += (_FEEDBACK, ident_attr, b"_", digest, _FEEDBACK_TEXT, _mattext_bytes(fb), _FEEDBACK_END)
    if key is None:
        raise ValueError(f"the question of {fact.id!r} has no key")
    out += (_ITEM_REF, ident_text, _ITEM_QUESTION, html(fact.question).encode(), _ITEM_CHOICES, *choices,
            _ITEM_CONDITIONS, *conditions, _ITEM_KEY, ident_text, b"_", key, _ITEM_GENERAL,
            _mattext_bytes(feedback.general_xml(q, html)), _FEEDBACK_END, *feedbacks, _ITEM_END)
    return b"".join(out)


# The questions document is compressed in pieces (`deflate.HeldPieces`): its head, then the items in
# groups of this many (counted from the first question, so a group is the same wherever the items
# are made), then its tail. About 1 MB of XML a group: 400 pieces at 100,000 questions, each primed
# with the last 32 KiB of the piece before (a compressed size within 0.1 % of one stream's).
GROUP = 256
# DEFLATE level 1: the XML is repetitive and shrinks ~13x anyway; level 6 takes three times as long
# for a quarter less.
LEVEL = 1


def group_start(i: int) -> int:
    """The first question of the group holding question ``i``: where items made apart may begin."""
    return i - i % GROUP


def _frame(quiz: Quiz, aid: str) -> tuple[bytes, bytes | None]:
    """The questions document around its items: its frame from ElementTree, cut where the items go
    (head, tail); without questions, (the whole document, None)."""
    root = ET.Element("questestinterop", {
        "xmlns": QTI_NS, "xmlns:xsi": XSI_NS,
        "xsi:schemaLocation": f"{QTI_NS} http://www.imsglobal.org/xsd/ims_qtiasiv1p2p1.xsd"})
    assessment = _el(root, "assessment", ident=aid, title=xml_chars(quiz.bank.deck.title))
    _metadata(assessment, [("cc_maxattempts", "1")])
    _el(assessment, "section", ident="root_section")
    frame = _xml_bytes(root)
    if not quiz.questions:
        return frame, None
    head, tail = frame.split(b'<section ident="root_section" />')
    return head + b'<section ident="root_section">', b"\n    </section>" + tail


def assessment_xml(quiz: Quiz, aid: str) -> Iterator[bytes]:
    """The questions document in its pieces: head, each group of items (`item_pieces`), tail."""
    head, tail = _frame(quiz, aid)
    yield head
    if tail is not None:
        yield from item_pieces(quiz, 0, None)
        yield tail


def item_pieces(quiz: Quiz, start: int, stop: int | None) -> Iterator[bytes]:
    """The items of the questions ``start:stop`` as they stand in the questions document (each on
    its own line), a piece for each group of `GROUP` questions (or the part of it in the range).

    In pieces, so that a large quiz streams into the zip instead of standing in memory whole
    (100k questions are ~400 MB of XML)."""
    feedback = Feedback(quiz.bank)
    prefix = f"errata_{quiz.bank.deck.id}_"
    questions = quiz.questions
    stop = len(questions) if stop is None else min(stop, len(questions))
    while start < stop:
        end = min(group_start(start) + GROUP, stop)
        yield b"".join([_item(q, feedback, prefix) for q in questions[start:end]])
        start = end


def _before(quiz: Quiz, start: int) -> bytes:
    """The end (`WINDOW` bytes, or all it has) of the piece before the group that begins at question
    ``start``: the head, or the group before's last items, made again (they are independent)."""
    if start == 0:
        return _frame(quiz, assessment_ident(quiz))[0][-WINDOW:]
    feedback = Feedback(quiz.bank)
    prefix = f"errata_{quiz.bank.deck.id}_"
    items: list[bytes] = []
    size, i = 0, start
    while size < WINDOW and i > start - GROUP:
        i -= 1
        items.append(_item(quiz.questions[i], feedback, prefix))
        size += len(items[-1])
    return b"".join(reversed(items))[-WINDOW:]


@dataclass
class DeflatedItems:
    """The items from question ``start`` on (``start`` a group's first), compressed apart as pieces of
    the questions document's stream: ``size`` bytes of XML with CRC-32 ``crc``, their last `WINDOW`
    bytes ``tail``; the ``packed`` compressed bytes went to the caller's ``write``."""

    start: int
    crc: int
    size: int
    tail: bytes
    packed: int


def deflate_items(quiz: Quiz, start: int, write: Callable[[bytes], object]) -> DeflatedItems:
    """The items from question ``start`` (`group_start` of some question) on, compressed as `render`
    compresses them, the compressed bytes given to ``write`` in order."""
    if start != group_start(start):
        raise ValueError(f"items made apart begin at a group's first question, not at {start}")
    with gc_paused():   # a few lists an item, none in a cycle, as in `render`
        primer = _before(quiz, start)
        crc = size = packed = 0
        for piece in item_pieces(quiz, start, None):
            data = deflate_piece(piece, primer, False, LEVEL)
            write(data)
            crc, size, primer, packed = zlib.crc32(piece, crc), size + len(piece), piece[-WINDOW:], packed + len(data)
    return DeflatedItems(start, crc, size, primer, packed)


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


def _entry(path: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(path, date_time=ZIP_TIME)
    if path.endswith("/"):
        info.external_attr = (0o40755 << 16) | 0x10
        return info
    info.external_attr = 0o644 << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    info._compresslevel = LEVEL   # ZipInfo's own level: public as compress_level from 3.13
    return info


def render(quiz: Quiz,
           later: tuple[int, Callable[[], tuple[DeflatedItems, Iterable[bytes]]]] | None = None) -> bytes:
    """The package. ``later``: where the items compressed apart (`deflate_items`) begin, and what
    waits for them and gives them with their compressed bytes: the same package as when they are
    made here."""
    aid = assessment_ident(quiz)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf, gc_paused():
        zf.writestr(_entry("imsmanifest.xml"), _xml_bytes(manifest_xml(quiz, aid)))
        zf.writestr(_entry("non_cc_assessments/"), b"")
        zf.writestr(_entry(f"{aid}/assessment_meta.xml"), _xml_bytes(assessment_meta_xml(quiz, aid)))
        with zf.open(_entry(f"{aid}/{aid}.xml"), "w") as out:
            pieces = out._compressor = HeldPieces(LEVEL)
            head, tail = _frame(quiz, aid)
            out.write(head)
            if tail is not None:
                for piece in item_pieces(quiz, 0, None if later is None else later[0]):
                    out.write(piece)
                if later is not None:
                    done, compressed = later[1]()
                    if done.start != later[0]:
                        raise ValueError(f"items compressed from {done.start}, not {later[0]}")
                    if pieces.splice(out, compressed, done.crc, done.size, done.tail) != done.packed:
                        raise OSError("the items compressed apart were not read back whole")
                out.write(tail)
    return buf.getvalue()
