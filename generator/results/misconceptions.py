"""The misconception report: which wrong claims the class holds, how firmly, who, and from which sources.

A misconception is one wrong option, normalised, with its provenance, pooled over every
question that offered it (AAAS Project 2061 reports a misconception's selection across
items the same way). For each: how many students saw it and how many chose it (Wilson
95 % interval), how consistently (chose it on k of n chances; "held" when k ≥ 2 and
k ≥ n/2, as opposed to a one-off slip), and in which score band. A misconception chosen
most by the middle group is labelled as typical of a real misconception: Sadler (1998)
found that students holding a genuine alternative conception cluster at middle ability,
so such a distractor is working, not faulty.
"""

from __future__ import annotations

import numpy as np

from .model import Delivery
from .stats import Matrix, wilson

SADLER_MIN = 3   # students choosing it, below which no band pattern is read into the numbers


def misconceptions(delivery: Delivery, m: Matrix) -> tuple[list[dict], list[dict]]:
    """The misconceptions, most chosen first (each with its ``id``, its rank), and the re-teaching lists."""
    key = delivery.key
    pooled: dict[str, dict] = {}
    for qi, q in enumerate(key.questions):
        for j, o in enumerate(q.options):
            if o.correct:
                continue
            e = pooled.setdefault(o.match, {"says": o.text, "kind": o.provenance.get("kind", "curated"),
                                            "citations": [], "offers": []})
            e["offers"].append((qi, j))
            for c in o.provenance.get("citations", []):
                if not any(c["source"] == d["source"] and c["quote"] == d["quote"] for d in e["citations"]):
                    e["citations"].append(c)
            if o.provenance.get("kind") == "source-error":
                e["kind"] = "source-error"
            elif o.provenance.get("kind") == "borrowed" and e["kind"] != "source-error":
                e["kind"], e["from_fact"] = "borrowed", o.provenance.get("from_fact")
    n_students = len(delivery.students)
    names = np.array([s.student for s in delivery.students], dtype=object)
    groups = (("lower", m.lower), ("middle", m.middle), ("upper", m.upper))
    found = []
    for e in pooled.values():
        chances = np.zeros(n_students, dtype=np.int32)
        picks = np.zeros(n_students, dtype=np.int32)
        for qi, j in e["offers"]:
            chances += m.offered[:, qi]
            picks += m.choices[:, qi] == j
        saw = chances > 0
        offered = int(saw.sum())
        if not offered:
            continue
        chose = picks > 0
        chosen_by = int(chose.sum())
        lo, hi = wilson(chosen_by, offered)
        held = chose & (picks >= 2) & (2 * picks >= chances)
        bands = {}
        for name, g in groups:
            seen = int((saw & g).sum())
            k = int((chose & g).sum())
            bands[name] = {"offered": seen, "chosen_by": k, "share": round(k / seen, 4) if seen else None}
        shares = {b: v["share"] for b, v in bands.items()}
        typical = (chosen_by >= SADLER_MIN and shares["middle"] is not None
                   and all(shares[b] is None or shares["middle"] > shares[b] for b in ("lower", "upper")))
        ids = np.flatnonzero(chose)
        # "k of n" pairs counted in one bincount: k and n are small whole numbers.
        base = int(chances.max()) + 1
        tally = np.bincount(picks[ids] * base + chances[ids], minlength=1) if ids.size else np.zeros(0, dtype=int)
        pairs = np.flatnonzero(tally)
        entry = {
            "id": 0, "says": e["says"], "kind": e["kind"],
            "sources": list(dict.fromkeys(c["source"] for c in e["citations"])),
            "citations": e["citations"],
            "why": e["citations"][0]["why"] if e["citations"] else "",
            "facts": [key.questions[qi].fact_id for qi, _ in e["offers"]],
            "offered": offered, "chosen_by": chosen_by,
            "chosen_ci": [_r(lo), _r(hi)],
            "chances": int(chances.sum()), "chosen": int(picks.sum()),
            "held": int(held.sum()),
            "consistency": [{"k_of_n": f"{v // base} of {v % base}", "students": int(tally[v])}
                            for v in pairs.tolist()],
            "bands": bands,
            "typical_misconception": bool(typical),
            "students": names[ids].tolist(),
        }
        if e.get("from_fact"):
            entry["from_fact"] = e["from_fact"]
        found.append((entry, e["offers"]))
    found.sort(key=lambda x: (-x[0]["chosen_by"], -x[0]["chosen"], x[0]["says"]))
    for rank, (entry, _) in enumerate(found):
        entry["id"] = rank
    return [entry for entry, _ in found], reteaching(delivery, m, found)


def reteaching(delivery: Delivery, m: Matrix, found: list[tuple[dict, list]]) -> list[dict]:
    """Per student, the misconceptions they chose (their ``id``s, most common first) and, in step, on which facts.

    Two parallel lists rather than a dict per entry: a class of 10,000 has some 400,000 entries."""
    n_q = m.choices.shape[1]
    width = int(m.n_options.max()) if n_q else 0
    lookup = np.full((n_q, max(width, 1)), -1, dtype=np.int32)
    for entry, offers in found:
        for qi, j in offers:
            lookup[qi, j] = entry["id"]
    chosen = np.clip(m.choices, 0, None)
    codes = np.where(m.choices >= 0, lookup[np.arange(n_q)[None, :], chosen], -1)
    facts = [q.fact_id for q in delivery.key.questions]
    out = []
    students, questions = np.nonzero(codes >= 0)   # row by row, questions in order
    ends = np.searchsorted(students, np.arange(len(delivery.students)), side="right").tolist()
    picked, questions = codes[students, questions].tolist(), questions.tolist()
    start = 0
    for s, end in zip(delivery.students, ends):
        if end > start:
            by: dict[int, list[str]] = {}
            for k in range(start, end):
                by.setdefault(picked[k], []).append(facts[questions[k]])
            ids = sorted(by)
            out.append({"student": s.student, "misconceptions": ids, "facts": [by[i] for i in ids]})
        start = end
    return out


def _r(x) -> float | None:
    x = float(x)
    return None if x != x else round(x, 4)


def sources_ranked(found: list[dict], n_students: int) -> list[dict]:
    """Sources by how many students chose at least one of their errors, with their words."""
    by_source: dict[str, dict] = {}
    for mc in found:
        if mc["kind"] != "source-error":
            continue
        for c in mc["citations"]:
            s = by_source.setdefault(c["source"], {"id": c["source"], "title": c.get("title", c["source"]),
                                                   "students": set(), "errors": []})
            s["students"].update(mc["students"])
            if not any(x["says"] == mc["says"] for x in s["errors"]):
                s["errors"].append({"says": mc["says"], "quote": c["quote"], "chosen_by": mc["chosen_by"],
                                    "offered": mc["offered"]})
    out = []
    for s in by_source.values():
        misled = len(s["students"])
        out.append({"id": s["id"], "title": s["title"], "misled": misled,
                    "share": round(misled / n_students, 4) if n_students else None,
                    "errors": sorted(s["errors"], key=lambda x: (-x["chosen_by"], x["says"]))})
    out.sort(key=lambda s: (-s["misled"], s["id"]))
    return out
