"""A parallel block in the session screen: its children run together and are shown together."""

from __future__ import annotations

from pathlib import Path

from axtui.tui.widgets.parallel_view import ParallelView
from tests.tui.conftest import session_screen, step_rows, viewing, wait_until

PARALLEL = """workflowId: tui-par
name: Parallel in the TUI
version: "1.0.0"
steps:
  - stepId: together
    name: Both checks
    type: parallel
    steps:
      - {stepId: left, type: compute, config: {fn: values, args: {side: left}}}
      - {stepId: right, type: compute, config: {fn: values, args: {side: right}}}
  - stepId: after
    type: compute
    config: {fn: values, args: {both: "{{left.side}}+{{right.side}}"}}
"""


async def test_parallel_children_are_shown_together(make_app, store, demo_workflows: Path) -> None:
    (demo_workflows / "tui-par.yaml").write_text(PARALLEL, encoding="utf-8")
    app = make_app(start={"workflow": "tui-par"})
    async with app.run_test(size=(110, 32)) as pilot:
        await wait_until(pilot, lambda: viewing(app) == "together" and bool(app.screen.query(ParallelView)))
        table = app.screen.query_one(ParallelView).table
        cells = [list(col.cells) for col in table.columns]  # rich Table: marks, ids, kinds, outcomes
        assert cells[0] == ["✓", "✓"] and cells[1] == ["left", "right"]
        assert cells[2] == ["compute: values", "compute: values"]
        session_id = session_screen(app).session_id
    rows = step_rows(store, session_id)
    assert rows["left"][0] == rows["right"][0] == rows["together"][0] == "done"
