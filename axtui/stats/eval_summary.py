"""Summaries the evaluation report needs across protected attributes (ml-model-evaluation).

``evaluate`` audits each protected attribute on its own; the report needs one
fairness verdict (the worst four-fifths result over the attributes: FAIL before
WARNING before PASS), the attribute and groups with the highest disparity, and a
table with calibration by group.
"""

from __future__ import annotations

from typing import Any

from axtui.errors import InputError

_ORDER = {"PASS": 0, "WARNING": 1, "FAIL": 2}


def _fmt(value: Any) -> str:
    return "—" if value is None else f"{value:.3f}" if isinstance(value, float) else str(value)


def fairness_summary(args: dict[str, Any]) -> dict[str, Any]:
    """The ``fairness_summary`` compute step: ``fairness`` is ``evaluate``'s fairness mapping."""
    fairness = args.get("fairness")
    if not isinstance(fairness, dict) or not fairness:
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
