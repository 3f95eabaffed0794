"""Evaluation computes: metrics, fairness, latency, robustness, shadow comparison, fairness summary."""

from __future__ import annotations

from typing import Any

from axtui.core.workflow.computes.catalogue import ComputeContext, compute
from axtui.errors import InputError
from axtui.stats.options import EvaluateOptions, FairnessColumns, RobustnessOptions, ShadowOptions


@compute("evaluate", unit="steps")
def evaluate(
    predictions: str, y_true: str, options: EvaluateOptions, *, ctx: ComputeContext
) -> dict[str, Any]:
    """Classification or regression metrics, bootstrap CI, fairness, latency (see docs/reference).

    The other arguments are the fields of ``EvaluateOptions`` (axtui/stats/options.py). Each
    evaluation step done (reading, metrics, bootstrap, each group, latency) is reported through
    ``ctx.progress``."""
    from axtui.stats.evaluate import evaluate as run_evaluate

    return run_evaluate(predictions, y_true=y_true, options=options, progress=ctx.progress)


@compute("fairness")
def fairness(predictions: str, columns: FairnessColumns) -> dict[str, Any]:
    """Group fairness: parity, equal opportunity, equalized odds, four-fifths.

    The other arguments are the fields of ``FairnessColumns`` (axtui/stats/options.py)."""
    from axtui.stats.fairness import fairness as run_fairness

    return run_fairness(predictions, columns)


@compute("latency")
def latency(
    values: list[float] | None = None,
    path: str | None = None,
    column: str | None = None,
    timestamp_col: str | None = None,
) -> dict[str, Any]:
    """Latency profile p50/p95/p99, mean, max, throughput (values, or path+column)."""
    from axtui.stats.evaluate import evaluate_latency_file, latency_profile

    if values is not None:
        return latency_profile(values, where="latency: values")
    if path is None:
        raise InputError("compute latency needs 'path'", where="latency: path")
    if column is None:
        raise InputError("compute latency needs 'column'", where="latency: column")
    return evaluate_latency_file(path, column, timestamp_col=timestamp_col)


@compute("robustness")
def robustness(predictions_path: str, y_true: str, options: RobustnessOptions) -> dict[str, Any]:
    """Robustness from slices, missing values and a shifted file.

    The other arguments are the fields of ``RobustnessOptions`` (axtui/stats/options.py)."""
    from axtui.stats.robustness import robustness as run_robustness

    out = run_robustness(predictions_path, y_true=y_true, options=options)
    return {"markdown": _robustness_table(out), **out}


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:+.1f}%"


def _robustness_table(r: dict[str, Any]) -> str:
    """The measured rows of a robustness result as the report's Markdown table."""
    worst, missing, shift = r["worst_slice"], r["missing_values"], r["covariate_shift"]
    lines = [
        "| Measured | Rows | " + r["primary_metric"] + " | Drop vs reference |",
        "|---|---|---|---|",
        f"| overall | {r['rows']} | {r['overall']:.4g} | — |",
    ]
    if worst:
        lines.append(
            f"| worst slice {worst['column']}={worst['value']} | {worst['rows']} | "
            f"{worst['metric']:.4g} | {_pct(worst['drop_pct'])} |"
        )
    if missing:
        lines.append(
            f"| rows with missing values (vs complete rows {missing['metric_complete']:.4g}) | "
            f"{missing['rows_with_missing']} | {missing['metric_missing']:.4g} | "
            f"{_pct(missing['drop_pct'])} |"
        )
    if shift:
        drop = _pct(shift["drop_pct"])
        lines.append(f"| covariate-shifted file | {shift['rows']} | {shift['metric']:.4g} | {drop} |")
    return "\n".join(lines)


@compute("shadow_compare")
def shadow_compare(
    production_path: str | None = None,
    shadow_path: str | None = None,
    production_log_path: str | None = None,
    shadow_log_path: str | None = None,
    candidate_path: str | None = None,
    *,
    options: ShadowOptions,
) -> dict[str, Any]:
    """Shadow vs production prediction logs: agreement, metrics, latency.

    The other arguments are the fields of ``ShadowOptions`` (axtui/stats/options.py); an empty
    ``label_col`` or ``latency_col`` means the logs have no such column.
    """
    from axtui.stats.shadow import shadow_compare as run_shadow

    prod = production_path or production_log_path
    shadow = shadow_path or shadow_log_path or candidate_path
    if not prod or not shadow:
        raise InputError(
            "shadow_compare needs production_path and shadow_path",
            where="shadow_compare: args",
            hint="pass the two prediction logs",
        )
    return run_shadow(prod, shadow, options=options)


