"""report.pdf: the analysis typeset by typst, in the look of the printed quiz.

The page frame, fonts and helpers are the printed quiz's (writers/pdf/typst/common.typ);
the plots — score histogram, an option trace per question, misconception prevalence —
are drawn by typst from the numbers. The data reaches typst as one JSON string, never
as markup: bank text travels as styled runs (`spans`), quotes and names as plain strings.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path

from ..text.markup import spans

ROOT = Path(__file__).resolve().parent.parent          # generator/: the report imports the quiz's common.typ
TEMPLATE = Path(__file__).with_name("typst") / "report.typ"
CREATED = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)   # the same analysis gives the same bytes
RETEACH_PAGES_UP_TO = 300   # students; a larger class gets its re-teaching lists in report.md only
MAX_CHART = 15              # misconceptions in the prevalence chart


class ReportError(Exception):
    """The report could not be typeset (a character no font has, say)."""


def report_data(a: dict, paper: str = "a4") -> dict:
    quiz = a["quiz"]
    title = quiz["deck"]["title"]
    mcs = a["misconceptions"]
    chosen = [m for m in mcs if m["chosen_by"]]
    reteach = a["reteach"] if len(a["students"]) <= RETEACH_PAGES_UP_TO else []
    used = sorted({i for r in reteach for i in r["misconceptions"]} | {m["id"] for m in chosen[:MAX_CHART]})
    return {
        "deck": quiz["deck"], "running-title": title if len(title) <= 80 else title[:79] + "…",
        "doc-title": f"{title} – results", "paper": {"a4": "a4", "letter": "us-letter"}[paper],
        "code": f"{quiz['deck']['id']} · quiz {quiz['id']} · results",
        "quiz": quiz["id"], "inputs": a["inputs"], "test": a["test"], "groups": a["groups"],
        "histogram": a["histogram"], "settings": a["settings"],
        "items": [{
            "number": i["number"], "fact": i["fact_id"], "question": spans(i["question"]), "n": i["n"],
            "p": i["p"], "p_ci": i["p_ci"], "r": i["r_pb"], "d": i["d"], "withheld": i["discrimination_withheld"],
            "blank": i["blank"], "multiple": i["multiple"], "unreadable": i["unreadable"],
            "flags": [f["reason"] for f in i["flags"]],
            "options": [{"letter": o["letter"], "text": spans(o["text"]), "correct": o["correct"],
                         "chosen": o["chosen"], "share": o["share"], "r": o["r_pb"],
                         "trace": [o["share_lower"], o["share_middle"], o["share_upper"]],
                         "kind": o["provenance"].get("kind", "curated"),
                         "sources": o["provenance"].get("sources", [])} for o in i["options"]],
        } for i in a["items"]],
        "chart": [{"says": spans(m["says"]), "offered": m["offered"], "chosen_by": m["chosen_by"],
                   "share": m["chosen_by"] / m["offered"], "ci": m["chosen_ci"], "sources": m["sources"],
                   "typical": m["typical_misconception"], "held": m["held"],
                   "bands": [m["bands"][b]["share"] for b in ("lower", "middle", "upper")]}
                  for m in chosen[:MAX_CHART]],
        "more-misconceptions": max(0, len(chosen) - MAX_CHART),
        "sources": [s for s in a["sources"] if s["misled"]],
        "misconceptions": {str(i): {"says": spans(mcs[i]["says"]), "why": spans(mcs[i]["why"]),
                                    "citations": [{"source": c["source"], "title": c.get("title", c["source"]),
                                                   "quote": c["quote"]} for c in mcs[i]["citations"]]}
                           for i in used},
        "reteach": [{"student": r["student"], "entries": [{"id": str(i), "facts": f}
                                                          for i, f in zip(r["misconceptions"], r["facts"])]}
                    for r in reteach],
        "reteach-omitted": len(a["reteach"]) if not reteach else 0,
        "skipped": a["skipped"],
    }


def history_data(h: dict, deck: dict, paper: str = "a4") -> dict:
    """The pooled history (`history_analysis`) for history.typ."""
    chosen = [m for m in h["misconceptions"] if m["chosen"]][:MAX_CHART]
    return {
        "deck": deck, "running-title": deck["title"] if len(deck["title"]) <= 80 else deck["title"][:79] + "…",
        "doc-title": f"{deck['title']} – every delivery", "paper": {"a4": "a4", "letter": "us-letter"}[paper],
        "code": f"{deck['id']} · every recorded delivery",
        "deliveries": [{"line": d["line"], "date": d["date"] or "", "quiz": d["quiz"] or "",
                        "students": d["students"] or 0} for d in h["deliveries"]],
        "chart": [{"says": spans(m["says"]), "sources": m["sources"], "typical": m["typical_misconception"],
                   "share": m["chosen"] / m["offered"], "ci": m["chosen_ci"], "chosen": m["chosen"],
                   "offered": m["offered"]} for m in chosen],
        "items": [{"fact": i["fact_id"], "deliveries": i["deliveries"], "n": i["n"], "p": i["p"], "p_ci": i["p_ci"],
                   "d": i["d"],
                   "options": [{"text": spans(o["text"]), "correct": o["correct"], "chosen": o["chosen"],
                                "offered": o["offered"], "share": o["share"],
                                "trace": [o["share_lower"], o["share_middle"], o["share_upper"]]}
                               for o in i["options"]]} for i in h["items"]],
    }


def render_pdf(a: dict, paper: str = "a4") -> bytes:
    return _typeset(TEMPLATE, report_data(a, paper))


def render_history_pdf(h: dict, deck: dict, paper: str = "a4") -> bytes:
    return _typeset(TEMPLATE.with_name("history.typ"), history_data(h, deck, paper))


def _typeset(template: Path, data: dict) -> bytes:
    import typst

    compiler = typst.Compiler(root=str(ROOT), ignore_system_fonts=True)
    try:
        return compiler.compile(input=str(template), format="pdf",
                                sys_inputs={"data": json.dumps(data, ensure_ascii=False)},
                                pdf_standards="a-2b", timestamp=CREATED)
    except typst.TypstError as e:
        raise ReportError(f"{template.stem}.pdf could not be typeset: {e.message}") from None
