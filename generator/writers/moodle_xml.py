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
from .lms_feedback import (Feedback, html_plain_xml, html_text_xml, question_is_plain, question_name,
                           with_categories, xml_chars)
from ..quiz import Question, Quiz

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


def _text_element(text: str) -> str:
    return f"<text>{_text(text)}</text>" if text else "<text />"


def _question(q: Question, feedback: Feedback, tags: str) -> str:
    """One multichoice <question>, two spaces in. A text template: the documents are large and
    ElementTree's serializer is pure Python; the tests read each one back and write it again with
    ElementTree, and require the same bytes.

    Each text goes straight to its escaped HTML (`html_text_xml`); when every text of the question
    is plain (`question_is_plain`), each is its own HTML stripped."""
    fact = q.fact
    options = q.options
    if question_is_plain(q):
        html = plain = str.strip
    else:
        html, plain = html_text_xml, html_plain_xml
    answers = []
    for o in options:
        text = html(o.text)
        why = "" if o.correct else feedback.option_xml(o, html, plain)
        answers.append(
            f'\n    <answer fraction="{"100" if o.correct else "0"}" format="html">\n'
            f"      {f'<text>{text}</text>' if text else '<text />'}\n"
            f'      <feedback format="html">\n        {f"<text>{why}</text>" if why else "<text />"}\n      </feedback>\n'
            f"    </answer>")
    question = html(fact.question)
    return (f'  <question type="multichoice">\n    <name>\n      {_text_element(question_name(q))}\n    </name>\n'
            f'    <questiontext format="html">\n      {f"<text>{question}</text>" if question else "<text />"}\n'
            f"    </questiontext>\n"
            f'    <generalfeedback format="html">\n      <text>{feedback.general_xml(q, html)}</text>\n'
            f"    </generalfeedback>\n"
            f"    <defaultgrade>1</defaultgrade>\n    <penalty>0.3333333</penalty>\n    <hidden>0</hidden>\n"
            f"    <idnumber>{_text(fact.id)}</idnumber>\n    <single>true</single>\n"
            f"    <shuffleanswers>true</shuffleanswers>\n    <answernumbering>ABCD</answernumbering>\n"
            f"    <showstandardinstruction>0</showstandardinstruction>{_EMPTY_FEEDBACK}{''.join(answers)}{tags}\n"
            f"  </question>")


def _tags(tags: list[str]) -> str:
    if not tags:
        return ""
    return "\n    <tags>" + "".join(f"\n{_field('tag', xml_chars(t), '      ', None)}" for t in tags) + "\n    </tags>"


def _category(path: str) -> str:
    return (f'  <question type="category">\n{_field("category", path, "    ", None)}\n'
            f'{_field("info", "", "    ")}\n  </question>')


def render(quiz: Quiz) -> bytes:
    return render_part(quiz, 0, len(quiz.questions))


def render_part(quiz: Quiz, start: int, stop: int) -> bytes:
    """The bytes of `render` that hold the questions ``start:stop``: with the document's head when
    ``start`` is 0, its tail when ``stop`` is the last, so that the parts of consecutive ranges put
    together are `render`'s bytes."""
    bank = quiz.bank
    parts = []
    if start == 0:
        note = (f"{bank.deck.title} ({bank.deck.id}): {len(quiz.questions)} questions, seed {quiz.seed}, "
                f"written by Errata")
        # A comment may not hold '--', and is written as it is.
        parts += ['<?xml version="1.0" encoding="UTF-8"?>\n<quiz>\n'.encode(),
                  f"  <!-- {re.sub(r'-(?=-)', '- ', xml_chars(' '.join(note.split())))} -->".encode("utf-8")]
    feedback = Feedback(bank)
    # What many questions share, made once: a topic's category, a set of tags.
    tag_sets: dict[tuple[str, ...], str] = {}

    def category_of(topic: str) -> bytes:
        return f"\n{_category(xml_chars(category_path(bank.deck.title, topic)))}".encode("utf-8")

    with gc_paused():
        # Each piece encoded at once: one large text would take twice the memory.
        for category, q in with_categories(quiz.questions[start:stop], category_of,
                                           quiz.questions[start - 1] if start > 0 else None):
            if category:
                parts.append(category)
            fact = q.fact
            key = tuple(fact.tags)
            tags = tag_sets.get(key)
            if tags is None:
                tags = tag_sets[key] = _tags(fact.tags)
            parts.append(f"\n{_question(q, feedback, tags)}".encode("utf-8"))
    if stop >= len(quiz.questions):
        parts.append(b"\n</quiz>\n")
    return b"".join(parts)


def dumps(quiz: Quiz) -> str:
    return render(quiz).decode("utf-8")
