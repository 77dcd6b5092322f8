"""The identity and time rules, proved with the official `anki` package: import, review,
edit, rebuild, re-import (default import options, as students have them)."""

from __future__ import annotations

import shutil
import subprocess
import time
import unicodedata
from pathlib import Path

import pytest
from anki.collection import Collection  # noqa: F401 (anki.collection first: the package imports in that order)
from anki.scheduler.v3 import CardAnswer

from generator.writers.anki import LockError
from generator.writers.anki.notes import RETIRED_TAG, fact_guid
from tests.test_anki_build import DECK, T0, Clock, bank_dict, build, write_bank
from tests.test_anki_import import import_default, note_by_guid, student  # noqa: F401 (fixture)
from tests.tools import errata


def review(col, note) -> tuple:
    card = note.cards()[0]
    card.start_timer()
    states = col._backend.get_scheduling_states(card.id)
    col.sched.answer_card(col.sched.build_answer(card=card, states=states, rating=CardAnswer.GOOD))
    card.load()
    return card.id, (card.type, card.queue, card.due, card.ivl, card.reps)


def edit(col, guid: str, field: str, text: str) -> None:
    note = note_by_guid(col, guid)
    note[field] = text
    col.update_note(note)


def myth_guids(col) -> set[str]:
    return set(col.db.list("select n.guid from notes n where n.mid = (select id from notetypes "
                           "where name = 'Errata myth')"))


def test_building_from_another_folder_finds_the_lock(tmp_path, student):
    repo, elsewhere = tmp_path / "repo", tmp_path / "elsewhere"
    repo.mkdir(), elsewhere.mkdir()
    bank = write_bank(repo / "questions.yaml", bank_dict())
    r = errata("build", cwd=repo)
    assert r.returncode == 0, r.stderr
    import_default(student, str(repo / "decks" / f"{DECK}.apkg"))
    edit(student, fact_guid(DECK, "water"), "Explanation", "My own mnemonic")
    data = bank_dict()
    data["facts"][1]["explain"] = "Berlin is the capital again since 1990."
    write_bank(bank, data)
    r = errata("build", bank, cwd=elsewhere)  # the lock is found beside the bank, the deck goes beside it too
    assert r.returncode == 0, r.stderr
    assert "1 changed" in r.stdout and "8 unchanged" in r.stdout and not list(elsewhere.iterdir())
    log = import_default(student, str(repo / "decks" / f"{DECK}.apkg"))
    assert log["updated"] == {fact_guid(DECK, "capital-de")}
    assert note_by_guid(student, fact_guid(DECK, "water"))["Explanation"] == "My own mnemonic"


def test_a_revert_of_bank_and_lock_reaches_students(tmp_path, student):
    clock = Clock(T0)
    r1 = build(tmp_path, bank_dict(), clock)
    v1 = {p: p.read_bytes() for p in (tmp_path / "bank.yaml", Path(r1.lock))}
    import_default(student, r1.apkg)
    edit(student, fact_guid(DECK, "water"), "Explanation", "My own mnemonic")
    data = bank_dict()
    data["facts"][1]["explain"] = "Berlin is the capital again since 1990."
    clock.t += 10
    import_default(student, build(tmp_path, data, clock).apkg)
    germany = fact_guid(DECK, "capital-de")
    assert note_by_guid(student, germany)["Explanation"] == "Berlin is the capital again since 1990."
    for path, content in v1.items():  # restored from version control; the deck students have stays
        path.write_bytes(content)
    clock.t += 10
    r3 = build(tmp_path, bank_dict(), clock, bank_file=tmp_path / "bank.yaml")
    assert r3.changed == ["capital-de"] and not r3.up_to_date
    log = import_default(student, r3.apkg)
    assert log["updated"] == {germany}
    assert note_by_guid(student, germany)["Explanation"] == "Berlin again since 1990."
    assert note_by_guid(student, fact_guid(DECK, "water"))["Explanation"] == "My own mnemonic"


def test_a_fixed_typo_in_a_quote_keeps_the_myth_note(tmp_path, student):
    clock = Clock(T0)
    import_default(student, build(tmp_path, bank_dict(), clock).apkg)
    myths = myth_guids(student)
    paris_myth = next(g for g in myths if "Lyon" in note_by_guid(student, g)["Quote"])
    cid, state = review(student, note_by_guid(student, paris_myth))
    revlog = student.db.all("select * from revlog where cid = ?", cid)
    data = bank_dict()
    data["facts"][0]["errors"][0]["quote"] = "Lyon, the French capitol"  # the audit found the source's own spelling
    clock.t += 5
    r = build(tmp_path, data, clock)
    # the Choose card's back quotes the source too
    assert r.changed == ["capital-fr", "capital-fr: myth from blog"] and not r.added and not r.retired
    log = import_default(student, r.apkg)
    assert log["updated"] == {paris_myth, fact_guid(DECK, "capital-fr")} and not log["new"]
    assert myth_guids(student) == myths
    assert note_by_guid(student, paris_myth)["Quote"] == "Lyon, the French capitol"
    card = student.get_card(cid)
    assert (card.type, card.queue, card.due, card.ivl, card.reps) == state
    assert student.db.all("select * from revlog where cid = ?", cid) == revlog


def test_one_of_two_errors_of_a_source_removed_keeps_the_other_note(tmp_path):
    clock = Clock(T0)
    data = bank_dict()
    data["facts"][1]["errors"].append({"says": "Frankfurt", "source": "blog", "quote": "Frankfurt, the capital",
                                       "why": "Frankfurt is the financial centre."})
    r1 = build(tmp_path, data, clock)
    frankfurt = next(label for label in r1.added if "blog" in label)
    del data["facts"][1]["errors"][1]  # the first of the blog's two errors about Germany
    clock.t += 5
    r2 = build(tmp_path, data, clock)
    assert r2.retired == ["capital-de: myth from blog"] and r2.changed == ["capital-de"] and frankfurt


