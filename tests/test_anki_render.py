"""The cards as students see them: rendered by the official `anki` package, then run
in headless Chromium (the engine of AnkiDroid's WebView and Anki desktop's Qt WebEngine).

Chromium pages are served from a loopback HTTP server, as Anki serves cards (sessionStorage
needs a real origin). AnkiDroid loads a new page for each side of a card: that is
`page.goto(back)` after the front; Anki desktop keeps one page and swaps its content.
"""

from __future__ import annotations

import functools
import http.server
import importlib.util
import re
import threading
from html.parser import HTMLParser
from pathlib import Path

import pytest
from anki.collection import Collection, ImportAnkiPackageRequest

from generator.text.markup import text_html
from generator.writers.anki.templates import CHOOSE_SCRIPT
from tests.test_anki_build import Clock, bank_dict, build
from tests.tools import require, require_tool

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]

# Every text of this bank tries to become markup.
INJECT = {
    "question": "Which tag runs code? <script>alert('question')</script>",
    "answer": '<img src=x onerror="alert(1)"> none',
    "accept": ["<i onclick=alert(2)>nothing</i>"],
    "explain": "<b onmouseover=alert(3)>bold?</b> &amp; [sound:evil.mp3] </div></div>",
    "says": "<script>alert(4)</script>",
    "quote": '"><svg onload=alert(5)>',
    "why": "<iframe src=javascript:alert(6)></iframe>",
    "distractor": "</li></ol><script>alert(7)</script>",
    "source_title": "<svg/onload=alert(8)>",
    "ref_title": "<a href=javascript:alert(9)>ref</a>",
    "ref_url": "javascript:alert(10)",
    "topic": "Topic <b>x</b>",
}


def injection_bank() -> dict:
    return {
        "deck": {"id": "inject", "title": "Injection", "description": "<script>alert(11)</script>"},
        "sources": {"evil": {"title": INJECT["source_title"], "url": "javascript:alert(12)"}},
        "references": {"r": {"title": INJECT["ref_title"], "url": INJECT["ref_url"]}},
        "facts": [{
            "id": "inject", "topic": INJECT["topic"], "kind": "tag", "question": INJECT["question"],
            "answer": INJECT["answer"], "accept": INJECT["accept"], "explain": INJECT["explain"], "refs": ["r"],
            "errors": [{"says": INJECT["says"], "source": "evil", "quote": INJECT["quote"], "why": INJECT["why"]}],
            "distractors": [INJECT["distractor"]],
        }],
    }


def render_all(tmp: Path, data: dict) -> dict[tuple[str, str], dict]:
    """Import a deck built from ``data`` into a fresh collection; every card's sides by (fact id, card type)."""
    result = build(tmp, data, Clock())
    (tmp / "student").mkdir()
    col = Collection(str(tmp / "student" / "collection.anki2"))
    try:
        col.import_anki_package(ImportAnkiPackageRequest(
            package_path=result.apkg, options=col._backend.get_import_anki_package_presets()))
        cards = {}
        for cid in col.find_cards(""):
            card = col.get_card(cid)
            note = card.note()
            name = card.template()["name"]
            key = (note["FactId"], name if name != "Myth or fact" else f"myth:{note['Quote']}")
            cards[key] = {"question": card.question(), "answer": card.answer(), "ord": card.ord}
        return cards
    finally:
        col.close()


def body(html: str) -> str:
    """The card without the note type's <style> (the CSS mentions class names, not content)."""
    return re.sub(r"<style>.*?</style>", "", html, flags=re.S)


@pytest.fixture(scope="module")
def cards(tmp_path_factory):
    return render_all(tmp_path_factory.mktemp("render"), bank_dict())


@pytest.fixture(scope="module")
def injected(tmp_path_factory):
    return render_all(tmp_path_factory.mktemp("inject"), injection_bank())


# --- rendered by Anki -------------------------------------------------------------------

