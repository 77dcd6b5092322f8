"""`errata audit`: quotes checked verbatim against their source files, closest passages, scorecards."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from generator.audit.match import SourceText, audit_bank, differences
from generator.check import check_bank
from tests.tools import run_cli

ROOT = Path(__file__).resolve().parents[1]
SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"

# Line 2 is a heading, lines 3-4 one paragraph wrapped mid-sentence, line 5 a second paragraph.
ONE = """\
Ketamine Facts
Ketamine works mainly on the
opioid receptors. It\u2019s a GABA drug, like the benzodiazepines. Dr. Smith gave e.g. 2.5 mg at 3 p.m. to all.
Nobody has checked this sentence yet! Buy pills online today.
"""

BANK = """\
deck:
  id: demo
  title: Demo
sources:
  s1:
    title: A web page
    file: one.txt
    defects:
      - kind: spam
        quote: Buy pills online today.
  s2:
    title: A book without a text file
references:
  r1:
    title: Reference one
facts:
  - id: nmda-site
    topic: Pharmacology
    kind: receptor
    question: Where does ketamine mainly act?
    answer: The NMDA receptor
    explain: It blocks the receptor's channel.
    refs: [r1]
    errors:
      - says: Opioid receptors
        source: s1
        quote: "Ketamine works mainly on the opioid receptors."
        why: Opioid effects are minor.
      - says: GABA-A receptors
        source: s2
        quote: "acts on GABA"
        why: That is propofol.
    distractors: [Dopamine receptors]
