"""When two option texts say the same thing.

Options are compared after Unicode NFKC, case folding, dropping punctuation
(but not decimal separators) and folding white space, so 'Glutamate.' and ' glutamate' are one option.
"""

from __future__ import annotations

import re
import unicodedata

# Punctuation goes ('N.M.D.A.' is 'NMDA'), but not a decimal point or comma between digits ('2.5' is not '25').
_PUNCT = re.compile(r"(\d[.,]\d)|[^\w\s]")
_SPACE = re.compile(r"\s+")


def _keep_decimal(m: re.Match) -> str:
    return m.group(1) or ""


def norm(text: str) -> str:
    t = unicodedata.normalize("NFKC", text).casefold()
    t = _PUNCT.sub(_keep_decimal, t)
    return _SPACE.sub(" ", t).strip()
