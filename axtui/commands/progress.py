"""A progress bar on stderr for long runs (``drift``, ``profile``, ``evaluate``, ``features``).

Shown when a person reads the output; silent with ``--json`` unless
``--progress`` asks for it (stdout keeps exactly one JSON document either
way). The bar counts columns (or steps) done and rows read, as the stats layer
reports them through its ``progress`` callback ``(done, total, rows)``. When
stderr is not a terminal (a log file, CI), a bar cannot redraw: plain lines
take its place, at most one a second and the last one always.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import typer

from axtui.present import output


def progress_option() -> bool | None:
    """The ``--progress/--no-progress`` option of a command that shows a bar."""
    return typer.Option(  # type: ignore[no-any-return]
        None, "--progress/--no-progress", help="Progress bar on stderr [default: on unless --json]"
    )


@contextmanager
def column_progress(
    ctx: typer.Context, wanted: bool | None, label: str, unit: str = "columns"
) -> Iterator[Callable[[int, int, int], None] | None]:
    """Yield the callback to hand to the stats function (None when no bar is shown)."""
    show = wanted if wanted is not None else not output.settings(ctx).json
    if not show:
        yield None
        return
    if not output.stderr.is_terminal:
        yield _line_printer(label, unit)
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn(unit + " · {task.fields[rows]} rows read"),
        TimeElapsedColumn(),
        console=output.stderr,
        transient=True,
    )
    task = bar.add_task(label, total=None, rows="0")

    def update(done: int, total: int, rows: int) -> None:
        bar.update(task, completed=done, total=total, rows=f"{rows:,}")

    with bar:
        yield update


def _line_printer(label: str, unit: str, every_s: float = 1.0) -> Callable[[int, int, int], None]:
    last = [float("-inf")]

    def update(done: int, total: int, rows: int) -> None:
        now = time.monotonic()
        if done < total and now - last[0] < every_s:
            return
        last[0] = now
        output.stderr.print(f"{label}: {done}/{total} {unit} · {rows:,} rows read", soft_wrap=True)

    return update
