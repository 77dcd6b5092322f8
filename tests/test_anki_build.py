"""`errata build`: lock file, modification times, identity, determinism, atomic output, CLI.

The banks here are written by the tests; `bank_dict`/`write_bank`/`Clock`/`build`
are shared with the other Anki tests.
"""

from __future__ import annotations

import copy
import json
import re
import sqlite3
import zipfile
from pathlib import Path

import pytest
import yaml

from generator.writers.anki import LockError, apkg_path, build_deck, lock_path
from generator.writers.anki import package as package_mod
from generator.text.markup import text_html
from generator.writers.anki.notes import RETIRED_TAG, fact_guid
from generator.writers.anki.notetypes import FACT, MYTH, NOTE_TYPES
from generator.writers.anki.package import read_apkg
from generator.check import check_bank
from tests.tools import errata

ROOT = Path(__file__).parent.parent
T0 = 1_750_000_000
DECK = "test-deck"


def bank_dict() -> dict:
    """Five facts; every fact has at least two wrong options of its own, so adding or
    removing a fact never changes another fact's options."""
    return {
        "deck": {"id": DECK, "title": "Test deck", "description": "Facts for the tests."},
        "sources": {
            "blog": {"title": "A health blog", "url": "https://example.org/blog"},
            "leaflet": {"title": "An old leaflet"},
        },
        "references": {"ref": {"title": "The reference", "publisher": "Agency", "year": "2020",
                               "url": "https://example.org/ref"}},
        "facts": [
            {"id": "capital-fr", "topic": "Geography", "kind": "city",
             "question": "What is the capital of France?", "answer": "Paris",
             "explain": "Paris has been the capital since the Middle Ages.", "refs": ["ref"],
             "tags": ["europe"],
             "errors": [{"says": "Lyon", "source": "blog", "quote": "Lyon, the French capital",
                         "why": "Lyon is the third city, not the capital."}],
             "distractors": ["Marseille", "Nice"]},
            {"id": "capital-de", "topic": "Geography", "kind": "city",
             "question": "What is the capital of Germany?", "answer": "Berlin",
             "explain": "Berlin again since 1990.", "refs": ["ref"],
             "errors": [{"says": "Bonn", "source": "leaflet", "quote": "the capital, Bonn,",
                         "why": "Bonn was the seat of government of West Germany until 1990."},
                        {"says": "Bonn", "source": "blog", "quote": "Bonn is Germany's capital",
                         "why": "Not since 1990."}],
             "distractors": ["Munich"]},
            {"id": "water", "topic": "Chemistry", "kind": "formula",
             "question": "What is the formula of water?", "answer": "H~2~O",
             "explain": "Two hydrogen atoms and one oxygen atom.", "refs": ["ref"],
             "distractors": ["H~2~O~2~", "CO~2~"]},
            {"id": "boiling", "topic": "Chemistry", "kind": "temperature",
             "question": "At sea level, water boils at …", "answer": "100 °C",
             "explain": "At 1 atm.", "refs": ["ref"], "distractors": ["90 °C", "120 °C"]},
            {"id": "planets", "topic": "Space", "kind": "count",
             "question": "How many planets does the Sun have?", "answer": "8", "accept": ["eight"],
             "explain": "Pluto is a dwarf planet.", "refs": ["ref"],
             "errors": [{"says": "9", "source": "leaflet", "quote": "our nine planets",
                         "why": "Pluto was reclassified in 2006."}],
             "distractors": ["7", "10"]},
        ],
    }


def write_bank(path: Path, data: dict) -> Path:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def load(path: Path):
    bank, report = check_bank(str(path))
    assert report.ok and bank is not None, [d.format() for d in report.errors]
    return bank


class Clock:
    """An injectable clock: whole seconds, moved by the test."""

    def __init__(self, t: int = T0):
        self.t = t

    def __call__(self) -> float:
        return self.t + 0.75


