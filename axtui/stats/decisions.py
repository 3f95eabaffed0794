"""The PRD's decision tables (docs/reference/statistics.md#decisions) as plain functions.

A verdict such as PROMOTE or RETRAIN_URGENT is what a reader acts on, so it is
computed here from numbers, never guessed by a persona. Every function returns
``{"decision", "reason", "inputs"}``: the reason says which row of the table
fired, and the inputs echo what the table was given so a report can show it.
Cells the seed leaves open are decided here and documented in
docs/statistics.md.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from axtui.errors import InputError
from axtui.values import parse_number as _number

LEVELS = ("none", "moderate", "significant")
# Drift alert levels (§8.1) and degradation statuses read as the monitoring matrix's levels.
_LEVEL_ALIASES = {
    "none": "none",
    "no": "none",
    "green": "none",
    "ok": "none",
    "false": "none",
    "moderate": "moderate",
    "yellow": "moderate",
    "warn": "moderate",
    "warning": "moderate",
    "significant": "significant",
    "red": "significant",
    "alert": "significant",
    "high": "significant",
}

# OK within 5% of baseline, WARN for a 5-10% degradation, ALERT beyond 10% (ml-model-monitoring).
WARN_PCT = 5.0
ALERT_PCT = 10.0

# Metric names where a smaller number is better, used when the caller does not say.
_LOWER_IS_BETTER_WORDS = (
    "loss",
    "error",
    "mse",
    "rmse",
    "mae",
    "mape",
    "latency",
    "fpr",
    "fnr",
    "brier",
    "perplexity",
    "cost",
    "time",
    "duration",
)


def _result(decision: str, reason: str, inputs: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"decision": decision, "reason": reason, "inputs": inputs, **extra}


def level(value: Any, *, name: str) -> str:
    """Read a drift or performance-drop level, accepting the alert colours and statuses as synonyms."""
    text = str(value).strip().lower() if value is not None else "none"
    if text not in _LEVEL_ALIASES:
        raise InputError(
            f"{name} must be one of none, moderate, significant (got {value!r})",
            where=name,
            hint="GREEN/YELLOW/RED and OK/WARN/ALERT are accepted too",
        )
    return _LEVEL_ALIASES[text]


def lower_is_better_by_name(metric: str) -> bool:
    """Guess a metric's direction from its name (loss, error, latency... are lower-is-better)."""
    words = metric.lower().replace("-", "_").split("_")
    return any(w in _LOWER_IS_BETTER_WORDS for w in words) or metric.lower() in _LOWER_IS_BETTER_WORDS


def metric_higher_is_better(metric: str, spec: bool | Mapping[str, bool] | None) -> bool:
    if isinstance(spec, Mapping):
        if metric in spec:
            return bool(spec[metric])
        return not lower_is_better_by_name(metric)
    if spec is None:
        return not lower_is_better_by_name(metric)
    return bool(spec)


# --- experiment comparison (ml-experiment-tracker: PROMOTE / ITERATE / REJECT) -------------------


def experiment_decision(
    *,
    improvement: float,
    significant: bool | None,
    min_improvement: float = 0.0,
    relative_improvement: float | None = None,
    min_relative_improvement: float | None = None,
) -> dict[str, Any]:
    """PROMOTE a significant improvement that meets the success criteria; REJECT no improvement or a
    regression; ITERATE anything promising in between.

    ``improvement`` is signed in the good direction (positive = better), in the primary metric's units.
    """
    inputs = {
        "improvement": improvement,
        "significant": significant,
        "min_improvement": min_improvement,
        "relative_improvement": relative_improvement,
        "min_relative_improvement": min_relative_improvement,
    }
    if improvement is None or not math.isfinite(improvement):
        raise InputError("the improvement must be a finite number", where="improvement")
    if improvement <= 0:
        kind = (
            "a significant regression"
            if (improvement < 0 and significant)
            else ("a regression" if improvement < 0 else "no improvement")
        )
        return _result("REJECT", f"the candidate shows {kind} on the primary metric", inputs)
    meets_abs = improvement >= min_improvement
    meets_rel = min_relative_improvement is None or (
        relative_improvement is not None and relative_improvement >= min_relative_improvement
    )
    if significant is True and meets_abs and meets_rel:
        return _result("PROMOTE", "significant improvement that meets the success criteria", inputs)
    if significant is None:
        return _result(
            "ITERATE",
            "the candidate is better but no significance test was possible "
            "(give per-example predictions or per-fold scores)",
            inputs,
        )
    if not significant:
        return _result("ITERATE", "promising improvement, but not statistically significant", inputs)
    return _result("ITERATE", "significant improvement, but below the success criteria", inputs)


# --- version comparison (ml-model-registry: PROMOTE / CANARY / HOLD / REJECT) --------------------