def test_recall_card(cards):
    q, a = body(cards[("capital-de", "Recall")]["question"]), body(cards[("capital-de", "Recall")]["answer"])
    assert "What is the capital of Germany?" in q and "Berlin" not in q
    assert 'class="errata-answer">Berlin<' in a and "Berlin again since 1990." in a
    assert '<a href="https://example.org/ref">The reference</a>' in a and "Agency, 2020" in a
    assert "capital-de" in a
    planets = body(cards[("planets", "Recall")]["answer"])
    assert "Also right:</span> eight" in planets


def test_choose_card(cards):
    q, a = body(cards[("capital-de", "Choose")]["question"]), body(cards[("capital-de", "Choose")]["answer"])
    for option in ("Berlin", "Bonn", "Munich"):
        assert f'<div class="errata-text">{option}</div>' in q
    assert q.count('<li class="errata-option') == 3 and "<script>" in q
    assert re.search(r'<span class="errata-label">Answer:</span> Berlin', a)
    # the wrong option from two sources: why, each source and its quote
    assert "Bonn was the seat of government of West Germany until 1990." in a and "Not since 1990." in a
    assert 'href="https://example.org/blog">A health blog</a>' in a and "An old leaflet" in a
    assert "“the capital, Bonn,”" in a and "“Bonn is Germany's capital”" in a
    assert "no source in this deck states it" in a  # Munich: a curated distractor
    water = body(cards[("water", "Choose")]["answer"])
    assert "H<sub>2</sub>O" in water and "H<sub>2</sub>O<sub>2</sub>" in water


def test_myth_card(cards):
    side = cards[("capital-de", f"myth:{text_html('Bonn is Germany' + chr(39) + 's capital')}")]
    q, a = body(side["question"]), body(side["answer"])
    assert "A source says:" in q and "‘Bonn is Germany's capital’" in q and "— true?" in q
    assert "Not since 1990." not in q
    assert "<b>No:</b> Not since 1990." in a and "Berlin" in a and "(not: Bonn)" in a and "A health blog" in a


def test_every_card_type_has_cards(cards):
    assert {name for _, name in cards if not name.startswith("myth:")} == {"Recall", "Choose"}
    assert sum(1 for _, name in cards if name.startswith("myth:")) == 4


