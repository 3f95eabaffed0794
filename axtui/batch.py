"""``axtui --batch FILE``: replay a session file headlessly (never imports Textual).

Also home of the headless printing shared with ``axtui run --headless`` and
``axtui resume --headless``: progress per step on stderr, one summary on stdout.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from axtui.errors import InputError

if TYPE_CHECKING:
    from axtui.config import Settings
    from axtui.core.workflow.session import Session
    from axtui.core.workflow.state import Event, Summary

MARKS = {"started": "▶", "done": "✓", "failed": "✗", "retry": "↻", "skipped": "·", "completed": "■"}


def progress_printer(session: Session) -> Any:
    """A callback printing one line per step event to stderr."""
    from axtui.present.output import stderr

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
    from axtui.present.output import stdout, to_json

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


def run_batch(settings: Settings, path: str | Path) -> int:
    """Replay FILE into the ``--db`` database; returns the exit code (errors raise ``AxtuiError``)."""
    from axtui.core.store import Store
    from axtui.core.workflow import Engine, load_workflow
    from axtui.core.workflow.replay import load_replay

    replay = load_replay(path)
    workflow = load_workflow(replay.workflow_id)
    if replay.workflow_version and replay.workflow_version != workflow.version:
        raise InputError(
            f"the replay file is for {replay.workflow_id} version {replay.workflow_version}, "
            f"but the installed workflow is version {workflow.version}",
            where=f"{path}: workflow.version",
            hint="replay it with the matching axtui/workflow version, or re-export the session",
        )
    if replay.model and settings.model is None:
        settings = replace(settings, model=replay.model)
    with Store(settings.db_path) as store:
        engine = Engine(store, settings)
        session = engine.start(workflow, replay.inputs, recorded=replay.recorded)
        summary = session.run_headless(replay.answers, on_progress=progress_printer(session))
        print_summary(settings, summary)
    return 0
