"""Writer: the self-quiz page, one offline HTML file (no network: CSS, script and data inline).

The questions reach the page as JSON inside ``<script type="application/json">``, never as
markup; the script builds every element with ``textContent``. Bank text keeps the markup
subset of `generator.text.markup` as runs (``spans``), so the page shows exactly what the
other writers show. The data is XOR-ed with the quiz's content hash and base64-encoded, so
"view source" does not show the answers in the clear. That is obfuscation, not security:
anyone who reads the script can decode it.

The content hash also names the student's saved progress (localStorage), so a page built
from an edited bank never resumes an older attempt.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
from importlib import resources

from ...quiz import BORROWED, CURATED, SOURCE_ERROR, Option, Quiz
from ...text.markup import plain_html, safe_url, spans, text_html

SUFFIX = ".html"
FORMAT = "errata-selfquiz"
VERSION = 1
RESULTS_FORMAT = "errata-selfquiz-results"  # what the page's "Download results" writes
RESULTS_VERSION = 1

_STYLES = ("b", "i", "sub", "sup")


def rich(text: str):
    """Bank text for the page: a plain string, or runs (text, [styles]) and 0 for a line break."""
    marked = text_html(text)
    if "<" not in marked and "&" not in marked:  # no markup, nothing escaped: most texts
        return marked
    runs = spans(text)
    if not runs:
        return ""
    if len(runs) == 1 and set(runs[0]) == {"t"}:
        return runs[0]["t"]
    return [0 if r.get("br") else ([r["t"], [s for s in _STYLES if r.get(s)]] if len(r) > 1 else r["t"])
            for r in runs]


def plain(text: str) -> str:
    """Text shown exactly as written (quotes, titles): the other writers' rule, as text, not HTML."""
    return html.unescape(plain_html(text).replace("<br>", "\n"))


def _text(raw: str) -> dict:
    """The raw text (what results record) and, when it shows differently, its rendering."""
    shown = rich(raw)
    return {"t": raw} if shown == raw else {"t": raw, "r": shown}


def _option(o: Option) -> dict:
    out = _text(o.text)
    p = o.provenance
    if o.correct:
        out["c"] = 1
    elif p is None or p.kind == CURATED:
        out["k"] = CURATED
    elif p.kind == BORROWED:
        out["k"] = BORROWED
    elif p.kind == SOURCE_ERROR:
        out["k"] = SOURCE_ERROR
        out["why"] = [rich(w) for w in p.whys]
        out["cite"] = [[e.source, plain(e.quote)] for e in p.errors]
    return out


def page_data(quiz: Quiz) -> dict:
    """Everything the page shows; sources and references once, by id."""
    bank = quiz.bank
    questions, sources, refs = [], {}, {}
    for q in quiz.questions:
        f = q.fact
        options = [_option(o) for o in q.options]
        for o in options:
            for sid, _ in o.get("cite", ()):
                if sid not in sources:
                    s = bank.sources.get(sid)
                    sources[sid] = {"title": plain(bank.source_title(sid)), "url": safe_url(s.url) if s else None}
        for rid in f.refs:
            if rid not in refs:
                r = bank.references[rid]
                by = ", ".join(x for x in (str(r.publisher).strip(), str(r.year).strip()) if x)
                refs[rid] = {"title": plain(r.title), "by": plain(by), "url": safe_url(r.url)}
        questions.append({
            "id": f.id, "topic": plain(f.topic), **_text(f.question),
            "options": options, "accept": [rich(a) for a in f.accept], "explain": rich(f.explain), "refs": f.refs,
        })
    return {
        "deck": {"id": bank.deck.id, "title": bank.deck.title, "description": rich(bank.deck.description)},
        "sources": sources, "refs": refs, "questions": questions,
    }


def _xor(payload: bytes, key: bytes) -> bytes:
    stream = (key * (len(payload) // len(key) + 1))[:len(payload)]
    return (int.from_bytes(payload, "big") ^ int.from_bytes(stream, "big")).to_bytes(len(payload), "big")


def _dumps(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")


def embedded_data(quiz: Quiz) -> dict:
    """What the page's data element holds: the shared part (deck, sources, references) and each
    question apart, so the page decodes a question only when it shows it (a 10k-fact page opens at
    once). Each part is its JSON XOR the content hash's 32 bytes, repeated, in base64: out of plain
    sight, not secret. The hash covers every part, in order."""
    data = page_data(quiz)
    parts = [_dumps({k: v for k, v in data.items() if k != "questions"})] + [_dumps(q) for q in data["questions"]]
    quiz_hash = hashlib.sha256(b"\n".join(parts)).hexdigest()
    key = bytes.fromhex(quiz_hash)
    hidden = [base64.b64encode(_xor(p, key)).decode("ascii") for p in parts]
    return {"format": FORMAT, "version": VERSION, "hash": quiz_hash,
            "results": {"format": RESULTS_FORMAT, "version": RESULTS_VERSION},
            "shared": hidden[0], "questions": hidden[1:]}


def reveal(embedded: dict) -> dict:
    """The page's data (as `page_data` gives it) from its data element: for tools and tests."""
    key = bytes.fromhex(embedded["hash"])

    def part(text: str):
        return json.loads(_xor(base64.b64decode(text), key))

    return {**part(embedded["shared"]), "questions": [part(q) for q in embedded["questions"]]}


def script_json(value) -> str:
    """JSON that is safe inside a <script> element: no '<', '>' or '&' (so never '</script>' or
    '<!--'), and U+2028/2029 escaped for old JavaScript parsers."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    for char, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                         ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(char, escape)
    return text


def _asset(name: str) -> str:
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


def _csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def render(quiz: Quiz) -> bytes:
    """The page, as bytes: the same quiz gives the same bytes."""
    embedded = script_json(embedded_data(quiz))
    css, js = _asset("selfquiz.css"), _asset("selfquiz.js")
    # Only this page's own style and script may run, and nothing may be fetched.
    csp = (f"default-src 'none'; style-src {_csp_hash(css)}; script-src {_csp_hash(js)}; "
           "img-src data:; base-uri 'none'; form-action 'none'")
    title = html.escape(plain(quiz.bank.deck.title), quote=False).replace("\u2028", "&#8232;").replace("\u2029", "&#8233;")
    page = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{csp}">
<meta name="color-scheme" content="light dark">
<meta name="generator" content="Errata">
<title>{title} — self-quiz</title>
<style>{css}</style>
</head>
<body>
<main id="app">
<h1 id="deck-title">{title}</h1>
<noscript><p class="note">This quiz needs JavaScript. Open the file in a web browser with JavaScript turned on.</p></noscript>
</main>
<script type="application/json" id="errata-quiz">{embedded}</script>
<script>{js}</script>
</body>
</html>
"""
    return page.encode("utf-8")
