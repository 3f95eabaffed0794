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
from dataclasses import dataclass
from typing import Any

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


def t_ppf(q: float, df: float) -> float:
    """The q-quantile of Student's t (q in (0.5, 1)), by bisection on the two-sided tail."""
    tail = 2 * (1 - q)
    lo, hi = 0.0, 1.0
    while t_two_sided(hi, df) > tail:
        lo, hi = hi, hi * 2
    for _ in range(200):
        mid = (lo + hi) / 2
        if mid in (lo, hi):
            break
        if t_two_sided(mid, df) > tail:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def chisquare(observed: np.ndarray, expected: np.ndarray) -> TestResult:
    """As ``scipy.stats.chisquare(observed, expected)``: Pearson's goodness of fit, k - 1 degrees."""
    stat = float(np.sum((observed - expected) ** 2 / expected))
    return TestResult(stat, chi2_sf(stat, observed.size - 1))


def chi2_contingency(table: np.ndarray) -> TestResult:
    """As ``scipy.stats.chi2_contingency(table, correction=False)`` (no zero row or column sums)."""
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / table.sum()
    dof = (table.shape[0] - 1) * (table.shape[1] - 1)
    stat = float(np.sum((table - expected) ** 2 / expected))
    return TestResult(stat, 1.0 if dof == 0 else chi2_sf(stat, dof))


def ttest_welch(a: np.ndarray, b: np.ndarray, confidence: float = 0.95) -> WelchResult:
    """As ``scipy.stats.ttest_ind(a, b, equal_var=False)`` and its ``confidence_interval``."""
    va, vb = float(a.var(ddof=1)) / a.size, float(b.var(ddof=1)) / b.size
    diff = float(a.mean()) - float(b.mean())
    se = math.sqrt(va + vb)
    df = (va + vb) ** 2 / (va**2 / (a.size - 1) + vb**2 / (b.size - 1))
    t = diff / se  # the caller refuses two constant arms, so se > 0
    p = t_two_sided(t, df)
    half = t_ppf(0.5 + confidence / 2, df) * se
    return WelchResult(t, p, df, diff - half, diff + half)


def mannwhitneyu(x: np.ndarray, y: np.ndarray) -> Any:
    """As ``scipy.stats.mannwhitneyu(x, y, alternative="two-sided")``: U of ``x`` and its p-value.

    The normal approximation with tie and continuity corrections; scipy's exact
    distribution when scipy would use it (an arm of 8 or fewer and no ties).
    """
    n1, n2 = x.size, y.size
    _values, inverse, counts = np.unique(np.concatenate([x, y]), return_inverse=True, return_counts=True)
    ties = bool(np.any(counts > 1))
    if (n1 <= 8 or n2 <= 8) and not ties:
        from scipy import stats

        res = stats.mannwhitneyu(x, y, alternative="two-sided")
        return TestResult(float(res.statistic), float(res.pvalue))
    ends = np.cumsum(counts)
    ranks = (ends - (counts - 1) / 2.0)[inverse]  # average rank of each tie group
    u1 = float(ranks[:n1].sum()) - n1 * (n1 + 1) / 2
    u = max(u1, n1 * n2 - u1)
    n = n1 + n2
    tie_term = float(np.sum(counts.astype(float) ** 3 - counts))
    s = math.sqrt(n1 * n2 / 12 * ((n + 1) - tie_term / (n * (n - 1))))
    if s == 0:  # every value tied: U sits at its mean, the corrected statistic is -inf, p = 1
        return TestResult(u1, 1.0)
    z = (u - n1 * n2 / 2 - 0.5) / s
    return TestResult(u1, min(1.0, max(0.0, 2 * norm_sf(z))))
