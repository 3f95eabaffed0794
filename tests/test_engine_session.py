"""The session engine in-process: steps, persistence, branches, resume, redo, retries and failures."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from axtui.config import Settings
from axtui.core.store import Store
from axtui.core.workflow import Engine, FormError, computes
from axtui.core.workflow.catalog import workflow_from_source
from axtui.core.workflow.runner import StepTimeout
from axtui.core.workflow.templates import MissingVariable
from axtui.errors import InputError, NotFoundError, StoreError

FLOW = """
workflowId: tiny
name: Tiny
version: "1.0"
inputs:
  model_name: {type: text}
  drift: {type: choice, choices: [none, moderate, significant], default: moderate}
  data_path: {type: path, required: false, default: null}
steps:
  - stepId: ask
    type: input
    config:
      fields:
        - {name: owner, type: text}
        - {name: threshold, type: number, min: 0, max: 1, default: 0.1}
  - stepId: decide-action
    type: compute
    config: {fn: decide, args: {table: monitoring, data_drift: "{{drift}}", performance_drop: none}}
    outputs: {action: decision}
  - stepId: explain
    type: prompt
    config: {agent: ml-engineer, task: "Explain {{action}} for {{model_name}} (owner {{owner}})"}
    facts: [decide-action, threshold]
    outputs:
      verdict: {from: fact, path: decide-action.decision}
      level: {from: regex, pattern: "level (\\\\w+)", default: unknown}
  - stepId: save
    type: tool
    tool: memory_store
    config:
      namespace: ml-monitoring-reports
      key: "{{model_name}}/{{date}}"
      ttl: 2592000
      value: {action: "{{action}}", at: "{{timestamp}}", owner: "{{owner}}", facts: "{{decide-action}}"}
  - stepId: alerts
    type: conditional
    config:
      condition: "{{action}} != 'NO_ACTION'"
      then:
        - stepId: store-alert
          type: tool
          tool: memory_store
          config: {namespace: ml-alerts, key: "{{model_name}}/{{timestamp}}", value: {a: "{{action}}"}}
      else:
        - stepId: all-clear
          type: compute
          config: {fn: values, args: {note: "all clear for {{model_name}}"}}
  - stepId: read-back
    type: tool
    tool: memory_retrieve
    config: {namespace: ml-monitoring-reports, key: "{{model_name}}/{{date}}"}
