"""Finding workflows: built-in, user config folder, ``./.axtui`` (later folders override by id)."""

from __future__ import annotations

from pathlib import Path

from axtui.config import search_dirs
from axtui.core.workflow.loader import YamlProblem, parse_yaml
from axtui.core.workflow.model import Problem, Workflow
from axtui.core.workflow.parse import build_workflow
from axtui.core.workflow.validate import Catalogue, check_workflow, default_catalogue
from axtui.errors import InputError, NotFoundError


def load_source(
    text: str, file: str, catalogue: Catalogue | None = None
) -> tuple[Workflow | None, list[Problem]]:
    """Parse and check workflow YAML text; problems (errors and warnings) in file order."""
    try:
        data = parse_yaml(text, file)
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
    path: str | Path, catalogue: Catalogue | None = None
) -> tuple[Workflow | None, list[Problem]]:
    p = Path(path)
    if not p.is_file():
        return None, [Problem(str(p), 0, "file", "file not found")]
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Problem(str(p), 0, "file", f"cannot read the file: {exc}")]
    return load_source(text, str(p), catalogue)


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


def workflow_files(cwd: Path | None = None) -> dict[str, Path]:
    """Workflow id -> file; later search folders override earlier ones (ids from each workflowId)."""
    found: dict[str, Path] = {}
    for folder in search_dirs("workflows", cwd):
        if not folder.is_dir():
            continue
        for path in sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")]):
            found[_quick_id(path)] = path
    return found


def _quick_id(path: Path) -> str:
    """The workflowId without a full parse (listing must survive a broken file)."""
    try:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("workflowId:"):
                return line.split(":", 1)[1].strip().strip("'\"") or path.stem
    except (OSError, UnicodeDecodeError):
        pass
    return path.stem


def load_workflow(id_or_path: str | Path) -> Workflow:
    """A workflow by id (searched in the workflow folders) or file path; bad files raise ``InputError``."""
    text = str(id_or_path)
    candidate = Path(text).expanduser()
    if candidate.suffix in (".yaml", ".yml") or candidate.is_file():
        path = candidate
    else:
        files = workflow_files()
        if text not in files:
            raise NotFoundError(
                f"unknown workflow {text!r}",
                hint=f"see `axtui workflows list` (known: {', '.join(sorted(files)) or 'none'})",
            )
        path = files[text]
    wf, problems = validate_file(path)
    _raise_if_errors(str(path), problems)
    assert wf is not None
    return wf


def list_workflows() -> tuple[list[Workflow], list[Problem]]:
    """Every loadable workflow, and the problems of those that did not load (one bad file never fails it)."""
    out: list[Workflow] = []
    broken: list[Problem] = []
    catalogue = default_catalogue()
    for _wid, path in sorted(workflow_files().items()):
        wf, problems = validate_file(path, catalogue)
        errors = [p for p in problems if p.severity == "error"]
        if wf is None or errors:
            broken += errors
            continue
        out.append(wf)
    return out, broken
