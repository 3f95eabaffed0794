"""F1 help: the keys of the screen it was opened from first, then global keys, then tips."""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import Markdown

from axtui.core.store import Store
from axtui.tui.screens.help import HelpScreen, help_markdown
from axtui.tui.screens.memory import MemoryScreen
from tests.tui.tui_b_support import make_app, open_screen, settle


def help_text(app: Any) -> str:
    assert isinstance(app.screen, HelpScreen)
    return app.screen.query_one("#help-body", Markdown).source


async def test_f1_on_memory_lists_memory_keys_first_then_global_keys(store: Store) -> None:
    app = make_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_screen(pilot, MemoryScreen())
        await pilot.press("f1")
        await settle(pilot)
        text = help_text(app)
        here = text.index("## Keys on this screen: Memory browser")
        everywhere = text.index("## Keys everywhere")
        assert here < text.index("`memory.delete`") < everywhere  # the screen's own keys come first
        assert "| `delete` / `d` | Delete |" in text
        assert "| `/` | Search |" in text
        assert "`json.copy`" in text[here:everywhere]  # widget keys of the screen are included
        assert text.index("`app.quit`") > everywhere
        assert "`ctrl+p`" in text[everywhere:]
        assert "key:exp-2026*" in text  # the query-language cheatsheet
        await pilot.press("escape")
        assert isinstance(app.screen, MemoryScreen)


async def test_help_follows_the_users_keymap(store: Store) -> None:
    app = make_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_screen(pilot, MemoryScreen())
        app.set_keymap({"memory.refresh": "ctrl+r"})
        await pilot.press("f1")
        await settle(pilot)
        assert "| `ctrl+r` | Refresh |" in help_text(app)


async def test_help_pushed_without_its_screen_uses_the_class_bindings(store: Store) -> None:
    app = make_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_screen(pilot, HelpScreen("chat"))
        text = help_text(app)
        assert "## Keys on this screen: Chat" in text
        assert "| `ctrl+j` | Send |" in text and "| `alt+enter` | Send |" in text
        assert "`chat.stop`" in text and "`chat.export`" in text
        assert "Enter** inserts a new line" in text


def test_help_markdown_skips_duplicates_and_keyless_bindings() -> None:
    from textual.binding import Binding

    screen = [Binding("x", "do", "Do it", id="s.do"), Binding("x", "do", "Do it"), Binding("z", "hidden", "")]
    text = help_markdown("nowhere", screen, [Binding("ctrl+q", "quit", "Quit")])
    assert text.count("| `x` |") == 1
    assert "`z`" not in text
    assert "## Tips" not in text  # no tips for an unknown context


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_help_snapshot(snap_compare: Any, store: Store, size: tuple[int, int]) -> None:
    app = make_app(store)

    async def run_before(pilot: Any) -> None:
        await open_screen(pilot, MemoryScreen())
        await pilot.press("f1")
        await settle(pilot)

    assert snap_compare(app, terminal_size=size, run_before=run_before)
