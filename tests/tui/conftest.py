"""Shared fixtures for the TUI tests: a throwaway database, a demo workflow, and an app factory.

Everything time- or id-dependent is frozen (the store's FakeClock, sequential session ids),
so snapshots are stable from run to run.
"""

from __future__ import annotations

import asyncio
import itertools
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from axtui.config import Settings
from axtui.core.store import Store
from axtui.tui.app import AxtuiApp, create_app

TUI_DATA = Path(__file__).parent.parent / "data" / "tui"


@pytest.fixture(autouse=True)
def demo_workflows(isolated_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The demo workflow as the only workflow, and a cwd with no ./.axtui overrides."""
    folder = isolated_home / "config" / "axtui" / "workflows"
    folder.mkdir(parents=True, exist_ok=True)
    for path in (TUI_DATA / "workflows").glob("*.yaml"):
        shutil.copy(path, folder / path.name)
    monkeypatch.chdir(isolated_home)
    # Only the demo workflow: the built-in catalogue changes as it grows, the tests must not.
    monkeypatch.setattr("axtui.core.workflow.catalog.search_dirs", lambda kind, cwd=None: [folder])
    return folder


# What a picture depends on besides the app: the user's shell must not change it.
UNPINNED_ENV = ("NO_COLOR", "FORCE_COLOR", "COLUMNS", "LINES", "TEXTUAL", "TEXTUAL_COLOR_SYSTEM", "COLORTERM")


@pytest.fixture(autouse=True)
def steady_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """No blinking cursor (a picture caught it off half the time), and the environment pinned.

    ``NO_COLOR=1`` turned the chat picture red, ``COLUMNS`` and ``TERM`` change what Rich and
    Textual measure: they are removed or set here, so the suite passes in anyone's shell.
    """
    from textual.widgets import Input, TextArea

    monkeypatch.setattr(Input, "_toggle_cursor", lambda self: None)  # the cursor stays shown
    monkeypatch.setattr(TextArea, "_toggle_cursor_blink_visible", lambda self: None)
    for var in UNPINNED_ENV:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")


@pytest.fixture(autouse=True)
def frozen_ids(monkeypatch: pytest.MonkeyPatch) -> None:
    """Session ids s0001, s0002, ... instead of random hex."""
    counter = itertools.count(1)
    monkeypatch.setattr("axtui.core.workflow.engine.new_session_id", lambda: f"s{next(counter):04d}")


@dataclass(frozen=True)
class Notice:
    """One toast as the app was asked to show it."""

    message: str
    title: str
    severity: str


@pytest.fixture
def notices(monkeypatch: pytest.MonkeyPatch) -> list[Notice]:
    """Every notification shown, in order, recorded through the public ``App.notify`` (which
    ``Widget.notify`` calls too); the toast is still shown."""
    seen: list[Notice] = []
    original = AxtuiApp.notify

    def spy(
        self: AxtuiApp, message: str, *, title: str = "", severity: str = "information", **kw: Any
    ) -> None:
        seen.append(Notice(str(message), title, severity or "information"))
        original(self, message, title=title, severity=severity or "information", **kw)

    monkeypatch.setattr(AxtuiApp, "notify", spy)
    return seen


@pytest.fixture
def settings(db_path: Path) -> Settings:
    return Settings(db_path=db_path)


@pytest.fixture
def make_app(settings: Settings, store: Store) -> Callable[..., AxtuiApp]:
    """Build the app the way ``axtui`` does, over the test's store."""

    def factory(start: dict[str, Any] | None = None, **overrides: Any) -> AxtuiApp:
        chosen = Settings(**{**settings.__dict__, **overrides}) if overrides else settings
        return create_app(chosen, start=start, store=store)

    return factory


@pytest.fixture
def engine(store: Store, settings: Settings) -> Iterator[Any]:
    from axtui.core.workflow import Engine

    yield Engine(store, settings)


async def workers_done(app: Any) -> None:
    """Wait until no worker runs, as the tests mean it.

    ``workers.wait_for_complete`` raises when a worker it waits on is cancelled (an exclusive
    reload replaces it: the memory browser reloads on another process's write) or is not started
    yet, which happens under load; neither is a failure, so wait again for those that are left.
    A worker that *failed* still raises.
    """
    from textual.worker import WorkerCancelled, WorkerError, WorkerFailed

    for _ in range(100):
        try:
            await app.workers.wait_for_complete()
            return
        except WorkerFailed:
            raise
        except (WorkerCancelled, WorkerError):
            await asyncio.sleep(0.01)


async def settle(pilot: Any) -> None:
    """Wait until every worker is done and the screen has caught up with their messages."""
    for _ in range(3):
        await pilot.pause()
        await workers_done(pilot.app)
    await pilot.pause()
    await tables_measured(pilot)


async def tables_measured(pilot: Any) -> None:
    """Let every DataTable size its columns to the rows just added.

    DataTable measures new rows on its next Idle event; a picture taken before that shows
    columns as wide as their headers only, which is what made snapshots flaky.
    """
    from textual.widgets import DataTable

    for _ in range(50):
        tables = list(pilot.app.screen.query(DataTable))
        if not any(t._require_update_dimensions or t._new_rows for t in tables):
            return
        await pilot.pause()


async def wait_until(
    pilot: Any, predicate: Callable[[], bool], *, tries: int = 400, workers: bool = True
) -> None:
    """Let the app run (workers, message handlers, mounts) until ``predicate`` holds.

    Bounded by a number of turns, not by time; generous, because on a loaded 2-core machine a
    worker that opens DuckDB can take many turns. ``workers=False`` while the test itself holds a
    worker (an answer held on an event): waiting for every worker would wait out that hold.
    """
    for _ in range(tries):
        if predicate():
            return
        await pilot.pause(0.02)
        if workers:
            await workers_done(pilot.app)
    raise AssertionError(f"condition never became true; screen is {type(pilot.app.screen).__name__}")


def session_screen(app: Any) -> Any:
    from axtui.tui.screens.session import SessionScreen

    screen = app.screen
    assert isinstance(screen, SessionScreen), type(screen).__name__
    return screen


def viewing(app: Any) -> str | None:
    """The step id the session screen shows, once it is idle."""
    from axtui.tui.screens.session import SessionScreen

    screen = app.screen
    if not isinstance(screen, SessionScreen) or screen.busy or screen.snapshot is None:
        return None
    return screen.viewing


def step_rows(store: Store, session_id: str) -> dict[str, tuple[str, Any]]:
    """step id -> (status, outputs JSON) straight from DuckDB."""
    import json

    rows = store.query("SELECT step_id, status, outputs FROM step_results WHERE session_id = ?", [session_id])
    return {r[0]: (r[1], json.loads(r[2]) if r[2] else None) for r in rows}


@pytest.fixture
def demo_session(engine: Any) -> Callable[[str], str]:
    """Drive a tui-demo session through the engine up to (not including) the given step; returns its id."""

    def drive(until: str, *, first_answer: bool = False) -> str:
        import asyncio

        session = engine.start("tui-demo", {"project": "churn"})
        order = ["goal", "plan", "score", "save", "(end)"]
        if first_answer:  # the prompt step's first answer, stored but not accepted
            drive_to = order.index("plan")
            session.submit_input("goal", {"metric": "f1", "target": "0.85"})
            asyncio.run(session.prompt_turn("plan"))
            assert until == "plan" and drive_to == 1
            return session.id
        for step in order[: order.index(until)]:
            if step == "goal":
                session.submit_input("goal", {"metric": "f1", "target": "0.85"})
            elif step == "plan":
                session.run_prompt("plan")
            else:
                session.run_auto(step)
        return session.id

    return drive
