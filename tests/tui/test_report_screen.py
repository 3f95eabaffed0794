"""The report viewer: a finished session's Markdown report, rendered, exported, copied."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.widgets import MarkdownViewer, Static

from axtui.config import Settings
from axtui.core.store import Store
from axtui.core.workflow import Engine
from axtui.core.workflow import engine as engine_module
from axtui.core.workflow.catalog import workflow_from_source
from axtui.tui.screens.report import ReportExported, ReportScreen
from tests.tui.tui_b_support import make_app, open_screen, settle

FLOW = """
workflowId: report-demo
name: Churn monitoring check
version: "1.0"
inputs:
  model_name: {type: text}
steps:
  - stepId: ask
    name: Who owns it
    type: input
    config:
      fields:
        - {name: owner, type: text}
  - stepId: decide-action
    name: Decide the action
    type: compute
    config: {fn: decide, args: {table: monitoring, data_drift: significant, performance_drop: none}}
    outputs: {action: decision}
  - stepId: explain
    name: Explain the decision
    type: prompt
    config: {agent: ml-engineer, task: "Explain {{action}} for {{model_name}} (owner {{owner}})"}
    facts: [decide-action]
"""

RECORDED = {
    "explain": [
        "The monitoring table says **RETRAIN**: drift is significant.\n\n```text\naction = RETRAIN\n```"
    ]
}


@pytest.fixture
def finished_session(store: Store, db_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A completed session with a fixed id (the id shows on screen, so pictures stay stable)."""
    monkeypatch.setattr(engine_module, "new_session_id", lambda: "s-report-demo")
    engine = Engine(store, Settings(db_path=db_path))
    session = engine.start(
        workflow_from_source(FLOW, "report-demo.yaml"), {"model_name": "churn"}, recorded=RECORDED
    )
    summary = session.run_headless({"ask": {"owner": "dana"}})
    assert summary.status == "completed"
    return session.id


async def test_report_renders_the_sessions_markdown(
    store: Store, finished_session: str, db_path: Path
) -> None:
    expected = Engine(store, Settings(db_path=db_path)).open(finished_session).report_markdown()
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_screen(pilot, ReportScreen(finished_session))
        assert screen.markdown == expected
        viewer = screen.query_one("#report-view", MarkdownViewer)
        assert viewer.document.source == expected
        title = str(screen.query_one("#report-title", Static).content)
        assert title == f"Report · Churn monitoring check · session {finished_session}"
        assert viewer.show_table_of_contents  # wide enough
        await pilot.press("t")
        assert not viewer.show_table_of_contents
        await pilot.press("c")
        assert app.clipboard == expected


async def test_export_writes_the_report_to_the_data_dir(
    store: Store, finished_session: str, isolated_home: Path, notices
) -> None:
    app = make_app(store)
    exported: list[ReportExported] = []
    async with app.run_test(
        size=(80, 24), message_hook=lambda m: isinstance(m, ReportExported) and exported.append(m)
    ) as pilot:
        screen = await open_screen(pilot, ReportScreen(finished_session))
        await pilot.press("ctrl+s")
        await settle(pilot)
        [message] = exported
        assert message.path == isolated_home / "data" / "axtui" / "exports" / f"report-{finished_session}.md"
        assert message.path.read_text(encoding="utf-8") == screen.markdown
        assert any(str(message.path) in n.message for n in notices)


async def test_unknown_session_is_a_toast_not_a_crash(store: Store, notices) -> None:
    app = make_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_screen(pilot, ReportScreen("s-nope"))
        assert app.screen is screen  # no error modal: a NotFoundError is something the user can act on
        assert any("unknown session" in n.message for n in notices)
        await pilot.press("ctrl+s")  # nothing loaded: warns instead of writing an empty file
        # the load already failed (the toast above), so the warning says why there is nothing to write
        assert notices[-1].message.startswith("no report: ") and "unknown session" in notices[-1].message
        await pilot.press("escape")
        assert not isinstance(app.screen, ReportScreen)


FIXED_REPORT = """# ML Workflow: churn monitoring

Session `s-report-demo` · workflow `report-demo` v1.0 · completed 2026-01-01 12:00 UTC

## Decisions

| Decision | Value | Because |
| --- | --- | --- |
| decide-action | **RETRAIN** | data drift significant, performance drop none |

## Drift

| column | test | statistic | p-value | severity |
| --- | --- | --- | --- | --- |
| income | KS | 0.31 | 0.0004 | high |
| tenure | PSI | 0.08 | - | low |

## Explanation (ml-engineer, offline)

The monitoring table says **RETRAIN**: drift is significant.

```text
action = RETRAIN
```
"""


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_report_snapshot(
    snap_compare: Any, store: Store, finished_session: str, size: tuple[int, int]
) -> None:
    # The picture shows a fixed report (the engine's wording may evolve; the rendering is what is tested).
    with store.transaction() as con:
        con.execute("UPDATE sessions SET report = ? WHERE id = ?", [FIXED_REPORT, finished_session])
    app = make_app(store)

    async def run_before(pilot: Any) -> None:
        await open_screen(pilot, ReportScreen(finished_session))
        await settle(pilot)

    assert snap_compare(app, terminal_size=size, run_before=run_before)