def version_decision(
    *,
    improvement: float,
    significant: bool | None,
    meets_requirements: bool = True,
    breaking_changes: bool = False,
    latency_regression: bool = False,
    not_supplied: list[str] | None = None,
) -> dict[str, Any]:
    """Compare a new version with production.

    REJECT when it fails requirements or is significantly worse; HOLD when the evidence is missing or
    not significant; CANARY for a significant improvement that carries risk (breaking schema changes or a
    latency regression); PROMOTE for a significant improvement without such risk.
    """
    inputs = {
        "improvement": improvement,
        "significant": significant,
        "meets_requirements": meets_requirements,
        "breaking_changes": breaking_changes,
        "latency_regression": latency_regression,
    }
    if not meets_requirements:
        return _result("REJECT", "the version does not meet the requirements", inputs)
    if improvement < 0 and significant:
        return _result("REJECT", "the version is significantly worse than production", inputs)
    if not_supplied:
        inputs["not_supplied"] = list(not_supplied)
        return _result(
            "HOLD",
            "not promoted on missing evidence: " + ", ".join(not_supplied) + " not supplied",
            inputs,
            not_measured=list(not_supplied),
        )
    if significant is None:
        return _result("HOLD", "no significance test is available: needs more evaluation", inputs)
    if not significant or improvement <= 0:
        return _result("HOLD", "no significant improvement over production: needs more evaluation", inputs)
    risks = [
        name
        for name, on in (
            ("breaking schema changes", breaking_changes),
            ("a latency regression", latency_regression),
        )
        if on
    ]
    if risks:
        return _result(
            "CANARY",
            "significant improvement, but with "
            + " and ".join(risks)
            + ": roll out gradually with monitoring",
            inputs,
        )
    return _result(
        "PROMOTE", "significant improvement with no breaking changes: ready for production", inputs
    )


# --- monitoring (ml-model-monitoring retraining-decision matrix) ---------------------------------

_MONITORING = {
    ("none", "none"): "NO_ACTION",
    ("moderate", "none"): "MONITOR",
    ("significant", "none"): "INVESTIGATE",
    ("none", "moderate"): "INVESTIGATE",
    ("moderate", "moderate"): "RETRAIN",
    ("significant", "moderate"): "RETRAIN_URGENT",
    ("none", "significant"): "RETRAIN_URGENT",
    ("moderate", "significant"): "RETRAIN_URGENT",
    ("significant", "significant"): "RETRAIN_URGENT",
}


# Performance not measured (no labels or no predictions yet): decided from data drift alone, never
# NO_ACTION, since only a measured performance drop of "none" clears the model.
_MONITORING_DRIFT_ONLY = {"none": "MONITOR", "moderate": "INVESTIGATE", "significant": "INVESTIGATE"}


def monitoring_decision(*, data_drift: Any, performance_drop: str | None) -> dict[str, Any]:
    """The seed's matrix; its specific row "Significant | None → INVESTIGATE" wins over the wildcard
    row "Significant | Any → RETRAIN_URGENT".

    ``performance_drop=None`` means not measured: the decision then rests on data drift alone
    (``_MONITORING_DRIFT_ONLY``) and the reason says so. It has no default: a workflow must name it,
    even when its value is null (the ``decide`` compute passes a null required argument as None)."""
    drift = level(data_drift, name="data_drift")
    if performance_drop is None:
        decision = _MONITORING_DRIFT_ONLY[drift]
        return _result(
            decision,
            f"data drift {drift}, performance drop not measured (no labels or predictions): decided from "
            "data drift alone, and never NO_ACTION without a measured performance",
            {"data_drift": drift, "performance_drop": None},
            not_measured=["performance_drop"],
        )
    drop = level(performance_drop, name="performance_drop")
    decision = _MONITORING[(drift, drop)]
    return _result(
        decision,
        f"data drift {drift}, performance drop {drop}",
        {"data_drift": drift, "performance_drop": drop},
    )