"""

RECORDED = {"explain": ["The action is MONITOR, level high.", "Follow-up answer: level low."]}
ANSWERS = {"ask": {"owner": "dana"}, "explain": {"followups": ["Why?"]}}


@pytest.fixture
def engine(store: Store, db_path: Path) -> Engine:
    return Engine(store, Settings(db_path=db_path))


@pytest.fixture
def flow():
    return workflow_from_source(FLOW, "tiny.yaml")


def history(store: Store) -> list[tuple]:
    return store.query(
        "SELECT namespace, key, session_id, step_id FROM memory_history ORDER BY namespace, key"
    )


def test_headless_run_persists_every_step_and_runs_the_taken_branch(
    engine: Engine, store: Store, flow
) -> None:
    session = engine.start(flow, {"model_name": "churn"}, recorded=RECORDED)
    events = []
    summary = session.run_headless(ANSWERS, on_progress=events.append)
    assert summary.status == "completed"
    status = {s.step_id: s.status for s in summary.steps}
    assert status == {
        "inputs": "done",
        "ask": "done",
        "decide-action": "done",
        "explain": "done",
        "save": "done",
        "alerts": "done",
        "store-alert": "done",
        "all-clear": "skipped",
        "read-back": "done",
    }
    rows = dict(store.query("SELECT step_id, status FROM step_results WHERE session_id = ?", [session.id]))
    assert rows == status
    v = session.variables
    assert v["action"] == "MONITOR" and v["verdict"] == "MONITOR" and v["level"] == "low"
    assert v["explain"]["answer"] == "Follow-up answer: level low." and v["explain"]["turns"] == 2
    assert v["read-back"]["found"] and v["read-back"]["value"]["owner"] == "dana"
    assert v["read-back"]["value"]["facts"]["decision"] == "MONITOR"  # whole template keeps structure
    assert session.answers["explain"] == {"followups": ["Why?"]}
    assert [h[:2] for h in history(store)] == [
        ("ml-alerts", "churn/2026-01-01T12:00:00Z"),
        ("ml-monitoring-reports", "churn/2026-01-01"),
    ]
    ttl = store.query(
        "SELECT expires_at - created_at FROM memory_entries WHERE namespace = 'ml-monitoring-reports'"
    )[0][0]
    assert ttl.days == 30
    report = Path(summary.report_path).read_text(encoding="utf-8")
    assert report == session.report_markdown()
    assert (
        "Condition value: `true` → branch: **then**" in report
        and "Skipped: its branch was not taken." in report
    )
    assert [e.kind for e in events].count("skipped") == 1 and events[-1].kind == "completed"
    assert summary.decisions == {"decide-action": "MONITOR"}


def test_false_condition_runs_else_and_writes_no_alert(engine: Engine, store: Store, flow) -> None:
    session = engine.start(flow, {"model_name": "m2", "drift": "none"}, recorded=RECORDED)
    summary = session.run_headless(ANSWERS)
    status = {s.step_id: s.status for s in summary.steps}
    assert status["store-alert"] == "skipped" and status["all-clear"] == "done"
    assert session.variables["all-clear"] == {"note": "all clear for m2"}
    assert store.query("SELECT count(*) FROM memory_entries WHERE namespace = 'ml-alerts'")[0][0] == 0


def test_checklist_nests_and_tracks_current(engine: Engine, flow) -> None:
    session = engine.start(flow, {"model_name": "m"}, recorded=RECORDED)
    rows = session.checklist()
    assert [(r.step_id, r.depth, r.parent) for r in rows][-3:] == [
        ("store-alert", 1, "alerts"),
        ("all-clear", 1, "alerts"),
        ("read-back", 0, None),
    ]
    assert session.current().step_id == "ask" and rows[1].status == "current"
    assert [f.name for f in session.input_fields("ask")] == ["owner", "threshold"]
    assert session.input_fields("ask")[1].value == 0.1


def test_resume_after_reopen_continues_at_earliest_incomplete_step(
    engine: Engine, store: Store, flow, db_path: Path
) -> None:
    session = engine.start(flow, {"model_name": "r"}, recorded=RECORDED)
    session.submit_input("ask", {"owner": "ops"})
    session.run_auto("decide-action")
    again = Engine(store, Settings(db_path=db_path)).open(session.id[:6])
    assert again.id == session.id and again.current().step_id == "explain"
    assert again.variables["action"] == "MONITOR"
    assert again.run_headless({}).status == "completed"
    assert len(history(store)) == 2


def test_tool_step_rerun_after_crash_does_not_write_twice(
    engine: Engine, store: Store, flow, db_path: Path
) -> None:
    session = engine.start(flow, {"model_name": "k"}, recorded=RECORDED)
    session.run_headless(ANSWERS)
    # simulate a crash right after the memory write of `save` committed but before its step row did
    store.query(
        "UPDATE step_results SET status = 'running' WHERE session_id = ? AND step_id IN "
        "('save', 'alerts', 'store-alert', 'all-clear', 'read-back')",
        [session.id],
    )
    store.query("UPDATE sessions SET status = 'running' WHERE id = ?", [session.id])
    reopened = Engine(store, Settings(db_path=db_path)).open(session.id)
    assert reopened.current().step_id == "save"
    assert reopened.run_headless({}).status == "completed"
    counts = store.query(
        "SELECT namespace, key, count(*) FROM memory_history WHERE session_id = ? GROUP BY ALL", [session.id]
    )
    assert all(c == 1 for _ns, _k, c in counts) and len(counts) == 2


def test_redo_resets_later_steps_and_rewrites_memory(engine: Engine, store: Store, flow) -> None:
    session = engine.start(flow, {"model_name": "d"}, recorded=RECORDED)
    session.run_headless(ANSWERS)
    session.redo("ask")
    assert session.status == "running" and session.current().step_id == "ask"
    assert {s.status for s in session.checklist()[1:]} == {"current", "pending"}
    session.run_headless({"ask": {"owner": "bo"}})
    assert session.variables["read-back"]["value"]["owner"] == "bo"
    assert (
        store.query("SELECT count(*) FROM memory_history WHERE namespace = 'ml-monitoring-reports'")[0][0]
        == 2
    )


def test_prompt_turns_then_accept(engine: Engine, flow) -> None:
    import asyncio

    session = engine.start(flow, {"model_name": "p"}, recorded=RECORDED)
    session.submit_input("ask", {"owner": "x"})
    session.run_auto("decide-action")
    with pytest.raises(InputError, match="no complete answer"):
        session.accept("explain")
    deltas: list[str] = []
    first = asyncio.run(session.prompt_turn("explain", on_delta=deltas.append))
    assert first.complete and "".join(deltas) == RECORDED["explain"][0]
    assert session.current().status == "current"
    second = asyncio.run(session.prompt_turn("explain", "Why?"))
    assert second.text == "Follow-up answer: level low."
    state = session.accept("explain")
    assert state.status == "done" and session.current().step_id == "save"
    finished_at = session._rows["explain"].finished_at
    with pytest.raises(InputError, match="already accepted"):  # a double key press finishes it once
        session.accept("explain")
    assert session._rows["explain"].finished_at == finished_at
    msgs = session.messages("explain")
    assert [m["role"] for m in msgs] == ["user", "assistant", "user", "assistant"]
    assert "Explain MONITOR for p (owner x)" in msgs[0]["content"]


def test_bad_inputs_are_refused_before_a_session_exists(engine: Engine, store: Store, flow, tmp_path) -> None:
    with pytest.raises(FormError) as exc:
        engine.start(flow, {"model_name": "m", "drift": "huge"})
    assert exc.value.field == "drift"
    with pytest.raises(FormError) as exc:
        engine.start(flow, {"model_name": "m", "data_path": str(tmp_path / "missing.csv")})
    assert exc.value.field == "data_path" and "file not found" in exc.value.errors["data_path"]
    with pytest.raises(FormError) as exc:
        engine.start(flow, {})
    assert exc.value.field == "model_name" and exc.value.where == "step inputs"
    with pytest.raises(InputError, match="unknown input"):
        engine.start(flow, {"model_name": "m", "colour": "red"})
    assert store.query("SELECT count(*) FROM sessions")[0][0] == 0


def test_missing_answer_names_step_and_field(engine: Engine, flow) -> None:
    session = engine.start(flow, {"model_name": "m"}, recorded=RECORDED)
    with pytest.raises(FormError) as exc:
        session.run_headless({})
    assert exc.value.where == "step ask" and exc.value.field == "owner"
    assert "answers file under ask" in exc.value.hint
    with pytest.raises(FormError) as exc:
        session.submit_input("ask", {"owner": "o", "threshold": "2"})
    assert exc.value.field == "threshold" and "at most 1" in exc.value.errors["threshold"]


def test_unknown_session_and_completed_session(engine: Engine, flow) -> None:
    with pytest.raises(NotFoundError, match="unknown session"):
        engine.open("deadbeef0000")
    session = engine.start(flow, {"model_name": "c"}, recorded=RECORDED)
    session.run_headless(ANSWERS)
    with pytest.raises(InputError, match="already completed"):
        session.run_headless(ANSWERS)
    assert engine.latest_incomplete() is None
    assert [r["id"] for r in engine.list_sessions(include_completed=True)] == [session.id]


def test_database_deleted_between_two_steps(tmp_path: Path, flow) -> None:
    path = tmp_path / "gone.duckdb"
    with Store(path) as store:
        session = Engine(store, Settings(db_path=path)).start(flow, {"model_name": "g"}, recorded=RECORDED)
        session.submit_input("ask", {"owner": "o"})
        os.remove(path)
        with pytest.raises(StoreError, match="deleted or replaced"):
            session.run_auto("decide-action")


def test_missing_variable_at_run_time_names_step(engine: Engine) -> None:
    flow = workflow_from_source(
        """