"""


def write_case(tmp_path: Path, bank: str = BANK, files: dict[str, str] | None = None) -> tuple[Path, Path]:
    src = tmp_path / "sources"
    src.mkdir(parents=True)
    for name, text in (files if files is not None else {"one.txt": ONE}).items():
        (src / name).write_text(text, encoding="utf-8")
    path = tmp_path / "bank.yaml"
    path.write_text(bank, encoding="utf-8")
    return path, src


def line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def run_audit(path: Path, src: Path):
    bank, report = check_bank(str(path))
    assert report.ok, [d.format() for d in report.errors]
    return audit_bank(bank, src)


# --- sentences and matching ---------------------------------------------------------------

def test_sentences_respect_lines_abbreviations_and_decimals():
    st = SourceText(ONE)
    assert [(s.line, s.text) for s in st.sentences] == [
        (1, "Ketamine Facts"),
        (2, "Ketamine works mainly on the opioid receptors."),     # a wrapped line joins its paragraph
        (3, "It\u2019s a GABA drug, like the benzodiazepines."),
        (3, "Dr. Smith gave e.g. 2.5 mg at 3 p.m. to all."),        # no split at Dr., e.g., 2.5 or p.m.
        (4, "Nobody has checked this sentence yet!"),
        (4, "Buy pills online today."),
    ]


def test_sentences_skip_bullets_and_blank_lines():
    st = SourceText("Title\n\n- \n*\nFirst. Second? \u201cThird.\u201d Fourth\n")
    assert [s.text for s in st.sentences] == ["Title", "First.", "Second?", "\u201cThird.\u201d", "Fourth"]


def test_quotes_match_across_white_space_only():
    st = SourceText(ONE)
    assert st.find("works  mainly on\tthe opioid\nreceptors.") == [(ONE.index("works"), ONE.index("receptors.") + 10)]
    assert st.find("It's a GABA drug") == []            # straight apostrophe: the source has ’
    assert st.find("ketamine works mainly") == []       # case matters
    assert st.find("the opioidreceptors") == []          # white space may change, not vanish


def test_closest_passage_names_the_difference():
    p = SourceText(ONE).closest("It's a GABA drug, like the benzodiazepines.")
    assert p.text == "It\u2019s a GABA drug, like the benzodiazepines."
    assert p.line == 3
    assert 0.95 < p.similarity < 1
    assert p.differences == ["the source has '\u2019' (U+2019 right single quotation mark) "
                             "where the quote has \"'\" (U+0027 apostrophe)"]


def test_differences_are_in_whole_words():
    assert differences("it was developed for use", "it is developed for human use") == [
        "the source has 'was' where the quote has 'is'", "the quote adds 'human'"]


def test_closest_passage_of_an_unrelated_quote():
    st = SourceText(ONE)
    assert st.closest("zebra quantum chromodynamics") is None
    far = st.closest("A zebra called Smith eats grass")
    assert far is not None and far.similarity < 0.5 and far.differences == []


def test_closest_passage_is_fast_on_a_large_source():
    # ~1 MB of text; a windowed difflib over every position would take minutes.
    text = "".join(f"Sentence number {i} talks about receptor subtype {i % 97} and dose {i % 13}.\n"
                   for i in range(16000))
    text += "Here the rare phrase about esketamine nasal spray approval in 2019 stands.\n"
    st = SourceText(text)
    assert len(text) > 1_000_000
    start = time.perf_counter()
    for _ in range(5):
        p = st.closest("the rare phrase about esketamine nasal spray approval in 2020")
    assert time.perf_counter() - start < 10
    assert p.text == "the rare phrase about esketamine nasal spray approval in 2019"
    assert p.line == 16001


# --- the command ----------------------------------------------------------------------------

def test_clean_bank_passes_with_a_scorecard(tmp_path, capsys, monkeypatch):
    path, src = write_case(tmp_path)
    code, out, err = run_cli(["audit", str(path), "--sources", str(src)], capsys, monkeypatch)
    assert code == 0, err
    rows = {line.split()[0]: line.split() for line in out.splitlines()}
    # s1: 6 sentences; the error quote covers line 2's sentence, the spam defect the last one
    assert rows["s1"] == ["s1", "one.txt", "6", "2/6", "(33%)", "1", "1", "0", "1", "spam", "0"]
    assert rows["s2"] == ["s2", "-", "-", "no", "file", "1", "1", "0", "0", "-"]
    assert out.endswith("bank.yaml: 2 quotes in 1 source file: all found (1 source not audited: no file)\n")


def test_missing_quote_is_located_and_fails(tmp_path, capsys, monkeypatch):
    bank = BANK.replace("Ketamine works mainly on the opioid receptors.", "Zebras graze quietly.")
    path, src = write_case(tmp_path, bank)
    code, out, err = run_cli(["audit", str(path), "--sources", str(src)], capsys, monkeypatch)
    assert code == 1
    line = line_of(bank, "Zebras")
    assert f"{path}:{line}:16: error: fact 'nmda-site': quote not found in s1 (one.txt)" in err
    assert "hint: no passage of the source shares a word with it" in err
    far = bank.replace("Zebras graze quietly.", "Zebras graze quietly at dawn.")
    path.write_text(far, encoding="utf-8")
    code, out, err = run_cli(["audit", str(path), "--sources", str(src)], capsys, monkeypatch)
    assert code == 1
    assert "hint: no passage of the source comes close (the best, on line 3, is " in err
    assert "1 not found" in err
    assert "Traceback" not in out + err


def test_near_miss_quote_shows_the_closest_passage(tmp_path, capsys, monkeypatch):
    bank = BANK.replace("Ketamine works mainly on the opioid receptors.", "Ketamine works on the opioid receptors.")
    path, src = write_case(tmp_path, bank)
    code, out, err = run_cli(["audit", str(path), "--sources", str(src)], capsys, monkeypatch)
    assert code == 1
    assert (f"{path}:{line_of(bank, 'Ketamine works on')}:16: error: fact 'nmda-site': "
            f"quote not found in s1 (one.txt)") in err
    assert ("hint: closest passage (line 2, 92% alike): \u201cKetamine works mainly on the opioid receptors.\u201d; "
            "the quote leaves out 'mainly'") in err
    # a quote that is not found reviews nothing
    assert [line.split()[3] for line in out.splitlines() if line.startswith("s1 ")] == ["1/6"]


def test_missing_source_file_fails_at_the_file_key(tmp_path, capsys, monkeypatch):
    path, src = write_case(tmp_path, files={})
    code, out, err = run_cli(["audit", str(path), "--sources", str(src)], capsys, monkeypatch)
    assert code == 1
    assert (f"{path}:{line_of(BANK, 'file: one.txt')}:11: error: source 's1': "
            f"file 'one.txt' not found in {src}") in err
    assert "file missing" in out
    assert "1 source file missing or unreadable" in err


def test_defect_quote_not_found(tmp_path, capsys, monkeypatch):
    bank = BANK.replace("quote: Buy pills online today.", "quote: Buy cheap pills online today.")
    path, src = write_case(tmp_path, bank)
    code, _, err = run_cli(["audit", str(path), "--sources", str(src)], capsys, monkeypatch)
    assert code == 1
    assert (f"{path}:{line_of(bank, 'Buy cheap')}:16: error: source 's1': spam quote not found in one.txt") in err
    assert "the quote adds 'cheap'" in err


def test_source_that_is_not_utf8(tmp_path, capsys, monkeypatch):
    path, src = write_case(tmp_path)
    (src / "one.txt").write_bytes(b"Ketamine works mainly on the\n opioid receptors \xe9.")
    code, out, err = run_cli(["audit", str(path), "--sources", str(src)], capsys, monkeypatch)
    assert code == 1
    assert "error: source 's1': 'one.txt' is not UTF-8 text (byte 0xe9 on line 2)" in err
    assert "unreadable" in out


def test_uncovered_lists_unreviewed_sentences(tmp_path, capsys, monkeypatch):
    path, src = write_case(tmp_path)
    code, out, _ = run_cli(["audit", str(path), "--sources", str(src), "--uncovered"], capsys, monkeypatch)
    assert code == 0
    listing = out[out.index("s1 (one.txt): 4 of 6 sentences not reviewed"):].splitlines()
    assert listing[1:-1] == [
        "  1: Ketamine Facts",
        "  3: It\u2019s a GABA drug, like the benzodiazepines.",
        "  3: Dr. Smith gave e.g. 2.5 mg at 3 p.m. to all.",
        "  4: Nobody has checked this sentence yet!",
    ]
    _, plain, _ = run_cli(["audit", str(path), "--sources", str(src)], capsys, monkeypatch)
    assert "Ketamine Facts" not in plain


def test_a_quote_across_sentences_reviews_each(tmp_path):
    bank = BANK.replace("quote: Buy pills online today.", "quote: \"yet! Buy pills\"")
    path, src = write_case(tmp_path, bank)
    card = run_audit(path, src).sources[0]
    assert [s.text for s in card.uncovered] == [
        "Ketamine Facts", "It\u2019s a GABA drug, like the benzodiazepines.", "Dr. Smith gave e.g. 2.5 mg at 3 p.m. to all."]


def test_scorecard_counts(tmp_path):
    bank = BANK.replace("        why: That is propofol.\n", "        why: That is propofol.\n"
                        "      - says: Mu receptors\n        source: s1\n        quote: Dr. Smith\n"
                        "        why: No.\n")
    path, src = write_case(tmp_path, bank)
    s1, s2 = run_audit(path, src).sources
    assert (len(s1.errors), s1.facts, s1.defect_counts, s1.reviewed_count) == (2, ["nmda-site"], {"spam": 1}, 3)
    assert s2.status == "no file" and not s2.quotes[0].checked


def test_markdown_report_escapes_and_is_deterministic(tmp_path, capsys, monkeypatch):
    bank = (BANK.replace("title: A web page", "title: \"A <script>alert(1)</script> page\"")
            .replace("file: one.txt", "file: one|x.txt")
            .replace("why: Opioid effects are minor.", "why: \"Opioid effects are *minor* | <b>secondary</b>.\""))
    text = ONE + "A <img src=x onerror=alert(1)> tag | and *stars* &amp; [a](javascript:b).\n"
    path, src = write_case(tmp_path, bank, {"one|x.txt": text})
    out_md = tmp_path / "audit.md"
    code, _, err = run_cli(["audit", str(path), "--sources", str(src), "--uncovered", "-o", str(out_md)],
                           capsys, monkeypatch)
    assert code == 0, err
    report = out_md.read_text(encoding="utf-8")
    html = MarkdownIt("commonmark").enable("table").render(report)
    assert "<script" not in html and "<img" not in html and "<a " not in html and "<b>" not in html
    assert "<h2>s1: A &lt;script&gt;alert(1)&lt;/script&gt; page</h2>" in html
    assert ("<li>line 5: A &lt;img src=x onerror=alert(1)&gt; tag | and *stars* &amp;amp; "
            "[a](javascript:b).</li>") in html
    tables = [[re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", r) for r in re.findall(r"<tr>(.*?)</tr>", t, re.S)]
              for t in re.findall(r"<table>(.*?)</table>", html, re.S)]
    assert tables[0] == [
        ["Source", "File", "Sentences", "Reviewed", "Errors", "Facts contradicted", "Facts confirmed", "Defects",
         "Quotes not found"],
        ["s1", "one|x.txt", "7", "2/7 (29%)", "1", "1", "0", "1 spam", "0"],
        ["s2", "-", "-", "no file", "1", "1", "0", "0", "-"],
    ]
    assert "<strong>2 quotes in 1 source file: all found (1 source not audited: no file).</strong>" in html
    # the fidelity view: each error's option beside the source's words, with why it is wrong, one row each
    assert tables[1] == [
        ["Fact", "Question and key", "Says (the option)", "Quote (the source's words)", "Why it is wrong"],
        ["<strong>nmda-site</strong>", "Where does ketamine mainly act? Key: The NMDA receptor",
         "\u201cOpioid receptors\u201d", "line 2: \u201cKetamine works mainly on the opioid receptors.\u201d",
         "Opioid effects are *minor* | &lt;b&gt;secondary&lt;/b&gt;."],
    ]
    assert tables[2][1][3] == "not checked: \u201cacts on GABA\u201d"      # s2 has no file to check against
    first = out_md.read_bytes()
    run_cli(["audit", str(path), "--sources", str(src), "--uncovered", "-o", str(out_md)], capsys, monkeypatch)
    assert out_md.read_bytes() == first


def test_fidelity_shows_each_option_beside_its_quote(tmp_path, capsys, monkeypatch):
    bank = BANK.replace("why: Opioid effects are minor.",
                        "why: \"Opioid effects are minor and only seen at high doses, " + "long " * 30 + "\"")
    path, src = write_case(tmp_path, bank)
    code, out, err = run_cli(["audit", str(path), "--sources", str(src), "--fidelity"], capsys, monkeypatch)
    assert code == 0, err
    fidelity = out[out.index("Source errors:"):out.rindex(str(path))]      # up to the summary line
    assert fidelity.splitlines()[1:7] == [
        "s1: A web page",
        "",
        "  nmda-site",
        "    asks:  Where does ketamine mainly act?",
        "    key:   The NMDA receptor",
        "    says:  Opioid receptors",
    ]
    assert "    quote: \u201cKetamine works mainly on the opioid receptors.\u201d (line 2)\n" in fidelity
    assert "    why:   Opioid effects are minor and only seen" in fidelity
    assert max(len(line) for line in fidelity.splitlines()) <= 100                    # long text wraps
    assert "    quote: \u201cacts on GABA\u201d (not checked)\n" in fidelity
    code, out, _ = run_cli(["audit", str(path), "--sources", str(src)], capsys, monkeypatch)
    assert "Source errors:" not in out                                              # only when asked


def test_report_is_written_when_quotes_are_missing(tmp_path, capsys, monkeypatch):
    bank = BANK.replace("Ketamine works mainly on the opioid receptors.", "Ketamine works on the opioid receptors.")
    path, src = write_case(tmp_path, bank)
    out_md = tmp_path / "audit.md"
    code, _, _ = run_cli(["audit", str(path), "--sources", str(src), "-o", str(out_md)], capsys, monkeypatch)
    assert code == 1
    report = out_md.read_text(encoding="utf-8")
    assert ("**not found**: \u201cKetamine works on the opioid receptors.\u201d. Closest passage (line 2, 92% alike): "
            "\u201cKetamine works mainly on the opioid receptors.\u201d; the quote leaves out 'mainly'.") in report


def test_bank_errors_are_reported_like_check(tmp_path, capsys, monkeypatch):
    bank = BANK.replace("source: s2", "source: s9")
    path, src = write_case(tmp_path, bank)
    code, out, err = run_cli(["audit", str(path), "--sources", str(src)], capsys, monkeypatch)
    assert code == 1
    assert f"{path}:{line_of(bank, 's9')}:17: error: fact 'nmda-site': unknown source 's9'" in err
    assert out == ""


def test_usage_errors(tmp_path, capsys, monkeypatch):
    path, src = write_case(tmp_path)
    code, _, err = run_cli(["audit", str(path), "--sources", str(tmp_path / "nowhere")], capsys, monkeypatch)
    assert code == 2 and "no such folder" in err
    code, _, err = run_cli(["audit", str(path), "--sources", str(path)], capsys, monkeypatch)
    assert code == 2 and "is not a folder" in err
    code, _, err = run_cli(["audit", str(path)], capsys, monkeypatch)
    assert code == 2 and "--sources" in err


# --- the ketamine bank against the seed documents -------------------------------------------

def test_ketamine_bank_quotes_its_seeds(capsys, monkeypatch):
    if not SEEDS.is_dir():
        pytest.skip(f"the seed documents are not here ({SEEDS}): the ketamine bank's quotes cannot be audited")
    code, out, err = run_cli(["audit", str(ROOT / "questions.yaml"), "--sources", str(SEEDS)], capsys, monkeypatch)
    assert code == 0, err
    assert re.search(r"questions\.yaml: [1-9]\d* quotes? in [1-9]\d* source files?: all found", out), out


CONFIRMED = BANK.replace("    distractors: [Dopamine receptors]\n", """    distractors: [Dopamine receptors]
    confirmed_by:
      - source: s1
        quote: "Dr. Smith gave e.g. 2.5 mg at 3 p.m. to all."
