"""Audit: a `Bank` and its sources' text files → every quote checked, a scorecard per source.

`match` finds each quote (or its closest passage) in its source; `report` prints the
scorecard, each error's option beside its quote, and writes the Markdown report.
"""

from .match import Audit, audit_bank
from .report import audit_markdown, audit_summary, audit_table, fidelity_text, uncovered_text

__all__ = ["Audit", "audit_bank", "audit_markdown", "audit_summary", "audit_table", "fidelity_text",
           "uncovered_text"]
