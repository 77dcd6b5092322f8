"""What an LMS shows after an answer, as HTML, and what it names a question by: shared by the
GIFT, Moodle XML and QTI writers.

- A question's name: its topic and the start of its question, readable in a question bank;
  the fact id goes where the LMS keeps an ID number.

- A wrong option that sources state: why it is wrong, then each source and its words.
- The general feedback: the explanation, then the references.
- The key, curated and borrowed options: no per-option feedback (the general one says it all).

Every text from the bank is escaped, so `<script>` shows as text; the only tags are ours and
those of the bank's markup subset (`generator.text.markup`).
"""

from __future__ import annotations

import functools
import re
from typing import Callable, Iterator, TypeVar

from ..text.markup import plain_html, spans, text_html
from ..bank import Bank
from ..quiz import SOURCE_ERROR, Option, Question

T = TypeVar("T")

# Characters XML 1.0 cannot carry at all (not even as references); a bank can hold them
# through YAML escapes such as "\x01". They carry no meaning in a question, so they go.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


# Characters of the question kept in a name: enough to tell questions apart in a list.
NAME_STEM = 60


def question_name(question: Question) -> str:
    """A readable name: "Pharmacology: Which receptor does ketamine…" (plain text, markup rendered away)."""
    text = question.fact.question
    if is_plain(text):   # one run of the text itself: what `spans` gives for it, without building it
        stem = " ".join(text.split())
    else:
        stem = xml_chars(" ".join("".join(r.get("t", " ") for r in spans(text)).split()))
    if len(stem) > NAME_STEM:
        stem = stem[:NAME_STEM].rsplit(" ", 1)[0].rstrip(" ,;:") + "…"
    return f"{_topic_label(question.fact.topic)}: {stem}"


@functools.lru_cache(maxsize=1024)
def _topic_label(topic: str) -> str:
    # A bank has few topics, and each names many questions.
    return xml_chars(" ".join(topic.split()))


def xml_chars(text: str) -> str:
    return _NOT_XML.sub("", text)


def is_plain(text: str) -> bool:
    """True when the text is its own HTML once stripped: no markup, nothing to escape, no control
    character, nothing XML cannot carry. Nearly every text of a bank is, and the exports handle
    some ten texts a question: `in` and `isprintable` scan several times faster than a regular
    expression. (Not printable: the C0 and C1 controls, surrogates and U+FFFE/U+FFFF, which are
    what `xml_chars` drops, and some harmless spaces, which merely take the full path.)"""
    return (text.isprintable() and "*" not in text and "~" not in text and "^" not in text
            and "\\" not in text and "[" not in text and "&" not in text and "<" not in text and ">" not in text)


def question_is_plain(q: Question) -> bool:
    """`is_plain` for every text a question's export shows (stem, explanation, options, and each
    source error's reason and quote), in one test: it holds for a text when it holds for each
    character, so the writers can then use each text as its own HTML, stripped."""
    fact = q.fact
    texts = [fact.question, fact.explain]
    for o in q.options:
        texts.append(o.text)
        p = o.provenance
        if p is not None and p.kind == SOURCE_ERROR:
            for e in p.errors:
                texts += (e.why, e.quote)
    return is_plain("".join(texts))


def html_text(text: str) -> str:
    """Bank text as HTML, with the bank's small markup subset (see `generator.text.markup`)."""
    return text.strip() if is_plain(text) else text_html(xml_chars(text))


def html_plain(text: str) -> str:
    """Text shown exactly as it is (a source's words, titles): escaped; line breaks kept."""
    return text.strip() if is_plain(text) else plain_html(xml_chars(text))