def degradation(
    baseline: Mapping[str, Any],
    current: Mapping[str, Any],
    *,
    higher_is_better: bool | Mapping[str, bool] | None = None,
) -> dict[str, Any]:
    """Per-metric change against the baseline with OK / WARN / ALERT, and the overall drop level.

    degradation_pct is the relative change in the bad direction, in percent (negative = improved).
    OK ≤ 5%, WARN 5-10% (5 excluded, 10 included), ALERT > 10%; compared after rounding to 9 decimals
    so that 0.9 → 0.855 counts as exactly 5%.
    """
    rows: list[dict[str, Any]] = []
    missing = sorted(set(baseline) ^ set(current))
    for name in [m for m in baseline if m in current]:
        base = _number(baseline[name], f"baseline.{name}")
        cur = _number(current[name], f"current.{name}")
        hib = metric_higher_is_better(name, higher_is_better)
        row: dict[str, Any] = {
            "metric": name,
            "baseline": base,
            "current": cur,
            "delta": cur - base,
            "higher_is_better": hib,
        }
        if base == 0:
            row.update(
                delta_pct=None,
                degradation_pct=None,
                status=None,
                note="baseline is 0: the relative change is undefined",
            )
        else:
            delta_pct = (cur - base) / abs(base) * 100.0
            worse = -delta_pct if hib else delta_pct
            rounded = round(worse, 9)
            status = "OK" if rounded <= WARN_PCT else ("WARN" if rounded <= ALERT_PCT else "ALERT")
            row.update(delta_pct=delta_pct, degradation_pct=worse, status=status)
        rows.append(row)
    statuses = [r["status"] for r in rows]
    drop = "significant" if "ALERT" in statuses else ("moderate" if "WARN" in statuses else "none")
    return {
        "metrics": rows,
        "performance_drop": drop,
        "missing_metrics": missing,
        "thresholds": {"warn_pct": WARN_PCT, "alert_pct": ALERT_PCT},
    }


# --- A/B testing (ml-ab-testing make-decision framework) ------------------------------------------


AB_VERDICTS = ("SHIP", "ROLLBACK", "EXTEND", "NO_SHIP", "INVALID")

# The A/B decision table, one row per id, in the order the rows are tried (docs/statistics.md).
AB_RULES = {
    "srm": "sample ratio mismatch: assignment or logging is broken, no decision is trustworthy",
    "guardrail": "a guardrail metric failed",
    "primary_worse": "the primary metric is significantly worse",
    "underpowered": "the smaller arm is below the required sample size and sequential testing is off",
    "ship": "significant positive effect and every guardrail passes",
    "below_mde": "significant but smaller than the minimum detectable effect: not practically meaningful",
    "not_significant_underpowered": "not significant yet and the sample is below the size required",
    "not_significant_unknown_power": "not significant; no MDE was given, so the test cannot be judged "
    "underpowered (give an MDE to check whether extending would help)",
    "not_significant": "not significant with an adequately powered sample",
}

# Confidence grading, one row per id (docs/statistics.md): HIGH needs no SRM, an adequate or sequential
# sample and significant evidence behind the verdict.
CONFIDENCE_RULES = {
    "srm": ("LOW", "sample ratio mismatch"),
    "underpowered": ("LOW", "the sample is below the required size (fixed-horizon test)"),
    "significant_adequate": ("HIGH", "significant evidence, adequate or sequential sample, no SRM"),
    "significant_unknown_power": ("MEDIUM", "significant evidence, but no MDE to judge the sample size"),
    "null_adequate": ("MEDIUM", "no significant effect in an adequately powered sample"),
    "null_unknown_power": ("LOW", "no significant effect and the power is unknown"),
}


def _ab_row(
    significant: bool | None,
    impact: str,
    guardrails_pass: bool,
    sample_adequate: bool | None,
    srm_alert: bool,
    sequential: bool,
) -> tuple[str, str]:
    """(verdict, rule id): integrity rows first, harm before patience, then the PRD table."""
    underpowered = sample_adequate is False and not sequential
    if srm_alert:
        return "INVALID", "srm"
    if not guardrails_pass:
        return "ROLLBACK", "guardrail"
    if significant and impact == "negative":
        return "ROLLBACK", "primary_worse"
    if underpowered:
        return "EXTEND", "underpowered"
    if significant and impact == "positive":
        return "SHIP", "ship"
    if significant:
        return "NO_SHIP", "below_mde"
    if sample_adequate is False:  # sequential: keep going until the required size
        return "EXTEND", "not_significant_underpowered"
    if sample_adequate is None:
        return "NO_SHIP", "not_significant_unknown_power"
    return "NO_SHIP", "not_significant"


def _ab_confidence(
    rule: str, significant: bool | None, sample_adequate: bool | None, sequential: bool
) -> str:
    """The confidence row id for a verdict's inputs (see CONFIDENCE_RULES)."""
    if rule == "srm":
        return "srm"
    evidence = bool(significant) or rule == "guardrail"  # a failed guardrail's interval excludes 0
    if sample_adequate is False and not sequential:
        return "underpowered"
    if evidence:
        return "significant_adequate" if (sample_adequate or sequential) else "significant_unknown_power"
    return "null_adequate" if sample_adequate else "null_unknown_power"


