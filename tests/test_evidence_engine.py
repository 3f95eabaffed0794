"""The engine's "not measured" rule on small workflows: declarations, propagation, nesting, resume, redo."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from axtui.config import Settings
from axtui.core.store import Store
from axtui.core.workflow import Engine, validate_file
from axtui.core.workflow.catalog import workflow_from_source
from axtui.core.workflow.evidence import absent_evidence, is_not_measured, not_measured, strip_not_measured
from axtui.core.workflow.templates import render, to_text


def _wf(steps: list[dict[str, Any]], inputs: dict[str, Any] | None = None) -> str:
    return yaml.safe_dump(
        {
            "workflowId": "ev",
            "name": "ev",
            "version": "1",
            "inputs": inputs
            or {
                "data": {"type": "path", "required": False, "default": None},
                "col": {"type": "text", "default": "y", "required": False},
            },
            "steps": steps,
        },
        sort_keys=False,
    )


STEPS = [
    {
        "stepId": "measure",
        "type": "compute",
        "evidence": ["{{data}}", {"file": "{{data}}", "columns": ["{{col}}"]}],
        "config": {"fn": "values", "args": {"level": "significant"}},
        "outputs": {"level": "level"},
    },
    {
        "stepId": "uses-it",
        "type": "compute",
        "evidence": ["{{level}}"],
        "config": {"fn": "values", "args": {"again": "{{measure.level}}"}},
    },
    {
        "stepId": "maybe",
        "type": "conditional",
        "evidence": ["{{level}}"],
        "config": {
            "condition": "true",
            "then": [{"stepId": "inner", "type": "compute", "config": {"fn": "values", "args": {"x": 1}}}],
        },
    },
    {
        "stepId": "decide",
        "type": "compute",
        "config": {
            "fn": "decide",
            "args": {"table": "monitoring", "data_drift": "none", "performance_drop": "{{level}}"},
        },
    },
    {
        "stepId": "note",
        "type": "compute",
        "config": {"fn": "values", "args": {"text": "level is {{level}}; drift {{measure.level}}"}},
    },
]


def _run(store: Store, inputs: dict[str, Any]) -> Any:
    wf = workflow_from_source(_wf(STEPS), "ev.yaml")
    session = Engine(store, Settings(db_path=Path(str(store.path)))).start(wf, inputs)
    session.run_headless({})
    return session


def _statuses(session: Any) -> dict[str, str]:
    return {s.step_id: s.status for s in session.checklist()}


def test_absent_evidence_marks_the_chain_and_nested_steps(store: Store) -> None:
    session = _run(store, {})
    assert session.status == "completed"
    statuses = _statuses(session)
    assert statuses["measure"] == statuses["uses-it"] == "not_measured"
    assert statuses["maybe"] == statuses["inner"] == "not_measured"  # a conditional's steps share its mark
    assert statuses["decide"] == statuses["note"] == "done"
    decided = session.step_state("decide").result
    assert decided["decision"] == "MONITOR" and decided["not_measured"] == ["performance_drop"]
    assert session.step_state("note").result["text"] == "level is not measured; drift not measured"
    assert session.step_state("measure").result["missing"] == ["data not supplied"]


def test_a_file_lacking_the_column_is_absent_evidence(store: Store, tmp_path: Path) -> None:
    data = tmp_path / "d.csv"
    data.write_text("x,z\n1,2\n", encoding="utf-8")
    session = _run(store, {"data": str(data)})
    assert session.step_state("measure").result["missing"] == ["d.csv has no column 'y'"]
    session2 = _run(store, {"data": str(data), "col": "z"})
    statuses = _statuses(session2)
    assert statuses["measure"] == "done" and statuses["inner"] == "done"
    assert session2.step_state("decide").result["decision"] == "RETRAIN_URGENT"  # significant, measured


def test_resume_after_a_crash_marks_the_step_instead_of_running_it(store: Store, db_path: Path) -> None:
    wf = workflow_from_source(_wf(STEPS), "ev.yaml")
    engine = Engine(store, Settings(db_path=db_path))
    session = engine.start(wf, {})
    assert session.step_state("measure").status == "not_measured"  # marked as the inputs were saved
    # simulate a crash before the mark was written: the row is back to pending
    with store.transaction() as con:
        con.execute(
            "UPDATE step_results SET status = 'pending', outputs = NULL "
            "WHERE session_id = ? AND step_id IN ('measure', 'uses-it', 'maybe', 'inner')",
            [session.id],
        )
    reopened = engine.open(session.id)
    assert reopened.current().step_id == "measure"
    state = reopened.run_auto("measure")
    assert state.status == "not_measured"
    reopened.run_headless({})
    assert _statuses(engine.open(session.id))["uses-it"] == "not_measured"


def test_redo_with_the_evidence_now_present(store: Store, tmp_path: Path) -> None:
    session = _run(store, {})
    assert session.step_state("measure").status == "not_measured"
    session.redo("inputs")
    data = tmp_path / "d.csv"
    data.write_text("y\n1\n", encoding="utf-8")
    session.submit_input("inputs", {"data": str(data)})
    session.run_headless({})
    assert _statuses(session)["measure"] == "done"


def test_evidence_declarations_are_validated(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        _wf(
            [
                {
                    "stepId": "a",
                    "type": "compute",
                    "evidence": "{{data}}",
                    "config": {"fn": "values", "args": {}},
                },
                {
                    "stepId": "b",
                    "type": "compute",
                    "evidence": [{"file": "{{data}}", "cols": ["x"]}],
                    "config": {"fn": "values", "args": {}},
                },
                {
                    "stepId": "c",
                    "type": "compute",
                    "evidence": ["{{later}}"],
                    "config": {"fn": "values", "args": {}},
                },
                {"stepId": "later", "type": "compute", "config": {"fn": "values", "args": {}}},
            ]
        ),
        encoding="utf-8",
    )
    _wf_obj, problems = validate_file(bad)
    messages = [p.render() for p in problems if p.severity == "error"]
    assert any("step a.evidence" in m and "non-empty list" in m for m in messages)
    assert any("step b.evidence" in m and "unknown key 'cols'" in m for m in messages)
    assert any("{{later}} refers to step 'later', which runs later" in m for m in messages)
    assert all(":" in m.split(" ")[0] for m in messages)  # file:line on each


def test_markers_read_as_not_measured_and_reach_computations_as_null() -> None:
    marker = not_measured(["latency_log_path not supplied"])
    assert is_not_measured(marker) and not is_not_measured({"not_measured": "yes"})
    variables = {"lat": marker}
    assert render("p99 {{lat.p99}} ms", variables) == "p99 not measured ms"
    assert render("{{lat.p99}}", variables) is marker
    assert to_text(marker) == "not measured"
    assert strip_not_measured({"a": marker, "b": [marker, 1]}) == {"a": None, "b": [None, 1]}
    assert absent_evidence(["{{lat}}", "{{gone}}", "{{empty}}"], {"lat": marker, "empty": []}) == [
        "lat was not measured",
        "gone not supplied",
        "empty not supplied",
    ]


@pytest.mark.parametrize("value", [None, "", [], {}])
def test_blank_values_are_absent(value: Any) -> None:
    assert absent_evidence(["{{v}}"], {"v": value}) == ["v not supplied"]
