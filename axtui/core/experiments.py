"""Experiments the ml-experiment-tracker stored: read back, listed, and compared side by side.

The tracker stores ``{id}/parameters``, ``{id}/metrics`` and ``{id}/status`` in the
``ml-experiments`` namespace. The comparison lays the runs side by side the way
MLflow's compare view does: every metric in a row with each run's value, its change
against the first run (the baseline) and the best run of the row (lower is better for
losses, errors, latencies and times), and the parameters that differ between runs.
The CLI (``axtui experiments``), the TUI and ``--batch`` share these functions.
"""

from __future__ import annotations

from typing import Any

from axtui.errors import InputError, NotFoundError

NAMESPACE = "ml-experiments"
_BOOKKEEPING = {"experiment_id", "created_at", "created_by", "status", "logged_at", "completed_at"}
_PARTS = ("parameters", "metrics", "status")


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """Nested mappings as dotted keys (``hyperparameters.learning_rate``)."""
    out: dict[str, Any] = {}
    if isinstance(value, dict):
        for key, item in value.items():
            out.update(_flatten(item, f"{prefix}{key}."))
        return out
    out[prefix[:-1]] = value
    return out


def _number(value: Any) -> float | None:
    """A logged metric as a float; None for booleans, None and text that is not a number."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def load_experiment(memory: Any, experiment_id: str) -> dict[str, Any]:
    """The three entries of one experiment; NotFoundError when none exists."""
    entries = {part: memory.get(NAMESPACE, f"{experiment_id}/{part}") for part in _PARTS}
    if all(e is None for e in entries.values()):
        raise NotFoundError(
            f"no experiment {experiment_id!r} in {NAMESPACE}",
            hint="list the stored experiments with `axtui experiments list`",
        )
    params = entries["parameters"].value if entries["parameters"] else {}
    metrics = entries["metrics"].value if entries["metrics"] else {}
    status = entries["status"].value if entries["status"] else {}
    return {
        "id": experiment_id,
        "parameters": params,
        "metrics": metrics,
        "status": status,
        "created_at": params.get("created_at")
        or (entries["parameters"].created_at.isoformat() if entries["parameters"] else None),
    }


def experiment_ids(memory: Any) -> list[str]:
    """Ids of the stored experiments, in the order the store lists their entries."""
    ids = []
    for entry in memory.list(NAMESPACE):
        head, _, tail = entry.key.rpartition("/")
        if tail in _PARTS and head and head not in ids:
            ids.append(head)
    return ids


def _status(run: dict[str, Any]) -> Any:
    return run["status"].get("status") or run["parameters"].get("status")


def list_experiments(memory: Any) -> list[dict[str, Any]]:
    """One row per stored experiment (its primary metric's value included), newest first."""
    rows = []
    for exp_id in experiment_ids(memory):
        exp = load_experiment(memory, exp_id)
        metrics = exp["metrics"].get("metrics") or {}
        primary = exp["parameters"].get("primary_metric") or "accuracy"
        rows.append(
            {
                "id": exp_id,
                "name": exp["parameters"].get("experiment_name"),
                "status": _status(exp),
                "decision": exp["status"].get("decision"),
                "baseline": exp["parameters"].get("baseline_model"),
                "primary_metric": primary,
                "primary_value": _number(metrics.get(primary)),
                "created_at": exp["created_at"],
            }
        )
    return sorted(rows, key=lambda r: str(r["created_at"] or ""), reverse=True)


def _check_ids(ids: list[str]) -> None:
    if len(ids) < 2:
        raise InputError(
            "compare needs at least two experiment ids",
            where="experiments compare",
            hint="e.g. axtui experiments compare exp-1 exp-2",
        )
    if len(set(ids)) != len(ids):
        raise InputError("an experiment id is repeated", where="experiments compare")


def _metric_values(runs: list[dict[str, Any]]) -> dict[str, dict[str, float | None]]:
    """metric -> run id -> value, over the metrics, training metrics and resource usage of each run."""
    values: dict[str, dict[str, float | None]] = {}
    for run in runs:
        flat: dict[str, float | None] = {}
        for section in ("metrics", "training_metrics", "resource_usage"):
            flat.update({k: _number(v) for k, v in _flatten(run["metrics"].get(section) or {}).items()})
        for key, value in flat.items():
            values.setdefault(key, {})[run["id"]] = value
    return values


def _delta(value: float | None, base: float | None) -> float | None:
    return value - base if value is not None and base is not None else None


def _relative(value: float | None, base: float | None) -> float | None:
    return (value - base) / abs(base) if value is not None and base not in (None, 0) else None


def _metric_row(metric: str, per_run: dict[str, float | None], ids: list[str]) -> dict[str, Any] | None:
    """One metric across the runs: values, change against the first run, and the best run(s)."""
    from axtui.stats.decisions import lower_is_better_by_name

    present = {i: v for i, v in per_run.items() if v is not None}
    if not present:
        return None
    lower = lower_is_better_by_name(metric)
    best_value = min(present.values()) if lower else max(present.values())
    base = per_run.get(ids[0])
    return {
        "metric": metric,
        "higher_is_better": not lower,
        "values": {i: per_run.get(i) for i in ids},
        "deltas": {i: _delta(per_run.get(i), base) for i in ids},
        "relative": {i: _relative(per_run.get(i), base) for i in ids},
        "best": [i for i, v in present.items() if v == best_value],
    }


def _param_rows(runs: list[dict[str, Any]], ids: list[str]) -> list[dict[str, Any]]:
    params: dict[str, dict[str, Any]] = {}
    for run in runs:
        flat = _flatten({k: v for k, v in run["parameters"].items() if k not in _BOOKKEEPING})
        for key, value in flat.items():
            params.setdefault(key, {})[run["id"]] = value
    rows = []
    for key, per_run in sorted(params.items()):
        row_values = {i: per_run.get(i) for i in ids}
        rows.append(
            {"param": key, "values": row_values, "differs": len({repr(v) for v in row_values.values()}) > 1}
        )
    return rows


def compare_experiments_stored(memory: Any, ids: list[str]) -> dict[str, Any]:
    """Side-by-side metrics (deltas against the first id, best per row) and the parameters that differ."""
    _check_ids(ids)
    runs = [load_experiment(memory, i) for i in ids]
    rows = [_metric_row(metric, per_run, ids) for metric, per_run in _metric_values(runs).items()]
    param_rows = _param_rows(runs, ids)
    return {
        "baseline": ids[0],
        "experiments": [
            {
                "id": r["id"],
                "name": r["parameters"].get("experiment_name"),
                "status": _status(r),
                "decision": r["status"].get("decision"),
                "created_at": r["created_at"],
            }
            for r in runs
        ],
        "metrics": [row for row in rows if row is not None],
        "params": param_rows,
        "params_differing": [p["param"] for p in param_rows if p["differs"]],
    }
