"""The sideways-scroll cue shows only under a table wider than its pane.

It used to be shown by default and hidden from code after the first paint, which left the cue's
line on a real terminal under tables that fit; now the stylesheet shows it for ``-wider`` only.
"""

from __future__ import annotations

from pathlib import Path

from textual.app import App, ComposeResult

import axtui.tui
from axtui.tui.widgets.fit_table import FitTable


class Tables(App[None]):
    CSS_PATH = Path(axtui.tui.__file__).parent / "axtui.tcss"

    def compose(self) -> ComposeResult:
        yield FitTable(["field", "value"], [["count", 1]], id="narrow")
        yield FitTable(
            ["metric:key", "test:key", "p:key", "lift:key", "diff:key", "ci95:key", "n:key"],
            [["converted", "chi2", "0.00225", "+31.4%", "+0.0305", "[0.011, 0.050]", "4,000"]] * 2,
            id="wide",
        )


async def test_the_cue_shows_under_a_wide_table_only() -> None:
    app = Tables()
    async with app.run_test(size=(50, 24)) as pilot:
        await pilot.pause()
        narrow, wide = app.query_one("#narrow", FitTable), app.query_one("#wide", FitTable)
        assert not narrow.query_one(".fit-cue").display and not narrow.has_class("-wider")
        assert wide.query_one(".fit-cue").display and wide.has_class("-wider")
        await pilot.resize_terminal(200, 24)  # wide enough now: the cue goes
        await pilot.pause()
        assert not wide.query_one(".fit-cue").display
