"""A/B testing: sample sizes, sample ratio mismatch, per-metric analysis, decision.

Definitions: docs/reference/statistics.md#ab-tests.

The numbers follow textbook closed forms so that a reader can check them by
hand; scipy is imported inside the functions that need it (the CLI must start
without it).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from axtui.errors import InputError
from axtui.stats import decisions
from axtui.stats.io import read_table, require_columns
from axtui.stats.sample_size import _check_prob, _z, sample_size_means, sample_size_proportions
from axtui.values import finite as _finite

SRM_ALPHA = 0.001


def srm(counts: Sequence[float], weights: Sequence[float] | None = None) -> dict[str, Any]:
    """Sample ratio mismatch: χ² goodness of fit of arm sizes against the planned split (default equal)."""
    from scipy import stats

    obs = np.asarray([float(c) for c in counts], dtype=float)
    if obs.size < 2:
        raise InputError(
            "SRM needs the counts of at least two arms", where="counts", hint="e.g. --counts 5000,5100"
        )
    if not np.all(np.isfinite(obs)) or np.any(obs < 0) or np.any(obs != np.round(obs)):
        raise InputError("counts must be non-negative whole numbers", where="counts")
    if obs.sum() == 0:
        raise InputError("all counts are zero", where="counts")
    if weights is None:
        w = np.ones_like(obs)
    else:
        w = np.asarray([float(x) for x in weights], dtype=float)
        if w.size != obs.size:
            raise InputError(
                f"{w.size} weights for {obs.size} counts",
                where="weights",
                hint="give one weight per arm, e.g. --weights 50,50",
            )
        if not np.all(np.isfinite(w)) or np.any(w <= 0):
            raise InputError("weights must be positive numbers", where="weights")
    expected = obs.sum() * w / w.sum()
    res = stats.chisquare(obs, expected)
    p = float(res.pvalue)
    return {"statistic": float(res.statistic), "p_value": p, "alert": bool(p < SRM_ALPHA)}


# --- analysis --------------------------------------------------------------------------------------


def _is_binary(values: np.ndarray) -> bool:
    return values.size > 0 and bool(np.all((values == 0) | (values == 1)))


def _arm_values(frame: pl.DataFrame, variant_col: str, metric: str, source: str) -> dict[str, np.ndarray]:
    dtype = frame.schema[metric]
    if dtype == pl.Boolean:
        column = pl.col(metric).cast(pl.Int8)
    elif dtype.is_numeric():
        column = pl.col(metric)
    else:
        raise InputError(
            f"column {metric!r} is {dtype}, not numeric",
            where=f"{source}: column {metric}",
            hint="A/B metrics must be numbers (0/1 for conversions)",
        )
    sub = frame.select(pl.col(variant_col), column.cast(pl.Float64).alias(metric)).drop_nulls()
    out: dict[str, np.ndarray] = {}
    for (arm,), part in sub.group_by(variant_col, maintain_order=True):
        values = part[metric].to_numpy()
        if not np.all(np.isfinite(values)):
            raise InputError(
                f"column {metric!r} has infinite or NaN values in arm {arm!r}",
                where=f"{source}: column {metric}",
                hint="clean or drop those rows",
            )
        out[str(arm)] = values
    return out


def _describe(x: np.ndarray) -> dict[str, Any]:
    return {
        "n": int(x.size),
        "mean": _finite(x.mean()) if x.size else None,
        "std": _finite(x.std(ddof=1)) if x.size > 1 else None,
        "median": _finite(np.median(x)) if x.size else None,
    }


def _binary_test(c: np.ndarray, t: np.ndarray) -> dict[str, Any]:
    from scipy import stats

    nc, nt = c.size, t.size
    sc, st = float(c.sum()), float(t.sum())
    pc, pt = sc / nc, st / nt
    diff = pt - pc
    z = _z(0.975)  # the CI is always 95%; alpha only sets significance
    half = z * math.sqrt(pc * (1 - pc) / nc + pt * (1 - pt) / nt)
    out: dict[str, Any] = {"test": "chi2", "ci95": [diff - half, diff + half], "ci_method": "wald"}
    table = np.array([[sc, nc - sc], [st, nt - st]])
    if np.any(table.sum(axis=0) == 0):
        out.update(
            statistic=None,
            p_value=None,
            note="every row has the same outcome in both arms: the χ² test is undefined",
        )
    else:
        chi2, p, _, _ = stats.chi2_contingency(table, correction=False)
        out.update(statistic=float(chi2), p_value=float(p))
    return out


def _continuous_test(c: np.ndarray, t: np.ndarray) -> dict[str, Any]:
    from scipy import stats

    out: dict[str, Any] = {"test": "welch_t"}
    if c.size < 2 or t.size < 2:
        out.update(
            statistic=None,
            p_value=None,
            ci95=[None, None],
            welch_df=None,
            note="Welch's t-test needs at least two values per arm",
        )
    elif c.var() == 0 and t.var() == 0:
        out.update(
            statistic=None,
            p_value=None,
            ci95=[None, None],
            welch_df=None,
            note="both arms are constant: the t statistic is undefined",
        )
    else:
        res = stats.ttest_ind(t, c, equal_var=False)
        ci = res.confidence_interval(confidence_level=0.95)
        out.update(
            statistic=_finite(res.statistic),
            p_value=_finite(res.pvalue),
            ci95=[_finite(ci.low), _finite(ci.high)],
            welch_df=_finite(res.df),
        )
    if c.size and t.size:
        mw = stats.mannwhitneyu(t, c, alternative="two-sided")
        out["mann_whitney"] = {"statistic": _finite(mw.statistic), "p_value": _finite(mw.pvalue)}
    return out


def _load(events: str | Path | pl.DataFrame, columns: list[str]) -> tuple[pl.DataFrame, str]:
    if isinstance(events, pl.DataFrame):
        require_columns("<data>", events.columns, columns)
        return events.select(columns), "<data>"
    return read_table(events, columns=columns), str(events)


def analyze(
    events: str | Path | pl.DataFrame,
    *,
    variant_col: str,
    metrics: Sequence[str],
    control: str = "control",
    guardrails: Sequence[str] | None = None,
    lower_is_better: Sequence[str] | None = None,
    guardrail_threshold: float | None = None,
    alpha: float = 0.05,
    mde: float | None = None,
    mde_relative: bool = False,
    power: float = 0.8,
) -> dict[str, Any]:
    """Analyse an A/B events file: one row per unit, a variant column and one column per metric.

    The first metric is the primary one (the decision is taken on it); the others are secondary.
    A guardrail fails when its treatment value is significantly worse than control; with
    ``guardrail_threshold`` (a relative tolerance such as 0.05) it fails instead when the point estimate
    is worse by more than that fraction, significant or not.
    ``mde`` (absolute, or relative with ``mde_relative``) is the practical-significance bar and the
    basis for EXTEND: a non-significant result is extended while the smaller arm is below the
    per-variant sample size needed for that MDE.
    """
    metrics = list(metrics)
    guardrails = list(guardrails or [])
    if not metrics:
        raise InputError("give at least one metric", where="metrics", hint="e.g. --metric converted")
    alpha = _check_prob(alpha, "alpha")
    lower = set(lower_is_better or [])
    columns = list(dict.fromkeys([variant_col, *metrics, *guardrails]))
    frame, source = _load(events, columns)
    arm_sizes_frame = (
        frame.filter(pl.col(variant_col).is_not_null()).group_by(variant_col, maintain_order=True).len()
    )
    arms = [str(a) for a in arm_sizes_frame[variant_col].to_list()]
    sizes = dict(zip(arms, arm_sizes_frame["len"].to_list(), strict=True))
    if len(arms) < 2:
        raise InputError(
            f"column {variant_col!r} has only one arm ({', '.join(arms) or 'none'})",
            where=f"{source}: column {variant_col}",
            hint="an A/B file needs rows for the control and at least one treatment",
        )
    if control not in sizes:
        raise InputError(
            f"control arm {control!r} not found in column {variant_col!r}",
            where=f"{source}: column {variant_col}",
            hint=f"the arms are: {', '.join(arms)}; pass --control NAME",
        )
    treatments = [a for a in arms if a != control]
    srm_result = srm([sizes[a] for a in arms])
    srm_result["arms"] = {a: int(sizes[a]) for a in arms}

    rows: list[dict[str, Any]] = []
    for role, names in (("primary", metrics[:1]), ("secondary", metrics[1:]), ("guardrail", guardrails)):
        for metric in names:
            values = _arm_values(frame, variant_col, metric, source)
            if control not in values:
                raise InputError(
                    f"column {metric!r} has no values for the control arm {control!r}",
                    where=f"{source}: column {metric}",
                )
            c = values[control]
            binary = _is_binary(np.concatenate(list(values.values())))
            for arm in treatments:
                t = values.get(arm, np.empty(0))
                if t.size == 0:
                    raise InputError(
                        f"column {metric!r} has no values for arm {arm!r}", where=f"{source}: column {metric}"
                    )
                rows.append(
                    _metric_row(
                        metric,
                        arm,
                        role,
                        c,
                        t,
                        binary,
                        alpha,
                        higher_is_better=metric not in lower,
                        threshold=guardrail_threshold if role == "guardrail" else None,
                    )
                )

    arm_decisions = {
        arm: _arm_decision(arm, rows, metrics[0], mde, mde_relative, alpha, power) for arm in treatments
    }
    decision = _combine(arm_decisions)
    return {
        "srm": srm_result,
        "metrics": rows,
        "arms": arms,
        "control": control,
        "alpha": alpha,
        "mde": mde,
        "mde_relative": mde_relative,
        "decision": decision["decision"],
        "decision_reason": decision["reason"],
        "arm_decisions": arm_decisions,
    }


def _metric_row(
    metric: str,
    arm: str,
    role: str,
    c: np.ndarray,
    t: np.ndarray,
    binary: bool,
    alpha: float,
    *,
    higher_is_better: bool,
    threshold: float | None,
) -> dict[str, Any]:
    dc, dt = _describe(c), _describe(t)
    cm, tm = float(c.mean()), float(t.mean())
    diff = tm - cm
    test = _binary_test(c, t) if binary else _continuous_test(c, t)
    p = test.get("p_value")
    row: dict[str, Any] = {
        "metric": metric,
        "arm": arm,
        "role": role,
        "metric_type": "binary" if binary else "continuous",
        "higher_is_better": higher_is_better,
        "control_mean": cm,
        "treatment_mean": tm,
        "abs_diff": diff,
        "relative_lift": diff / cm if cm != 0 else None,
        "ci95": test.pop("ci95"),
        "test": test.pop("test"),
        "statistic": test.pop("statistic"),
        "p_value": test.pop("p_value"),
        "significant": None if p is None else bool(p < alpha),
        "control_n": dc["n"],
        "treatment_n": dt["n"],
        "control_std": dc["std"],
        "treatment_std": dt["std"],
        "control_median": dc["median"],
        "treatment_median": dt["median"],
        **test,
    }
    if cm == 0:
        row["relative_lift_note"] = "control mean is 0: the relative lift is undefined"
    if role == "guardrail":
        worse_by = -row["relative_lift"] if higher_is_better else row["relative_lift"]
        worse_sig = bool(row["significant"]) and (diff < 0 if higher_is_better else diff > 0)
        if threshold is None:
            failed = worse_sig
        else:  # a tolerance: only a degradation beyond it fails, significant or not
            failed = worse_by is not None and worse_by > threshold
        row["guardrail_status"] = "FAIL" if failed else "PASS"
        row["guardrail_threshold"] = threshold
    return row


def _arm_decision(
    arm: str,
    rows: list[dict[str, Any]],
    primary: str,
    mde: float | None,
    mde_relative: bool,
    alpha: float,
    power: float,
) -> dict[str, Any]:
    row = next(r for r in rows if r["metric"] == primary and r["arm"] == arm)
    guard = [r for r in rows if r["arm"] == arm and r["role"] == "guardrail"]
    failed = [r["metric"] for r in guard if r["guardrail_status"] == "FAIL"]
    good = row["abs_diff"] if row["higher_is_better"] else -row["abs_diff"]
    mde_abs = None
    if mde is not None:
        mde_abs = abs(float(mde) * row["control_mean"]) if mde_relative else abs(float(mde))
    if good < 0:
        impact = "negative"
    elif good > 0 and (mde_abs is None or good >= mde_abs):
        impact = "positive"
    else:
        impact = "none"
    required = _required_n(row, mde_abs, alpha, power) if mde_abs else None
    have = min(row["control_n"], row["treatment_n"])
    adequate = None if required is None else have >= required
    out = decisions.ab_decision(
        significant=row["significant"], impact=impact, guardrails_pass=not failed, sample_adequate=adequate
    )
    out["inputs"].update(
        failed_guardrails=failed, required_per_variant=required, smaller_arm_n=have, mde_abs=mde_abs
    )
    return out


def _required_n(row: dict[str, Any], mde_abs: float, alpha: float, power: float) -> int | None:
    """Per-variant n for the MDE at the control's observed rate (binary) or standard deviation."""
    try:
        if row["metric_type"] == "binary":
            return sample_size_proportions(row["control_mean"], mde_abs, alpha=alpha, power=power)[
                "per_variant"
            ]
        if row["control_std"]:
            return sample_size_means(row["control_std"], mde_abs, alpha=alpha, power=power)["per_variant"]
    except InputError:
        return None
    return None


def _combine(arm_decisions: Mapping[str, dict[str, Any]]) -> dict[str, str]:
    """One decision for the experiment: SHIP if any arm ships, else ROLLBACK, EXTEND, NO_SHIP (arms named)."""
    if len(arm_decisions) == 1:
        (only,) = arm_decisions.values()
        return {"decision": only["decision"], "reason": only["reason"]}
    for verdict in ("SHIP", "ROLLBACK", "EXTEND", "NO_SHIP"):
        hits = [a for a, d in arm_decisions.items() if d["decision"] == verdict]
        if hits:
            return {
                "decision": verdict,
                "reason": f"{verdict} for arm(s) {', '.join(hits)}: " + arm_decisions[hits[0]]["reason"],
            }
    raise AssertionError("unreachable: every arm has a decision")
