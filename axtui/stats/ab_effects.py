"""Effect estimates for A/B analysis (docs/statistics.md, "A/B effects"), in GrowthBook's gbstats conventions.

Pure functions over per-arm summaries (`ab_sample`): per-unit variances, Welch
degrees of freedom, the delta-method relative interval, CUPED (regression
adjustment on a pre-period covariate), asymptotic confidence sequences for
sequential testing, and Holm / Benjamini-Hochberg adjusted p-values. They are
kept apart from ``ab.py`` (file reading, rows, decisions) so that each formula
can be checked against gbstats on its own. t quantiles and tails come from `pvalues` (no scipy).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from axtui.stats import pvalues
from axtui.stats.ab_sample import Paired, Sample, pooled, pooled_comoment

CI_ALPHA = 0.05  # every interval reported is 95%; the analysis alpha only sets significance


@dataclass(frozen=True)
class Arm:
    """One arm's summary for one metric: n, mean and per-unit variance (gbstats conventions)."""

    n: int
    mean: float
    variance: float
    unadjusted_mean: float


def unit_variance(values: Sample, binary: bool) -> float:
    """p(1 - p) for a 0/1 metric (no n - 1, as gbstats' ProportionStatistic), else the n - 1 variance."""
    if binary:
        p = values.mean
        return p * (1.0 - p)
    return values.var


def arm(values: Sample, binary: bool) -> Arm:
    mean = values.mean
    return Arm(n=values.n, mean=mean, variance=unit_variance(values, binary), unadjusted_mean=mean)


def welch_dof(c: Arm, t: Arm) -> float | None:
    """Welch-Satterthwaite degrees of freedom on v/n per arm (None when undefined)."""
    if c.n < 2 or t.n < 2:
        return None
    vc, vt = c.variance / c.n, t.variance / t.n
    den = vt**2 / (t.n - 1) + vc**2 / (c.n - 1)
    return (vt + vc) ** 2 / den if den > 0 else None


def abs_variance(c: Arm, t: Arm) -> float:
    return t.variance / t.n + c.variance / c.n


def rel_variance(c: Arm, t: Arm) -> float | None:
    """Delta method: v_t/(c²·n_t) + v_c·t²/(c⁴·n_c) with c, t the unadjusted means."""
    cm, tm = c.unadjusted_mean, t.unadjusted_mean
    if cm == 0:
        return None
    return t.variance / (cm**2 * t.n) + c.variance * tm**2 / (cm**4 * c.n)


def _t_interval(effect: float, variance: float, dof: float | None) -> tuple[list[float | None], float | None]:
    """A symmetric 95% Welch interval and the two-sided p-value of effect / √variance."""
    if dof is None or not variance > 0 or not math.isfinite(variance):
        return [None, None], None
    se = math.sqrt(variance)
    half = pvalues.t_ppf(1 - CI_ALPHA / 2, dof) * se  # scipy's t.ppf / t.sf, without importing scipy
    p = pvalues.t_two_sided(abs(effect) / se, dof)
    return [effect - half, effect + half], min(1.0, p)


def relative_effect(c: Arm, t: Arm) -> dict[str, Any]:
    """(t - c)/c_unadjusted with its delta-method 95% interval and p-value (None when c = 0)."""
    var = rel_variance(c, t)
    if var is None:
        return {"relative_lift": None, "ci95_relative": [None, None], "p_value_relative": None}
    effect = (t.mean - c.mean) / c.unadjusted_mean
    ci, p = _t_interval(effect, var, welch_dof(c, t))
    return {"relative_lift": effect, "ci95_relative": ci, "p_value_relative": p, "variance_relative": var}


# --- CUPED ---------------------------------------------------------------------------------------


def _cov(comoment: float, n: int) -> float:
    return comoment / (n - 1) if n > 1 else 0.0


def cuped_theta(c: Paired, t: Paired) -> float:
    """θ = cov(Y, X) / var(X) over both arms pooled; 0 when either pooled variance is 0 (gbstats)."""
    y, x = pooled(c.y, t.y), pooled(c.x, t.x)
    var_x = unit_variance(x, x.binary)
    var_y = unit_variance(y, y.binary)
    if var_x == 0 or var_y == 0:
        return 0.0
    return _cov(pooled_comoment(c, t), y.n) / var_x


def cuped_arm(pair: Paired, theta: float, y_binary: bool, x_binary: bool) -> Arm:
    """Adjusted mean mean(Y) − θ·mean(X) (not re-centred) and variance v_Y + θ²v_X − 2θ·cov_XY."""
    vy, vx = unit_variance(pair.y, y_binary), unit_variance(pair.x, x_binary)
    var = vy + theta**2 * vx - 2 * theta * _cov(pair.comoment, pair.y.n)
    ym = pair.y.mean
    return Arm(n=pair.y.n, mean=ym - theta * pair.x.mean, variance=var, unadjusted_mean=ym)


