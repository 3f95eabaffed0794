"""One table layer for the CLI and the TUI: which columns wrap, which never do, and full output in pipes.

A column has a *kind*:

* ``text`` wraps at word boundaries (a check's title, a reason, a description);
* ``num`` is right-aligned and sized to its content (never wrapped: a number cut in two misleads);
* ``key`` is never wrapped or cut (a decision, a verdict, a p-value, PASS/FAIL, a severity, an id).

The Rich ``Table`` built here is what both front ends print: the CLI hands it to its console,
the TUI's ``FitTable`` widget renders it at the pane's width and scrolls sideways (with a cue)
when even the wrapped table is wider than the pane. When stdout is not a terminal the CLI
prints every cell in full, so ``axtui workflows list | cat`` never truncates an id.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import IO, Any

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from axtui.present.format import cell

# When stdout is a pipe or a file nothing limits the width: long enough for any id or value.
PIPE_WIDTH = 10_000


@dataclass(frozen=True)
class Column:
    """A table column: its header, its kind (``text`` | ``num`` | ``key``) and an optional width cap."""

    header: str
    kind: str = "text"
    max_width: int | None = None

    @property
    def justify(self) -> str:
        return "right" if self.kind == "num" else "left"


def col(spec: str | Column) -> Column:
    """``"p:key"`` / ``"count:num"`` / ``"reason"`` → a ``Column`` (a ``Column`` passes through)."""
    if isinstance(spec, Column):
        return spec
    header, _, kind = spec.rpartition(":") if spec.endswith((":num", ":key", ":text")) else (spec, "", "")
    return Column(header, kind or "text")


def cells(row: Iterable[Any]) -> list[Text | str]:
    """Each value formatted once (``format.cell``); Rich ``Text`` keeps its colours."""
    return [value if isinstance(value, Text) else cell(value) for value in row]


def build(
    columns: Sequence[str | Column],
    rows: Iterable[Sequence[Any]],
    *,
    title: str | None = None,
    full: bool = False,
    style: str = "rounded",
    show_header: bool = True,
    lines: bool = False,
) -> Table:
    """The Rich table for ``rows`` under ``columns``.

    ``full`` prints every cell unwrapped and uncut (a pipe); ``lines`` rules off each row, so
    the rows of a table whose text wraps (a check and its reason) stay apart.
    """
    specs = [col(c) for c in columns]
    table = Table(
        title=title,
        title_justify="left",
        box={"rounded": box.ROUNDED, "simple": box.SIMPLE_HEAD, "none": None}[style],
        show_header=show_header,
        pad_edge=style != "none",
        expand=False,
        collapse_padding=False,
        show_lines=lines,
    )
    for spec in specs:
        wraps = spec.kind == "text" and not full
        table.add_column(
            spec.header,
            justify=spec.justify,  # type: ignore[arg-type]
            no_wrap=not wraps,
            overflow="fold" if wraps else "ignore",
            max_width=None if full else spec.max_width,
            min_width=len(spec.header) if spec.kind != "text" else None,
        )
    for row in rows:
        table.add_row(*cells(row))
    return table


def _plain(value: Any) -> str:
    return value.plain if isinstance(value, Text) else str(value)


def minimum_width(table: Table) -> int:
    """The narrowest this table prints without cutting a cell (Rich would squash it further).

    A column that wraps needs its longest word; one that does not (numbers, key cells) needs
    its longest cell; headers count too. Plus cell padding and the box's rules.
    """
    from rich.cells import cell_len

    total = 0
    for column in table.columns:
        texts = [_plain(column.header), *(_plain(c) for c in column.cells)]
        if column.no_wrap:
            width = max((cell_len(line) for t in texts for line in t.splitlines() or [""]), default=0)
        else:
            width = max((cell_len(word) for t in texts for word in t.split()), default=0)
        if column.max_width is not None:
            width = min(width, column.max_width)
        total += width + 2  # padding (0, 1)
    if table.box is not None:
        total += len(table.columns) + 1
    elif not table.pad_edge:
        total -= 2
    return total


def piped(stream: IO[str] | None = None) -> bool:
    """True when output goes to a pipe or a file (then tables print in full)."""
    stream = stream or sys.stdout
    isatty = getattr(stream, "isatty", None)
    return not (callable(isatty) and isatty())


def console(stream: IO[str] | None = None) -> Console:
    """The console the CLI prints tables on: the terminal's width, or unlimited width in a pipe.

    Created per call (not at import): tests and ``typer.testing.CliRunner`` swap ``sys.stdout``.
    """
    stream = stream or sys.stdout
    if piped(stream):
        return Console(file=stream, width=PIPE_WIDTH, soft_wrap=False, highlight=False)
    return Console(file=stream, soft_wrap=False, highlight=False)


def full_output(stream: IO[str] | None = None) -> bool:
    """Whether CLI tables should print every cell in full (stdout is not a terminal)."""
    return piped(stream)
