"""One engine call at a time: a double key press or a snapshot taken mid-answer must not ask twice.

Thread workers run side by side, so two accepts (ctrl+n pressed twice while the first was still
saving) each posted a snapshot; the second re-rendered the next prompt step from a stale one and
asked for its first answer again, which the engine refused ("a follow-up needs text"). These
tests hold the engine call on an event (no timing) and press the keys while it is held.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from axtui.tui.widgets.chat_view import ChatView
from tests.tui.conftest import session_screen, step_rows, viewing, wait_until, workers_done

TWO_PROMPTS = """workflowId: two-prompts
name: Two prompts
description: Two prompt steps in a row.
version: "1.0"
inputs:
  project:
    type: text
    default: demo
steps:
  - stepId: first
    name: First prompt
    type: prompt
    config:
      agent: data-scientist
      task: "Plan {{project}}."
  - stepId: second
    name: Second prompt
    type: prompt
    config:
      agent: data-scientist
      task: "Review {{project}}."
"""


@pytest.fixture
def turns(demo_workflows: Path, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str | None]]:
    """The two-prompt workflow installed; every prompt turn the screen asks for, in order."""
    from axtui.core.workflow.session import Session

    (demo_workflows / "two-prompts.yaml").write_text(TWO_PROMPTS, encoding="utf-8")
    asked: list[tuple[str, str | None]] = []
    original = Session.prompt_turn

    async def spy(self: Any, step_id: str, text: str | None = None, on_delta: Any = None) -> Any:
        asked.append((step_id, text))
        return await original(self, step_id, text, on_delta=on_delta)

    monkeypatch.setattr(Session, "prompt_turn", spy)
    return asked


def held(monkeypatch: pytest.MonkeyPatch, name: str) -> threading.Event:
    """Make ``Session.<name>`` wait for the returned event before it runs."""
    from axtui.core.workflow.session import Session

    release = threading.Event()
    original = getattr(Session, name)

    def wait_then_run(self: Any, *args: Any, **kwargs: Any) -> Any:
        assert release.wait(60), "the test never released the engine call"
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Session, name, wait_then_run)
    return release


async def answered(pilot: Any) -> ChatView:
    chat = pilot.app.screen.query_one(ChatView)
    await wait_until(pilot, lambda: not chat.generating and bool(chat.last_answer))
    return chat


async def test_accept_pressed_twice_accepts_once_and_asks_the_next_step_once(
    make_app, store, turns, monkeypatch, notices
) -> None:
    app = make_app(start={"workflow": "two-prompts", "inputs": {"project": "demo"}})
    release = held(monkeypatch, "accept")
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: viewing(app) == "first")
        await answered(pilot)
        await pilot.press("ctrl+n")  # the accept is held in its worker...
        await pilot.pause()
        await pilot.press("ctrl+n")  # ...so this press comes while it is still saving
        await pilot.pause()
        release.set()
        await wait_until(pilot, lambda: viewing(app) == "second")
        await answered(pilot)
        await workers_done(pilot.app)
        await pilot.pause()
        session_id = session_screen(app).session_id
    assert turns == [("first", None), ("second", None)]
    assert not [n for n in notices if n.severity == "error"], notices
    rows = step_rows(store, session_id)
    assert rows["first"][0] == "done" and rows["first"][1]["result"]["turns"] == 1
    assert rows["second"][0] in ("running", "pending")


async def test_a_view_built_from_an_older_snapshot_shows_the_stored_answer(
    make_app, store, demo_session, monkeypatch, notices
) -> None:
    """The first answer was stored after the snapshot was read: the view shows it, asks nothing."""
    import asyncio

    from axtui.core.workflow.session import Session
    from axtui.tui.screens import session as session_module

    session_id = await asyncio.to_thread(demo_session, "plan", first_answer=True)
    real = session_module.build_snapshot

    def older(session: Any, **kwargs: Any) -> Any:
        snapshot = real(session, **kwargs)
        snapshot.conversations = {k: [] for k in snapshot.conversations}  # read before the answer
        return snapshot

    monkeypatch.setattr(session_module, "build_snapshot", older)
    asked: list[Any] = []
    original = Session.prompt_turn

    async def spy(self: Any, step_id: str, text: str | None = None, on_delta: Any = None) -> Any:
        asked.append((step_id, text))
        return await original(self, step_id, text, on_delta=on_delta)

    monkeypatch.setattr(Session, "prompt_turn", spy)
    app = make_app(start={"session": session_id})
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: viewing(app) == "plan")
        chat = await answered(pilot)
        assert "offline" in chat.last_answer
        await pilot.press("ctrl+n")
        await wait_until(pilot, lambda: viewing(app) == "score")
    assert asked == []  # never asked again ("a follow-up needs text" before)
    assert not [n for n in notices if n.severity == "error"], notices
    assert step_rows(store, session_id)["plan"][0] == "done"


async def test_an_answer_ending_leaves_the_focus_where_the_user_put_it(
    make_app, store, turns, monkeypatch
) -> None:
    """The user went to the checklist while it answered: the end of the answer must not pull the
    focus back to the message box (their enter then went into the box, not the checklist)."""
    from axtui.core.chat import ChatService

    release = threading.Event()
    original = ChatService.asend

    async def slow_answer(self: Any, *args: Any, **kwargs: Any) -> Any:
        import asyncio

        await asyncio.to_thread(release.wait, 60)
        return await original(self, *args, **kwargs)

    monkeypatch.setattr(ChatService, "asend", slow_answer)
    app = make_app(start={"workflow": "two-prompts", "inputs": {"project": "demo"}})
    async with app.run_test(size=(100, 30)) as pilot:
        # the answer is held from the start: polling must not wait for its worker (up to 60 s)
        await wait_until(pilot, lambda: viewing(app) == "first", tries=3000, workers=False)
        chat = app.screen.query_one(ChatView)
        assert chat.generating
        await pilot.press("ctrl+l")
        focused = lambda: getattr(app.focused, "id", None) == "checklist-list"  # noqa: E731
        await wait_until(pilot, focused, tries=3000, workers=False)
        release.set()
        await answered(pilot)
        await pilot.pause()
        assert getattr(app.focused, "id", None) == "checklist-list"
        await pilot.press("home", "enter")  # and the keys go where the user looks
        await wait_until(pilot, lambda: viewing(app) == "inputs")