def loader(path: Path):
    def load_options(options: int):
        bank, report = check_bank(str(path), options=options)
        assert report.ok and bank is not None, [d.format() for d in report.errors]
        return bank
    return load_options


def build(tmp_path: Path, data: dict, clock: Clock, out: Path | None = None, bank_file: Path | None = None, **kw):
    out = out or tmp_path / "decks"
    path = write_bank(bank_file or tmp_path / "bank.yaml", data)
    return build_deck(str(path), str(out), loader(path), clock=clock, **kw)


def lock_notes(result) -> dict:
    """The deck's notes by label: the lock's slot, id, time and digest with the package's
    fields, tags and deck (the lock keeps content only for retired notes)."""
    data = json.loads(Path(result.lock).read_text(encoding="utf-8"))
    shipped = read_apkg(result.apkg)
    out = {}
    for row in data["notes"] + data["retired"]:
        r = dict(zip(data["columns"], row)) if isinstance(row, list) else row
        s = shipped[r["guid"]]
        label = f'{r["fact"]}: myth from {r["source"]}' if r["source"] else r["fact"]
        out[label] = {**r, "kind": s.kind, "deck": s.deck, "tags": s.tags, "retired": s.retired,
                      "fields": dict(zip(NOTE_TYPES[s.kind].field_names, s.values))}
    return out


def apkg_rows(path: str, sql: str) -> list:
    with zipfile.ZipFile(path) as z:
        db = z.read("collection.anki2")
    tmp = Path(path).with_suffix(".sqlite")
    tmp.write_bytes(db)
    con = sqlite3.connect(tmp)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()
        tmp.unlink()


def test_first_build_counts_and_lock(tmp_path):
    r = build(tmp_path, bank_dict(), Clock())
    assert r.first_build and Path(r.apkg).name == f"{DECK}.apkg" and Path(r.lock) == tmp_path / "bank.lock.json"
    assert r.notes == {"fact": 5, "myth": 4}
    assert r.cards == {"Recall": 5, "Choose": 5, "Myth or fact": 4}
    notes = lock_notes(r)
    assert {n["mod"] for n in notes.values()} == {T0}
    assert notes["capital-fr"]["guid"] == fact_guid(DECK, "capital-fr")
    assert notes["water"]["fields"]["Answer"] == "H<sub>2</sub>O"
    tags = notes["capital-de"]["tags"]
    assert {"errata::topic::Geography", "errata::kind::city", "errata::source::leaflet",
            "errata::source::blog"} <= set(tags)
    assert notes["capital-de: myth from blog"]["tags"].count("errata::source::blog") == 1
    assert "errata::source::leaflet" not in notes["capital-de: myth from blog"]["tags"]
    assert notes["water"]["deck"] == "Test deck::Chemistry"
    # the package: every note's mod and id as the lock says, cards per note type
    rows = apkg_rows(r.apkg, "select guid, id, mod from notes")
    by_guid = {n["guid"]: n for n in notes.values()}
    assert {g: (i, m) for g, i, m in rows} == {g: (n["id"], n["mod"]) for g, n in by_guid.items()}
    decks = json.loads(apkg_rows(r.apkg, "select decks from col")[0][0])
    assert {d["name"] for d in decks.values()} >= {"Test deck", "Test deck::Geography", "Test deck::Chemistry",
                                                  "Test deck::Space"}


def test_same_bank_and_lock_give_identical_bytes(tmp_path):
    r1 = build(tmp_path, bank_dict(), Clock(T0))
    first, lock1 = Path(r1.apkg).read_bytes(), Path(r1.lock).read_bytes()
    r2 = build(tmp_path, bank_dict(), Clock(T0 + 3600))  # an hour later, nothing changed
    assert Path(r2.apkg).read_bytes() == first
    assert Path(r2.lock).read_bytes() == lock1
    assert r2.up_to_date and r2.unchanged == 9
    # another output folder: the same lock (beside the bank), the same bytes, nothing restamped
    r3 = build(tmp_path, bank_dict(), Clock(T0 + 7200), out=tmp_path / "elsewhere")
    assert Path(r3.apkg).read_bytes() == first and Path(r3.lock).read_bytes() == lock1
    assert not r3.up_to_date and r3.unchanged == 9 and not r3.changed


