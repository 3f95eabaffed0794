"""One table layer for the CLI and the TUI: which columns wrap, which never do, and full output in pipes.

A column has a *kind*:

* ``text`` wraps at word boundaries (a check's title, a reason, a description);
* ``num`` is right-aligned and sized to its content (never wrapped: a number cut in two misleads);
* ``key`` is never wrapped or cut (a decision, a verdict, a p-value, PASS/FAIL, a severity, an id);
* ``clip`` is a one-line preview (a stored JSON value) that takes the room the others leave and
  ends in "…" where it is cut; in a pipe it prints in full like every cell.

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
    """A table column: its header, its kind (``text`` | ``num`` | ``key`` | ``clip``) and a width cap."""

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
    kinds = (":num", ":key", ":text", ":clip")
    header, _, kind = spec.rpartition(":") if spec.endswith(kinds) else (spec, "", "")
    return Column(header, kind or "text")


def cells(row: Iterable[Any]) -> list[Text]:
    """Each value formatted once (``format.cell``); Rich ``Text`` keeps its colours.

    Plain values become literal ``Text``: a category ``[a, b]`` or a key with brackets is not
    read as console markup (a styled cell is passed as ``Text``, e.g. ``styled("PASS", "green")``).
    """
    return [value if isinstance(value, Text) else Text(cell(value)) for value in row]


def styled(value: Any, style: str) -> Text:
    """A cell in a colour (a severity, a decision): the value formatted as any other cell."""
    return Text(cell(value), style=style)


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
            # "ignore" loses right alignment (widths come from fit_widths); a preview ends in "…"
            overflow="ellipsis" if spec.kind == "clip" and not full else "fold",
            max_width=None if full else spec.max_width,
            min_width=len(spec.header) if spec.kind != "text" else None,
        )
    for row in rows:
        table.add_row(*cells(row))
    return table


def _plain(value: Any) -> str:
    return value.plain if isinstance(value, Text) else str(value)


def minimum_width(table: Table, *, whole_words: bool = False) -> int:
    """The narrowest this table prints without cutting a cell (Rich would squash it further).

    Fixed columns (numbers, key cells) need their longest cell, wrapping ones a readable width
    (``_least``); headers count too. Plus cell padding and the box's rules.
    """
    least = [_least(c, _capped(c), whole_words) for c in table.columns]
    return sum(least) + _overhead(table)


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


# --- fitting a table to a width (the CLI's terminal, the TUI's pane) ----------------------------

# A wrapping column is never narrower than this (or its longest word, up to TEXT_WORD_CAP).
TEXT_MIN = 8
TEXT_WORD_CAP = 12
# ... and in the TUI, which scrolls sideways instead: names up to this long stay whole.
WHOLE_WORD_CAP = 20


def _lines(value: Any) -> list[str]:
    return _plain(value).splitlines() or [""]


def _natural(column: Any) -> int:
    """The widest line of a column (header included): what it needs to print unwrapped."""
    from rich.cells import cell_len

    texts = [column.header, *column.cells]
    return max(cell_len(line) for t in texts for line in _lines(t))


def _capped(column: Any) -> int:
    """``_natural`` within the column's ``max_width``, if it has one."""
    natural = _natural(column)
    return natural if column.max_width is None else min(natural, column.max_width)


def _least(column: Any, natural: int, whole_words: bool = False) -> int:
    """The narrowest a column may be: a fixed one its content, a wrapping one a readable width.

    ``whole_words``: a wrapping column holds its longest word up to ``WHOLE_WORD_CAP`` (the TUI,
    which scrolls sideways rather than fold a column name; a 30-character memory key still
    folds); otherwise words longer than ``TEXT_WORD_CAP`` may fold (a CLI table fits 80)."""
    from rich.cells import cell_len

    if column.overflow == "ellipsis":  # a one-line preview: cut to what is left
        return min(natural, TEXT_MIN)
    if column.no_wrap:
        return natural
    words = [cell_len(w) for t in [column.header, *column.cells] for w in _plain(t).split()]
    longest = max(words, default=0)
    return min(natural, max(TEXT_MIN, min(longest, WHOLE_WORD_CAP if whole_words else TEXT_WORD_CAP)))


def _overhead(table: Table) -> int:
    """Columns of a rendered table that are not cell content: padding and box rules."""
    count = len(table.columns)
    total = 2 * count - (0 if table.pad_edge else 2)
    if table.box is not None:
        total += count - 1 + (2 if table.show_edge else 0)
    return total


def fit_widths(table: Table, width: int, *, whole_words: bool = False) -> list[int] | None:
    """Content widths that fit ``width``: fixed columns whole, wrapping ones share the rest.

    Each wrapping column gets its least width, then the room left is filled toward each one's
    natural width in turn, narrowest need first (so a short text column is not wrapped to give a
    long one a few more columns). ``None`` when even the least widths do not fit.
    """
    naturals = [_capped(c) for c in table.columns]
    widths = [_least(c, n, whole_words) for c, n in zip(table.columns, naturals, strict=True)]
    room = width - _overhead(table) - sum(widths)
    if room < 0:
        return None
    wrapping = sorted((n - w, i) for i, (w, n) in enumerate(zip(widths, naturals, strict=True)) if n > w)
    for left, (need, i) in enumerate(wrapping):
        share = min(need, room // (len(wrapping) - left))
        widths[i] += share
        room -= share
    return widths


def fitted(table: Table, width: int, *, whole_words: bool = False) -> Table | None:
    """A copy of ``table`` whose columns have the widths of ``fit_widths`` (``None``: too narrow)."""
    import copy

    widths = fit_widths(table, width, whole_words=whole_words)
    if widths is None:
        return None
    out = copy.copy(table)
    out.columns = [copy.copy(c) for c in table.columns]
    for column, content in zip(out.columns, widths, strict=True):
        column.width = content
        column.min_width = column.max_width = None
    return out


def records(table: Table) -> Table:
    """The rows one below the other, ``header  value`` per line: for a terminal too narrow for columns.

    Every cell is then on the screen whole (values wrap at words under their own header).
    """
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    for number in range(table.row_count):
        if number:
            grid.add_row("", "")
        for column in table.columns:
            grid.add_row(column.header, column._cells[number])
    return grid


def show(
    con: Console,
    columns: Sequence[str | Column],
    rows: Iterable[Sequence[Any]],
    *,
    title: str | None = None,
    style: str = "rounded",
    lines: bool = False,
    show_header: bool = True,
) -> None:
    """Print a table on the CLI the one way: in full in a pipe, else fitted to the terminal.

    When the terminal is too narrow for the columns at their least widths, the rows print as
    records (``records``) rather than with a key cell cut. The title is a line above the table.
    """
    full = piped(con.file)
    table = build(columns, rows, full=full, style=style, lines=lines, show_header=show_header)
    if title:  # a line of its own: as a table title Rich would wrap it to the table's width
        con.print(Text(title, style="table.title"))
    if full:
        con.print(table)
        return
    con.print(fitted(table, con.width) or records(table))
