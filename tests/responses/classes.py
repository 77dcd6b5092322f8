"""Synthetic classes whose answers come from known per-student misconceptions.

Each student has an ability and may hold some planted misconceptions (wrong option
texts). On every question that offers a held misconception the student picks it; otherwise
they answer right with probability = ability, else pick a wrong option that is no planted
misconception and no source's error (so every source error chosen comes from a planted belief). The canonical truth (fact → chosen text) is returned beside the plain CSV
written in each student's version letters, so a test can check that versions map back.
"""

from __future__ import annotations

import functools
import random
import tempfile
from pathlib import Path

LETTERS = "ABCDEFGHIJ"


def synthetic_class(manifest: dict, n: int, planted: dict[str, set[str]], seed: int = 0,
                    blanks: float = 0.0) -> tuple[str, dict[str, dict[str, str | None]], dict[str, str]]:
    """→ (plain CSV text, truth: student → fact → chosen text or None, student → version letter)."""
    rng = random.Random(seed)
    planted_texts = set(planted)
    versions = manifest["versions"]
    rows = ["student,version," + ",".join(str(i) for i in range(1, manifest["questions"] + 1))]
    truth, version_of = {}, {}
    for s in range(n):
        name = f"student{s:03d}"
        held = {t for t, who in planted.items() if name in who}
        ability = rng.uniform(0.2, 0.95)
        v = versions[s % len(versions)]
        cells, chosen = [], {}
        for q in v["questions"]:
            options = q["options"]
            key = next(o for o in options if o["correct"])
            mine = [o for o in options if o["text"] in held]
            if mine:
                pick = mine[0]
            elif rng.random() < blanks:
                pick = None
            elif rng.random() < ability:
                pick = key
            else:
                others = [o for o in options if not o["correct"] and o["text"] not in planted_texts
                          and o["provenance"]["kind"] != "source-error"]
                pick = rng.choice(others) if others else key
            cells.append(pick["letter"] if pick else "")
            chosen[q["fact_id"]] = pick["text"] if pick else None
        rows.append(f"{name},{v['letter']}," + ",".join(cells))
        truth[name] = chosen
        version_of[name] = v["letter"]
    return "\n".join(rows) + "\n", truth, version_of


@functools.cache
def ketamine_manifest() -> Path:
    """The manifest of a printed quiz of the whole ketamine bank (every fact, so every source error), 3 versions."""
    from generator.check import read_bank
    from generator.quiz import generate
    from generator.writers.pdf import make_versions
    from generator.writers.pdf.manifest import quiz_code, render_manifest

    quiz = generate(read_bank(str(Path(__file__).parents[2] / "questions.yaml")), seed=7)
    versions = make_versions(quiz, 3)
    path = Path(tempfile.mkdtemp(prefix="errata-ketamine-")) / "ketamine-quiz.json"
    path.write_bytes(render_manifest(quiz, versions, quiz_code(quiz, [v.letter for v in versions])))
    return path
