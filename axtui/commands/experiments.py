"""The ``axtui experiments`` group: ``list`` and the rendering of ``compare ID ID ...``.

Reading and comparing the stored runs is ``axtui.core.experiments``; this module
only prints. ``axtui.commands.stats`` adds the metric-based ``compare`` to the
group this module owns (that import goes one way only).
"""

from __future__ import annotations

from typing import Any

import typer
from rich.console import Console
from rich.text import Text

from axtui.commands.memory import open_memory
from axtui.core.experiments import compare_experiments_stored, list_experiments
from axtui.present import output

experiments_app = typer.Typer(
    name="experiments",
    help="Experiments: compare a candidate with its baseline, or stored runs side by side; list stored runs.",
    no_args_is_help=True,
    rich_markup_mode=None,
)


def _cell(value: Any) -> str:
    """A value of a stored run, in the one shared style (``axtui.present.format``)."""
    from axtui.present.format import cell

    return cell(value)


def _metric_cell(row: dict[str, Any], run: str, baseline: str, many: bool) -> Text:
    """One run's value of a metric with its change against the baseline; the best in bold green."""
    from axtui.present.format import percent, signed

    text = _cell(row["values"][run])
    delta = row["deltas"][run]
    if run != baseline and delta is not None:
        rel = row["relative"][run]
        text += f" ({signed(delta)}" + (f", {percent(rel)}" if rel is not None else "") + ")"
    return Text(text, style="bold green" if run in row["best"] and many else "")


def render_comparison(con: Console, data: dict[str, Any], *, all_params: bool = False) -> None:
    """The runs, their metrics side by side (change vs the baseline), and the parameters that differ."""
    from axtui.present import tables

    ids = [e["id"] for e in data["experiments"]]
    tables.show(
        con,
        ["id:key", "name", "status:key", "decision:key", "created:key"],
        [[e["id"], e["name"], e["status"], e["decision"], e["created_at"]] for e in data["experiments"]],
        title="Experiments",
    )
    rows = [
        [f"{row['metric']} {'↑' if row['higher_is_better'] else '↓'}"]
        + [_metric_cell(row, i, data["baseline"], len(ids) > 1) for i in ids]
        for row in data["metrics"]
    ]
    title = f"Metrics (Δ vs {data['baseline']}; best per row in bold green)"
    tables.show(con, ["metric", *(tables.Column(i, "num") for i in ids)], rows, title=title)
    shown = [p for p in data["params"] if all_params or p["differs"]]
    if not shown:
        con.print("no parameter differs between these experiments")
        return
    tables.show(
        con,
        ["param", *ids],
        [[p["param"], *(p["values"][i] for i in ids)] for p in shown],
        title="Parameters" + ("" if all_params else " that differ"),
    )


def compare_stored(ctx: typer.Context, ids: list[str], *, all_params: bool = False) -> dict[str, Any]:
    """``axtui experiments compare ID ID ...``: emit the side-by-side comparison (and return it)."""
    with open_memory(ctx) as memory:
        data = compare_experiments_stored(memory, ids)
    output.emit(ctx, data, lambda con: render_comparison(con, data, all_params=all_params))
    return data


def list_command(ctx: typer.Context) -> None:
    """Experiments stored by ml-experiment-tracker, newest first."""
    with open_memory(ctx) as memory:
        rows = list_experiments(memory)

    def human(con: Console) -> None:
        if not rows:
            con.print("no experiments stored yet (run `axtui run ml-experiment-tracker`)")
            return
        from axtui.present import tables

        keys = (
            "id",
            "name",
            "status",
            "decision",
            "baseline",
            "primary_metric",
            "primary_value",
            "created_at",
        )
        tables.show(
            con,
            [
                "id:key",
                "name",
                "status:key",
                "decision:key",
                "baseline",
                "primary",
                "value:num",
                "created:key",
            ],
            [[r[k] for k in keys] for r in rows],
            title="Experiments (ml-experiments)",
        )

    output.emit(ctx, {"experiments": rows}, human)


def register(app: typer.Typer) -> None:
    """Add the ``experiments`` group with ``list`` (``compare`` is declared in ``axtui.commands.stats``)."""
    app.add_typer(experiments_app, name="experiments")
    experiments_app.command("list")(list_command)
