"""Bank text: plain text plus a small markup subset, everything else escaped.

Every writer honours the same subset: `text_html` for Anki cards and LMS exports,
`spans` for the printed quiz. Quotes from sources, titles and ids are shown as
they are (`plain_html`): a source's words are never reinterpreted.

The subset (Pandoc's spelling, so the bank reads naturally in any editor):

    **strong**     → <b>strong</b>
    *emphasis*     → <i>emphasis</i>
    H~2~O          → H<sub>2</sub>O      (no spaces inside)
    10^8^          → 10<sup>8</sup>      (no spaces inside)
    a line break   → <br>
    \\*  \\~  \\^  \\\\ → the character itself

Markers only pair up inside one line, and emphasis needs text right inside its
stars (``2 * 3 * 4`` stays as it is). Anything else — tags, entities, quotes —
is escaped, so a ``<script>`` or ``onerror=`` in the bank shows as text on the
card and never runs. Anki's own bracket commands (``[sound:…]``, ``[latex]``,
``[$]``) are escaped too, so bank text never plays a file or compiles LaTeX.
"""

from __future__ import annotations

import html
import re

# Placeholders for backslash-escaped markers: C0 controls cannot appear in card HTML,
# so they are removed from the input first and free to use here.
_ESCAPES = {"\\": "\x01", "*": "\x02", "~": "\x03", "^": "\x04"}
_RESTORE = {v: k for k, v in _ESCAPES.items()}
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_BACKSLASHED = re.compile(r"\\([\\*~^])")
_STRONG = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
# Applied in this order to escaped text, where every '<' or '>' is a tag made here: no
# pattern may cross one, so markers that overlap ('**a~b**c~') leave the second as text.
_EM = re.compile(r"\*(?=[^\s*])([^<>]+?)(?<=[^\s*])\*")
_SUB = re.compile(r"~([^\s~<>]+)~")
_SUP = re.compile(r"\^([^\s^<>]+)\^")
# Anki turns these bracket commands in field text into players or LaTeX images.
_ANKI_COMMAND = re.compile(r"\[(?=sound:|anki:|/?latex\]|/?\$)", re.I)
# Most texts need nothing of the above: they are returned as they are.
_SPECIAL = re.compile(r"[*~^\\\[&<>\x00-\x1f\x7f]")


def _escape(text: str) -> str:
    # Field text only ever lands in element content, where & < > are what matter; quotes
    # stay readable in Anki's editor and in the lock file (links escape theirs).
    return html.escape(text, quote=False)


def text_html(text: str) -> str:
    """One bank text as card HTML."""
    if not _SPECIAL.search(text):
        return text.strip()
    t = _CONTROL.sub("", str(text).replace("\r\n", "\n").replace("\r", "\n")).strip()
    t = _BACKSLASHED.sub(lambda m: _ESCAPES[m.group(1)], t)
    t = _escape(t)
    t = _ANKI_COMMAND.sub("&#91;", t)
    t = _STRONG.sub(r"<b>\1</b>", t)
    t = _EM.sub(r"<i>\1</i>", t)
    t = _SUB.sub(r"<sub>\1</sub>", t)
    t = _SUP.sub(r"<sup>\1</sup>", t)
    t = t.replace("\n", "<br>")
    for placeholder, char in _RESTORE.items():
        t = t.replace(placeholder, char)
    return t


def plain_html(text: str) -> str:
    """Text shown verbatim (quotes, ids, titles): escaped, no markup; line breaks kept."""
    if isinstance(text, str) and not _SPECIAL.search(text):
        return text.strip()  # nothing to escape or drop: what `_plain_html` gives
    return _plain_html(text)


def _plain_html(text: str) -> str:
    """`plain_html` by the full path, for any text."""
    t = _CONTROL.sub("", str(text).replace("\r\n", "\n").replace("\r", "\n")).strip()
    return _ANKI_COMMAND.sub("&#91;", _escape(t)).replace("\n", "<br>")


_TAG = re.compile(r"<(/?)(b|i|sub|sup)>|<br>")


def spans(text: str) -> list[dict]:
    """The marked-up text for typesetting: runs of ``{"t": text}`` with ``b``, ``i``, ``sub``,
    ``sup`` set where they apply, and ``{"br": True}`` for a line break."""
    out: list[dict] = []
    marked = text_html(text)
    style: set[str] = set()
    pos = 0

    def run(t: str) -> None:
        if t:
            out.append({"t": html.unescape(t), **{s: True for s in sorted(style)}})

    for m in _TAG.finditer(marked):
        run(marked[pos:m.start()])
        if m.group(0) == "<br>":
            out.append({"br": True})
        elif m.group(1):
            style.discard(m.group(2))
        else:
            style.add(m.group(2))
        pos = m.end()
    run(marked[pos:])
    return out


def safe_url(url: str) -> str | None:
    """The address, if it is one a card may link to (http or https); else None."""
    u = (url or "").strip()
    if re.match(r"https?://[^\s<>\"']+$", u, re.I):
        return u
    return None


def link_html(text: str, url: str) -> str:
    """Marked-up text, linked to ``url`` when that is a web address."""
    inner = text_html(text)
    u = safe_url(url)
    return f'<a href="{html.escape(u, quote=True)}">{inner}</a>' if u else inner


_SUBSCRIPTS = str.maketrans("0123456789+-=()aeoxhklmnpst", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₒₓₕₖₗₘₙₚₛₜ")
_SUPERSCRIPTS = str.maketrans("0123456789+-=()in", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁱⁿ")


def _scripted(t: str, table: dict, mark: str) -> str:
    """'2' → '₂' where Unicode has every character's small form; else the caret or underscore of plain text."""
    small = t.translate(table)
    if all(ord(c) in table for c in t):
        return small
    return f"{mark}{t}" if len(t) == 1 else f"{mark}({t})"


def plain_text(text: str) -> str:
    """The marked-up text on one line for a terminal: H~2~O → H₂O, 10^8^ → 10⁸, emphasis dropped."""
    out = []
    for run in spans(text):
        if "br" in run:
            out.append(" ")
        elif run.get("sub"):
            out.append(_scripted(run["t"], _SUBSCRIPTS, "_"))
        elif run.get("sup"):
            out.append(_scripted(run["t"], _SUPERSCRIPTS, "^"))
        else:
            out.append(run["t"])
    return "".join(out)
