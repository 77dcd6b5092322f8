"""Results: response files + the quiz → grades, item analysis and the misconception report.

Readers (one module per format under `readers/`) turn each file into responses on the
quiz's canonical questions; `grade` pools them into a `Delivery`, analyses it (numpy)
and returns the analysis dict that every output is written from: grades.csv,
analysis.json, report.md and report.pdf (`report_files`). `history` records each
delivery beside the bank and warns `errata check` from what it learned.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from ..bank import gc_paused
from .analysis import analyse
from .collect import read_delivery
from .grades_csv import render_grades
from .history import history_analysis, history_markdown, history_path, history_warnings, record_delivery
from .key import load_key
from .model import Delivery, GradeError, Problem, QuizKey
from .report_md import render_markdown, render_summary
from .report_pdf import ReportError, render_history_pdf
from .stats import Matrix


@dataclass
class Graded:
    delivery: Delivery
    analysis: dict
    notes: list[str]
    grades_csv: bytes


def grade(paths: list[str], quiz: str, attempt: str = "first", skip_bad_rows: bool = False) -> Graded:
    """Read every response file against the quiz (manifest or bank) and analyse; `GradeError` lists every problem."""
    key, problems = load_key(quiz)
    if key is None:
        raise GradeError(problems)
    with gc_paused():   # many small acyclic objects: the cyclic collector would rescan them all, again and again
        delivery, notes = read_delivery(paths, key, attempt, skip_bad_rows)
        m = Matrix(delivery)
        return Graded(delivery, analyse(delivery, m), notes, render_grades(delivery, m))


def analysis_json(analysis: dict) -> bytes:
    """One top-level key per line and one list element per line: readable, diffable, and written by
    json's C encoder (any ``indent`` falls back to the pure-Python one, ten times slower)."""
    def dumps(v) -> str:
        return json.dumps(v, ensure_ascii=False, separators=(", ", ": "))
    parts = []
    for k, v in analysis.items():
        if isinstance(v, list) and v:
            body = "[\n  " + ",\n  ".join(dumps(x) for x in v) + "\n ]"
        else:
            body = dumps(v)
        parts.append(f" {dumps(k)}: {body}")
    return ("{\n" + ",\n".join(parts) + "\n}\n").encode("utf-8")


def report_files(graded: Graded, pdf: bool = True) -> dict[str, bytes]:
    """Every output file, rendered in memory: the caller writes them only once all exist."""
    with gc_paused():
        files = {"grades.csv": graded.grades_csv,
                 "analysis.json": analysis_json(graded.analysis),
                 "report.md": render_markdown(graded.analysis).encode("utf-8")}
    if pdf:
        from .report_pdf import render_pdf
        files["report.pdf"] = render_pdf(graded.analysis)
    return files


def add_history_warnings(bank_file: str, bank, report) -> None:
    """`errata check`: what the recorded deliveries teach, as warnings (nothing when there is no history)."""
    known = {f.id for f in bank.facts} if bank is not None else None
    report.diagnostics.extend(history_warnings(bank_file, known))


__all__ = ["Delivery", "GradeError", "Graded", "Problem", "QuizKey", "ReportError", "add_history_warnings",
           "analysis_json", "grade", "history_analysis", "history_markdown", "history_path", "record_delivery",
           "render_history_pdf", "render_summary", "report_files"]
