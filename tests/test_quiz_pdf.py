"""Printed quizzes: real typst PDFs, read back with pdftotext.

What a trainer relies on: every version holds the same questions and distractors in
its own order, with balanced key positions; the paper shows every question and option
in that order; the key's letters are the generated keys; every page carries the version
and "page x of y"; no question is split across pages; bank text prints literally; a
character no font has stops the print with the fact's name.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from generator.quiz import generate
from generator.writers.pdf import LETTERS, PrintError, make_versions, page_count, render_printout
from tests.quiz_banks import HOSTILE, hostile_data, load, plain_data, write_bank
from tests.tools import errata, require_tool

ROOT = Path(__file__).parent.parent


def pdf_text(pdf: bytes, folder: Path, page: int | None = None) -> str:
    exe = require_tool("pdftotext", "reads the printed quiz back (poppler-utils)")
    path = folder / f"read-{hashlib.sha1(pdf).hexdigest()[:12]}.pdf"
    path.write_bytes(pdf)
    pages = ["-f", str(page), "-l", str(page)] if page else []
    r = subprocess.run([exe, "-layout", "-enc", "UTF-8", *pages, str(path), "-"], capture_output=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return r.stdout.decode("utf-8")


_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u2032": "'", "\u201c": '"', "\u201d": '"', "\u2033": '"'})


def flat(text: str) -> str:
    """Text without white space, quotes made straight: typst sets quotes typographically and
    pdftotext lays out lines and columns its own way; the characters and their order remain."""
    return re.sub(r"\s+", "", text.translate(_QUOTES))


def assert_in_order(haystack: str, needles: list[str]) -> None:
    at = 0
    for n in needles:
        found = haystack.find(flat(n), at)
        assert found >= 0, f"not found after position {at}: {n!r}"
        at = found + len(flat(n))


@pytest.fixture(scope="module")
def plain_quiz(tmp_path_factory):
    bank = load(write_bank(tmp_path_factory.mktemp("plain"), plain_data(24)))
    return generate(bank, seed=7, options=4)


@pytest.fixture(scope="module")
def printout(plain_quiz):
    return render_printout(plain_quiz, versions=3)


# --- versions ---------------------------------------------------------------------------

def test_versions_reorder_without_changing_the_questions(plain_quiz):
    versions = make_versions(plain_quiz, 3)
    assert [v.letter for v in versions] == ["A", "B", "C"]
    options = {q.fact.id: [o.text for o in q.options] for q in plain_quiz.questions}
    orders = []
    for v in versions:
        assert sorted(q.fact.id for q in v.questions) == sorted(options)
        for q in v.questions:
            assert sorted(o.text for o in q.options) == sorted(options[q.fact.id])   # same distractors
            assert q.options[q.key_index].text == q.fact.answer
        orders.append([q.fact.id for q in v.questions])
    assert len({tuple(o) for o in orders}) == 3                                     # each its own order


def test_versions_balance_key_positions(plain_quiz):
    for v in make_versions(plain_quiz, 4):
        by_k: dict[int, Counter] = {}
        for q in v.questions:
            by_k.setdefault(len(q.options), Counter())[q.key_index] += 1
        for k, counts in by_k.items():
            used = [counts.get(i, 0) for i in range(k)]
            assert max(used) - min(used) <= 1, (v.letter, used)


def test_same_seed_same_versions_other_seed_others(plain_quiz):
    again = make_versions(generate(plain_quiz.bank, seed=7, options=4), 2)
    other = make_versions(generate(plain_quiz.bank, seed=8, options=4), 2)
    mine = make_versions(plain_quiz, 2)

    def shape(vs):
        return [[(q.fact.id, [o.text for o in q.options]) for q in v.questions] for v in vs]

    assert shape(again) == shape(mine)
    assert shape(other) != shape(mine)


# --- the PDFs ---------------------------------------------------------------------------

def test_papers_show_every_question_and_option_in_version_order(printout, tmp_path):
    assert list(printout.files) == ["plain-quiz-A.pdf", "plain-quiz-B.pdf", "plain-quiz-C.pdf",
                                    "plain-answer-sheet.pdf", "plain-answer-sheet.json", "plain-key.pdf",
                                    "plain-quiz.json"]
    for v in printout.versions:
        text = flat(pdf_text(printout.files[f"plain-quiz-{v.letter}.pdf"], tmp_path))
        assert_in_order(text, ["Name", "Date", f"Version{v.letter}"])
        needles = []
        for n, q in enumerate(v.questions, 1):
            needles.append(f"{n}. {q.fact.question}")
            needles += [f"{LETTERS[j]} {o.text}" for j, o in enumerate(q.options)]
        assert_in_order(text, needles)


def test_every_page_has_version_and_page_x_of_y_and_no_question_is_split(printout, tmp_path):
    v = printout.versions[1]
    pdf = printout.files[f"plain-quiz-{v.letter}.pdf"]
    pages = page_count(pdf)
    assert pages >= 3, "the fixture should fill several pages"
    page_of = {}
    for p in range(1, pages + 1):
        text = flat(pdf_text(pdf, tmp_path, page=p))
        assert f"Page{p}of{pages}" in text
        assert f"Version{v.letter}" in text and flat(f"plain · quiz {printout.code} · version {v.letter}") in text
        assert "seed" not in text.lower()   # the seed would let a student rebuild the key
        for n, q in enumerate(v.questions, 1):
            if flat(f"{n}. {q.fact.question}") in text:
                page_of[q.fact.id] = p
                for j, o in enumerate(q.options):   # the options are on the question's page
                    assert flat(f"{LETTERS[j]} {o.text}") in text, (q.fact.id, p)
    assert set(page_of) == {q.fact.id for q in v.questions}


def test_key_letters_and_provenance_agree_with_the_generated_questions(plain_quiz, printout, tmp_path):
    labels = {"source-error": "Source error", "curated": "Curated", "borrowed": "Another question's answer"}
    sources = plain_quiz.bank.sources
    text = flat(pdf_text(printout.files["plain-key.pdf"], tmp_path))
    first_page = flat(pdf_text(printout.files["plain-key.pdf"], tmp_path, page=1))
    for v in printout.versions:   # the first page: every version's key letters, as a grader marks them
        assert flat(v.letter + "".join(f"{n}{q.key_letter}" for n, q in enumerate(v.questions, 1))) in first_page
    # Then the notes, once per question, in the first version's order: the question's number in
    # every version, then each option (the key first) with its letter in every version.
    where = [{q.fact.id: (n, q) for n, q in enumerate(v.questions, 1)} for v in printout.versions]
    needles = []
    for q in printout.versions[0].questions:
        numbers = "".join(str(w[q.fact.id][0]) for w in where)
        needles.append(f"ABC{numbers} {q.fact.question} {q.fact.id}")
        for o in sorted(q.options, key=lambda o: not o.correct):
            letters = "".join(LETTERS[[x.text for x in w[q.fact.id][1].options].index(o.text)] for w in where)
            if o.correct:
                assert o.text == q.fact.answer
                assert letters == "".join(w[q.fact.id][1].key_letter for w in where)
                needles += [f"{letters} {o.text} KEY", q.fact.explain]
                continue
            needles.append(f"{letters} {o.text} {labels[o.provenance.kind].upper()}")
            for e in o.provenance.errors:      # the belief, who states it, in their words
                needles.append(f"Stated by {sources[e.source].title} ({e.source}): “{e.quote}”")
            for e in o.provenance.errors:
                needles.append(f"Why it is wrong: {e.why}")
    assert_in_order(text, needles)
    assert text.count(flat(printout.versions[0].questions[0].fact.explain)) == 1   # once, not once per version


def test_the_key_is_compact_and_curated_options_carry_no_boilerplate(plain_quiz, tmp_path):
    quiz = generate(plain_quiz.bank, seed=7, options=4, facts=plain_quiz.bank.facts[:20])
    out = render_printout(quiz, versions=3)
    key = out.files["plain-key.pdf"]
    assert page_count(key) <= 8, page_count(key)     # 3 versions of 20 questions: was 18 pages
    text = pdf_text(key, tmp_path)
    assert text.count("CURATED") == 20 and "no source states it" not in text and "editors" not in text


def test_many_versions_list_each_option_letter_by_version(plain_quiz, tmp_path):
    out = render_printout(plain_quiz, versions=12)
    text = flat(pdf_text(out.files["plain-key.pdf"], tmp_path))
    q = out.versions[0].questions[0]
    where = [{x.fact.id: (n, x) for n, x in enumerate(v.questions, 1)} for v in out.versions]
    numbers = " · ".join(f"{v.letter}: {w[q.fact.id][0]}" for v, w in zip(out.versions, where))
    key = " · ".join(f"{v.letter}: {w[q.fact.id][1].key_letter}" for v, w in zip(out.versions, where))
    assert_in_order(text, [numbers, q.fact.question, key, q.fact.answer, "KEY"])


def test_answer_sheet_has_name_version_and_a_bubble_row_per_question(printout, tmp_path):
    for page, letter in enumerate("ABC", 1):      # a page per version
        text = pdf_text(printout.files["plain-answer-sheet.pdf"], tmp_path, page)
        assert_in_order(flat(text), ["Answer sheet", "Name", "Date", "VERSION", letter, "A", "B", "C"])
        rows = re.findall(r"(\d+)\s+A\s+B\s+C\s+D(?!\w)", text)
        assert sorted(map(int, rows)) == list(range(1, 25))


def test_print_is_deterministic(plain_quiz):
    a = render_printout(plain_quiz, versions=2)
    b = render_printout(generate(plain_quiz.bank, seed=7, options=4), versions=2)
    assert a.files == b.files
    assert a.files["plain-quiz-A.pdf"] != a.files["plain-quiz-B.pdf"]


# --- hostile text and missing glyphs ----------------------------------------------------

def test_hostile_bank_prints_literally(tmp_path):
    bank = load(write_bank(tmp_path, hostile_data()))
    quiz = generate(bank, seed=3, options=5)
    out = render_printout(quiz, versions=1)
    paper = flat(pdf_text(out.files["hostile-quiz-A.pdf"], tmp_path))
    assert flat(HOSTILE) in paper
    needles = []
    for n, q in enumerate(out.versions[0].questions, 1):
        needles.append(f"{n}. {q.fact.question}")
        needles += [f"{LETTERS[j]} {o.text}" for j, o in enumerate(q.options)]
    assert_in_order(paper, needles)
    key = flat(pdf_text(out.files["hostile-key.pdf"], tmp_path))
    for q in quiz.questions:
        assert flat(q.fact.explain) in key
        for o in q.options:
            for e in (o.provenance.errors if o.provenance else []):
                assert flat(e.quote) in key and flat(e.why) in key
                assert flat(bank.sources[e.source].title) in key


def test_a_character_no_font_has_is_an_error_naming_the_fact(tmp_path):
    data = plain_data(3)
    data["facts"][1]["explain"] = "Written in 日本語."
    quiz = generate(load(write_bank(tmp_path, data)), seed=1, options=3)
    with pytest.raises(PrintError) as e:
        render_printout(quiz)
    message = str(e.value)
    assert "fact 'fact-01' (explain)" in message and "U+65E5" in message and "'日'" in message


# --- the command ------------------------------------------------------------------------

def test_quiz_command_writes_every_pdf(tmp_path):
    bank = write_bank(tmp_path, plain_data(12))
    out = tmp_path / "decks"
    r = errata("quiz", str(bank), "--versions", "2", "--count", "8", "--topic", "alpha", "--topic", "beta",
               "--seed", "7", "--options", "3", "-o", str(out))
    assert r.returncode == 0, r.stderr
    names = sorted(p.name for p in out.iterdir())
    assert names == ["plain-answer-sheet.json", "plain-answer-sheet.pdf", "plain-key.pdf", "plain-quiz-A.pdf",
                     "plain-quiz-B.pdf", "plain-quiz.json"]
    for name in names:
        assert f"wrote {out / name}" in r.stdout
        if name.endswith(".pdf"):
            assert (out / name).read_bytes().startswith(b"%PDF-")
    code = json.loads((out / "plain-quiz.json").read_text())["quiz_id"]
    assert f"8 questions, versions A, B, quiz {code}, seed 7" in r.stderr
    text = flat(pdf_text((out / "plain-quiz-A.pdf").read_bytes(), tmp_path))
    asked = re.findall(r"Question(\d\d):", text)
    assert len(asked) == 8 and all(int(i) % 3 in (0, 1) for i in asked)   # topics Alpha and Beta only


def test_quiz_command_fails_cleanly(tmp_path):
    data = plain_data(3)
    bank = write_bank(tmp_path, data)
    out = tmp_path / "decks"
    out.mkdir()
    (out / "plain-quiz-A.pdf").write_bytes(b"the trainer's earlier print")
    data["facts"][0]["question"] = "Which 日 is it?"
    bad = write_bank(tmp_path, data, "bad.yaml")
    r = errata("quiz", str(bad), "-o", str(out))
    assert r.returncode == 1 and "fact 'fact-00' (question)" in r.stderr and "Traceback" not in r.stderr
    assert (out / "plain-quiz-A.pdf").read_bytes() == b"the trainer's earlier print"   # nothing half-written
    assert sorted(p.name for p in out.iterdir()) == ["plain-quiz-A.pdf"]
    for args in (["--versions", "27"], ["--count", "0"], ["--topic", "nothing-like-this"], ["-o", str(bank)]):
        r = errata("quiz", str(bank), *args)
        assert r.returncode == 2 and r.stderr.startswith("errata: error:"), (args, r.stderr)


def test_a_question_longer_than_a_page_breaks_instead_of_losing_text(tmp_path):
    words = " ".join(f"w{i}" for i in range(1500))
    why = " ".join(f"why{i}" for i in range(2500))
    data = {"deck": {"id": "long", "title": "Long"}, "sources": {"s": {"title": "S"}},
            "references": {"r": {"title": "R"}},
            "facts": [{"id": "f1", "topic": "T", "kind": "k", "question": f"Q {words} END?", "answer": "A",
                       "explain": "E", "refs": ["r"], "distractors": ["C"],
                       "errors": [{"says": "B", "source": "s", "quote": "q", "why": f"{why} WHYEND"}]}]}
    quiz = generate(load(write_bank(tmp_path, data)))
    files = render_printout(quiz).files
    paper = pdf_text(files["long-quiz-A.pdf"], tmp_path)
    key = pdf_text(files["long-key.pdf"], tmp_path)
    assert all(f"w{i}" in paper.split() for i in range(1500)) and "END?" in paper
    assert "WHYEND" in key and all(f"why{i}" in key.split() for i in range(0, 2500, 97))


# --- layout -------------------------------------------------------------------------------

def word_boxes(pdf: bytes, folder: Path) -> tuple[float, list[tuple[str, float, float]]]:
    """The page width and every word's (text, xMin, xMax) on every page, as pdftotext places them."""
    exe = require_tool("pdftotext", "reads the printed quiz back (poppler-utils)")
    path = folder / f"boxes-{hashlib.sha1(pdf).hexdigest()[:12]}.pdf"
    path.write_bytes(pdf)
    r = subprocess.run([exe, "-bbox", str(path), "-"], capture_output=True, timeout=60)
    html = r.stdout.decode("utf-8")
    width = float(re.search(r'<page width="([\d.]+)"', html).group(1))
    words = [(m.group(3), float(m.group(1)), float(m.group(2)))
             for m in re.finditer(r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">(.*?)</word>',
                                  html)]
    return width, words


