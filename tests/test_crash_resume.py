"""SIGKILL at random moments, then `axtui resume --headless`, until every session completes.

A killed process may lose the step in flight, never a committed one; re-running a step never
writes memory twice (idempotent per session and step). Seeded, bounded: a few sessions, a few kills.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent

TOOL_FLOW = """
workflowId: crash-tools
name: Crash tools
version: "1"
inputs:
  run_id: {type: text}
steps:
  - {stepId: w1, type: tool, tool: memory_store,
     config: {namespace: crash, key: "{{run_id}}/a", value: {n: 1}}}
  - {stepId: w2, type: tool, tool: memory_store, config: {namespace: crash, key: "{{run_id}}/a", merge: true,
     value: {m: 2}}}
  - {stepId: w3, type: tool, tool: memory_store, config: {namespace: crash, key: "{{run_id}}/{{timestamp}}",
     ttl: 3600, value: {at: "{{timestamp}}"}}}
  - {stepId: size, type: compute, config: {fn: ab_size, args: {baseline: 0.2, mde: 0.05}}}
  - stepId: branch
    type: conditional
    config:
      condition: "size.per_variant > 100"
      then:
        - {stepId: w4, type: tool, tool: memory_store, config: {namespace: crash, key: "{{run_id}}/big",
           value: "{{size}}"}}
      else:
        - {stepId: w5, type: tool, tool: memory_store, config: {namespace: crash, key: "{{run_id}}/small",
           value: 1}}
  - {stepId: r1, type: tool, tool: memory_retrieve, config: {namespace: crash, key: "{{run_id}}/a"}}
  - {stepId: w6, type: tool, tool: memory_store, config: {namespace: crash, key: "{{run_id}}/copy",
     value: "{{r1.value}}"}}
"""

PROMPTS = (
    "experiment-design",
    "traffic-allocation",
    "monitor-experiment",
    "analyze-results",
    "make-decision",
)


def _env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["XDG_DATA_HOME"] = str(tmp_path / "data")
    env["XDG_CONFIG_HOME"] = str(tmp_path / "config")
    env["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
    return env


def _sessions(db: Path) -> list[tuple[str, str]]:
    from axtui.core.store import Store

    with Store(db) as store:
        return store.query("SELECT id, status FROM sessions ORDER BY created_at")


def _run(cmd: list[str], env: dict[str, str], kill_at: int | None) -> int | None:
    """Run the command; SIGKILL it at its ``kill_at``-th progress line. None = killed.

    Headless runs print ``▶ [i/n]`` when a step starts and ``✓ [i/n]`` when it is committed,
    so counting those lines (not seconds) puts kills inside a step or between two steps on
    any machine, however fast.
    """
    proc = subprocess.Popen(
        cmd, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    try:
        if kill_at is None:
            _out, err = proc.communicate(timeout=240)
            assert proc.returncode == 0, err[-3000:]
            return proc.returncode
        assert proc.stderr is not None
        seen = 0
        for line in proc.stderr:
            if line.startswith(("▶ [", "✓ [")):
                seen += 1
                if seen >= kill_at:
                    os.kill(proc.pid, signal.SIGKILL)
                    proc.wait()
                    return None
        proc.wait(timeout=240)
        return proc.returncode
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.mark.slow
def test_sigkill_loop_then_resume_completes_without_duplicates(tmp_path: Path) -> None:
    rng = random.Random(20261122)
    env = _env(tmp_path)
    db = tmp_path / "crash.duckdb"
    flow = tmp_path / "crash-tools.yaml"
    flow.write_text(TOOL_FLOW, encoding="utf-8")
    replay = tmp_path / "ab.replay.yaml"
    replay.write_text(
        yaml.safe_dump(
            {
                "workflow": {"id": "ml-ab-testing", "version": "1.1.0"},
                "inputs": {
                    "experiment_id": "crash-ab",
                    "events_path": str(REPO / "examples/data/ab_events.csv"),
                    "primary_metric": "converted",
                    "guardrail_metrics": ["latency_ms"],
                    "lower_is_better": ["latency_ms"],
                },
                "answers": {"make-decision": {"followups": ["And the guardrail?"]}},
                "recorded": {s: [f"recorded {s} answer", "recorded follow-up answer"] for s in PROMPTS},
            }
        ),
        encoding="utf-8",
    )
    axtui = [sys.executable, "-m", "axtui", "--db", str(db)]
    starts = [
        [*axtui, "run", str(flow), "--headless", "--input", '{"run_id": "r1"}'],
        [*axtui, "--batch", str(replay)],
        [*axtui, "run", str(flow), "--headless", "--input", '{"run_id": "r2"}'],
    ]
    kills = 0
    for start in starts:
        known = {sid for sid, _ in _sessions(db)} if db.exists() else set()
        # start, possibly killed; if it died before creating its session, start again
        for _ in range(4):
            if _run(start, env, rng.randint(1, 8)) is None:
                kills += 1
            if {sid for sid, _ in _sessions(db)} - known:
                break
        else:
            _run(start, env, None)
        for _ in range(4):
            incomplete = [sid for sid, status in _sessions(db) if status != "completed"]
            if not incomplete:
                break
            if _run([*axtui, "resume", incomplete[0], "--headless"], env, rng.randint(1, 6)) is None:
                kills += 1
        for sid, status in _sessions(db):
            if status != "completed":
                _run([*axtui, "resume", sid, "--headless"], env, None)
        time.sleep(0.05)
    assert kills >= 3, "the seeded schedule must actually kill runs"

    from axtui.core.store import Store

    with Store(db) as store:
        sessions = store.query("SELECT id, workflow_id, status FROM sessions")
        assert sorted(w for _i, w, _s in sessions) == ["crash-tools", "crash-tools", "ml-ab-testing"]
        assert all(status == "completed" for _i, _w, status in sessions)
        steps = store.query("SELECT session_id, step_id, status FROM step_results")
        assert all(status in ("done", "skipped") for _s, _i, status in steps)
        dupes = store.query(
            "SELECT session_id, step_id, namespace, key, count(*) FROM memory_history "
            "GROUP BY ALL HAVING count(*) > 1"
        )
        assert dupes == []
        per_session = dict(store.query("SELECT session_id, count(*) FROM memory_history GROUP BY ALL"))
        tool_ids = [i for i, w, _s in sessions if w == "crash-tools"]
        assert all(per_session[sid] == 5 for sid in tool_ids)  # w1, w2, w3, w4 (the taken branch), w6
        ab_id = next(i for i, w, _s in sessions if w == "ml-ab-testing")
        assert per_session[ab_id] == 2  # config + results
        merged = store.query("SELECT value FROM memory_entries WHERE namespace = 'crash' AND key = 'r1/a'")[
            0
        ][0]
        assert '"n": 1' in merged.replace(":1", ": 1") and '"m": 2' in merged.replace(":2", ": 2")
