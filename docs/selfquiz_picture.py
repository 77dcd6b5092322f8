#!/usr/bin/env python3
"""Draw docs/img/selfquiz-feedback.png: a question of the ketamine self-quiz page and its feedback.

    python docs/selfquiz_picture.py [FACT_ID]

Builds the page from questions.yaml into a scratch folder, opens it in Debian's Chromium,
answers the fact's question (default: the first one with a source's error) with that error,
and photographs the feedback: on a laptop in light mode, next to a 320-pixel phone in dark
mode. Needs the test extra and /usr/bin/chromium.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from generator.check import read_bank  # noqa: E402
from generator.quiz import generate  # noqa: E402
from generator.writers.html import page_data, render  # noqa: E402

OUT = ROOT / "docs" / "img" / "selfquiz-feedback.png"
SIDE_BY_SIDE = """<!doctype html><html><head><meta charset="utf-8"><style>
body{margin:0;background:#e8e9ed;font:600 15px system-ui,sans-serif;color:#333;display:flex;gap:14px;
padding:12px;align-items:flex-start} figure{margin:0} figcaption{margin:0 0 6px 4px}
img{border-radius:10px;box-shadow:0 1px 4px #0003;display:block}</style></head><body>
<figure><figcaption>Laptop, light mode</figcaption><img src="light.png" width="640"></figure>
<figure><figcaption>Phone (320 px), dark mode</figcaption><img src="dark.png" width="320"></figure>
</body></html>"""
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def main() -> int:
    quiz = generate(read_bank(str(ROOT / "questions.yaml")))
    questions = page_data(quiz)["questions"]
    wanted = sys.argv[1] if len(sys.argv) > 1 else next(
        q["id"] for q in questions if any(o.get("k") == "source-error" for o in q["options"]))
    target = next((q for q in questions if q["id"] == wanted), None)
    if target is None or not any(o.get("k") == "source-error" for o in target["options"]):
        sys.exit(f"no question with a source's error for fact '{wanted}'")
    claim = next(o["t"] for o in target["options"] if o.get("k") == "source-error")
    by_text = {q["t"]: q for q in questions}
    work = Path(tempfile.mkdtemp())
    page = work / "quiz.html"
    page.write_bytes(render(quiz))
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
        for scheme, width in (("light", 640), ("dark", 320)):
            context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme,
                                          device_scale_factor=2)
            pg = context.new_page()
            pg.goto(page.as_uri())
            pg.click("#start-practice")
            while pg.inner_text("#question-text") != target["t"]:  # earlier questions: answer them right
                key = next(o["t"] for o in by_text[pg.inner_text("#question-text")]["options"] if o.get("c"))
                pg.locator(".option", has_text=key).first.click()
                pg.click("#check")
                pg.click("#next")
            pg.locator(".option", has_text=claim).first.click()
            pg.click("#check")
            pg.locator("#tools").evaluate("e => e.hidden = true")  # the picture is about the feedback
            pg.locator("main").screenshot(path=str(work / f"{scheme}.png"))
            context.close()
        (work / "side.html").write_text(SIDE_BY_SIDE, encoding="utf-8")
        context = browser.new_context(viewport={"width": 1010, "height": 400}, device_scale_factor=1)
        pg = context.new_page()
        pg.goto((work / "side.html").as_uri())
        pg.screenshot(path=str(OUT), full_page=True)
        browser.close()
    print(f"wrote {OUT.relative_to(ROOT)} (fact {wanted})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
