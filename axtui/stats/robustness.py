"""Robustness measured from the files a practitioner already has (ml-model-evaluation's robustness step).

The seed asks a persona for noise curves and shift tests it could never run.
Three parts of it can be measured from given files, so we measure them:

* performance on **slices** (each value of each slice column) against the overall
  number, with the worst slice named;
* performance on **rows with missing values** in the feature columns against the
  complete rows;
* performance under **covariate shift**: the same model's predictions on a shifted
  file.

The rest (noise sensitivity, out-of-range inputs, label shift, boundary
conditions, rare classes, adversarial-like inputs, OOD detection) is a guided
checklist the user answers; the answers count in the score.

Robustness score (1-10): start at 10 and subtract one point per full 5% relative
drop of the primary metric — at most 3 for the worst slice (slices with at least
``min_slice_rows`` rows), 2 for rows with missing values, 3 under covariate
shift — and one point per checklist item answered ``fail`` (at most 2). Never
below 1.
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path
from typing import Any

import polars as pl

from axtui.errors import InputError
from axtui.stats.decisions import lower_is_better_by_name
from axtui.stats.evaluate import evaluate
from axtui.stats.io import read_table, require_columns
from axtui.stats.options import ROBUSTNESS_DEFAULTS, RobustnessOptions

CHECKLIST = (
    ("noise_sensitivity", "Noise sensitivity: performance under Gaussian noise on numeric features"),
    ("out_of_range", "Out-of-range values: extreme inputs cause no catastrophic failure"),
    ("label_shift", "Label shift: behaviour and calibration under different class proportions"),
    ("boundary_conditions", "Boundary conditions handled"),
    ("rare_class", "Rare class handling"),
    ("adversarial", "Adversarial-like examples (if applicable)"),
    ("ood_detection", "Out-of-distribution inputs are detected / confidence is calibrated on OOD"),
)
_ANSWERS = {
    "pass": "pass",
    "ok": "pass",
    "yes": "pass",
    "true": "pass",
    "fail": "fail",
    "no": "fail",
    "false": "fail",
    "n/a": "n/a",
    "na": "n/a",
    "skip": "n/a",
    "not applicable": "n/a",
    "not assessed": "not assessed",
}
PENALTY_STEP_PCT = 5.0
CAPS = {"slice": 3, "missing": 2, "shift": 3, "checklist": 2}


def _metric(
    frame: pl.DataFrame,
    *,
    y_true: str,
    y_pred: str | None,
    y_score: str | None,
    metric: str,
    task: str | None,
) -> float | None:
    result = evaluate(
        frame, y_true=y_true, y_pred=y_pred, y_score=y_score, task=task, primary_metric=metric, n_boot=0
    )
    value = result["metrics"].get(metric)
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)


def _drop_pct(overall: float | None, value: float | None, lower_better: bool) -> float | None:
    """Relative change in the bad direction, in percent (negative = better than overall)."""
    if overall is None or value is None or overall == 0:
        return None
    change = (value - overall) / abs(overall) * 100.0
    return change if lower_better else -change


def _penalty(drop: float | None, cap: int) -> int:
    if drop is None or drop <= 0:
        return 0
    return min(cap, int(drop // PENALTY_STEP_PCT))


def _normalise_checklist(answers: Any) -> list[dict[str, Any]]:
    if answers is None:
        answers = {}
    if not isinstance(answers, dict):
        raise InputError(
            "the robustness checklist must be an object {item: pass|fail|n/a}",
            where="robustness: checklist",
            hint="items: " + ", ".join(k for k, _ in CHECKLIST),
        )
    unknown = [k for k in answers if k not in dict(CHECKLIST)]
    if unknown:
        raise InputError(
            f"unknown robustness checklist item(s): {', '.join(unknown)}",
            where="robustness: checklist",
            hint="items: " + ", ".join(k for k, _ in CHECKLIST),
        )
    rows = []
    for key, text in CHECKLIST:
        raw = answers.get(key)
        if raw is None or str(raw).strip() == "":
            status = "not assessed"
        else:
            status = _ANSWERS.get(str(raw).strip().lower())
            if status is None:
                raise InputError(
                    f"checklist answer for {key} must be pass, fail or n/a (got {raw!r})",
                    where=f"robustness: checklist.{key}",
                )
        rows.append({"item": key, "question": text, "status": status, "measured": False})
    return rows


def robustness(
    predictions_path: str | Path,
    *,
    y_true: str,
    options: RobustnessOptions = ROBUSTNESS_DEFAULTS,
    **changes: Any,
) -> dict[str, Any]:
    """Measure slice, missing-value and covariate-shift robustness and score it with the checklist.

    ``options`` holds the other columns, files and choices (stats/options.py); keyword ``changes`` name
    ``RobustnessOptions`` fields to change for this call (``robustness(path, y_true="y", y_pred="p")``).
    """
    o = replace(options, **changes) if changes else options
    y_pred, y_score, task, primary_metric = o.y_pred, o.y_score, o.task, o.primary_metric
    shifted_path, min_slice_rows = o.shifted_path, o.min_slice_rows
    path = Path(predictions_path)
    frame = read_table(path)
    slice_cols = list(o.slice_cols or [])
    require_columns(path, frame.columns, [c for c in (y_true, y_pred, y_score, *slice_cols) if c])
    base = evaluate(
        frame,
        y_true=y_true,
        y_pred=y_pred,
        y_score=y_score,
        task=task,
        primary_metric=primary_metric,
        n_boot=0,
    )
    task = base["task"]
    metric = primary_metric or ("accuracy" if task == "classification" else "rmse")
    lower_better = lower_is_better_by_name(metric)
    overall = float(base["metrics"][metric])
    kw = {"y_true": y_true, "y_pred": y_pred, "y_score": y_score, "metric": metric, "task": task}
    rows = [c for c in (y_true, y_pred, y_score) if c]
    checks: list[dict[str, Any]] = []

    # Slices.
    slices: dict[str, list[dict[str, Any]]] = {}
    worst: dict[str, Any] | None = None
    for col in slice_cols:
        out = []
        for value in frame[col].unique(maintain_order=True).to_list():
            part = frame.filter(pl.col(col).is_null() if value is None else pl.col(col) == value)
            part = part.drop_nulls(rows)
            if part.height == 0:
                continue
            m = _metric(part, **kw)
            drop = _drop_pct(overall, m, lower_better)
            row = {
                "value": value,
                "rows": part.height,
                "metric": m,
                "drop_pct": drop,
                "small": part.height < min_slice_rows,
            }
            out.append(row)
            if not row["small"] and drop is not None and (worst is None or drop > worst["drop_pct"]):
                worst = {"column": col, **row}
        slices[col] = out
    checks.append(
        {
            "item": "slices",
            "measured": True,
            "status": "measured" if slice_cols else "not given",
            "penalty": _penalty(worst["drop_pct"] if worst else None, CAPS["slice"]),
        }
    )

    # Rows with missing feature values.
    features = list(o.feature_cols or []) or [c for c in frame.columns if c not in (y_true, y_pred, y_score)]
    require_columns(path, frame.columns, features)
    has_missing = pl.any_horizontal([pl.col(c).is_null() for c in features]) if features else pl.lit(False)
    usable = frame.drop_nulls(rows)
    with_missing = usable.filter(has_missing)
    complete = usable.filter(~has_missing)
    missing: dict[str, Any] | None = None
    if with_missing.height and complete.height:
        m_miss, m_full = _metric(with_missing, **kw), _metric(complete, **kw)
        missing = {
            "rows_with_missing": with_missing.height,
            "rows_complete": complete.height,
            "metric_missing": m_miss,
            "metric_complete": m_full,
            "drop_pct": _drop_pct(m_full, m_miss, lower_better),
            "columns_with_missing": [c for c in features if frame[c].null_count() > 0],
        }
    checks.append(
        {
            "item": "missing_values",
            "measured": True,
            "status": "measured" if missing else "no rows with missing values",
            "penalty": _penalty(missing["drop_pct"] if missing else None, CAPS["missing"]),
        }
    )

    # Covariate shift.
    shift: dict[str, Any] | None = None
    if shifted_path:
        shifted = read_table(shifted_path)
        require_columns(shifted_path, shifted.columns, rows)
        m_shift = _metric(shifted.drop_nulls(rows), **kw)
        shift = {
            "path": str(shifted_path),
            "rows": shifted.height,
            "metric": m_shift,
            "drop_pct": _drop_pct(overall, m_shift, lower_better),
        }
    checks.append(
        {
            "item": "covariate_shift",
            "measured": True,
            "status": "measured" if shift else "no shifted file given",
            "penalty": _penalty(shift["drop_pct"] if shift else None, CAPS["shift"]),
        }
    )

    guided = _normalise_checklist(o.checklist)
    failed = sum(1 for row in guided if row["status"] == "fail")
    penalty_check = min(CAPS["checklist"], failed)
    score = max(1, 10 - sum(c["penalty"] for c in checks) - penalty_check)

    return {
        "task": task,
        "primary_metric": metric,
        "higher_is_better": not lower_better,
        "overall": overall,
        "rows": base["rows"],
        "slices": slices,
        "worst_slice": worst,
        "missing_values": missing,
        "covariate_shift": shift,
        "checklist": guided,
        "not_assessed": [r["item"] for r in guided if r["status"] == "not assessed"],
        "score_breakdown": [
            *checks,
            {"item": "checklist", "measured": False, "failed_items": failed, "penalty": penalty_check},
        ],
        "robustness_score": score,
    }
