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

from ..bank import gc_paused
from .lms_feedback import general_feedback_html, html_text, option_feedback_html, question_name, xml_chars
from ..quiz import Option, Question, Quiz

SUFFIX = ".moodle.xml"
BINARY = False


def category_path(*names: str) -> str:
    # The same '$course$/top/…' path as GIFT, minus GIFT's backslash escaping: XML text is raw.
    clean = [" ".join(n.split()).replace("/", "//") for n in names]
    return "/".join(["$course$", "top", *clean])


def _text(text: str) -> str:
    """XML character data, escaped as ElementTree escapes it."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _field(tag: str, text: str, indent: str, format: str | None = "html") -> str:
    """``<tag format="html"><text>…</text></tag>`` at ``indent``, as ElementTree indents it."""
    inner = f"<text>{_text(text)}</text>" if text else "<text />"
    fmt = f' format="{format}"' if format else ""
    return f"{indent}<{tag}{fmt}>\n{indent}  {inner}\n{indent}</{tag}>"


_EMPTY_FEEDBACK = "".join(f"\n{_field(tag, '', '    ')}"
                          for tag in ("correctfeedback", "partiallycorrectfeedback", "incorrectfeedback"))


def _answer(o: Option, bank) -> str:
    text = html_text(o.text)
    return (f'\n    <answer fraction="{"100" if o.correct else "0"}" format="html">\n'
            f"      {f'<text>{_text(text)}</text>' if text else '<text />'}\n"
            f"{_field('feedback', option_feedback_html(o, bank), '      ')}\n    </answer>")


def _question(q: Question, bank) -> str:
    """One multichoice <question>, two spaces in. A text template: the documents are large and
    ElementTree's serializer is pure Python; the tests read each one back and write it again with
    ElementTree, and require the same bytes."""
    fid = _text(q.fact.id)
    answers = "".join(_answer(o, bank) for o in q.options)
    tags = ""
    if q.fact.tags:
        tags = "\n    <tags>" + "".join(f"\n{_field('tag', xml_chars(t), '      ', None)}"
                                         for t in q.fact.tags) + "\n    </tags>"
    return (f'  <question type="multichoice">\n{_field("name", question_name(q), "    ", None)}\n'
            f'{_field("questiontext", html_text(q.fact.question), "    ")}\n'
            f'{_field("generalfeedback", general_feedback_html(q, bank), "    ")}\n'
            f"    <defaultgrade>1</defaultgrade>\n    <penalty>0.3333333</penalty>\n    <hidden>0</hidden>\n"
            f"    <idnumber>{fid}</idnumber>\n    <single>true</single>\n"
            f"    <shuffleanswers>true</shuffleanswers>\n    <answernumbering>ABCD</answernumbering>\n"
            f"    <showstandardinstruction>0</showstandardinstruction>{_EMPTY_FEEDBACK}{answers}{tags}\n"
            f"  </question>")


def _category(path: str) -> str:
    return (f'  <question type="category">\n{_field("category", path, "    ", None)}\n'
            f'{_field("info", "", "    ")}\n  </question>')


def render(quiz: Quiz) -> bytes:
    bank = quiz.bank
    note = f"{bank.deck.title} ({bank.deck.id}): {len(quiz.questions)} questions, seed {quiz.seed}, written by Errata"
    # A comment may not hold '--', and is written as it is.
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<quiz>\n'.encode(),
             f"  <!-- {re.sub(r'-(?=-)', '- ', xml_chars(' '.join(note.split())))} -->".encode("utf-8")]
    topic = None
    with gc_paused():
        for q in quiz.questions:  # each piece encoded at once: one large text would take twice the memory
            if q.fact.topic != topic:
                topic = q.fact.topic
                parts.append(f"\n{_category(xml_chars(category_path(bank.deck.title, topic)))}".encode("utf-8"))
            parts.append(f"\n{_question(q, bank)}".encode("utf-8"))
    parts.append(b"\n</quiz>\n")
    return b"".join(parts)


def dumps(quiz: Quiz) -> str:
    return render(quiz).decode("utf-8")
