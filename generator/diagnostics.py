"""Diagnostics: what is wrong with a bank, and where.

One record type for every problem the loader and the checker find, and one
exception (`BankError`) that carries them out of the pipeline. A diagnostic
knows its place either as a line and column, or as a *path* into the data
(``("facts", 3, "answer")``) that the YAML reader later turns into a line and
column; resolving paths only when there are problems keeps the fast path fast.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# Characters that print as nothing (zero-width space, soft hyphen, joiners, BOM, direction marks).
_INVISIBLE = re.compile(r"[\u00ad\u061c\u180e\u200b-\u200f\u2060-\u2064\ufeff]")


def visible(text: str) -> str:
    """Text safe to print: control characters (a terminal escape in a bank or a web page) and
    BiDi overrides (which reorder the rest of the line) become U+FFFD."""
    return _CONTROL.sub("\ufffd", text)


def _code_point(m: re.Match) -> str:
    return f"<U+{ord(m.group()):04X}>"


def shown(text: str) -> str:
    """Text for a diagnostic: safe to print, and every character that prints as nothing named."""
    return _CONTROL.sub(_code_point, _INVISIBLE.sub(_code_point, text))


ERROR = "error"
WARNING = "warning"

Path = tuple  # keys and indexes from the document root, e.g. ("facts", 0, "answer")


@dataclass
class Diagnostic:
    severity: str
    message: str
    path: Path = ()
    line: int | None = None  # 1-based
    column: int | None = None  # 1-based
    fact_id: str | None = None
    hint: str | None = None
    file: str | None = None
    # Point at the key itself rather than at its value (unknown or duplicate keys).
    at_key: bool = False
    code: str = ""

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def format(self) -> str:
        """Compiler style: ``file:line:col: error: fact 'x': message`` and a hint line."""
        place = self.file or "<bank>"
        if self.line is not None:
            place += f":{self.line}"
            if self.column is not None:
                place += f":{self.column}"
        who = f"fact '{self.fact_id}': " if self.fact_id else ""
        text = f"{place}: {self.severity}: {who}{self.message}"
        if self.hint:
            text += f"\n    hint: {self.hint}"
        return shown(text)  # bank text may hold terminal escapes or invisible characters

    def sort_key(self):
        return (self.line or 0, self.column or 0)


@dataclass
class Report:
    """All diagnostics for one bank, in document order once located."""

    diagnostics: list[Diagnostic] = field(default_factory=list)

    def add(self, d: Diagnostic) -> Diagnostic:
        self.diagnostics.append(d)
        return d

    def error(self, message, path=(), **kw) -> Diagnostic:
        return self.add(Diagnostic(ERROR, message, tuple(path), **kw))

    def warning(self, message, path=(), **kw) -> Diagnostic:
        return self.add(Diagnostic(WARNING, message, tuple(path), **kw))

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.is_error]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if not d.is_error]

    @property
    def ok(self) -> bool:
        return not self.errors

    def sorted(self) -> list[Diagnostic]:
        return sorted(self.diagnostics, key=Diagnostic.sort_key)


class BankError(Exception):
    """A bank that cannot be used: carries every diagnostic found."""

    def __init__(self, report: Report):
        self.report = report
        first = report.errors[0] if report.errors else None
        super().__init__(first.format() if first else "invalid bank")
