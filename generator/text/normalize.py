"""When two option texts say the same thing: compared as a reader sees them.

Options are compared after

1. dropping invisible characters: format characters (Unicode Cf: zero-width space and
   joiners, soft hyphen, byte-order mark, direction marks) and control characters;
2. rendering the markup subset as plain text: ``H~2~O`` reads as H₂O, ``**a**`` as a;
   a superscript keeps a caret, so ``10^8^``, ``10⁸`` and ``10^8`` are one option and
   ``108`` another (an exponent carries meaning, a chemical subscript does not);
3. Unicode NFKC (H₂O is H2O, ﬁ is fi, a full-width Ａ is A);
4. folding letters that look Latin but are not (Cyrillic а, е, о, р, с…, Greek Α, Β, Ο…):
   a reader cannot tell 'Кetamine' from 'Ketamine';
5. case folding, dropping punctuation and folding white space, so 'N.M.D.A. receptor'
   and ' nmda receptor' are one option.

Only punctuation goes (Unicode categories P*): symbols stay, so '<5%' is not '>5%'
and '+5 °C' is not '5 °C'. Two marks that look like punctuation are kept where they
carry meaning: a decimal separator between digits ('2.5' is not '25') and a hyphen
used as a minus sign ('-5 °C' is not '5 °C').

Each step is a regex or a translation table at C speed, and ASCII text needs only the
markup and the last step: `norm` stays linear, and no slower than plain NFKC and case folding.
"""

from __future__ import annotations

import re
import unicodedata

from .markup import spans

# Every punctuation and every format character of the Basic Multilingual Plane (classes
# of ~800 and ~150, built in ~30 ms at import); a regex deletes them at C speed.
_BMP = list(map(chr, range(0x10000)))
_CATEGORIES = list(map(unicodedata.category, _BMP))
_PUNCT = re.compile("[" + re.escape("".join(c for c, cat in zip(_BMP, _CATEGORIES) if cat[0] == "P")) + "]+")
FORMAT_CHARS = "".join(c for c, cat in zip(_BMP, _CATEGORIES) if cat == "Cf")
del _BMP, _CATEGORIES
# Format characters and C0/C1 controls other than white space. (Format characters beyond the
# BMP, tags and musical controls, are left: a class with them scans three times slower.)
_CONTROLS = "\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f"
_INVISIBLE = re.compile("[" + re.escape(FORMAT_CHARS) + _CONTROLS + "]+")

# Letters of other scripts that print like Latin ones in common fonts (from Unicode's
# confusables list, the everyday ones only). Greek lower case is left alone except
# omicron: α, ν, ρ are read as Greek letters in a medical text.
CONFUSABLES = {
    # Cyrillic
    "а": "a", "в": "b", "е": "e", "ѕ": "s", "і": "i", "ј": "j", "о": "o", "р": "p", "с": "c", "у": "y",
    "х": "x", "ԁ": "d", "һ": "h", "ԛ": "q", "ԝ": "w", "ӏ": "l", "ү": "y",
    "А": "A", "В": "B", "Е": "E", "Ѕ": "S", "І": "I", "Ј": "J", "К": "K", "М": "M", "Н": "H", "О": "O",
    "Р": "P", "С": "C", "Т": "T", "Х": "X", "У": "Y", "Ү": "Y", "Ԁ": "D", "Ԛ": "Q", "Ԝ": "W", "Ӏ": "I",
    # Greek
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N", "Ο": "O",
    "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X", "ο": "o", "ϲ": "c", "Ϲ": "C", "ϳ": "j",
}
_FOLD = str.maketrans(CONFUSABLES)
# Superscripts NFKC would flatten into plain digits: a caret keeps them apart ('10⁸' ≠ '108').
_SUPERSCRIPT = re.compile("[\u2070\u00b9\u00b2\u00b3\u2074-\u207e\u2071\u207f]+")
_LOOKALIKE = re.compile("[" + "".join(CONFUSABLES) + "]")
# Anything the first steps change, in one class: most non-ASCII text (curly quotes, Greek, accents)
# is scanned once and passes.
_UNUSUAL = re.compile("[" + re.escape(FORMAT_CHARS) + _CONTROLS + _SUPERSCRIPT.pattern[1:-2] + "]")
# Each branch starts with its character, so the engine skips ahead to candidates quickly.
_SIGNIFICANT = re.compile(r"[.,](?<=\d[.,])(?=\d)|-(?<!\w-)(?=\.?\d)")
# Private-use stand-ins survive the translation; a minus becomes U+2212, itself a symbol.
_STAND_IN = {".": "\ue000", ",": "\ue001", "-": "\u2212"}


