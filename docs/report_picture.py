#!/usr/bin/env python3
"""Draw docs/img/report-page.png: the first page of report.pdf for a class taking the ketamine quiz.

    python docs/report_picture.py

A synthetic class of 30 (tests/responses/classes.py) answers decks/ketamine-quiz.json
on its three versions; three source errors are held by planted groups of students. The
class is graded as `errata grade` does, report.pdf typeset, and its first page drawn
with pdftoppm (poppler-utils).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from generator.results import grade  # noqa: E402
from generator.results.report_pdf import render_pdf  # noqa: E402
from tests.responses.classes import synthetic_class  # noqa: E402

QUIZ = ROOT / "decks" / "ketamine-quiz.json"
OUT = ROOT / "docs" / "img" / "report-page.png"


def main() -> int:
    m = json.loads(QUIZ.read_text(encoding="utf-8"))
    errors = [o["text"] for q in m["versions"][0]["questions"] for o in q["options"]
              if o["provenance"]["kind"] == "source-error"]
    planted = {errors[0]: {f"student{i:03d}" for i in range(0, 30, 3)},
               errors[2]: {f"student{i:03d}" for i in range(1, 30, 4)},
               errors[4]: {"student005", "student007", "student011"}}
    text, _, _ = synthetic_class(m, 30, planted, seed=4)
    with tempfile.TemporaryDirectory() as tmp:
        responses = Path(tmp) / "class.csv"
        responses.write_text(text, encoding="utf-8")
        pdf = Path(tmp) / "report.pdf"
        os.chdir(tmp)   # the report names the response file as given: 'class.csv'
        pdf.write_bytes(render_pdf(grade([responses.name], str(QUIZ)).analysis))
        subprocess.run(["pdftoppm", "-png", "-r", "90", "-f", "1", "-l", "1", "-singlefile", str(pdf),
                        str(OUT.with_suffix(""))], check=True)
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
