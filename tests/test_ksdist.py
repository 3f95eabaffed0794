"""ksdist and contingency: scipy.stats' own numbers, bit for bit, without importing scipy.stats.

The drift path computes the asymptotic KS p-value (``kstwo.sf``), the binomial terms of
the Smirnov sum (``binom.pmf``) and the χ² contingency test from copies of scipy's code
on scipy.special; these tests compare them with scipy.stats itself using ``==``.
"""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import stats

from axtui.stats import ksdist
from axtui.stats.contingency import chi2_contingency
from axtui.stats.evidently import jensenshannon

# sample sizes on each side of scipy's method switches: n ≤ 140 (Durbin / Pomeranz / Miller),
# n ≤ 100,000 (Durbin when n·x^1.5 ≤ 1.4, else Pelz–Good), and beyond
SIZES = [1, 2, 3, 7, 50, 139, 140, 141, 997, 5000, 99_999, 100_001, 250_000, 500_000]


def same(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(SIZES), st.floats(0.0, 1.0), st.floats(0.0, 4.0))
def test_kstwo_sf_is_scipys_bit_for_bit(n: int, x: float, scaled: float) -> None:
    """Any x in [0, 1], and x = scaled/√n (the range real KS statistics fall in)."""
    for value in (x, min(1.0, scaled / math.sqrt(n))):
        if n * value > 150 and n <= 100_000 and n * value**1.5 <= 1.4:
            continue  # Durbin's matrix grows with n·x (minutes per call); covered below at small n·x
        assert same(ksdist.kstwo_sf(value, float(n)), float(stats.kstwo.sf(value, float(n)))), (n, value)


@pytest.mark.parametrize("n", SIZES)
def test_kstwo_sf_at_the_support_edges(n: int) -> None:
    for x in (0.0, 0.5 / n, 1.0 / n, 0.5, 1.0 - 1.0 / n, 1.0, 1.5, -0.1):
        assert same(ksdist.kstwo_sf(x, float(n)), float(stats.kstwo.sf(x, float(n)))), (n, x)


def test_kstwo_sf_refuses_a_fractional_n() -> None:
    with pytest.raises(ValueError, match="whole number"):
        ksdist.kstwo_sf(0.1, 10.5)


@settings(max_examples=100, deadline=None)
@given(
    st.integers(1, 2_000_000),
    st.lists(st.floats(1e-12, 1.0), min_size=1, max_size=50),  # near 1e-308 both raise OverflowError
    st.integers(0, 10**6),
)
def test_binom_pmf_is_scipys_bit_for_bit(n: int, ps: list[float], seed: int) -> None:
    rng = np.random.default_rng(seed)
    k = rng.integers(0, n + 1, len(ps)).astype(np.float64)
    p = np.array(ps)
    assert np.array_equal(ksdist.binom_pmf(k, n, p), stats.binom.pmf(k, n, p))


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.integers(1, 10**7), min_size=2, max_size=120),
    st.lists(st.integers(0, 10**7), min_size=2, max_size=120),
    st.booleans(),
)
def test_chi2_contingency_is_scipys_bit_for_bit(ref: list[int], cur: list[int], correction: bool) -> None:
    """Two rows (reference, current) as drift builds them; two columns exercise Yates' correction."""
    k = min(len(ref), len(cur))
    assume(sum(cur[:k]) > 0)  # drift never builds a table with an empty row
    table = np.array([ref[:k], cur[:k]], dtype=np.int64)
    want = stats.chi2_contingency(table, correction=correction)
    got = chi2_contingency(table, correction=correction)
    assert got.statistic == float(want.statistic)
    assert got.pvalue == float(want.pvalue)
    assert got.dof == want.dof


def test_chi2_contingency_without_degrees_of_freedom_and_bad_tables() -> None:
    got = chi2_contingency(np.array([[5], [7]]))
    want = stats.chi2_contingency(np.array([[5], [7]]))
    assert (got.statistic, got.pvalue, got.dof) == (float(want.statistic), float(want.pvalue), want.dof)
    with pytest.raises(ValueError, match="sums to zero"):
        chi2_contingency(np.array([[0, 3], [0, 4]]))
    with pytest.raises(ValueError, match="non-negative"):
        chi2_contingency(np.array([[-1, 3], [2, 4]]))


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.floats(0.0, 1e6), min_size=1, max_size=60),
    st.lists(st.floats(0.0, 1e6), min_size=1, max_size=60),
)
def test_jensenshannon_is_scipys_bit_for_bit(p: list[float], q: list[float]) -> None:
    """Evidently mode's JS distance against scipy.spatial's (shares with zeros included)."""
    from scipy.spatial.distance import jensenshannon as scipy_js

    k = min(len(p), len(q))
    a, b = np.array(p[:k]), np.array(q[:k])
    assume(a.sum() > 0 and b.sum() > 0)
    assert same(jensenshannon(a, b), float(scipy_js(a, b)))


def test_large_drift_run_does_not_import_scipy_stats(tmp_path) -> None:
    """A drift of two 20,000-row tables (asymptotic KS, categories) never loads scipy.stats."""
    code = (
        "import sys, numpy as np, polars as pl\n"
        "from axtui.stats.drift import compute_drift\n"
        "rng = np.random.default_rng(0)\n"
        "ref = pl.DataFrame({'x': rng.normal(0, 1, 20000), 'c': rng.choice(['a', 'b', 'c'], 20000)})\n"
        "cur = pl.DataFrame({'x': rng.normal(0.02, 1, 20000), 'c': rng.choice(['a', 'b'], 20000)})\n"
        "out = compute_drift(ref, cur)\n"
        "assert len(out['columns']) == 2, out\n"
        "print(sorted(m for m in sys.modules if m.startswith('scipy.stats')))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "[]", proc.stdout