def test_zip_is_deflated_with_fixed_times(tmp_path):
    r = build(tmp_path, bank_dict(), Clock())
    with zipfile.ZipFile(r.apkg) as z:
        infos = z.infolist()
        assert [i.filename for i in infos] == ["collection.anki2", "media"]
        assert all(i.compress_type == zipfile.ZIP_DEFLATED for i in infos)
        assert all(i.date_time == (1980, 1, 1, 0, 0, 0) for i in infos)
        assert z.read("media") == b"{}"
        assert infos[0].compress_size < infos[0].file_size / 2


def test_mod_changes_only_with_content_and_strictly_increases(tmp_path):
    clock = Clock(T0)
    build(tmp_path, bank_dict(), clock)
    data = bank_dict()
    data["facts"][1]["explain"] = "Berlin is the capital again since 1990."
    r = build(tmp_path, data, clock)  # the same second as the first build
    notes = lock_notes(r)
    assert r.changed == ["capital-de"]
    assert notes["capital-de"]["mod"] == T0 + 1  # newer than the first build, though built in the same second
    assert all(n["mod"] == T0 for label, n in notes.items() if label != "capital-de")
    clock.t = T0 + 100
    data["facts"][1]["explain"] = "Berlin, since 1990."
    r = build(tmp_path, data, clock)
    assert lock_notes(r)["capital-de"]["mod"] == T0 + 100
    assert lock_notes(r)["capital-de"]["id"] == notes["capital-de"]["id"]


def test_removed_fact_is_retired_and_stays_in_the_lock(tmp_path):
    clock = Clock(T0)
    build(tmp_path, bank_dict(), clock)
    data = bank_dict()
    removed = data["facts"].pop(4)  # "planets": one fact note and one myth note
    clock.t += 10
    r = build(tmp_path, data, clock)
    assert sorted(r.retired) == ["planets", "planets: myth from leaflet"]
    notes = lock_notes(r)
    for label in r.retired:
        n = notes[label]
        assert n["retired"] and RETIRED_TAG in n["tags"] and n["mod"] == T0 + 10
        assert n["fields"]["Notice"].startswith("Retired:")
    assert notes["planets"]["fields"]["Question"] == text_html(removed["question"])
    # shipped, with the cards marked suspended (Anki keeps that when importing with scheduling)
    rows = apkg_rows(r.apkg, "select n.guid, c.queue from cards c join notes n on n.id = c.nid")
    queues = {}
    for guid, queue in rows:
        queues.setdefault(guid, set()).add(queue)
    assert queues[notes["planets"]["guid"]] == {-1}
    assert queues[notes["water"]["guid"]] == {0}
    # a later build keeps them as they are
    clock.t += 10
    r = build(tmp_path, data, clock)
    assert r.up_to_date and r.still_retired == 2 and lock_notes(r)["planets"]["mod"] == T0 + 10
    # and a fact that comes back is live again, with the same note
    clock.t += 10
    r = build(tmp_path, bank_dict(), clock)
    back = lock_notes(r)["planets"]
    assert "planets" in r.changed and not back["retired"] and RETIRED_TAG not in back["tags"]
    assert back["guid"] == notes["planets"]["guid"] and back["id"] == notes["planets"]["id"]