def test_a_very_long_word_breaks_instead_of_running_past_the_margin(tmp_path):
    word = "x" * 200
    url = "https://example.org/" + "/".join(f"segment{i}" for i in range(25))
    data = plain_data(3)
    data["facts"][0]["question"] = f"Which is {word} really?"
    data["facts"][0]["explain"] = f"See {url} for more."
    data["facts"][0]["errors"][0]["quote"] = f"Quoted {word}"
    out = render_printout(generate(load(write_bank(tmp_path, data)), seed=1, options=4))
    margin = 2 / 2.54 * 72   # 2 cm
    for name in ("plain-quiz-A.pdf", "plain-key.pdf"):
        width, words = word_boxes(out.files[name], tmp_path)
        assert words and all(x1 <= width - margin + 1 for _, _, x1 in words), name
        text = pdf_text(out.files[name], tmp_path)
        assert "\u200b" not in text                       # nothing invisible lands in the copied text
        assert re.sub(r"\s+", "", text).count(word) >= 1  # the word is all there, only broken across lines
    assert re.sub(r"\s+", "", pdf_text(out.files["plain-key.pdf"], tmp_path)).count(url) == 1


def test_the_end_of_a_paper_never_takes_a_page_of_its_own(plain_quiz, printout, tmp_path):
    for v in printout.versions:
        pdf = printout.files[f"plain-quiz-{v.letter}.pdf"]
        pages = page_count(pdf)
        last = flat(pdf_text(pdf, tmp_path, page=pages))
        assert flat(f"End of version {v.letter} · 24 questions") in last
        assert flat(f"{len(v.questions)}. {v.questions[-1].fact.question}") in last   # with the last question
        for p in range(1, pages):
            assert "Endofversion" not in flat(pdf_text(pdf, tmp_path, page=p))


def test_a_sources_words_print_exactly_the_rest_typographically(tmp_path):
    data = plain_data(3)
    quote = "it's called \"special K\" by 'users'"
    data["facts"][0]["errors"][0]["quote"] = quote
    data["sources"]["one"]["title"] = "Bob's \"guide\""
    data["facts"][0]["explain"] = "It's not \"special\"."
    out = render_printout(generate(load(write_bank(tmp_path, data)), seed=1, options=4))
    key = " ".join(pdf_text(out.files["plain-key.pdf"], tmp_path).split())
    assert f"\u201c{quote}\u201d" in key and "Bob's \"guide\"" in key
    assert "It\u2019s not \u201cspecial\u201d." in key
