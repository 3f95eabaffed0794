"""``axtui experiments list`` and ``axtui experiments compare ID ID ...`` over the ml-experiments namespace.

The experiment tracker stores ``{id}/parameters``, ``{id}/metrics`` and
``{id}/status``; these commands read them back. ``compare`` lays the runs side by
side the way MLflow's compare view does — every metric in a row with each run's
value, its change against the first run (the baseline) and the best run of the
row marked (lower is better for losses, errors, latencies and times) — and lists
the parameters that differ between the runs.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from axtui.commands import output
from axtui.errors import InputError, NotFoundError

NAMESPACE = "ml-experiments"
_BOOKKEEPING = {"experiment_id", "created_at", "created_by", "status", "logged_at", "completed_at"}


@contextmanager
def _memory(ctx: typer.Context) -> Iterator[Any]:
    from axtui.core.memory import Memory
    from axtui.core.store import Store

    store = Store(output.settings(ctx).db_path)
    try:
        yield Memory(store)
    finally:
        store.close()


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
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value))
    except ValueError:
        return None


def load_experiment(memory: Any, experiment_id: str) -> dict[str, Any]:
    """The three entries of one experiment; NotFoundError when none exists."""
    entries = {
        part: memory.get(NAMESPACE, f"{experiment_id}/{part}") for part in ("parameters", "metrics", "status")
    }
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
    ids = []
    for entry in memory.list(NAMESPACE):
        head, _, tail = entry.key.rpartition("/")
        if tail in ("parameters", "metrics", "status") and head and head not in ids:
            ids.append(head)
    return ids


def list_experiments(memory: Any) -> list[dict[str, Any]]:
    rows = []
    for exp_id in experiment_ids(memory):
        exp = load_experiment(memory, exp_id)
        metrics = exp["metrics"].get("metrics") or {}
        primary = exp["parameters"].get("primary_metric") or "accuracy"
        rows.append(
            {
                "id": exp_id,
                "name": exp["parameters"].get("experiment_name"),
                "status": exp["status"].get("status") or exp["parameters"].get("status"),
                "decision": exp["status"].get("decision"),
                "baseline": exp["parameters"].get("baseline_model"),
                "primary_metric": primary,
                "primary_value": _number(metrics.get(primary)),
                "created_at": exp["created_at"],
            }
        )
    return sorted(rows, key=lambda r: str(r["created_at"] or ""), reverse=True)


def compare_experiments_stored(memory: Any, ids: list[str]) -> dict[str, Any]:
    """Side-by-side metrics (deltas against the first id, best per row) and the parameters that differ."""
    if len(ids) < 2:
        raise InputError(
            "compare needs at least two experiment ids",
            where="experiments compare",
            hint="e.g. axtui experiments compare exp-1 exp-2",
        )
    if len(set(ids)) != len(ids):
        raise InputError("an experiment id is repeated", where="experiments compare")
    from axtui.stats.decisions import lower_is_better_by_name

    runs = [load_experiment(memory, i) for i in ids]
    values: dict[str, dict[str, float | None]] = {}
    for run in runs:
        flat = {}
        for section in ("metrics", "training_metrics", "resource_usage"):
            flat.update({k: _number(v) for k, v in _flatten(run["metrics"].get(section) or {}).items()})
        for key, value in flat.items():
            values.setdefault(key, {})[run["id"]] = value
    base_id = ids[0]
    metric_rows = []
    for metric, per_run in values.items():
        present = {i: v for i, v in per_run.items() if v is not None}
        if not present:
            continue
        lower = lower_is_better_by_name(metric)
        best_value = min(present.values()) if lower else max(present.values())
        base = per_run.get(base_id)
        row = {
            "metric": metric,
            "higher_is_better": not lower,
            "values": {i: per_run.get(i) for i in ids},
            "deltas": {
                i: (per_run.get(i) - base if base is not None and per_run.get(i) is not None else None)
                for i in ids
            },
            "relative": {
                i: (
                    (per_run.get(i) - base) / abs(base)
                    if base not in (None, 0) and per_run.get(i) is not None
                    else None
                )
                for i in ids
            },
            "best": [i for i, v in present.items() if v == best_value],
        }
        metric_rows.append(row)
    params: dict[str, dict[str, Any]] = {}
    for run in runs:
        flat = _flatten({k: v for k, v in run["parameters"].items() if k not in _BOOKKEEPING})
        for key, value in flat.items():
            params.setdefault(key, {})[run["id"]] = value
    param_rows = []
    for key, per_run in sorted(params.items()):
        row_values = {i: per_run.get(i) for i in ids}
        distinct = {repr(v) for v in row_values.values()}
        param_rows.append({"param": key, "values": row_values, "differs": len(distinct) > 1})
    return {
        "baseline": base_id,
        "experiments": [
            {
                "id": r["id"],
                "name": r["parameters"].get("experiment_name"),
                "status": r["status"].get("status") or r["parameters"].get("status"),
                "decision": r["status"].get("decision"),
                "created_at": r["created_at"],
            }
            for r in runs
        ],
        "metrics": metric_rows,
        "params": param_rows,
        "params_differing": [p["param"] for p in param_rows if p["differs"]],
    }


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def render_comparison(con: Console, data: dict[str, Any], *, all_params: bool = False) -> None:
    ids = [e["id"] for e in data["experiments"]]
    head = Table(title="Experiments", title_justify="left")
    for col in ("id", "name", "status", "decision", "created"):
        head.add_column(col)
    for e in data["experiments"]:
        head.add_row(
            e["id"], _cell(e["name"]), _cell(e["status"]), _cell(e["decision"]), _cell(e["created_at"])
        )
    con.print(head)
    table = Table(
        title=f"Metrics (Δ vs {data['baseline']}; best per row in bold green)", title_justify="left"
    )
    table.add_column("metric")
    for i in ids:
        table.add_column(i, justify="right")
    for row in data["metrics"]:
        cells = []
        for i in ids:
            text = _cell(row["values"][i])
            delta = row["deltas"][i]
            if i != data["baseline"] and delta is not None:
                rel = row["relative"][i]
                text += f" ({delta:+.4g}" + (f", {rel * 100:+.1f}%" if rel is not None else "") + ")"
            if i in row["best"] and len(ids) > 1:
                text = f"[bold green]{text}[/]"
            cells.append(text)
        arrow = "↑" if row["higher_is_better"] else "↓"
        table.add_row(f"{row['metric']} {arrow}", *cells)
    con.print(table)
    shown = [p for p in data["params"] if all_params or p["differs"]]
    params = Table(title="Parameters" + ("" if all_params else " that differ"), title_justify="left")
    params.add_column("param")
    for i in ids:
        params.add_column(i)
    for p in shown:
        params.add_row(p["param"], *[_cell(p["values"][i]) for i in ids])
    if shown:
        con.print(params)
    else:
        con.print("no parameter differs between these experiments")


def compare_stored(ctx: typer.Context, ids: list[str], *, all_params: bool = False) -> dict[str, Any]:
    """``axtui experiments compare ID ID ...``: emit the side-by-side comparison (and return it)."""
    with _memory(ctx) as memory:
        data = compare_experiments_stored(memory, ids)
    output.emit(ctx, data, lambda con: render_comparison(con, data, all_params=all_params))
    return data


def list_command(ctx: typer.Context) -> None:
    """Experiments stored by ml-experiment-tracker, newest first."""
    with _memory(ctx) as memory:
        rows = list_experiments(memory)

    def human(con: Console) -> None:
        if not rows:
            con.print("no experiments stored yet (run `axtui run ml-experiment-tracker`)")
            return
        table = Table(title="Experiments (ml-experiments)", title_justify="left")
        for col in ("id", "name", "status", "decision", "baseline", "primary", "value", "created"):
            table.add_column(col, justify="right" if col == "value" else "left")
        for r in rows:
            table.add_row(
                r["id"],
                _cell(r["name"]),
                _cell(r["status"]),
                _cell(r["decision"]),
                _cell(r["baseline"]),
                _cell(r["primary_metric"]),
                _cell(r["primary_value"]),
                _cell(r["created_at"]),
            )
        con.print(table)

    output.emit(ctx, {"experiments": rows}, human)


def register(app: typer.Typer) -> None:
    """Add ``list`` (and ``compare`` when no other module owns it) to the ``experiments`` group.

    ``axtui.commands.stats`` owns the group and its ``compare``, which takes stored ids
    as arguments and hands them to :func:`compare_stored`; without that module this one
    creates the group itself.
    """
    try:
        from axtui.commands.stats import experiments_app as group
    except ImportError:
        group = None
    if group is None:
        group = typer.Typer(
            name="experiments",
            help="Stored experiments: list and compare side by side.",
            no_args_is_help=True,
            rich_markup_mode=None,
        )
        app.add_typer(group, name="experiments")

        @group.command("compare")
        def compare_command(
            ctx: typer.Context,
            ids: list[str] = typer.Argument(..., help="experiment ids; the first is the baseline"),
            all_params: bool = typer.Option(False, "--all-params", help="show every parameter"),
        ) -> None:
            """Metrics side by side with deltas and the best per row, and the parameters that differ."""
            compare_stored(ctx, ids, all_params=all_params)

    group.command("list")(list_command)
