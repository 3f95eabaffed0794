"""Experiment computes: metrics of a run, comparison with the baseline, degradation, decision tables."""

from __future__ import annotations

import typing
from typing import Any

from axtui import values
from axtui.core.workflow.computes.catalogue import compute, describe
from axtui.errors import InputError
from axtui.stats.options import ComparisonOptions

# The seed's metric names and the names ``evaluate`` reports them under.
SEED_METRICS = {
    "accuracy": "accuracy",
    "precision": "precision",
    "recall": "recall",
    "f1_score": "f1",
    "auc_roc": "roc_auc",
    "loss": "log_loss",
}


@compute("compare_experiments")
def compare_experiments(
    primary_metric: str,
    baseline_metrics: dict[str, Any] | None = None,
    candidate_metrics: dict[str, Any] | None = None,
    *,
    options: ComparisonOptions,
) -> dict[str, Any]:
    """Candidate vs baseline: improvement, significance, PROMOTE/ITERATE/REJECT.

    The other arguments are the fields of ``ComparisonOptions`` (axtui/stats/options.py)."""
    from axtui.stats.experiments import compare_experiments as compare

    return compare(
        baseline_metrics or {}, candidate_metrics or {}, primary_metric=primary_metric, options=options
    )


@compute("degradation")
def degradation(
    baseline: dict[str, Any], current: dict[str, Any], higher_is_better: dict[str, bool] | bool | None = None
) -> dict[str, Any]:
    """Per-metric degradation vs baseline, OK/WARN/ALERT at 5% and 10%."""
    from axtui.stats.decisions import degradation as degrade

    return degrade(baseline, current, higher_is_better=higher_is_better)


# Levels and the A/B impact take "none" as a real value; elsewhere it means "not given".
_NONE_IS_A_VALUE = ("data_drift", "performance_drop", "impact")


def _not_given(key: str, value: Any) -> bool:
    if values.is_blank(value):
        return True
    return (
        isinstance(value, str) and key not in _NONE_IS_A_VALUE and value.strip().lower() in values.NONE_WORDS
    )


def _optional_bool(annotation: Any) -> bool:
    return set(typing.get_args(annotation)) == {bool, type(None)}


@compute("decide")
def decide(table: str, **inputs: Any) -> dict[str, Any]:
    """A decision table (experiment, version, monitoring, ab, evaluation) on the given inputs.

    The table's arguments are those of its function in ``axtui.stats.decisions``.
    """
    from axtui.stats.decisions import TABLES

    name = table.strip().lower()
    if name not in TABLES:
        raise InputError(
            f"unknown decision table {name!r}", where="decide: table", hint="use one of: " + ", ".join(TABLES)
        )
    spec = describe(TABLES[name], f"decide table {name}")
    params = {p.name: p for p in spec.params}
    unknown = sorted(k for k in inputs if k not in params)
    if unknown:
        raise InputError(
            f"unknown argument(s) for decide table {name}: {', '.join(unknown)}",
            where=f"decide: {unknown[0]}",
            hint="valid: table, " + ", ".join(params),
        )
    required = [p.name for p in spec.params if p.required]
    kwargs: dict[str, Any] = {}
    for key, param in params.items():
        if key not in inputs:
            if param.required:
                raise InputError(
                    f"decide table {name} needs {key!r}",
                    where=f"decide: {key}",
                    hint="needs: " + ", ".join(required),
                )
            continue
        value = inputs[key]
        # an optional yes/no reads "null" as "not known" itself; anything else rendered empty is not given
        if _not_given(key, value) and not _optional_bool(param.annotation):
            if param.required and param.nullable:  # named, not measured (e.g. monitoring performance_drop)
                kwargs[key] = None
                continue
            if param.required:
                raise InputError(f"decide table {name} needs a value for {key!r}", where=f"decide: {key}")
            continue
        kwargs[key] = param.coerce(value)
    return TABLES[name](**kwargs)


def _logged(value: dict[str, Any] | None, name: str) -> dict[str, float]:
    out = {}
    for key, item in (value or {}).items():
        if item is None:
            continue
        try:
            out[str(key)] = float(item)
        except (TypeError, ValueError):
            raise InputError(f"{name}.{key} must be a number (got {item!r})", where=f"{name}.{key}") from None
    return out