def test_a_retired_note_keeps_the_field_names_its_lock_kept(tmp_path):
    """A retired myth note kept in the lock before its eighth field was renamed ("Spare1",
    now "Question") stays as the lock wrote it, build after build; the deck ships it under
    today's names, the renamed field empty."""
    clock = Clock(T0)
    build(tmp_path, bank_dict(), clock)
    data = bank_dict()
    data["facts"].pop(4)
    clock.t += 10
    r = build(tmp_path, data, clock)
    lock = json.loads(Path(r.lock).read_text(encoding="utf-8"))
    myth = next(n for n in lock["retired"] if n["source"])
    fields = myth["fields"]
    myth["fields"] = {("Spare1" if k == "Question" else k): ("" if k == "Question" else v) for k, v in fields.items()}
    Path(r.lock).write_text(json.dumps(lock, ensure_ascii=False, indent=1), encoding="utf-8")
    clock.t += 10
    data["facts"][0]["explain"] = "Changed, so that the deck is written again."
    r = build(tmp_path, data, clock)
    again = next(n for n in json.loads(Path(r.lock).read_text(encoding="utf-8"))["retired"] if n["source"])
    assert again == myth
    shipped = lock_notes(r)["planets: myth from leaflet"]
    assert shipped["fields"]["Question"] == "" and shipped["fields"]["Quote"] == fields["Quote"]


def test_formerly_keeps_the_guid(tmp_path):
    clock = Clock(T0)
    r1 = build(tmp_path, bank_dict(), clock)
    old = lock_notes(r1)
    data = bank_dict()
    data["facts"][0]["id"] = "capital-of-france"
    data["facts"][0]["formerly"] = ["capital-fr"]
    clock.t += 5
    r = build(tmp_path, data, clock)
    notes = lock_notes(r)
    assert not r.added and not r.retired
    assert notes["capital-of-france"]["guid"] == old["capital-fr"]["guid"]
    assert notes["capital-of-france"]["id"] == old["capital-fr"]["id"]
    assert notes["capital-of-france: myth from blog"]["guid"] == old["capital-fr: myth from blog"]["guid"]
    assert notes["capital-of-france"]["fields"]["FactId"] == "capital-of-france"
    # without a lock, the oldest former id gives the GUID
    (tmp_path / "fresh").mkdir()
    fresh = build(tmp_path / "fresh", data, clock)
    assert lock_notes(fresh)["capital-of-france"]["guid"] == fact_guid(DECK, "capital-fr")


def test_new_notes_never_reuse_ids(tmp_path):
    clock = Clock(T0)
    first_ids = [n["id"] for n in lock_notes(build(tmp_path, bank_dict(), clock)).values()]
    data = bank_dict()
    data["facts"].append({"id": "sun", "topic": "Space", "kind": "star", "question": "What is the Sun?",
                          "answer": "A star", "explain": "A G-type main-sequence star.", "refs": ["ref"],
                          "distractors": ["A planet", "A comet"]})
    r2 = build(tmp_path, data, clock)  # same second: ids must still be new
    ids = [n["id"] for n in lock_notes(r2).values()]
    assert len(ids) == len(set(ids)) and r2.added == ["sun"]
    assert lock_notes(r2)["sun"]["id"] > max(first_ids)
    assert min(b - a for a, b in zip(sorted(ids), sorted(ids)[1:])) >= 4  # room for the cards' ids


def test_template_change_gives_the_note_type_a_newer_mod(tmp_path, monkeypatch):
    clock = Clock(T0)
    build(tmp_path, bank_dict(), clock)
    from generator.writers.anki import templates

    monkeypatch.setattr(templates, "CSS", templates.CSS + "\n/* next version */\n")
    clock.t += 60
    r = build(tmp_path, bank_dict(), clock)
    data = json.loads(Path(r.lock).read_text())
    assert data["note_types"]["fact"]["mod"] == T0 + 60 and data["note_types"]["myth"]["mod"] == T0 + 60
    assert set(r.note_types_changed) == {FACT.name, MYTH.name} and not r.changed
    models = json.loads(apkg_rows(r.apkg, "select models from col")[0][0])
    assert {m["mod"] for m in models.values()} == {T0 + 60}
    assert all("/* next version */" in m["css"] for m in models.values())


