"""``axtui --batch FILE``: replay a session file headlessly (never imports Textual).

The progress lines and the summary it prints are ``axtui.present.progress``, shared with
``axtui run --headless`` and ``axtui resume --headless``.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from axtui.errors import InputError

if TYPE_CHECKING:
    from axtui.config import Settings


def run_batch(settings: Settings, path: str | Path, *, fail_on: str | None = None) -> int:
    """Replay FILE into the ``--db`` database; returns the exit code (errors raise ``AxtuiError``):
    1 when a decision of the session is listed in ``fail_on`` (``--fail-on``), else 0."""
    from axtui import fail_on as gate
    from axtui.core.store import Store
    from axtui.core.workflow import Engine, load_workflow
    from axtui.core.workflow.replay import load_replay, resolve_replay_paths
    from axtui.present.progress import print_summary, progress_printer

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
    with Store(settings.db_path, lease=True) as store:  # one connection for the replay
        engine = Engine(store, settings)
        session = engine.start(workflow, replay.inputs, recorded=replay.recorded)
        summary = session.run_headless(replay.answers, on_progress=progress_printer(session))
        print_summary(settings, summary)
    hits = gate.matches(summary.decisions.values(), listed)
    if hits:
        sys.stderr.write(gate.message(hits) + "\n")
        return 1
    return 0
