"""Round trip with the official `anki` package: import, review, rebuild, re-import.

Every import uses the options a new collection offers by default (what a student
gets when clicking through Anki's import dialog): update notes and note types "if
newer", no merging, no scheduling.
"""

from __future__ import annotations

import pytest
from anki.collection import Collection, ImportAnkiPackageRequest
from anki.scheduler.v3 import CardAnswer

from generator.text.markup import text_html
from generator.writers.anki import build as build_mod
from generator.writers.anki.notes import RETIRED_TAG, fact_guid
from tests.test_anki_build import DECK, T0, Clock, bank_dict, build


def import_default(col: Collection, apkg: str) -> dict[str, set[str]]:
    """Import with the default options; the log as sets of GUIDs."""
    options = col._backend.get_import_anki_package_presets()
    assert not options.merge_notetypes and not options.with_scheduling  # Anki's defaults, as students have them
    log = col.import_anki_package(ImportAnkiPackageRequest(package_path=apkg, options=options)).log
    # The log names notes by id; students' notes are known to us by GUID.
    return {name: {col.db.scalar("select guid from notes where id = ?", n.id.nid) for n in getattr(log, name)}
            for name in ("new", "updated", "duplicate", "conflicting")}


def note_by_guid(col: Collection, guid: str):
    nid = col.db.scalar("select id from notes where guid = ?", guid)
    return col.get_note(nid) if nid else None


def guids_of(col: Collection) -> list[str]:
    return col.db.list("select guid from notes")


def cards_per_template(col: Collection) -> dict[str, int]:
    counts: dict[str, int] = {}
    for cid in col.find_cards(""):
        name = col.get_card(cid).template()["name"]
        counts[name] = counts.get(name, 0) + 1
    return counts


@pytest.fixture()
def student(tmp_path):
    """A fresh collection, as a new student has."""
    folder = tmp_path / "student"
    folder.mkdir()
    col = Collection(str(folder / "collection.anki2"))
    yield col
    col.close()


