"""Writer: Moodle GIFT, one multiple-choice question per generated question.

Escaping follows Moodle's own exporter (``repchar`` in question/format/gift): ``\\ ~ = # { } :``
get a backslash, newlines become ``\\n``. An unescaped ``=`` in an option would silently
make it a second right answer, an unescaped ``#`` would turn the rest into feedback.
Every text is HTML (``[html]``), escaped first, so markup in a fact shows as text.

Each topic becomes a question category under the deck's title; each question is named
readably (topic and the start of its question) and carries its fact id as Moodle's ID
number, in the comment line before it that Moodle's importer reads it from (``// [id:…]``);
every wrong option that a source states carries that source's words
and why they are wrong as its feedback; the explanation is the general feedback.
"""

from __future__ import annotations

import re

from .lms_feedback import general_feedback_html, html_text, option_feedback_html, question_name
from ..quiz import Quiz

SUFFIX = ".gift.txt"
BINARY = False

_SPECIAL = re.compile(r"[\\~=#{}:]")


def escape(text: str) -> str:
    """GIFT-escape text (one pass, so a backslash is never escaped twice)."""
    text = _SPECIAL.sub(lambda m: "\\" + m.group(), text)
    return text.replace("\r", "").replace("\n", "\\n")


def field(html: str) -> str:
    # Moodle reads a leading '[html]', '[plain]'… as the text's format, and a leading '%50%'
    # as an option's weight: a text that starts with '[' or '%' gets it as a character
    # reference instead, which the HTML shows as the same character.
    if html[:1] in ("[", "%"):
        html = f"&#{ord(html[0])};" + html[1:]
    return escape(html)


def category_path(*names: str) -> str:
    # Moodle separates categories with '/' and reads '//' as a '/' inside a name. It reads
    # the line raw except for backslash escapes, which it replaces and never restores: only
    # '\\' comes back (as '\'), so every backslash is doubled and nothing else escaped.
    clean = [" ".join(n.split()).replace("\\", "\\\\").replace("/", "//") for n in names]
    return "/".join(["$course$", "top", *clean])


def id_number(fact_id: str) -> str:
    # Moodle reads '[id:…]' up to the first unescaped ']'.
    return fact_id.replace("]", "\\]")


def comment(text: str) -> str:
    return "// " + " ".join(text.split())


def dumps(quiz: Quiz) -> str:
    bank = quiz.bank
    out = [comment(f"{bank.deck.title} ({bank.deck.id}): {len(quiz.questions)} questions, seed {quiz.seed}, "
                   f"written by Errata"), ""]
    topic = None
    for q in quiz.questions:
        if q.fact.topic != topic:
            topic = q.fact.topic
            out += [f"$CATEGORY: {category_path(bank.deck.title, topic)}", ""]
        lines = [comment(f"[id:{id_number(q.fact.id)}]"),
                 f"::{escape(question_name(q))}::[html]{field(html_text(q.fact.question))}{{"]
        for o in q.options:
            line = ("\t=" if o.correct else "\t~") + field(html_text(o.text))
            feedback = option_feedback_html(o, bank)
            if feedback:
                line += "#" + field(feedback)
            lines.append(line)
        lines.append("\t####" + field(general_feedback_html(q, bank)))
        lines.append("}")
        out += lines + [""]
    return "\n".join(out)


def render(quiz: Quiz) -> bytes:
    return dumps(quiz).encode("utf-8")
