"""Model evaluation: classification and regression metrics, a bootstrap CI on the primary metric,
fairness per group column, and a latency profile (docs/reference/statistics.md#evaluation-and-fairness).

Definitions follow scikit-learn's so that numbers agree with what practitioners
already trust (tests hold reference values computed with scikit-learn; it is not
a dependency): macro/weighted averages over the labels seen in either column,
0 where a precision or recall has an empty denominator, ROC-AUC as the
probability a positive outranks a negative (ties count half), PR-AUC as average
precision, log loss with probabilities clipped to [eps, 1 − eps].
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from axtui.errors import InputError
from axtui.stats.fairness import check_scores, fairness_arrays, to_binary
from axtui.stats.io import read_table, require_columns
from axtui.stats.options import EVALUATE_DEFAULTS, EvaluateOptions
from axtui.values import finite as _finite

CLASSIFICATION_PRIMARY = ("accuracy", "f1_macro", "f1_weighted", "precision_macro", "recall_macro", "f1")
REGRESSION_PRIMARY = ("rmse", "mse", "mae", "r2")
MAX_CLASSES_FOR_INTEGER_TARGET = 20
_BOOT_CELLS = 4_000_000  # resample cells per bootstrap chunk (keeps temporaries cache-friendly)


# --- loading ---------------------------------------------------------------------------------------


def _load(data: str | Path | pl.DataFrame, columns: list[str]) -> tuple[pl.DataFrame, str]:
    if isinstance(data, pl.DataFrame):
        require_columns("<data>", data.columns, columns)
        return data.select(columns), "<data>"
    return read_table(data, columns=columns), str(data)


def infer_task(y_true: pl.Series, y_pred: pl.Series | None) -> str:
    """Classification for strings, booleans and integer-valued columns with at most 20 distinct values
    (in y_true and y_pred together); regression for other numbers."""
    if not y_true.dtype.is_numeric():
        return "classification"
    values = y_true.cast(pl.Float64)
    if y_pred is not None and y_pred.dtype.is_numeric():
        values = pl.concat([values, y_pred.cast(pl.Float64)])
    arr = values.to_numpy()
    arr = arr[np.isfinite(arr)]
    if arr.size and np.all(arr == np.round(arr)) and np.unique(arr).size <= MAX_CLASSES_FOR_INTEGER_TARGET:
        return "classification"
    return "regression"


# --- classification --------------------------------------------------------------------------------


def _per_class_from_confusion(cm: np.ndarray) -> tuple[np.ndarray, ...]:
    """precision, recall, f1, support per class for a stack of confusion matrices (..., K, K)."""
    tp = np.diagonal(cm, axis1=-2, axis2=-1).astype(float)
    predicted = cm.sum(axis=-2).astype(float)
    support = cm.sum(axis=-1).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(predicted > 0, tp / predicted, 0.0)
        recall = np.where(support > 0, tp / support, 0.0)
        denom = predicted + support
        f1 = np.where(denom > 0, 2 * tp / denom, 0.0)
    return precision, recall, f1, support


def _classification_metric(cm: np.ndarray, name: str, pos: int | None) -> np.ndarray:
    """A confusion-matrix metric for one matrix (K, K) or a stack (B, K, K)."""
    n = cm.sum(axis=(-2, -1)).astype(float)
    precision, recall, f1, support = _per_class_from_confusion(cm)
    if name == "accuracy":
        return np.trace(cm, axis1=-2, axis2=-1) / n
    if name == "f1":
        if pos is None:
            raise InputError("the binary f1 needs a positive label", where="primary_metric")
        return f1[..., pos]
    kind, avg = name.split("_")
    values = {"precision": precision, "recall": recall, "f1": f1}[kind]
    if avg == "macro":
        return values.mean(axis=-1)
    return (values * support).sum(axis=-1) / support.sum(axis=-1)


def average_ranks(x: np.ndarray) -> np.ndarray:
    """1-based ranks with ties given their average rank (scipy.stats.rankdata's default), in numpy."""
    order = np.argsort(x, kind="mergesort")
    xs = x[order]
    starts = np.r_[0, np.flatnonzero(np.diff(xs)) + 1]
    ends = np.r_[starts[1:], xs.size]
    ranks = np.empty(x.size)
    ranks[order] = np.repeat((starts + 1 + ends) / 2.0, ends - starts)
    return ranks


def roc_auc(y: np.ndarray, score: np.ndarray) -> float | None:
    """P(score of a random positive > score of a random negative), ties counted half."""
    n_pos = float(y.sum())
    n_neg = float(y.size - n_pos)
    if n_pos == 0 or n_neg == 0:
        return None
    ranks = average_ranks(np.asarray(score, dtype=float))
    return float((ranks[y == 1].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def average_precision(y: np.ndarray, score: np.ndarray) -> float | None:
    """Σ (Rₙ − Rₙ₋₁)·Pₙ over the distinct score thresholds, highest first (scikit-learn's definition)."""
    n_pos = float(y.sum())
    if n_pos == 0:
        return None
    order = np.argsort(-score, kind="mergesort")
    s, t = score[order], y[order]
    last_of_tie = np.r_[np.flatnonzero(np.diff(s)), s.size - 1]
    tps = np.cumsum(t)[last_of_tie]
    fps = (last_of_tie + 1) - tps
    precision = tps / (tps + fps)
    recall = tps / n_pos
    return float(np.sum(np.diff(np.r_[0.0, recall]) * precision))


def log_loss(y: np.ndarray, score: np.ndarray) -> float:
    eps = np.finfo(np.float64).eps
    p = np.clip(score, eps, 1 - eps)
    q = np.clip(1 - score, eps, 1 - eps)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(q)))


def _labels(y_true: pl.Series, y_pred: pl.Series) -> tuple[list[Any], np.ndarray, np.ndarray]:
    """A common sorted label list and integer codes for both columns."""
    if y_true.dtype == pl.Boolean:
        y_true = y_true.cast(pl.Int64)
    if y_pred.dtype == pl.Boolean:
        y_pred = y_pred.cast(pl.Int64)
    if y_true.dtype.is_numeric() and y_pred.dtype.is_numeric():
        a = y_true.cast(pl.Float64).to_numpy()
        b = y_pred.cast(pl.Float64).to_numpy()
        labels_arr = np.unique(np.r_[a, b])
        integral = bool(np.all(labels_arr == np.round(labels_arr)))
        labels = [int(v) if integral else float(v) for v in labels_arr]
    else:
        a = y_true.cast(pl.String).to_numpy().astype(str)
        b = y_pred.cast(pl.String).to_numpy().astype(str)
        labels_arr = np.unique(np.r_[a, b])
        labels = [str(v) for v in labels_arr]
    return labels, np.searchsorted(labels_arr, a), np.searchsorted(labels_arr, b)


def _positive_index(labels: list[Any], positive_label: Any) -> int | None:
    if positive_label is not None:
        for i, lab in enumerate(labels):
            if str(lab) == str(positive_label):
                return i
        return None
    if (
        len(labels) <= 2
        and all(lab in (0, 1) for lab in labels if not isinstance(lab, str))
        and not any(isinstance(lab, str) for lab in labels)
    ):
        return labels.index(1) if 1 in labels else None
    return None


def _classification(
    frame: pl.DataFrame,
    source: str,
    y_true: str,
    y_pred: str | None,
    y_score: str | None,
    positive_label: Any,
) -> dict[str, Any]:
    notes: list[str] = []
    score = None
    y01 = None
    if y_score:
        score = check_scores(frame[y_score], where=f"{source}: column {y_score}")
        y01 = to_binary(frame[y_true], positive_label=positive_label, where=f"{source}: column {y_true}")
    if y_pred:
        pred_series = frame[y_pred]
    elif score is not None:
        pred_series = pl.Series(y_pred or "y_pred", (score >= 0.5).astype(np.int64))
        notes.append("y_pred derived from y_score at the 0.5 threshold")
        if positive_label is not None:
            neg = _other_label(frame[y_true], positive_label)
            pred_series = pl.Series(
                "y_pred", [positive_label if s >= 0.5 else neg for s in score], dtype=frame[y_true].dtype
            )
    else:
        raise InputError(
            "give a prediction column or a score column",
            where=source,
            hint="--y-pred COL (predicted labels) and/or --y-score COL (probabilities)",
        )
    true_series = frame[y_true]
    if pred_series.dtype.is_numeric() != true_series.dtype.is_numeric() and not (
        pred_series.dtype == pl.Boolean or true_series.dtype == pl.Boolean
    ):
        notes.append("labels compared as text: one column holds numbers, the other text")
    labels, t_codes, p_codes = _labels(true_series, pred_series)
    k = len(labels)
    cm = np.bincount(t_codes * k + p_codes, minlength=k * k).reshape(k, k)
    precision, recall, f1, support = _per_class_from_confusion(cm)
    pos = _positive_index(labels, positive_label)
    n = int(cm.sum())
    metrics: dict[str, Any] = {"accuracy": float(np.trace(cm) / n)}
    for kind, values in (("precision", precision), ("recall", recall), ("f1", f1)):
        metrics[f"{kind}_macro"] = float(values.mean())
        metrics[f"{kind}_micro"] = metrics["accuracy"]  # single-label: micro P = R = F1 = accuracy
        metrics[f"{kind}_weighted"] = float((values * support).sum() / support.sum())
    if pos is not None and k <= 2:
        metrics.update(precision=float(precision[pos]), recall=float(recall[pos]), f1=float(f1[pos]))
    if score is not None and y01 is not None:
        metrics["roc_auc"] = roc_auc(y01, score)
        metrics["pr_auc"] = average_precision(y01, score)
        metrics["log_loss"] = log_loss(y01, score)
        if metrics["roc_auc"] is None:
            notes.append("ROC-AUC is undefined: y_true has a single class")
        if metrics["pr_auc"] is None:
            notes.append("PR-AUC is undefined: y_true has no positives")
    elif score is None:
        notes.append("no score column: ROC-AUC, PR-AUC and log loss need --y-score")
    empty_pred = [str(labels[i]) for i in range(k) if cm[:, i].sum() == 0]
    if empty_pred:
        notes.append(f"never predicted: {', '.join(empty_pred)} (precision counted as 0)")
    per_class = [
        {
            "label": labels[i],
            "precision": float(precision[i]),
            "recall": float(recall[i]),
            "f1": float(f1[i]),
            "support": int(support[i]),
        }
        for i in range(k)
    ]
    return {
        "labels": labels,
        "cm": cm,
        "codes": (t_codes, p_codes),
        "pos": pos,
        "metrics": metrics,
        "per_class": per_class,
        "notes": notes,
        "y01": y01,
        "score": score,
        "pred_series": pred_series,
    }


def _other_label(true_series: pl.Series, positive_label: Any) -> Any:
    others = [v for v in true_series.unique().to_list() if str(v) != str(positive_label)]
    if len(others) != 1:
        raise InputError(
            "deriving predictions from scores needs exactly two classes in y_true", where=true_series.name
        )
    return others[0]


def _bootstrap_classification(
    t_codes: np.ndarray, p_codes: np.ndarray, k: int, metric: str, pos: int | None, n_boot: int, seed: int
) -> np.ndarray:
    """The metric on ``n_boot`` row resamples, drawn as confusion matrices.

    Resampling n rows with replacement makes the confusion-matrix cell counts exactly
    Multinomial(n, observed cell shares), so drawing those counts directly *is* the row bootstrap,
    in O(n_boot·K²) instead of O(n_boot·n).
    """
    rng = np.random.default_rng(seed)
    n = t_codes.size
    cells = np.bincount(t_codes.astype(np.int64) * k + p_codes, minlength=k * k)
    cms = rng.multinomial(n, cells / n, size=n_boot).reshape(n_boot, k, k)
    return _classification_metric(cms, metric, pos)


def _regression_metric(sums: np.ndarray, n: int, metric: str) -> np.ndarray:
    """A regression metric from per-resample sums of (e², |e|, yc, yc²), yc = y − mean(y)."""
    sse, sae, sy, syy = sums.T
    if metric == "mse":
        return sse / n
    if metric == "rmse":
        return np.sqrt(sse / n)
    if metric == "mae":
        return sae / n
    ss_tot = syy - sy**2 / n
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(ss_tot > 0, 1 - sse / ss_tot, np.nan)


def _bootstrap_regression(y: np.ndarray, e: np.ndarray, metric: str, n_boot: int, seed: int) -> np.ndarray:
    """Row resamples as count vectors (one bincount per chunk), reduced with one matrix product.

    Uses the same draws as ``values[rng.integers(0, n, n)]`` per resample, so it equals the naive loop.
    """
    rng = np.random.default_rng(seed)
    n = y.size
    yc = y - y.mean()  # SST is shift-invariant; centring avoids cancellation in Σy² − (Σy)²/n
    columns = np.column_stack([e**2, np.abs(e), yc, yc**2])
    out = np.empty(n_boot)
    chunk = max(1, min(n_boot, _BOOT_CELLS // max(n, 1)))
    for start in range(0, n_boot, chunk):
        b = min(chunk, n_boot - start)
        idx = rng.integers(0, n, size=(b, n))
        idx += (np.arange(b, dtype=np.int64) * n)[:, None]
        counts = np.bincount(idx.ravel(), minlength=b * n).reshape(b, n).astype(np.float64)
        out[start : start + b] = _regression_metric(counts @ columns, n, metric)
    return out


def _ci(estimate: float | None, boots: np.ndarray, metric: str, n_boot: int, seed: int) -> dict[str, Any]:
    boots = boots[np.isfinite(boots)]
    low, high = np.percentile(boots, [2.5, 97.5]) if boots.size else (None, None)
    return {
        "metric": metric,
        "estimate": _finite(estimate),
        "low": _finite(low),
        "high": _finite(high),
        "n_boot": n_boot,
        "seed": seed,
        "method": "percentile bootstrap (rows resampled with replacement)",
    }


# --- regression ------------------------------------------------------------------------------------


def _numeric_column(frame: pl.DataFrame, column: str, source: str, hint: str) -> pl.Series:
    """The column, refused with ``hint`` when its type is not a number type."""
    series = frame[column]
    if not series.dtype.is_numeric():
        raise InputError(
            f"column {column!r} is {series.dtype}, not numeric", where=f"{source}: column {column}", hint=hint
        )
    return series


def _numeric(frame: pl.DataFrame, column: str, source: str) -> np.ndarray:
    hint = "regression needs numbers; pass --task classification for labels"
    arr = _numeric_column(frame, column, source, hint).cast(pl.Float64).to_numpy()
    if not np.all(np.isfinite(arr)):
        raise InputError(
            f"column {column!r} has infinite or NaN values",
            where=f"{source}: column {column}",
            hint="clean or drop those rows",
        )
    return arr


def _regression(frame: pl.DataFrame, source: str, y_true: str, y_pred: str | None) -> dict[str, Any]:
    if not y_pred:
        raise InputError("regression needs a prediction column", where=source, hint="pass --y-pred COL")
    y = _numeric(frame, y_true, source)
    p = _numeric(frame, y_pred, source)
    e = p - y
    mse = float(np.mean(e**2))
    notes: list[str] = []
    ss_tot = float(np.sum((y - y.mean()) ** 2))
    r2 = 1 - float(np.sum(e**2)) / ss_tot if ss_tot > 0 else None
    if r2 is None:
        notes.append("R² is undefined: y_true is constant")
    nonzero = y != 0
    skipped = int((~nonzero).sum())
    mape = float(np.mean(np.abs(e[nonzero]) / np.abs(y[nonzero]))) if nonzero.any() else None
    if skipped:
        notes.append(f"MAPE skips {skipped} row(s) where y_true is 0")
    residual = y - p
    q = np.percentile(residual, [25, 50, 75])
    metrics = {
        "mse": mse,
        "rmse": math.sqrt(mse),
        "mae": float(np.mean(np.abs(e))),
        "r2": r2,
        "mape": mape,
        "mape_skipped_zero_rows": skipped,
    }
    residuals = {
        "definition": "y_true − y_pred",
        "mean": float(residual.mean()),
        "std": float(residual.std(ddof=1)) if residual.size > 1 else None,
        "min": float(residual.min()),
        "p25": float(q[0]),
        "median": float(q[1]),
        "p75": float(q[2]),
        "max": float(residual.max()),
    }
    return {"metrics": metrics, "residuals": residuals, "y": y, "e": e, "notes": notes}


# --- latency ---------------------------------------------------------------------------------------


def latency_profile(
    values: Sequence[float] | np.ndarray, *, timestamps: Sequence[Any] | None = None, where: str = "latency"
) -> dict[str, Any]:
    """p50/p95/p99 (numpy linear percentiles), mean, max, count and throughput, latencies in ms.

    throughput_rps is requests per second: count / (last − first timestamp) when timestamps are given
    and span a positive time, otherwise 1000 / mean latency, i.e. one request served at a time.
    """
    arr = np.asarray(values, dtype=float)
    arr = arr[~np.isnan(arr)]
    if arr.size == 0:
        raise InputError("no latency values", where=where)
    if not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise InputError("latencies must be finite and non-negative", where=where)
    p50, p95, p99 = np.percentile(arr, [50, 95, 99])
    mean = float(arr.mean())
    out: dict[str, Any] = {
        "p50": float(p50),
        "p95": float(p95),
        "p99": float(p99),
        "mean": mean,
        "max": float(arr.max()),
        "count": int(arr.size),
        "unit": "ms",
    }
    span = None
    if timestamps is not None:
        ts = np.asarray(timestamps, dtype="datetime64[us]")
        ts = ts[~np.isnat(ts)]
        if ts.size >= 2:
            span = float((ts.max() - ts.min()) / np.timedelta64(1, "s"))
    if span:
        out.update(throughput_rps=arr.size / span, throughput_method="count / timestamp span")
    else:
        out.update(
            throughput_rps=1000.0 / mean if mean > 0 else None,
            throughput_method="1000 / mean latency (one request at a time)",
        )
    return out


def evaluate_latency_file(
    path: str | Path, column: str, *, timestamp_col: str | None = None
) -> dict[str, Any]:
    """The latency profile of one column of a log file (rows with a missing latency are skipped)."""
    columns = [column] + ([timestamp_col] if timestamp_col else [])
    frame = read_table(path, columns=list(dict.fromkeys(columns)))
    series = frame[column]
    where = f"{path}: column {column}"
    if not series.dtype.is_numeric():
        raise InputError(
            f"column {column!r} is {series.dtype}, not numeric",
            where=where,
            hint="latencies are numbers in ms",
        )
    ts = _timestamps(frame, timestamp_col, str(path)) if timestamp_col else None
    return latency_profile(
        series.cast(pl.Float64).fill_null(float("nan")).to_numpy(), timestamps=ts, where=where
    )


def _timestamps(frame: pl.DataFrame, column: str, source: str) -> list[Any]:
    series = frame[column]
    if series.dtype.is_temporal():
        return series.cast(pl.Datetime("us")).to_list()
    if series.dtype == pl.String:
        try:
            return series.str.to_datetime(strict=True).cast(pl.Datetime("us")).to_list()
        except Exception as exc:
            raise InputError(
                f"column {column!r} does not parse as timestamps",
                where=f"{source}: column {column}",
                hint="use ISO-8601 timestamps, e.g. 2025-01-31T12:00:00",
            ) from exc
    raise InputError(
        f"column {column!r} is {series.dtype}, not a timestamp", where=f"{source}: column {column}"
    )


# --- entry point -----------------------------------------------------------------------------------


def evaluate(
    predictions: str | Path | pl.DataFrame,
    *,
    y_true: str,
    options: EvaluateOptions = EVALUATE_DEFAULTS,
    progress: Callable[[int, int, int], None] | None = None,
    **changes: Any,
) -> dict[str, Any]:
    """Evaluate predictions in a file (or frame); see the module docstring for the definitions.

    Rows with a missing y_true, y_pred or y_score are dropped and counted (``dropped_rows``).
    ``progress(done, total, rows)`` hears of each step finished (reading, metrics, bootstrap,
    each fairness group, latency), with the rows read; the signature of ``stats.drift``'s.
    ``options`` holds the other columns and choices (stats/options.py); keyword ``changes`` name
    ``EvaluateOptions`` fields to change for this call (``evaluate(path, y_true="y", y_pred="p")``).
    """
    o = replace(options, **changes) if changes else options
    y_pred, y_score, task, positive_label = o.y_pred, o.y_score, o.task, o.positive_label
    latency_col, timestamp_col = o.latency_col, o.timestamp_col
    primary_metric, seed, n_boot = o.primary_metric, o.seed, o.n_boot
    groups = list(o.groups or [])
    wanted = [y_true, y_pred, y_score, *groups, latency_col, timestamp_col]
    columns = list(dict.fromkeys(c for c in wanted if c))
    frame, source = _load(predictions, columns)
    steps = 2 + (n_boot > 0) + len(groups) + bool(latency_col)
    done, rows_read = [0], frame.height

    def step() -> None:
        done[0] += 1
        if progress is not None:
            progress(done[0], steps, rows_read)

    step()
    if task is not None and task not in ("classification", "regression"):
        raise InputError(f"unknown task {task!r}", where="task", hint="use classification or regression")
    required = [c for c in (y_true, y_pred, y_score) if c]
    full = frame
    frame = frame.drop_nulls(required)
    dropped = full.height - frame.height
    if frame.height == 0:
        raise InputError(
            "no rows with all of " + ", ".join(required),
            where=source,
            hint="the label and prediction columns are empty",
        )
    if task is None:
        task = (
            "classification"
            if (y_score and not y_pred)
            else infer_task(frame[y_true], frame[y_pred] if y_pred else None)
        )
    result: dict[str, Any] = {
        "task": task,
        "rows": frame.height,
        "dropped_rows": dropped,
        "metrics": {},
        "ci95": None,
        "confusion_matrix": None,
        "per_class": None,
        "fairness": {},
        "latency": None,
        "notes": [],
    }
    if dropped:
        result["notes"].append(f"{dropped} row(s) with missing labels, predictions or scores were dropped")
    if task == "classification":
        c = _classification(frame, source, y_true, y_pred, y_score, positive_label)
        result["metrics"] = c["metrics"]
        result["labels"] = c["labels"]
        result["positive_label"] = None if c["pos"] is None else c["labels"][c["pos"]]
        result["confusion_matrix"] = {
            "labels": c["labels"],
            "matrix": c["cm"].tolist(),
            "rows": "true label",
            "columns": "predicted label",
        }
        result["per_class"] = c["per_class"]
        result["notes"] += c["notes"]
        step()
        metric = primary_metric or "accuracy"
        if metric not in CLASSIFICATION_PRIMARY or (metric == "f1" and c["pos"] is None):
            raise InputError(
                f"primary metric {metric!r} is not available for this classification",
                where="primary_metric",
                hint="use one of "
                + ", ".join(CLASSIFICATION_PRIMARY[:-1])
                + (", f1" if c["pos"] is not None else ""),
            )
        if n_boot > 0:
            boots = _bootstrap_classification(*c["codes"], len(c["labels"]), metric, c["pos"], n_boot, seed)
            result["ci95"] = _ci(c["metrics"][metric], boots, metric, n_boot, seed)
            step()
        for g in groups:
            result["fairness"][g] = _group_fairness(frame, source, g, y_true, c, positive_label)
            step()
    else:
        if groups:
            raise InputError(
                "fairness by group needs a classification task", where=f"{source}: column {groups[0]}"
            )
        r = _regression(frame, source, y_true, y_pred)
        result["metrics"] = r["metrics"]
        result["residuals"] = r["residuals"]
        result["notes"] += r["notes"]
        step()
        metric = primary_metric or "rmse"
        if metric not in REGRESSION_PRIMARY:
            raise InputError(
                f"primary metric {metric!r} is not a regression metric",
                where="primary_metric",
                hint="use one of " + ", ".join(REGRESSION_PRIMARY),
            )
        if n_boot > 0:
            boots = _bootstrap_regression(r["y"], r["e"], metric, n_boot, seed)
            result["ci95"] = _ci(r["metrics"][metric], boots, metric, n_boot, seed)
            step()
    if latency_col:
        lat = _numeric_column(full, latency_col, source, "latencies are numbers in ms")
        ts = _timestamps(full, timestamp_col, source) if timestamp_col else None
        values = lat.cast(pl.Float64).fill_null(float("nan")).to_numpy()
        result["latency"] = latency_profile(values, timestamps=ts, where=f"{source}: column {latency_col}")
        step()
    return result


def _group_fairness(
    frame: pl.DataFrame, source: str, group: str, y_true: str, c: dict[str, Any], positive_label: Any
) -> dict[str, Any]:
    where_t = f"{source}: column {y_true}"
    y01 = (
        c["y01"]
        if c["y01"] is not None
        else to_binary(frame[y_true], positive_label=positive_label, where=where_t)
    )
    p01 = to_binary(c["pred_series"], positive_label=positive_label, where=f"{source}: predictions")
    return fairness_arrays(y01, p01, frame[group], y_score=c["score"], where=f"{source}: column {group}")
