"""The self-quiz page as a file: what it holds, how it hides the answers, how it is written.

The page in a browser is tested in test_html_page.py.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path

import pytest

from generator.check import read_bank
from generator.quiz import generate, select_facts
from generator.text.markup import spans
from generator.writers.html import page_data, render, reveal
from generator.writers.html.page import rich, script_json
from tests.quiz_banks import write_bank
from tests.tools import errata

ROOT = Path(__file__).parent.parent
KETAMINE = ROOT / "questions.yaml"
EXAMPLE = ROOT / "examples" / "solar-system.yaml"
EMBEDDED = re.compile(r'<script type="application/json" id="errata-quiz">(.*?)</script>', re.S)


def embedded(page: bytes) -> dict:
    return json.loads(EMBEDDED.search(page.decode("utf-8")).group(1))


def injection_data() -> dict:
    """Every text tries to end the script element, open a comment or break a JavaScript string."""
    evil = "</script><script>alert(1)</script> <!-- \" ' ` \u2028 \u2029 </SCRIPT > <img src=x onerror=alert(2)>"
    return {
        "deck": {"id": "inject", "title": f"Deck {evil}", "description": f"About {evil}"},
        "sources": {"evil": {"title": f"Source {evil}", "url": "javascript:alert(3)"}},
        "references": {"r": {"title": f"Ref {evil}", "publisher": f"Pub {evil}", "url": "javascript:alert(4)"}},
        "facts": [
            {"id": "inject", "topic": f"Topic {evil}", "kind": "k", "question": f"Question {evil}?",
             "answer": f"Answer {evil}", "accept": [f"Also {evil}"], "explain": f"Because **{evil}**", "refs": ["r"],
             "errors": [{"says": f"Claim {evil}", "source": "evil", "quote": f"Quote {evil}", "why": f"Why {evil}"}],
             "distractors": [f"Other {evil}"]},
            {"id": "second", "topic": "Plain", "kind": "k", "question": "A plain question, H~2~O?",
             "answer": "A plain answer", "explain": "Plain.", "refs": ["r"], "distractors": ["Another", "*Third*"]},
        ],
    }


@pytest.fixture(scope="module")
def ketamine():
    return read_bank(str(KETAMINE))


def test_same_quiz_same_bytes(ketamine):
    a = render(generate(ketamine, seed=3))
    assert a == render(generate(ketamine, seed=3))
    assert a != render(generate(ketamine, seed=4))  # other option orders: another quiz, another hash


def test_data_is_hidden_and_recoverable(ketamine):
    quiz = generate(ketamine, seed=0)
    page = render(quiz)
    meta = embedded(page)
    data = page_data(quiz)
    assert reveal(meta) == data
    assert len(meta["questions"]) == len(data["questions"]) == len(quiz.questions)
    parts = [json.dumps(p, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()
             for p in [{k: v for k, v in data.items() if k != "questions"}, *data["questions"]]]
    assert meta["hash"] == hashlib.sha256(b"\n".join(parts)).hexdigest()
    assert meta["results"] == {"format": "errata-selfquiz-results", "version": 1}
    text = page.decode("utf-8")
    # Neither the keys nor the sources' words nor the explanations are in the page source.
    hidden = [f.explain for f in ketamine.facts] + [e.quote for f in ketamine.facts for e in f.errors]
    hidden += [f.answer for f in ketamine.facts if len(f.answer) > 12]
    assert len(hidden) > 100
    assert not [h for h in hidden if h in text]
    decoded = b"".join(base64.b64decode(q) for q in meta["questions"])
    assert not [h for h in hidden if h.encode() in decoded]


def test_page_data_holds_what_feedback_needs():
    quiz = generate(read_bank(str(EXAMPLE)), seed=1)
    data = page_data(quiz)
    hottest = next(q for q in data["questions"] if q["id"] == "hottest-planet")
    mercury = next(o for o in hottest["options"] if o["t"] == "Mercury")
    assert mercury["k"] == "source-error" and [c[0] for c in mercury["cite"]] == ["quiz-site", "old-textbook"]
    assert mercury["cite"][0][1] == "Mercury, being closest to the Sun, is the hottest planet."
    assert len(mercury["why"]) == 2
    assert [o.get("c") for o in hottest["options"]].count(1) == 1
    assert data["sources"]["quiz-site"]["title"].startswith("Space Trivia Night")
    assert data["refs"]["nasa-planets"]["url"] == "https://science.nasa.gov/solar-system/planets/"
    assert data["refs"]["nasa-planets"]["by"] == "NASA"
    # Only what the questions use: a filtered quiz carries no other sources or references.
    small = page_data(generate(quiz.bank, seed=1, facts=select_facts(quiz.bank, ["Planets"])))
    assert {q["topic"] for q in small["questions"]} == {"Planets"}
    used = {r for q in small["questions"] for r in q["refs"]}
    assert set(small["refs"]) == used


def test_markup_subset_as_runs():
    assert rich("plain text") == "plain text"
    assert rich("H~2~O and 10^8^, **bold** *em*") == [
        "H", ["2", ["sub"]], "O and 10", ["8", ["sup"]], ", ", ["bold", ["b"]], " ", ["em", ["i"]]]
    assert rich("two\nlines") == ["two", 0, "lines"]
    assert rich("<b>not a tag</b> \\*star\\*") == "<b>not a tag</b> *star*"
    # The runs are markup.spans, written shorter: every writer shows the same.
    for text in ("H~2~O", "a **b** *c* d^2^", "x\ny", "<i>&amp;</i>", "**bold *both***", ""):
        r = rich(text)
        expanded = ([] if r == "" else [{"t": r}] if isinstance(r, str) else
                    [{"br": True} if x == 0 else {"t": x} if isinstance(x, str) else {"t": x[0], **dict.fromkeys(x[1], True)}
                     for x in r])
        assert expanded == spans(text), text


def test_injection_cannot_leave_the_data_element(tmp_path):
    bank = read_bank(str(write_bank(tmp_path, injection_data())))
    page = render(generate(bank, seed=0)).decode("utf-8")
    assert page.count("<script") == 2 and page.lower().count("</script") == 2
    assert "\u2028" not in page and "\u2029" not in page and "<!--" not in page
    data = reveal(embedded(page.encode()))
    assert data["deck"]["title"].startswith("Deck </script><script>alert(1)")
    # the title is also the page's <title> and heading, escaped
    assert "<title>Deck &lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert data["sources"]["evil"]["url"] is None and data["refs"]["r"]["url"] is None


def test_script_json_escapes():
    text = script_json({"a": "</script><!-- \u2028\u2029 & >"})
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text and "\u2029" not in text
    assert json.loads(text) == {"a": "</script><!-- \u2028\u2029 & >"}


def test_content_security_policy_allows_only_the_page_itself(ketamine):
    page = render(generate(ketamine)).decode("utf-8")
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', page).group(1)
    assert "default-src 'none'" in csp and "unsafe-inline" not in csp
    script = re.search(r"<script>(.*?)</script>", page, re.S).group(1)
    style = re.search(r"<style>(.*?)</style>", page, re.S).group(1)
    for body, directive in ((script, "script-src"), (style, "style-src")):
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"{directive} 'sha256-{digest}'" in csp
    assert "http://" not in script + style and "https://" not in script + style
    assert "innerHTML" not in script and "insertAdjacentHTML" not in script and "document.write" not in script


def test_ketamine_page_weight(ketamine):
    size = len(render(generate(ketamine)))
    assert size < 200_000, size


# --- the command -----------------------------------------------------------------------------------

def test_command_writes_the_page_where_asked(tmp_path):
    out = tmp_path / "quiz.html"
    r = errata("html", EXAMPLE, "-o", out, "--seed", "2")
    assert r.returncode == 0, r.stderr
    assert f"wrote {out}: 6 questions" in r.stdout
    assert out.read_bytes() == render(generate(read_bank(str(EXAMPLE)), seed=2))


def test_command_writes_standard_output():
    r = errata("html", EXAMPLE, "-o", "-", "--seed", "2")
    assert r.returncode == 0 and r.stdout == render(generate(read_bank(str(EXAMPLE)), seed=2)).decode("utf-8")


def test_command_default_output_is_decks(tmp_path):
    bank = tmp_path / "bank.yaml"
    bank.write_text(EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    r = errata("html", "bank.yaml", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "decks" / "solar-system-myths-quiz.html").is_file()


def test_command_filters(tmp_path):
    out = tmp_path / "q.html"
    assert errata("html", EXAMPLE, "-o", out, "--topic", "Planets", "--count", "2", "--seed", "5").returncode == 0
    data = reveal(embedded(out.read_bytes()))
    assert len(data["questions"]) == 2 and {q["topic"] for q in data["questions"]} == {"Planets"}
    assert errata("html", EXAMPLE, "-o", out, "--options", "2").returncode == 0
    assert {len(q["options"]) for q in reveal(embedded(out.read_bytes()))["questions"]} == {2}


@pytest.mark.parametrize("args, code, message", [
    (["--topic", "Nothing"], 2, "no fact matches"),
    (["--count", "0"], 2, "--count must be at least 1"),
    (["--options", "9"], 2, "--options must be between"),
])
def test_command_usage_errors(tmp_path, args, code, message):
    out = tmp_path / "q.html"
    r = errata("html", EXAMPLE, "-o", out, *args)
    assert r.returncode == code and message in r.stderr and "Traceback" not in r.stderr
    assert not out.exists()


def test_command_bad_bank_and_folder_output(tmp_path):
    bad = ROOT / "tests" / "bad_banks" / "distractor-is-answer.yaml"
    r = errata("html", bad, "-o", tmp_path / "q.html")
    assert r.returncode == 1 and "distractor-is-answer.yaml:" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "q.html").exists()
    r = errata("html", EXAMPLE, "-o", tmp_path)
    assert r.returncode == 2 and "is a folder" in r.stderr


def test_results_schema_is_documented():
    schema = json.loads((ROOT / "docs" / "selfquiz-results.schema.json").read_text())
    doc = (ROOT / "docs" / "selfquiz-results.md").read_text()
    names = set(schema["properties"]) | set(schema["$defs"]["answer"]["properties"])
    missing = [n for n in sorted(names) if not re.search(rf"`[^`]*\b{re.escape(n)}\b[^`]*`", doc)]
    assert not missing, missing