def _stand_in(m: re.Match) -> str:
    return _STAND_IN[m.group()]


def _superscript(m: re.Match) -> str:
    return "^" + m.group()


def rendered(text: str) -> str:
    """The markup subset as a reader sees it, in plain text: a superscript keeps a caret."""
    out = []
    for run in spans(text):
        if "br" in run:
            out.append(" ")
        else:
            out.append("^" + run["t"] if run.get("sup") else run["t"])
    return "".join(out)


def _has_markup(t: str) -> bool:
    return "*" in t or "~" in t or "^" in t or "\\" in t


# ASCII that normalisation only lower-cases: letters, digits and symbols, single spaces between words.
# Most answers and options are such text; one match replaces every step below (and text already in
# lower case is returned itself, not a copy).
_PLAIN_ASCII = re.compile(r"[A-Za-z0-9$+<=>|`]+(?: [A-Za-z0-9$+<=>|`]+)*")


def norm(text: str) -> str:
    if text.isascii() and not _has_markup(text) and _PLAIN_ASCII.fullmatch(text):
        return text if text.islower() else text.lower()
    return _norm(text)


# What a run of texts joined by line breaks may hold when every one of them is plain ASCII (norm only
# lower-cases it): the bytes of _PLAIN_ASCII, and the line breaks.
_PLAIN_BYTES = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789$+<=>|` \n"
_RUN = 32   # texts tried together; a run with any other text is normalised text by text


def norm_all(texts: list[str]) -> list[str]:
    """``[norm(t) for t in texts]``, a run of texts at a time: most texts of a bank are plain ASCII,
    which normalisation only lower-cases, and a few passes over a run of them joined find that out
    at C speed."""
    out: list[str] = []
    for start in range(0, len(texts), _RUN):
        run = texts[start:start + _RUN]
        joined = "\n".join(run)
        if (joined.isascii() and not joined.encode().translate(None, _PLAIN_BYTES)
                and joined.count("\n") == len(run) - 1   # no text holds a line break of its own
                and joined[:1] not in ("", " ", "\n") and joined[-1] not in (" ", "\n")
                # no two spaces, no space at a text's edge, no empty text
                and "  " not in joined and " \n" not in joined and "\n " not in joined and "\n\n" not in joined):
            # Every text is plain (_PLAIN_ASCII): its norm is itself in lower case (itself, if it is already).
            out += run if joined.islower() else map(str.lower, run)
        else:
            out += map(norm, run)
    return out


def _norm(text: str) -> str:
    """`norm` by every step (the fast lane above must agree with it)."""
    if text.isascii():  # NFKC leaves ASCII as it is, and case folding is lower()
        t = (rendered(text) if _has_markup(text) else text).lower()
    else:
        t = text
        if _UNUSUAL.search(t):
            t = _SUPERSCRIPT.sub(_superscript, _INVISIBLE.sub("", t))
        if _has_markup(t):
            t = rendered(t)
        t = unicodedata.normalize("NFKC", t)
        if _LOOKALIKE.search(t):
            t = t.translate(_FOLD)
        t = t.casefold()
    if "." in t or "," in t or "-" in t:  # the only characters _SIGNIFICANT starts with
        t = _SIGNIFICANT.sub(_stand_in, t)
    t = _PUNCT.sub("", t)
    if "\ue000" in t or "\ue001" in t:
        t = t.replace("\ue000", ".").replace("\ue001", ",")
    return " ".join(t.split())


def has_lookalike(text: str) -> bool:
    """Whether the text holds a letter of another script that looks Latin (any word with one is
    found by `mixed_script_word`; text without one has no such word)."""
    return _LOOKALIKE.search(text) is not None


def mixed_script_word(text: str) -> str | None:
    """The first word that mixes Latin letters with lookalikes of another script ('Кetamine'), or None."""
    if text.isascii() or not _LOOKALIKE.search(text):
        return None
    for m in _WORD.finditer(text):
        w = m.group()
        if not w.isascii() and _LATIN.search(w) and _LOOKALIKE.search(w):
            return w
    return None


_LATIN = re.compile("[A-Za-z]")
_WORD = re.compile(r"\w+")
