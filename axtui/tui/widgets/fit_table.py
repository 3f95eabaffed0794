"""A read-only result table that fits its pane: text wraps, numbers and key cells never do.

The table itself is built by ``axtui.present.tables`` (the same one the CLI prints). This
widget renders it at the pane's width; when even the wrapped table needs more columns than
the pane has, it keeps its minimum width, scrolls sideways, and says so in a cue line
("◂ ▸ more columns…"); the scroller then takes focus (tab) and ←/→ scroll it.
Callers put the key columns (decision, p-value, PASS/FAIL, reason, severity) first, so at
80×24 they are on screen before any scrolling.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from rich.measure import Measurement
from rich.table import Table
from textual.app import ComposeResult
from textual.containers import ScrollableContainer, Vertical
from textual.events import Resize
from textual.geometry import Size
from textual.widgets import Static

from axtui.present import tables

CUE = "◂ ▸ more columns: tab here, then ← →"


class TableBody(Static):
    """The Rich table, as wide as the pane allows but never narrower than its minimum."""

    def __init__(self, table: Table) -> None:
        super().__init__(table)
        self.table = table

    def minimum(self) -> int:
        return tables.minimum_width(self.table, whole_words=True)  # scrolls rather than fold a short name

    def get_content_width(self, container: Size, viewport: Size) -> int:
        console = self.app.console
        natural = Measurement.get(console, console.options.update_width(10_000), self.table).maximum
        return max(self.minimum(), min(natural, container.width))

    def render(self) -> Table:
        """The table with its column widths chosen by the shared layer (``tables.fitted``).

        Rich alone would fold a text column below its longest word to give another more room."""
        width = max(self.minimum(), self.content_region.width)
        return tables.fitted(self.table, width, whole_words=True) or self.table


class TableScroll(ScrollableContainer):
    """Scrolls the table sideways when it is wider than the pane (focusable only then)."""

    can_focus = False


class FitTable(Vertical):
    """A table from ``columns`` (``"p:key"``, ``"count:num"``, ``"reason"``) and ``rows``."""

    def __init__(
        self,
        columns: Sequence[str | tables.Column],
        rows: Iterable[Sequence[Any]],
        *,
        title: str | None = None,
        lines: bool = False,
        classes: str = "result-table",
        id: str | None = None,
    ) -> None:
        super().__init__(classes=classes, id=id)
        self.columns = [tables.col(c) for c in columns]
        self.rows = [list(r) for r in rows]
        self.table = tables.build(self.columns, self.rows, title=title, lines=lines)

    @property
    def row_count(self) -> int:
        return len(self.rows)

    def compose(self) -> ComposeResult:
        with TableScroll(classes="fit-scroll"):
            yield TableBody(self.table)
        yield Static(CUE, classes="fit-cue")

    def plain_rows(self) -> list[list[str]]:
        """The cells as text (what a person reads; used by tests and copy)."""
        return [[str(c) for c in tables.cells(row)] for row in self.rows]

    def on_resize(self, event: Resize) -> None:
        self._update_cue(event.size.width)

    def on_mount(self) -> None:
        self._update_cue(self.size.width)

    def _update_cue(self, width: int) -> None:
        if width <= 0:
            return
        body = self.query_one(TableBody)
        wider = body.minimum() > width
        scroll = self.query_one(TableScroll)
        scroll.can_focus = wider
        if wider != self.has_class("-wider"):
            # The cue shows through the stylesheet (hidden until a table is wider than its pane):
            # hiding it from code after its first paint left the line on a real terminal.
            self.set_class(wider, "-wider")
            if self.parent is not None:
                self.parent.refresh(layout=True)
