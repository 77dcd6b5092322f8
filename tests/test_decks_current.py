"""The decks committed in decks/ are what questions.yaml builds today.

If this fails, rebuild them (commands in the README, "Downloads") and commit decks/.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import zipfile
from pathlib import Path

import pytest

from generator.writers.anki import build_deck, lock_path
from generator.quiz import generate, select_facts
from generator.check import read_bank
from generator.writers.pdf import render_printout

ROOT = Path(__file__).parent.parent
DECKS = ROOT / "decks"
# The printed quiz in decks/ is: errata quiz questions.yaml --versions 3 --count 20 --seed 7 -o decks
QUIZ = {"versions": 3, "count": 20, "seed": 7}


@pytest.fixture(scope="module")
def bank():
    return read_bank(str(ROOT / "questions.yaml"))


def deck_rows(apkg: Path) -> dict:
    """What a student's Anki would import: notes (GUID, note type, mod, fields, tags), cards, decks."""
    with zipfile.ZipFile(apkg) as z, z.open("collection.anki2") as src:
        data = src.read()
    db = apkg.parent / (apkg.name + ".sqlite")
    db.write_bytes(data)
    con = sqlite3.connect(db)
    try:
        return {
            "notes": sorted(con.execute("select guid, mid, mod, flds, tags from notes")),
            "cards": sorted(con.execute(
                "select n.guid, c.ord, c.queue from cards c join notes n on n.id = c.nid")),
            "col": con.execute("select models, decks from col").fetchone(),
        }
    finally:
        con.close()
        db.unlink()


def test_committed_deck_is_current(bank, tmp_path):
    lock = Path(lock_path(str(ROOT / "questions.yaml")))
    committed = DECKS / f"{bank.deck.id}.apkg"
    assert committed.exists() and lock.exists(), "build the deck: errata build"
    shutil.copy(ROOT / "questions.yaml", tmp_path / "questions.yaml")
    shutil.copy(lock, tmp_path / lock.name)
    build_deck(str(tmp_path / "questions.yaml"), str(tmp_path / "decks"), lambda options: bank)
    rebuilt = tmp_path / "decks" / committed.name
    notes = lambda text: json.loads(text)["notes"] + json.loads(text)["retired"]  # noqa: E731
    assert notes((tmp_path / lock.name).read_text()) == notes(lock.read_text()), \
        "questions.yaml changed since the deck was built"
    committed_copy = tmp_path / "committed.apkg"
    shutil.copy(committed, committed_copy)
    assert deck_rows(rebuilt) == deck_rows(committed_copy)


def test_committed_quiz_is_current(bank):
    facts = select_facts(bank, count=QUIZ["count"], seed=QUIZ["seed"])
    printout = render_printout(generate(bank, seed=QUIZ["seed"], facts=facts), QUIZ["versions"])
    for name, data in printout.files.items():
        committed = DECKS / name
        assert committed.exists(), f"missing {committed}"
        assert committed.read_bytes() == data, f"{name} is not what questions.yaml prints today"


def test_committed_selfquiz_page_is_current(bank):
    from generator.writers.html import render

    page = DECKS / f"{bank.deck.id}-quiz.html"
    assert page.exists(), "build the page: errata html"
    assert page.read_bytes() == render(generate(bank, seed=0)), "questions.yaml changed since the page was built"
