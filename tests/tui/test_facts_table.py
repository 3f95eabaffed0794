"""A chat's facts table at 80×24: long fact names fold onto the next line, never cut with "…".

Textual's Markdown tables end a cell that does not fit with an ellipsis, and a dotted fact name
has no space to wrap at; the app's stylesheet folds table cells instead (axtui.tcss).
"""

from __future__ import annotations

from pathlib import Path

from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.widgets import Markdown
from textual.widgets._markdown import MarkdownTableCellContents

NAMES = [
    "experiment.primary_metric_relative_lift_with_confidence_interval",
    "ab_analysis.metrics.converted.p_value_adjusted_for_multiple_comparisons",
    "decision",
]
FACTS = "| Fact | Value |\n|---|---|\n" + "".join(f"| {n} | {i} |\n" for i, n in enumerate(NAMES))


class FactsApp(App[None]):
    """A chat message body holding a facts table, under the app's own stylesheet."""

    CSS_PATH = str(Path(__file__).resolve().parents[2] / "axtui" / "tui" / "axtui.tcss")

    def compose(self) -> ComposeResult:
        yield Markdown(FACTS, classes="chat-message-body")


def cell_text(cell: MarkdownTableCellContents) -> str:
    """What the cell shows, its lines joined (a folded name reads whole again)."""
    width, height = cell.outer_size
    strips = cell.render_lines(Region(0, 0, width, height))
    return "".join(strip.text.strip() for strip in strips)


async def test_long_fact_names_fold_and_stay_whole_at_80x24() -> None:
    app = FactsApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        cells = [c for c in app.query(MarkdownTableCellContents) if c.has_class("cell")]
        await pilot.wait_for_scheduled_animations()
        shown = [cell_text(c) for c in cells]
        assert all("…" not in text for text in shown)
        for name in NAMES:
            assert name in shown
        folded = next(c for c in cells if cell_text(c) == NAMES[1])
        assert folded.outer_size.height > 1  # the longest name is on two lines, not cut
