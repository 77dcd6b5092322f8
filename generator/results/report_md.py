"""report.md: the analysis for a trainer to read, from the analysis dict alone.

Sections: the test, flagged questions, every question's options, misconceptions,
sources, re-teaching lists, skipped rows. Bank text and students' names are escaped
so that nothing in them is read as Markdown or HTML.
"""

from __future__ import annotations

import re

from ..text.markup import plain_text, text_html

from .analysis import pct

# Inline characters that Markdown or HTML would read; texts never start a line here, so '#', '-', '1.' are safe.
_MD = re.compile(r"([\\`*_\[\]<>|~&])")


def esc(text) -> str:
    """Text shown as written: Markdown and HTML characters escaped, line breaks as spaces."""
    return _MD.sub(r"\\\1", " ".join(str(text).split()))


_TAGS = re.compile(r"(</?(?:b|i|sub|sup)>|<br>)")
_MD_ONLY = re.compile(r"([\\`*_\[\]|~])")   # &, < and > are already entities in text_html's output


def rich(text) -> str:
    """Bank text with its markup subset as inline HTML (GitHub renders it), everything else escaped."""
    parts = _TAGS.split(text_html(str(text)))
    return "".join(p if i % 2 else _MD_ONLY.sub(r"\\\1", p) for i, p in enumerate(parts)).replace("<br>", " ")


def f2(x) -> str:
    return "—" if x is None else f"{x:.2f}"


def render_markdown(a: dict) -> str:
    t = a["test"]
    quiz = a["quiz"]
    lines = [f"# {esc(quiz['deck']['title'])}: results of quiz {esc(quiz['id'])}", ""]
    lines += [f"Responses: " + ", ".join(f"{esc(i['file'])} ({esc(i['format'])}, {i['rows']} rows)"
                                          for i in a["inputs"]) + ".", ""]
    lines += ["## The test", "",
              "| N | questions | mean | SD | median | KR-20 | SEM |", "|---:|---:|---:|---:|---:|---:|---:|",
              f"| {t['n']} | {t['k']} | {f2(t['mean'])} | {f2(t['sd'])} | {f2(t['median'])} | {f2(t['kr20'])} | "
              f"{f2(t['sem'])} |", ""]
    g = a["groups"]
    lines += [f"Score groups (27 %, ties kept together): lower {g['lower']['n']}, middle {g['middle']['n']}, "
              f"upper {g['upper']['n']} students. Discrimination indices (r, D, option r) are shown only for "
              f"questions seen by at least {a['settings']['min_n_discrimination']} students.", ""]
    flagged = [i for i in a["items"] if i["flags"]]
    lines += ["## Questions to look at", ""]
    if not flagged:
        lines += ["None.", ""]
    for i in flagged:
        lines.append(f"- **{i['number']}. {esc(i['fact_id'])}**")
        lines += [f"  - {esc(f['reason'])}" for f in i["flags"]]
    lines.append("")
    lines += ["## Questions", "",
              "| # | fact | N | p (95 % CI) | r item–rest | D | flags |", "|---:|---|---:|---|---:|---:|---|"]
    for i in a["items"]:
        lines.append(f"| {i['number']} | {esc(i['fact_id'])} | {i['n']} | {pct(i['p'])} "
                     f"({pct(i['p_ci'][0])}–{pct(i['p_ci'][1])}) | {f2(i['r_pb'])} | {f2(i['d'])} | "
                     f"{esc(', '.join(f['code'] for f in i['flags']))} |")
    lines.append("")
    for i in a["items"]:
        lines += [f"### {i['number']}. {rich(i['question'])}", "",
                  f"Fact `{i['fact_id']}`; N = {i['n']}, blank {i['blank']}, multiple {i['multiple']}, "
                  f"unreadable {i['unreadable']}.", "",
                  "| option | chosen | share | lower | middle | upper | r option–rest | from |",
                  "|---|---:|---:|---:|---:|---:|---:|---|"]
        for o in i["options"]:
            mark = " ✓" if o["correct"] else ""
            lines.append(f"| {rich(o['text'])}{mark} | {o['chosen']} | {pct(o['share'])} | {pct(o['share_lower'])} "
                         f"| {pct(o['share_middle'])} | {pct(o['share_upper'])} | {f2(o['r_pb'])} | "
                         f"{esc(provenance_words(o['provenance']))} |")
        lines.append("")
    lines += ["## Misconceptions", "",
              "A misconception is a wrong claim, pooled over every question that offered it. *Held*: chosen on at "
              "least two chances and on at least half of them.", "",
              "| claim | chosen by | of | 95 % CI | held | lower | middle | upper | sources |",
              "|---|---:|---:|---|---:|---:|---:|---:|---|"]
    for mc in a["misconceptions"]:
        b = mc["bands"]
        label = " (typical of a real misconception)" if mc["typical_misconception"] else ""
        lines.append(f"| {rich(mc['says'])}{label} | {mc['chosen_by']} | {mc['offered']} | "
                     f"{pct(mc['chosen_ci'][0])}–{pct(mc['chosen_ci'][1])} | {mc['held']} | "
                     f"{pct(b['lower']['share'])} | {pct(b['middle']['share'])} | {pct(b['upper']['share'])} | "
                     f"{esc(', '.join(mc['sources']) or provenance_words({'kind': mc['kind']}))} |")
    lines += ["", "*Typical of a real misconception*: chosen most by middle scorers, the pattern Sadler (1998) found "
                  "for genuine alternative conceptions; the distractor is working, not faulty.", ""]
    lines += ["## Sources that misled the class", ""]
    if not a["sources"]:
        lines += ["No source's error was chosen.", ""]
    for s in a["sources"]:
        if not s["misled"]:
            continue
        lines.append(f"- **{esc(s['title'])}** (`{s['id']}`): misled {s['misled']} student"
                     f"{'s' if s['misled'] != 1 else ''} ({pct(s['share'])})")
        for e in s["errors"]:
            if e["chosen_by"]:
                lines.append(f"  - \"{esc(e['quote'])}\" — chosen by {e['chosen_by']} of {e['offered']}")
    lines += ["", "## Re-teaching list", "",
              "Each student's wrong answers that a source states or a distractor encodes, with the source's words "
              "and why the claim is wrong.", ""]
    # Each misconception's lines are written once and reused for every student who chose it.
    blocks = [_reteach_block(mc) for mc in a["misconceptions"]]
    fact = {i["fact_id"]: esc(i["fact_id"]) for i in a["items"]}
    for r in a["reteach"]:
        lines += [f"### {esc(r['student'])}", ""]
        for i, facts in zip(r["misconceptions"], r["facts"]):
            head, tail = blocks[i]
            lines.append(f"{head} ({', '.join([fact[f] for f in facts])}){tail}")
        lines.append("")
    if a["skipped"]:
        lines += ["## Skipped rows", ""]
        lines += [f"- {esc(s['file'])}:{s['row'] or ''}: {esc(s['reason'])}" for s in a["skipped"]]
        lines.append("")
    return "\n".join(lines)


