"""The bank learns: each graded delivery appended to a history file beside the bank.

``<bank>.history.jsonl`` (``questions.yaml`` → ``questions.history.jsonl``) holds one JSON
object per line, keys sorted, one line per delivery: the date, the quiz id, a hash of the
responses, and per fact and option how many students were offered it and chose it, in
all and by score group. Lines are only ever appended (the same responses twice are
recorded once), so two people's deliveries merge as two added lines (mark the file
``merge=union`` in .gitattributes and git never stops on it). The bank's YAML is never
touched.

From the pooled counts, `history_warnings` tells `errata check` what the deliveries
teach — a source error nobody picks over two or more deliveries, a possible miskey,
negative discrimination — and `history_analysis` rebuilds the report over them all.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from pathlib import Path

from ..diagnostics import Diagnostic, WARNING
from ..history_file import history_path
from .analysis import pct
from .stats import MIN_N, Matrix, item_statistics, wilson

FORMAT = "errata-history"
GROUPS = ("lower", "middle", "upper")


def delivery_record(graded, today: datetime.date | None = None) -> dict:
    a = graded.analysis
    digest = hashlib.sha256("\n".join(sorted(i["sha256"] for i in a["inputs"])).encode()).hexdigest()
    m = Matrix(graded.delivery)
    s = item_statistics(m)   # exact counts; the analysis holds shares
    facts = {}
    for qi, q in enumerate(graded.delivery.key.questions):
        n = int(s["n"][qi])
        if not n:
            continue
        options = {}
        for j, o in enumerate(q.options):
            options[o.text] = {"correct": o.correct, "kind": o.provenance.get("kind", "curated"),
                               "sources": o.provenance.get("sources", []), "chosen": int(s["chosen"][qi, j]),
                               **{g: int(s["chosen_by_group"][k, qi, j]) for k, g in enumerate(GROUPS)}}
        facts[q.fact_id] = {"n": n, "right": int(s["right"][qi]),
                            "groups": {g: int(s["group_n"][k][qi]) for k, g in enumerate(GROUPS)},
                            "options": options}
    return {"format": FORMAT, "version": 1, "date": (today or datetime.date.today()).isoformat(),
            "quiz": a["quiz"]["id"], "deck": a["quiz"]["deck"]["id"], "deck_title": a["quiz"]["deck"]["title"],
            "responses": digest,
            "students": a["test"]["n"], "facts": facts}


def read_history(path: Path) -> list[tuple[int, dict]]:
    """(line number, delivery) for every well-formed line; a damaged line is left out, not fatal."""
    if not path.exists():
        return []
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        try:
            d = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(d, dict) and d.get("format") == FORMAT and isinstance(d.get("facts"), dict):
            out.append((n, d))
    return out


def record_delivery(bank: str, graded, today: datetime.date | None = None) -> str:
    """Append the delivery (once) to the bank's history; the file's name, with what happened."""
    path = history_path(bank)
    record = delivery_record(graded, today)
    for _, d in read_history(path):
        if d.get("responses") == record["responses"] and d.get("quiz") == record["quiz"]:
            return f"{path} (already recorded on {d.get('date')})"
    line = json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"
    text = path.read_bytes() if path.exists() else b""
    with open(path, "ab") as fh:
        if text and not text.endswith(b"\n"):
            fh.write(b"\n")
        fh.write(line.encode("utf-8"))
    return str(path)


def pooled(deliveries: list[tuple[int, dict]]) -> dict[str, dict]:
    """Per fact: deliveries, N, right, group sizes, and per option its counts, summed over deliveries."""
    facts: dict[str, dict] = {}
    for line, d in deliveries:
        for fact_id, f in d["facts"].items():
            p = facts.setdefault(fact_id, {"deliveries": 0, "n": 0, "right": 0, "last_line": line,
                                           "groups": dict.fromkeys(GROUPS, 0), "options": {}})
            p["deliveries"] += 1
            p["n"] += f.get("n", 0)
            p["right"] += f.get("right", 0)
            p["last_line"] = line
            for g in GROUPS:
                p["groups"][g] += f.get("groups", {}).get(g, 0)
            for text, o in f.get("options", {}).items():
                q = p["options"].setdefault(text, {"correct": o.get("correct", False), "kind": o.get("kind"),
                                                   "sources": o.get("sources", []), "offered_in": 0, "offered": 0,
                                                   "chosen": 0, **dict.fromkeys(GROUPS, 0)})
                q["offered_in"] += 1
                q["offered"] += f.get("n", 0)
                q["chosen"] += o.get("chosen", 0)
                for g in GROUPS:
                    q[g] += o.get(g, 0)
    return facts


def history_warnings(bank: str, known_facts: set[str] | None = None) -> list[Diagnostic]:
    """What the recorded deliveries say about the bank, as warnings located in the history file."""
    path = history_path(bank)
    deliveries = read_history(path)
    out = []
    for fact_id, p in sorted(pooled(deliveries).items()):
        if known_facts is not None and fact_id not in known_facts:
            continue
        where = {"file": str(path), "line": p["last_line"], "fact_id": fact_id}
        key = next((o for o in p["options"].values() if o["correct"]), None)
        for text, o in p["options"].items():
            if o["kind"] == "source-error" and o["offered_in"] >= 2 and o["chosen"] == 0:
                out.append(Diagnostic(WARNING, f"the source error '{text}' ({', '.join(o['sources'])}) was chosen "
                                               f"by nobody in {o['offered_in']} deliveries (0 of {o['offered']} "
                                               f"students)", code="history-unused", **where,
                                      hint="students may not hold this belief; keep it if it matters, or prefer "
                                           "another source's error"))
        up, lo = p["groups"]["upper"], p["groups"]["lower"]
        if key is None or p["n"] < MIN_N or not up or not lo:
            continue
        for text, o in p["options"].items():
            if not o["correct"] and o["upper"] > key["upper"]:
                out.append(Diagnostic(WARNING, f"possible miskey: the upper group chose '{text}' ({o['upper']} of "
                                               f"{up}) more than the key '{next(t for t, x in p['options'].items() if x['correct'])}' "
                                               f"({key['upper']} of {up}) over {p['deliveries']} deliveries",
                                      code="history-miskey", **where,
                                      hint="check the answer and the wording of the question"))
        d = key["upper"] / up - key["lower"] / lo
        if d < 0:
            out.append(Diagnostic(WARNING, f"negative discrimination: the upper group answered it right less often "
                                           f"than the lower ({pct(key['upper'] / up)} vs {pct(key['lower'] / lo)}, "
                                           f"D = {d:.2f}, N = {p['n']} over {p['deliveries']} deliveries)",
                                  code="history-negative", **where,
                                  hint="an ambiguous stem or a second defensible answer is the usual cause"))
    return out


def history_analysis(bank: str) -> dict | None:
    """The report over every recorded delivery, from the pooled counts (no per-student data is kept)."""
    path = history_path(bank)
    deliveries = read_history(path)
    if not deliveries:
        return None
    facts = pooled(deliveries)
    items = []
    claims: dict[str, dict] = {}
    for fact_id, p in sorted(facts.items()):
        lo_ci, hi_ci = wilson(p["right"], p["n"])
        g = p["groups"]
        key = next((o for o in p["options"].values() if o["correct"]), None)
        d = (key["upper"] / g["upper"] - key["lower"] / g["lower"]) if key and g["upper"] and g["lower"] else None
        options = []
        for text, o in p["options"].items():
            options.append({"text": text, "correct": o["correct"], "kind": o["kind"], "sources": o["sources"],
                            "offered": o["offered"], "chosen": o["chosen"],
                            "share": round(o["chosen"] / o["offered"], 4) if o["offered"] else None,
                            **{f"share_{b}": round(o[b] / g[b], 4) if g[b] else None for b in GROUPS}})
            if not o["correct"]:
                c = claims.setdefault(text, {"says": text, "kind": o["kind"], "sources": o["sources"], "facts": [],
                                             "offered": 0, "chosen": 0, **dict.fromkeys(GROUPS, 0),
                                             **{f"{b}_offered": 0 for b in GROUPS}})
                c["facts"].append(fact_id)
                c["offered"] += o["offered"]
                c["chosen"] += o["chosen"]
                for b in GROUPS:
                    c[b] += o[b]
                    c[f"{b}_offered"] += g[b]
        items.append({"fact_id": fact_id, "deliveries": p["deliveries"], "n": p["n"], "right": p["right"],
                      "p": round(p["right"] / p["n"], 4) if p["n"] else None,
                      "p_ci": [_r(lo_ci), _r(hi_ci)], "d": None if d is None or p["n"] < MIN_N else round(d, 4),
                      "options": options})
    misconceptions = []
    for c in claims.values():
        lo, hi = wilson(c["chosen"], c["offered"])
        shares = {b: (c[b] / c[f"{b}_offered"] if c[f"{b}_offered"] else None) for b in GROUPS}
        typical = (c["chosen"] >= 3 and shares["middle"] is not None
                   and all(shares[b] is None or shares["middle"] > shares[b] for b in ("lower", "upper")))
        misconceptions.append({"says": c["says"], "kind": c["kind"], "sources": c["sources"], "facts": c["facts"],
                               "offered": c["offered"], "chosen": c["chosen"], "chosen_ci": [_r(lo), _r(hi)],
                               "bands": {b: _r(v) if v is not None else None for b, v in shares.items()},
                               "typical_misconception": typical})
    misconceptions.sort(key=lambda m: (-m["chosen"], m["says"]))
    sources: dict[str, int] = {}
    for m in misconceptions:
        for s in m["sources"]:
            sources[s] = sources.get(s, 0) + m["chosen"]
    last = deliveries[-1][1]
    return {"format": "errata-history-analysis", "version": 1, "history": str(path),
            "deck": {"id": last.get("deck", ""), "title": last.get("deck_title") or last.get("deck", "")},
            "deliveries": [{"line": n, "date": d.get("date"), "quiz": d.get("quiz"), "students": d.get("students"),
                            "responses": d.get("responses")} for n, d in deliveries],
            "items": items, "misconceptions": misconceptions,
            "sources": [{"id": s, "chosen": n} for s, n in sorted(sources.items(), key=lambda x: (-x[1], x[0]))]}


def _r(x) -> float | None:
    x = float(x)
    return None if x != x else round(x, 4)


def history_markdown(h: dict) -> str:
    from .report_md import esc, f2
    lines = [f"# Every recorded delivery ({len(h['deliveries'])})", "",
             "| line | date | quiz | students | responses |", "|---:|---|---|---:|---|"]
    lines += [f"| {d['line']} | {esc(d['date'])} | {esc(d['quiz'])} | {d['students']} | `{d['responses'][:12]}` |"
              for d in h["deliveries"]]
    lines += ["", "## Questions, pooled", "",
              "| fact | deliveries | N | p (95 % CI) | D |", "|---|---:|---:|---|---:|"]
    for i in h["items"]:
        lines.append(f"| {esc(i['fact_id'])} | {i['deliveries']} | {i['n']} | {pct(i['p'])} ({pct(i['p_ci'][0])}–"
                     f"{pct(i['p_ci'][1])}) | {f2(i['d'])} |")
    lines += ["", "## Misconceptions, pooled", "",
              "Chosen: answers that picked the claim, of the times it was offered (a student who met it in two "
              "deliveries counts twice).", "",
              "| claim | chosen | offered | 95 % CI | lower | middle | upper | sources |",
              "|---|---:|---:|---|---:|---:|---:|---|"]
    for m in h["misconceptions"]:
        label = " (typical of a real misconception)" if m["typical_misconception"] else ""
        b = m["bands"]
        lines.append(f"| {esc(m['says'])}{label} | {m['chosen']} | {m['offered']} | {pct(m['chosen_ci'][0])}–"
                     f"{pct(m['chosen_ci'][1])} | {pct(b['lower'])} | {pct(b['middle'])} | {pct(b['upper'])} | "
                     f"{esc(', '.join(m['sources']))} |")
    lines += ["", "## Sources, by the answers they misled", ""]
    lines += [f"- `{s['id']}`: {s['chosen']}" for s in h["sources"]]
    return "\n".join(lines) + "\n"
