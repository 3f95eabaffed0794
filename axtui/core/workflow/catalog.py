"""Finding workflows: built-in, user config folder, ``./.axtui`` (later folders override by id).

Files may be YAML or JSON (AutomatosX ships both). A user file that overrides a built-in is
kept track of: ``workflows list``/``show`` name both versions, and an override older than the
built-in it hides (a copied seed file, say) is a warning in ``list``, ``validate`` and the TUI.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from axtui.config import search_dirs
from axtui.core.workflow.loader import YamlProblem, parse_document
from axtui.core.workflow.model import Problem, Workflow
from axtui.core.workflow.parse import build_workflow
from axtui.core.workflow.validate import Catalogue, check_workflow, default_catalogue
from axtui.errors import InputError, NotFoundError


def load_source(
    text: str, file: str, catalogue: Catalogue | None = None
) -> tuple[Workflow | None, list[Problem]]:
    """Parse and check workflow YAML text; problems (errors and warnings) in file order."""
    try:
        data = parse_document(text, file)
    except YamlProblem as exc:
        where = exc.where or file
        parts = where.rsplit(":", 2)
        line = int(parts[1]) if len(parts) == 3 and parts[1].isdigit() else 0
        return None, [Problem(file, line, "yaml", exc.message + (f" (column {parts[2]})" if line else ""))]
    wf, problems = build_workflow(data, file, text)
    if wf is not None:
        more, _inputs = check_workflow(wf, catalogue if catalogue is not None else default_catalogue())
        problems += more
    problems.sort(key=lambda p: (p.line, p.field))
    return wf, problems


def validate_file(
    path: str | Path,
    catalogue: Catalogue | None = None,
    *,
    sources: dict[str, list[Path]] | None = None,
) -> tuple[Workflow | None, list[Problem]]:
    p = Path(path)
    if not p.is_file():
        return None, [Problem(str(p), 0, "file", "file not found")]
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Problem(str(p), 0, "file", f"cannot read the file: {exc}")]
    wf, problems = load_source(text, str(p), catalogue)
    if wf is not None:
        problems += override_problems(wf.id, p, wf.version, sources=sources)
    return wf, problems


def _raise_if_errors(file: str, problems: list[Problem]) -> None:
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        first = errors[0]
        more = f" (and {len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
        raise InputError(
            f"{first.field}: {first.message}{more}",
            where=f"{first.file}:{first.line}" if first.line else first.file,
            hint=f"run `axtui workflows validate {file}` to see every problem",
        )


def workflow_from_source(text: str, file: str) -> Workflow:
    """A workflow from stored YAML text (a session's snapshot); errors raise ``InputError``."""
    wf, problems = load_source(text, file)
    _raise_if_errors(file, problems)
    assert wf is not None
    return wf


WORKFLOW_SUFFIXES = (".yaml", ".yml", ".json")


def workflow_sources(cwd: Path | None = None) -> dict[str, list[Path]]:
    """Workflow id -> every file that defines it, built-in first (the last one is used)."""
    found: dict[str, list[Path]] = {}
    for folder in search_dirs("workflows", cwd):
        if not folder.is_dir():
            continue
        for path in sorted(p for p in folder.iterdir() if p.suffix in WORKFLOW_SUFFIXES and p.is_file()):
            found.setdefault(_quick_meta(path)[0], []).append(path)
    return found


def workflow_files(cwd: Path | None = None) -> dict[str, Path]:
    """Workflow id -> file; later search folders override earlier ones (ids from each workflowId)."""
    return _latest(workflow_sources(cwd))


def _latest(sources: dict[str, list[Path]]) -> dict[str, Path]:
    """Workflow id -> the file that is used (the last of its files)."""
    return {wid: paths[-1] for wid, paths in sources.items()}


_META_RE = re.compile(r"""^\s*["']?(workflowId|version)["']?\s*:\s*["']?([^"',#\s]+)""")


def _quick_meta(path: Path) -> tuple[str, str | None]:
    """(workflowId, version) from a line scan, without a full parse (listing must survive a broken file)."""
    wid, version = path.stem, None
    try:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line[:1] in (" ", "\t") and not line.lstrip().startswith('"'):
                continue  # nested YAML keys (a step's `version:`) are not the workflow's
            match = _META_RE.match(line)
            if match and match.group(1) == "workflowId":
                wid = match.group(2)
            elif match and version is None:
                version = match.group(2)
    except (OSError, UnicodeDecodeError):
        pass
    return wid, version


def _version_key(version: str | None) -> tuple[int, ...] | None:
    parts = re.findall(r"\d+", version or "")
    return tuple(int(p) for p in parts) if parts else None


def overridden(wid: str, path: Path, *, sources: dict[str, list[Path]] | None = None) -> list[dict[str, Any]]:
    """The earlier files ``path`` hides for workflow ``wid`` (each: path, version)."""
    paths = (sources if sources is not None else workflow_sources()).get(wid, [])
    resolved = path.resolve()
    if resolved not in [p.resolve() for p in paths]:
        return [{"path": str(p), "version": _quick_meta(p)[1]} for p in paths]  # a file elsewhere
    index = [p.resolve() for p in paths].index(resolved)
    return [{"path": str(p), "version": _quick_meta(p)[1]} for p in paths[:index]]


def override_problems(
    wid: str, path: Path, version: str, *, sources: dict[str, list[Path]] | None = None
) -> list[Problem]:
    """A warning when ``path`` is older than a file it overrides (or would override) for ``wid``."""
    out: list[Problem] = []
    mine = _version_key(version)
    for other in overridden(wid, path, sources=sources):
        theirs = _version_key(other["version"])
        if mine is not None and theirs is not None and mine < theirs:
            out.append(
                Problem(
                    str(path),
                    0,
                    "version",
                    f"overrides {other['path']} (version {other['version']}) with the older "
                    f"version {version}; remove this file to use the newer one",
                    "warning",
                )
            )
    return out


def load_workflow(id_or_path: str | Path) -> Workflow:
    """A workflow by id (searched in the workflow folders) or file path; bad files raise ``InputError``."""
    text = str(id_or_path)
    candidate = Path(text).expanduser()
    sources = workflow_sources()  # scanned once: the lookup and the override check both read it
    if candidate.suffix in WORKFLOW_SUFFIXES or candidate.is_file():
        path = candidate
    else:
        files = _latest(sources)
        if text not in files:
            raise NotFoundError(
                f"unknown workflow {text!r}",
                hint=f"see `axtui workflows list` (known: {', '.join(sorted(files)) or 'none'})",
            )
        path = files[text]
    wf, problems = validate_file(path, sources=sources)
    _raise_if_errors(str(path), problems)
    assert wf is not None
    return wf


def list_workflows() -> tuple[list[Workflow], list[Problem]]:
    """Every loadable workflow, and the problems of those that did not load (one bad file never fails it)."""
    out: list[Workflow] = []
    broken: list[Problem] = []
    catalogue = default_catalogue()
    sources = workflow_sources()  # scanned once: every file's override check reads it
    for _wid, paths in sorted(sources.items()):
        path = paths[-1]
        wf, problems = validate_file(path, catalogue, sources=sources)
        errors = [p for p in problems if p.severity == "error"]
        if wf is None or errors:
            broken += errors
            continue
        broken += [p for p in problems if p.severity == "warning" and p.field == "version"]
        wf.overrides = overridden(wf.id, path, sources=sources)
        out.append(wf)
    return out, broken
