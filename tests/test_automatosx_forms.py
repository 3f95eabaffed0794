"""AutomatosX's ways of writing workflows load and run: files written here in AutomatosX's shape.

Covers both prompt forms, JSON files, ids with `/`, both memory-tool forms, `${input.x}` /
`${previousOutputs.x}` / `{{steps.x.output}}` templates, single-step `then`, `retryPolicy`,
`timeoutMs`, `dependencies`, and tools outside axtui's domain (docs/workflows.md, "Migrating
from AutomatosX").
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from axtui.cli import main
from axtui.config import Settings
from axtui.core.store import Store
from axtui.core.workflow import Engine
from axtui.core.workflow.catalog import load_source, load_workflow, workflow_from_source
from axtui.core.workflow.computes import CATALOGUE, ComputeContext, describe
from axtui.core.workflow.runner import StepTimeout
from axtui.core.workflow.validate import Catalogue


def _as_compute(name, fn):
    """A test compute ``fn(args, ctx)`` as a catalogue entry (any argument names, the step's context)."""

    def run(ctx: ComputeContext, **args):
        return fn(args, ctx)

    return describe(run, name)


@pytest.fixture
def engine(store: Store, db_path: Path) -> Engine:
    return Engine(store, Settings(db_path=db_path))


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def errors(problems):
    return [p for p in problems if p.severity == "error"]


def memory_value(engine: Engine, namespace: str, key: str):
    entry = engine.memory.get(namespace, key)
    return None if entry is None else entry.value


AX_STYLE = """
workflowId: std/triage
version: "2.0.0"
name: Triage
steps:
  - stepId: scope
    name: Scope
    type: prompt
    timeoutMs: 60000
    config:
      agentId: data-scientist
      prompt: |
        Subject: ${input.subject}
        Focus: {{input.focus | default: "all"}}
  - stepId: plan
    type: prompt
    dependencies: [scope]
    config:
      agent: ml-engineer
      task: "Plan from: ${previousOutputs.scope}"
  - stepId: keep
    type: tool
    dependencies: [plan]
    config:
      tool: memory_store
      args:
        namespace: triage
        key: "${input.subject}"
        value:
          scope: "{{steps.scope.output.content}}"
          plan: "${previousOutputs['plan'].answer}"
          focus: "{{input.focus | default: 'all'}}"
  - stepId: check
    type: conditional
    config:
      condition: "keep.key == subject"
      then:
        stepId: read
        type: tool
        tool: memory_retrieve
        config: {namespace: triage, key: "{{subject}}"}
"""


def test_automatosx_style_file_loads_with_inferred_inputs() -> None:
    wf, problems = load_source(AX_STYLE, "triage.yaml")
    assert not errors(problems), [p.render() for p in problems]
    assert wf.id == "std/triage" and wf.version == "2.0.0"
    names = {f.name: f for f in wf.inputs}
    assert set(names) == {"subject", "focus"}
    assert names["subject"].required and not names["focus"].required and names["focus"].default == "all"
    scope = wf.step("scope")
    assert scope.agent == "data-scientist" and "${input.subject}" in scope.config["task"]
    assert scope.timeout_ms == 60000 and wf.step("plan").dependencies == ["scope"]
    assert [s.id for s in wf.step("check").then] == ["read"]  # one step given as a mapping
    keep = wf.step("keep")
    assert keep.tool == "memory_store" and keep.config["namespace"] == "triage"


def test_automatosx_style_file_runs_and_substitutes_every_template(engine: Engine) -> None:
    wf = workflow_from_source(AX_STYLE, "triage.yaml")
    session = engine.start(wf, {"subject": "churn"})
    summary = session.run_headless({})
    assert summary.status == "completed"
    value = memory_value(engine, "triage", "churn")
    answers = {s.step_id: s.result for s in summary.steps}
    assert value["scope"] == answers["scope"]["answer"] and value["plan"] == answers["plan"]["answer"]
    assert value["focus"] == "all"
    assert "Subject: churn" in session.task_for("scope") and "Focus: all" in session.task_for("scope")
    # ${previousOutputs.scope} inside text is the prompt step's answer, not its JSON record
    assert session.task_for("plan") == f"Plan from: {answers['scope']['answer']}"
    states = {s.step_id: s.status for s in summary.steps}
    assert states["read"] == "done"


def test_prompt_step_without_a_persona_is_answered_by_the_generalist(engine: Engine) -> None:
    text = """
workflowId: release
version: "1.0.0"
steps:
  - stepId: inspect-release
    type: prompt
    config: {prompt: "Inspect the release scope."}
"""
    wf, problems = load_source(text, "release.yaml")
    assert not errors(problems)
    assert any(p.severity == "warning" and "generalist" in p.message for p in problems)
    session = engine.start(wf, {})
    assert session.run_headless({}).status == "completed"
    assert session.step_state("inspect-release").result["agent"] == "generalist"


def test_json_workflow_with_slash_id_found_by_id_in_user_folder(isolated_home: Path) -> None:
    folder = isolated_home / "config" / "axtui" / "workflows"
    folder.mkdir(parents=True)
    doc = {
        "workflowId": "std/notes",
        "name": "Notes",
        "version": "1.0.0",
        "steps": [
            {
                "stepId": "draft",
                "type": "prompt",
                "config": {"agentId": "writer", "prompt": "Notes on ${input}"},
            },
            {
                "stepId": "save",
                "type": "tool",
                "config": {
                    "tool": "memory_store",
                    "args": {
                        "namespace": "notes",
                        "key": "latest",
                        "value": "${previousOutputs.draft.content}",
                    },
                },
            },
        ],
    }
    (folder / "notes.json").write_text(json.dumps(doc, indent=2), encoding="utf-8")
    wf = load_workflow("std/notes")
    assert wf.path.name == "notes.json" and [f.name for f in wf.inputs] == ["input"]
    assert wf.step("save").config["key"] == "latest"


def test_json_syntax_error_names_line_and_column(tmp_path: Path, capsys) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{\n  "workflowId": "x",\n  "steps": [\n    {"stepId": "a",}\n  ]\n}\n', encoding="utf-8")
    code, out, _err = run_cli(capsys, "workflows", "validate", str(path))
    assert code == 2 and "bad.json:4" in out and "column" in out


def test_tools_outside_axtui_domain_are_named_with_their_step_and_nearest_type(
    tmp_path: Path, capsys
) -> None:
    path = tmp_path / "scaffold.yaml"
    path.write_text(
        """workflowId: scaffold
version: "1.0.0"
steps:
  - stepId: design-schemas
    type: tool
    config: {tool: design_schema, passContext: true}
  - stepId: run-tests
    type: tool
    tool: run_test_suite
    config: {}
  - stepId: save
    type: tool
    config: {tool: memory_stor, args: {namespace: n, key: k, value: v}}
""",
        encoding="utf-8",
    )
    code, out, _err = run_cli(capsys, "workflows", "validate", str(path))
    assert code == 2
    assert "step design-schemas.tool: tool 'design_schema' is outside axtui's domain" in out
    assert "nearest axtui step type: a `prompt` step" in out
    assert "step run-tests.tool: tool 'run_test_suite' is outside axtui's domain" in out
    assert "nearest axtui step type: a `compute` step" in out
    assert "did you mean 'memory_store'?" in out


def test_dependencies_must_exist_and_run_earlier() -> None:
    text = """
workflowId: deps
steps:
  - {stepId: b, type: compute, dependencies: [a], config: {fn: values, args: {x: 1}}}
  - {stepId: a, type: compute, config: {fn: values, args: {x: 1}}}
  - {stepId: c, type: compute, dependencies: [ghost, c], config: {fn: values, args: {x: 1}}}
  - {stepId: d, type: compute, dependencies: [a, b], config: {fn: values, args: {x: 1}}}
"""
    _wf, problems = load_source(text, "deps.yaml", Catalogue())
    messages = [p.message for p in errors(problems)]
    assert "depends on 'a', which runs later; move 'a' before 'b'" in messages
    assert "depends on 'ghost', which no step is" in messages
    assert "a step cannot depend on itself" in messages
    assert not [p for p in errors(problems) if p.field.startswith("step d")]


def test_retry_policy_retries_and_timeout_ms_times_out(engine: Engine, monkeypatch) -> None:
    calls = {"n": 0}
    never = threading.Event()

    def flaky(args, ctx):
        calls["n"] += 1
        if calls["n"] < 3:
            raise RuntimeError("transient")
        return {"ok": True}

    def stuck(args, ctx):
        never.wait(30)
        return {}

    monkeypatch.setitem(CATALOGUE, "flaky", _as_compute("flaky", flaky))
    monkeypatch.setitem(CATALOGUE, "stuck", _as_compute("stuck", stuck))
    wf = workflow_from_source(
        """
workflowId: rp
steps:
  - stepId: f
    type: compute
    retryPolicy: {maxAttempts: 3, backoffMs: 1, backoffMultiplier: 1}
    config: {fn: flaky}
  - stepId: s
    type: compute
    timeoutMs: 50
    config: {fn: stuck}
""",
        "rp.yaml",
    )
    session = engine.start(wf, {})
    events = []
    try:
        with pytest.raises(StepTimeout):
            session.run_headless({}, on_progress=events.append)
    finally:
        never.set()
    assert calls["n"] == 3 and [e.kind for e in events].count("retry") == 2
    assert session.step_state("f").attempts == 3 and session.step_state("s").status == "failed"


def test_retry_policy_gives_up_after_max_attempts(engine: Engine, monkeypatch) -> None:
    calls = {"n": 0}

    def broken(args, ctx):
        calls["n"] += 1
        raise RuntimeError("always")

    monkeypatch.setitem(CATALOGUE, "broken", _as_compute("broken", broken))
    wf = workflow_from_source(
        "workflowId: g\nsteps:\n  - {stepId: b, type: compute, retryPolicy: {maxAttempts: 2, backoffMs: 0},"
        " config: {fn: broken}}\n",
        "g.yaml",
    )
    session = engine.start(wf, {})
    with pytest.raises(RuntimeError, match="always"):
        session.run_headless({})
    assert calls["n"] == 2 and session.step_state("b").status == "failed"


def test_memory_store_without_value_stores_the_previous_output(engine: Engine) -> None:
    text = """
workflowId: scaffold
version: "1.0.0"
steps:
  - stepId: gather
    type: prompt
    config: {agentId: writer, prompt: "List the requirements for {{domain}}"}
  - stepId: store-result
    type: tool
    config:
      tool: memory_store
      namespace: scaffold
      key: "{{domain}}/latest"
"""
    wf, problems = load_source(text, "scaffold.yaml")
    assert not errors(problems)
    assert any("previous step 'gather' is stored" in p.message for p in problems if p.severity == "warning")
    session = engine.start(wf, {"domain": "billing"})
    assert session.run_headless({}).status == "completed"
    stored = memory_value(engine, "scaffold", "billing/latest")
    assert stored["answer"] == session.step_state("gather").result["answer"]
