#!/usr/bin/env python3
"""Draw docs/img/ketamine-choose-card.png: a Choose card of the built deck, front and back.

    python docs/card_picture.py [FACT_ID]

Imports decks/ketamine.apkg into a scratch collection with the official `anki` package,
renders the card's two sides as Anki does, opens them in Debian's Chromium (served from
loopback, as Anki serves cards), taps the first wrong option that a source states, and
photographs both sides next to each other. Needs the test extra and /usr/bin/chromium.
"""

from __future__ import annotations

import functools
import http.server
import shutil
import sys
import tempfile
import threading
from pathlib import Path

from anki.collection import Collection, ImportAnkiPackageRequest
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
DECK = ROOT / "decks" / "ketamine.apkg"
OUT = ROOT / "docs" / "img" / "ketamine-choose-card.png"
PAGE = ('<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">'
        "<style>html,body{{margin:0;background:#f5f5f5}} .card{{padding:8px}}</style></head>"
        '<body class="card">{}</body></html>')
SIDE_BY_SIDE = """<!doctype html><html><head><meta charset="utf-8"><style>
body{margin:0;background:#e8e9ed;font:600 15px system-ui,sans-serif;color:#333;display:flex;gap:14px;
padding:12px;align-items:flex-start} figure{margin:0} figcaption{margin:0 0 6px 4px}
img{width:420px;border-radius:10px;box-shadow:0 1px 4px #0003;display:block}</style></head><body>
<figure><figcaption>Front: the student taps an option</figcaption><img src="front.png"></figure>
<figure><figcaption>Back: the key, and where the wrong answer comes from</figcaption><img src="back.png"></figure>
</body></html>"""
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def card_sides(work: Path, fact_id: str) -> tuple[str, str]:
    col = Collection(str(work / "collection.anki2"))
    try:
        col.import_anki_package(ImportAnkiPackageRequest(
            package_path=str(DECK), options=col._backend.get_import_anki_package_presets()))
        for cid in col.find_cards(""):
            card = col.get_card(cid)
            if card.note()["FactId"] == fact_id and card.template()["name"] == "Choose":
                return card.question(), card.answer()
    finally:
        col.close()
    sys.exit(f"no Choose card for fact '{fact_id}' in {DECK}")


def main() -> None:
    fact_id = sys.argv[1] if len(sys.argv) > 1 else "ketamine-original-purpose"
    work = Path(tempfile.mkdtemp())
    try:
        front, back = card_sides(work, fact_id)
        (work / "front.html").write_text(PAGE.format(front), encoding="utf-8")
        (work / "back.html").write_text(PAGE.format(back), encoding="utf-8")
        (work / "both.html").write_text(SIDE_BY_SIDE, encoding="utf-8")
        handler = functools.partial(_QuietHandler, directory=str(work))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_address[1]}"
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 420, "height": 200}, device_scale_factor=2)
            page.goto(f"{base}/front.html")
            page.locator("li.errata-wrong:has(.errata-err)").first.click()  # a source's error
            page.screenshot(path=str(work / "front.png"), full_page=True)
            page.goto(f"{base}/back.html")  # a new page for the back, as AnkiDroid loads it
            page.screenshot(path=str(work / "back.png"), full_page=True)
            both = browser.new_page(viewport={"width": 892, "height": 200}, device_scale_factor=1.5)
            both.goto(f"{base}/both.html")
            both.screenshot(path=str(OUT), full_page=True)
            browser.close()
        server.shutdown()
        print(f"wrote {OUT}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
