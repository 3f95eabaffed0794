"""``{{name}}`` and ``{{step_id.field.sub}}`` substitution, strict about missing variables.

A string that is exactly one template keeps the variable's structured value
(a dict stays a dict in a memory entry); a template inside a longer string
renders structured values as JSON. A variable missing at run time raises
``MissingVariable``; nothing is ever left as ``{{...}}`` text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

from axtui.errors import InputError

# ``{{path}}`` or ``{{path | join}}``: the one filter turns a list into "a, b, c" for prose and tables.
TEMPLATE_RE = re.compile(r"\{\{\s*([A-Za-z_][\w-]*(?:\.[\w-]+)*)\s*(?:\|\s*(join)\s*)?\}\}")
WHOLE_RE = re.compile(r"^\s*\{\{\s*([A-Za-z_][\w-]*(?:\.[\w-]+)*)\s*\}\}\s*$")
BUILTINS = ("timestamp", "date", "user", "session_id")

_MISSING = object()


class MissingVariable(InputError):
    """A template names a variable that no input or earlier step has provided."""

    def __init__(self, name: str, *, step_id: str | None = None) -> None:
        where = f"step {step_id}" if step_id else None
        super().__init__(
            f"variable {{{{{name}}}}} has no value",
            where=where,
            hint=f"provide {name!r} with --input (or in the answers file), or fix the template",
        )
        self.name = name
        self.step_id = step_id


def variables_in(value: Any) -> Iterator[str]:
    """Every variable path named by templates anywhere inside ``value``."""
    if isinstance(value, str):
        for match in TEMPLATE_RE.finditer(value):
            yield match.group(1)
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from variables_in(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from variables_in(item)


def lookup(variables: Mapping[str, Any], path: str) -> Any:
    """Resolve ``a.b.0.c`` through dicts and lists; returns the sentinel ``MISSING`` when absent."""
    parts = path.split(".")
    if parts[0] not in variables:
        return _MISSING
    current: Any = variables[parts[0]]
    for part in parts[1:]:
        if isinstance(current, Mapping) and current.get("not_measured") is True:
            return current  # a not-measured step's fields are all not measured (core/workflow/evidence.py)
        if isinstance(current, Mapping) and part in current:
            current = current[part]
        elif (
            isinstance(current, list)
            and part.lstrip("-").isdigit()
            and -len(current) <= int(part) < len(current)
        ):
            current = current[int(part)]
        else:
            return _MISSING
    return current


def is_missing(value: Any) -> bool:
    return value is _MISSING


def to_text(value: Any) -> str:
    """How a value reads inside a sentence: JSON for structures, compact numbers, '' for null."""
    if value is None:
        return ""
    if isinstance(value, Mapping) and value.get("not_measured") is True:
        return "not measured"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return str(value)
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return format(value, ".6g")
    if isinstance(value, int | str):
        return str(value)
    return json.dumps(value, ensure_ascii=False, default=str, sort_keys=False)


def render(value: Any, variables: Mapping[str, Any], *, step_id: str | None = None) -> Any:
    """Substitute every template in ``value`` (recursively); raise ``MissingVariable`` if one has no value."""
    if isinstance(value, str):
        whole = WHOLE_RE.match(value)
        if whole:
            found = lookup(variables, whole.group(1))
            if found is _MISSING:
                raise MissingVariable(whole.group(1), step_id=step_id)
            return found

        def sub(match: re.Match[str]) -> str:
            found = lookup(variables, match.group(1))
            if found is _MISSING:
                raise MissingVariable(match.group(1), step_id=step_id)
            if match.group(2) == "join" and isinstance(found, list | tuple):
                return ", ".join(to_text(item) for item in found)
            return to_text(found)

        return TEMPLATE_RE.sub(sub, value)
    if isinstance(value, Mapping):
        return {k: render(v, variables, step_id=step_id) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [render(v, variables, step_id=step_id) for v in value]
    return value
