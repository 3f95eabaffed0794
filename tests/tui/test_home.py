"""The home screen: workflows at once, sessions/personas/memory from a worker, two-keystroke start."""

from __future__ import annotations

from typing import Any

from textual.widgets import DataTable, ListView

from axtui.tui.messages import HomeDataLoaded, WorkflowsLoaded
from axtui.tui.screens.home import HomeScreen, SessionItem
from axtui.tui.screens.session import SessionScreen
from tests.tui.conftest import wait_until


def spy(monkeypatch: Any, handler: str) -> list[Any]:
    seen: list[Any] = []
    original = getattr(HomeScreen, handler)

    def wrapper(self: HomeScreen, message: Any) -> Any:
        seen.append(message)
        return original(self, message)

    monkeypatch.setattr(HomeScreen, handler, wrapper)
    return seen


def row_of(table: DataTable, workflow_id: str) -> int:
    return next(i for i, key in enumerate(table.rows) if key.value == workflow_id)


async def test_home_lists_workflows_sessions_personas_and_memory(make_app, engine, monkeypatch) -> None:
    engine.start("tui-demo", {"project": "churn"}, strict=False)
    engine.memory.store("ml-experiments", "exp-1", {"acc": 0.9})
    workflows = spy(monkeypatch, "on_workflows_loaded")
    summaries = spy(monkeypatch, "on_home_data_loaded")
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: bool(summaries))
        home = app.screen
        assert isinstance(home, HomeScreen)
        assert isinstance(workflows[0], WorkflowsLoaded) and isinstance(summaries[0], HomeDataLoaded)
        table = home.query_one("#workflow-table", DataTable)
        ids = [key.value for key in table.rows]
        assert "tui-demo" in ids
        demo = table.get_row_at(row_of(table, "tui-demo"))
        assert [str(c) for c in demo[1:]] == ["TUI demo", "2 min", "low"]
        items = list(home.query(SessionItem))
        assert [(i.row["workflow_id"], i.row["steps_done"], i.row["steps_total"]) for i in items] == [
            ("tui-demo", 0, 4)  # the inputs form is filled in, but it is not one of the 4 steps
        ]
        counts = {ns["name"]: ns["count"] for ns in home.summary.namespaces}
        assert counts["ml-experiments"] == 1 and counts["ml-alerts"] == 0
        assert "1 entry" in str(home.query_one("#memory-title").render())
        personas = str(home.query_one("#persona-list").render())
        assert "data-scientist" in personas


async def test_digit_then_enter_starts_a_workflow(make_app, store) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.screen.query_one("#workflow-table", DataTable).row_count > 0)
        table = app.screen.query_one("#workflow-table", DataTable)
        position = row_of(table, "tui-demo") + 1
        assert position <= 9
        await pilot.press(str(position), "enter")  # two keystrokes
        await wait_until(
            pilot, lambda: isinstance(app.screen, SessionScreen) and app.screen.snapshot is not None
        )
        assert app.screen.workflow_id == "tui-demo"
    rows = store.query("SELECT workflow_id, status, current_step FROM sessions")
    assert rows == [("tui-demo", "running", "inputs")]


async def test_resume_opens_the_incomplete_session(make_app, engine) -> None:
    session = engine.start("tui-demo", {"project": "churn"}, strict=False)
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: bool(list(app.screen.query(SessionItem))))
        await pilot.press("r")
        await wait_until(
            pilot, lambda: isinstance(app.screen, SessionScreen) and app.screen.viewing == "goal"
        )
        assert app.screen.session_id == session.id


async def test_resume_list_responds_to_mouse_and_enter(make_app, engine) -> None:
    session = engine.start("tui-demo", {"project": "churn"}, strict=False)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: any(i.region.width for i in app.screen.query(SessionItem)))
        await pilot.click(SessionItem, offset=(2, 0))
        await wait_until(
            pilot, lambda: isinstance(app.screen, SessionScreen) and app.screen.viewing == "goal"
        )
        assert app.screen.session_id == session.id
        await pilot.press("ctrl+g", "escape")  # already current: nothing to do; then back home
        await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen))
        assert isinstance(app.screen.query_one("#resume-list", ListView), ListView)


async def test_home_without_sessions_says_so(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.screen.summary.personas != [])
        assert "no session to resume" in str(app.screen.query_one("#resume-empty").render())
        assert not app.screen.query_one("#resume-list").display
