"""A long compute shows how far it is: drift reports columns done through the step's context, the
engine turns that into ``progress`` events, and the session view fills a ProgressBar with them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.widgets import ProgressBar

from axtui.tui.screens.session import SessionScreen
from tests.tui.conftest import viewing, wait_until

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "data"
DRIFT = f"""workflowId: drift-progress
name: Drift progress
description: One drift compute over the example monitoring data.
version: "1.0"
steps:
  - stepId: drift
    name: Check the drift
    type: compute
    config:
      fn: drift
      args:
        reference: "{EXAMPLES / "monitoring_reference.csv"}"
        current: "{EXAMPLES / "monitoring_current.csv"}"
"""
COLUMNS = 8  # the example files' columns


@pytest.fixture
def drift_flow(demo_workflows: Path) -> str:
    (demo_workflows / "drift-progress.yaml").write_text(DRIFT, encoding="utf-8")
    return "drift-progress"


def test_the_engine_reports_a_computes_progress(engine: Any, drift_flow: str) -> None:
    session = engine.start(drift_flow, {})
    events: list[Any] = []
    session.run_auto("drift", on_event=events.append)
    progress = [e for e in events if e.kind == "progress"]
    assert progress and all(e.step_id == "drift" and e.data["unit"] == "columns" for e in progress)
    assert [e.data["done"] for e in progress] == sorted(e.data["done"] for e in progress)
    assert progress[-1].data["done"] == progress[-1].data["total"] == COLUMNS
    assert progress[-1].data["rows"] > 0
    kinds = [e.kind for e in events]
    assert kinds.index("started") < kinds.index("progress") < kinds.index("done")


async def test_the_session_view_fills_a_progress_bar(make_app, drift_flow: str, monkeypatch) -> None:
    bars: list[tuple[float | None, float, str]] = []
    original = SessionScreen.on_auto_step_progress

    def spy(self: SessionScreen, message: Any) -> None:
        original(self, message)
        for bar in self.query("#auto-progress").results(ProgressBar):
            bars.append((bar.total, bar.progress, str(self.query_one("#step-status").render())))

    monkeypatch.setattr(SessionScreen, "on_auto_step_progress", spy)
    app = make_app(start={"workflow": drift_flow})
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: viewing(app) == "drift" and bool(app.screen.query("#continue")))
    assert bars, "no progress reached the bar"
    filled = [(total, done) for total, done, status in bars if "columns done" in status]
    assert filled and filled[-1] == (COLUMNS, COLUMNS)  # the bar counts the columns, to the last
    assert any(f"{COLUMNS} of {COLUMNS} columns done" in status for *_, status in bars)
