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
    from axtui.core.workflow.session import Event, Session, Summary

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
    total = len(session.checklist())

    def show(event: Event) -> None:
        if event.kind not in MARKS:
            return
        index = ""
        if event.step_id:
            ids = [s.step_id for s in session.checklist()]
            index = f"[{ids.index(event.step_id) + 1}/{total}] " if event.step_id in ids else ""
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
    done = sum(1 for s in summary.steps if s.status in ("done", "skipped", "not_measured"))
    unmeasured = sum(1 for s in summary.steps if s.status == "not_measured")
    _line(
        sys.stdout,
        f"session {summary.session_id}: {summary.workflow_id} {summary.status} "
        f"({done}/{len(summary.steps)} steps" + (f", {unmeasured} not measured)" if unmeasured else ")"),
    )
    for label, value in summary.decisions.items():
        _line(sys.stdout, f"  decision {label}: {value}")
    if summary.report_path:
        _line(sys.stdout, f"  report: {summary.report_path}")


def run_batch(settings: Settings, path: str | Path, *, fail_on: str | None = None) -> int:
    """Replay FILE into the ``--db`` database; returns the exit code (errors raise ``AxtuiError``):
    1 when a decision of the session is listed in ``fail_on`` (``--fail-on``), else 0."""
    from axtui import fail_on as gate
    from axtui.core.store import Store
    from axtui.core.workflow import Engine, load_workflow
    from axtui.core.workflow.replay import load_replay, resolve_replay_paths

    listed = gate.parse(fail_on, gate.SESSION)
    replay = load_replay(path)
    workflow = load_workflow(replay.workflow_id)
    replay = resolve_replay_paths(replay, workflow, path, Path.cwd())
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
    hits = gate.matches(summary.decisions.values(), listed)
    if hits:
        sys.stderr.write(gate.message(hits) + "\n")
        return 1
    return 0
