"""What a session reports about itself: step states, progress events and the end-of-run summary.

Plain data shared by the session, the headless driver, the report and the front ends,
so that none of them needs the session module to describe a run.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from axtui.core.workflow.model import Step

from axtui.core.workflow.model import INPUTS_STEP_ID

DONE_STATES = ("done", "skipped", "not_measured")
HAS_RESULT = ("done", "not_measured")  # states whose result and outputs are variables


def numbered(step_ids: Iterable[str]) -> list[str]:
    """The steps a person counts, in order: the one step count of every front end.

    The synthetic Inputs form is not numbered: home and ``workflows list`` say "23 steps", the
    session view "Step 7/23", the report numbers its sections 1-23, and ``sessions`` and the
    headless progress lines say 7/23 too (docs/tui.md).
    """
    return [step_id for step_id in step_ids if step_id != INPUTS_STEP_ID]


def step_number(step_ids: Sequence[str], step_id: str | None) -> int | None:
    """The step's 1-based number in that count; None for the Inputs form (or an unknown id)."""
    counted = numbered(step_ids)
    return counted.index(step_id) + 1 if step_id in counted else None


def progress(statuses: Iterable[tuple[str, str]]) -> tuple[int, int]:
    """``(done, total)`` over ``(step id, status)`` pairs, in the one step count."""
    pairs = [(step_id, status) for step_id, status in statuses if step_id != INPUTS_STEP_ID]
    return sum(1 for _, status in pairs if status in DONE_STATES), len(pairs)


@dataclass
class StepState:
    """What a checklist row shows: a step, where it sits, and how far it got."""

    step_id: str
    name: str
    type: str
    status: str  # done | current | failed | pending | skipped | running | not_measured
    depth: int = 0
    parent: str | None = None
    branch: str | None = None
    agent: str | None = None
    tool: str | None = None
    fn: str | None = None
    attempts: int = 0
    error: str | None = None
    result: Any = None
    exports: dict[str, Any] = field(default_factory=dict)
    conversation_id: str | None = None
    is_current: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Event:
    """Progress reported while steps run: started, retry, progress, done, failed, skipped, turn, completed.

    A ``progress`` event's ``data`` holds ``done``, ``total`` and ``unit`` (a long compute's columns).
    """

    kind: str
    step_id: str | None
    message: str
    data: dict[str, Any] | None = None


@dataclass
class Summary:
    session_id: str
    workflow_id: str
    workflow_version: str
    status: str
    steps: list[StepState]
    decisions: dict[str, Any]
    report_path: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "session_id": self.session_id,
            "workflow": {"id": self.workflow_id, "version": self.workflow_version},
            "status": self.status,
            "steps": [
                {
                    "id": s.step_id,
                    "name": s.name,
                    "type": s.type,
                    "status": s.status,
                    "attempts": s.attempts,
                    **({"error": s.error} if s.error else {}),
                    **(
                        {"missing": (s.result or {}).get("missing", [])} if s.status == "not_measured" else {}
                    ),
                }
                for s in self.steps
            ],
            "not_measured": [s.step_id for s in self.steps if s.status == "not_measured"],
            "decisions": self.decisions,
            "report_path": self.report_path,
        }


@dataclass
class StepRow:
    """The in-memory copy of one step_results row (the session's, not shown to front ends)."""

    step: Step
    seq: int
    status: str = "pending"
    attempts: int = 0
    result: Any = None
    exports: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    branch: str | None = None
    conversation_id: str | None = None
    started_at: Any = None
    finished_at: Any = None
    generation: int = 1
    config: Any = None