class Elements(HTMLParser):
    """Every element and attribute a browser would build from the HTML."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


ALLOWED_TAGS = {"div", "span", "hr", "ol", "ul", "li", "a", "b", "i", "sub", "sup", "br", "script"}


def test_injected_html_stays_text_in_every_card_type(injected):
    assert {name.split(":")[0] for _, name in injected} == {"Recall", "Choose", "myth"}
    for key, sides in injected.items():
        for side in ("question", "answer"):
            html = body(sides[side])
            tags = Elements(html).tags
            assert {t for t, _ in tags} <= ALLOWED_TAGS, (key, side)
            assert html.count("<script>") == (1 if key[1] == "Choose" else 0)  # ours, and only ours
            if "<script>" in html:
                assert CHOOSE_SCRIPT in html
            for tag, attrs in tags:
                assert not any(name.startswith("on") for name in attrs), (key, side, tag, attrs)
                assert not (attrs.get("href") or "https:").startswith(("javascript", "data")), (key, side, attrs)
                assert set(attrs) <= {"class", "id", "href", "hidden", "data-errata-side"}, (key, side, tag, attrs)
            assert "[sound:" not in html and "[anki:play" not in html
    a = body(injected[("inject", "Choose")]["answer"])
    assert "&lt;script&gt;alert(4)&lt;/script&gt;" in a and "&lt;/li&gt;&lt;/ol&gt;&lt;script&gt;alert(7)" in a
    assert "&lt;svg/onload=alert(8)&gt;" in a and "&lt;iframe src=javascript:alert(6)&gt;" in a
    recall = body(injected[("inject", "Recall")]["answer"])
    assert "&lt;img src=x onerror=\"alert(1)\"&gt; none" in recall
    assert "&lt;a href=javascript:alert(9)&gt;ref&lt;/a&gt;" in recall and "&#91;sound:evil.mp3]" in recall


# --- run in Chromium ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def chromium():
    path = require_tool("chromium", "the Choose card's script is tested in a real browser engine")
    require(importlib.util.find_spec("playwright") is not None, "the Python playwright package drives chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("www")

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(root)))
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()

    def publish(name: str, html: str, ord_: int = 0, night: bool = False) -> str:
        # Anki's reviewer: the card HTML in #qa, "card cardN" (+ night classes) on the body.
        classes = f"card card{ord_ + 1}" + (" nightMode night_mode" if night else "")
        (root / name).write_text(
            '<!doctype html><html><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1"></head>'
            f'<body class="{classes}"><div id="qa">{html}</div></body></html>', encoding="utf-8")
        return f"http://127.0.0.1:{srv.server_address[1]}/{name}"

    yield publish
    srv.shutdown()


@pytest.fixture()
def page(chromium):
    context = chromium.new_context(viewport={"width": 390, "height": 800})
    pg = context.new_page()
    errors = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    yield pg
    context.close()
    assert not errors, errors


def option_texts(pg) -> list[str]:
    return pg.eval_on_selector_all(".errata-option .errata-text", "els => els.map(e => e.textContent)")


def after_content(pg, selector: str) -> str:
    return pg.eval_on_selector(selector, "e => getComputedStyle(e, '::after').content")


def test_choose_card_survives_ankidroids_reload(cards, server, page):
    side = cards[("capital-de", "Choose")]
    front = server("de-front.html", side["question"], side["ord"])
    back = server("de-back.html", side["answer"], side["ord"])
    page.goto(front)
    order = option_texts(page)
    assert sorted(order) == ["Berlin", "Bonn", "Munich"]
    assert not page.locator(".errata-why").first.is_visible()
    assert page.locator(".errata-tip").is_visible()
    wrong = next(t for t in order if t != "Berlin")
    page.locator(".errata-option", has_text=wrong).click()
    assert page.locator(".errata-picked").inner_text().startswith(wrong)
    assert page.locator(".errata-option", has_text=wrong).get_attribute("aria-pressed") == "true"

    page.goto(back)  # a new page for the back, as AnkiDroid does
    assert option_texts(page) == order
    picked = page.locator(".errata-picked")
    assert picked.count() == 1 and picked.locator(".errata-text").inner_text() == wrong
    assert "errata-wrong" in picked.get_attribute("class")
    letter = "ABC"[order.index(wrong)]
    assert page.locator(".errata-verdict").inner_text() == f"Not quite: you chose {letter}."
    assert "right answer" in after_content(page, ".errata-key .errata-text")
    assert "your answer" in after_content(page, ".errata-picked .errata-text")
    assert page.locator(".errata-why").first.is_visible()
    page.reload()  # the back shown again: same order
    assert option_texts(page) == order

    # the next review of the same card starts afresh: nothing picked yet
    page.goto(front)
    assert page.locator(".errata-picked").count() == 0
    page.goto(back)
    assert page.locator(".errata-picked").count() == 0 and page.locator(".errata-verdict").inner_text() == ""


def test_choose_card_right_pick(cards, server, page):
    side = cards[("water", "Choose")]
    page.goto(server("water-front.html", side["question"], side["ord"]))
    page.locator(".errata-option.errata-key").click()
    page.goto(server("water-back.html", side["answer"], side["ord"]))
    assert page.locator(".errata-verdict").inner_text().startswith("Right: you chose")
    assert "your answer, right" in after_content(page, ".errata-picked .errata-text")


def test_choose_card_shuffles_at_every_review(cards, server, page):
    side = cards[("planets", "Choose")]
    url = server("planets-front.html", side["question"], side["ord"])
    orders = set()
    for _ in range(12):
        page.goto(url)
        order = tuple(option_texts(page))
        assert sorted(order) == ["7", "8", "9"]
        orders.add(order)
    assert len(orders) > 1  # 12 identical shuffles of 3 options: chance below 1e-8


def test_choose_card_on_one_long_lived_page_without_storage(cards, server, chromium):
    """Anki desktop swaps the card inside one page; here sessionStorage also refuses service."""
    context = chromium.new_context()
    context.add_init_script("Object.defineProperty(window, 'sessionStorage', "
                            "{get() { throw new DOMException('denied', 'SecurityError'); }});")
    pg = context.new_page()
    errors = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    side = cards[("capital-fr", "Choose")]
    pg.goto(server("fr-empty.html", "", side["ord"]))
    show = """html => {
        const qa = document.getElementById('qa');
        qa.innerHTML = html;
        for (const old of qa.querySelectorAll('script')) {
            const s = document.createElement('script'); s.text = old.text; old.replaceWith(s);
        }
    }"""
    pg.evaluate(show, side["question"])
    order = option_texts(pg)
    pg.locator(".errata-option", has_text="Lyon").click()
    pg.evaluate(show, side["answer"])
    assert option_texts(pg) == order
    assert pg.locator(".errata-picked .errata-text").inner_text() == "Lyon"
    context.close()
    assert not errors, errors


def test_choose_card_without_javascript(cards, server, chromium):
    context = chromium.new_context(java_script_enabled=False, viewport={"width": 390, "height": 800})
    pg = context.new_page()
    side = cards[("capital-de", "Choose")]
    pg.goto(server("nojs-front.html", side["question"], side["ord"]))
    assert sorted(option_texts(pg)) == ["Berlin", "Bonn", "Munich"]
    assert option_texts(pg)[0] != "Berlin"  # the stored order does not give the key away
    assert not pg.locator(".errata-why").first.is_visible() and not pg.locator(".errata-tip").is_visible()
    borders = pg.eval_on_selector_all(".errata-option", "els => els.map(e => getComputedStyle(e).borderColor)")
    assert len(set(borders)) == 1  # the key looks like the others on the front
    pg.goto(server("nojs-back.html", side["answer"], side["ord"]))
    assert pg.locator(".errata-answer").inner_text() == "Answer: Berlin"
    assert "right answer" in after_content(pg, ".errata-key .errata-text")
    assert pg.locator(".errata-option.errata-wrong .errata-why").first.is_visible()
    assert "Bonn was the seat of government" in pg.inner_text("body")
    context.close()


def test_injected_text_never_runs(injected, server, page):
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    for i, ((_, name), sides) in enumerate(sorted(injected.items())):
        for side in ("question", "answer"):
            page.goto(server(f"inject-{i}-{side}.html", sides[side], sides["ord"]))
            if name == "Choose" and side == "question":
                for k in range(page.locator(".errata-option").count()):
                    page.locator(".errata-option").nth(k).click()
            page.mouse.move(100, 100)
            page.wait_for_timeout(50)
            assert page.locator("img, svg, iframe, [onerror], [onload], [onmouseover], [onclick]").count() == 0
    assert not dialogs
    page.goto(server("inject-recall.html", injected[("inject", "Recall")]["answer"]))
    text = page.inner_text("body")
    assert "<script>alert('question')</script>" in text and '<img src=x onerror="alert(1)"> none' in text
    assert page.locator("a[href^='javascript']").count() == 0


def test_night_mode_and_phone_width(cards, server, page):
    side = cards[("capital-de", "Choose")]
    colours = {}
    for night in (False, True):
        page.goto(server(f"night-{night}.html", side["answer"], side["ord"], night=night))
        colours[night] = page.evaluate("""() => ({
            body: getComputedStyle(document.body).backgroundColor,
            text: getComputedStyle(document.querySelector('.errata-q')).color,
            key: getComputedStyle(document.querySelector('.errata-key')).backgroundColor,
            width: document.documentElement.scrollWidth})""")
        assert colours[night]["width"] <= 390  # nothing wider than a phone
    assert colours[True]["body"] != colours[False]["body"] and colours[True]["key"] != colours[False]["key"]
    assert colours[True]["body"] == "rgb(29, 33, 37)" and colours[True]["text"] == "rgb(230, 237, 243)"
