"""Headless progress and summaries, shared by ``--batch`` and ``axtui run|resume --headless``.

Progress per step goes to stderr, one summary to stdout (a JSON document with ``--json``).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from axtui.present.output import stderr, stdout, to_json

if TYPE_CHECKING:
    from axtui.config import Settings
    from axtui.core.workflow.session import Session
    from axtui.core.workflow.state import Event, Summary

MARKS = {"started": "▶", "done": "✓", "failed": "✗", "retry": "↻", "skipped": "·", "completed": "■"}


def progress_printer(session: Session) -> Any:
    """A callback printing one line per step event to stderr."""
    total = len(session.checklist())

    def show(event: Event) -> None:
        if event.kind not in MARKS:
            return
        index = ""
        if event.step_id:
            ids = [s.step_id for s in session.checklist()]
            index = f"[{ids.index(event.step_id) + 1}/{total}] " if event.step_id in ids else ""
        stderr.print(
            f"{MARKS[event.kind]} {index}{event.step_id or ''} {event.message}".rstrip(),
            markup=False,
            highlight=False,
            soft_wrap=True,
        )

    return show


def print_summary(settings: Settings, summary: Summary) -> None:
    """The run's summary on stdout: one JSON document with ``--json``, else a few readable lines."""
    data = summary.to_dict()
    if settings.json:
        sys.stdout.write(to_json(data) + "\n")
        sys.stdout.flush()
        return
    done = sum(1 for s in summary.steps if s.status in ("done", "skipped"))
    stdout.print(
        f"session {summary.session_id}: {summary.workflow_id} {summary.status} "
        f"({done}/{len(summary.steps)} steps)",
        markup=False,
        highlight=False,
    )
    for label, value in summary.decisions.items():
        stdout.print(f"  decision {label}: {value}", markup=False, highlight=False)
    if summary.report_path:
        stdout.print(f"  report: {summary.report_path}", markup=False, highlight=False)
