"""Named computations for workflow ``compute`` steps: ``COMPUTE[name](args) -> dict``.

Args arrive from workflow YAML after templating, so numbers may be strings
("0.05"), booleans may be "true"/"yes", lists may be "a,b" or a JSON list, and
objects may be JSON text. Each wrapper coerces what it reads, refuses unknown
argument names (listing the valid ones), and imports its implementation only
when called, so loading a workflow never pulls in scipy or a half-built module.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from axtui.errors import InputError

_TRUE = {"true", "yes", "y", "1", "on"}
_FALSE = {"false", "no", "n", "0", "off"}
_NONE = {"", "none", "null", "n/a", "unknown"}


# --- coercion --------------------------------------------------------------------------------------


def _num(value: Any, name: str) -> float:
    if isinstance(value, bool):
        raise InputError(f"{name} must be a number (got {value!r})", where=name)
    try:
        out = float(str(value).strip().rstrip("%")) / (100.0 if str(value).strip().endswith("%") else 1.0)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a number (got {value!r})", where=name) from None
    if not math.isfinite(out):
        raise InputError(f"{name} must be finite (got {value!r})", where=name)
    return out


def _int(value: Any, name: str) -> int:
    out = _num(value, name)
    if out != int(out):
        raise InputError(f"{name} must be a whole number (got {value!r})", where=name)
    return int(out)


def _bool(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise InputError(f"{name} must be true or false (got {value!r})", where=name)


def _opt_bool(value: Any, name: str) -> bool | None:
    if value is None or (isinstance(value, str) and value.strip().lower() in _NONE):
        return None
    return _bool(value, name)


def _list(value: Any, name: str) -> list[Any]:
    if isinstance(value, list | tuple):
        return list(value)
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                parsed = json.loads(text)
            except json.JSONDecodeError as exc:
                raise InputError(f"{name} is not a valid JSON list: {exc.msg}", where=name) from None
            return list(parsed)
        return [part.strip() for part in text.split(",") if part.strip()]
    raise InputError(f"{name} must be a list or comma-separated text (got {value!r})", where=name)


def _dict(value: Any, name: str) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError as exc:
            raise InputError(f"{name} is not valid JSON: {exc.msg}", where=name) from None
        if isinstance(parsed, dict):
            return parsed
    raise InputError(f"{name} must be an object (got {value!r})", where=name)


def _str(value: Any, name: str) -> str:
    if value is None or isinstance(value, dict | list):
        raise InputError(f"{name} must be text (got {value!r})", where=name)
    return str(value)


def _opt(args: dict[str, Any], key: str, conv: Callable[[Any, str], Any], default: Any = None) -> Any:
    value = args.get(key)
    if value is None or (isinstance(value, str) and value.strip() == ""):
        return default
    return conv(value, key)


def _req(args: dict[str, Any], key: str, conv: Callable[[Any, str], Any], fn: str) -> Any:
    value = args.get(key)
    if value is None or (isinstance(value, str) and value.strip() == ""):
        raise InputError(f"compute {fn} needs {key!r}", where=f"{fn}: {key}")
    return conv(value, key)


# --- wrappers --------------------------------------------------------------------------------------


def _drift(a: dict[str, Any]) -> dict[str, Any]:
    from axtui.stats.drift import compute_drift
    from axtui.stats.profile import profile_from_baseline

    profile = profile_from_baseline(a.get("baseline"))  # a stored baseline_stats profile, if any
    return compute_drift(
        profile if profile is not None else _req(a, "reference", _str, "drift"),
        _req(a, "current", _str, "drift"),
        columns=_opt(a, "columns", _list),
        categorical=_opt(a, "categorical", _list),
        numeric=_opt(a, "numeric", _list),
    )


def _profile(a: dict[str, Any]) -> dict[str, Any]:
    from axtui.stats.profile import build_profile

    built = build_profile(
        _req(a, "data", _str, "profile"),
        columns=_opt(a, "columns", _list),
        categorical=_opt(a, "categorical", _list),
    )
    return {"profile": built.to_dict(), "rows": built.rows, "columns": list(built.columns)}


def _prediction_drift(a: dict[str, Any]) -> dict[str, Any]:
    from axtui.stats.drift import compute_prediction_drift

    return compute_prediction_drift(
        _req(a, "reference", _str, "prediction_drift"),
        _req(a, "current", _str, "prediction_drift"),
        _req(a, "column", _str, "prediction_drift"),
    )


def _ab_size(a: dict[str, Any]) -> dict[str, Any]:
    from axtui.stats.sample_size import sample_size_means, sample_size_proportions

    std = _opt(a, "std", _num, 0.0)
    if std:  # a mean (non 0/1) metric: mde is a difference in means, baseline is not used
        if _opt(a, "relative", _bool, False):
            raise InputError("relative applies to proportions only", where="ab_size: relative")
        return sample_size_means(
            std,
            _req(a, "mde", _num, "ab_size"),
            alpha=_opt(a, "alpha", _num, 0.05),
            power=_opt(a, "power", _num, 0.8),
            ratio=_opt(a, "ratio", _num, 1.0),
        )
    return sample_size_proportions(
        _req(a, "baseline", _num, "ab_size"),
        _req(a, "mde", _num, "ab_size"),
        relative=_opt(a, "relative", _bool, False),
        alpha=_opt(a, "alpha", _num, 0.05),
        power=_opt(a, "power", _num, 0.8),
        ratio=_opt(a, "ratio", _num, 1.0),
    )


def _ab_size_means(a: dict[str, Any]) -> dict[str, Any]:
    from axtui.stats.sample_size import sample_size_means

    return sample_size_means(
        _req(a, "std", _num, "ab_size_means"),
        _req(a, "mde", _num, "ab_size_means"),
        alpha=_opt(a, "alpha", _num, 0.05),
        power=_opt(a, "power", _num, 0.8),
        ratio=_opt(a, "ratio", _num, 1.0),
    )


def _srm(a: dict[str, Any]) -> dict[str, Any]:
    from axtui.stats.ab import srm

    counts = [_num(c, "counts") for c in _req(a, "counts", _list, "srm")]
    weights = _opt(a, "weights", _list)
    return srm(counts, None if weights is None else [_num(w, "weights") for w in weights])


def _ab_analyze(a: dict[str, Any]) -> dict[str, Any]:
    from axtui.stats.ab import analyze

    return analyze(
        _req(a, "events", _str, "ab_analyze"),
        variant_col=_req(a, "variant_col", _str, "ab_analyze"),
        control=_opt(a, "control", _str, "control"),
        metrics=_req(a, "metrics", _list, "ab_analyze") + (_opt(a, "secondary", _list) or []),
        guardrails=_opt(a, "guardrails", _list),
        lower_is_better=_opt(a, "lower_is_better", _list),
        guardrail_threshold=_opt(a, "guardrail_threshold", _num),
        alpha=_opt(a, "alpha", _num, 0.05),
        mde=_opt(a, "mde", _num),
        mde_relative=_opt(a, "mde_relative", _bool, False),
        power=_opt(a, "power", _num, 0.8),
        required_n=_opt(a, "required_n", _int),
        weights=_opt(a, "weights", _list),
        covariates=_opt(a, "covariates", _dict),
        sequential=_opt(a, "sequential", _bool, False),
        tuning=_opt(a, "tuning", _num, 5000.0),
        correction=_opt(a, "correction", _str, "none"),
    )


def _ab_early_stop(a: dict[str, Any]) -> dict[str, Any]:
    from axtui.stats.ab import early_stopping

    return early_stopping(
        _req(a, "events", _str, "ab_early_stop"),
        variant_col=_req(a, "variant_col", _str, "ab_early_stop"),
        metric=_req(a, "metric", _str, "ab_early_stop"),
        treatment=_opt(a, "treatment", _str),
        control=_opt(a, "control", _str, "control"),
        guardrails=_opt(a, "guardrails", _list),
        lower_is_better=_opt(a, "lower_is_better", _list),
        guardrail_threshold=_opt(a, "guardrail_threshold", _num),
        alpha=_opt(a, "alpha", _num, 0.05),
        mde=_opt(a, "mde", _num),
        mde_relative=_opt(a, "mde_relative", _bool, False),
        required_n=_opt(a, "required_n", _int),
        covariates=_opt(a, "covariates", _dict),
        weights=_opt(a, "weights", _list),
        tuning=_opt(a, "tuning", _num, 5000.0),
        secondary=_opt(a, "secondary", _list),
        correction=_opt(a, "correction", _str, "none"),
    )


def _evaluate(a: dict[str, Any]) -> dict[str, Any]:
    from axtui.stats.evaluate import evaluate

    return evaluate(
        _req(a, "predictions", _str, "evaluate"),
        y_true=_req(a, "y_true", _str, "evaluate"),
        y_pred=_opt(a, "y_pred", _str),
        y_score=_opt(a, "y_score", _str),
        groups=_opt(a, "groups", _list, []),
        task=_opt(a, "task", _str),
        latency_col=_opt(a, "latency_col", _str),
        timestamp_col=_opt(a, "timestamp_col", _str),
        positive_label=a.get("positive_label"),
        primary_metric=_opt(a, "primary_metric", _str),
        seed=_opt(a, "seed", _int, 0),
        n_boot=_opt(a, "n_boot", _int, 1000),
    )


def _fairness(a: dict[str, Any]) -> dict[str, Any]:
    from axtui.stats.fairness import fairness

    return fairness(
        _req(a, "predictions", _str, "fairness"),
        y_true=_req(a, "y_true", _str, "fairness"),
        y_pred=_req(a, "y_pred", _str, "fairness"),
        group_col=_req(a, "group_col", _str, "fairness"),
        y_score=_opt(a, "y_score", _str),
        positive_label=a.get("positive_label"),
    )


def _latency(a: dict[str, Any]) -> dict[str, Any]:
    from axtui.stats.evaluate import latency_profile

    if a.get("values") is not None:
        values = [_num(v, "values") for v in _list(a["values"], "values")]
        return latency_profile(values, where="latency: values")
    path = _req(a, "path", _str, "latency")
    column = _req(a, "column", _str, "latency")
    ts_col = _opt(a, "timestamp_col", _str)
    from axtui.stats.evaluate import evaluate_latency_file

    return evaluate_latency_file(path, column, timestamp_col=ts_col)


def _adwin(a: dict[str, Any]) -> dict[str, Any]:
    from axtui.stats import adwin

    params: dict[str, Any] = {}
    if a.get("delta") not in (None, ""):
        params["delta"] = _num(a["delta"], "delta")
    if a.get("values") is not None:
        return adwin.run_adwin([_num(v, "values") for v in _list(a["values"], "values")], **params)
    return adwin.run_adwin_file(_req(a, "stream", _str, "adwin"), _req(a, "column", _str, "adwin"), **params)


def _features(a: dict[str, Any]) -> dict[str, Any]:
    from axtui.stats.features import validate_features

    return validate_features(
        _req(a, "data", _str, "features"),
        target=_opt(a, "target", _str),
        time_col=_opt(a, "time_col", _str),
        reference=_opt(a, "reference", _str),
        feature_time_cols=_opt(a, "feature_time_cols", _list),
    )


def _compare_experiments(a: dict[str, Any]) -> dict[str, Any]:
    from axtui.stats.experiments import compare_experiments

    hib = a.get("higher_is_better")
    if isinstance(hib, str) and hib.strip().startswith("{"):
        hib = _dict(hib, "higher_is_better")
    elif hib is not None and not isinstance(hib, dict):
        hib = _opt_bool(hib, "higher_is_better")
    return compare_experiments(
        _opt(a, "baseline_metrics", _dict, {}),
        _opt(a, "candidate_metrics", _dict, {}),
        primary_metric=_req(a, "primary_metric", _str, "compare_experiments"),
        higher_is_better=hib,
        per_example=_opt(a, "per_example", _dict),
        fold_scores=_opt(a, "fold_scores", _dict),
        min_improvement=_opt(a, "min_improvement", _num, 0.0),
        min_relative_improvement=_opt(a, "min_relative_improvement", _num),
        alpha=_opt(a, "alpha", _num, 0.05),
        n_boot=_opt(a, "n_boot", _int, 2000),
        seed=_opt(a, "seed", _int, 0),
    )


def _degradation(a: dict[str, Any]) -> dict[str, Any]:
    from axtui.stats.decisions import degradation

    hib = a.get("higher_is_better")
    if isinstance(hib, str) and hib.strip().startswith("{"):
        hib = _dict(hib, "higher_is_better")
    elif hib is not None and not isinstance(hib, dict):
        hib = _opt_bool(hib, "higher_is_better")
    return degradation(
        _req(a, "baseline", _dict, "degradation"),
        _req(a, "current", _dict, "degradation"),
        higher_is_better=hib,
    )


_DECIDE_ARGS: dict[str, dict[str, Callable[[Any, str], Any]]] = {
    "experiment": {
        "improvement": _num,
        "significant": _opt_bool,
        "min_improvement": _num,
        "relative_improvement": _num,
        "min_relative_improvement": _num,
    },
    "version": {
        "improvement": _num,
        "significant": _opt_bool,
        "meets_requirements": _bool,
        "breaking_changes": _bool,
        "latency_regression": _bool,
    },
    "monitoring": {"data_drift": _str, "performance_drop": _str},
    "ab": {
        "significant": _opt_bool,
        "impact": _str,
        "guardrails_pass": _bool,
        "sample_adequate": _opt_bool,
        "srm_alert": _bool,
        "sequential": _bool,
    },
    "evaluation": {
        "metric_value": _num,
        "threshold": _num,
        "higher_is_better": _bool,
        "metric": _str,
        "ci_low": _num,
        "ci_high": _num,
        "fairness": _str,
        "latency_p99": _num,
        "latency_sla": _num,
    },
}
_DECIDE_REQUIRED = {
    "experiment": ("improvement", "significant"),
    "version": ("improvement", "significant"),
    "monitoring": ("data_drift", "performance_drop"),
    "ab": ("significant", "impact", "guardrails_pass"),
    "evaluation": ("metric_value", "threshold"),
}


# Required arguments whose value may be null: evidence that was not measured (the table says what it
# decides without it; core/workflow/evidence.py turns a not-measured value into null).
_DECIDE_NULLABLE = {"monitoring": ("performance_drop",)}


def _decide(a: dict[str, Any]) -> dict[str, Any]:
    from axtui.stats.decisions import TABLES

    table = _req(a, "table", _str, "decide").strip().lower()
    if table not in TABLES:
        raise InputError(
            f"unknown decision table {table!r}",
            where="decide: table",
            hint="use one of: " + ", ".join(TABLES),
        )
    spec = _DECIDE_ARGS[table]
    unknown = sorted(k for k in a if k != "table" and k not in spec)
    if unknown:
        raise InputError(
            f"unknown argument(s) for decide table {table}: {', '.join(unknown)}",
            where=f"decide: {unknown[0]}",
            hint="valid: table, " + ", ".join(spec),
        )
    kwargs: dict[str, Any] = {}
    for key, conv in spec.items():
        if key in _DECIDE_REQUIRED[table] and key not in a:
            raise InputError(
                f"decide table {table} needs {key!r}",
                where=f"decide: {key}",
                hint="needs: " + ", ".join(_DECIDE_REQUIRED[table]),
            )
        if key not in a:
            continue
        value = a[key]
        # A template that rendered nothing ("", "None", "null") means "not given" - except for the
        # levels and the A/B impact, where "none" is a real value.
        blank = value is None or (
            isinstance(value, str)
            and (
                value.strip() == ""
                or (
                    key not in ("data_drift", "performance_drop", "impact") and value.strip().lower() in _NONE
                )
            )
        )
        if conv is not _opt_bool and blank:
            if key in _DECIDE_NULLABLE.get(table, ()):
                kwargs[key] = None
                continue
            if key in _DECIDE_REQUIRED[table]:
                raise InputError(f"decide table {table} needs a value for {key!r}", where=f"decide: {key}")
            continue
        kwargs[key] = conv(value, key)
    return TABLES[table](**kwargs)


def _external(module: str, function: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """A compute step implemented by another module's own ``*_args`` wrapper."""

    def run(a: dict[str, Any]) -> dict[str, Any]:
        import importlib

        return getattr(importlib.import_module(module), function)(a)

    return run


