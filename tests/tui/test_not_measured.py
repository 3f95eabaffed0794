"""The session checklist marks a step whose evidence was not supplied with its own mark (⊘)."""

from __future__ import annotations

from pathlib import Path

import yaml
from textual.widgets import Label

from axtui.tui.screens.session import DONE_VIEW, ChecklistItem
from tests.tui.conftest import session_screen, step_rows, viewing, wait_until

WORKFLOW = {
    "workflowId": "tui-evidence",
    "name": "Evidence demo",
    "version": "1",
    "inputs": {
        "name": {"type": "text"},
        "latency_log": {"type": "path", "required": False, "default": None},
    },
    "steps": [
        {
            "stepId": "latency",
            "name": "Latency from the log",
            "type": "compute",
            "evidence": ["{{latency_log}}"],
            "config": {"fn": "values", "args": {"p99": 1}},
        },
        {
            "stepId": "summary",
            "name": "Summary",
            "type": "compute",
            "config": {"fn": "values", "args": {"n": "{{name}}"}},
        },
    ],
}


async def test_not_measured_step_has_its_own_mark(make_app, store, tmp_path: Path) -> None:
    path = tmp_path / "tui-evidence.yaml"
    path.write_text(yaml.safe_dump(WORKFLOW, sort_keys=False), encoding="utf-8")
    app = make_app(start={"workflow": str(path)})
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: viewing(app) == "inputs")
        await pilot.press(*"demo", "enter", "enter")  # name, then the optional log left empty
        # the not-measured step is never current: the screen goes straight to the next one
        await wait_until(pilot, lambda: viewing(app) == "summary")
        await pilot.press("enter")
        await wait_until(pilot, lambda: viewing(app) == DONE_VIEW)
        screen = session_screen(app)
        marks = {item.step.id: item.step.mark for item in screen.query(ChecklistItem)}
        assert marks["latency"] == "⊘" and marks["summary"] == "✓"
        rendered = [
            str(item.query_one(Label).render())
            for item in screen.query(ChecklistItem)
            if item.step.id == "latency"
        ]
        assert rendered and rendered[0].startswith("⊘")
        session_id = screen.snapshot.id
    assert step_rows(store, session_id)["latency"][0] == "not_measured"
