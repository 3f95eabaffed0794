"""Shared helpers for the catalogue workflow tests: run a workflow headless on its example inputs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from axtui.config import Settings
from axtui.core.memory import Memory
from axtui.core.store import Store
from axtui.core.workflow import Engine, Session

REPO = Path(__file__).resolve().parent.parent
CATALOGUE = REPO / "examples" / "catalogue"
DATA = CATALOGUE / "data"
DAY = 86_400


def example_inputs(workflow_id: str, name: str | None = None) -> dict[str, Any]:
    return json.loads((CATALOGUE / f"{name or workflow_id}.inputs.json").read_text(encoding="utf-8"))


def example_answers(workflow_id: str) -> dict[str, Any]:
    path = CATALOGUE / f"{workflow_id}.answers.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def run_headless(
    store: Store, workflow_id: str, inputs: dict[str, Any], answers: dict[str, Any] | None = None
) -> Session:
    """Start and drive a session with the offline provider; returns the (completed) session."""
    engine = Engine(store, Settings(db_path=Path(str(store.path))))
    session = engine.start(workflow_id, inputs)
    session.run_headless(answers or {})
    return engine.open(session.id)


def step_statuses(store: Store, session_id: str) -> dict[str, str]:
    rows = store.query("SELECT step_id, status FROM step_results WHERE session_id = ?", [session_id])
    return {step: status for step, status in rows}


def entry(store: Store, namespace: str, key: str) -> Any:
    found = Memory(store).get(namespace, key)
    assert found is not None, f"no memory entry {namespace}/{key}"
    return found


def ttl_seconds(found: Any) -> float | None:
    """The TTL an entry was written with (expires_at - updated_at), None when permanent."""
    if found.expires_at is None:
        return None
    return (found.expires_at - found.updated_at).total_seconds()
