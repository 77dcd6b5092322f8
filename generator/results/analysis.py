"""A `Delivery` → the analysis: grades, item analysis, misconceptions, sources, re-teaching lists.

The result is one plain dict, the shape of ``analysis.json`` (docs/analysis.schema.json);
every report (Markdown, PDF, the terminal summary) is written from it alone.
"""

from __future__ import annotations

import math

import numpy as np

from .misconceptions import misconceptions, sources_ranked
from .model import Delivery
from .stats import MIN_N, TOO_EASY, TOO_HARD, UNUSED, GROUP, Matrix, item_statistics, test_statistics

FORMAT = "errata-analysis"
VERSION = 1


def num(x, digits: int = 4):
    """A float for JSON: rounded, None for NaN (JSON has no NaN)."""
    if x is None:
        return None
    x = float(x)
    return None if math.isnan(x) or math.isinf(x) else round(x, digits)


def analyse(delivery: Delivery, m: Matrix | None = None) -> dict:
    key = delivery.key
    m = m or Matrix(delivery)
    items = item_statistics(m)
    test = test_statistics(m)
    students = [{"id": s.student, "version": s.version, "score": int(m.score[i]), "max": int(m.max[i]),
                 "percent": num(100 * m.percent[i], 1),
                 "group": "upper" if m.upper[i] else "lower" if m.lower[i] else "middle",
                 "from": f"{s.file}:{s.row}"}
                for i, s in enumerate(delivery.students)]
    out_items = [_item(key.questions[q], q, items, m) for q in range(len(key.questions))
                 if items["n"][q] > 0]
    found, reteach = misconceptions(delivery, m)
    return {
        "format": FORMAT,
        "version": VERSION,
        "quiz": {"id": key.quiz_id, "deck": {"id": key.deck_id, "title": key.deck_title}, "key": key.source,
                 "questions": len(key.questions)},
        "inputs": [{"file": i.file, "format": i.format, "rows": i.rows, "sha256": i.sha256}
                   for i in delivery.inputs],
        "skipped": [{"file": p.file, "row": p.row, "column": p.column, "reason": p.message}
                    for p in delivery.skipped],
        "settings": {"attempt": delivery.attempt, "min_n_discrimination": MIN_N, "group_fraction": GROUP,
                     "unused_below": UNUSED, "too_easy_above": TOO_EASY, "too_hard_below": TOO_HARD},
        "students": students,
        "groups": {name: {"n": int(g.sum()),
                          "scores": [num(100 * float(m.percent[g].min()), 1), num(100 * float(m.percent[g].max()), 1)]
                          if g.any() else None}
                   for name, g in (("lower", m.lower), ("middle", m.middle), ("upper", m.upper))},
        "histogram": _histogram(m),
        "test": {k: (num(v) if isinstance(v, float) else v) for k, v in test.items()},
        "items": out_items,
        "misconceptions": found,
        "sources": sources_ranked(found, len(delivery.students)),
        "reteach": reteach,
    }


def _histogram(m: Matrix) -> list[dict]:
    top = int(m.max.max()) if m.max.size else 0
    counts = np.bincount(m.score, minlength=top + 1) if m.score.size else np.zeros(1, dtype=int)
    return [{"score": s, "count": int(c)} for s, c in enumerate(counts)]


def _item(q, index: int, s: dict, m: Matrix) -> dict:
    n = int(s["n"][index])
    shown = n >= MIN_N
    p = float(s["p"][index])
    r = num(s["r_pb"][index]) if shown else None
    d = num(s["d"][index]) if shown else None
    n_lo, n_mid, n_up = (float(g[index]) for g in s["group_n"])
    options = []
    for j, o in enumerate(q.options):
        c = int(s["chosen"][index, j])
        lo, mid, up = (float(s["chosen_by_group"][g, index, j]) for g in range(3))
        options.append({
            "letter": "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[j], "text": o.text, "correct": o.correct, "chosen": c,
            "share": num(c / n) if n else None,
            "share_lower": num(lo / n_lo) if n_lo else None,
            "share_middle": num(mid / n_mid) if n_mid else None,
            "share_upper": num(up / n_up) if n_up else None,
            "r_pb": num(s["r_option"][index, j]) if shown else None,
            "provenance": o.provenance,
        })
    lo_ci, hi_ci = s["p_ci"]
    item = {"number": index + 1, "fact_id": q.fact_id, "topic": q.topic, "question": q.question, "n": n,
            "right": int(s["right"][index]), "p": num(p), "p_ci": [num(lo_ci[index]), num(hi_ci[index])],
            "r_pb": r, "d": d, "discrimination_withheld": not shown,
            "groups": {"lower": int(n_lo), "middle": int(n_mid), "upper": int(n_up)},
            **{name: int(s[name][index]) for name in ("blank", "multiple", "unreadable")},
            "options": options}
    item["flags"] = flags(item)
    return item


def flags(item: dict) -> list[dict]:
    """What a trainer should look at, each with its reason in words and its numbers."""
    out = []
    n, p = item["n"], item["p"]
    key = next(o for o in item["options"] if o["correct"])
    if not item["discrimination_withheld"] and key["share_upper"] is not None:
        rivals = [o for o in item["options"] if not o["correct"] and o["share_upper"] is not None
                  and o["share_upper"] > key["share_upper"]]
        for o in rivals:
            out.append({"code": "possible-miskey",
                        "reason": f"possible miskey or ambiguity: the upper group chose '{o['text']}' "
                                  f"({pct(o['share_upper'])}) more than the key '{key['text']}' "
                                  f"({pct(key['share_upper'])}) (N = {n}); check the key and the wording"})
    if item["r_pb"] is not None and round(item["r_pb"], 2) < 0:
        out.append({"code": "negative-discrimination",
                    "reason": f"negative discrimination: students who did well on the rest of the quiz got this "
                              f"one wrong more often (item–rest r = {item['r_pb']:.2f}, N = {n})"})
    if p is not None and p > TOO_EASY:
        out.append({"code": "too-easy", "reason": f"too easy: {pct(p)} answered it right (N = {n}); it tells "
                                                  f"students apart little"})
    if p is not None and p < TOO_HARD:
        out.append({"code": "too-hard", "reason": f"too hard: only {pct(p)} answered it right (N = {n}); check "
                                                  f"the key and whether it was taught"})
    for o in item["options"]:
        if not o["correct"] and o["share"] is not None and o["share"] < UNUSED:
            out.append({"code": "unused-distractor",
                        "reason": f"distractor nobody uses: '{o['text']}' chosen by {o['chosen']} of {n} "
                                  f"({pct(o['share'])}, under {pct(UNUSED)})"})
    return out


def pct(x) -> str:
    return "—" if x is None else f"{100 * x:.0f} %"

