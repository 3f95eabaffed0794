"""Optional evidence: a step that declares what it needs (``evidence:``) and lacks it is "not measured".

Real data is incomplete: predictions are logged elsewhere, labels arrive weeks later, a latency log or a
schema file may not exist yet. Rather than failing the session at the first step that reads a missing
column, such a step is marked ``not_measured``: its result (and each output it declares) is a marker that
reads "not measured" in prose and reports, travels through variables and memory as JSON, and reaches the
decision tables as ``None``, where each table says what it decides without it (docs/workflows.md,
"Optional evidence"). It is never silently a pass.

A step's ``evidence:`` is a list; each item is either
* a template such as ``"{{latency_log_path}}"``: absent when the value is unset, blank, empty or itself
  not measured; or
* ``{file: "{{current_path}}", columns: ["{{label_col}}", "{{prediction_col}}"]}``: absent when the file is
  not given or lacks one of the columns (only the file's schema is read).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

NOT_MEASURED_KEY = "not_measured"
STATUS = "not_measured"


def not_measured(missing: list[str]) -> dict[str, Any]:
    """The marker a not-measured step leaves as its result and outputs (plain JSON, survives a resume)."""
    return {NOT_MEASURED_KEY: True, "missing": list(missing), "reason": "not measured: " + "; ".join(missing)}


def is_not_measured(value: Any) -> bool:
    return isinstance(value, Mapping) and value.get(NOT_MEASURED_KEY) is True


def strip_not_measured(value: Any) -> Any:
    """``value`` with every marker replaced by ``None``: how computations receive absent evidence."""
    if is_not_measured(value):
        return None
    if isinstance(value, Mapping):
        return {k: strip_not_measured(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [strip_not_measured(v) for v in value]
    return value


def evidence_problems(spec: Any) -> list[str]:
    """What is wrong with a step's ``evidence:`` declaration (for the parser), empty when it is valid."""
    if spec is None:
        return []
    if not isinstance(spec, list) or not spec:
        return ["evidence must be a non-empty list of {{variables}} or {file: ..., columns: [...]} items"]
    problems = []
    for i, item in enumerate(spec):
        if isinstance(item, str) and item.strip():
            continue
        if isinstance(item, Mapping):
            unknown = sorted(set(item) - {"file", "columns"})
            columns = item.get("columns")
            if unknown:
                problems.append(f"evidence[{i}]: unknown key {unknown[0]!r} (use file and columns)")
            elif not isinstance(item.get("file"), str):
                problems.append(f'evidence[{i}]: file must name the file input, e.g. "{{{{current_path}}}}"')
            elif columns is not None and not (
                isinstance(columns, list) and all(isinstance(c, str) and c.strip() for c in columns)
            ):
                problems.append(f"evidence[{i}]: columns must be a list of column names or {{{{inputs}}}}")
            continue
        problems.append(f"evidence[{i}]: expected a {{{{variable}}}} or {{file: ..., columns: [...]}}")
    return problems


def _value(template: str, variables: Mapping[str, Any]) -> tuple[str, Any]:
    """(name, value) of an evidence template; the value is ``None`` when unset."""
    from axtui.core.workflow.templates import WHOLE_RE, is_missing, lookup, render

    whole = WHOLE_RE.match(template)
    if whole:
        found = lookup(variables, whole.group(1))
        return whole.group(1), None if is_missing(found) else found
    try:
        return template, render(template, variables)
    except Exception:  # a template naming something unset: the evidence is absent
        return template, None


def _blank(value: Any) -> bool:
    if value is None or is_not_measured(value):
        return True
    if isinstance(value, str):
        return not value.strip()
    return isinstance(value, list | tuple | Mapping) and len(value) == 0


def _file_item(item: Mapping[str, Any], variables: Mapping[str, Any]) -> str | None:
    from pathlib import Path

    from axtui.core.workflow.fields import _Invalid, file_columns, required_columns
    from axtui.core.workflow.model import Field

    name, path = _value(str(item["file"]), variables)
    if _blank(path):
        return f"{name} not supplied"
    wanted = required_columns(
        Field(name=name, type="path", columns=list(item.get("columns") or [])), variables
    )
    target = Path(str(path)).expanduser()
    if not target.is_file():
        return None  # a missing file is an error the step itself reports, not absent evidence
    try:
        available = file_columns(target)
    except _Invalid:
        return None
    missing = [c for c in wanted if c not in available]
    if not missing:
        return None
    return f"{target.name} has no column{'s' if len(missing) > 1 else ''} " + ", ".join(
        repr(c) for c in missing
    )


def absent_evidence(spec: Any, variables: Mapping[str, Any]) -> list[str]:
    """Why the step's evidence is absent (one phrase per missing item); empty when it can run."""
    reasons: list[str] = []
    for item in spec or []:
        if isinstance(item, Mapping):
            reason = _file_item(item, variables)
        else:
            name, value = _value(str(item), variables)
            reason = (
                f"{name} was not measured"
                if is_not_measured(value)
                else (f"{name} not supplied" if _blank(value) else None)
            )
        if reason and reason not in reasons:
            reasons.append(reason)
    return reasons
