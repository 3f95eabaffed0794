"""Shadow evaluation: the candidate model saw the same requests as production; how do they differ?

Two prediction logs (production and shadow) are joined on the request id. We
report how often the two models agree, the metric deltas on the requests whose
true label is known, and the latency deltas at p50/p95/p99. Deltas are always
shadow − production, so a positive accuracy delta and a negative latency delta
are both improvements.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from axtui.errors import InputError
from axtui.stats.io import read_table, require_columns
from axtui.stats.options import SHADOW_DEFAULTS, ShadowOptions

PERCENTILES = (50, 95, 99)


def _latency_profile(values: np.ndarray) -> dict[str, float]:
    return {
        "p50": float(np.percentile(values, 50)),
        "p95": float(np.percentile(values, 95)),
        "p99": float(np.percentile(values, 99)),
        "mean": float(values.mean()),
        "max": float(values.max()),
    }


def _classification_metrics(y_true: np.ndarray, y_pred: np.ndarray, positive: Any) -> dict[str, float]:
    accuracy = float(np.mean(y_true == y_pred))
    metrics = {"accuracy": accuracy}
    if positive is not None:
        tp = float(np.sum((y_pred == positive) & (y_true == positive)))
        fp = float(np.sum((y_pred == positive) & (y_true != positive)))
        fn = float(np.sum((y_pred != positive) & (y_true == positive)))
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        metrics.update({"precision": precision, "recall": recall, "f1": f1})
    return metrics


def _regression_metrics(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, float]:
    err = y_pred - y_true
    return {"mae": float(np.mean(np.abs(err))), "rmse": float(np.sqrt(np.mean(err**2)))}


def _positive_label(values: np.ndarray) -> Any:
    """The positive class of a binary problem: 1 / True / 'yes'-like, else the larger label."""
    labels = sorted({v for v in values.tolist() if v is not None}, key=str)
    if len(labels) > 2:
        return None
    for candidate in (1, True, "1", "yes", "true", "positive"):
        if candidate in labels:
            return candidate
    return labels[-1] if labels else None


def _read_log(
    path: Path, role: str, id_col: str, pred_col: str, optional: list[str], required: list[str]
) -> pl.DataFrame:
    frame = read_table(path)
    require_columns(path, frame.columns, [id_col, pred_col, *required])
    keep = [id_col, pred_col, *[c for c in optional if c and c in frame.columns]]
    frame = frame.select(keep)
    dupes = frame.height - frame.select(pl.col(id_col).n_unique()).item()
    if dupes:
        raise InputError(
            f"{dupes} duplicate {id_col!r} values in the {role} log",
            where=f"{path}: column {id_col}",
            hint="each request must appear once per log",
        )
    return frame.rename({c: f"{c}__{role}" for c in keep if c != id_col})


def shadow_compare(
    production_path: str | Path,
    shadow_path: str | Path,
    options: ShadowOptions = SHADOW_DEFAULTS,
    **changes: Any,
) -> dict[str, Any]:
    """Compare a shadow deployment's prediction log with production's on the shared requests.

    For regression ``tolerance`` is the absolute difference under which two
    predictions count as agreeing. Labels and latencies are optional: their
    sections are ``None`` when the column is absent from both logs. ``options`` names the columns
    (stats/options.py); keyword ``changes`` name ``ShadowOptions`` fields to change for this call.
    """
    o = replace(options, **changes) if changes else options
    id_col, pred_col, score_col, task = o.id_col, o.pred_col, o.score_col, o.task
    label_col, latency_col, tolerance = o.label_col or None, o.latency_col or None, o.tolerance
    if task not in ("classification", "regression"):
        raise InputError(
            f"unknown task {task!r}", where="shadow_compare: task", hint="use classification or regression"
        )
    prod_p, shadow_p = Path(production_path), Path(shadow_path)
    optional = [label_col or "", latency_col or "", score_col or ""]
    required = [score_col] if score_col else []
    prod = _read_log(prod_p, "production", id_col, pred_col, optional, required)
    shadow = _read_log(shadow_p, "shadow", id_col, pred_col, optional, required)
    try:
        joined = prod.join(shadow, on=id_col, how="inner")
    except Exception as exc:  # mismatched id types
        raise InputError(
            f"cannot join the logs on {id_col!r}: {exc}",
            where=str(shadow_p),
            hint="the request id column must have the same type in both logs",
        ) from exc
    if joined.height == 0:
        raise InputError(
            f"no request id appears in both logs (column {id_col!r})",
            where=str(shadow_p),
            hint="the shadow log must record the same requests as production",
        )

    p_pred = joined[f"{pred_col}__production"].to_numpy()
    s_pred = joined[f"{pred_col}__shadow"].to_numpy()
    if task == "regression":
        agree = np.abs(p_pred.astype(float) - s_pred.astype(float)) <= tolerance
    else:
        agree = p_pred == s_pred
    result: dict[str, Any] = {
        "task": task,
        "rows_production": prod.height,
        "rows_shadow": shadow.height,
        "matched": joined.height,
        "unmatched_production": prod.height - joined.height,
        "unmatched_shadow": shadow.height - joined.height,
        "agreement_rate": float(np.mean(agree)),
        "disagreements": int(np.sum(~agree)),
        "mean_abs_prediction_diff": float(np.mean(np.abs(p_pred.astype(float) - s_pred.astype(float))))
        if task == "regression"
        else None,
        "score_mean_abs_diff": None,
        "labelled": 0,
        "metrics": None,
        "latency": None,
    }
    if score_col:
        p_score = joined[f"{score_col}__production"].cast(pl.Float64).to_numpy()
        s_score = joined[f"{score_col}__shadow"].cast(pl.Float64).to_numpy()
        result["score_mean_abs_diff"] = float(np.nanmean(np.abs(p_score - s_score)))

    if label_col:
        label = _coalesce(joined, label_col)
        if label is not None:
            mask = label.is_not_null().to_numpy()
            if mask.any():
                y = label.to_numpy()[mask]
                pp, sp = p_pred[mask], s_pred[mask]
                if task == "regression":
                    mp, ms = (
                        _regression_metrics(y.astype(float), pp.astype(float)),
                        _regression_metrics(y.astype(float), sp.astype(float)),
                    )
                else:
                    positive = _positive_label(np.concatenate([y, pp, sp]))
                    mp, ms = (
                        _classification_metrics(y, pp, positive),
                        _classification_metrics(y, sp, positive),
                    )
                result["labelled"] = int(mask.sum())
                result["metrics"] = {"production": mp, "shadow": ms, "delta": {k: ms[k] - mp[k] for k in mp}}

    if latency_col:
        p_col, s_col = f"{latency_col}__production", f"{latency_col}__shadow"
        if p_col in joined.columns and s_col in joined.columns:
            lat = joined.select(pl.col(p_col).cast(pl.Float64), pl.col(s_col).cast(pl.Float64)).drop_nulls()
            if lat.height:
                lp = _latency_profile(lat[p_col].to_numpy())
                ls = _latency_profile(lat[s_col].to_numpy())
                result["latency"] = {
                    "production": lp,
                    "shadow": ls,
                    "delta": {k: ls[k] - lp[k] for k in lp},
                    "relative_delta": {k: (ls[k] - lp[k]) / lp[k] if lp[k] else None for k in lp},
                }
        elif p_col in joined.columns or s_col in joined.columns:
            missing_in = shadow_p if p_col in joined.columns else prod_p
            raise InputError(
                f"column {latency_col!r} is in one log only",
                where=str(missing_in),
                hint="record latency in both logs, or pass latency_col: null",
            )
    return result


def _coalesce(joined: pl.DataFrame, label_col: str) -> pl.Series | None:
    """The true label from either log (production's first), or None when neither has it."""
    cols = [c for c in (f"{label_col}__production", f"{label_col}__shadow") if c in joined.columns]
    if not cols:
        return None
    if len(cols) == 1:
        return joined[cols[0]]
    return joined.select(pl.coalesce(cols[0], cols[1])).to_series()
