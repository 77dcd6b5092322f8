"""When two option texts say the same thing.

Options are compared after Unicode NFKC, case folding, dropping punctuation and
folding white space, so 'N.M.D.A. receptor' and ' nmda receptor' are one option.
Only punctuation goes (Unicode categories P*): symbols stay, so '<5%' is not '>5%'
and '+5 °C' is not '5 °C'. Two marks that look like punctuation are kept where they
carry meaning: a decimal separator between digits ('2.5' is not '25') and a hyphen
used as a minus sign ('-5 °C' is not '5 °C').
"""

from __future__ import annotations

import re
import unicodedata


# Every punctuation character of the Basic Multilingual Plane (a class of ~800, built in
# ~20 ms at import); a regex deletes them at C speed.
_PUNCT = re.compile("[" + "".join(re.escape(chr(c)) for c in range(0x10000)
                                  if unicodedata.category(chr(c)).startswith("P")) + "]+")
# Each branch starts with its character, so the engine skips ahead to candidates quickly.
_SIGNIFICANT = re.compile(r"[.,](?<=\d[.,])(?=\d)|-(?<!\w-)(?=\.?\d)")
# Private-use stand-ins survive the translation; a minus becomes U+2212, itself a symbol.
_STAND_IN = {".": "\ue000", ",": "\ue001", "-": "\u2212"}


def _stand_in(m: re.Match) -> str:
    return _STAND_IN[m.group()]


def norm(text: str) -> str:
    t = unicodedata.normalize("NFKC", text).casefold()
    t = _PUNCT.sub("", _SIGNIFICANT.sub(_stand_in, t))
    if "\ue000" in t or "\ue001" in t:
        t = t.replace("\ue000", ".").replace("\ue001", ",")
    return " ".join(t.split())
