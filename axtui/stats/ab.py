"""A/B testing: sample sizes, sample ratio mismatch, per-metric analysis, decision.

Definitions: docs/reference/statistics.md#ab-tests.

The numbers follow textbook closed forms so that a reader can check them by
hand; the p-values come from `pvalues` (plain math: scipy.stats alone would take longer to
import than a whole `--batch` replay, bench/batch.md).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from axtui.errors import InputError
from axtui.stats import ab_data, decisions, pvalues
from axtui.stats import ab_effects as fx
from axtui.stats.ab_options import DEFAULTS, ABOptions
from axtui.stats.ab_sample import Paired, Ranks, Sample
from axtui.stats.sample_size import _check_prob, _z, sample_size_means, sample_size_proportions
from axtui.values import finite as _finite

if TYPE_CHECKING:
    import polars as pl

SRM_ALPHA = 0.001


def srm(counts: Sequence[float], weights: Sequence[float] | None = None) -> dict[str, Any]:
    """Sample ratio mismatch: χ² goodness of fit of arm sizes against the planned split (default equal)."""
    obs = [float(c) for c in counts]
    if len(obs) < 2:
        raise InputError(
            "SRM needs the counts of at least two arms", where="counts", hint="e.g. --counts 5000,5100"
        )
    if not all(math.isfinite(c) and c >= 0 and c == round(c) for c in obs):
        raise InputError("counts must be non-negative whole numbers", where="counts")
    if sum(obs) == 0:
        raise InputError("all counts are zero", where="counts")
    if weights is None:
        w = [1.0] * len(obs)
    else:
        w = [float(x) for x in weights]
        if len(w) != len(obs):
            raise InputError(
                f"{len(w)} weights for {len(obs)} counts",
                where="weights",
                hint="give one weight per arm, e.g. --weights 50,50",
            )
        if not all(math.isfinite(x) and x > 0 for x in w):
            raise InputError("weights must be positive numbers", where="weights")
    total, w_total = sum(obs), sum(w)
    expected = [total * x / w_total for x in w]
    res = pvalues.chisquare(obs, expected)
    p = float(res.pvalue)
    return {"statistic": float(res.statistic), "p_value": p, "alert": bool(p < SRM_ALPHA)}


# --- analysis --------------------------------------------------------------------------------------


def _describe(x: Sample) -> dict[str, Any]:
    return {
        "n": x.n,
        "mean": _finite(x.mean) if x.n else None,
        "std": _finite(math.sqrt(x.var)) if x.n > 1 else None,
        "median": _finite(x.median) if x.n else None,
    }


def _binary_test(c: Sample, t: Sample) -> dict[str, Any]:
    nc, nt = c.n, t.n
    sc, st = c.total, t.total
    pc, pt = sc / nc, st / nt
    diff = pt - pc
    z = _z(0.975)  # the CI is always 95%; alpha only sets significance
    half = z * math.sqrt(pc * (1 - pc) / nc + pt * (1 - pt) / nt)
    out: dict[str, Any] = {"test": "chi2", "ci95": [diff - half, diff + half], "ci_method": "wald"}
    table = [[sc, nc - sc], [st, nt - st]]
    if sc + st == 0 or (nc - sc) + (nt - st) == 0:
        out.update(
            statistic=None,
            p_value=None,
            note="every row has the same outcome in both arms: the χ² test is undefined",
        )
    else:
        res = pvalues.chi2_contingency(table)  # scipy's chi2_contingency(correction=False)
        out.update(statistic=res.statistic, p_value=res.pvalue)
    return out


def _continuous_test(c: Sample, t: Sample, ranks: Ranks | None) -> dict[str, Any]:
    out: dict[str, Any] = {"test": "welch_t"}
    undefined = None
    if c.n < 2 or t.n < 2:
        undefined = "Welch's t-test needs at least two values per arm"
    elif c.m2 == 0 and t.m2 == 0:
        undefined = "both arms are constant: the t statistic is undefined"
    if undefined:
        out.update(statistic=None, p_value=None, ci95=[None, None], welch_df=None, note=undefined)
    else:
        res = pvalues.welch(t.mean, t.var, t.n, c.mean, c.var, c.n)  # scipy's ttest_ind(equal_var=False)
        out.update(
            statistic=_finite(res.statistic),
            p_value=_finite(res.pvalue),
            ci95=[_finite(res.ci_low), _finite(res.ci_high)],
            welch_df=_finite(res.df),
        )
    if ranks is not None and c.n and t.n:
        mw = pvalues.mann_whitney(ranks.rank_sum, ranks.n1, ranks.n2, ranks.tie_counts)
        out["mann_whitney"] = {"statistic": _finite(mw.statistic), "p_value": _finite(mw.pvalue)}
    return out


def pct_text(value: float | None) -> str | None:
    """A relative effect as a person reads it: +12.34% (None stays None)."""
    return None if value is None else f"{value * 100:+.2f}%"


def interval_pct_text(ci: Sequence[float | None] | None) -> str | None:
    if not ci or ci[0] is None or ci[1] is None:
        return None
    return f"[{pct_text(ci[0])}, {pct_text(ci[1])}]"


def _check_metric(arms: Mapping[str, Sample], metric: str, source: str) -> None:
    """Refuse a metric column with nothing to compare: all null, or one value in every row."""
    where = f"{source}: column {metric}"
    present = [s for s in arms.values() if s.n]
    if not present:
        raise InputError(
            f"column {metric!r} has no values (every row is null)",
            where=where,
            hint="pick a metric column with data",
        )
    first = present[0].low
    if all(s.low == first and s.high == first for s in present):
        raise InputError(
            f"column {metric!r} is constant (every value is {first:g}): there is nothing to compare",
            where=where,
            hint="check the metric column (a constant outcome cannot show a difference between arms)",
        )


def _parse_weights(
    weights: Sequence[float] | Mapping[str, float] | None, arms: list[str]
) -> list[float] | None:
    """The planned split in the order of ``arms``; a mapping names the arms, a list follows their order."""
    if weights is None:
        return None
    try:
        return _weights_in_order(weights, arms)
    except (TypeError, ValueError):
        raise InputError(
            f"--weights must be numbers (got {weights!r})",
            where="--weights",
            hint=f"one weight per arm in this order ({', '.join(arms)}), e.g. 50,50",
        ) from None


def _weights_in_order(weights: Sequence[float] | Mapping[str, float], arms: list[str]) -> list[float]:
    if isinstance(weights, Mapping):
        unknown = sorted(set(weights) - set(arms))
        missing = [a for a in arms if a not in weights]
        if unknown or missing:
            raise InputError(
                f"--weights names {', '.join(unknown) or 'no unknown arm'} and misses "
                f"{', '.join(missing) or 'no arm'}",
                where="--weights",
                hint=f"give one weight per arm: {', '.join(f'{a}=W' for a in arms)}",
            )
        return [float(weights[a]) for a in arms]
    values = [float(w) for w in weights]
    if len(values) != len(arms):
        raise InputError(
            f"--weights has {len(values)} value(s) for {len(arms)} arms ({', '.join(arms)})",
            where="--weights",
            hint=f"give one weight per arm in this order ({', '.join(arms)}), or NAME=W pairs",
        )
    return values


def _arms(events: ab_data.Events, variant_col: str, control: str) -> tuple[list[str], dict[str, int]]:
    sizes, source = events.sizes, events.source
    seen = list(sizes)
    arms = ([control] if control in sizes else []) + [a for a in seen if a != control]  # control first
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
    return arms, sizes


def _check_options(
    metrics: list[str],
    guardrails: list[str],
    covariates: Mapping[str, str],
    correction: str,
    tuning: float,
    guardrail_threshold: float | None,
) -> None:
    if not metrics:
        raise InputError("give at least one metric", where="metrics", hint="e.g. --metric converted")
    if correction not in fx.CORRECTIONS:
        raise InputError(
            f"unknown correction {correction!r}",
            where="--correction",
            hint="use one of: " + ", ".join(fx.CORRECTIONS),
        )
    if not (tuning > 0 and math.isfinite(tuning)):
        raise InputError(f"--tuning must be a positive number (got {tuning:g})", where="--tuning")
    if guardrail_threshold is not None and not (
        guardrail_threshold >= 0 and math.isfinite(guardrail_threshold)
    ):
        raise InputError(
            f"--guardrail-threshold must be a non-negative fraction (got {guardrail_threshold:g})",
            where="--guardrail-threshold",
            hint="e.g. 0.05 tolerates a 5% degradation relative to |control mean|",
        )
    for metric in covariates:
        if metric not in metrics and metric not in guardrails:
            raise InputError(
                f"--covariate names {metric!r}, which is not a --metric or --guardrail",
                where="--covariate",
                hint="use METRIC=COLUMN with METRIC one of: " + ", ".join([*metrics, *guardrails]),
            )


def analyze(
    events: str | Path | pl.DataFrame,
    *,
    variant_col: str,
    metrics: Sequence[str],
    options: ABOptions = DEFAULTS,
    sequential: bool = False,
    **changes: Any,
) -> dict[str, Any]:
    """Analyse an A/B events file: one row per unit, a variant column and one column per metric.

    The first metric is primary (the decision is taken on it); the others are secondary goal metrics
    (with the primary, the family of ``correction``); guardrails must not degrade. ``required_n`` is the
    per-variant sample size already planned (a workflow's sample-size step); without it, ``mde`` gives one
    at the control's observed rate or standard deviation. ``covariates`` maps a metric to its pre-period
    column (CUPED); ``sequential`` reports confidence sequences, valid at every peek, and the decision
    then reads them. docs/statistics.md gives every formula and the decision table.

    ``options`` holds the choices (stats/ab_options.py); keyword ``changes`` name ``ABOptions`` fields to
    change for this call (``analyze(path, variant_col="v", metrics=["y"], mde=0.02)``).
    """
    options = replace(options, **changes) if changes else options
    metrics = [*metrics, *(options.secondary or [])]
    guardrails = [g for g in dict.fromkeys(options.guardrails or []) if g not in metrics]
    covariates = dict(options.covariates or {})
    correction = str(options.correction).strip().lower()
    tuning, threshold, control = float(options.tuning), options.guardrail_threshold, options.control
    _check_options(metrics, guardrails, covariates, correction, tuning, threshold)
    alpha = _check_prob(options.alpha, "alpha")
    lower = set(options.lower_is_better or [])
    columns = list(dict.fromkeys([variant_col, *metrics, *guardrails, *covariates.values()]))
    data = ab_data.load(events, variant_col, columns, covariates)
    arms, sizes = _arms(data, variant_col, control)
    treatments = [a for a in arms if a != control]
    srm_result = srm([sizes[a] for a in arms], _parse_weights(options.weights, arms))
    srm_result["arms"] = {a: int(sizes[a]) for a in arms}
    if options.weights is not None:
        srm_result["weights"] = dict(zip(arms, _parse_weights(options.weights, arms) or [], strict=True))
    opts = _Options(alpha=alpha, sequential=bool(sequential), tuning=tuning, threshold=threshold)
    rows: list[dict[str, Any]] = []
    for role, names in (("primary", metrics[:1]), ("secondary", metrics[1:]), ("guardrail", guardrails)):
        for metric in names:
            rows.extend(
                _metric_rows(
                    data,
                    metric,
                    role,
                    control,
                    treatments,
                    covariates.get(metric),
                    metric not in lower,
                    opts,
                )
            )
    notes = _apply_correction(rows, correction, alpha)
    for row in rows:
        if row["role"] == "guardrail":
            _grade_guardrail(row, threshold)
    arm_decisions = {
        arm: _arm_decision(
            arm,
            rows,
            metrics[0],
            options.mde,
            options.mde_relative,
            alpha,
            options.power,
            options.required_n,
            bool(srm_result["alert"]),
            bool(sequential),
        )
        for arm in treatments
    }
    decision = _combine(arm_decisions)
    return {
        "srm": srm_result,
        "metrics": rows,
        "correction": correction,
        "decision": decision["decision"],
        "decision_reason": decision["reason"],
        "decision_rule": decision["rule"],
        "confidence": decision["confidence"],
        "confidence_rule": decision["confidence_rule"],
        "arms": arms,
        "control": control,
        "alpha": alpha,
        "mde": options.mde,
        "mde_relative": options.mde_relative,
        "sequential_testing": bool(sequential),
        "tuning": tuning if sequential else None,
        "notes": notes,
        "arm_decisions": arm_decisions,
    }


@dataclass(frozen=True)
class _Options:
    alpha: float
    sequential: bool
    tuning: float
    threshold: float | None


def _metric_rows(
    events: ab_data.Events,
    metric: str,
    role: str,
    control: str,
    treatments: list[str],
    covariate: str | None,
    higher_is_better: bool,
    opts: _Options,
) -> list[dict[str, Any]]:
    source = events.source
    data = events.metric(metric, control, covariate)
    values = data.arms
    _check_metric(values, metric, source)
    if control not in values:
        raise InputError(
            f"column {metric!r} has no values for the control arm {control!r}",
            where=f"{source}: column {metric}",
        )
    rows = []
    for name in treatments:
        t = values.get(name)
        if t is None or t.n == 0:
            raise InputError(
                f"column {metric!r} has no values for arm {name!r}", where=f"{source}: column {metric}"
            )
        c = values[control]
        if opts.sequential and (c.n < 2 or t.n < 2):
            raise InputError(
                f"sequential testing needs at least 2 units per arm; column {metric!r} has "
                f"{c.n} in {control!r} and {t.n} in {name!r}",
                where="--sequential",
                hint="collect more data or drop --sequential",
            )
        pair = None if data.paired is None else (data.paired[control], data.paired[name])
        facts = _ArmFacts(c, t, data.binary, data.ranks.get(name), pair)
        rows.append(_metric_row(metric, name, role, facts, opts, higher_is_better, covariate))
    return rows


@dataclass(frozen=True)
class _ArmFacts:
    """What one metric x treatment row is computed from."""

    c: Sample
    t: Sample
    binary: bool
    ranks: Ranks | None  # continuous metrics only
    pair: tuple[Paired, Paired] | None  # CUPED: control, treatment


def _metric_row(
    metric: str,
    arm_name: str,
    role: str,
    facts: _ArmFacts,
    opts: _Options,
    higher_is_better: bool,
    covariate: str | None,
) -> dict[str, Any]:
    """One metric x arm row: the §8.2 keys first, in the documented order, then the details."""
    c, t, binary = facts.c, facts.t, facts.binary
    dc, dt = _describe(c), _describe(t)
    cm, tm = c.mean, t.mean
    test = _binary_test(c, t) if binary else _continuous_test(c, t, facts.ranks)
    ac, at = fx.arm(c, binary), fx.arm(t, binary)
    rel = fx.relative_effect(ac, at)
    cuped_block = None
    if covariate and facts.pair is not None:
        cuped_block, ac, at = fx.cuped(*facts.pair, covariate=covariate)
    seq = fx.sequential(ac, at, alpha=opts.alpha, tuning=opts.tuning) if opts.sequential else None
    row: dict[str, Any] = {
        "metric": metric,
        "arm": arm_name,
        "control_mean": cm,
        "treatment_mean": tm,
        "abs_diff": tm - cm,
        "relative_lift": rel["relative_lift"],
        "ci95": test.pop("ci95"),
        "ci95_relative": rel["ci95_relative"],
        "test": test.pop("test"),
        "statistic": test.pop("statistic"),
        "p_value": test.pop("p_value"),
        "p_value_adjusted": None,
        "significant": None,
        "cuped": cuped_block,
        "sequential": seq,
        "role": role,
        "metric_type": "binary" if binary else "continuous",
        "higher_is_better": higher_is_better,
        "control_n": dc["n"],
        "treatment_n": dt["n"],
        "control_std": dc["std"],
        "treatment_std": dt["std"],
        "control_median": dc["median"],
        "treatment_median": dt["median"],
        **test,
    }
    row.update(_basis(row))
    row["relative_lift_pct"] = pct_text(row["relative_lift"])
    row["ci95_relative_pct"] = interval_pct_text(row["ci95_relative"])
    row["unit_variance"] = {"control": ac.variance, "treatment": at.variance}
    if cm == 0:
        row["relative_lift_note"] = "control mean is 0: the relative lift is undefined"
    return row


def _basis(row: dict[str, Any]) -> dict[str, Any]:
    """The estimate the decision reads: sequential > CUPED > fixed-horizon test (docs/statistics.md)."""
    effect = row["cuped"]["abs_diff"] if row["cuped"] else row["abs_diff"]
    if row["sequential"]:
        basis, source = "sequential", row["sequential"]
    elif row["cuped"]:
        basis, source = "cuped", row["cuped"]
    else:
        basis, source = "fixed_horizon", row
    return {
        "decision_basis": basis,
        "decision_effect": effect,
        "decision_ci95": source["ci95"],
        "decision_p_value": source["p_value"],
    }


def _apply_correction(rows: list[dict[str, Any]], correction: str, alpha: float) -> list[str]:
    """Adjust the goal metrics' decision p-values over metric x arm; guardrails keep theirs."""
    family = [r for r in rows if r["role"] != "guardrail"]
    adjusted = fx.adjust([r["decision_p_value"] for r in family], correction)
    for row, p in zip(family, adjusted, strict=True):
        row["p_value_adjusted"] = p
    for row in rows:
        if row["role"] == "guardrail":
            row["p_value_adjusted"] = row["decision_p_value"]
        p = row["p_value_adjusted"]
        row["significant"] = None if p is None else bool(p < alpha)
    notes = []
    if correction != "none" and len(family) == 1:
        notes.append(
            f"--correction {correction} has no effect: the family has one test "
            "(one goal metric, one treatment arm)"
        )
    return notes


def _grade_guardrail(row: dict[str, Any], threshold: float | None) -> None:
    """FAIL when the harmful change exceeds threshold x |control mean| and the interval excludes 0;
    with a zero control mean, when the interval lies entirely on the harmful side."""
    lo, hi = row["decision_ci95"]
    effect = row["decision_effect"]
    harm = -effect if row["higher_is_better"] else effect
    t = threshold or 0.0
    if lo is None or hi is None:
        status, rule = "UNTESTED", "the interval is undefined (too few or constant values): cannot pass"
    else:
        harmful_side = hi < 0 if row["higher_is_better"] else lo > 0
        cm = row["control_mean"]
        if cm == 0:
            failed = harmful_side
            rule = "control mean is 0: fails when the interval of the difference is entirely harmful"
        else:
            failed = harmful_side and harm / abs(cm) > t
            rule = f"fails when the harmful change exceeds {t:g} x |control mean| and the interval excludes 0"
        status = "FAIL" if failed else "PASS"
    row["guardrail_status"] = status
    row["guardrail_threshold"] = threshold
    row["guardrail_harm_relative"] = harm / abs(row["control_mean"]) if row["control_mean"] else None
    row["guardrail_rule"] = rule


def _arm_decision(
    arm_name: str,
    rows: list[dict[str, Any]],
    primary: str,
    mde: float | None,
    mde_relative: bool,
    alpha: float,
    power: float,
    required_n: int | None,
    srm_alert: bool,
    sequential: bool,
) -> dict[str, Any]:
    row = next(r for r in rows if r["metric"] == primary and r["arm"] == arm_name)
    guard = [r for r in rows if r["arm"] == arm_name and r["role"] == "guardrail"]
    failed = [r["metric"] for r in guard if r["guardrail_status"] != "PASS"]
    effect = row["decision_effect"]
    good = effect if row["higher_is_better"] else -effect
    mde_abs = None
    if mde is not None:
        mde_abs = abs(float(mde) * row["control_mean"]) if mde_relative else abs(float(mde))
    if good < 0:
        impact = "negative"
    elif good > 0 and (mde_abs is None or good >= mde_abs):
        impact = "positive"
    else:
        impact = "none"
    if required_n is not None:
        required, source = int(required_n), "planned"
    else:
        required = _required_n(row, mde_abs, alpha, power) if mde_abs else None
        source = "computed from the MDE at the observed control" if required else None
    have = min(row["control_n"], row["treatment_n"])
    adequate = None if required is None else have >= required
    out = decisions.ab_decision(
        significant=row["significant"],
        impact=impact,
        guardrails_pass=not failed,
        sample_adequate=adequate,
        srm_alert=srm_alert,
        sequential=sequential,
    )
    extra = {
        "failed_guardrails": failed,
        "required_per_variant": required,
        "required_source": source,
        "smaller_arm_n": have,
        "mde_abs": mde_abs,
        "p_value_adjusted": row["p_value_adjusted"],
        "effect": effect,
        "decision_basis": row["decision_basis"],
    }
    out["inputs"].update(extra)
    out["rule"]["inputs"].update(extra)
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


_PRIORITY = ("INVALID", "SHIP", "ROLLBACK", "EXTEND", "NO_SHIP")


def _combine(arm_decisions: Mapping[str, dict[str, Any]]) -> dict[str, Any]:
    """One decision for the experiment: INVALID (SRM), else SHIP if any arm ships, else ROLLBACK, EXTEND,
    NO_SHIP (arms named)."""
    for verdict in _PRIORITY:
        hits = [a for a, d in arm_decisions.items() if d["decision"] == verdict]
        if hits:
            first = arm_decisions[hits[0]]
            reason = first["reason"]
            if len(arm_decisions) > 1:
                reason = f"{verdict} for arm(s) {', '.join(hits)}: {reason}"
            rule = dict(first["rule"], arm=hits[0])
            return {
                "decision": verdict,
                "reason": reason,
                "rule": rule,
                "confidence": first["confidence"],
                "confidence_rule": first["confidence_rule"],
            }
    raise AssertionError("unreachable: every arm has a decision")


# --- early stopping (the ml-ab-testing health check) --------------------------------------------


def early_stopping(
    events: str | Path | pl.DataFrame,
    *,
    variant_col: str,
    metric: str,
    treatment: str | None = None,
    options: ABOptions = DEFAULTS,
    planned_sequential: bool = True,
    **changes: Any,
) -> dict[str, Any]:
    """Can we stop early? From confidence sequences (valid at every peek) for the primary metric and
    the guardrails of one treatment arm.

    ``planned_sequential`` is the experiment's analysis plan. Stopping for a winner is a decision taken on
    the sequence, so it is open only to a sequential plan: under a fixed-horizon plan a conclusive
    sequence is reported (``sequence_conclusive``) but the verdict stays CONTINUE, in step with the
    decision table's EXTEND for an underpowered fixed-horizon test. Stopping for harm is open to both.

    Stop for a winner when the primary's sequential p-value is below α; stop for harm when a guardrail's
    sequence lies entirely on the harmful side beyond the threshold; otherwise continue. The projected
    final sample is the total N at which the primary's 95% sequence narrows to the MDE (or, without
    one, to the observed effect) at the current variances and split. ``secondary`` and ``correction``
    give the same family as the analysis, so the primary's sequential p-value is adjusted the same way.
    """
    options = replace(options, **changes) if changes else options
    out = analyze(events, variant_col=variant_col, metrics=[metric], options=options, sequential=True)
    control, alpha, tuning = options.control, options.alpha, float(options.tuning)
    arm_name = treatment or next(a for a in out["arms"] if a != control)
    rows = [r for r in out["metrics"] if r["arm"] == arm_name]
    if not rows:
        raise InputError(
            f"treatment arm {arm_name!r} not found in column {variant_col!r}",
            where=f"column {variant_col}",
            hint="the arms are: " + ", ".join(out["arms"]),
        )
    primary = rows[0]
    rows = [primary, *(r for r in rows if r["role"] == "guardrail")]
    guards = [
        {
            "metric": r["metric"],
            "sequential_p_value": r["sequential"]["p_value"],
            "ci95": r["sequential"]["ci95"],
            "ci95_relative": r["sequential"]["ci95_relative"],
            "status": r["guardrail_status"],
            "stop_for_harm": r["guardrail_status"] == "FAIL",
        }
        for r in rows[1:]
    ]
    mde_abs = out["arm_decisions"][arm_name]["inputs"]["mde_abs"]
    target = mde_abs or abs(primary["decision_effect"]) or None
    c = fx.Arm(primary["control_n"], 0.0, primary["unit_variance"]["control"], 0.0)
    t = fx.Arm(primary["treatment_n"], 0.0, primary["unit_variance"]["treatment"], 0.0)
    projected = fx.projected_total(c, t, mde_abs=target, alpha=alpha, tuning=tuning)
    current = primary["control_n"] + primary["treatment_n"]
    winner = bool(primary["significant"])
    harm = [g["metric"] for g in guards if g["stop_for_harm"]]
    if out["srm"]["alert"]:
        verdict, reason = "INVESTIGATE", "sample ratio mismatch: fix the assignment before reading any result"
    elif harm:
        verdict, reason = (
            "STOP_FOR_HARM",
            "guardrail(s) " + ", ".join(harm) + " degraded beyond the threshold",
        )
    elif winner and planned_sequential:
        verdict, reason = "STOP", "the primary's confidence sequence excludes 0 (valid at every peek)"
    elif winner:
        verdict, reason = (
            "CONTINUE",
            "the primary's confidence sequence excludes 0, but the plan is fixed-horizon (sequential off): "
            "a winner is called at the planned sample, or from the sequence only with sequential on",
        )
    else:
        verdict, reason = "CONTINUE", "no confidence sequence is conclusive yet"
    return {
        "can_stop_early": verdict in ("STOP", "STOP_FOR_HARM"),
        "verdict": verdict,
        "plan": "sequential" if planned_sequential else "fixed_horizon",
        "sequence_conclusive": winner,
        "reason": reason,
        "arm": arm_name,
        "primary": {
            "metric": metric,
            "sequential_p_value": primary["sequential"]["p_value"],
            "sequential_p_value_adjusted": primary["p_value_adjusted"],
            "correction": out["correction"],
            "ci95": primary["sequential"]["ci95"],
            "ci95_relative": primary["sequential"]["ci95_relative"],
            "relative_lift": primary["cuped"]["relative_lift"]
            if primary["cuped"]
            else primary["relative_lift"],
            "confidence_level": None
            if primary["p_value_adjusted"] is None
            else 1.0 - primary["p_value_adjusted"],
        },
        "guardrails": guards,
        "current_total": current,
        "projected_total": projected,
        "projected_per_arm": None
        if projected is None
        else {
            "control": math.ceil(projected * c.n / current),
            "treatment": math.ceil(projected * t.n / current),
        },
        "projection_target_effect": target,
        "tuning": tuning,
        "alpha": alpha,
        "srm_alert": out["srm"]["alert"],
    }
