"""The metrics an experiment logs, and the evidence its comparison with the baseline rests on.

ml-experiment-tracker accepts either per-example predictions of both models (the
metrics are computed from them and significance is McNemar / paired bootstrap
on the same rows) or metrics logged by the training run plus per-fold scores
(significance by Welch's t-test on the folds). This step turns either into the
seed's metric names (accuracy, precision, recall, f1_score, auc_roc, loss) and
the ``per_example`` / ``fold_scores`` arguments of ``compare_experiments``.
"""

from __future__ import annotations

from typing import Any

from axtui.errors import InputError

SEED_METRICS = {
    "accuracy": "accuracy",
    "precision": "precision",
    "recall": "recall",
    "f1_score": "f1",
    "auc_roc": "roc_auc",
    "loss": "log_loss",
}


def _logged(value: Any, name: str) -> dict[str, float]:
    if value in (None, "", {}):
        return {}
    if not isinstance(value, dict):
        raise InputError(f"{name} must be an object {{metric: value}}", where=name)
    out = {}
    for key, item in value.items():
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


def experiment_metrics(args: dict[str, Any]) -> dict[str, Any]:
    """Compute the candidate's and the baseline's metrics, or take the logged ones with their folds."""
    path = args.get("predictions_path")
    primary = str(args.get("primary_metric") or "accuracy")
    if path:
        from axtui.stats.evaluate import evaluate

        y_true = str(args.get("y_true_col") or "y_true")
        runs = {}
        for role in ("candidate", "baseline"):
            runs[role] = evaluate(
                str(path),
                y_true=y_true,
                y_pred=str(args.get(f"{role}_pred_col") or f"{role}_pred"),
                y_score=args.get(f"{role}_score_col") or None,
                task="classification",
                primary_metric=primary,
                n_boot=1000 if role == "candidate" else 0,
            )
        metrics = {
            role: {seed: r["metrics"].get(src) for seed, src in SEED_METRICS.items()}
            for role, r in runs.items()
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
                "file": str(path),
                "baseline": str(args.get("baseline_pred_col") or "baseline_pred"),
                "candidate": str(args.get("candidate_pred_col") or "candidate_pred"),
                "y_true": y_true,
            },
            "fold_scores": None,
        }
    candidate = _logged(args.get("candidate_metrics"), "candidate_metrics")
    baseline = _logged(args.get("baseline_metrics"), "baseline_metrics")
    folds = args.get("fold_scores")
    if folds in (None, "", {}):
        folds = None
    elif not isinstance(folds, dict) or not {"baseline", "candidate"} <= set(folds):
        raise InputError('fold_scores must be {"baseline": [...], "candidate": [...]}', where="fold_scores")
    if not candidate and folds is None:
        raise InputError(
            "no predictions_path, no logged candidate_metrics and no fold_scores",
            where="experiment metrics",
            hint="give per-example predictions of both models (predictions_path), or the logged "
            "metrics with per-fold scores",
        )
    if folds is not None and primary not in candidate:
        cand_f = [float(v) for v in folds["candidate"]]
        base_f = [float(v) for v in folds["baseline"]]
        candidate[primary] = sum(cand_f) / len(cand_f)
        baseline.setdefault(primary, sum(base_f) / len(base_f))
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