def test_note_type_schema_is_frozen():
    # Changing any of these breaks every student's updates (see notetypes.py).
    assert (FACT.id, MYTH.id) == (1891564893, 2051118055)
    assert FACT.field_names == ["Question", "Answer", "Accepted", "Explanation", "References", "Options",
                                "FactId", "Notice", "Spare1", "Spare2", "Spare3"]
    assert MYTH.field_names == ["Quote", "Source", "Claim", "Why", "Answer", "FactId", "Notice",
                                "Question", "Spare2", "Spare3"]  # names may change, ids not
    assert [fid for _, fid in MYTH.fields][7] == 3342023317982608984
    assert [fid for _, fid in FACT.fields][:2] == [2955049291849914804, 4543398909983373717]
    assert [(n, i) for n, i, *_ in FACT.templates] == [("Recall", 2108314687034706308),
                                                      ("Choose", 4309080690195877701),
                                                      ("Reserved", 2359785100868154337)]
    assert [(n, i) for n, i, *_ in MYTH.templates] == [("Myth or fact", 1817707578714867192),
                                                      ("Reserved", 1821963577465469410)]
    ids = [i for nt in (FACT, MYTH) for _, i in nt.fields] + [i for nt in (FACT, MYTH) for _, i, *_ in nt.templates]
    assert len(ids) == len(set(ids))


