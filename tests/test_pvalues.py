"""The plain-math tests of ``axtui.stats.pvalues`` agree with ``scipy.stats``, which they replace."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from axtui.stats import pvalues

REL = 1e-9


def _arms(seed: int, n1: int, n2: int, decimals: int | None) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    a = rng.normal(0, rng.uniform(0.1, 10), n1)
    b = rng.normal(rng.uniform(-1, 1), rng.uniform(0.1, 10), n2)
    if decimals is not None:  # ties
        a, b = np.round(a, decimals), np.round(b, decimals)
    return a, b


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n1=st.integers(2, 400),
    n2=st.integers(2, 400),
    decimals=st.one_of(st.none(), st.integers(0, 2)),
)
def test_welch_and_mann_whitney_match_scipy(seed: int, n1: int, n2: int, decimals: int | None) -> None:
    a, b = _arms(seed, n1, n2, decimals)
    if a.var() == 0 and b.var() == 0:
        return
    ref = stats.ttest_ind(a, b, equal_var=False)
    ci = ref.confidence_interval(confidence_level=0.95)
    got = pvalues.ttest_welch(a, b)
    assert got.statistic == pytest.approx(ref.statistic, rel=REL)
    assert got.pvalue == pytest.approx(ref.pvalue, rel=REL, abs=1e-300)
    assert got.df == pytest.approx(ref.df, rel=REL)
    assert (got.ci_low, got.ci_high) == pytest.approx((ci.low, ci.high), rel=REL)
    mw_ref = stats.mannwhitneyu(a, b, alternative="two-sided")
    mw = pvalues.mannwhitneyu(a, b)
    assert mw.statistic == pytest.approx(mw_ref.statistic, rel=REL)
    assert mw.pvalue == pytest.approx(mw_ref.pvalue, rel=REL, abs=1e-300)


@settings(max_examples=60, deadline=None)
@given(counts=st.lists(st.integers(0, 100_000), min_size=2, max_size=6).filter(lambda c: sum(c) > 0))
def test_goodness_of_fit_matches_scipy(counts: list[int]) -> None:
    obs = np.asarray(counts, dtype=float)
    expected = np.full(obs.size, obs.sum() / obs.size)
    ref = stats.chisquare(obs, expected)
    got = pvalues.chisquare(obs, expected)
    assert got.statistic == pytest.approx(ref.statistic, rel=REL)
    assert got.pvalue == pytest.approx(ref.pvalue, rel=REL, abs=1e-300)


@settings(max_examples=60, deadline=None)
@given(cells=st.lists(st.integers(1, 50_000), min_size=4, max_size=4))
def test_two_by_two_matches_scipy(cells: list[int]) -> None:
    table = np.asarray(cells, dtype=float).reshape(2, 2)
    chi2, p, _dof, _expected = stats.chi2_contingency(table, correction=False)
    got = pvalues.chi2_contingency(table)
    assert got.statistic == pytest.approx(chi2, rel=REL, abs=1e-12)
    assert got.pvalue == pytest.approx(p, rel=REL, abs=1e-300)


@pytest.mark.parametrize("df", [0.5, 1, 2, 3.5, 10, 99, 1000])
@pytest.mark.parametrize("x", [0.0, 1e-6, 0.3, 1, 4, 25, 200, 900])
def test_chi2_tail_matches_scipy(df: float, x: float) -> None:
    assert pvalues.chi2_sf(x, df) == pytest.approx(stats.chi2.sf(x, df), rel=REL, abs=1e-300)


def test_small_arms_without_ties_use_the_exact_distribution() -> None:
    a, b = np.array([1.0, 4.0, 9.0]), np.array([2.0, 3.0, 5.0, 7.0, 11.0])
    ref = stats.mannwhitneyu(a, b, alternative="two-sided")
    got = pvalues.mannwhitneyu(a, b)
    assert (got.statistic, got.pvalue) == pytest.approx((ref.statistic, ref.pvalue))


def test_all_values_tied_gives_p_one() -> None:
    a, b = np.full(20, 3.0), np.full(30, 3.0)
    ref = stats.mannwhitneyu(a, b, alternative="two-sided")
    got = pvalues.mannwhitneyu(a, b)
    assert got.pvalue == 1.0 == pytest.approx(float(ref.pvalue))


@settings(max_examples=200, deadline=None)
@given(q=st.floats(0.55, 0.99999), df=st.floats(1.0, 10_000.0))
def test_t_quantile_matches_scipy(q: float, df: float) -> None:
    """Newton's root of the tail is scipy's quantile (confidence intervals use q = 0.9 ... 0.9995)."""
    assert pvalues.t_ppf(q, df) == pytest.approx(stats.t.ppf(q, df), rel=REL)


@pytest.mark.parametrize("df", [0.5, 1.0, 2.0, 3.5, 30.0, 1e5])
@pytest.mark.parametrize("q", [0.51, 0.75, 0.975, 0.9999, 1 - 1e-10])
def test_t_quantile_is_the_root_of_the_tail(q: float, df: float) -> None:
    """At the quantile the two-sided tail is 2(1 - q), from heavy tails (df < 1) to the normal limit."""
    t = pvalues.t_ppf(q, df)
    assert t > 0
    assert pvalues.t_two_sided(t, df) == pytest.approx(2 * (1 - q), rel=1e-9)