""")


def test_confirmations_are_checked_and_count_as_reviewed(tmp_path, capsys, monkeypatch):
    path, src = write_case(tmp_path, CONFIRMED)
    code, out, err = run_cli(["audit", str(path), "--sources", str(src), "-o", str(tmp_path / "a.md")],
                             capsys, monkeypatch)
    assert code == 0, err
    rows = {line.split()[0]: line.split() for line in out.splitlines()}
    assert rows["s1"][3:8] == ["3/6", "(50%)", "1", "1", "1"]  # reviewed, errors, facts, confirms
    assert "### Confirms (1)" in (tmp_path / "a.md").read_text()

    wrong = CONFIRMED.replace("gave e.g. 2.5 mg", "gave e.g. 25 mg")
    path, src = write_case(tmp_path / "wrong", wrong)
    code, out, err = run_cli(["audit", str(path), "--sources", str(src)], capsys, monkeypatch)
    assert code == 1
    assert f"{path}:{line_of(wrong, 'gave e.g. 25 mg')}:16: error: fact 'nmda-site': quote not found in s1" in err


def test_confirmation_from_an_unknown_source_is_a_bank_error(tmp_path, capsys, monkeypatch):
    path, src = write_case(tmp_path, CONFIRMED.replace("      - source: s1\n        quote: \"Dr.",
                                                       "      - source: s9\n        quote: \"Dr."))
    code, out, err = run_cli(["check", str(path)], capsys, monkeypatch)
    assert code == 1 and "unknown source 's9'" in err


def test_a_source_file_outside_the_sources_folder_is_refused(tmp_path, capsys, monkeypatch):
    secret = tmp_path / "secret.txt"
    secret.write_text("Ketamine works mainly on the opioid receptors. PRIVATE LINE\n", encoding="utf-8")
    for name in ("../secret.txt", str(secret)):
        case = tmp_path / f"case{len(name)}"
        path, src = write_case(case, BANK.replace("file: one.txt", f"file: {name}"))
        code, out, err = run_cli(["audit", str(path), "--sources", str(src), "--uncovered"], capsys, monkeypatch)
        assert code == 1
        assert "is outside the sources folder" in err and "PRIVATE" not in out + err
