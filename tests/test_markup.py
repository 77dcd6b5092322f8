"""Bank text → card HTML: the documented markup subset, everything else escaped."""

from __future__ import annotations

import pytest

from generator.text.markup import link_html, plain_html, plain_text, safe_url, text_html


@pytest.mark.parametrize("text, html", [
    ("plain text", "plain text"),
    ("**strong** and *emphasis*", "<b>strong</b> and <i>emphasis</i>"),
    ("H~2~O and CO~2~", "H<sub>2</sub>O and CO<sub>2</sub>"),
    ("3×10^8^ m/s", "3×10<sup>8</sup> m/s"),
    ("*NMDA* receptor ~0.5 mg/kg to ~1 mg/kg", "<i>NMDA</i> receptor ~0.5 mg/kg to ~1 mg/kg"),
    ("2 * 3 * 4", "2 * 3 * 4"),
    (r"a \*literal\* star, \~ and \^ and \\", "a *literal* star, ~ and ^ and \\"),
    ("line one\nline two", "line one<br>line two"),
    ("  trimmed \n", "trimmed"),
    ("*unclosed emphasis", "*unclosed emphasis"),
])
def test_markup_subset(text, html):
    assert text_html(text) == html


@pytest.mark.parametrize("text", [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "</div></li></ol><script>alert(2)</script>",
    "*<script>*alert(3)*</script>*",
    "&lt;script&gt; is already escaped",
    "<b onmouseover=alert(4)>bold?</b>",
])
def test_html_in_the_bank_is_text(text):
    out = text_html(text)
    assert "<script" not in out and "<img" not in out and "<b " not in out and "</div>" not in out
    assert "&lt;" in out or "&amp;" in out


def test_anki_commands_are_not_run():
    for text in ("[sound:evil.mp3]", "[SOUND:x.ogg]", "[latex]\\input{/etc/passwd}[/latex]", "[$]x[/$]", "[$$]y[/$$]",
                 "[anki:tts]hi[/anki:tts]"):
        out = text_html(text)
        assert "[sound:" not in out.lower() and "[latex]" not in out and "[$" not in out and "[anki:" not in out
        assert out.startswith("&#91;")
    assert text_html("[1] a citation") == "[1] a citation"


def test_controls_are_dropped():
    assert text_html("a\x00b\x01c\x7fd\te") == "abcd\te"
    assert text_html("a\r\nb\rc") == "a<br>b<br>c"


def test_plain_text_has_no_markup():
    assert plain_html("a*b*c ~x~ <i>") == "a*b*c ~x~ &lt;i&gt;"


@pytest.mark.parametrize("text, shown", [
    ("H~2~O~2~", "H₂O₂"),
    ("3×10^8^ m/s and Ca^2+^", "3×10⁸ m/s and Ca²⁺"),
    ("**strong** and *emphasis*", "strong and emphasis"),
    ("x^n+1^ and CO~2~", "xⁿ⁺¹ and CO₂"),
    ("a~b,c~ and 2^y^", "a_(b,c) and 2^y"),     # no small form for every character: plain-text notation
    (r"a \*literal\* star", "a *literal* star"),
    ("line one\nline two", "line one line two"),
    ("<b>not markup</b>", "<b>not markup</b>"),
])
def test_terminal_text(text, shown):
    assert plain_text(text) == shown


def test_links_only_to_web_addresses():
    assert safe_url("https://example.org/a?b=1&c=2") == "https://example.org/a?b=1&c=2"
    for bad in ("javascript:alert(1)", "JAVASCRIPT:alert(1)", "data:text/html,<script>", "  ", "",
                'https://x.org/" onmouseover="alert(1)', "vbscript:x", "/relative"):
        assert safe_url(bad) is None
    assert link_html("T", "https://example.org/?a=1&b=\"2\"") == "T"  # quotes in an address: not linked
    assert link_html("T", "https://example.org/?a=1&b=2") == '<a href="https://example.org/?a=1&amp;b=2">T</a>'
    assert link_html("<T>", "javascript:alert(1)") == "&lt;T&gt;"


# --- the same subset in every writer ----------------------------------------------------

MARKED = {
    "deck": {"id": "marks", "title": "Marks"},
    "sources": {"s": {"title": "Source"}},
    "references": {"r": {"title": "Ref"}},
    "facts": [{
        "id": "water", "topic": "Chemistry", "kind": "formula",
        "question": "Which formula is **NOT** an oxide of hydrogen?",
        "answer": "CH~4~", "explain": "Methane, *not* an oxide; 10^3^ reasons.", "refs": ["r"],
        "errors": [{"says": "H~2~O", "source": "s", "quote": "water is *not* H2O", "why": "It *is* one."}],
        "distractors": ["H~2~O~2~"],
    }],
}


@pytest.fixture(scope="module")
def marked_quiz(tmp_path_factory):
    from generator.quiz import generate
    from tests.quiz_banks import load, write_bank

    return generate(load(write_bank(tmp_path_factory.mktemp("marks"), MARKED)))


def test_lms_exports_honour_the_subset_and_keep_quotes_verbatim(marked_quiz):
    import xml.etree.ElementTree as ET

    from generator.writers.moodle_xml import render

    xml = " ".join(t.text or "" for t in ET.fromstring(render(marked_quiz)).iter("text"))  # the HTML Moodle shows
    assert "<b>NOT</b>" in xml and "CH<sub>4</sub>" in xml and "H<sub>2</sub>O<sub>2</sub>" in xml
    assert "10<sup>3</sup>" in xml and "<i>not</i> an oxide" in xml
    assert "water is *not* H2O" in xml  # a source's words are never reinterpreted
    assert "**" not in xml.replace("water is *not* H2O", "")


def test_print_honours_the_subset(marked_quiz, tmp_path):
    from generator.writers.pdf import render_printout
    from tests.test_quiz_pdf import pdf_text

    files = render_printout(marked_quiz).files
    paper = pdf_text(files["marks-quiz-A.pdf"], tmp_path)
    key = pdf_text(files["marks-key.pdf"], tmp_path)
    for text in (paper, key):
        assert "NOT" in text and "**" not in text and "~" not in text and "CH4" in text.replace(" ", "")
    assert "water is *not* H2O" in key.replace("\n", " ")
