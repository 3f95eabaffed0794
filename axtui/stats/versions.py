"""Compare a new model version with the production one (the registry workflow's ``compare-versions``).

Performance delta and its significance come from ``compare_experiments`` on
per-example predictions of both versions (McNemar / paired bootstrap); schema
compatibility from the two registry records; the verdict from the PRD's version
table (``decisions.version_decision``). With no production version yet the new
version is promoted when its artifact validated: there is nothing to compare with.

Schema changes: a removed or re-typed input field, or any added input field
(clients must now send it), is breaking; a removed or re-typed output field is
breaking; an added output field is not.
"""

from __future__ import annotations

from typing import Any

from axtui.errors import InputError
from axtui.stats import decisions


def _fields(schema: Any) -> dict[str, str]:
    if isinstance(schema, list):
        out = {}
        for item in schema:
            if isinstance(item, dict) and "name" in item:
                out[str(item["name"])] = str(item.get("type", ""))
            else:
                out[str(item)] = ""
        return out
    if isinstance(schema, dict):
        return {str(k): str(v) for k, v in schema.items()}
    return {}


def schema_diff(old: Any, new: Any, *, side: str) -> dict[str, Any]:
    a, b = _fields(old), _fields(new)
    added = [k for k in b if k not in a]
    removed = [k for k in a if k not in b]
    retyped = [k for k in a if k in b and a[k] and b[k] and a[k] != b[k]]
    breaking = bool(removed or retyped or (side == "input" and added))
    return {"added": added, "removed": removed, "retyped": retyped, "breaking": breaking}


def version_compare(args: dict[str, Any]) -> dict[str, Any]:
    """Decide PROMOTE / CANARY / HOLD / REJECT for the new version against production."""
    new = args.get("record")
    if not isinstance(new, dict) or not new:
        raise InputError("version_compare needs the new version's record", where="version_compare: record")
    production = args.get("production_record")
    production = production if isinstance(production, dict) and production else None
    validation = str(args.get("validation_status") or "PASS").upper()
    meets = validation in ("PASS", "INCOMPLETE")
    not_supplied = [str(x) for x in args.get("not_supplied") or []]
    metrics_unmeasured = "metrics" in new and not isinstance(new["metrics"], dict)  # null: not measured
    if metrics_unmeasured and "test-set predictions (metrics)" not in not_supplied:
        not_supplied.append("test-set predictions (metrics)")
    primary = str(args.get("primary_metric") or "accuracy")
    result: dict[str, Any] = {
        "version": new.get("version"),
        "production_version": None,
        "validation_status": validation,
        "primary_metric": primary,
        "comparison": None,
        "input_schema": None,
        "output_schema": None,
        "size_delta_bytes": None,
        "latency_regression": False,
        "not_supplied": not_supplied,
    }
    if production is None:
        decision = "PROMOTE" if meets and not not_supplied else ("HOLD" if meets else "REJECT")
        reason = (
            "the artifact failed validation"
            if not meets
            else "no production version yet: the validated first version goes to production"
            if not not_supplied
            else "no production version yet, but not promoted on missing evidence: "
            + ", ".join(not_supplied)
            + " not supplied (registered as staged)"
        )
        result.update(
            decision=decision,
            reason=reason,
            recommendation=decision.lower(),
            breaking_changes=False,
            improvement=None,
            significant=None,
        )
        return result
    result["production_version"] = production.get("version")
    result["input_schema"] = schema_diff(
        production.get("input_schema"), new.get("input_schema"), side="input"
    )
    result["output_schema"] = schema_diff(
        production.get("output_schema"), new.get("output_schema"), side="output"
    )
    old_size, new_size = production.get("artifact_size_bytes"), new.get("artifact_size_bytes")
    if isinstance(old_size, int | float) and isinstance(new_size, int | float):
        result["size_delta_bytes"] = new_size - old_size
    old_lat, new_lat = production.get("latency_p99_ms"), new.get("latency_p99_ms")
    if isinstance(old_lat, int | float) and isinstance(new_lat, int | float):
        result["latency_regression"] = new_lat > old_lat * 1.1
    if metrics_unmeasured:  # no test-set predictions: nothing to compare
        breaking = result["input_schema"]["breaking"] or result["output_schema"]["breaking"]
        verdict = decisions.version_decision(
            improvement=0.0,
            significant=None,
            meets_requirements=meets,
            breaking_changes=breaking,
            latency_regression=result["latency_regression"],
            not_supplied=not_supplied,
        )
        result.update(
            decision=verdict["decision"],
            reason=verdict["reason"],
            recommendation=verdict["decision"].lower(),
            breaking_changes=breaking,
            improvement=None,
            significant=None,
        )
        return result
    from axtui.stats.experiments import compare_experiments

    old_metrics = production.get("metrics") if isinstance(production.get("metrics"), dict) else {}
    new_metrics = new.get("metrics") if isinstance(new.get("metrics"), dict) else {}
    numeric = {
        k
        for k in set(old_metrics) & set(new_metrics)
        if isinstance(old_metrics[k], int | float)
        and isinstance(new_metrics[k], int | float)
        and not isinstance(old_metrics[k], bool)
    }
    per_example = None
    if args.get("paired_predictions_path"):
        per_example = {
            "file": str(args["paired_predictions_path"]),
            "baseline": str(args.get("production_pred_col") or "baseline_pred"),
            "candidate": str(args.get("candidate_pred_col") or "candidate_pred"),
            "y_true": str(args.get("y_true_col") or "y_true"),
        }
    comparison = compare_experiments(
        {k: old_metrics[k] for k in numeric},
        {k: new_metrics[k] for k in numeric},
        primary_metric=primary,
        per_example=per_example,
    )
    result["comparison"] = comparison
    row = next(r for r in comparison["metrics"] if r["primary"])
    breaking = result["input_schema"]["breaking"] or result["output_schema"]["breaking"]
    verdict = decisions.version_decision(
        improvement=row["improvement"],
        significant=comparison["significant"],
        meets_requirements=meets,
        breaking_changes=breaking,
        latency_regression=result["latency_regression"],
        not_supplied=not_supplied,
    )
    result.update(
        decision=verdict["decision"],
        reason=verdict["reason"],
        recommendation=verdict["decision"].lower(),
        breaking_changes=breaking,
        improvement=row["improvement"],
        relative_improvement=row["relative_improvement"],
        significant=comparison["significant"],
        p_value=comparison["significance"].get("p_value"),
    )
    return result
