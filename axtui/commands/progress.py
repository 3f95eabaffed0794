"""A progress bar on stderr for long column-by-column runs (``drift``, ``profile``).

Shown when a person reads the output; silent with ``--json`` unless
``--progress`` asks for it (stdout keeps exactly one JSON document either
way). The bar counts columns done and rows read, as the stats layer reports
them through its ``progress`` callback.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import typer

from axtui.present import output


@contextmanager
def column_progress(
    ctx: typer.Context, wanted: bool | None, label: str
) -> Iterator[Callable[[int, int, int], None] | None]:
    """Yield the callback to hand to the stats function (None when no bar is shown)."""
    show = wanted if wanted is not None else not output.settings(ctx).json
    if not show:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("columns · {task.fields[rows]} rows read"),
        TimeElapsedColumn(),
        console=output.stderr,
        transient=True,
    )
    task = bar.add_task(label, total=None, rows="0")

    def update(done: int, total: int, rows: int) -> None:
        bar.update(task, completed=done, total=total, rows=f"{rows:,}")

    with bar:
        yield update
