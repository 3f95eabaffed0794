"""The few test statistics an A/B analysis needs, in plain math (no scipy on the replay path).

``import scipy.stats`` costs 0.7-1.2 s, several times the whole ``axtui --version``
(bench/batch.md), while an A/B analysis needs only four tests: χ² goodness of fit (SRM),
χ² of a 2×2 table, Welch's t-test with its confidence interval, and the Mann-Whitney U
test. Their distributions reduce to the regularised incomplete gamma and beta
functions, computed here by the classic series and continued fractions (Numerical
Recipes §6.2, §6.4) to about 1e-14 relative error. Each function mirrors the
``scipy.stats`` function of the same name for the cases used (tests compare them), and
falls back to scipy only for the exact small-sample Mann-Whitney distribution.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # numpy only inside mannwhitneyu: the A/B replay path runs without it
    import numpy as np

_EPS = 1e-16
_TINY = 1e-300
_MAX_ITER = 10_000


@dataclass(frozen=True)
class TestResult:
    statistic: float
    pvalue: float


@dataclass(frozen=True)
class WelchResult:
    statistic: float
    pvalue: float
    df: float
    ci_low: float
    ci_high: float


def _gamma_q(a: float, x: float) -> float:
    """Regularised upper incomplete gamma Q(a, x)."""
    if x <= 0:
        return 1.0
    log_front = -x + a * math.log(x) - math.lgamma(a)
    if x < a + 1:  # series for P(a, x); Q is not small here, so 1 - P keeps its precision
        term = total = 1.0 / a
        ap = a
        for _ in range(_MAX_ITER):
            ap += 1
            term *= x / ap
            total += term
            if abs(term) < abs(total) * _EPS:
                break
        return max(0.0, 1.0 - total * math.exp(log_front))
    b = x + 1 - a  # continued fraction for Q (modified Lentz)
    c = 1 / _TINY
    d = 1 / b
    h = d
    for i in range(1, _MAX_ITER):
        an = -i * (i - a)
        b += 2
        d = an * d + b
        d = d if abs(d) > _TINY else _TINY
        c = b + an / c
        c = c if abs(c) > _TINY else _TINY
        d = 1 / d
        delta = d * c
        h *= delta
        if abs(delta - 1) < _EPS:
            break
    return math.exp(log_front) * h


def _beta_cf(a: float, b: float, x: float) -> float:
    """Continued fraction of the incomplete beta function (modified Lentz)."""
    qab, qap, qam = a + b, a + 1, a - 1
    c = 1.0
    d = 1 - qab * x / qap
    d = 1 / (d if abs(d) > _TINY else _TINY)
    h = d
    for m in range(1, _MAX_ITER):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1 + aa * d
        d = 1 / (d if abs(d) > _TINY else _TINY)
        c = 1 + aa / c
        c = c if abs(c) > _TINY else _TINY
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1 + aa * d
        d = 1 / (d if abs(d) > _TINY else _TINY)
        c = 1 + aa / c
        c = c if abs(c) > _TINY else _TINY
        delta = d * c
        h *= delta
        if abs(delta - 1) < _EPS:
            break
    return h


def _beta_i(a: float, b: float, x: float) -> float:
    """Regularised incomplete beta I_x(a, b)."""
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    front = math.exp(
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    if x < (a + 1) / (a + b + 2):
        return front * _beta_cf(a, b, x) / a
    return 1 - front * _beta_cf(b, a, 1 - x) / b


def chi2_sf(x: float, df: float) -> float:
    """P(χ²_df > x)."""
    if x <= 0:
        return 1.0
    if df == 1:
        return math.erfc(math.sqrt(x / 2))
    return _gamma_q(df / 2, x / 2)


def norm_sf(z: float) -> float:
    return 0.5 * math.erfc(z / math.sqrt(2))


def t_two_sided(t: float, df: float) -> float:
    """P(|T_df| > |t|)."""
    if math.isinf(t):
        return 0.0
    return _beta_i(df / 2, 0.5, df / (df + t * t))


def _t_pdf(t: float, df: float) -> float:
    """Student's t density."""
    log_norm = math.lgamma((df + 1) / 2) - math.lgamma(df / 2) - 0.5 * math.log(df * math.pi)
    return math.exp(log_norm - (df + 1) / 2 * math.log1p(t * t / df))


def _norm_ppf_rough(q: float) -> float:
    """The normal q-quantile for q >= 0.5 to within 4.5e-4 (Abramowitz and Stegun 26.2.23): a start
    for Newton, without ``statistics``, whose import (with ``fractions`` and ``decimal``) costs more."""
    t = math.sqrt(-2 * math.log(1 - q))
    return t - (2.515517 + t * (0.802853 + t * 0.010328)) / (
        1 + t * (1.432788 + t * (0.189269 + t * 0.001308))
    )


def _t_start(q: float, df: float) -> float:
    """A first guess at the q-quantile: the normal quantile with its Cornish-Fisher terms in 1/df."""
    z = _norm_ppf_rough(q)
    z2 = z * z
    g1 = z * (z2 + 1) / 4
    g2 = z * ((5 * z2 + 16) * z2 + 3) / 96
    g3 = z * (((3 * z2 + 19) * z2 + 17) * z2 - 15) / 384
    return max(z + g1 / df + g2 / df**2 + g3 / df**3, 1e-3)


