"""When two option texts say the same thing.

Options are compared after Unicode NFKC, case folding, dropping punctuation
(but not decimal separators: '2.5' is not '25') and folding white space, so
'N.M.D.A. receptor' and ' nmda receptor' are one option.
"""

from __future__ import annotations

import re
import unicodedata

_PUNCT = re.compile(r"[^\w\s]+")
_DECIMAL = re.compile(r"\d[.,]\d")
_PUNCT_KEEP_DECIMAL = re.compile(r"(\d[.,]\d)|[^\w\s]")


def _keep_decimal(m: re.Match) -> str:
    return m.group(1) or ""


def norm(text: str) -> str:
    t = unicodedata.normalize("NFKC", text).casefold()
    if _DECIMAL.search(t):  # rare: the slower form that spares decimal separators
        t = _PUNCT_KEEP_DECIMAL.sub(_keep_decimal, t)
    else:
        t = _PUNCT.sub("", t)
    return " ".join(t.split())
