"""Helpers shared by the chat, memory, report and help screen tests (TUI-B).

Every test drives the real app (``create_app``) over a throwaway store with a fake clock, so
relative times ("expires in 6 d") and timestamps are the same on every run.
"""

from __future__ import annotations

from typing import Any

from textual.app import App
from textual.pilot import Pilot
from textual.screen import Screen

from axtui.config import Settings
from axtui.core.store import Store
from axtui.tui.app import create_app
from tests.tui.conftest import tables_measured, workers_done


def make_app(store: Store, **settings: Any) -> App[Any]:
    return create_app(Settings(db_path=store.path, **settings), store=store)


async def settle(pilot: Pilot[Any]) -> None:
    """Wait until no worker runs and the screen has processed what they posted (no sleeps)."""
    app = pilot.app
    for _ in range(20):
        await workers_done(app)
        await pilot.pause()
        if not any(not w.is_finished for w in app.workers):
            break
    await pilot.pause()
    await tables_measured(pilot)


async def open_screen(pilot: Pilot[Any], screen: Screen[Any]) -> Screen[Any]:
    """Push ``screen`` over the home screen once the app has started, and let it settle."""
    await settle(pilot)
    await pilot.app.push_screen(screen)
    await settle(pilot)
    return pilot.app.screen


async def settle_scroll(pilot: Pilot[Any], widget: Any) -> None:
    """Wait until a scrolling widget has laid out its content and reached its final offset.

    Markdown blocks are mounted and laid out over several refreshes after a stream ends, and
    ``scroll_end`` runs after a refresh; pictures are taken once two pauses in a row agree.
    """
    last = None
    for _ in range(30):
        await pilot.pause()
        state = (widget.max_scroll_y, widget.scroll_y, widget.virtual_size)
        if state == last and widget.scroll_y == widget.max_scroll_y:
            return
        last = state
