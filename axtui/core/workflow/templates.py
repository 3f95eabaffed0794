"""``{{name}}`` and ``{{step_id.field.sub}}`` substitution, strict about missing variables.

A string that is exactly one template keeps the variable's structured value
(a dict stays a dict in a memory entry); a template inside a longer string
renders structured values as JSON. A variable missing at run time raises
``MissingVariable``; nothing is ever left as ``{{...}}`` text.

AutomatosX's own forms are read too (docs/workflows.md, "Migrating from AutomatosX"):
``${input.x}`` and ``{{input.x}}`` name the input ``x``; ``${previousOutputs.step}``,
``${previousOutputs['step']}`` and ``{{steps.step.output}}`` name step ``step``'s result (a
prompt step's answer when it sits inside text); ``{{x | default: "all"}}`` gives a fallback and
``{{now}}`` is the step's start time.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

from axtui.errors import InputError

_PATH = r"[A-Za-z_][\w-]*(?:(?:\.[\w-]+)|(?:\[\s*(?:'[^']*'|\"[^\"]*\"|\d+)\s*\]))*"
_FILTER = r"(?:\|\s*(join|timestamp|default\s*:\s*(?:'[^']*'|\"[^\"]*\"|[^}|]*?))\s*)?"
# ``{{path}}``, ``{{path | join}}`` (a list as "a, b, c"), ``{{path | default: "x"}}``, or ``${path}``.
TEMPLATE_RE = re.compile(r"\{\{\s*(" + _PATH + r")\s*" + _FILTER + r"\}\}|\$\{\s*(" + _PATH + r")\s*\}")
WHOLE_RE = re.compile(r"^\s*(?:\{\{\s*(" + _PATH + r")\s*\}\}|\$\{\s*(" + _PATH + r")\s*\})\s*$")
BUILTINS = ("timestamp", "date", "user", "session_id", "now")
_BRACKET_RE = re.compile(r"\[\s*(?:'([^']*)'|\"([^\"]*)\"|(\d+))\s*\]")
_FOREIGN_ROOTS = ("input", "previousOutputs", "steps")


def canonical(path: str) -> str:
    """An AutomatosX variable path in axtui's terms: ``input.x`` -> ``x``, ``steps.s.output.y`` -> ``s.y``."""
    if "[" in path:
        path = _BRACKET_RE.sub(lambda m: "." + next(g for g in m.groups() if g is not None), path)
    parts = path.split(".")
    if parts[0] == "input" and len(parts) > 1:
        return ".".join(parts[1:])
    if parts[0] == "previousOutputs" and len(parts) > 1:
        return ".".join(parts[1:])
    if parts[0] == "steps" and len(parts) > 1:
        rest = parts[2:]
        if rest and rest[0] == "output":
            rest = rest[1:]
        return ".".join([parts[1], *rest])
    return path


def _is_foreign(path: str) -> bool:
    return path.split(".")[0].split("[")[0] in _FOREIGN_ROOTS


def _default_of(filt: str | None) -> tuple[bool, Any]:
    """``default: "x"`` -> (True, "x"); anything else -> (False, None)."""
    if not filt or not filt.startswith("default"):
        return False, None
    text = filt.split(":", 1)[1].strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return True, text[1:-1]
    return True, text


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
    for path, _has_default, _default in references_in(value):
        yield path


def references_in(value: Any) -> Iterator[tuple[str, bool, Any]]:
    """(canonical variable path, has a ``default:`` filter, that default) for every template."""
    if isinstance(value, str):
        for match in TEMPLATE_RE.finditer(value):
            raw = match.group(1) or match.group(3)
            has_default, default = _default_of(match.group(2))
            yield canonical(raw), has_default, default
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from references_in(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from references_in(item)


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
            raw = whole.group(1) or whole.group(2)
            found = lookup(variables, canonical(raw))
            if found is _MISSING:
                raise MissingVariable(raw, step_id=step_id)
            return found

        def sub(match: re.Match[str]) -> str:
            raw = match.group(1) or match.group(3)
            filt = (match.group(2) or "").strip()
            found = lookup(variables, canonical(raw))
            if found is _MISSING:
                has_default, default = _default_of(filt)
                if not has_default:
                    raise MissingVariable(raw, step_id=step_id)
                found = default
            if filt == "join" and isinstance(found, list | tuple):
                return ", ".join(to_text(item) for item in found)
            if _is_foreign(raw) and isinstance(found, Mapping) and "answer" in found and "turns" in found:
                found = found["answer"]  # AutomatosX's ${previousOutputs.step}: the step's text
            return to_text(found)

        return TEMPLATE_RE.sub(sub, value)
    if isinstance(value, Mapping):
        return {k: render(v, variables, step_id=step_id) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [render(v, variables, step_id=step_id) for v in value]
    return value
