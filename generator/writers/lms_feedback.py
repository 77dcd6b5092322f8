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

import re

from ..text.markup import plain_html, spans, text_html
from ..bank import Bank
from ..quiz import SOURCE_ERROR, Option, Question

# Characters XML 1.0 cannot carry at all (not even as references); a bank can hold them
# through YAML escapes such as "\x01". They carry no meaning in a question, so they go.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


# Characters of the question kept in a name: enough to tell questions apart in a list.
NAME_STEM = 60


def question_name(question: Question) -> str:
    """A readable name: "Pharmacology: Which receptor does ketamine…" (plain text, markup rendered away)."""
    stem = " ".join("".join(r.get("t", " ") for r in spans(question.fact.question)).split())
    if len(stem) > NAME_STEM:
        stem = stem[:NAME_STEM].rsplit(" ", 1)[0].rstrip(" ,;:") + "…"
    return xml_chars(f"{' '.join(question.fact.topic.split())}: {stem}")


def xml_chars(text: str) -> str:
    return _NOT_XML.sub("", text)


def html_text(text: str) -> str:
    """Bank text as HTML, with the bank's small markup subset (see `generator.text.markup`)."""
    return text_html(xml_chars(text))


def html_plain(text: str) -> str:
    """Text shown exactly as it is (a source's words, titles): escaped; line breaks kept."""
    return plain_html(xml_chars(text))


def option_feedback_html(option: Option, bank: Bank) -> str:
    p = option.provenance
    if option.correct or p is None or p.kind != SOURCE_ERROR:
        return ""
    parts = [f"<p>{html_text(w)}</p>" for w in p.whys]
    for e in p.errors:
        parts.append(f"<p>Stated by <em>{html_plain(bank.source_title(e.source))}</em>: "
                     f"\u201c{html_plain(e.quote)}\u201d</p>")
    return "".join(parts)


def reference_line(bank: Bank, rid: str) -> str:
    """A reference as one line of plain text: title, publisher, year."""
    r = bank.references.get(rid)
    return rid if r is None else ", ".join(x for x in (r.title, r.publisher, str(r.year or "")) if x)


def general_feedback_html(question: Question, bank: Bank) -> str:
    text = f"<p>{html_text(question.fact.explain)}</p>"
    refs = [reference_line(bank, r) for r in question.fact.refs]
    if refs:
        text += f"<p>References: {html_plain('; '.join(refs))}</p>"
    return text
