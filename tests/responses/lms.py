"""Response files written as Moodle and Canvas write them, for the grading tests.

`moodle_responses` writes the quiz "Responses" report download (mod/quiz/report/responses):
``Surname, First name, Email address, State, Started on, Completed, Time taken,
Grade/<max>`` then per slot ``Question N, Response N, Right answer N``, quoted as PHP's
fputcsv quotes (any field with a space, comma, quote or line break), with the question
text and choices turned from HTML to text as Moodle's html_to_text does (emphasis as
``_x_``, strong in capitals, sub- and superscripts inline). `canvas_student_analysis`
writes Canvas Classic Quizzes' "Student Analysis" CSV: ``name, id, sis_id, section,
section_id, section_sis_id, submitted, attempt``, then per question ``"<id>: <text>"``
(tags stripped) and a points column headed by the points possible, then ``n correct,
n incorrect, score``; quoted only where needed, as Ruby's CSV does.

A student is ``(name, {fact_id: chosen option text or None for blank})``; an optional
third item gives Moodle's State (default "Finished") or Canvas's attempt number (default 1).
In the Canvas file a fact missing from the dict was not on that student's quiz.
"""

from __future__ import annotations

import csv
import io
import random
import re

from generator.text.markup import text_html

_TAGS = re.compile(r"<[^>]+>")


def moodle_text(text: str) -> str:
    """Bank text as Moodle's html_to_text shows the HTML Errata exported."""
    h = text_html(text)
    h = re.sub(r"<b>(.*?)</b>", lambda m: m.group(1).upper(), h)
    h = re.sub(r"</?i>", "_", h)
    h = h.replace("<br>", "\n")
    import html
    return html.unescape(_TAGS.sub("", h))


def canvas_text(text: str) -> str:
    import html
    return html.unescape(_TAGS.sub("", text_html(text).replace("<br>", " ")))


def fputcsv(row: list[str]) -> str:
    out = []
    for field in row:
        f = str(field)
        if any(c in f for c in ',"\n\r\t \\'):
            f = '"' + f.replace('"', '""') + '"'
        out.append(f)
    return ",".join(out) + "\n"


def canonical(manifest: dict) -> list[dict]:
    return manifest["versions"][0]["questions"]


def moodle_responses(manifest: dict, students: list, seed: int = 1, bom: bool = False) -> bytes:
    rng = random.Random(seed)
    questions = canonical(manifest)
    n = len(questions)
    header = ["Surname", "First name", "Email address", "State", "Started on", "Completed", "Time taken",
              f"Grade/{n:.2f}"]
    for slot in range(1, n + 1):
        header += [f"Question {slot}", f"Response {slot}", f"Right answer {slot}"]
    text = fputcsv(header)
    for i, student in enumerate(students):
        name, chosen = student[0], student[1]
        state = student[2] if len(student) > 2 else "Finished"
        first, _, last = name.partition(" ")
        score = sum(1 for q in questions if chosen.get(q["fact_id"]) ==
                    next(o["text"] for o in q["options"] if o["correct"]))
        finished = state == "Finished"
        row = [last, first, f"{first.lower()}.{last.lower()}@example.org", state,
               f"{1 + i % 28} November 2026, 2:{10 + i % 50:02d} PM",
               f"{1 + i % 28} November 2026, 2:{30 + i % 29:02d} PM" if finished else "-",
               f"{12 + i % 7} mins {i % 60} secs" if finished else "-",
               f"{score:.2f}" if finished else "Not yet graded"]
        for q in questions:
            shown = [o["text"] for o in q["options"]]
            rng.shuffle(shown)   # Moodle shuffles the choices per attempt
            pick = chosen.get(q["fact_id"])
            key = next(o["text"] for o in q["options"] if o["correct"])
            row += [moodle_text(q["question"]) + ": " + "; ".join(moodle_text(t) for t in shown),
                    moodle_text(pick) if pick else "-", moodle_text(key)]
        text += fputcsv(row)
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")


def canvas_student_analysis(manifest: dict, students: list, attempts: dict | None = None) -> bytes:
    questions = canonical(manifest)
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    header = ["name", "id", "sis_id", "section", "section_id", "section_sis_id", "submitted", "attempt"]
    for i, q in enumerate(questions):
        header += [f"{4810000 + i}: {canvas_text(q['question'])}", "1"]
    w.writerow(header + ["n correct", "n incorrect", "score"])
    ids: dict[str, str] = {}
    for i, student in enumerate(students):
        name, chosen = student[0], student[1]
        attempt = student[2] if len(student) > 2 else 1
        row = [name, ids.setdefault(name, str(93990 + len(ids))), "", "Ketamine course", "25701", "", f"2026-11-{1 + i % 28:02d} 14:05:{i % 60:02d} UTC",
               str(attempt)]
        right = 0
        for q in questions:
            if q["fact_id"] not in chosen:   # not on this student's quiz (question groups): both cells empty
                row += ["", ""]
                continue
            pick = chosen[q["fact_id"]]
            key = next(o["text"] for o in q["options"] if o["correct"])
            ok = pick == key
            right += ok
            row += [canvas_text(pick) if pick else "", "1" if ok else "0"]
        w.writerow(row + [str(right), str(len(questions) - right), str(right)])
    return out.getvalue().encode("utf-8")