@pytest.mark.parametrize("reuse", [False, True], ids=["made", "taken"])
def test_import_review_rebuild_reimport(tmp_path, student, monkeypatch, reuse):
    """With ``reuse``, each rebuild takes the rows of the facts that did not change from the last deck, and
    writes the new deck on its collection (`build._plan_reuse`): what Anki imports is the same."""
    monkeypatch.setattr(build_mod, "REUSE_FROM", 1 if reuse else 10 ** 9)
    monkeypatch.setattr(build_mod, "REMAKE_AT_MOST", 1.0)
    col = student
    clock = Clock(T0)
    v1 = bank_dict()
    r1 = build(tmp_path, v1, clock)

    # --- first import: everything new, counts and fields as in the bank
    log = import_default(col, r1.apkg)
    assert len(log["new"]) == 9 and not log["updated"] and not log["conflicting"]
    assert col.note_count() == 9
    per_type = {}
    for nid in col.find_notes(""):
        name = col.get_note(nid).note_type()["name"]
        per_type[name] = per_type.get(name, 0) + 1
    assert per_type == {"Errata fact": 5, "Errata myth": 4}
    assert cards_per_template(col) == {"Recall": 5, "Choose": 5, "Myth or fact": 4}
    assert sorted(d.name for d in col.decks.all_names_and_ids() if d.name.startswith("Test deck")) == [
        "Test deck", "Test deck::Chemistry", "Test deck::Geography", "Test deck::Space"]
    for f in v1["facts"]:
        note = note_by_guid(col, fact_guid(DECK, f["id"]))
        assert note["Question"] == text_html(f["question"])
        assert note["Answer"] == text_html(f["answer"])
        assert note["Explanation"] == text_html(f["explain"])
        assert note["FactId"] == f["id"]
        assert f"errata::topic::{f['topic']}" in note.tags and f"errata::kind::{f['kind']}" in note.tags
        wrong = list(dict.fromkeys([e["says"] for e in f.get("errors", [])] + f.get("distractors", [])))
        for option in [f["answer"]] + wrong[:2]:  # three options: the key, the sources' errors first
            assert f'<div class="errata-text">{text_html(option)}</div>' in note["Options"]
        assert note["Options"].count("<li") == 3
    water = note_by_guid(col, fact_guid(DECK, "water"))
    assert water["Answer"] == "H<sub>2</sub>O"
    myths = [col.get_note(nid) for nid in col.find_notes('"note:Errata myth"')]
    assert sorted(m["Quote"] for m in myths) == sorted(
        text_html(e["quote"]) for f in v1["facts"] for e in f.get("errors", []))
    bonn_blog = next(m for m in myths if m["Quote"] == text_html("Bonn is Germany's capital"))
    assert bonn_blog["Why"] == "Not since 1990." and bonn_blog["Answer"] == "Berlin"
    assert "A health blog" in bonn_blog["Source"] and "errata::source::blog" in bonn_blog.tags

    # --- the student reviews a card and edits a note that the next version leaves alone
    paris = note_by_guid(col, fact_guid(DECK, "capital-fr"))
    cid = next(c.id for c in paris.cards() if c.ord == 0)
    card = col.get_card(cid)
    card.start_timer()
    states = col._backend.get_scheduling_states(card.id)
    col.sched.answer_card(col.sched.build_answer(card=card, states=states, rating=CardAnswer.GOOD))
    card.load()
    reviewed = (card.type, card.queue, card.due, card.ivl, card.reps, card.did)
    revlog = col.db.all("select * from revlog where cid = ?", cid)
    assert len(revlog) == 1
    water = note_by_guid(col, fact_guid(DECK, "water"))
    water["Explanation"] = "My mnemonic: two H, one O."
    col.update_note(water)
    notes_before = col.note_count()

    # --- v2: one question changed, one fact added, one removed; built one second later
    v2 = bank_dict()
    v2["facts"][1]["explain"] = "Berlin is the capital again since 1990."
    del v2["facts"][3]  # "boiling": a fact without source errors, one note
    v2["facts"].append({"id": "sun", "topic": "Space", "kind": "star", "question": "What is the Sun?",
                        "answer": "A star", "explain": "A G-type main-sequence star.", "refs": ["ref"],
                        "distractors": ["A planet", "A comet"]})
    clock.t += 1
    r2 = build(tmp_path, v2, clock)
    assert r2.changed == ["capital-de"] and r2.added == ["sun"] and r2.retired == ["boiling"]
    assert r2.taken == (5 if reuse else 0)  # the notes of the three facts left alone (two have a myth)

    log = import_default(col, r2.apkg)
    germany, boiling, sun = (fact_guid(DECK, i) for i in ("capital-de", "boiling", "sun"))
    assert log["new"] == {sun}
    # exactly one note updated for its content, and the removed one for its retired tag
    assert log["updated"] == {germany, boiling}
    assert not log["conflicting"]
    assert len(log["duplicate"]) == 7  # unchanged notes: skipped, not re-stamped
    assert col.note_count() == notes_before + 1
    assert len(set(guids_of(col))) == col.note_count()  # no duplicates
    assert note_by_guid(col, germany)["Explanation"] == "Berlin is the capital again since 1990."
    retired = note_by_guid(col, boiling)
    assert RETIRED_TAG in retired.tags and retired["Notice"].startswith("Retired:")
    assert retired["Question"] == text_html("At sea level, water boils at …")
    # review history and scheduling of the reviewed card intact
    card = col.get_card(cid)
    assert (card.type, card.queue, card.due, card.ivl, card.reps, card.did) == reviewed
    assert col.db.all("select * from revlog where cid = ?", cid) == revlog
    # the student's edit of an unchanged note kept
    assert note_by_guid(col, fact_guid(DECK, "water"))["Explanation"] == "My mnemonic: two H, one O."
    assert len(col.models.all_names_and_ids()) == len({m.name for m in col.models.all_names_and_ids()})

    # --- v3: a fact renamed, its old id under 'formerly': the same notes are updated
    v3 = v2
    v3["facts"][0]["id"] = "capital-of-france"
    v3["facts"][0]["formerly"] = ["capital-fr"]
    clock.t += 1
    r3 = build(tmp_path, v3, clock)
    assert not r3.added and not r3.retired
    count = col.note_count()
    log = import_default(col, r3.apkg)
    paris_guid = fact_guid(DECK, "capital-fr")
    assert not log["new"] and paris_guid in log["updated"] and not log["conflicting"]
    assert col.note_count() == count
    renamed = note_by_guid(col, paris_guid)
    assert renamed.id == paris.id and renamed["FactId"] == "capital-of-france"
    assert col.db.all("select * from revlog where cid = ?", cid) == revlog

    # --- the same deck again: nothing to update
    log = import_default(col, r3.apkg)
    assert not log["new"] and not log["updated"]


def test_rebuild_in_the_same_second_still_updates(tmp_path, student):
    col = student
    clock = Clock(T0)
    import_default(col, build(tmp_path, bank_dict(), clock).apkg)
    v2 = bank_dict()
    v2["facts"][4]["explain"] = "Pluto has been a dwarf planet since 2006."
    log = import_default(col, build(tmp_path, v2, clock).apkg)  # clock not moved
    assert log["updated"] == {fact_guid(DECK, "planets")}
    assert note_by_guid(col, fact_guid(DECK, "planets"))["Explanation"] == v2["facts"][4]["explain"]


def test_template_update_reaches_the_student(tmp_path, student, monkeypatch):
    col = student
    clock = Clock(T0)
    import_default(col, build(tmp_path, bank_dict(), clock).apkg)
    from generator.writers.anki import templates

    monkeypatch.setattr(templates, "CSS", templates.CSS + "\n.errata-q { letter-spacing: .01em; }\n")
    clock.t += 30
    log = import_default(col, build(tmp_path, bank_dict(), clock).apkg)
    assert not log["updated"] and not log["new"]
    model = col.models.by_name("Errata fact")
    assert "letter-spacing: .01em" in model["css"]
    assert sum(1 for m in col.models.all_names_and_ids() if m.name.startswith("Errata fact")) == 1
