"""Classical item analysis on the canonical response matrix, vectorised with numpy.

Everything is computed from sums over the students × questions matrix (a handful of
matrix–vector products per statistic), so the time grows linearly with the class.

- facility p = right / N, with a Wilson 95 % interval;
- corrected item–rest point-biserial: Pearson r between the item (0/1) and the rest
  score (total minus the item), what Moodle calls its discrimination index;
- upper/lower D: p in the upper 27 % minus p in the lower 27 % by score, ties kept
  together (a boundary never splits students with the same score, as Canvas does);
- per option: chosen, share overall and in the lower/middle/upper groups, and the
  option–rest point-biserial (choosing it vs the rest score);
- test: N, mean, SD, KR-20 = k/(k−1)·(1 − Σpq/σ²) and SEM = SD·√(1 − KR-20).

Discrimination indices are withheld (None) for an item seen by fewer than `MIN_N`
students: with smaller classes the 27 % groups hold a handful of students and r
swings by ±0.4 by chance.
"""

from __future__ import annotations

import numpy as np

from .model import BLANK, MULTIPLE, NOT_SHOWN, UNREADABLE, Delivery

MIN_N = 20          # students who saw an item, below which r_pb, D and option r are withheld
GROUP = 0.27        # upper and lower group fraction (Kelley)
UNUSED = 0.05       # a wrong option chosen by fewer is a distractor nobody uses (Tarrant 2009)
TOO_EASY, TOO_HARD = 0.90, 0.30   # Ebel & Frisbie's usable facility range
Z95 = 1.959963984540054


def wilson(k, n, z: float = Z95):
    """Wilson score interval for k successes in n trials (arrays or numbers); NaN where n = 0."""
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        denom = 1 + z * z / n
        centre = (p + z * z / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return centre - half, centre + half


def pearson(n, sx, sy, sxx, syy, sxy):
    """Pearson r from sums (arrays); NaN where either variable is constant."""
    with np.errstate(invalid="ignore", divide="ignore"):
        num = n * sxy - sx * sy
        den = np.sqrt(np.maximum(n * sxx - sx * sx, 0) * np.maximum(n * syy - sy * sy, 0))
        return np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)


class Matrix:
    """The delivery as arrays: ``choices`` (students × questions), the key, who saw what, scores."""

    def __init__(self, delivery: Delivery):
        key = delivery.key
        self.choices = np.array([s.choices for s in delivery.students], dtype=np.int16).reshape(
            len(delivery.students), len(key.questions))
        self.key = np.array([q.key for q in key.questions], dtype=np.int16)
        self.n_options = np.array([len(q.options) for q in key.questions], dtype=np.int16)
        self.offered = self.choices != NOT_SHOWN
        self.correct = self.choices == self.key[None, :]
        self.score = self.correct.sum(axis=1)
        self.max = self.offered.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            self.percent = np.where(self.max > 0, self.score / np.maximum(self.max, 1), 0.0)
        self.lower, self.middle, self.upper = groups(self.percent)


def groups(score: np.ndarray, fraction: float = GROUP):
    """Lower, middle and upper groups (boolean masks): the lowest and highest ``fraction`` by score,
    each extended to every student tied with its last member. None of them when the extremes meet."""
    n = len(score)
    empty = np.zeros(n, dtype=bool)
    if n == 0:
        return empty, empty, empty
    size = max(1, int(round(fraction * n)))
    ordered = np.sort(score)
    low_cut, high_cut = ordered[size - 1], ordered[n - size]
    if low_cut >= high_cut:
        return empty, np.ones(n, dtype=bool), empty
    lower = score <= low_cut
    upper = score >= high_cut
    return lower, ~(lower | upper), upper


def item_statistics(m: Matrix) -> dict:
    """Per item and option, as arrays over questions (and options); see the module docstring."""
    f = m.offered.astype(np.float64)
    x = m.correct.astype(np.float64)
    X = m.score.astype(np.float64)
    n = f.sum(axis=0)
    right = x.sum(axis=0)
    fx, fx2, xX = f.T @ X, f.T @ (X * X), x.T @ X
    s_rest = fx - right
    s_rest2 = fx2 - 2 * xX + right
    s_x_rest = xX - right
    r_item = pearson(n, right, s_rest, right, s_rest2, s_x_rest)
    up, lo, mid = (g.astype(np.float64) for g in (m.upper, m.lower, m.middle))
    n_up, n_lo, n_mid = f.T @ up, f.T @ lo, f.T @ mid
    with np.errstate(invalid="ignore", divide="ignore"):
        p = right / n
        d = (x.T @ up) / n_up - (x.T @ lo) / n_lo
    k = int(m.n_options.max()) if m.n_options.size else 0
    chosen = np.zeros((len(n), k))
    by_group = np.zeros((3, len(n), k))
    r_option = np.full((len(n), k), np.nan)
    for j in range(k):
        ind = (m.choices == j).astype(np.float64)
        c = ind.sum(axis=0)
        chosen[:, j] = c
        by_group[0, :, j], by_group[1, :, j], by_group[2, :, j] = ind.T @ lo, ind.T @ mid, ind.T @ up
        s_ind_rest = ind.T @ X - np.where(m.key == j, c, 0)
        r_option[:, j] = pearson(n, c, s_rest, c, s_rest2, s_ind_rest)
    codes = {name: (m.choices == code).sum(axis=0) for name, code in
             (("blank", BLANK), ("multiple", MULTIPLE), ("unreadable", UNREADABLE))}
    lo_ci, hi_ci = wilson(right, n)
    return {"n": n, "right": right, "p": p, "p_ci": (lo_ci, hi_ci), "r_pb": r_item, "d": d,
            "group_n": (n_lo, n_mid, n_up), "chosen": chosen, "chosen_by_group": by_group,
            "r_option": r_option, **codes}


def test_statistics(m: Matrix) -> dict:
    """N, mean, SD (n − 1), median, KR-20 and SEM; KR-20 only when every student saw every item."""
    X = m.score.astype(np.float64)
    N = m.choices.shape[0]
    k = int(m.offered.any(axis=0).sum())    # questions anyone was shown (a bank offers more than a delivery uses)
    out = {"n": N, "k": k, "mean": float(X.mean()) if N else None,
           "sd": float(X.std(ddof=1)) if N > 1 else None, "median": float(np.median(X)) if N else None,
           "min": int(X.min()) if N else None, "max": int(X.max()) if N else None,
           "kr20": None, "sem": None}
    if N > 1 and k > 1 and bool(m.offered.all()):
        p = m.correct.mean(axis=0)
        var = X.var()
        if var > 0:
            kr20 = k / (k - 1) * (1 - float((p * (1 - p)).sum()) / var)
            out["kr20"] = kr20
            out["sem"] = float(X.std(ddof=1) * np.sqrt(max(0.0, 1 - kr20)))
    return out