workflowId: seedy
name: Seedy
steps:
  - stepId: pick
    type: conditional
    config:
      condition: "{{recommendation}}"
      branches:
        promote:
          - {stepId: yes-path, type: compute, config: {fn: values, args: {x: "{{extra}}"}}}
""",
        "seedy.yaml",
    )
    assert [f.name for f in flow.inputs] == ["recommendation", "extra"]
    session = engine.start(flow, {"recommendation": "PROMOTE", "extra": "e"})
    assert session.run_headless({}).status == "completed"
    assert session.variables["pick"] == {"value": "PROMOTE", "branch": "promote"}
    session2 = engine.start(flow, {"recommendation": "hold", "extra": "e"})
    assert {s.step_id: s.status for s in session2.run_headless({}).steps}["yes-path"] == "skipped"


def test_retry_with_backoff_then_success_and_timeout(engine: Engine, monkeypatch) -> None:
    calls = {"n": 0}

    def flaky() -> dict:
        calls["n"] += 1
        if calls["n"] < 3:
            raise RuntimeError("transient")
        return {"ok": True}

    def slow() -> dict:
        import time

        time.sleep(1.0)
        return {}

    monkeypatch.setitem(computes.CATALOGUE, "flaky", computes.describe(flaky, "flaky"))
    monkeypatch.setitem(computes.CATALOGUE, "slow", computes.describe(slow, "slow"))
    flow = workflow_from_source(
        """
