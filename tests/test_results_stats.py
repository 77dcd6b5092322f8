"""Item analysis and the misconception report, checked against independent computations.

- planted misconceptions: a synthetic class whose wrong answers come from known beliefs;
- every statistic equals a direct numpy computation on the canonical 0/1 and choice matrices;
- KR-20 on the worked example of K. L. Wuensch, "The Kuder-Richardson 20" (East Carolina
  University, StatHelp KR20.txt): ten students, ten items, Σpq = 2.18, score variance 5.84
  (population form), hence KR-20 = 10/9 · (1 − 2.18/5.84) = 0.696;
- point-biserial by the textbook formula r = (M₁ − M₀)/s · √(pq) on the same data.
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import numpy as np
import pytest

from generator.results import grade
from generator.results.stats import MIN_N, groups, wilson
from tests.responses.classes import ketamine_manifest, synthetic_class
from tests.test_grade import reteach

ROOT = Path(__file__).parent.parent
KETAMINE = ketamine_manifest()   # every fact of the bank, so every source error
SCHEMA = json.loads((ROOT / "docs" / "analysis.schema.json").read_text())


def manifest(n_questions: int, n_options: int = 2, versions: int = 1, quiz_id: str = "TEST-0001") -> dict:
    """A hand-made manifest: question i has options 'key i' (correct) and 'wrong i.j'; later versions reversed."""
    qs = [{"number": i + 1, "fact_id": f"f{i + 1:02d}", "topic": "T", "question": f"Question {i + 1}?",
           "options": [{"letter": "ABCDE"[j], "text": f"key {i + 1}" if j == 0 else f"wrong {i + 1}.{j}",
                        "correct": j == 0,
                        "provenance": {"kind": "answer"} if j == 0 else
                        {"kind": "source-error", "sources": [f"src{j}"], "quote": f"says wrong {i + 1}.{j}",
                         "why": f"because {i + 1}.{j}",
                         "citations": [{"source": f"src{j}", "title": f"Source {j}", "quote": f"says wrong {i + 1}.{j}",
                                        "why": f"because {i + 1}.{j}"}]}}
                       for j in range(n_options)]} for i in range(n_questions)]
    out = []
    for v in range(versions):
        order = qs if v == 0 else list(reversed(qs))
        vq = []
        for number, q in enumerate(order, 1):
            opts = q["options"] if v == 0 else list(reversed(q["options"]))
            vq.append({**q, "number": number,
                       "options": [{**o, "letter": "ABCDE"[j]} for j, o in enumerate(opts)]})
        out.append({"letter": "ABCDE"[v], "questions": vq})
    return {"format": "errata-quiz-manifest", "version": 1, "quiz_id": quiz_id, "deck": {"id": "t", "title": "T"},
            "seed": 1, "options": n_options, "questions": n_questions, "versions": out}


def write(tmp_path, name: str, data) -> str:
    p = tmp_path / name
    p.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return str(p)


def matrix_csv(choice: np.ndarray, m: dict) -> str:
    """Canonical choices (option index; −1 blank) written as version A letters."""
    rows = ["student,version," + ",".join(str(i + 1) for i in range(choice.shape[1]))]
    for s, row in enumerate(choice):
        rows.append(f"s{s:04d},A," + ",".join("" if c < 0 else "ABCDE"[c] for c in row))
    return "\n".join(rows) + "\n"


# --- a published worked example ---------------------------------------------------------

WUENSCH = """1 1 1 1 1 1 0 1 1 0
1 0 1 1 0 1 1 1 0 1
1 1 1 1 0 1 1 0 0 1
0 0 1 0 0 0 1 0 0 0
0 0 0 0 0 1 0 0 1 0
1 1 1 0 1 1 1 1 1 1
1 1 0 1 1 1 0 1 1 1
1 1 1 1 1 1 1 1 0 1
0 1 0 1 1 1 1 1 0 1
1 1 0 1 1 0 1 1 1 0"""


def test_kr20_and_point_biserial_on_a_published_worked_example(tmp_path):
    right = np.array([[int(x) for x in line.split()] for line in WUENSCH.splitlines()])
    choice = np.where(right == 1, 0, 1)         # option A is the key
    m = manifest(10)
    g = grade([write(tmp_path, "r.csv", matrix_csv(choice, m))], write(tmp_path, "q.json", m))
    t = g.analysis["test"]
    assert [s["score"] for s in g.analysis["students"]] == [8, 7, 7, 2, 2, 9, 8, 9, 7, 7]   # the example's totals
    assert [i["p"] for i in g.analysis["items"]] == [.7, .7, .6, .7, .6, .8, .7, .7, .5, .6]
    assert t["kr20"] == pytest.approx(10 / 9 * (1 - 2.18 / 5.84), abs=1e-4)
    assert t["kr20"] == pytest.approx(0.6963, abs=1e-4)
    # Point-biserial with the total (textbook form) vs our corrected item–rest form, item 1:
    x = right[:, 0]
    total = right.sum(1)
    m1, m0 = total[x == 1].mean(), total[x == 0].mean()
    r_total = (m1 - m0) / total.std() * np.sqrt(.7 * .3)
    assert r_total == pytest.approx(np.corrcoef(x, total)[0, 1])
    rest = total - x
    r_rest = (rest[x == 1].mean() - rest[x == 0].mean()) / rest.std() * np.sqrt(.7 * .3)
    assert g.analysis["settings"]["min_n_discrimination"] > 10   # ten students: indices withheld…
    assert g.analysis["items"][0]["r_pb"] is None
    from generator.results.stats import Matrix, item_statistics   # …but computed underneath
    assert item_statistics(Matrix(g.delivery))["r_pb"][0] == pytest.approx(r_rest)


# --- every figure against numpy on the raw matrix -----------------------------------------

def test_statistics_equal_an_independent_numpy_computation(tmp_path):
    rng = np.random.default_rng(5)
    n_students, n_items, k = 300, 12, 4
    ability = rng.normal(size=n_students)
    difficulty = rng.normal(size=n_items)
    p_right = 1 / (1 + np.exp(-(ability[:, None] - difficulty[None, :])))
    right = rng.random((n_students, n_items)) < p_right
    wrong = rng.integers(1, k, size=(n_students, n_items))
    choice = np.where(right, 0, wrong)
    choice[rng.random((n_students, n_items)) < 0.03] = -1          # a few blanks
    m = manifest(n_items, k)
    g = grade([write(tmp_path, "r.csv", matrix_csv(choice, m))], write(tmp_path, "q.json", m))
    a = g.analysis
    correct = (choice == 0).astype(float)
    total = correct.sum(1)
    assert [s["score"] for s in a["students"]] == total.astype(int).tolist()
    p = correct.mean(0)
    kr20 = n_items / (n_items - 1) * (1 - (p * (1 - p)).sum() / total.var())
    # Cronbach's alpha with sample variances is the same number: KR-20 is alpha for 0/1 items.
    alpha = n_items / (n_items - 1) * (1 - correct.var(0, ddof=1).sum() / total.var(ddof=1))
    assert a["test"]["kr20"] == pytest.approx(kr20, abs=1e-4) == pytest.approx(alpha, abs=1e-4)
    assert a["test"]["mean"] == pytest.approx(total.mean(), abs=1e-4)
    assert a["test"]["sd"] == pytest.approx(total.std(ddof=1), abs=1e-4)
    assert a["test"]["sem"] == pytest.approx(total.std(ddof=1) * np.sqrt(1 - kr20), abs=1e-4)
    lower, upper = _groups_by_loop(total)
    for i, item in enumerate(a["items"]):
        rest = total - correct[:, i]
        assert item["p"] == pytest.approx(p[i], abs=1e-4)
        lo, hi = _wilson_by_hand(correct[:, i].sum(), n_students)
        assert item["p_ci"] == [pytest.approx(lo, abs=1e-4), pytest.approx(hi, abs=1e-4)]
        assert item["r_pb"] == pytest.approx(np.corrcoef(correct[:, i], rest)[0, 1], abs=1e-4)
        assert item["d"] == pytest.approx(correct[upper, i].mean() - correct[lower, i].mean(), abs=1e-4)
        assert item["blank"] == int((choice[:, i] == -1).sum())
        for j, o in enumerate(item["options"]):
            chose = (choice[:, i] == j).astype(float)
            assert o["chosen"] == int(chose.sum())
            assert o["share"] == pytest.approx(chose.mean(), abs=1e-4)
            assert o["share_upper"] == pytest.approx(chose[upper].mean(), abs=1e-4)
            assert o["share_lower"] == pytest.approx(chose[lower].mean(), abs=1e-4)
            assert o["r_pb"] == pytest.approx(np.corrcoef(chose, rest)[0, 1], abs=1e-4)
    jsonschema.validate(a, SCHEMA)


def _groups_by_loop(total: np.ndarray):
    """Upper and lower 27 % by a plain loop: the first 27 % in order, then everyone tied with the last."""
    order = sorted(range(len(total)), key=lambda s: total[s])
    size = round(0.27 * len(total))
    low_cut = total[order[size - 1]]
    high_cut = total[order[len(total) - size]]
    return np.array([t <= low_cut for t in total]), np.array([t >= high_cut for t in total])


def _wilson_by_hand(k, n, z=1.959963984540054):
    p = k / n
    centre = p + z * z / (2 * n)
    half = z * ((p * (1 - p) + z * z / (4 * n)) / n) ** 0.5
    return (centre - half) / (1 + z * z / n), (centre + half) / (1 + z * z / n)


def test_wilson_interval_of_none_out_of_ten():
    lo, hi = wilson(0, 10)
    assert lo == pytest.approx(0) and hi == pytest.approx(0.2775, abs=1e-4)   # z²/(n + z²)


def test_groups_keep_ties_together():
    score = np.array([1, 2, 2, 2, 3, 4, 5, 5, 5, 6])
    lower, middle, upper = groups(score)
    # 27 % of 10 is 3: the lowest three end inside the tie at 2, so all three 2s join; likewise the 5s.
    assert score[lower].tolist() == [1, 2, 2, 2] and score[upper].tolist() == [5, 5, 5, 6]
    assert score[middle].tolist() == [3, 4]
    lower, middle, upper = groups(np.array([3, 3, 3, 3]))
    assert not lower.any() and not upper.any() and middle.all()


# --- flags ----------------------------------------------------------------------------------

def test_flags_say_why(tmp_path):
    rng = np.random.default_rng(1)
    n = 200
    ability = np.sort(rng.normal(size=n))
    m = manifest(6, 3)
    right = rng.random((n, 6)) < 1 / (1 + np.exp(-ability[:, None]))
    choice = np.where(right, 0, 1 + (rng.random((n, 6)) < 0.5))
    top = ability > np.quantile(ability, 0.6)
    choice[:, 0] = np.where(top, 1, np.where(rng.random(n) < 0.5, 0, 2))   # strong students pick a wrong option
    choice[:, 1] = np.where(rng.random(n) < 0.97, 0, 1)                     # everyone knows it; option C unused
    choice[:, 2] = np.where(rng.random(n) < 0.1, 0, 1)                      # nearly nobody knows it
    g = grade([write(tmp_path, "r.csv", matrix_csv(choice, m))], write(tmp_path, "q.json", m))
    codes = {i["fact_id"]: {f["code"] for f in i["flags"]} for i in g.analysis["items"]}
    assert {"possible-miskey", "negative-discrimination"} <= codes["f01"]
    assert {"too-easy", "unused-distractor"} <= codes["f02"]
    assert "too-hard" in codes["f03"]
    miskey = next(f["reason"] for f in g.analysis["items"][0]["flags"] if f["code"] == "possible-miskey")
    assert "'wrong 1.1'" in miskey and "more than the key 'key 1'" in miskey and f"N = {n}" in miskey


def test_small_classes_withhold_discrimination(tmp_path):
    m = manifest(4, 3)
    choice = np.array([[0, 1, 0, 2], [0, 0, 0, 0], [1, 1, 2, 0], [0, 2, 1, 0], [2, 0, 0, 1]])
    g = grade([write(tmp_path, "r.csv", matrix_csv(choice, m))], write(tmp_path, "q.json", m))
    for item in g.analysis["items"]:
        assert item["n"] == 5 < MIN_N and item["discrimination_withheld"]
        assert item["r_pb"] is None and item["d"] is None and all(o["r_pb"] is None for o in item["options"])
        assert item["p_ci"][0] < item["p"] < item["p_ci"][1] or item["p"] in (0, 1)


# --- the misconception report ---------------------------------------------------------------

def test_planted_misconceptions_are_found(tmp_path):
    m = json.loads(KETAMINE.read_text())
    questions = m["versions"][0]["questions"]
    errors = [(q["fact_id"], o) for q in questions for o in q["options"] if o["provenance"]["kind"] == "source-error"]
    (f1, e1), (f2, e2), (f3, e3) = errors[0], errors[2], errors[4]
    planted = {e1["text"]: {f"student{i:03d}" for i in range(0, 90, 3)},     # 30 students
               e2["text"]: {f"student{i:03d}" for i in range(1, 40, 2)},     # 20 students
               e3["text"]: {"student005", "student007"}}
    text, truth, version_of = synthetic_class(m, 90, planted, seed=3)
    g = grade([write(tmp_path, "r.csv", text)], str(KETAMINE))
    found = {x["says"]: x for x in g.analysis["misconceptions"]}
    for says, who in planted.items():
        assert sorted(found[says]["students"]) == sorted(who)
        assert found[says]["offered"] == 90 and found[says]["chosen_by"] == len(who)
    # Ranked by students misled; each names its sources in their own words.
    top = next(x for x in g.analysis["misconceptions"] if x["kind"] == "source-error")
    assert top["says"] == e1["text"] and top["sources"] == e1["provenance"]["sources"]
    assert top["citations"][0]["quote"] == e1["provenance"]["quote"]
    # The re-teaching list of a planted student holds exactly their planted beliefs (besides chance errors),
    # with the source's words and why each is wrong.
    s5 = {mc["says"]: mc for mc in reteach(g, "student005")}
    assert {t for t in planted if t in s5} == {t for t, who in planted.items() if "student005" in who}
    assert s5[e3["text"]]["why"] == e3["provenance"]["why"] and s5[e3["text"]]["facts"] == [f3]
    # Sources are ranked by the students they misled (union over their errors).
    misled = {}
    for says, who in planted.items():
        for s in next(o for _, o in errors if o["text"] == says)["provenance"]["sources"]:
            misled.setdefault(s, set()).update(who)
    ranked = {s["id"]: s["misled"] for s in g.analysis["sources"]}
    for s, who in misled.items():
        assert ranked[s] == len(who)
    # Scores equal the truth the class was built from.
    keys = {q["fact_id"]: next(o["text"] for o in q["options"] if o["correct"]) for q in questions}
    expected = {s: sum(chosen[f] == keys[f] for f in keys) for s, chosen in truth.items()}
    assert {s["id"]: s["score"] for s in g.analysis["students"]} == expected
    jsonschema.validate(g.analysis, SCHEMA)


def test_consistency_and_the_middle_band(tmp_path):
    # One claim offered by three questions: middle scorers hold it on every chance; others never.
    m = manifest(9, 2)
    for q in m["versions"][0]["questions"][:3]:
        q["options"][1]["text"] = "the shared wrong claim"
    n = 60
    score_level = np.repeat([0.0, 0.85, 1.0], n // 3)
    rng = np.random.default_rng(2)
    choice = (rng.random((n, 9)) > score_level[:, None]).astype(int)
    middle = slice(n // 3, 2 * n // 3)
    choice[middle, :3] = 1
    choice[: n // 3, :3] = 0        # the weak students guess right on these three (tidy bands)
    choice[2 * n // 3:, :3] = 0
    g = grade([write(tmp_path, "r.csv", matrix_csv(choice, m))], write(tmp_path, "q.json", m))
    shared = next(x for x in g.analysis["misconceptions"] if x["says"] == "the shared wrong claim")
    assert shared["chosen_by"] == n // 3 and shared["held"] == n // 3 and shared["chances"] == 3 * n
    assert shared["consistency"] == [{"k_of_n": "3 of 3", "students": n // 3}]
    assert shared["typical_misconception"]
    assert shared["bands"]["middle"]["share"] > max(shared["bands"]["lower"]["share"] or 0,
                                                    shared["bands"]["upper"]["share"] or 0)
