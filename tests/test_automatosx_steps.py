"""The step types AutomatosX adds, with their semantics: parallel, discuss, loop, delegate."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from axtui.config import Settings
from axtui.core.store import Store
from axtui.core.workflow import Engine
from axtui.core.workflow.catalog import load_source, workflow_from_source
from axtui.core.workflow.composite import _consensus
from axtui.core.workflow.computes import CATALOGUE, ComputeContext, describe
from axtui.core.workflow.validate import Catalogue
from axtui.errors import InputError


def _as_compute(name, fn):
    """A test compute ``fn(args, ctx)`` as a catalogue entry (any argument names, the step's context)."""

    def run(ctx: ComputeContext, **args):
        return fn(args, ctx)

    return describe(run, name)


@pytest.fixture
def engine(store: Store, db_path: Path) -> Engine:
    return Engine(store, Settings(db_path=db_path))


def errors(problems):
    return [p for p in problems if p.severity == "error"]


PARALLEL = """
workflowId: fan-out
version: "1.0.0"
steps:
  - stepId: together
    type: parallel
    steps:
      - {stepId: left, type: compute, config: {fn: meet, args: {side: left}}}
      - {stepId: right, type: compute, config: {fn: meet, args: {side: right}}}
      - stepId: note
        type: tool
        config: {tool: memory_store, args: {namespace: fan, key: "{{topic}}", value: "seen"}}
  - stepId: after
    type: compute
    config: {fn: values, args: {both: "{{left.side}}+{{right.side}}"}}
"""


def test_parallel_children_run_at_the_same_time_and_each_is_committed(
    engine: Engine, store: Store, db_path: Path, monkeypatch
) -> None:
    barrier = threading.Barrier(2, timeout=60)  # only passes if both children wait at once

    def meet(args, ctx):
        barrier.wait()
        return {"side": args["side"], "thread": threading.current_thread().name}

    monkeypatch.setitem(CATALOGUE, "meet", _as_compute("meet", meet))
    wf = workflow_from_source(PARALLEL, "fan.yaml")
    session = engine.start(wf, {"topic": "t1"})
    summary = session.run_headless({})
    assert summary.status == "completed"
    states = {s.step_id: s for s in summary.steps}
    assert states["left"].result["thread"] != states["right"].result["thread"]
    assert states["after"].result == {"both": "left+right"}
    assert states["together"].result["count"] == 3
    assert engine.memory.get("fan", "t1").value == "seen"
    rows = dict(store.query("SELECT step_id, status FROM step_results WHERE session_id = ?", [session.id]))
    assert rows["left"] == rows["right"] == rows["note"] == rows["together"] == "done"
    assert [s.parent for s in summary.steps if s.step_id in ("left", "right", "note")] == ["together"] * 3


def test_parallel_resume_reruns_only_the_failed_child(
    engine: Engine, store: Store, db_path: Path, monkeypatch
) -> None:
    calls = {"ok": 0, "flaky": 0}
    broken = {"on": True}

    def ok(args, ctx):
        calls["ok"] += 1
        return {"v": 1}

    def flaky(args, ctx):
        calls["flaky"] += 1
        if broken["on"]:
            raise InputError("not yet")
        return {"v": 2}

    monkeypatch.setitem(CATALOGUE, "ok", _as_compute("ok", ok))
    monkeypatch.setitem(CATALOGUE, "flaky", _as_compute("flaky", flaky))
    wf = workflow_from_source(
        """
workflowId: par-resume
steps:
  - stepId: both
    type: parallel
    config:
      steps:
        - {stepId: a, type: compute, config: {fn: ok}}
        - {stepId: b, type: compute, config: {fn: flaky}}
""",
        "pr.yaml",
    )
    session = engine.start(wf, {})
    with pytest.raises(InputError, match="not yet"):
        session.run_headless({})
    assert session.step_state("a").status == "done" and session.step_state("b").status == "failed"
    assert session.status == "failed"
    broken["on"] = False
    reopened = Engine(store, Settings(db_path=db_path)).open(session.id)
    assert reopened.run_headless({}).status == "completed"
    assert calls == {"ok": 1, "flaky": 2}


def test_parallel_refuses_steps_that_need_a_person() -> None:
    text = """
workflowId: bad-par
steps:
  - stepId: p
    type: parallel
    steps:
      - {stepId: form, type: input, config: {fields: {x: {type: text}}}}
      - {stepId: c, type: compute, config: {fn: values, args: {a: 1}}}
"""
    _wf, problems = load_source(text, "bp.yaml", Catalogue())
    assert any("a input step cannot run inside a parallel block" in p.message for p in errors(problems))


def test_loop_runs_its_body_per_item_and_is_bounded(engine: Engine) -> None:
    wf = workflow_from_source(
        """
workflowId: each
steps:
  - stepId: names
    type: compute
    config: {fn: values, args: {list: [alpha, beta, gamma, delta]}}
  - stepId: per-name
    type: loop
    config:
      items: "{{names.list}}"
      maxIterations: 3
      steps:
        - stepId: label
          type: compute
          config: {fn: values, args: {text: "{{index}}:{{item}}"}}
        - stepId: keep
          type: tool
          config: {tool: memory_store, args: {namespace: loop, key: "{{item}}", value: "{{label.text}}"}}
""",
        "each.yaml",
    )
    session = engine.start(wf, {})
    assert session.run_headless({}).status == "completed"
    result = session.step_state("per-name").result
    assert result["count"] == 3 and result["truncated"] is True
    assert [it["label"]["text"] for it in result["iterations"]] == ["0:alpha", "1:beta", "2:gamma"]
    assert engine.memory.get("loop", "beta").value == "1:beta"
    assert engine.memory.get("loop", "delta") is None
    assert [s.step_id for s in session.checklist()] == ["names", "per-name"]  # the body is not rows


def test_loop_limits_are_checked() -> None:
    text = """
workflowId: big-loop
steps:
  - stepId: l
    type: loop
    config:
      items: [1, 2]
      maxIterations: 5000
      steps:
        - {stepId: x, type: compute, config: {fn: values, args: {i: "{{item}}", bad: "{{nothing}}"}}}
"""
    _wf, problems = load_source(text, "bl.yaml", Catalogue())
    messages = " | ".join(p.message for p in errors(problems))
    assert "a loop runs at most 100 times" in messages
    wf2, problems2 = load_source(text.replace("5000", "2"), "bl.yaml", Catalogue())
    assert not errors(problems2) and [f.name for f in wf2.inputs] == ["nothing"]


DISCUSS = """
workflowId: panel
version: "1.0.0"
steps:
  - stepId: debate
    type: discuss
    config:
      pattern: synthesis
      providers: [data-scientist, ml-engineer, claude]
      prompt: "Should we retrain {{input.model}} weekly?"
      rounds: 2
      consensus: {method: synthesis, synthesizer: ml-engineer, includeDissent: true}
  - stepId: keep
    type: tool
    config:
      tool: memory_store
      args: {namespace: panel, key: "{{input.model}}", value: "{{steps.debate.output.synthesis}}"}
"""


def test_discuss_runs_rounds_then_one_synthesis(engine: Engine) -> None:
    wf, problems = load_source(DISCUSS, "panel.yaml")
    assert not errors(problems)
    assert any("'claude' is not a persona" in p.message for p in problems if p.severity == "warning")
    session = engine.start(wf, {"model": "churn-v2"})
    assert session.run_headless({}).status == "completed"
    result = session.step_state("debate").result
    assert [r["roundNumber"] for r in result["rounds"]] == [1, 2]
    assert [r["provider"] for r in result["rounds"][0]["responses"]] == [
        "data-scientist",
        "ml-engineer",
        "claude",
    ]
    assert result["rounds"][0]["responses"][2]["agent"] == "generalist"
    assert result["synthesis"] and result["consensus"]["synthesizer"] == "ml-engineer"
    assert engine.memory.get("panel", "churn-v2").value == result["synthesis"]
    # round 2 shows each participant what the others said; the synthesiser sees the final answers
    convs = engine.chat.list_conversations(session_id=session.id)
    assert len(convs) == 4  # three participants and the synthesis
    texts = [m["content"] for c in convs for m in engine.chat.messages(c["id"]) if m["role"] == "user"]
    synthesis_asks = [t for t in texts if t.rstrip().endswith("Note where the participants disagree.")]
    round_two = [t for t in texts if t not in synthesis_asks and "Round 2 of 2. The other participants" in t]
    assert len(synthesis_asks) == 1 and len(round_two) == 3
    assert len(texts) == 7  # 3 participants x 2 rounds + 1 synthesis


def test_discuss_needs_two_participants_and_a_prompt() -> None:
    text = "workflowId: d\nsteps:\n  - {stepId: x, type: discuss, config: {providers: [writer], rounds: 9}}\n"
    _wf, problems = load_source(text, "d.yaml", Catalogue())
    fields = {p.field for p in errors(problems)}
    assert {"step x.config.prompt", "step x.config.agents", "step x.config.rounds"} <= fields


def test_voting_consensus_counts_votes_and_respects_ties() -> None:
    people = [("a", None), ("b", None), ("c", None)]
    final = [("a", "I think so.\nVOTE: Option B"), ("b", "vote: Option B"), ("c", "**Vote:** Option A")]
    out = _consensus("voting", {"method": "voting", "threshold": 0.5}, final, people)
    assert out["winner"] == "Option B" and out["votes"] == {"Option B": 2, "Option A": 1}
    tie = _consensus("voting", {}, final[1:], people)
    assert tie["winner"] is None


def test_delegate_hands_the_task_over_within_the_depth_limit(engine: Engine) -> None:
    wf = workflow_from_source(
        """
workflowId: hand-off
steps:
  - stepId: ask
    type: delegate
    config: {agentId: data-scientist, targetAgent: ml-engineer, prompt: "Serve {{model}} behind an API"}
  - stepId: auto
    type: delegate
    config: {agent: generalist, task: "Set up drift monitoring and alerting for {{model}}"}
""",
        "hand.yaml",
    )
    session = engine.start(wf, {"model": "m1"})
    assert session.run_headless({}).status == "completed"
    ask = session.step_state("ask").result
    assert ask["from"] == "data-scientist" and ask["to"] == "ml-engineer" and ask["answer"]
    messages = engine.chat.messages(ask["conversation_id"])
    assert all(m["delegated_from"] == "data-scientist" for m in messages)
    auto = session.step_state("auto").result
    assert auto["to"] in ("data-scientist", "ml-engineer", "mlops-engineer")


def test_delegate_outside_the_preferred_delegates_is_refused(engine: Engine) -> None:
    wf = workflow_from_source(
        "workflowId: nope\nsteps:\n  - {stepId: d, type: delegate,"
        " config: {agent: data-scientist, targetAgent: writer, prompt: hi}}\n",
        "nope.yaml",
    )
    session = engine.start(wf, {})
    with pytest.raises(InputError, match="delegation refused"):
        session.run_headless({})
    assert session.step_state("d").status == "failed"
