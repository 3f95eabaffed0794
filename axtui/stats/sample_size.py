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


def _check_ratio(ratio: float) -> float:
    ratio = float(ratio)
    if not (ratio > 0 and math.isfinite(ratio)):
        raise InputError(
            f"the allocation ratio must be a positive number (got {ratio:g})",
            where="--ratio",
            hint="treatment units per control unit, e.g. --ratio 2 for a 1:2 split",
        )
    return ratio


def _arms(n_exact: float, ratio: float) -> dict[str, int]:
    """Control n rounded up and treatment = ratio x the exact control n, rounded up."""
    return {"control": _ceil(n_exact), "treatment": _ceil(ratio * n_exact)}


def sample_size_proportions(
    baseline: float,
    mde: float,
    *,
    relative: bool = False,
    alpha: float = 0.05,
    power: float = 0.8,
    ratio: float = 1.0,
) -> dict[str, Any]:
    """Per-variant n for a two-sided two-proportion test (pooled variance under H0, unpooled under H1).

    n = (z₁₋α/₂·√(2·p̄·q̄) + z₁₋β·√(p₁q₁ + p₂q₂))² / (p₂ − p₁)², rounded up; with ``ratio`` R
    (treatment units per control unit) the control needs
    (z₁₋α/₂·√(p̄q̄(1 + 1/R)) + z₁₋β·√(p₁q₁ + p₂q₂/R))² / δ², p̄ = (p₁ + R·p₂)/(1 + R), and the treatment R
    times that (statsmodels' samplesize_proportions_2indep_onetail). ``per_variant`` is the control's n.
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
    ratio = _check_ratio(ratio)
    # 15 significant digits: 0.1 + 0.02 is the rate 0.12, not 0.12000000000000001.
    target = float(f"{(baseline * (1 + mde) if relative else baseline + mde):.15g}")
    if not (0.0 < target < 1.0):
        raise InputError(
            f"baseline {baseline:g} with MDE {mde:g} gives a target rate of {target:g}, outside (0, 1)",
            where="mde",
            hint="use a smaller MDE" + ("" if relative else " or --relative"),
        )
    exact = n_proportions(baseline, target, alpha=alpha, power=power, ratio=ratio)
    arms = _arms(exact, ratio)
    out: dict[str, Any] = {
        "per_variant": arms["control"],
        "total": arms["control"] + arms["treatment"],
        "baseline": baseline,
        "target": target,
        "alpha": alpha,
        "power": power,
    }
    if ratio != 1.0:
        out.update(ratio=ratio, per_arm=arms)
    return out


def n_proportions(p1: float, p2: float, *, alpha: float, power: float, ratio: float = 1.0) -> float:
    """The control arm's n before rounding up (§8.2 closed form; R = 1 gives the equal-split formula)."""
    pbar = (p1 + ratio * p2) / (1 + ratio)
    root = _z(1 - alpha / 2) * math.sqrt(pbar * (1 - pbar) * (1 + 1 / ratio)) + _z(power) * math.sqrt(
        p1 * (1 - p1) + p2 * (1 - p2) / ratio
    )
    return root**2 / (p2 - p1) ** 2


def power_means(n_control: float, effect_size: float, *, alpha: float, ratio: float = 1.0) -> float:
    """Power of the two-sided normal test of two means, both tails (statsmodels' NormalIndPower):
    Φ(d·√n_eff − z₁₋α/₂) + Φ(−d·√n_eff − z₁₋α/₂), n_eff = 1/(1/n_c + 1/(R·n_c))."""
    nd = NormalDist()
    n_eff = 1.0 / (1.0 / n_control + 1.0 / (ratio * n_control))
    crit = _z(1 - alpha / 2)
    shift = abs(effect_size) * math.sqrt(n_eff)
    return nd.cdf(shift - crit) + nd.cdf(-shift - crit)


def n_means(std: float, mde: float, *, alpha: float, power: float, ratio: float = 1.0) -> float:
    """The control n at which the two-sided power (both tails) equals ``power``, before rounding up.

    Power rises with n, so bisection from the one-tail closed form (an upper bound: the far tail only
    adds power) converges to the root to float precision.
    """
    d = abs(mde) / std
    if power <= alpha:
        raise InputError(f"power ({power:g}) must exceed alpha ({alpha:g})", where="power")
    hi = (_z(1 - alpha / 2) + _z(power)) ** 2 / d**2 * (1 + 1 / ratio)
    lo = 0.0
    for _ in range(200):
        mid = (lo + hi) / 2
        if mid <= lo or mid >= hi:
            break
        if mid > 0 and power_means(mid, d, alpha=alpha, ratio=ratio) >= power:
            hi = mid
        else:
            lo = mid
    return hi


def sample_size_means(
    std: float, mde: float, *, alpha: float = 0.05, power: float = 0.8, ratio: float = 1.0
) -> dict[str, Any]:
    """Per-variant n to detect a difference ``mde`` in means with common standard deviation ``std``,
    from the exact power of the two-sided test (both tails), as statsmodels' NormalIndPower solves it.
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
    ratio = _check_ratio(ratio)
    arms = _arms(n_means(std, mde, alpha=alpha, power=power, ratio=ratio), ratio)
    out: dict[str, Any] = {
        "per_variant": arms["control"],
        "total": arms["control"] + arms["treatment"],
        "std": std,
        "mde": abs(mde),
        "alpha": alpha,
        "power": power,
    }
    if ratio != 1.0:
        out.update(ratio=ratio, per_arm=arms)
    return out