def _numbers(metrics: dict[str, Any]) -> dict[str, float]:
    """The metrics that have a value (compare_experiments compares those)."""
    return {k: float(v) for k, v in metrics.items() if v is not None}


def _from_predictions(
    path: str, primary: str, y_true: str, pred_cols: dict[str, str], score_cols: dict[str, str | None]
) -> dict[str, Any]:
    from axtui.stats.evaluate import evaluate

    runs = {
        role: evaluate(
            path,
            y_true=y_true,
            y_pred=pred_cols[role],
            y_score=score_cols[role],
            task="classification",
            primary_metric=primary,
            n_boot=1000 if role == "candidate" else 0,
        )
        for role in ("candidate", "baseline")
    }
    metrics = {
        role: {seed: r["metrics"].get(src) for seed, src in SEED_METRICS.items()} for role, r in runs.items()
    }
    if primary not in SEED_METRICS:
        for role, r in runs.items():
            metrics[role][primary] = r["metrics"].get(primary)
    return {
        "source": "per-example predictions",
        "candidate_numbers": _numbers(metrics["candidate"]),
        "baseline_numbers": _numbers(metrics["baseline"]),
        "candidate": metrics["candidate"],
        "baseline": metrics["baseline"],
        "ci95": runs["candidate"]["ci95"],
        "rows": runs["candidate"]["rows"],
        "per_example": {
            "file": path,
            "baseline": pred_cols["baseline"],
            "candidate": pred_cols["candidate"],
            "y_true": y_true,
        },
        "fold_scores": None,
    }


@compute("experiment_metrics")
def experiment_metrics(
    predictions_path: str | None = None,
    primary_metric: str = "accuracy",
    y_true_col: str = "y_true",
    baseline_pred_col: str = "baseline_pred",
    candidate_pred_col: str = "candidate_pred",
    baseline_score_col: str | None = None,
    candidate_score_col: str | None = None,
    candidate_metrics: dict[str, Any] | None = None,
    baseline_metrics: dict[str, Any] | None = None,
    fold_scores: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An experiment's metrics from per-example predictions, or logged metrics with per-fold scores.

    Per-example predictions of both models give the seed's metric names (accuracy, precision,
    recall, f1_score, auc_roc, loss) and McNemar / paired-bootstrap evidence on the same rows;
    logged metrics with per-fold scores give Welch's t-test on the folds.
    """
    if predictions_path:
        return _from_predictions(
            predictions_path,
            primary_metric,
            y_true_col,
            {"baseline": baseline_pred_col, "candidate": candidate_pred_col},
            {"baseline": baseline_score_col, "candidate": candidate_score_col},
        )
    candidate = _logged(candidate_metrics, "candidate_metrics")
    baseline = _logged(baseline_metrics, "baseline_metrics")
    folds = fold_scores or None
    if folds is not None and not {"baseline", "candidate"} <= set(folds):
        raise InputError('fold_scores must be {"baseline": [...], "candidate": [...]}', where="fold_scores")
    if not candidate and folds is None:
        raise InputError(
            "no predictions_path, no logged candidate_metrics and no fold_scores",
            where="experiment metrics",
            hint="give per-example predictions of both models (predictions_path), or the logged "
            "metrics with per-fold scores",
        )
    if folds is not None and primary_metric not in candidate:
        cand_f = [float(v) for v in folds["candidate"]]
        base_f = [float(v) for v in folds["baseline"]]
        candidate[primary_metric] = sum(cand_f) / len(cand_f)
        baseline.setdefault(primary_metric, sum(base_f) / len(base_f))
    return {
        "source": "logged metrics" + (" with per-fold scores" if folds else ""),
        "candidate_numbers": _numbers(candidate),
        "baseline_numbers": _numbers(baseline),
        "candidate": {**{k: None for k in SEED_METRICS}, **candidate},
        "baseline": {**{k: None for k in SEED_METRICS}, **baseline},
        "ci95": None,
        "rows": None,
        "per_example": None,
        "fold_scores": folds,
    }
