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

import functools
import re

from .lms_feedback import Feedback, html_plain, html_text, question_is_plain, question_name, with_categories
from ..quiz import Quiz

SUFFIX = ".gift.txt"
BINARY = False

_SPECIAL = re.compile(r"[\\~=#{}:]")   # the characters GIFT escapes (ASCII all)


@functools.lru_cache(maxsize=4)
def _special_chars(special: re.Pattern) -> tuple[str, ...]:
    """The characters of the class, the backslash first."""
    return tuple(sorted((c for c in map(chr, range(128)) if special.fullmatch(c)), key=lambda c: c != "\\"))


def escape(text: str) -> str:
    """GIFT-escape text: a backslash before each special character. One character at a time with
    str.replace, several times faster than a regular expression's substitution; the backslash
    first, so that no backslash put in is escaped again."""
    for c in _special_chars(_SPECIAL):
        if c in text:
            text = text.replace(c, "\\" + c)
    return text.replace("\r", "").replace("\n", "\\n")


def field(html: str) -> str:
    return escape(unmarked(html))


def unmarked(html: str) -> str:
    # Moodle reads a leading '[html]', '[plain]'… as the text's format, and a leading '%50%'
    # as an option's weight: a text that starts with '[' or '%' gets it as a character
    # reference instead, which the HTML shows as the same character.
    if html[:1] in ("[", "%"):
        return f"&#{ord(html[0])};" + html[1:]
    return html


# Between a question's texts while they are escaped together, in one call instead of one a
# text: no text holds it (names and HTML drop control characters) and escaping leaves it.
_APART = "\x00"


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


def _header(quiz: Quiz) -> str:
    bank = quiz.bank
    return comment(f"{bank.deck.title} ({bank.deck.id}): {len(quiz.questions)} questions, seed {quiz.seed}, "
                   f"written by Errata")


def _lines(quiz: Quiz, start: int, stop: int | None) -> list[str]:
    """The lines of the questions ``start:stop`` (a category's line wherever the topic changes)."""
    bank = quiz.bank
    feedback = Feedback(bank)
    out: list[str] = []
    append = out.append
    for category, q in with_categories(quiz.questions[start:stop],
                                       lambda topic: f"$CATEGORY: {category_path(bank.deck.title, topic)}\n",
                                       quiz.questions[start - 1] if start > 0 else None):
        if category:
            append(category)
        fact = q.fact
        options = q.options
        if question_is_plain(q):   # each text is then its own HTML, stripped
            html = verbatim = str.strip
        else:
            html, verbatim = html_text, html_plain
        texts = [question_name(q), unmarked(html(fact.question))]
        for o in options:
            texts += (unmarked(html(o.text)), unmarked(feedback.option(o, html, verbatim)))
        texts.append(unmarked(feedback.general(q, html)))
        texts = escape(_APART.join(texts)).split(_APART)
        append(comment(f"[id:{id_number(fact.id)}]"))
        append(f"::{texts[0]}::[html]{texts[1]}{{")
        for i, o in enumerate(q.options, 1):
            text, wrong = texts[2 * i], texts[2 * i + 1]
            append(f"\t{'=' if o.correct else '~'}{text}#{wrong}" if wrong else f"\t{'=' if o.correct else '~'}{text}")
        append(f"\t####{texts[-1]}\n}}\n")
    return out


def dumps(quiz: Quiz) -> str:
    return "\n".join([_header(quiz), "", *_lines(quiz, 0, None)])


def render(quiz: Quiz) -> bytes:
    return dumps(quiz).encode("utf-8")


def render_part(quiz: Quiz, start: int, stop: int) -> bytes:
    """The bytes of `render` that hold the questions ``start:stop`` (0 <= start < stop), the header
    with the first: the parts of consecutive ranges put together are `render`'s bytes."""
    if start == 0:
        return "\n".join([_header(quiz), "", *_lines(quiz, 0, stop)]).encode("utf-8")
    return ("\n" + "\n".join(_lines(quiz, start, stop))).encode("utf-8")