def test_a_changed_deck_id_is_refused_unless_asked(tmp_path, student):
    clock = Clock(T0)
    import_default(student, build(tmp_path, bank_dict(), clock).apkg)
    data = bank_dict()
    data["deck"]["id"] = "test-deck-2"
    clock.t += 5
    with pytest.raises(LockError, match="every note twice"):
        build(tmp_path, data, clock)
    r = build(tmp_path, data, clock, new_deck_id=True)
    assert len(r.added) == 9 and len(r.retired) == 9
    log = import_default(student, r.apkg)
    assert len(log["new"]) == 9 and len(log["updated"]) == 9
    old = note_by_guid(student, fact_guid(DECK, "water"))
    assert RETIRED_TAG in old.tags and old["Question"] == "What is the formula of water?"


def test_a_lost_lock_is_refused_or_read_back_from_the_deck(tmp_path, student):
    repo = tmp_path / "repo"
    repo.mkdir()
    clock = Clock(T0)
    r = build(repo, bank_dict(), clock)
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run(["git", "-C", str(repo), "add", "bank.yaml", "bank.lock.json"], check=True)
    subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "v1"],
                   check=True)
    import_default(student, r.apkg)
    edit(student, fact_guid(DECK, "water"), "Explanation", "My own mnemonic")
    Path(r.lock).unlink()
    clock.t += 100
    with pytest.raises(LockError, match="version control has it"):
        build(repo, bank_dict(), clock, out=tmp_path / "fresh")
    assert not Path(r.lock).exists() and not (tmp_path / "fresh" / f"{DECK}.apkg").exists()
    r2 = build(repo, bank_dict(), clock)  # the deck is there: ids and times come back from it
    assert r2.unchanged == 9 and not r2.changed and "read back" in " ".join(r2.notices)
    log = import_default(student, r2.apkg)
    assert not log["updated"] and not log["new"]
    assert note_by_guid(student, fact_guid(DECK, "water"))["Explanation"] == "My own mnemonic"
    Path(r2.lock).unlink()
    r3 = build(repo, bank_dict(), clock, out=tmp_path / "fresh", restamp=True)  # asked for
    assert r3.first_build and len(r3.added) == 9


def test_topics_make_one_subdeck_each_whatever_their_form(tmp_path, student):
    data = bank_dict()
    data["facts"][0]["topic"] = unicodedata.normalize("NFC", "Géographie")
    data["facts"][1]["topic"] = unicodedata.normalize("NFD", "Géographie")
    data["facts"][2]["topic"] = "Chemistry"   # 'Chemistry::' and '::Chemistry' are check errors (an empty level)
    data["facts"][3]["topic"] = "Chemistry"
    data["facts"][4]["topic"] = "Space :: Planets"
    import_default(student, build(tmp_path, data, Clock()).apkg)
    names = sorted(d.name for d in student.decks.all_names_and_ids() if d.name.startswith("Test deck"))
    assert names == ["Test deck", "Test deck::Chemistry", "Test deck::Géographie", "Test deck::Space",
                     "Test deck::Space::Planets"]


def test_a_long_deck_id_builds_or_fails_before_writing(tmp_path, student):
    # The longest deck id the checker allows (100 characters) builds and imports.
    data = bank_dict()
    data["deck"]["id"] = "d" * 100
    r = build(tmp_path, data, Clock())
    assert Path(r.apkg).name == "d" * 100 + ".apkg"
    assert len(import_default(student, r.apkg)["new"]) == 9
    # A longer one is refused by the check, before anything is written.
    data["deck"]["id"] = "d" * 240
    other = tmp_path / "other"
    other.mkdir()
    bank = write_bank(other / "bank.yaml", data)
    result = errata("build", bank, "-o", other / "decks")
    assert result.returncode == 1 and "'id' is 240 characters long; at most 100" in result.stderr
    assert sorted(p.name for p in other.iterdir()) in (["bank.yaml"], ["bank.yaml", "decks"])
    assert not (other / "decks").exists() or not list((other / "decks").iterdir())
    assert not (other / "bank.lock.json").exists()

def test_myth_cards_show_the_question_and_the_renamed_field_updates_in_place(tmp_path, student, monkeypatch):
    clock = Clock(T0)
    import_default(student, build(tmp_path, bank_dict(), clock).apkg)
    myth = next(student.get_note(n) for n in student.find_notes('"note:Errata myth"')
                if student.get_note(n)["FactId"] == "capital-fr")
    assert "What is the capital of France?" in myth.cards()[0].answer()
    assert "Right:" in myth.cards()[0].answer() and "What is the capital" not in myth.cards()[0].question()
    # A student whose note type still has the field under its first name ("Spare1", same id)
    model = student.models.by_name("Errata myth")
    student.models.rename_field(model, next(f for f in model["flds"] if f["name"] == "Question"), "Spare1")
    student.models.update_dict(model)
    schema = student.db.scalar("select scm from col")
    from generator.writers.anki import templates

    monkeypatch.setattr(templates, "CSS", templates.CSS + "\n/* next version */\n")
    clock.t = int(time.time()) + 60  # newer than the student's local change
    log = import_default(student, build(tmp_path, bank_dict(), clock).apkg)
    assert not log["conflicting"] and not log["new"]
    names = [f["name"] for f in student.models.by_name("Errata myth")["flds"]]
    assert "Question" in names and "Spare1" not in names
    assert [m.name for m in student.models.all_names_and_ids()].count("Errata myth") == 1
    assert student.db.scalar("select scm from col") == schema  # no full sync asked of the student
