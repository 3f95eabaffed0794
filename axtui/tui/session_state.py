"""A plain snapshot of a workflow session, built in a worker thread for the session screen.

The screen never calls the engine from the UI thread: a worker calls the
``Session`` methods (which read and write DuckDB) and hands the screen this
snapshot in a ``SessionLoaded`` message.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from axtui.core.workflow.state import progress, step_number

MARKS = {"done": "✓", "current": "▶", "failed": "✗", "pending": "·", "skipped": "–", "not_measured": "⊘"}
AUTO_TYPES = ("tool", "compute", "conditional", "parallel", "discuss", "loop", "delegate")


@dataclass
class StepView:
    """One checklist line and what the step produced (from the engine's ``StepState``)."""

    id: str
    name: str
    type: str
    status: str
    depth: int = 0
    agent: str | None = None
    tool: str | None = None
    fn: str | None = None
    config: dict[str, Any] = field(default_factory=dict)
    result: Any = None
    error: str | None = None
    is_current: bool = False

    @property
    def mark(self) -> str:
        return MARKS.get(self.status, "·")

    @property
    def is_auto(self) -> bool:
        return self.type in AUTO_TYPES


@dataclass
class SessionSnapshot:
    id: str
    workflow_id: str
    workflow_name: str
    status: str
    steps: list[StepView]
    current_id: str | None
    fields: dict[str, list[Any]] = field(default_factory=dict)  # input step id -> fields with values
    conversations: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    decisions: dict[str, Any] = field(default_factory=dict)  # the verdicts, once the session is done

    @property
    def read_only(self) -> bool:
        """A completed session is reviewed, not changed (start a new run to change it)."""
        return self.status == "completed"

    def step(self, step_id: str | None) -> StepView | None:
        return next((s for s in self.steps if s.id == step_id), None)

    @property
    def current(self) -> StepView | None:
        return self.step(self.current_id)

    @property
    def total(self) -> int:
        """The one step count of every front end (``axtui.core.workflow.state.progress``)."""
        return progress((s.id, s.status) for s in self.steps)[1]

    def number(self, step: StepView) -> int | None:
        """The step's number (1-based) in that count; ``None`` for the inputs form."""
        return step_number([s.id for s in self.steps], step.id)

    @property
    def done_count(self) -> int:
        return progress((s.id, s.status) for s in self.steps)[0]

    @property
    def finished(self) -> bool:
        return self.current_id is None


def step_view(state: Any, workflow: Any) -> StepView:
    step = workflow.step(state.step_id)
    return StepView(
        id=state.step_id,
        name=state.name,
        type=state.type,
        status=state.status,
        depth=state.depth,
        agent=state.agent,
        tool=state.tool,
        fn=state.fn,
        config=dict(step.config) if step is not None else {},
        result=state.result,
        error=state.error,
        is_current=state.is_current,
    )


def build_snapshot(session: Any, *, with_details_for: str | None = None) -> SessionSnapshot:
    """Read everything the screen needs from ``session`` (call from a worker thread)."""
    steps = [step_view(state, session.workflow) for state in session.checklist()]
    current = next((s for s in steps if s.is_current), None)
    snapshot = SessionSnapshot(
        id=session.id,
        workflow_id=session.workflow.id,
        workflow_name=session.workflow.name,
        status=session.status,
        steps=steps,
        current_id=current.id if current else None,
    )
    if snapshot.current_id is None:
        snapshot.decisions = dict(session.decisions())
    for step_id in {s for s in (snapshot.current_id, with_details_for) if s}:
        step = snapshot.step(step_id)
        if step is not None and step.type == "input":
            snapshot.fields[step_id] = list(session.input_fields(step_id))
        elif step is not None and step.type == "prompt":
            snapshot.conversations[step_id] = list(session.messages(step_id))
    return snapshot
