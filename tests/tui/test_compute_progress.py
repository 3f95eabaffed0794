"""A long compute shows how far it is: drift, profile and features report columns done (evaluate its
steps) through the step's context, the engine turns that into ``progress`` events, and the session
view fills a ProgressBar with them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import ProgressBar

from axtui.tui.screens.session import SessionScreen
from tests.tui.conftest import viewing, wait_until

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "data"
REFERENCE = EXAMPLES / "monitoring_reference.csv"
CURRENT = EXAMPLES / "monitoring_current.csv"
# Each long compute, its arguments, the unit its progress counts and how many it counts in all.
COMPUTES = {
    "drift": ({"reference": REFERENCE, "current": CURRENT}, "columns", 8),  # the example files' columns
    "profile": ({"data": REFERENCE}, "columns", 8),
    "features": ({"data": REFERENCE, "target": "churned"}, "columns", 8),
    # reading, metrics, bootstrap, the plan group: four evaluation steps
    "evaluate": (
        {
            "predictions": CURRENT,
            "y_true": "churned",
            "y_pred": "predicted",
            "y_score": "churn_score",
            "groups": ["plan"],
            "n_boot": 50,
        },
        "steps",
        4,
    ),
}


def flow(fn: str) -> str:
    """A one-step workflow running the compute ``fn`` over the example monitoring data."""
    args = "".join(
        f"\n        {k}: {json.dumps(str(v) if isinstance(v, Path) else v)}"
        for k, v in COMPUTES[fn][0].items()
    )
    return f"""workflowId: {fn}-progress
name: {fn.capitalize()} progress
description: One {fn} compute over the example monitoring data.
version: "1.0"
steps:
  - stepId: {fn}
    name: Run {fn}
    type: compute
    config:
      fn: {fn}
      args:{args}
"""


@pytest.fixture(params=sorted(COMPUTES))
def compute_flow(request: pytest.FixtureRequest, demo_workflows: Path) -> str:
    (demo_workflows / f"{request.param}-progress.yaml").write_text(flow(request.param), encoding="utf-8")
    return request.param


def test_the_engine_reports_a_computes_progress(engine: Any, compute_flow: str) -> None:
    _, unit, total = COMPUTES[compute_flow]
    session = engine.start(f"{compute_flow}-progress", {})
    events: list[Any] = []
    session.run_auto(compute_flow, on_event=events.append)
    progress = [e for e in events if e.kind == "progress"]
    assert progress and all(e.step_id == compute_flow and e.data["unit"] == unit for e in progress)
    assert [e.data["done"] for e in progress] == sorted(e.data["done"] for e in progress)
    assert progress[-1].data["done"] == progress[-1].data["total"] == total
    assert progress[-1].data["rows"] > 0
    kinds = [e.kind for e in events]
    assert kinds.index("started") < kinds.index("progress") < kinds.index("done")


async def test_the_session_view_fills_a_progress_bar(make_app, compute_flow: str, monkeypatch) -> None:
    _, unit, total = COMPUTES[compute_flow]
    bars: list[tuple[float | None, float, str]] = []
    original = SessionScreen.on_auto_step_progress

    def spy(self: SessionScreen, message: Any) -> None:
        original(self, message)
        for bar in self.query("#auto-progress").results(ProgressBar):
            bars.append((bar.total, bar.progress, str(self.query_one("#step-status").render())))

    monkeypatch.setattr(SessionScreen, "on_auto_step_progress", spy)
    app = make_app(start={"workflow": f"{compute_flow}-progress"})
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: viewing(app) == compute_flow and bool(app.screen.query("#continue")))
    assert bars, "no progress reached the bar"
    filled = [(of, done) for of, done, status in bars if f"{unit} done" in status]
    assert filled and filled[-1] == (total, total)  # the bar counts the columns (or steps), to the last
    assert any(f"{total} of {total} {unit} done" in status for *_, status in bars)
