"""What the home screen shows, gathered from the core without touching widgets.

``load_workflows`` runs on the UI thread while composing (small YAML files);
``load_home_summary`` runs in a worker thread (it opens DuckDB).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from axtui.errors import AxtuiError
from axtui.tui.messages import HomeSummary


def load_workflows() -> tuple[list[Any], str | None]:
    """Every workflow the user can start, and a problem to show if some could not be read.

    Runs before the first paint, so it checks each file's own structure only
    (a catalogue without personas or computations: loading those would import
    the statistics stack). Starting a workflow loads it fully and reports the rest.
    """
    from axtui.core.workflow.catalog import validate_file, workflow_sources
    from axtui.core.workflow.validate import Catalogue

    light = Catalogue(personas=None, computes=None)
    workflows: list[Any] = []
    broken: list[str] = []
    older: list[str] = []
    try:
        sources = workflow_sources()
        files = {wid: paths[-1] for wid, paths in sources.items()}
    except AxtuiError as exc:
        return [], exc.render()
    for _wid, path in sorted(files.items()):
        wf, problems = validate_file(path, light, sources=sources)
        errors = [p for p in problems if p.severity == "error"]
        if wf is None or errors:
            broken.append(errors[0].render() if errors else str(path))
            continue
        older += [p.render() for p in problems if p.severity == "warning" and p.field == "version"]
        workflows.append(wf)
    problem = None
    if broken:
        problem = f"{len(broken)} workflow file(s) could not be loaded: {broken[0]}"
    if older:  # a user file hides a newer built-in (see docs/workflows.md)
        problem = "\n".join([*([problem] if problem else []), *older])
    return workflows, problem


def workflow_row(wf: Any) -> dict[str, str]:
    """The columns the home table shows for one workflow."""
    info = wf.summary()
    return {
        "id": str(info["id"]),
        "name": str(info.get("name") or info["id"]),
        "description": " ".join(str(info.get("description") or "").split()),
        "version": str(info.get("version") or ""),
        "duration": format_duration(info.get("estimated_duration")),
        "complexity": str(info.get("complexity") or "-"),
        "steps": str(info.get("steps") or 0),
    }


def format_duration(value: Any) -> str:
    """``estimatedDuration`` is in seconds in the seeds (``300  # 5 minutes``); text is shown as written."""
    if value in (None, ""):
        return "-"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    seconds = float(value)
    if seconds >= 3600:
        return f"{seconds / 3600:g} h"
    if seconds >= 60:
        return f"{round(seconds / 60):d} min"
    return f"{seconds:g} s"


def format_when(value: Any) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return str(value or "")[:16].replace("T", " ")


def _row(data: dict[str, Any]) -> dict[str, Any]:
    """A session listing entry (``Engine.list_sessions``) with its time formatted for display."""
    return {
        **data,
        "steps_done": int(data.get("steps_done") or 0),
        "steps_total": int(data.get("steps_total") or 0),
        "updated": format_when(data.get("updated_at")),
    }


def load_home_summary(app: Any) -> HomeSummary:
    """Sessions, personas and memory counts (runs in a worker thread: opens DuckDB)."""
    from axtui.core.memory import Memory
    from axtui.core.personas import load_personas
    from axtui.tui.widgets.tool_record import format_ttl

    engine = app.engine()
    rows = [_row(s) for s in engine.list_sessions(include_completed=True)]
    finished = ("completed", "done")
    summary = HomeSummary(
        incomplete=[r for r in rows if r["status"] not in finished],
        recent=rows,
    )
    personas = load_personas()
    summary.personas = [{"id": p.agent_id, "role": p.role or p.display_name} for p in personas.values()]
    for info in Memory(app.store()).namespaces():
        summary.namespaces.append(
            {"name": info.name, "count": info.count, "ttl": format_ttl(info.default_ttl)}
        )
    return summary