def ab_decision(
    *,
    significant: bool | None,
    impact: str,
    guardrails_pass: bool,
    sample_adequate: bool | None = None,
    srm_alert: bool = False,
    sequential: bool = False,
) -> dict[str, Any]:
    """The A/B table with decision integrity (SRM -> INVALID; an underpowered fixed-horizon test is never
    shipped), guardrails first.

    impact: "positive" (good direction, at least the MDE when one is given), "negative" (bad direction),
    "none" (good direction but smaller than the MDE). ``significant`` is the primary metric's adjusted
    result. Harm (a failed guardrail, a significantly worse primary) rolls back even before the sample
    is complete: stopping for harm never ships a bad change. The returned ``rule`` names the row that
    fired with its inputs; ``confidence`` comes from CONFIDENCE_RULES.
    """
    if impact not in ("positive", "negative", "none"):
        raise InputError(f"impact must be positive, negative or none (got {impact!r})", where="impact")
    inputs = {
        "significant": significant,
        "impact": impact,
        "guardrails_pass": guardrails_pass,
        "sample_adequate": sample_adequate,
        "srm_alert": bool(srm_alert),
        "sequential": bool(sequential),
    }
    verdict, rule = _ab_row(significant, impact, guardrails_pass, sample_adequate, srm_alert, sequential)
    conf_rule = _ab_confidence(rule, significant, sample_adequate, sequential)
    confidence, conf_text = CONFIDENCE_RULES[conf_rule]
    return _result(
        verdict,
        AB_RULES[rule],
        inputs,
        rule={"table": "ab", "row": rule, "text": AB_RULES[rule], "inputs": dict(inputs)},
        confidence=confidence,
        confidence_rule={"row": conf_rule, "text": conf_text},
    )


# --- evaluation Go / No-Go (ml-model-evaluation report) ------------------------------------------


def evaluation_decision(
    *,
    metric_value: float,
    threshold: float,
    higher_is_better: bool = True,
    metric: str = "primary metric",
    ci_low: float | None = None,
    ci_high: float | None = None,
    fairness: str | None = None,
    latency_p99: float | None = None,
    latency_sla: float | None = None,
) -> dict[str, Any]:
    """GO when the primary metric meets its threshold, fairness does not FAIL and latency meets the SLA.

    Confidence: NO_GO is HIGH; GO is HIGH when every check was given and passes cleanly (the CI bound on
    the bad side also meets the threshold, fairness PASS, latency within SLA), otherwise MEDIUM.
    """
    inputs = {
        "metric": metric,
        "metric_value": metric_value,
        "threshold": threshold,
        "higher_is_better": higher_is_better,
        "ci_low": ci_low,
        "ci_high": ci_high,
        "fairness": fairness,
        "latency_p99": latency_p99,
        "latency_sla": latency_sla,
    }
    fairness_v = None if fairness is None else str(fairness).strip().upper()
    if fairness_v not in (None, "PASS", "WARNING", "FAIL"):
        raise InputError(f"fairness must be PASS, WARNING or FAIL (got {fairness!r})", where="fairness")
    failures: list[str] = []
    meets = metric_value >= threshold if higher_is_better else metric_value <= threshold
    if not meets:
        failures.append(f"{metric} {metric_value:.4g} does not meet the threshold {threshold:.4g}")
    if fairness_v == "FAIL":
        failures.append("the fairness audit failed the four-fifths rule")
    if latency_sla is not None and latency_p99 is not None and latency_p99 > latency_sla:
        failures.append(f"p99 latency {latency_p99:.4g} exceeds the SLA {latency_sla:.4g}")
    if failures:
        return _result("NO_GO", "; ".join(failures), inputs, confidence="HIGH")
    caveats: list[str] = []
    bound = ci_low if higher_is_better else ci_high
    if bound is None:
        caveats.append("no confidence interval")
    elif (bound < threshold) if higher_is_better else (bound > threshold):
        caveats.append("the 95% CI crosses the threshold")
    if fairness_v is None:
        caveats.append("no fairness audit")
    elif fairness_v == "WARNING":
        caveats.append("fairness WARNING needs review before deployment")
    if latency_p99 is None:
        caveats.append("latency not checked against an SLA: not measured (no latency log)")
    elif latency_sla is None:
        caveats.append("latency not checked against an SLA")
    reason = f"{metric} meets the threshold" + (
        f" ({'; '.join(caveats)})" if caveats else "; all checks pass"
    )
    unmeasured = [
        name for name, value in (("latency", latency_p99), ("fairness", fairness_v)) if value is None
    ]
    extra = {"not_measured": unmeasured} if unmeasured else {}
    return _result("GO", reason, inputs, confidence="MEDIUM" if caveats else "HIGH", **extra)


# --- dispatch for compute steps ------------------------------------------------------------------

TABLES = {
    "experiment": experiment_decision,
    "version": version_decision,
    "monitoring": monitoring_decision,
    "ab": ab_decision,
    "evaluation": evaluation_decision,
}
