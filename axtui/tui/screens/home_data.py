"""What the home screen shows, gathered from the core without touching widgets.

``cached_workflow_rows`` runs on the UI thread before the first paint: the home
table's rows from the workflow index, a small JSON file, so the names a user reads
are on the first screen without importing the engine (DuckDB) or parsing YAML
(bench/startup.md). ``load_workflows`` (which rewrites the index) and
``load_home_summary`` run in a worker thread.

The index lives in ``$XDG_CACHE_HOME/axtui/workflow-index.json`` and is only
trusted when it was written by this axtui version for the same search folders,
and every file in those folders still has the name, size and modification time
it had when the workflows were read; anything else (a file added, edited,
removed, another ``./.axtui``) means the slow path, which writes a fresh one.
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any

from axtui.errors import AxtuiError
from axtui.tui.messages import HomeSummary

INDEX_VERSION = 1


def index_path() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "axtui" / "workflow-index.json"


def folder_signature(folders: list[str]) -> list[list[Any]]:
    """Per search folder, (name, size, mtime) of every file in it: what a changed catalogue changes."""
    out: list[list[Any]] = []
    for folder in folders:
        try:
            with os.scandir(folder) as entries:
                files = sorted(
                    [e.name, st.st_size, st.st_mtime_ns]
                    for e in entries
                    if e.is_file() and (st := e.stat()) is not None
                )
        except OSError:  # missing (or unreadable) folder: it must stay so
            files = [["<absent>"]]
        out.append([folder, files])
    return out


def cached_workflow_rows() -> list[dict[str, str]] | None:
    """The home table's rows from the workflow index, or None when it is missing or out of date."""
    from axtui import __version__
    from axtui.config import search_dirs

    folders = [str(p) for p in search_dirs("workflows")]
    try:
        data = json.loads(index_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("version") != INDEX_VERSION or data.get("axtui") != __version__:
        return None
    if data.get("folders") != folders or data.get("signature") != folder_signature(folders):
        return None
    rows = data.get("rows")
    return rows if isinstance(rows, list) and all(isinstance(r, dict) for r in rows) else None


def save_workflow_index(rows: list[dict[str, str]], folders: list[str], signature: list[list[Any]]) -> None:
    """Write the index atomically; a cache that cannot be written is simply not used."""
    from axtui import __version__

    path = index_path()
    doc = {"version": INDEX_VERSION, "axtui": __version__, "folders": folders, "signature": signature}
    doc["rows"] = rows
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass


def load_workflows() -> tuple[list[Any], str | None]:
    """Every workflow the user can start, and a problem to show if some could not be read.

    Runs before the first paint, so it checks each file's own structure only
    (a catalogue without personas or computations: loading those would import
    the statistics stack). Starting a workflow loads it fully and reports the rest.
    """
    from axtui.core.workflow import catalog
    from axtui.core.workflow.catalog import validate_file, workflow_sources
    from axtui.core.workflow.validate import Catalogue

    light = Catalogue(personas=None, computes=None)
    workflows: list[Any] = []
    broken: list[str] = []
    older: list[str] = []
    folders = [str(p) for p in catalog.search_dirs("workflows")]
    signature = folder_signature(folders)  # before reading: an edit while reading invalidates the index
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
    if not broken:
        save_workflow_index([workflow_row(wf) for wf in workflows], folders, signature)
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