_ORDER = {"PASS": 0, "WARNING": 1, "FAIL": 2}


def _fmt(value: Any) -> str:
    return "—" if value is None else f"{value:.3f}" if isinstance(value, float) else str(value)


@compute("fairness_summary")
def fairness_summary(fairness: dict[str, Any]) -> dict[str, Any]:
    """One fairness verdict over protected attributes, highest disparity, calibration by group.

    ``fairness`` is ``evaluate``'s fairness mapping; the verdict is the worst four-fifths result
    (FAIL before WARNING before PASS).
    """
    if not fairness:
        raise InputError(
            "fairness_summary needs the fairness results of at least one protected attribute",
            where="fairness_summary: fairness",
            hint="give evaluate a `groups` list of protected attribute columns",
        )
    rows = []
    for attribute, res in fairness.items():
        rows.append(
            {
                "attribute": attribute,
                "four_fifths": res.get("four_fifths"),
                "demographic_parity_ratio": res.get("demographic_parity_ratio"),
                "demographic_parity_difference": res.get("demographic_parity_difference"),
                "equal_opportunity_difference": res.get("equal_opportunity_difference"),
                "equalized_odds_difference": res.get("equalized_odds_difference"),
                "max_calibration_gap": res.get("max_calibration_gap"),
                "lowest_selection_group": res.get("lowest_selection_group"),
                "highest_selection_group": res.get("highest_selection_group"),
            }
        )
    verdicts = [r["four_fifths"] for r in rows if r["four_fifths"] in _ORDER]
    overall = max(verdicts, key=_ORDER.__getitem__) if verdicts else None
    worst = min(
        rows,
        key=lambda r: r["demographic_parity_ratio"] if r["demographic_parity_ratio"] is not None else 1.0,
    )
    calibration = []
    for attribute, res in fairness.items():
        for group, g in (res.get("groups") or {}).items():
            calibration.append(
                {
                    "attribute": attribute,
                    "group": group,
                    "count": g.get("count"),
                    "selection_rate": g.get("selection_rate"),
                    "tpr": g.get("tpr"),
                    "fpr": g.get("fpr"),
                    "mean_score": g.get("mean_score"),
                    "positive_rate": g.get("positive_rate"),
                    "calibration_gap": g.get("calibration_gap"),
                }
            )
    head = (
        "| Attribute | Four-fifths | Parity ratio | Equal opportunity diff | Equalized odds diff | "
        "Max calibration gap |\n|---|---|---|---|---|---|\n"
    )
    table = head + "\n".join(
        f"| {r['attribute']} | {r['four_fifths'] or '—'} | {_fmt(r['demographic_parity_ratio'])} | "
        f"{_fmt(r['equal_opportunity_difference'])} | {_fmt(r['equalized_odds_difference'])} | "
        f"{_fmt(r['max_calibration_gap'])} |"
        for r in rows
    )
    cal_table = (
        "| Attribute | Group | Count | Selection rate | TPR | FPR | Mean score | Observed positive rate | "
        "Calibration gap |\n|---|---|---|---|---|---|---|---|---|\n"
    ) + "\n".join(
        f"| {c['attribute']} | {c['group']} | {c['count']} | {_fmt(c['selection_rate'])} | "
        f"{_fmt(c['tpr'])} | {_fmt(c['fpr'])} | {_fmt(c['mean_score'])} | {_fmt(c['positive_rate'])} | "
        f"{_fmt(c['calibration_gap'])} |"
        for c in calibration
    )
    return {
        "overall": overall,
        "attributes": rows,
        "highest_disparity_attribute": worst["attribute"],
        "highest_disparity_groups": [worst["lowest_selection_group"], worst["highest_selection_group"]],
        "calibration_by_group": calibration,
        "markdown": table,
        "calibration_markdown": cal_table,
    }