workflowId: retry
name: Retry
steps:
  - {stepId: f, type: compute, retry: {maxAttempts: 3, backoffMs: 1, backoffMultiplier: 2},
     config: {fn: flaky}}
  - {stepId: s, type: compute, timeout: 50, config: {fn: slow}}
""",
        "retry.yaml",
    )
    session = engine.start(flow, {})
    events = []
    with pytest.raises(StepTimeout, match="timed out"):
        session.run_headless({}, on_progress=events.append)
    assert calls["n"] == 3 and [e.kind for e in events].count("retry") == 2
    states = {s.step_id: s for s in session.checklist()}
    assert states["f"].status == "done" and states["f"].attempts == 3
    assert states["s"].status == "failed" and "timed out" in states["s"].error
    assert session.status == "failed"


def test_missing_runtime_variable_in_memory_key(engine: Engine) -> None:
    flow = workflow_from_source(
        """
workflowId: rt
name: RT
inputs: {a: {type: json, default: {}}}
steps:
  - {stepId: w, type: tool, tool: memory_store, config: {namespace: n, key: "{{a.missing}}", value: 1}}
""",
        "rt.yaml",
    )
    session = engine.start(flow, {})
    with pytest.raises(MissingVariable) as exc:
        session.run_headless({})
    assert exc.value.name == "a.missing" and exc.value.where == "step w"


def test_a_new_session_is_built_from_the_rows_exactly_as_they_read_back(
    engine: Engine, store: Store, flow
) -> None:
    """``Engine.start`` keeps the rows it inserted instead of reading them again: they must be what
    a read gives (every column, JSON through its text), or a reopened session would differ."""
    from axtui.core.workflow import persist

    row = {"id": "s-1", "inputs": {"model_name": "g", "n": (1, 2)}, "title": "t", "steps_total": 3}
    row |= {"workflow_id": "w", "workflow_version": "1", "status": "running", "variables": {}}
    row |= {"answers": {}, "steps_done": 0, "created_at": store.clock(), "updated_at": store.clock()}
    step = {"session_id": "s-1", "step_id": "a", "seq": 0, "step_type": "compute", "status": "pending"}
    step["attempts"] = 0
    with store.transaction() as con:
        persist.insert_session(con, row)
        persist.insert_steps(con, [step])
    assert persist.as_stored(row) == persist.load_session(store, "s-1")
    assert [persist.as_stored(step, steps=True)] == persist.load_steps(store, "s-1")
    session = engine.start(flow, {"model_name": "g"})
    again = engine.open(session.id)
    assert session.checklist() == again.checklist() and session.variables == again.variables