@dataclass(frozen=True)
class ComputeSpec:
    fn: Callable[[dict[str, Any]], dict[str, Any]]
    doc: str
    required: tuple[str, ...]
    optional: tuple[str, ...]
    strict: bool = True  # refuse argument names outside required + optional


SPECS: dict[str, ComputeSpec] = {
    "drift": ComputeSpec(
        _drift,
        "Per-column data drift of current vs reference (PSI, KS, JS, χ²; §8.1).",
        ("reference", "current"),
        ("columns", "categorical", "numeric", "baseline"),
    ),
    "profile": ComputeSpec(
        _profile,
        "Reference profile for drift without the raw data (bins, counts, moments, KLL sketch; "
        "docs/scaling.md).",
        ("data",),
        ("columns", "categorical"),
    ),
    "prediction_drift": ComputeSpec(
        _prediction_drift, "Drift of one prediction or score column.", ("reference", "current", "column"), ()
    ),
    "ab_size": ComputeSpec(
        _ab_size,
        "Per-variant sample size for two proportions (§8.2).",
        ("baseline", "mde"),
        ("relative", "alpha", "power", "ratio", "std"),
    ),
    "ab_size_means": ComputeSpec(
        _ab_size_means,
        "Per-variant sample size for a difference in means.",
        ("std", "mde"),
        ("alpha", "power", "ratio"),
    ),
    "srm": ComputeSpec(
        _srm,
        "Sample ratio mismatch: χ² goodness of fit of arm sizes (alert at p < 0.001).",
        ("counts",),
        ("weights",),
    ),
    "ab_analyze": ComputeSpec(
        _ab_analyze,
        "A/B analysis per metric and arm, SRM, CUPED, sequential, and SHIP/ROLLBACK/EXTEND/NO_SHIP/INVALID.",
        ("events", "variant_col", "metrics"),
        (
            "control",
            "guardrails",
            "lower_is_better",
            "guardrail_threshold",
            "alpha",
            "mde",
            "mde_relative",
            "power",
            "required_n",
            "weights",
            "covariates",
            "sequential",
            "tuning",
            "correction",
            "secondary",
        ),
    ),
    "ab_early_stop": ComputeSpec(
        _ab_early_stop,
        "Can an A/B test stop early? Sequential p-values for the primary and guardrails, projected sample.",
        ("events", "variant_col", "metric"),
        (
            "treatment",
            "control",
            "guardrails",
            "lower_is_better",
            "guardrail_threshold",
            "alpha",
            "mde",
            "mde_relative",
            "required_n",
            "covariates",
            "weights",
            "tuning",
            "secondary",
            "correction",
        ),
    ),
    "evaluate": ComputeSpec(
        _evaluate,
        "Classification or regression metrics, bootstrap CI, fairness, latency (§8.3).",
        ("predictions", "y_true"),
        (
            "y_pred",
            "y_score",
            "groups",
            "task",
            "latency_col",
            "timestamp_col",
            "positive_label",
            "primary_metric",
            "seed",
            "n_boot",
        ),
    ),
    "fairness": ComputeSpec(
        _fairness,
        "Group fairness: parity, equal opportunity, equalized odds, four-fifths.",
        ("predictions", "y_true", "y_pred", "group_col"),
        ("y_score", "positive_label"),
    ),
    "latency": ComputeSpec(
        _latency,
        "Latency profile p50/p95/p99, mean, max, throughput (values, or path+column).",
        (),
        ("values", "path", "column", "timestamp_col"),
    ),
    "adwin": ComputeSpec(
        _adwin,
        "ADWIN concept-drift detections over a stream column or values (river defaults; §8.4).",
        (),
        ("stream", "column", "values", "delta"),
    ),
    "features": ComputeSpec(
        _features,
        "Feature validation: quality, correlation, leakage, future data (§8.5).",
        ("data",),
        ("target", "time_col", "reference", "feature_time_cols"),
    ),
    "compare_experiments": ComputeSpec(
        _compare_experiments,
        "Candidate vs baseline: improvement, significance, PROMOTE/ITERATE/REJECT.",
        ("primary_metric",),
        (
            "baseline_metrics",
            "candidate_metrics",
            "higher_is_better",
            "per_example",
            "fold_scores",
            "min_improvement",
            "min_relative_improvement",
            "alpha",
            "n_boot",
            "seed",
        ),
    ),
    "degradation": ComputeSpec(
        _degradation,
        "Per-metric degradation vs baseline, OK/WARN/ALERT at 5% and 10%.",
        ("baseline", "current"),
        ("higher_is_better",),
    ),
    "decide": ComputeSpec(
        _decide,
        "A §8.6 decision table: experiment, version, monitoring, ab, evaluation.",
        ("table",),
        tuple(sorted({k for spec in _DECIDE_ARGS.values() for k in spec})),
        strict=False,
    ),
    "checksum": ComputeSpec(
        _external("axtui.stats.artifacts", "validate_artifact_args"),
        "Model artifact validation: SHA-256, size, schemas, metadata.",
        ("artifact_path",),
        (),
        strict=False,
    ),
    "robustness": ComputeSpec(
        _external("axtui.stats.robustness", "robustness_args"),
        "Robustness from slices, missing values and a shifted file.",
        ("predictions_path", "y_true"),
        (),
        strict=False,
    ),
    "shadow_compare": ComputeSpec(
        _external("axtui.stats.shadow", "shadow_compare_args"),
        "Shadow vs production prediction logs: agreement, metrics, latency.",
        ("production_path", "shadow_path"),
        (),
        strict=False,
    ),
    # --- catalogue workflows (issue 6): registry, features, deployment --------------------------------
    "feature_selection": ComputeSpec(
        _external("axtui.stats.feature_selection", "select_features_args"),
        "The feature-engineering seed's selection criteria applied to a `features` profile.",
        ("profile",),
        ("importance", "domain_keep", "exclude", "notes"),
    ),
    "version_compare": ComputeSpec(
        _external("axtui.stats.versions", "version_compare"),
        "New version vs production: metric deltas, significance, schema changes, PROMOTE/CANARY/HOLD/REJECT.",
        ("record",),
        (
            "production_record",
            "validation_status",
            "primary_metric",
            "paired_predictions_path",
            "production_pred_col",
            "candidate_pred_col",
            "y_true_col",
            "not_supplied",
        ),
    ),
    "registry_register": ComputeSpec(
        _external("axtui.core.model_registry", "plan_registration_args"),
        "Plan a version registration (refused on a failed artifact check or a duplicate version).",
        ("model_name", "version"),
        ("index", "validation", "evaluation"),
    ),
    "registry_decide": ComputeSpec(
        _external("axtui.core.model_registry", "plan_decision_args"),
        "Plan a promotion decision against the lifecycle table (promote, canary, hold, reject).",
        ("model_name", "version", "decision"),
        ("index", "record", "today", "canary_days"),
    ),
    "registry_rollback": ComputeSpec(
        _external("axtui.core.model_registry", "plan_rollback_args"),
        "Plan a rollback to a version that served production before.",
        ("model_name", "target_version"),
        ("index", "target_record"),
    ),
    "readiness_checklist": ComputeSpec(
        _external("axtui.stats.deployment", "readiness_checklist"),
        "Pre-deployment checklist from the registry record, the evaluation and the artifact.",
        ("record",),
        ("evaluation", "artifact_path", "thresholds", "latency_p99_threshold_ms"),
    ),
    "container_spec": ComputeSpec(
        _external("axtui.stats.deployment", "container_spec"),
        "Dockerfile, requirements and serving config for a registered version.",
        ("record",),
        ("port", "deployment_target", "replicas", "cpu", "memory", "output_dir"),
    ),
    "rollout_plan": ComputeSpec(
        _external("axtui.stats.deployment", "rollout_plan"),
        "Traffic migration stages and rollback triggers for canary, blue-green, shadow or direct.",
        ("strategy",),
        (
            "traffic_percentage",
            "stage_minutes",
            "shadow",
            "thresholds",
            "latency_p99_threshold_ms",
            "error_rate_threshold",
            "prediction_drift_threshold",
            "min_agreement",
            "max_metric_drop",
        ),
    ),
    "fairness_summary": ComputeSpec(
        _external("axtui.stats.eval_summary", "fairness_summary"),
        "One fairness verdict over protected attributes, highest disparity, calibration by group.",
        ("fairness",),
        (),
    ),
    "experiment_metrics": ComputeSpec(
        _external("axtui.stats.tracking", "experiment_metrics"),
        "An experiment's metrics from per-example predictions, or logged metrics with per-fold scores.",
        (),
        (
            "predictions_path",
            "primary_metric",
            "y_true_col",
            "baseline_pred_col",
            "candidate_pred_col",
            "baseline_score_col",
            "candidate_score_col",
            "candidate_metrics",
            "baseline_metrics",
            "fold_scores",
        ),
    ),
    "phase_report": ComputeSpec(
        _external("axtui.stats.pipeline_reports", "phase_report"),
        "The ml-pipeline 'Phase X Complete' report from the checklist, files, decisions and metrics.",
        ("phase", "name"),
        ("checklist", "labels", "files", "decisions", "metrics", "next_phase"),
    ),
    "pipeline_summary": ComputeSpec(
        _external("axtui.stats.pipeline_reports", "pipeline_summary"),
        "The ml-pipeline 'ML Pipeline Summary' from the phase reports and computed results.",
        ("phases",),
        ("overview", "architecture", "components", "performance", "monitoring", "train_command"),
    ),
    "post_deploy_check": ComputeSpec(
        _external("axtui.stats.deployment", "post_deploy_check"),
        "The new version's serving log against thresholds: HEALTHY or ROLLBACK.",
        ("serving_log_path",),
        (
            "reference_path",
            "reference_positive_rate",
            "min_accuracy",
            "thresholds",
            "latency_col",
            "status_col",
            "pred_col",
            "label_col",
            "latency_p99_threshold_ms",
            "error_rate_threshold",
            "prediction_drift_threshold",
        ),
    ),
}

COMPUTE: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {name: s.fn for name, s in SPECS.items()}


def run_compute(name: str, args: dict[str, Any] | None) -> dict[str, Any]:
    """Run a named computation, refusing unknown names and argument names with the valid ones listed."""
    spec = SPECS.get(name)
    if spec is None:
        raise InputError(
            f"unknown computation {name!r}", where="compute: fn", hint="valid: " + ", ".join(sorted(SPECS))
        )
    args = dict(args or {})
    if not isinstance(args, dict):
        raise InputError(f"compute {name} args must be a mapping", where=f"{name}: args")
    if spec.strict:
        valid = (*spec.required, *spec.optional)
        unknown = sorted(k for k in args if k not in valid)
        if unknown:
            raise InputError(
                f"unknown argument(s) for compute {name}: {', '.join(unknown)}",
                where=f"{name}: {unknown[0]}",
                hint="valid: " + ", ".join(valid),
            )
    return spec.fn(args)


def list_compute() -> list[tuple[str, str, list[str]]]:
    """(name, one-line description, argument names with optional ones marked '?') for docs and validation."""
    return [(name, s.doc, [*s.required, *(f"{o}?" for o in s.optional)]) for name, s in SPECS.items()]