def xml_text(text: str) -> str:
    """XML character data, escaped as ElementTree escapes it."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def html_text_xml(text: str) -> str:
    """`html_text` as XML character data (``xml_text(html_text(text))``): a plain text is its own."""
    return text.strip() if is_plain(text) else xml_text(text_html(xml_chars(text)))


def html_plain_xml(text: str) -> str:
    """`html_plain` as XML character data (``xml_text(html_plain(text))``)."""
    return text.strip() if is_plain(text) else xml_text(plain_html(xml_chars(text)))


def option_feedback_html(option: Option, bank: Bank) -> str:
    return Feedback(bank).option(option)


def reference_line(bank: Bank, rid: str) -> str:
    """A reference as one line of plain text: title, publisher, year."""
    r = bank.references.get(rid)
    return rid if r is None else ", ".join(x for x in (r.title, r.publisher, str(r.year or "")) if x)


def general_feedback_html(question: Question, bank: Bank) -> str:
    return Feedback(bank).general(question)


class Feedback:
    """The feedback HTML of one bank's questions. What many questions share (a source's title,
    a fact's references) is made once: an export asks for it once per question."""

    def __init__(self, bank: Bank):
        self.bank = bank
        self._titles: dict[str, str] = {}
        self._references: dict[tuple[str, ...], str] = {}
        self._stated_xml: dict[str, str] = {}
        self._references_xml: dict[tuple[str, ...], str] = {}

    def _title(self, source: str) -> str:
        title = self._titles.get(source)
        if title is None:
            title = self._titles[source] = html_plain(self.bank.source_title(source))
        return title

    def option(self, option: Option, text: Callable[[str], str] = html_text,
               plain: Callable[[str], str] = html_plain) -> str:
        """A wrong option that sources state: why it is wrong, then each source and its words.
        ``text``, ``plain``: `html_text` and `html_plain`, or ``str.strip`` where the caller knows
        every text of the question is plain (`is_plain`)."""
        p = option.provenance
        if option.correct or p is None or p.kind != SOURCE_ERROR:
            return ""
        errors = p.errors
        if len(errors) == 1:   # most wrong options: one source states them
            e = errors[0]
            return (f"<p>{text(e.why)}</p>"
                    f"<p>Stated by <em>{self._title(e.source)}</em>: \u201c{plain(e.quote)}\u201d</p>")
        parts = [f"<p>{text(w)}</p>" for w in p.whys]
        for e in errors:
            parts.append(f"<p>Stated by <em>{self._title(e.source)}</em>: \u201c{plain(e.quote)}\u201d</p>")
        return "".join(parts)

    def option_xml(self, option: Option, text: Callable[[str], str] = html_text_xml,
                   plain: Callable[[str], str] = html_plain_xml) -> str:
        """`option` as XML character data (``xml_text(self.option(option))``), made from the texts'
        escaped HTML (``text``: `html_text_xml`, ``plain``: `html_plain_xml`, or ``str.strip`` where
        the caller knows every text of the question is plain), without a pass over the whole."""
        p = option.provenance
        if option.correct or p is None or p.kind != SOURCE_ERROR:
            return ""
        errors = p.errors
        if len(errors) == 1:
            e = errors[0]
            return f"&lt;p&gt;{text(e.why)}&lt;/p&gt;{self._stated(e.source)}{plain(e.quote)}\u201d&lt;/p&gt;"
        parts = [f"&lt;p&gt;{text(w)}&lt;/p&gt;" for w in p.whys]
        for e in errors:
            parts.append(f"{self._stated(e.source)}{plain(e.quote)}\u201d&lt;/p&gt;")
        return "".join(parts)

    def _stated(self, source: str) -> str:
        """The start of a source's line in `option_xml`, up to its words."""
        stated = self._stated_xml.get(source)
        if stated is None:
            stated = self._stated_xml[source] = xml_text(f"<p>Stated by <em>{self._title(source)}</em>: \u201c")
        return stated

    def general_xml(self, question: Question, text: Callable[[str], str] = html_text_xml) -> str:
        """`general` as XML character data (``xml_text(self.general(question))``); ``text`` as in `option_xml`."""
        fact = question.fact
        explain = f"&lt;p&gt;{text(fact.explain)}&lt;/p&gt;"
        if not fact.refs:
            return explain
        key = tuple(fact.refs)
        refs = self._references_xml.get(key)
        if refs is None:
            refs = self._references_xml[key] = xml_text(self.general_references(key))
        return explain + refs

    def general_references(self, key: tuple[str, ...]) -> str:
        """The references' paragraph of `general` for a fact's refs."""
        refs = self._references.get(key)
        if refs is None:
            lines = "; ".join(reference_line(self.bank, r) for r in key)
            refs = self._references[key] = f"<p>References: {html_plain(lines)}</p>"
        return refs

    def general(self, question: Question, text: Callable[[str], str] = html_text) -> str:
        """The explanation, then the references (``text`` as in `option`)."""
        fact = question.fact
        html = f"<p>{text(fact.explain)}</p>"
        if fact.refs:
            html += self.general_references(tuple(fact.refs))
        return html


def with_categories(questions, category: Callable[[str], T],
                    before: Question | None = None) -> Iterator[tuple[T | None, Question]]:
    """Each question, with its topic's category wherever the topic changes (else None): the LMS files
    in a category until the next one. Each topic's category is made once: topics recur all through a
    shuffled quiz. ``before``: the question written just before these (a part of a quiz written apart)."""
    made: dict[str, T] = {}
    topic = None if before is None else before.fact.topic
    for q in questions:
        if q.fact.topic == topic:
            yield None, q
            continue
        topic = q.fact.topic
        if topic not in made:
            made[topic] = category(topic)
        yield made[topic], q
