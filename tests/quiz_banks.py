"""Small banks for the print and LMS tests, written into a test's own folder.

`hostile_bank` puts the markup characters of every output format (typst, HTML, XML,
GIFT) in every text field; `plain_bank` is an ordinary bank of many questions, long
enough to fill several pages.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from generator.check import check_bank
from generator.bank import Bank

# typst: # $ * _ @ < > [ ] \ ` ~ = ; HTML/XML: < > & ]]> quotes; GIFT: ~ = # { } : \ and \n.
MARKUP = ("# $ * @ _x_ `code` <b>bold</b> [link] \\ ~ = { } : & &amp; ]]> -- <!-- %50% #### \\n "
          "<script>alert(1)</script> <img src=x onerror=alert(2)>")
UNICODE = "\"straight\" 'single' “curly” ‘single’ αβγ Δ µ −78 °C CO₂"
HOSTILE = f"{MARKUP} {UNICODE}"


def write_bank(folder: Path, data: dict, name: str = "bank.yaml") -> Path:
    path = Path(folder) / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=10_000), encoding="utf-8")
    return path


def load(path: Path) -> Bank:
    bank, report = check_bank(str(path))
    assert report.ok and bank is not None, [d.format() for d in report.errors]
    return bank


def hostile_data() -> dict:
    h = HOSTILE
    return {
        "deck": {"id": "hostile", "title": f"Deck {h}", "description": f"About {h}"},
        "sources": {
            "evil": {"title": f"Evil source {h}"},
            "worse": {"title": f"Worse source {h}"},
        },
        "references": {"ref": {"title": f"Reference {h}", "publisher": f"Publisher {h}", "year": "2024"}},
        "facts": [
            {
                "id": "markup-everywhere", "topic": f"Topic / with slash \\ and {h}", "kind": "thing",
                "tags": ["odd<tag>#{x}", "plain"],
                "question": f"Question one {h}?",
                "answer": f"= key answer {h}",
                "explain": f"Explanation one {h}\nsecond line {h}",
                "refs": ["ref"],
                "errors": [
                    {"says": f"[plain] wrong claim {h}", "source": "evil", "quote": f"quote evil {h}",
                     "why": f"why evil {h}"},
                    {"says": f"[plain] wrong claim {h}", "source": "worse", "quote": f"quote worse {h}",
                     "why": f"why worse {h}"},
                    {"says": f"// second wrong claim {h}", "source": "worse", "quote": f"quote two {h}\nline",
                     "why": f"why two {h}"},
                ],
                "distractors": [f"~ curated option {h}"],
            },
            {
                "id": "second.fact_2", "topic": "Plain topic", "kind": "thing",
                "question": f"::name:: Question two {{=a ~b}} {h}",
                "answer": f"{{answer two}} {h}",
                "explain": f"Explanation two {h}",
                "refs": ["ref"],
                "errors": [{"says": f"# hash claim {h}", "source": "evil", "quote": f"quote three {h}",
                            "why": f"why three {h}"}],
                "distractors": [f"\\ backslash option {h}", f"%50% percent option {h}"],
            },
        ],
    }


def plain_data(n: int = 24, deck_id: str = "plain") -> dict:
    """``n`` facts of one kind, three wrong options each (two from sources, one curated)."""
    facts = []
    for i in range(n):
        facts.append({
            "id": f"fact-{i:02d}", "topic": ("Alpha", "Beta", "Gamma")[i % 3], "kind": "value",
            "tags": ["even" if i % 2 == 0 else "odd"],
            "question": f"Question {i:02d}: which value belongs to item {i} in the plain test bank"
                        + " (a longer stem that wraps onto a second line)" * (i % 3 == 0) + "?",
            "answer": f"Right value {i:02d}",
            "explain": f"Explanation for item {i:02d}.",
            "refs": ["book"],
            "errors": [
                {"says": f"Wrong value {i:02d} from one", "source": "one", "quote": f"Quote one about item {i:02d}",
                 "why": f"Why one is wrong about item {i:02d}"},
                {"says": f"Wrong value {i:02d} from two", "source": "two", "quote": f"Quote two about item {i:02d}",
                 "why": f"Why two is wrong about item {i:02d}"},
            ],
            "distractors": [f"Curated value {i:02d}"],
        })
    return {
        "deck": {"id": deck_id, "title": "Plain test deck"},
        "sources": {"one": {"title": "Source One"}, "two": {"title": "Source Two"}},
        "references": {"book": {"title": "The Book", "publisher": "Publisher", "year": "2020"}},
        "facts": facts,
    }