def test_a_crash_while_writing_leaves_the_old_deck(tmp_path, monkeypatch):
    clock = Clock(T0)
    r = build(tmp_path, bank_dict(), clock)
    good_apkg, good_lock = Path(r.apkg).read_bytes(), Path(r.lock).read_bytes()

    def crash(*a, **k):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(package_mod.zipfile.ZipFile, "writestr", crash)
    data = bank_dict()
    data["facts"][0]["answer"] = "Paris (Île-de-France)"
    clock.t += 1
    with pytest.raises(RuntimeError):
        build(tmp_path, data, clock)
    assert Path(r.apkg).read_bytes() == good_apkg and Path(r.lock).read_bytes() == good_lock
    assert sorted(p.name for p in Path(r.apkg).parent.iterdir()) == [f"{DECK}.apkg"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bank.lock.json", "bank.yaml", "decks"]


def test_a_broken_lock_is_an_error_not_a_fresh_start(tmp_path):
    out = tmp_path / "decks"
    lock = tmp_path / "bank.lock.json"
    lock.write_text("{not json")
    with pytest.raises(LockError, match="not a readable lock file"):
        build(tmp_path, bank_dict(), Clock())
    lock.write_text(json.dumps({"format": "errata-anki-lock", "version": 2, "deck": DECK, "note_types": {},
                                "notes": [["a", "", 0, "g1", 1000, T0, "d"], ["b", "", 0, "g2", 1000, T0, "d"]]}))
    with pytest.raises(LockError, match="g1 and g2 share the note id 1000"):
        build(tmp_path, bank_dict(), Clock())
    lock.write_text(json.dumps({"format": "errata-anki-lock", "version": 2, "deck": DECK, "note_types": {},
                                "notes": [["a", "", 0, "g1", 1000, "soon", "d"]]}))
    with pytest.raises(LockError, match="not a valid lock file"):
        build(tmp_path, bank_dict(), Clock())
    assert not out.exists() or not any(out.iterdir())


# --- the command ----------------------------------------------------------------------

def test_cli_build_writes_deck_and_summary(tmp_path):
    bank = write_bank(tmp_path / "bank.yaml", bank_dict())
    r = errata("build", str(bank), "-o", str(tmp_path / "out"))
    assert r.returncode == 0, r.stderr
    assert "9 notes (5 facts, 4 myths), 14 cards (5 Recall, 5 Choose, 4 Myth or fact)" in r.stdout
    assert "first build" in r.stdout
    assert (tmp_path / "out" / f"{DECK}.apkg").is_file() and (tmp_path / "bank.lock.json").is_file()
    data = bank_dict()
    data["facts"][0]["explain"] = "Paris, on the Seine, has been the capital since the Middle Ages."
    write_bank(bank, data)
    r = errata("build", str(bank), "-o", str(tmp_path / "out"))
    assert r.returncode == 0, r.stderr
    assert "since the last build: 0 added, 1 changed, 0 retired, 8 unchanged" in r.stdout
    assert "changed: capital-fr" in r.stdout
    r = errata("build", str(bank), "-o", str(tmp_path / "out"))
    assert "nothing changed" in r.stdout


def test_cli_default_paths(tmp_path):
    write_bank(tmp_path / "questions.yaml", bank_dict())
    r = errata("build", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "decks" / f"{DECK}.apkg").is_file()


def test_cli_bad_bank_keeps_the_good_deck(tmp_path):
    bank = write_bank(tmp_path / "bank.yaml", bank_dict())
    out = tmp_path / "out"
    assert errata("build", str(bank), "-o", str(out)).returncode == 0
    good = (out / f"{DECK}.apkg").read_bytes()
    data = copy.deepcopy(bank_dict())
    data["facts"][0]["refs"] = ["no-such-reference"]
    write_bank(bank, data)
    r = errata("build", str(bank), "-o", str(out))
    assert r.returncode == 1 and "unknown reference" in r.stderr and "Traceback" not in r.stderr
    assert (out / f"{DECK}.apkg").read_bytes() == good
    assert sorted(p.name for p in out.iterdir()) == [f"{DECK}.apkg"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bank.lock.json", "bank.yaml", "out"]


def test_cli_usage_errors(tmp_path):
    bank = write_bank(tmp_path / "bank.yaml", bank_dict())
    r = errata("build", str(bank), "--options", "9", "-o", str(tmp_path / "o"))
    assert r.returncode == 2 and "--options" in r.stderr
    (tmp_path / "file").write_text("x")
    r = errata("build", str(bank), "-o", str(tmp_path / "file"))
    assert r.returncode == 2 and "is a file" in r.stderr
    r = errata("build", str(tmp_path / "missing.yaml"))
    assert r.returncode == 2 and "no such file" in r.stderr
    out = tmp_path / "o2"
    out.mkdir()
    (out / f"{DECK}.lock.json").write_text("[]")
    r = errata("build", str(bank), "-o", str(out))  # a lock where earlier versions kept it
    assert r.returncode == 1 and "lock file" in r.stderr and "Traceback" not in r.stderr
    r = errata("build", str(bank), "-o", str(tmp_path / "o3"), "--seed", "4")
    assert r.returncode == 2 and "does not depend on" in r.stderr


def test_deck_does_not_depend_on_a_seed(tmp_path):
    from generator.writers.anki.notes import DECK_SEED
    assert DECK_SEED == 0  # the ketamine deck was first built with seed 0: never change it
    r = build(tmp_path, bank_dict(), Clock())
    assert "seed" not in build_deck.__code__.co_varnames

def test_options_reach_the_choose_card_and_stay_in_the_lock(tmp_path):
    clock = Clock()
    r = build(tmp_path, bank_dict(), clock, options=2)
    opts = lock_notes(r)["capital-fr"]["fields"]["Options"]
    assert opts.count("<li") == 2 and "Lyon" in opts  # the source's error comes first
    assert apkg_path(str(tmp_path / "decks"), DECK) == r.apkg and lock_path(str(tmp_path / "bank.yaml")) == r.lock
    clock.t += 100
    r = build(tmp_path, bank_dict(), clock)  # no --options: the lock's
    assert r.up_to_date and lock_notes(r)["capital-fr"]["fields"]["Options"].count("<li") == 2


def test_choose_options_are_the_generators(tmp_path):
    from generator.quiz import generate

    data = bank_dict()
    data["facts"].append({"id": "sun", "topic": "Space", "kind": "count", "question": "How many suns?",
                          "answer": "1", "explain": "One star.", "refs": ["ref"], "distractors": ["2"]})
    r = build(tmp_path, data, Clock(), options=4)
    quiz = generate(load(tmp_path / "bank.yaml"), seed=0, options=4)
    notes = lock_notes(r)
    for q in quiz.questions:
        field = notes[q.fact.id]["fields"]["Options"]
        shown = re.findall(r'<div class="errata-text">(.*?)</div>', field)
        assert sorted(shown) == sorted(text_html(o.text) for o in q.options), q.fact.id
        key = re.findall(r'<li class="errata-option errata-key"><div class="errata-text">(.*?)</div>', field)
        assert key == [text_html(q.fact.answer)]
    assert "8" in re.findall(r'<div class="errata-text">(.*?)</div>', notes["sun"]["fields"]["Options"])  # borrowed


def test_a_fact_with_one_option_gets_no_choose_card(tmp_path):
    from generator.bank import load_bank

    data = bank_dict()
    data["facts"].append({"id": "lonely", "topic": "Space", "kind": "unique", "question": "Alone?",
                          "answer": "Yes", "explain": "Nothing to choose from.", "refs": ["ref"]})
    path = write_bank(tmp_path / "bank.yaml", data)
    bank, _, _ = load_bank(str(path))  # the checker would refuse it
    r = build_deck(str(path), str(tmp_path / "decks"), lambda options: bank, clock=Clock())
    assert r.cards == {"Recall": 6, "Choose": 5, "Myth or fact": 4}
    assert lock_notes(r)["lonely"]["fields"]["Options"] == ""


def test_guids_are_genankis():
    import genanki
    from hypothesis import given, strategies as st

    from generator.writers.anki.notes import guid_for

    @given(st.lists(st.text(), min_size=1, max_size=5))
    def same(values):
        assert guid_for(*values) == genanki.guid_for(*values)

    same()


def test_a_lock_of_the_first_layout_moves_beside_the_bank_keeping_every_time(tmp_path):
    clock = Clock(T0)
    r = build(tmp_path, bank_dict(), clock)
    notes = lock_notes(r)
    # the first layout: beside the deck, named after the deck id, every note's content
    v1 = {"format": "errata-anki-lock", "version": 1, "deck": DECK,
          "note_types": json.loads(Path(r.lock).read_text())["note_types"],
          "notes": [{"guid": n["guid"], "kind": n["kind"], "fact": n["fact"], "label": label, "id": n["id"],
                     "mod": n["mod"], "digest": "0" * 64, "retired": False, "deck": n["deck"], "tags": n["tags"],
                     "fields": n["fields"]} for label, n in notes.items()]}
    legacy = tmp_path / "decks" / f"{DECK}.lock.json"
    legacy.write_text(json.dumps(v1))
    Path(r.lock).unlink()
    clock.t += 100
    r2 = build(tmp_path, bank_dict(), clock)
    assert not legacy.exists() and Path(r2.lock).exists() and "moved the lock" in " ".join(r2.notices)
    assert r2.unchanged == 9 and not (r2.changed or r2.added or r2.retired)
    assert {k: (n["guid"], n["id"], n["mod"]) for k, n in lock_notes(r2).items()} == \
        {k: (n["guid"], n["id"], n["mod"]) for k, n in notes.items()}
    text = Path(r2.lock).read_text()  # digests and times only: no note's content
    assert not [v for n in notes.values() for v in n["fields"].values() if len(v) > 12 and v in text]
    assert len(text) < 200 * 9 + 400  # 400: the header, and the facts' digests


def test_code_digest_covers_the_c_extensions_sources():
    # The C kits compute what the Python code computes (their own tests compare them), but a deck made by
    # changed code is rebuilt either way: their sources are part of the code the lock's digest covers.
    from generator.writers.anki.build import code_files

    root = Path(__file__).resolve().parents[1] / "generator"
    files = {p.relative_to(root).as_posix() for p in code_files(root)}
    assert {"bank/_fastyaml.c", "writers/anki/_notekit.c", "writers/anki/notes.py", "writers/deflate.py"} <= files
    assert not any(f.startswith("results/") for f in files)
