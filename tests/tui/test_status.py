"""Status and progress: sentences instead of reprs, a failed step that stops spinning and shows its
failure, a failed session that reopens on the failure without running the compute again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Label, LoadingIndicator, ProgressBar

from axtui.core.workflow.session import Event, Session
from axtui.tui.screens.session import event_text
from tests.tui.conftest import session_screen, step_rows, viewing, wait_until

FAILING = """\
workflowId: tui-fails
name: TUI fails
description: A compute that cannot read its file.
version: "1.0"
steps:
  - stepId: analyse
    name: Analyse the events
    type: compute
    config:
      fn: ab_analyze
      args:
        events: "/no/such/events.csv"
        variant_col: variant
        control: control
        metrics: [converted]
"""


@pytest.fixture(autouse=True)
def failing_workflow(demo_workflows: Path) -> None:
    (demo_workflows / "tui-fails.yaml").write_text(FAILING, encoding="utf-8")


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        (Event("started", "ab", "Analyse the events"), "running Analyse the events…"),
        (Event("done", "ab", "Analyse the events", {"result": {}}), "✓ done: Analyse the events"),
        (Event("failed", "ab", "file not found"), "✗ failed: file not found"),
        (Event("retry", "ab", "attempt 1 failed"), "retrying: attempt 1 failed"),
        (
            Event("progress", "drift", "drift", {"done": 3, "total": 12, "unit": "columns"}),
            "drift: 3 of 12 columns done",
        ),
    ],
)
def test_status_line_is_a_sentence(event: Event, expected: str) -> None:
    assert event_text(event) == expected
    assert "Event(" not in event_text(event) and "kind=" not in event_text(event)


def status_text(app: Any) -> str:
    return str(app.screen.query_one("#step-status", Label).render())


async def test_a_failed_step_shows_the_failure_and_stops(make_app, store, monkeypatch) -> None:
    calls: list[str] = []
    real = Session.run_auto

    def counting(self: Session, step_id: str, on_event: Any = None) -> Any:
        calls.append(step_id)
        return real(self, step_id, on_event=on_event)

    monkeypatch.setattr(Session, "run_auto", counting)
    app = make_app(start={"workflow": "tui-fails"})
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: viewing(app) == "analyse", tries=200)
        await wait_until(pilot, lambda: "failed" in status_text(app), tries=200)
        view = app.screen.query_one("#step-view")
        text = " ".join(str(w.render()) for w in view.query("Static"))
        assert "Analyse the events failed" in text and "events.csv" in text
        assert not list(view.query(LoadingIndicator)) and not list(view.query(ProgressBar))
        assert "computing" not in status_text(app) and "Event(" not in status_text(app)
        session_id = session_screen(app).session_id
    assert calls == ["analyse"]
    assert step_rows(store, session_id)["analyse"][0] == "failed"
    # reopened: the failure is on screen at once and the compute does not run again
    app = make_app(start={"session": session_id})
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: viewing(app) == "analyse", tries=200)
        await pilot.pause()
        assert "failed" in status_text(app)
        text = " ".join(str(w.render()) for w in app.screen.query("#step-view Static"))
        assert "Analyse the events failed" in text
    assert calls == ["analyse"]


def test_a_step_just_run_before_a_skipped_branch_is_fresh() -> None:
    from axtui.tui.screens.session import message_focus_is_fresh
    from axtui.tui.session_state import SessionSnapshot, StepView

    steps = [
        StepView("branch", "Test the secondary metrics", "conditional", "done"),
        StepView("then", "Secondary metric tests", "compute", "skipped", depth=1),
        StepView("else", "No secondary metrics", "compute", "current", depth=1, is_current=True),
    ]
    snap = SessionSnapshot("s1", "wf", "WF", "running", steps, current_id="else")
    assert message_focus_is_fresh(steps[0], snap)  # "Continue", not "Back to the current step"
    assert not message_focus_is_fresh(steps[1], snap)
