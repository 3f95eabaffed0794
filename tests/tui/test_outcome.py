"""The end of a session: the completion screen leads with decisions and key numbers, and a completed
session reopens read-only (from home and with ``axtui open``) with its tables."""

from __future__ import annotations

from typing import Any

from textual.widgets import ListView

from axtui.tui.screens.home import HomeScreen, RecentItem
from axtui.tui.screens.session import DONE_VIEW
from axtui.tui.widgets.fit_table import FitTable
from tests.tui.conftest import session_screen, viewing, wait_until


def done_text(app: Any) -> str:
    return " ".join(str(w.render()) for w in app.screen.query("#session-done Static"))


async def test_completion_screen_leads_with_the_key_numbers(make_app, demo_session) -> None:
    session_id = demo_session("(end)")
    app = make_app(start={"session": session_id})
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: viewing(app) == DONE_VIEW, tries=200)
        text = done_text(app)
        assert "Check the target: 1/1 checks passed" in text
        assert text.index("1/1 checks passed") < text.index("steps are done")
        screen = session_screen(app)
        assert screen.snapshot.read_only
        # review a computed step: its table is there, and the session cannot be changed
        screen.query_one("#checklist-list", ListView).focus()
        await pilot.press("home", "down", "down", "down", "enter")
        await wait_until(pilot, lambda: viewing(app) == "score")
        rows = app.screen.query_one(FitTable).plain_rows()
        assert rows[0][2] == "PASS" and rows[0][3] == "aiming high"
        assert screen.check_action("redo", ()) is False
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert type(app.screen).__name__ == "SessionScreen"  # no confirmation: nothing to redo


async def test_decisions_are_shown_by_their_readable_label(make_app, demo_session, monkeypatch) -> None:
    from axtui.core.workflow.session import Session

    monkeypatch.setattr(Session, "decisions", lambda self: {"ab_decision": "SHIP", "srm_alert": False})
    session_id = demo_session("(end)")
    app = make_app(start={"session": session_id})
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: viewing(app) == DONE_VIEW, tries=200)
        text = done_text(app)
        assert "A/B decision: SHIP" in text and "SRM alert: no" in text
        assert text.index("SHIP") < text.index("1/1 checks passed")


async def test_a_completed_session_opens_from_home(make_app, demo_session) -> None:
    session_id = demo_session("(end)")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(
            pilot, lambda: isinstance(app.screen, HomeScreen) and bool(app.screen.query(RecentItem))
        )
        recent = app.screen.query_one("#recent-list", ListView)
        recent.focus()
        recent.index = 0
        await pilot.press("enter")
        await wait_until(pilot, lambda: viewing(app) == DONE_VIEW, tries=200)
        assert session_screen(app).session_id == session_id


def test_axtui_open_lands_on_the_session(monkeypatch, demo_session, db_path, capsys) -> None:
    from axtui.cli import main

    session_id = demo_session("(end)")
    seen: list[Any] = []
    monkeypatch.setattr("axtui.tui.launch.launch_tui", lambda settings, start=None: seen.append(start) or 0)
    assert main(["--db", str(db_path), "open", session_id]) == 0
    assert seen == [{"session": session_id}]
    capsys.readouterr()
    assert main(["--db", str(db_path), "open", "nope"]) == 1
    assert "nope" in capsys.readouterr().err
    assert not seen[1:]  # an unknown id fails before the TUI starts


async def test_hints_and_buttons_show_the_remapped_key(make_app, demo_session) -> None:
    session_id = demo_session("(end)")
    app = make_app(start={"session": session_id}, config={"keymap": {"session.report": "ctrl+y"}})
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: viewing(app) == DONE_VIEW, tries=200)
        button = app.screen.query_one("#open-report")
        assert "ctrl+y" in str(button.label) and "ctrl+o" not in str(button.label)
        assert "ctrl+y opens the report" in str(app.screen.query_one("#step-status").render())
