"""Bank text → card HTML: the documented markup subset, everything else escaped."""

from __future__ import annotations

import pytest

from generator.anki.markup import link_html, plain_html, safe_url, text_html


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


def test_links_only_to_web_addresses():
    assert safe_url("https://example.org/a?b=1&c=2") == "https://example.org/a?b=1&c=2"
    for bad in ("javascript:alert(1)", "JAVASCRIPT:alert(1)", "data:text/html,<script>", "  ", "",
                'https://x.org/" onmouseover="alert(1)', "vbscript:x", "/relative"):
        assert safe_url(bad) is None
    assert link_html("T", "https://example.org/?a=1&b=\"2\"") == "T"  # quotes in an address: not linked
    assert link_html("T", "https://example.org/?a=1&b=2") == '<a href="https://example.org/?a=1&amp;b=2">T</a>'
    assert link_html("<T>", "javascript:alert(1)") == "&lt;T&gt;"
