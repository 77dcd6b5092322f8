"""What the LMS readers share: finding a question by its text, an option by its text.

Moodle and Canvas store what the student saw as text (HTML turned back into text), so
a question is found by its normalised stem and an option by its normalised text.
"""

from __future__ import annotations

from ..model import MULTIPLE, Problem, QuizKey, match_key


class QuestionFinder:
    """Canonical question by the text an LMS shows: equal to the stem, or starting with it (Moodle
    appends the choices). The longest stem that fits wins; answers are cached by cell text."""

    def __init__(self, key: QuizKey):
        self.stems = sorted(((match_key(q.question), i) for i, q in enumerate(key.questions)),
                            key=lambda s: -len(s[0]))
        self.cache: dict[str, int | None] = {}

    def find(self, text: str) -> int | None:
        if text not in self.cache:
            m = match_key(text)
            self.cache[text] = next((i for stem, i in self.stems
                                     if m == stem or (m.startswith(stem) and m[len(stem):len(stem) + 1] == " ")),
                                    None)
        return self.cache[text]


def find_option(key: QuizKey, ci: int, text: str, separators: tuple[str, ...]) -> int | None:
    """The canonical option a response names; MULTIPLE when it joins several known options."""
    q = key.questions[ci]
    found = q.find(text)
    if found is not None:
        return found
    for sep in separators:
        if sep in text:
            parts = [p for p in (x.strip() for x in text.split(sep)) if p]
            if len(parts) > 1 and all(q.find(p) is not None for p in parts):
                return MULTIPLE
    return None


def no_option(key: QuizKey, ci: int, text: str, file: str, line: int, column: int) -> Problem:
    q = key.questions[ci]
    return Problem(file, f"fact '{q.fact_id}': the response '{_short(text)}' matches no option "
                         f"(closest: '{_short(q.closest(text))}')", line, column, True)


def _short(text: str, limit: int = 80) -> str:
    t = " ".join(text.split())
    return t if len(t) <= limit else t[:limit - 1] + "…"
