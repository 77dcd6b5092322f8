"""Writer: Moodle XML, one multichoice question per generated question.

What Moodle's importer (question/format/xml, ``import_multichoice``) reads, written out
in full, because a missing element takes a default that is wrong here (a missing
``shuffleanswers`` means *no* shuffling). Each topic becomes a category under the deck's
title; a question's name is readable (topic and the start of its question) and its
``idnumber`` is its fact id, so a re-import is traceable;
every wrong option that a source states carries that source's words and why they are
wrong as its feedback; the explanation is the general feedback. All text is HTML,
escaped, so markup in a fact shows as text.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from .lms_feedback import general_feedback_html, html_text, option_feedback_html, question_name, xml_chars
from ..quiz import Quiz

SUFFIX = ".moodle.xml"
BINARY = False


def category_path(*names: str) -> str:
    # The same '$course$/top/…' path as GIFT, minus GIFT's backslash escaping: XML text is raw.
    clean = [" ".join(n.split()).replace("/", "//") for n in names]
    return "/".join(["$course$", "top", *clean])


def _text(parent: ET.Element, tag: str, text: str, format: str | None = "html", **attrs) -> ET.Element:
    el = ET.SubElement(parent, tag, attrs | ({"format": format} if format else {}))
    ET.SubElement(el, "text").text = text
    return el


def _simple(parent: ET.Element, tag: str, text: str) -> None:
    ET.SubElement(parent, tag).text = text


def quiz_xml(quiz: Quiz) -> ET.Element:
    bank = quiz.bank
    root = ET.Element("quiz")
    note = f"{bank.deck.title} ({bank.deck.id}): {len(quiz.questions)} questions, seed {quiz.seed}, written by Errata"
    # A comment may not hold '--'.
    root.append(ET.Comment(" " + re.sub(r"-(?=-)", "- ", xml_chars(" ".join(note.split()))) + " "))
    topic = None
    for q in quiz.questions:
        if q.fact.topic != topic:
            topic = q.fact.topic
            cat = ET.SubElement(root, "question", type="category")
            _text(cat, "category", xml_chars(category_path(bank.deck.title, topic)), format=None)
            _text(cat, "info", "", format="html")
        item = ET.SubElement(root, "question", type="multichoice")
        _text(item, "name", question_name(q), format=None)
        _text(item, "questiontext", html_text(q.fact.question))
        _text(item, "generalfeedback", general_feedback_html(q, bank))
        _simple(item, "defaultgrade", "1")
        _simple(item, "penalty", "0.3333333")
        _simple(item, "hidden", "0")
        _simple(item, "idnumber", q.fact.id)
        _simple(item, "single", "true")
        _simple(item, "shuffleanswers", "true")
        _simple(item, "answernumbering", "ABCD")
        _simple(item, "showstandardinstruction", "0")
        for tag in ("correctfeedback", "partiallycorrectfeedback", "incorrectfeedback"):
            _text(item, tag, "")
        for o in q.options:
            answer = _text(item, "answer", html_text(o.text), fraction="100" if o.correct else "0")
            _text(answer, "feedback", option_feedback_html(o, bank))
        if q.fact.tags:
            tags = ET.SubElement(item, "tags")
            for t in q.fact.tags:
                _text(tags, "tag", xml_chars(t), format=None)
    return root


def dumps(quiz: Quiz) -> str:
    root = quiz_xml(quiz)
    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def render(quiz: Quiz) -> bytes:
    return dumps(quiz).encode("utf-8")