def cuped(c: Paired, t: Paired, *, covariate: str) -> tuple[dict[str, Any], Arm, Arm]:
    """The ``cuped`` block of a metric row and the adjusted arms (for the sequential interval)."""
    y_bin = c.y.binary and t.y.binary
    x_bin = c.x.binary and t.x.binary
    theta = cuped_theta(c, t)
    plain_c, plain_t = arm(c.y, y_bin), arm(t.y, y_bin)
    if theta == 0:  # gbstats reverts to the unadjusted statistic
        ac, at = plain_c, plain_t
    else:
        ac = cuped_arm(c, theta, y_bin, x_bin)
        at = cuped_arm(t, theta, y_bin, x_bin)
    effect = at.mean - ac.mean
    var = abs_variance(ac, at)
    ci, p = _t_interval(effect, var, welch_dof(ac, at))
    rel = relative_effect(ac, at)
    base_var = abs_variance(plain_c, plain_t)
    block = {
        "covariate": covariate,
        "theta": theta,
        "abs_diff": effect,
        "ci95": ci,
        "p_value": p,
        "relative_lift": rel["relative_lift"],
        "ci95_relative": rel["ci95_relative"],
        "variance_reduction": var / base_var if base_var > 0 else None,
    }
    return block, ac, at


# --- sequential testing --------------------------------------------------------------------------


def rho(alpha: float, tuning: float) -> float:
    """ρ = √((−2 ln α + ln(−2 ln α + 1)) / tuning) (Waudby-Smith et al., eq. 161)."""
    return math.sqrt((-2 * math.log(alpha) + math.log(-2 * math.log(alpha) + 1)) / tuning)


def cs_half_width(variance: float, n_total: int, alpha: float, tuning: float) -> float:
    """Half-width of the asymptotic confidence sequence (eq. 9): normal, no dof."""
    r = rho(alpha, tuning)
    s2 = variance * n_total
    nr2p1 = n_total * r**2 + 1
    return math.sqrt(s2) * math.sqrt(2 * nr2p1 * math.log(math.sqrt(nr2p1) / alpha) / (n_total * r) ** 2)


def cs_p_value(effect: float, variance: float, n_total: int, alpha: float, tuning: float) -> float:
    """Always-valid p = min(1, 1/e), e = exp(ρ²·st²/(2(Nρ²+1))) / √(Nρ²+1) (eq. 155), in logs."""
    r = rho(alpha, tuning)
    st2 = effect**2 * n_total / variance
    tr2p1 = n_total * r**2 + 1
    log_e = r**2 * st2 / (2 * tr2p1) - 0.5 * math.log(tr2p1)
    return 1.0 if log_e <= 0 else math.exp(-log_e)


def sequential(c: Arm, t: Arm, *, alpha: float, tuning: float) -> dict[str, Any]:
    """The ``sequential`` block: 95% confidence sequences and always-valid p-values, absolute and relative.

    The intervals use α = 0.05 (they are 95% sequences); the p-values use ρ at the analysis α, as gbstats
    does with that α configured.
    """
    n_total = c.n + t.n
    effect = t.mean - c.mean
    var = abs_variance(c, t)
    out: dict[str, Any] = {"tuning": tuning, "ci95": [None, None], "p_value": None}
    if var > 0:
        half = cs_half_width(var, n_total, CI_ALPHA, tuning)
        out["ci95"] = [effect - half, effect + half]
        out["p_value"] = cs_p_value(effect, var, n_total, alpha, tuning)
    rel_var = rel_variance(c, t)
    out["ci95_relative"], out["p_value_relative"] = [None, None], None
    if rel_var is not None and rel_var > 0:
        rel = effect / c.unadjusted_mean
        half = cs_half_width(rel_var, n_total, CI_ALPHA, tuning)
        out["ci95_relative"] = [rel - half, rel + half]
        out["p_value_relative"] = cs_p_value(rel, rel_var, n_total, alpha, tuning)
    return out


def projected_total(c: Arm, t: Arm, *, mde_abs: float | None, alpha: float, tuning: float) -> int | None:
    """Smallest total N at which the confidence sequence's half-width falls to the MDE, at the current
    per-unit variances and split (None without an MDE or variance). Half-width decreases in N, so a
    doubling search then bisection finds it exactly."""
    if not mde_abs or c.n + t.n == 0:
        return None
    share_t = t.n / (c.n + t.n)
    if not 0 < share_t < 1:
        return None

    def width(n_total: int) -> float:
        nt, nc = n_total * share_t, n_total * (1 - share_t)
        var = t.variance / nt + c.variance / nc
        return cs_half_width(var, n_total, CI_ALPHA, tuning) if var > 0 else 0.0

    hi = max(2, c.n + t.n)
    while width(hi) > abs(mde_abs):
        hi *= 2
        if hi > 10**13:
            return None
    lo = 1
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if width(mid) > abs(mde_abs):
            lo = mid
        else:
            hi = mid
    return hi


# --- multiple testing ----------------------------------------------------------------------------

CORRECTIONS = ("none", "holm", "bh")


def adjust(p_values: Sequence[float | None], method: str) -> list[float | None]:
    """Holm-Bonferroni or Benjamini-Hochberg adjusted p-values (undefined p-values stay None, outside
    the family)."""
    idx = [i for i, p in enumerate(p_values) if p is not None]
    out: list[float | None] = [None] * len(p_values)
    m = len(idx)
    if method == "none" or m == 0:
        return list(p_values)
    order = sorted(idx, key=lambda i: p_values[i])  # type: ignore[arg-type,return-value]
    if method == "holm":
        running = 0.0
        for rank, i in enumerate(order):
            running = max(running, min(1.0, (m - rank) * float(p_values[i])))  # type: ignore[arg-type]
            out[i] = running
    elif method == "bh":
        running = 1.0
        for rank in range(m - 1, -1, -1):
            i = order[rank]
            running = min(running, m / (rank + 1) * float(p_values[i]))  # type: ignore[arg-type]
            out[i] = min(1.0, running)
    else:
        raise ValueError(method)
    return out
