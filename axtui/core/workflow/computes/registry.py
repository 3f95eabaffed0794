"""Model registry computes: artifact check, version comparison, and the registry's planned changes.

The ``registry_*`` computes only plan (``axtui.core.model_registry``); the workflow
writes the plan with ``memory_store`` steps, so a refused plan changes nothing.
"""

from __future__ import annotations

from typing import Any

from axtui.core.workflow.computes.catalogue import compute
from axtui.errors import InputError


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


@compute("version_compare")
def version_compare(
    record: dict[str, Any],
    production_record: dict[str, Any] | None = None,
    validation_status: str = "PASS",
    primary_metric: str = "accuracy",
    paired_predictions_path: str | None = None,
    production_pred_col: str = "baseline_pred",
    candidate_pred_col: str = "candidate_pred",
    y_true_col: str = "y_true",
    not_supplied: list[str] | None = None,
) -> dict[str, Any]:
    """New version vs production: metric deltas, significance, schema changes, PROMOTE/CANARY/HOLD/REJECT.

    With no production version yet the new version is promoted when its artifact validated.
    A removed or re-typed input field, or any added input field, is a breaking schema change; so is a
    removed or re-typed output field (an added output field is not). Evidence ``not_supplied`` (or a
    record whose metrics are null: not measured) never promotes: the version is held, not rejected.
    """
    new = record
    if not new:
        raise InputError("version_compare needs the new version's record", where="version_compare: record")
    production = production_record or None
    validation = validation_status.upper()
    meets = validation in ("PASS", "INCOMPLETE")
    missing = [str(x) for x in not_supplied or []]
    metrics_unmeasured = "metrics" in new and not isinstance(new["metrics"], dict)  # null: not measured
    if metrics_unmeasured and "test-set predictions (metrics)" not in missing:
        missing.append("test-set predictions (metrics)")
    primary = primary_metric
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
        "not_supplied": missing,
    }
    if production is None:
        decision = "PROMOTE" if meets and not missing else ("HOLD" if meets else "REJECT")
        reason = (
            "the artifact failed validation"
            if not meets
            else "no production version yet: the validated first version goes to production"
            if not missing
            else "no production version yet, but not promoted on missing evidence: "
            + ", ".join(missing)
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
    from axtui.stats.decisions import version_decision

    def decide(comparison: dict[str, Any] | None) -> dict[str, Any]:
        """The version decision on what was compared (None: nothing was), written into ``result``."""
        row = next(r for r in comparison["metrics"] if r["primary"]) if comparison else None
        significant = comparison["significant"] if comparison else None
        breaking = result["input_schema"]["breaking"] or result["output_schema"]["breaking"]
        verdict = version_decision(
            improvement=row["improvement"] if row else 0.0,
            significant=significant,
            meets_requirements=meets,
            breaking_changes=breaking,
            latency_regression=result["latency_regression"],
            not_supplied=missing,
        )
        result.update(
            decision=verdict["decision"],
            reason=verdict["reason"],
            recommendation=verdict["decision"].lower(),
            breaking_changes=breaking,
            improvement=row["improvement"] if row else None,
        )
        if row:
            result["relative_improvement"] = row["relative_improvement"]
        result["significant"] = significant
        if comparison:
            result["p_value"] = comparison["significance"].get("p_value")
        return result

    if metrics_unmeasured:  # no test-set predictions: nothing to compare
        return decide(None)
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
    if paired_predictions_path:
        per_example = {
            "file": paired_predictions_path,
            "baseline": production_pred_col,
            "candidate": candidate_pred_col,
            "y_true": y_true_col,
        }
    comparison = compare_experiments(
        {k: old_metrics[k] for k in numeric},
        {k: new_metrics[k] for k in numeric},
        primary_metric=primary,
        per_example=per_example,
    )
    result["comparison"] = comparison
    return decide(comparison)


@compute("checksum")
def checksum(
    artifact_path: str | None = None,
    path: str | None = None,
    expected_sha256: str | None = None,
    expected_checksum: str | None = None,
    schema_path: str | None = None,
    input_schema: Any = None,
    output_schema: Any = None,
    feature_names: list[str] | None = None,
    metadata: dict[str, Any] | None = None,
    max_size_bytes: int | None = None,
    dataset_version: Any = None,
    hyperparameters: Any = None,
    metrics: Any = None,
    experiment_id: Any = None,
    framework: Any = None,
    framework_version: Any = None,
) -> dict[str, Any]:
    """Model artifact validation: SHA-256, size, schemas, metadata.

    Lineage keys given beside ``metadata`` (dataset_version, hyperparameters, metrics,
    experiment_id, framework, framework_version) fill the ones it lacks.
    """
    from axtui.stats.artifacts import validate_artifact

    file = artifact_path or path
    if not file:
        raise InputError(
            "compute checksum needs artifact_path",
            where="checksum: artifact_path",
            hint="pass the model file's path",
        )
    given = {
        "dataset_version": dataset_version,
        "hyperparameters": hyperparameters,
        "metrics": metrics,
        "experiment_id": experiment_id,
        "framework": framework,
        "framework_version": framework_version,
    }
    meta = dict(metadata or {})
    for key, value in given.items():
        if value is not None and key not in meta:
            meta[key] = value
    return validate_artifact(
        file,
        expected_sha256=expected_sha256 or expected_checksum,
        schema_path=schema_path,
        input_schema=input_schema,
        output_schema=output_schema,
        feature_names=feature_names or None,
        metadata=meta,
        max_size_bytes=max_size_bytes,
    )


@compute("registry_register")
def registry_register(
    model_name: str,
    version: str,
    index: dict[str, Any] | None = None,
    validation: dict[str, Any] | None = None,
    evaluation: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Plan a version registration (refused on a failed artifact check or a duplicate version).

    ``evaluation`` is the version's stored evaluation (or null), whose id and verdict the registration links.
    """
    from axtui.core.model_registry import plan_registration

    plan = plan_registration(model_name, version, index or None, validation or None)
    plan["evaluation_id"] = (evaluation or {}).get("evaluation_id")
    plan["evaluation_recommendation"] = (evaluation or {}).get("recommendation")
    return plan


@compute("registry_decide")
def registry_decide(
    model_name: str,
    version: str,
    decision: str,
    index: dict[str, Any] | None = None,
    record: dict[str, Any] | None = None,
    today: str | None = None,
    canary_days: float = 7,
) -> dict[str, Any]:
    """Plan a promotion decision against the lifecycle table (promote, canary, hold, reject).

    With ``today`` (YYYY-MM-DD) it also dates the full rollout (after ``canary_days`` for a canary).
    """
    from datetime import date, timedelta

    from axtui.core.model_registry import plan_decision

    plan = plan_decision(model_name, version, decision, index or None, record or None)
    plan["full_rollout_date"] = None
    if today and plan["decision"] in ("promote", "canary"):
        try:
            start = date.fromisoformat(today[:10])
        except ValueError:
            raise InputError(
                f"today must be YYYY-MM-DD (got {today!r})", where="registry_decide: today"
            ) from None
        days = int(canary_days) if plan["decision"] == "canary" else 0
        plan["full_rollout_date"] = (start + timedelta(days=days)).isoformat()
    return plan


@compute("registry_rollback")
def registry_rollback(
    model_name: str,
    target_version: str,
    index: dict[str, Any] | None = None,
    target_record: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Plan a rollback to a version that served production before."""
    from axtui.core.model_registry import plan_rollback

    return plan_rollback(model_name, target_version, index or None, target_record or None)
