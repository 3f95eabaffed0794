"""The ``axtui experiments`` group: ``list`` and the rendering of ``compare ID ID ...``.

Reading and comparing the stored runs is ``axtui.core.experiments``; this module
only prints. ``axtui.commands.stats`` adds the metric-based ``compare`` to the
group this module owns (that import goes one way only).
"""

from __future__ import annotations

from typing import Any

import typer
from rich.console import Console
from rich.table import Table

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
    """Add the ``experiments`` group with ``list`` (``compare`` is declared in ``axtui.commands.stats``)."""
    app.add_typer(experiments_app, name="experiments")
    experiments_app.command("list")(list_command)
