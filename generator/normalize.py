"""When two option texts say the same thing.

Options are compared after Unicode NFKC, case folding, dropping punctuation and
folding white space, so 'Glutamate.' and ' glutamate' are one option.
"""

from __future__ import annotations

import re
import unicodedata

_PUNCT = re.compile(r"[^\w\s]+")
_SPACE = re.compile(r"\s+")


def norm(text: str) -> str:
    t = unicodedata.normalize("NFKC", text).casefold()
    t = _PUNCT.sub(" ", t)
    return _SPACE.sub(" ", t).strip()
