"""The χ² test of a contingency table as ``scipy.stats.chi2_contingency`` computes it, on scipy.special.

Drift's categorical columns need only this one test, and ``import scipy.stats`` costs
more CPU than all ten categorical columns of a 1M-row run (bench/drift.md). The steps
are scipy 1.17's (``contingency.chi2_contingency`` → ``expected_freq`` →
``power_divergence`` with Pearson's λ = 1 → ``chdtrc``), in the same order of floating
point operations, so statistic and p-value are bit-identical (tests/test_contingency.py
compares with ``==``), Yates' correction for one degree of freedom included.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Chi2Result:
    statistic: float
    pvalue: float
    dof: int


def chi2_contingency(observed: np.ndarray, correction: bool = True) -> Chi2Result:
    """χ² test of independence of a 2-D table of counts (every row and column sum positive)."""
    import scipy.special

    table = np.asarray(observed, dtype=np.float64)
    if table.ndim != 2 or table.size == 0 or np.any(table < 0):
        raise ValueError("a 2-D table of non-negative counts is needed")
    rows = table.sum(axis=1, keepdims=True)
    cols = table.sum(axis=0, keepdims=True)
    expected = (rows * cols) / table.sum() ** 1
    if np.any(expected == 0):
        raise ValueError("a row or column of the table sums to zero")
    dof = expected.size - sum(expected.shape) + expected.ndim - 1
    if dof == 0:
        return Chi2Result(0.0, 1.0, 0)
    if dof == 1 and correction:
        diff = expected - table
        direction = np.sign(diff)
        magnitude = np.minimum(0.5, np.abs(diff))
        table = table + magnitude * direction
    terms = (table.ravel() - expected.ravel()) ** 2 / expected.ravel()
    statistic = np.sum(terms)
    return Chi2Result(float(statistic), float(scipy.special.chdtrc(float(dof), statistic)), dof)
