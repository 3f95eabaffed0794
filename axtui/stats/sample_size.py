"""Sample sizes for A/B tests (docs/reference/statistics.md#ab-tests), in plain math.

Kept apart from the analysis in ``ab.py`` so that planning a test (a workflow's
``ab_size`` step, ``axtui ab size``) needs neither numpy, polars nor scipy:
the normal quantiles come from the standard library's ``NormalDist``.
"""

from __future__ import annotations

import math
from statistics import NormalDist
from typing import Any

from axtui.errors import InputError


def _z(p: float) -> float:
    return NormalDist().inv_cdf(p)


def _check_prob(value: float, name: str) -> float:
    value = float(value)
    if not (0.0 < value < 1.0):
        raise InputError(f"{name} must be strictly between 0 and 1 (got {value:g})", where=name)
    return value


def _ceil(n: float) -> int:
    """Round up, ignoring float noise of a few ulps (3841.0000000000005 is 3841)."""
    return math.ceil(n - 1e-9 * max(1.0, abs(n)))


def sample_size_proportions(
    baseline: float, mde: float, *, relative: bool = False, alpha: float = 0.05, power: float = 0.8
) -> dict[str, Any]:
    """Per-variant n for a two-sided two-proportion test (pooled variance under H0, unpooled under H1).

    n = (z₁₋α/₂·√(2·p̄·q̄) + z₁₋β·√(p₁q₁ + p₂q₂))² / (p₂ − p₁)², rounded up.
    """
    baseline = float(baseline)
    if not (0.0 < baseline < 1.0):
        raise InputError(
            f"the baseline rate must be strictly between 0 and 1 (got {baseline:g})",
            where="baseline",
            hint="a rate of 0 or 1 has no variance, so no test can detect a "
            "change; pass the observed conversion rate, e.g. 0.1",
        )
    mde = float(mde)
    if mde == 0 or not math.isfinite(mde):
        raise InputError(
            f"the minimum detectable effect must be a non-zero number (got {mde:g})",
            where="mde",
            hint="e.g. --mde 0.01 (absolute) or --mde 0.05 --relative",
        )
    alpha = _check_prob(alpha, "alpha")
    power = _check_prob(power, "power")
    # 15 significant digits: 0.1 + 0.02 is the rate 0.12, not 0.12000000000000001.
    target = float(f"{(baseline * (1 + mde) if relative else baseline + mde):.15g}")
    if not (0.0 < target < 1.0):
        raise InputError(
            f"baseline {baseline:g} with MDE {mde:g} gives a target rate of {target:g}, outside (0, 1)",
            where="mde",
            hint="use a smaller MDE" + ("" if relative else " or --relative"),
        )
    n = _ceil(n_proportions(baseline, target, alpha=alpha, power=power))
    return {
        "per_variant": n,
        "total": 2 * n,
        "baseline": baseline,
        "target": target,
        "alpha": alpha,
        "power": power,
    }


def n_proportions(p1: float, p2: float, *, alpha: float, power: float) -> float:
    """The §8.2 closed form before rounding up (exposed for tests and reports)."""
    pbar = (p1 + p2) / 2
    root = _z(1 - alpha / 2) * math.sqrt(2 * pbar * (1 - pbar)) + _z(power) * math.sqrt(
        p1 * (1 - p1) + p2 * (1 - p2)
    )
    return root**2 / (p2 - p1) ** 2


def n_means(std: float, mde: float, *, alpha: float, power: float) -> float:
    """n = 2·(z₁₋α/₂ + z₁₋β)²·σ²/δ² before rounding up."""
    return 2 * (_z(1 - alpha / 2) + _z(power)) ** 2 * std**2 / mde**2


def sample_size_means(std: float, mde: float, *, alpha: float = 0.05, power: float = 0.8) -> dict[str, Any]:
    """Per-variant n to detect a difference ``mde`` in means with common standard deviation ``std``.

    n = 2·(z₁₋α/₂ + z₁₋β)²·σ² / δ², rounded up (normal approximation, two-sided).
    """
    std = float(std)
    if not (std > 0 and math.isfinite(std)):
        raise InputError(f"the standard deviation must be positive (got {std:g})", where="std")
    mde = float(mde)
    if mde == 0 or not math.isfinite(mde):
        raise InputError(
            f"the minimum detectable effect must be a non-zero number (got {mde:g})", where="mde"
        )
    alpha = _check_prob(alpha, "alpha")
    power = _check_prob(power, "power")
    n = _ceil(n_means(std, mde, alpha=alpha, power=power))
    return {"per_variant": n, "total": 2 * n, "std": std, "mde": abs(mde), "alpha": alpha, "power": power}