def _reteach_block(mc: dict) -> tuple[str, str]:
    """A misconception's line head and the lines under it (sources' words, why), joined once."""
    tail = [f"  - {esc(c.get('title', c['source']))}: \"{esc(c['quote'])}\"" for c in mc["citations"]]
    if mc["why"]:
        tail.append(f"  - Why it is wrong: {rich(mc['why'])}")
    return f"- **{rich(mc['says'])}**", "".join("\n" + t for t in tail)


def provenance_words(p: dict) -> str:
    kind = p.get("kind")
    if kind == "answer":
        return "key"
    if kind == "source-error":
        return "error of " + ", ".join(p.get("sources", []))
    if kind == "borrowed":
        return f"answer of {p.get('from_fact')}"
    return "curated"


def render_summary(a: dict) -> str:
    """A few lines for the terminal."""
    t = a["test"]
    flagged = sum(1 for i in a["items"] if i["flags"])
    top = [m for m in a["misconceptions"] if m["chosen_by"]][:3]
    lines = [f"{t['n']} student{'s' if t['n'] != 1 else ''}, {t['k']} questions: mean {f2(t['mean'])}, SD {f2(t['sd'])}, "
             f"KR-20 {f2(t['kr20'])}; {flagged} question{'s' if flagged != 1 else ''} flagged"]
    for m in top:
        lines.append(f"  misconception: '{plain_text(m['says'])}': {m['chosen_by']} of {m['offered']} students"
                     + (f" ({', '.join(m['sources'])})" if m["sources"] else ""))
    if a["sources"] and a["sources"][0]["misled"]:
        s = a["sources"][0]
        lines.append(f"  most misleading source: {s['id']} ({s['misled']} students)")
    if a["skipped"]:
        lines.append(f"  {len(a['skipped'])} bad row{'s' if len(a['skipped']) != 1 else ''} skipped (listed in "
                     f"report.md)")
    return "\n".join(lines)
