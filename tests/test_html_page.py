"""The self-quiz page as students use it: opened from a file in headless Chromium.

Driven by keyboard as far as a student can; axe-core (npm, tests/web) audits every screen.
`take_quiz` answers a whole quiz and returns the downloaded results file, for any test that
needs real results (grading reads them).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml

from generator.check import read_bank
from generator.quiz import generate
from generator.writers.html import page_data, render
from tests.quiz_banks import write_bank
from tests.test_anki_render import chromium  # noqa: F401 (the same Chromium, launched the same way)
from tests.test_html import EXAMPLE, KETAMINE, injection_data
from tests.tools import errata, require

ROOT = Path(__file__).parent.parent
AXE = ROOT / "tests" / "web" / "node_modules" / "axe-core" / "axe.min.js"
RESULTS_SCHEMA = json.loads((ROOT / "docs" / "selfquiz-results.schema.json").read_text())
SEED = 1


class Page:
    """A page built from a bank, with what the test needs to know about it."""

    def __init__(self, folder: Path, bank_path: Path, name: str, seed: int = SEED):
        self.bank = read_bank(str(bank_path))
        self.quiz = generate(self.bank, seed=seed)
        self.data = page_data(self.quiz)
        self.path = folder / name
        self.path.write_bytes(render(self.quiz))
        self.url = self.path.as_uri()
        self.by_question = {q["t"]: q for q in self.data["questions"]}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("site")
    inject = write_bank(folder, injection_data(), "inject.yaml")
    return {"solar": Page(folder, EXAMPLE, "solar.html"), "ketamine": Page(folder, KETAMINE, "ketamine.html"),
            "inject": Page(folder, inject, "inject.html")}


class Browser:
    """One browser context: its pages' errors, console errors and dialogs are recorded."""

    def __init__(self, chromium, **options):
        self.context = chromium.new_context(accept_downloads=True, **options)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.requests: list[str] = []
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type in ("error", "warning") else None)
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.on("request", lambda r: self.requests.append(r.url))

    def close(self):
        self.context.close()


@pytest.fixture()
def browser(chromium):
    opened = []

    def open_(**options) -> Browser:
        b = Browser(chromium, **{"viewport": {"width": 800, "height": 900}, **options})
        opened.append(b)
        return b

    yield open_
    for b in opened:
        errors = b.errors
        b.close()
        assert not errors, errors


# --- reading and driving the page --------------------------------------------------------------

def focused(pg) -> dict:
    return pg.evaluate("() => { const e = document.activeElement;"
                       " return {tag: e.tagName, id: e.id, type: e.type || ''}; }")


def question_text(pg) -> str:
    return pg.inner_text("#question-text")


def option_texts(pg) -> list[str]:
    return pg.eval_on_selector_all(".option .text", "els => els.map(e => e.textContent)")


def on_summary(pg) -> bool:
    return pg.locator("#summary-h").count() > 0


def choose_by_keyboard(pg, position: int, how: str) -> None:
    """Select the option shown at ``position`` (0 = A) from the keyboard."""
    if how == "digit":
        pg.keyboard.press(str(position + 1))
    elif how == "letter":
        pg.keyboard.press("abcde"[position])
    else:  # arrows, from the first option (focused, none checked yet)
        assert focused(pg)["type"] == "radio"
        if position == 0:
            pg.keyboard.press("Space")
        for _ in range(position):
            pg.keyboard.press("ArrowDown")
    assert pg.locator("input[name=answer]").nth(position).is_checked()


