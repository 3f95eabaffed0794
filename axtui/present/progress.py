"""Headless progress and summaries, shared by ``--batch`` and ``axtui run|resume --headless``.

Progress per step goes to stderr, one summary to stdout (a JSON document with ``--json``).
Plain writes, not a rich console: the ``--batch`` path never imports rich (docs/ARCHITECTURE.md).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from axtui.config import Settings
    from axtui.core.workflow.session import Session
    from axtui.core.workflow.state import Event, Summary

MARKS = {
    "started": "▶",
    "done": "✓",
    "failed": "✗",
    "retry": "↻",
    "skipped": "·",
    "not_measured": "⊘",
    "completed": "■",
}


def _line(stream: Any, text: str) -> None:
    """One plain line, flushed: what a rich console printed here (no markup, no highlighting),
    without importing rich on the ``--batch`` path."""
    stream.write(text + "\n")
    stream.flush()


def progress_printer(session: Session) -> Any:
    """A callback printing one line per step event to stderr."""
    from axtui.core.workflow.state import step_number

    ids = [s.step_id for s in session.checklist()]
    total = session.progress()[1]  # the one step count: Inputs is not numbered

    def show(event: Event) -> None:
        if event.kind not in MARKS:
            return
        number = step_number(ids, event.step_id)
        index = f"[{number}/{total}] " if number is not None else ""
        _line(sys.stderr, f"{MARKS[event.kind]} {index}{event.step_id or ''} {event.message}".rstrip())

    return show


def print_summary(settings: Settings, summary: Summary) -> None:
    """The run's summary on stdout: one JSON document with ``--json``, else a few readable lines."""
    from axtui.jsontext import to_json

    data = summary.to_dict()
    if settings.json:
        sys.stdout.write(to_json(data) + "\n")
        sys.stdout.flush()
        return
    from axtui.core.workflow.state import progress

    done, total = progress((s.step_id, s.status) for s in summary.steps)
    unmeasured = sum(1 for s in summary.steps if s.status == "not_measured")
    _line(
        sys.stdout,
        f"session {summary.session_id}: {summary.workflow_id} {summary.status} "
        f"({done}/{total} steps" + (f", {unmeasured} not measured)" if unmeasured else ")"),
    )
    for label, value in summary.decisions.items():
        _line(sys.stdout, f"  decision {label}: {value}")
    if summary.report_path:
        _line(sys.stdout, f"  report: {summary.report_path}")
