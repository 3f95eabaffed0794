"""App-wide behaviour: command palette, keymap, themes, help, error modal, clipboard."""

from __future__ import annotations

from typing import Any

from textual.widgets import DataTable

from axtui.tui import keymap
from axtui.tui.palette import commands_for
from axtui.tui.screens.error import ErrorScreen
from axtui.tui.screens.help import HelpScreen
from axtui.tui.screens.home import HomeScreen
from axtui.tui.screens.session import SessionScreen
from tests.tui.conftest import wait_until


async def home_ready(pilot: Any) -> None:
    app = pilot.app
    await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen) and app.screen.summary.personas != [])


def test_user_keymap_accepts_known_ids_and_reports_the_rest() -> None:
    mapping, problems = keymap.user_keymap(
        {"keymap": {"session.accept": "ctrl+y", "app.help": ["f1", "f12"], "nope.bad": "x", "home.start": ""}}
    )
    assert mapping == {"session.accept": "ctrl+y", "app.help": "f1,f12"}
    assert len(problems) == 2
    assert "unknown binding id 'nope.bad'" in problems[0]
    assert "home.start needs a key" in problems[1]
    assert keymap.user_keymap({"keymap": ["f1"]})[1] == [
        "config `keymap` must be a mapping of binding id to keys"
    ]


def test_every_binding_has_an_id_and_a_tooltip() -> None:
    for spec_id, spec in keymap.SPECS.items():
        built = keymap.binding(spec_id)
        assert built.id == spec_id and built.tooltip == spec.tooltip and spec.tooltip


async def test_config_keymap_and_theme_are_applied(make_app, settings, notices) -> None:
    settings.config = {"keymap": {"app.help": "f12", "bogus.id": "x"}, "theme": "nord"}
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await home_ready(pilot)
        assert app.theme == "nord"
        assert any("unknown binding id 'bogus.id'" in n.message for n in notices)
        await pilot.press("f12")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen))
        assert app.screen.context == "home"


async def test_unknown_theme_is_reported_not_fatal(make_app, settings, notices) -> None:
    settings.config = {"theme": "no-such-theme"}
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await home_ready(pilot)
        assert app.theme == "textual-dark"
        assert any("no-such-theme" in n.message for n in notices)


async def test_f1_help_is_contextual(make_app) -> None:
    app = make_app(start={"workflow": "tui-demo"})
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(
            pilot, lambda: isinstance(app.screen, SessionScreen) and app.screen.viewing == "inputs"
        )
        await pilot.press("f1")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen))
        assert app.screen.context == "session"
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, SessionScreen))


async def test_palette_commands_depend_on_the_screen(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await home_ready(pilot)
        app.start_workflow("tui-demo")
        await wait_until(
            pilot, lambda: isinstance(app.screen, SessionScreen) and app.screen.viewing == "inputs"
        )
        app.screen_stack[1].refresh_data()  # the home's caches now include the new session
        await wait_until(pilot, lambda: bool(app.sessions_cache))
        on_session = [c.text for c in commands_for(app, app.screen)]
        on_home = [c.text for c in commands_for(app, app.screen_stack[1])]
    assert "export: report as Markdown" in on_session and "export: report as Markdown" not in on_home
    assert "workflow: start tui-demo" in on_home
    assert any(t.startswith("session: resume s0001") for t in on_home)
    assert {"screen: memory", "screen: chat", "screen: help", "theme: nord"} <= set(on_home)


async def test_palette_starts_a_workflow(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await home_ready(pilot)
        await pilot.press("ctrl+p")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "CommandPalette")
        await pilot.press(*"workflow: start tui-demo")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_until(
            pilot, lambda: isinstance(app.screen, SessionScreen) and app.screen.viewing == "inputs"
        )
        assert app.screen.workflow_id == "tui-demo"


async def test_export_from_the_palette_writes_the_report(make_app, isolated_home, notices) -> None:
    app = make_app(start={"workflow": "tui-demo"})
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(
            pilot, lambda: isinstance(app.screen, SessionScreen) and app.screen.viewing == "inputs"
        )
        command = next(c for c in commands_for(app, app.screen) if c.text == "export: report as Markdown")
        command.callback()
        await wait_until(pilot, lambda: any("exported to" in n.message for n in notices))
    exported = isolated_home / "axtui-s0001.md"
    assert exported.is_file() and "TUI demo" in exported.read_text()


async def test_error_modal_copies_and_closes(make_app) -> None:
    app = make_app()
    copied: list[str] = []
    app.copy_to_clipboard = copied.append  # type: ignore[method-assign]
    async with app.run_test(size=(80, 24)) as pilot:
        await home_ready(pilot)
        app.show_error("export failed: OSError: disk full", "Traceback (most recent call last):\n  boom")
        await wait_until(
            pilot,
            lambda: (
                isinstance(app.screen, ErrorScreen)
                and any(b.region.width for b in app.screen.query("#error-copy"))
            ),
        )
        await pilot.click("#error-copy")
        assert copied and "disk full" in copied[0] and "boom" in copied[0]
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen))
        assert app.screen.query_one("#workflow-table", DataTable).row_count > 0


async def test_copy_failure_is_a_toast(make_app, notices) -> None:
    app = make_app()

    def refuse(text: str) -> None:
        raise OSError("no terminal")

    app.copy_to_clipboard = refuse  # type: ignore[method-assign]
    async with app.run_test(size=(80, 24)) as pilot:
        await home_ready(pilot)
        app.copy_text("hello", "greeting")
        await pilot.pause()
        assert any("could not copy greeting" in n.message for n in notices)


async def test_screens_from_tui_b_open_from_home(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await home_ready(pilot)
        await pilot.press("m")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "MemoryScreen")
        await pilot.press("f4")
        await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen))
        await pilot.press("c")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "ChatScreen")