def run_axe(pg) -> list[dict]:
    """axe-core's serious and critical violations on the current screen."""
    pg.evaluate(AXE.read_text(encoding="utf-8"))
    found = pg.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [{"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]]}
            for v in found["violations"] if v["impact"] in ("serious", "critical")]


def take_quiz(b: Browser, site_page: Page, folder: Path, mode: str = "practice", wrong: dict | None = None,
              student: str = "Ada Lovelace") -> tuple[Path, list[str]]:
    """Answer the whole quiz by keyboard only; download the results into ``folder``.

    ``wrong`` maps a fact id to the number of times it is first answered wrongly (with a source
    error when it has one). Returns the results file and the fact ids in the order asked."""
    pg = b.page
    wrong = dict(wrong or {})
    pg.goto(site_page.url)
    pg.keyboard.press("Tab")
    if mode == "test":
        pg.keyboard.press("Tab")
    assert focused(pg)["id"] == f"start-{mode}"
    pg.keyboard.press("Enter")
    asked = []
    ways = ["digit", "letter", "arrows"]
    while not on_summary(pg):
        assert focused(pg)["type"] == "radio", "a new question puts focus on its first option"
        q = site_page.by_question[question_text(pg)]
        asked.append(q["id"])
        shown = option_texts(pg)
        options = {o["t"]: o for o in q["options"]}
        if wrong.get(q["id"]):
            wrong[q["id"]] -= 1
            bad = [t for t in shown if not options[t].get("c")]
            target = next((t for t in bad if options[t].get("k") == "source-error"), bad[0])
        else:
            target = next(t for t in shown if options[t].get("c"))
        choose_by_keyboard(pg, shown.index(target), ways[len(asked) % 3])
        pg.keyboard.press("Enter")
        if mode == "practice":
            verdict = pg.inner_text("#feedback .verdict")
            assert verdict.endswith("Right." if options[target].get("c") else "Not right."), verdict
            assert focused(pg)["id"] == "next", "after checking, focus is on Next"
            pg.keyboard.press("n" if len(asked) % 2 else "Enter")
        elif not on_summary(pg):
            assert pg.inner_text("#feedback") == "", "a test gives no feedback before the end"
    assert focused(pg)["id"] == "summary-h"
    # Name and download, still by keyboard: Tab through to the name field.
    for _ in range(200):
        pg.keyboard.press("Tab")
        if focused(pg)["id"] == "student":
            break
    pg.keyboard.type(student)
    pg.keyboard.press("Tab")
    assert focused(pg)["id"] == "download"
    with pg.expect_download() as info:
        pg.keyboard.press("Enter")
    download = info.value
    target = folder / download.suggested_filename
    download.save_as(target)
    return target, asked


# --- the tests ----------------------------------------------------------------------------------

def test_whole_quiz_by_keyboard_and_results(browser, site, tmp_path):
    b = browser()
    solar = site["solar"]
    path, asked = take_quiz(b, solar, tmp_path, wrong={"hottest-planet": 2})
    # Missed: it comes back after three others, is missed again, then must be right twice.
    assert asked.count("hottest-planet") == 4 and len(asked) == len(solar.data["questions"]) + 3
    assert asked.index("hottest-planet") == 0 and asked[4] == "hottest-planet"
    assert re.fullmatch(r"solar-system-myths-results-Ada-Lovelace-\d{4}-\d{2}-\d{2}\.json", path.name)
    results = json.loads(path.read_text(encoding="utf-8"))
    jsonschema.validate(results, RESULTS_SCHEMA)
    assert results["student"] == "Ada Lovelace" and results["mode"] == "practice"
    assert results["deck"] == {"id": "solar-system-myths", "title": solar.bank.deck.title}
    assert results["quiz_hash"] in solar.path.read_text(encoding="utf-8")
    assert results["finished"] is not None and results["started"] <= results["finished"]
    assert [a["fact_id"] for a in results["answers"]] == asked
    hot = [a for a in results["answers"] if a["fact_id"] == "hottest-planet"]
    assert [(a["attempt"], a["correct"], a["chosen"]) for a in hot] == [
        (1, False, "Mercury"), (2, False, "Mercury"), (3, True, "Venus"), (4, True, "Venus")]
    # Every chosen text is an option of the canonical quiz JSON, its correctness as the key says.
    exported = tmp_path / "quiz.json"
    assert errata("export", EXAMPLE, "--format", "json", "--seed", SEED, "-o", exported).returncode == 0
    canonical = {q["fact_id"]: q for q in json.loads(exported.read_text())["questions"]}
    for a in results["answers"]:
        q = canonical[a["fact_id"]]
        assert a["question"] == q["question"]
        option = next(o for o in q["options"] if o["text"] == a["chosen"])
        assert option["correct"] == a["correct"]
    # The summary: one claim believed, made by both sources.
    pg = b.page
    assert "You believed 1 claim that these sources make:" in pg.inner_text(".summary")
    sources = pg.eval_on_selector_all(".misconceptions > li > cite", "els => els.map(e => e.textContent)")
    assert sources == [solar.bank.sources["quiz-site"].title, solar.bank.sources["old-textbook"].title]
    assert "You answered 5 of 6 questions right the first time." in pg.inner_text(".summary")
    topics = pg.eval_on_selector_all(".topics tbody tr", "rows => rows.map(r => r.innerText.split('\\t'))")
    planets = sum(1 for q in solar.data["questions"] if q["topic"] == "Planets")  # hottest-planet among them
    assert ["Planets", str(planets - 1), str(planets)] in [[c.strip() for c in row] for row in topics]
    # errata grade reads the download against the bank: the first attempt counts, the source's claim is found.
    out = tmp_path / "graded"
    r = errata("grade", path, "--quiz", EXAMPLE, "-o", out, "--no-pdf")
    assert r.returncode == 0, r.stderr
    analysis = json.loads((out / "analysis.json").read_text())
    n = len(solar.data["questions"])
    assert analysis["students"][0]["id"] == "Ada Lovelace"
    assert (analysis["students"][0]["score"], analysis["students"][0]["max"]) == (n - 1, n)
    believed = [m for m in analysis["misconceptions"] if m["chosen_by"]]
    assert [m["says"] for m in believed] == ["Mercury"]
    assert sorted(believed[0]["sources"]) == sorted(["quiz-site", "old-textbook"])


def test_test_mode_by_keyboard_feedback_at_the_end(browser, site, tmp_path):
    b = browser()
    solar = site["solar"]
    path, asked = take_quiz(b, solar, tmp_path, mode="test", wrong={"planet-count": 1}, student="")
    assert len(asked) == len(set(asked)) == 6  # nothing comes back in a test
    results = json.loads(path.read_text(encoding="utf-8"))
    jsonschema.validate(results, RESULTS_SCHEMA)
    assert results["mode"] == "test" and results["student"] == "" and "-results-anonymous-" in path.name
    assert [a["correct"] for a in results["answers"]].count(False) == 1
    review = b.page.locator("ol.review > li")
    assert review.count() == 6
    missed = review.filter(has_text="Not right.")
    assert missed.count() == 1
    text = missed.inner_text()
    assert "How many planets" in text and "This is the error made by" in text
    assert "the nine planets that circle our Sun" in text and "Pluto was reclassified" in text


def test_source_error_feedback(browser, site):
    b = browser()
    solar = site["solar"]
    pg = b.page
    pg.goto(solar.url)
    pg.click("#start-practice")
    while question_text(pg) != "Which planet has the hottest surface?":
        pg.locator(".option").first.click()
        pg.click("#check")
        pg.click("#next")
    pg.locator(".option", has_text="Mercury").click()
    pg.keyboard.press("Enter")
    feedback = pg.locator("#feedback")
    assert feedback.get_attribute("role") == "status" and feedback.get_attribute("aria-live") == "polite"
    text = feedback.inner_text()
    assert "✗" in text and "Not right." in text
    assert ("This is the error made by Space Trivia Night (a made-up pub-quiz site) and "
            "Our Wonderful Planets (a made-up 1990s school book):") in text
    assert "“Mercury, being closest to the Sun, is the hottest planet.”" in text
    assert "“the hottest of all the planets is little Mercury”" in text
    assert "Why it is wrong: Closeness is not everything" in text and "Venus is hotter at the surface" in text
    assert "The right answer: Venus" in text and "greenhouse" not in text.split("The right answer")[0][:0]
    assert "Venus's thick carbon-dioxide atmosphere traps heat" in text
    assert pg.locator("#feedback ul.refs a[href='https://science.nasa.gov/solar-system/planets/']").count() == 1
    marks = pg.eval_on_selector_all(".option .mark", "els => els.map(e => e.textContent)")
    assert sorted(m for m in marks if m) == ["✓ right answer", "✗ your answer"]
    assert pg.locator("input[name=answer]:disabled").count() == len(marks)


def test_reload_resumes_mid_question(browser, site):
    b = browser()
    pg = b.page
    pg.goto(site["solar"].url)
    pg.click("#start-practice")
    pg.locator(".option").first.click()
    pg.click("#check")
    pg.click("#next")
    second, order = question_text(pg), option_texts(pg)
    pg.keyboard.press("2")
    progress = pg.inner_text("#progress-text")
    pg.reload()
    assert question_text(pg) == second and option_texts(pg) == order
    assert pg.locator("input[name=answer]").nth(1).is_checked()
    assert pg.inner_text("#progress-text") == progress and progress.startswith("Question 2 of 6")
    pg.keyboard.press("Enter")  # the page has no focus after a reload: Enter still checks
    verdict = pg.inner_text("#feedback .verdict")
    pg.reload()
    assert pg.inner_text("#feedback .verdict") == verdict and pg.locator("#next").is_visible()
    pg.keyboard.press("n")
    assert pg.inner_text("#progress-text").startswith(("Question 3 of 6", "Again"))
    # The summary is where a finished session reopens.
    pg.click("#finish")
    pg.reload()
    assert on_summary(pg)


def test_edited_bank_does_not_resume_stale_progress(browser, tmp_path):
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    original = Page(tmp_path, write_bank(tmp_path, data, "v1.yaml"), "quiz.html")
    b = browser()
    pg = b.page
    pg.goto(original.url)
    pg.click("#start-practice")
    pg.locator(".option").first.click()
    pg.click("#check")
    pg.click("#next")
    assert pg.inner_text("#progress-text").startswith("Question 2 of 6")
    data["facts"][3]["explain"] += " Edited."
    edited = Page(tmp_path, write_bank(tmp_path, data, "v2.yaml"), "quiz.html")  # the same file, rebuilt
    assert edited.url == original.url
    pg.reload()
    assert pg.locator("#start-practice").is_visible() and pg.locator("#progress-text").count() == 0
    assert not pg.locator("#download").is_visible()
    Page(tmp_path, write_bank(tmp_path, yaml.safe_load(EXAMPLE.read_text(encoding="utf-8")), "v1.yaml"), "quiz.html")
    pg.reload()  # the unedited quiz again: its own progress is still there
    assert pg.inner_text("#progress-text").startswith("Question 2 of 6")


def test_reset_starts_afresh_and_options_reshuffle(browser, site):
    b = browser()
    pg = b.page
    pg.goto(site["ketamine"].url)
    orders = set()
    for _ in range(8):
        pg.click("#start-practice")
        orders.add(tuple(option_texts(pg)))
        pg.click("#reset")
        assert focused(pg)["id"] == "reset-no"
        pg.keyboard.press("Shift+Tab")
        pg.keyboard.press("Enter")
        assert pg.locator("#start-practice").is_visible()
        assert focused(pg)["id"] == "start-practice"
    assert len(orders) > 1  # 8 identical shuffles of 3 options or more: chance below 1e-5
    assert pg.evaluate("() => Object.keys(localStorage).filter(k => !k.endsWith('preferences'))") == []


def test_single_key_shortcuts_can_be_turned_off(browser, site):
    b = browser()
    pg = b.page
    pg.goto(site["solar"].url)
    pg.click("#start-practice")
    pg.uncheck("#keys")
    pg.locator("input[name=answer]").first.focus()
    pg.keyboard.press("3")
    pg.keyboard.press("c")
    assert pg.locator("input[name=answer]:checked").count() == 0
    pg.reload()
    assert not pg.is_checked("#keys")
    pg.check("#keys")
    pg.locator("input[name=answer]").first.focus()
    pg.keyboard.press("c")
    assert pg.locator("input[name=answer]").nth(2).is_checked()
    pg.focus("#student")  # typing a name never answers
    pg.keyboard.type("ab")
    assert pg.locator("input[name=answer]").nth(2).is_checked() and pg.input_value("#student") == "ab"


def test_without_storage_it_still_works(browser, site):
    b = browser()
    b.context.add_init_script("Object.defineProperty(window, 'localStorage', "
                              "{get() { throw new DOMException('denied', 'SecurityError'); }});")
    pg = b.page
    pg.goto(site["solar"].url)
    assert "does not let the page keep your progress" in pg.inner_text("#tools")
    pg.click("#start-practice")
    pg.keyboard.press("1")
    pg.keyboard.press("Enter")
    assert pg.locator("#feedback .verdict").is_visible()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_nothing_serious_on_any_screen(browser, site, scheme):
    require(AXE.is_file(), "axe-core is not installed: run 'npm ci --prefix tests/web'")
    ketamine = site["ketamine"]
    b = browser(color_scheme=scheme)
    pg = b.page
    found = {}
    pg.goto(ketamine.url)
    found["start"] = run_axe(pg)
    pg.click("#start-practice")
    found["question"] = run_axe(pg)
    pg.locator(".option").first.click()
    found["question, picked"] = run_axe(pg)
    pg.click("#check")
    found["feedback"] = run_axe(pg)
    pg.click("#next")
    q = ketamine.by_question[question_text(pg)]
    wrong = next(o["t"] for o in q["options"] if not o.get("c"))
    pg.locator(".option", has_text=wrong).first.click()
    pg.click("#check")
    found["feedback, wrong"] = run_axe(pg)
    pg.click("#reset")
    found["reset"] = run_axe(pg)
    pg.click("#reset-no")
    pg.click("#finish")
    found["summary"] = run_axe(pg)
    pg.click("#again")
    assert focused(pg)["id"] == "reset-no"  # starting again deletes the session: it asks first
    pg.click("#reset-yes")
    pg.click("#start-test")
    for _ in range(3):
        pg.locator(".option").nth(1).click()
        pg.click("#check")
    pg.click("#finish")
    found["test summary"] = run_axe(pg)
    assert pg.locator("ol.review > li").count() == 3
    assert {k: v for k, v in found.items() if v} == {}


def test_phone_and_400_percent_zoom(browser, site):
    ketamine = site["ketamine"]
    # 400 % zoom of a 1280 × 720 window lays the page out in 320 × 180 CSS pixels.
    for viewport, scheme in (({"width": 320, "height": 640}, "light"), ({"width": 320, "height": 180}, "dark")):
        b = browser(viewport=viewport, color_scheme=scheme)
        pg = b.page
        widths = []
        pg.goto(ketamine.url)
        widths.append(pg.evaluate("document.documentElement.scrollWidth"))
        pg.click("#start-practice")
        widths.append(pg.evaluate("document.documentElement.scrollWidth"))
        q = ketamine.by_question[question_text(pg)]
        wrong = next(o["t"] for o in q["options"] if o.get("k") == "source-error" or not o.get("c"))
        pg.locator(".option", has_text=wrong).first.click()
        pg.click("#check")
        widths.append(pg.evaluate("document.documentElement.scrollWidth"))
        pg.click("#finish")
        widths.append(pg.evaluate("document.documentElement.scrollWidth"))
        assert max(widths) <= 320, (viewport, scheme, widths)
    light, dark = (browser(color_scheme=s) for s in ("light", "dark"))
    colours = []
    for b in (light, dark):
        b.page.goto(ketamine.url)
        colours.append(b.page.evaluate("""() => [getComputedStyle(document.body).backgroundColor,
                                                 getComputedStyle(document.body).color]"""))
    assert colours[0] != colours[1] and colours[1][0] == "rgb(29, 33, 37)"


def test_the_page_fetches_nothing(browser, site):
    b = browser()
    pg = b.page
    pg.goto(site["ketamine"].url)
    pg.click("#start-practice")
    pg.keyboard.press("1")
    pg.keyboard.press("Enter")
    pg.click("#finish")
    with pg.expect_download():
        pg.click("#download")
    assert [u for u in b.requests if not u.startswith(("file://", "blob:", "data:"))] == []
    assert b.requests[0] == site["ketamine"].url


def test_injection_bank_shows_markup_as_text(browser, site):
    inject = site["inject"]
    evil = "</script><script>alert(1)</script> <!-- \" ' ` \u2028 \u2029 </SCRIPT > <img src=x onerror=alert(2)>"
    for mode in ("practice", "test"):
        b = browser()
        pg = b.page
        pg.goto(inject.url)
        assert pg.title().startswith("Deck </script><script>alert(1)")
        pg.click(f"#start-{mode}")
        picked_claim, seen, bold = False, [], 0
        while not on_summary(pg):
            claim = pg.locator(".option", has_text="Claim </script>")
            if claim.count() and not picked_claim:
                claim.click()
                picked_claim = True
            else:  # the key, so that the session ends
                pg.locator(".option", has_text="Answer </script>").or_(pg.locator(".option", has_text="A plain answer")).click()
            pg.click("#check")
            if mode == "practice":
                pg.mouse.move(50, 50)
                pg.mouse.move(200, 300)
                seen.append(pg.evaluate("document.body.textContent"))
                bold += pg.locator("#feedback b").filter(has_text="</script>").count()  # the explanation's **bold**
                pg.click("#next")
        seen.append(pg.evaluate("document.body.textContent"))
        bold += pg.locator("b").filter(has_text="</script>").count()
        body = "\n".join(seen)
        for text in ("Claim", "Source", "Quote", "Why", "Answer", "Also", "Ref", "Pub", "Topic"):
            assert f"{text} {evil}" in body, (mode, text)
        assert bold >= 1
        assert pg.locator("script").count() == 2
        assert pg.locator("img, svg, iframe, [onerror], [onload], [onclick]").count() == 0
        assert pg.locator("a[href^='javascript']").count() == 0
        assert not b.dialogs
    # the plain question keeps its subscript
    pg.click("#again")
    pg.click("#reset-yes")
    pg.click("#start-practice")
    while "plain question" not in question_text(pg):
        pg.locator(".option").first.click()
        pg.click("#check")
        pg.click("#next")
    assert pg.inner_html("#question-text") == "A plain question, H<sub>2</sub>O?"



def test_nothing_chosen_and_a_damaged_saved_state(browser, site):
    b = browser()
    pg = b.page
    solar = site["solar"]
    pg.goto(solar.url)
    pg.click("#start-practice")
    pg.keyboard.press("Enter")  # nothing chosen yet
    # Waited for by Playwright's own text polling: a string predicate for wait_for_function is evaluated
    # with eval, which the page's Content-Security-Policy may refuse.
    pg.locator("#notice").filter(has_text="Choose").wait_for()
    assert pg.inner_text("#notice") == "Choose an answer first."
    assert pg.locator("#feedback .verdict").count() == 0 and focused(pg)["type"] == "radio"
    quiz_hash = pg.evaluate("JSON.parse(document.getElementById('errata-quiz').textContent).hash")
    for damaged in ("{not json", '{"v": 1, "mode": "practice", "answers": [{"q": 99, "o": 0}], "queue": [], "need": {}}',
                    '{"v": 1, "mode": "test", "answers": [], "queue": [0], "need": {}, '
                    '"cur": {"q": 0, "order": [0, 0, 1], "picked": 5, "checked": true}}'):
        pg.evaluate("([key, value]) => localStorage.setItem(key, value)", [f"errata-selfquiz:{quiz_hash}", damaged])
        pg.reload()
        assert pg.locator("#start-practice").is_visible(), damaged  # starts afresh, no error
