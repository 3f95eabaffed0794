"""Group fairness of a binary classifier (docs/reference/statistics.md#evaluation-and-fairness).

Per group: selection rate (share predicted positive), TPR, FPR, accuracy and,
with scores, calibration (mean score vs observed positive rate). Across groups:
demographic parity difference (max − min selection rate) and ratio (min / max),
equal-opportunity difference (TPR gap), equalized-odds difference (the larger
of the TPR and FPR gaps), and the four-fifths rule on the parity ratio:
PASS ≥ 0.8, WARNING 0.7 ≤ ratio < 0.8, FAIL < 0.7.

A rate with an empty denominator (a group with no positives has no TPR) is
null with a note, and the gaps are taken over the groups where it is defined;
fairlearn would count it as 0 instead, so the two agree whenever every group
has both classes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from axtui.errors import InputError
from axtui.stats.io import read_table, require_columns
from axtui.stats.options import FairnessColumns

PASS_RATIO = 0.8
WARNING_RATIO = 0.7
MISSING_GROUP = "(missing)"


def four_fifths(ratio: float | None) -> str | None:
    """PASS at a parity ratio of at least 0.8, WARNING from 0.7 up to 0.8, FAIL below 0.7."""
    if ratio is None:
        return None
    if ratio >= PASS_RATIO:
        return "PASS"
    return "WARNING" if ratio >= WARNING_RATIO else "FAIL"


def _rate(num: float, den: float) -> float | None:
    return num / den if den > 0 else None


def _gap(values: Sequence[float | None]) -> float | None:
    defined = [v for v in values if v is not None]
    return max(defined) - min(defined) if len(defined) >= 2 else None


def _group_keys(groups: pl.Series | Sequence[Any]) -> np.ndarray:
    """Group labels as text, missing values as their own group."""
    if not isinstance(groups, pl.Series):
        groups = pl.Series("group", [None if g is None else str(g) for g in groups], dtype=pl.String)
    return groups.cast(pl.String).fill_null(MISSING_GROUP).to_numpy().astype(str)


def fairness_arrays(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    groups: pl.Series | Sequence[Any],
    *,
    y_score: np.ndarray | None = None,
    where: str = "group",
) -> dict[str, Any]:
    """Fairness from 0/1 arrays and a group label per row; ``where`` names the column in errors."""
    t = np.asarray(y_true, dtype=float)
    p = np.asarray(y_pred, dtype=float)
    names, inverse = np.unique(_group_keys(groups), return_inverse=True)
    if names.size < 2:
        raise InputError(
            f"the protected attribute has a single group ({names[0] if names.size else 'none'})",
            where=where,
            hint="fairness compares groups: use a column with at least two values",
        )
    k = names.size

    def per_group(weights: np.ndarray | None = None) -> np.ndarray:
        return np.bincount(inverse, weights=weights, minlength=k)

    count = per_group()
    pos = per_group(t)
    sums = {
        "selected": per_group(p),
        "tp": per_group(t * p),
        "fp": per_group((1 - t) * p),
        "correct": per_group((t == p).astype(float)),
    }
    score_sum = per_group(np.asarray(y_score, dtype=float)) if y_score is not None else None
    out_groups: dict[str, dict[str, Any]] = {}
    notes: list[str] = []
    for i, name in enumerate(names.tolist()):
        n_i, pos_i = float(count[i]), float(pos[i])
        row: dict[str, Any] = {
            "count": int(count[i]),
            "selection_rate": float(sums["selected"][i] / n_i),
            "tpr": _rate(float(sums["tp"][i]), pos_i),
            "fpr": _rate(float(sums["fp"][i]), n_i - pos_i),
            "accuracy": float(sums["correct"][i] / n_i),
            "positives": int(pos_i),
        }
        if row["tpr"] is None:
            notes.append(f"group {name!r} has no positives: its TPR is undefined")
        if row["fpr"] is None:
            notes.append(f"group {name!r} has no negatives: its FPR is undefined")
        if score_sum is not None:
            row["mean_score"] = float(score_sum[i] / n_i)
            row["positive_rate"] = pos_i / n_i
            row["calibration_gap"] = row["mean_score"] - row["positive_rate"]
        out_groups[name] = row
    rates = [g["selection_rate"] for g in out_groups.values()]
    hi, lo = max(rates), min(rates)
    ratio = lo / hi if hi > 0 else None
    if ratio is None:
        notes.append("no group is ever predicted positive: the parity ratio is undefined")
    tpr_gap = _gap([g["tpr"] for g in out_groups.values()])
    fpr_gap = _gap([g["fpr"] for g in out_groups.values()])
    eq_odds = (
        None if tpr_gap is None and fpr_gap is None else max(v for v in (tpr_gap, fpr_gap) if v is not None)
    )
    result: dict[str, Any] = {
        "groups": out_groups,
        "demographic_parity_difference": hi - lo,
        "demographic_parity_ratio": ratio,
        "equal_opportunity_difference": tpr_gap,
        "equalized_odds_difference": eq_odds,
        "four_fifths": four_fifths(ratio),
        "four_fifths_rule": {"pass_at_least": PASS_RATIO, "warning_at_least": WARNING_RATIO},
        "notes": notes,
    }
    if y_score is not None:
        gaps = [abs(g["calibration_gap"]) for g in out_groups.values()]
        result["max_calibration_gap"] = max(gaps)
    worst = min(out_groups, key=lambda n: out_groups[n]["selection_rate"])
    best = max(out_groups, key=lambda n: out_groups[n]["selection_rate"])
    result["lowest_selection_group"] = worst
    result["highest_selection_group"] = best
    return result


def to_binary(values: pl.Series, *, positive_label: Any = None, where: str) -> np.ndarray:
    """0/1 floats from a label column: numbers or booleans in {0, 1}, or ``== positive_label``."""
    if positive_label is not None:
        if values.dtype.is_numeric():
            try:
                target = float(positive_label)
            except (TypeError, ValueError):
                raise InputError(
                    f"positive label {positive_label!r} is not a number but the column is", where=where
                ) from None
            return (values.cast(pl.Float64).to_numpy() == target).astype(float)
        return (values.cast(pl.String).to_numpy() == str(positive_label)).astype(float)
    if values.dtype == pl.Boolean:
        return values.cast(pl.Float64).to_numpy()
    if values.dtype.is_numeric():
        arr = values.cast(pl.Float64).to_numpy()
        bad = arr[(arr != 0) & (arr != 1)]
        if bad.size == 0:
            return arr
        shown = ", ".join(f"{v:g}" for v in np.unique(bad)[:5])
    else:
        shown = ", ".join(repr(v) for v in values.unique().sort().head(5).to_list())
    raise InputError(
        f"labels outside {{0, 1}} ({shown}) where binary labels are needed",
        where=where,
        hint="use 0/1 labels or name the positive class (--positive-label)",
    )


def fairness(
    data: str | Path | pl.DataFrame, spec: FairnessColumns | None = None, **fields: Any
) -> dict[str, Any]:
    """Fairness of the predictions in a file (or frame) across the groups of ``group_col``.

    ``spec`` names the columns (stats/options.py); keyword ``fields`` name them instead, or change
    some of ``spec``'s (``fairness(path, y_true="y", y_pred="p", group_col="g")``).
    """
    spec = replace(spec, **fields) if spec is not None else FairnessColumns(**fields)
    y_true, y_pred, group_col, y_score = spec.y_true, spec.y_pred, spec.group_col, spec.y_score
    positive_label = spec.positive_label
    columns = list(dict.fromkeys(c for c in (y_true, y_pred, group_col, y_score) if c))
    if isinstance(data, pl.DataFrame):
        source = "<data>"
        require_columns(source, data.columns, columns)
        frame = data.select(columns)
    else:
        source = str(data)
        frame = read_table(data, columns=columns)
    frame = frame.drop_nulls([c for c in columns if c != group_col])
    if frame.height == 0:
        raise InputError("no rows left after dropping rows with missing labels or predictions", where=source)
    t = to_binary(frame[y_true], positive_label=positive_label, where=f"{source}: column {y_true}")
    p = to_binary(frame[y_pred], positive_label=positive_label, where=f"{source}: column {y_pred}")
    s = None
    if y_score:
        s = check_scores(frame[y_score], where=f"{source}: column {y_score}")
    return fairness_arrays(t, p, frame[group_col], y_score=s, where=f"{source}: column {group_col}")


def check_scores(values: pl.Series, *, where: str) -> np.ndarray:
    """Scores as floats, refusing non-numbers and anything outside [0, 1]."""
    if not values.dtype.is_numeric():
        raise InputError(
            f"scores are {values.dtype}, not numbers",
            where=where,
            hint="the score column holds the predicted probability of the positive class",
        )
    arr = values.cast(pl.Float64).to_numpy()
    bad = ~((arr >= 0) & (arr <= 1))
    if bad.any():
        example = arr[bad][0]
        raise InputError(
            f"{int(bad.sum())} score(s) outside [0, 1] (e.g. {example:g})",
            where=where,
            hint="scores must be probabilities; apply a sigmoid/softmax first",
        )
    return arr