def t_ppf(q: float, df: float) -> float:
    """The q-quantile of Student's t (q in (0.5, 1)): the root of the two-sided tail = 2(1 - q).

    Newton's method on the tail (its derivative is -2 × the density), kept inside a bracket that
    halves whenever a step would leave it. A bisection to the last bit took ~55 evaluations of
    the incomplete beta per quantile, a tenth of an A/B analysis (bench/batch.md); Newton from
    the Cornish-Fisher guess takes three to six, to the same root."""
    tail = 2 * (1 - q)
    lo, hi = 0.0, math.inf
    x = _t_start(q, df)
    for _ in range(200):
        gap = t_two_sided(x, df) - tail
        if gap > 0:
            lo = x
        else:
            hi = x
        if gap == 0:
            return x
        step = gap / (2 * _t_pdf(x, df))
        nxt = x + step
        if not lo < nxt < hi:  # outside the bracket: bisect it (or double it while open above)
            nxt = (lo + hi) / 2 if math.isfinite(hi) else max(2 * x, 1.0)
        if abs(nxt - x) <= 4 * _EPS * abs(x) or nxt in (lo, hi):
            return nxt
        x = nxt
    return x


def chisquare(observed: Sequence[float], expected: Sequence[float]) -> TestResult:
    """As ``scipy.stats.chisquare(observed, expected)``: Pearson's goodness of fit, k - 1 degrees."""
    stat = float(sum((o - e) ** 2 / e for o, e in zip(observed, expected, strict=True)))
    return TestResult(stat, chi2_sf(stat, len(observed) - 1))


def chi2_contingency(table: Sequence[Sequence[float]]) -> TestResult:
    """As ``scipy.stats.chi2_contingency(table, correction=False)`` (no zero row or column sums)."""
    rows = [[float(v) for v in row] for row in table]
    row_sums = [sum(row) for row in rows]
    col_sums = [sum(col) for col in zip(*rows, strict=True)]
    total = sum(row_sums)
    dof = (len(rows) - 1) * (len(col_sums) - 1)
    stat = 0.0
    for row, r in zip(rows, row_sums, strict=True):
        for v, c in zip(row, col_sums, strict=True):
            e = r * c / total
            stat += (v - e) ** 2 / e
    return TestResult(stat, 1.0 if dof == 0 else chi2_sf(stat, dof))


def ttest_welch(a: np.ndarray, b: np.ndarray, confidence: float = 0.95) -> WelchResult:
    """As ``scipy.stats.ttest_ind(a, b, equal_var=False)`` and its ``confidence_interval``."""
    return welch(
        float(a.mean()),
        float(a.var(ddof=1)),
        a.size,
        float(b.mean()),
        float(b.var(ddof=1)),
        b.size,
        confidence,
    )


def welch(
    mean_a: float, var_a: float, n_a: int, mean_b: float, var_b: float, n_b: int, confidence: float = 0.95
) -> WelchResult:
    """Welch's t-test of a - b from each sample's mean, n - 1 variance and size (``ttest_welch``)."""
    va, vb = var_a / n_a, var_b / n_b
    diff = mean_a - mean_b
    se = math.sqrt(va + vb)
    df = (va + vb) ** 2 / (va**2 / (n_a - 1) + vb**2 / (n_b - 1))
    t = diff / se  # the caller refuses two constant arms, so se > 0
    p = t_two_sided(t, df)
    half = t_ppf(0.5 + confidence / 2, df) * se
    return WelchResult(t, p, df, diff - half, diff + half)


def mannwhitneyu(x: np.ndarray, y: np.ndarray) -> Any:
    """As ``scipy.stats.mannwhitneyu(x, y, alternative="two-sided")``: U of ``x`` and its p-value."""
    import numpy as np

    n1 = x.size
    _values, inverse, counts = np.unique(np.concatenate([x, y]), return_inverse=True, return_counts=True)
    ends = np.cumsum(counts)
    ranks = (ends - (counts - 1) / 2.0)[inverse]  # average rank of each tie group
    return mann_whitney(float(ranks[:n1].sum()), n1, y.size, [int(c) for c in counts])


def mann_whitney(rank_sum: float, n1: int, n2: int, tie_counts: Sequence[int]) -> TestResult:
    """The two-sided Mann-Whitney U test from the rank sum of the first sample (average ranks in the
    combined sample) and the sizes of the tie groups.

    The normal approximation with tie and continuity corrections; scipy's exact
    distribution when scipy would use it (an arm of 8 or fewer and no ties): it depends
    on U, n1 and n2 only, so two tie-free samples with that U stand in for the data.
    """
    u1 = rank_sum - n1 * (n1 + 1) / 2
    ties = any(c > 1 for c in tie_counts)
    if (n1 <= 8 or n2 <= 8) and not ties:
        from scipy import stats

        res = stats.mannwhitneyu(*_samples_with_u(round(u1), n1, n2), alternative="two-sided")
        return TestResult(float(res.statistic), float(res.pvalue))
    u = max(u1, n1 * n2 - u1)
    n = n1 + n2
    tie_term = float(sum(c**3 - c for c in tie_counts))
    s = math.sqrt(n1 * n2 / 12 * ((n + 1) - tie_term / (n * (n - 1))))
    if s == 0:  # every value tied: U sits at its mean, the corrected statistic is -inf, p = 1
        return TestResult(u1, 1.0)
    z = (u - n1 * n2 / 2 - 0.5) / s
    return TestResult(u1, min(1.0, max(0.0, 2 * norm_sf(z))))


def _samples_with_u(u1: int, n1: int, n2: int) -> tuple[list[float], list[float]]:
    """Two tie-free samples of sizes n1, n2 in which the first beats exactly ``u1`` pairs."""
    y = [float(j) for j in range(n2)]
    x = []
    left = u1
    for i in range(n1):
        below = min(n2, left)  # y values below this x: 0 .. below - 1
        left -= below
        x.append(below - 0.5 + (i + 1) / (2 * (n1 + 1)))  # in (below - 0.5, below), distinct per i
    return x, y
