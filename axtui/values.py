"""One parser per value kind: numbers, booleans, lists and objects as they arrive from text.

Workflow arguments arrive after templating, form answers as typed text and CLI
options as strings, so "0.05", "20%", "yes", "a,b" and '{"k": 1}' must all mean
the same thing wherever they are read. This module sits beside ``axtui.errors``
(not in ``core``) so the pure statistics in ``axtui.stats`` can use it too
without importing the engine.
"""

from __future__ import annotations

import json
import math
import os
from typing import Any

from axtui.errors import AxtuiError, InputError

TRUE_WORDS = frozenset({"true", "yes", "y", "1", "on"})
FALSE_WORDS = frozenset({"false", "no", "n", "0", "off"})
# What a template that rendered nothing looks like; an optional yes/no reads these as "not known".
NONE_WORDS = frozenset({"", "none", "null", "n/a", "unknown"})


def finite(x: Any) -> float | None:
    """A float for JSON, or None when the value is None, NaN or infinite."""
    if x is None:
        return None
    out = float(x)
    return out if math.isfinite(out) else None


def is_blank(value: Any) -> bool:
    """None or text with nothing in it: an argument that was not given."""
    return value is None or (isinstance(value, str) and value.strip() == "")


class NotANumber(ValueError):
    """Why ``to_number`` refused a value: ``kind`` is "bool", "text", "type" or "infinite"."""

    def __init__(self, kind: str, value: Any) -> None:
        super().__init__(f"not a finite number ({kind}): {value!r}")
        self.kind = kind


def to_number(value: Any, *, percent: bool = False) -> float:
    """The one number reader (compute arguments, form fields, conditions, CLI lists).

    Rules: an int or float is taken as it is; true/false is not a number; text is stripped
    and read as Python reads a float literal (``"1e-3"``, digit groups ``"1_000"``); with
    ``percent`` a trailing ``%`` divides by 100 (``"20%"`` = 0.2). NaN and infinities are
    refused. Anything else raises ``NotANumber``, whose ``kind`` lets each caller word it.
    """
    if isinstance(value, bool):
        raise NotANumber("bool", value)
    if isinstance(value, int | float):
        out = float(value)
    elif isinstance(value, str):
        text = value.strip()
        scale = 100.0 if percent and text.endswith("%") else 1.0
        try:
            out = float(text[:-1] if scale != 1.0 else text) / scale
        except ValueError:
            raise NotANumber("text", value) from None
    else:
        raise NotANumber("type", value)
    if not math.isfinite(out):
        raise NotANumber("infinite", value)
    return out


def parse_number(value: Any, name: str) -> float:
    """A finite float from a number or text ("0.05", "20%" = 0.2); InputError naming ``name`` otherwise."""
    try:
        return to_number(value if isinstance(value, int | float | str) else str(value), percent=True)
    except NotANumber as exc:
        problem = "must be finite" if exc.kind == "infinite" else "must be a number"
        raise InputError(f"{name} {problem} (got {value!r})", where=name) from None


def parse_int(value: Any, name: str) -> int:
    """A whole number (``"3"``, ``3.0``); InputError for 3.5 or text that is not a number."""
    out = parse_number(value, name)
    if out != int(out):
        raise InputError(f"{name} must be a whole number (got {value!r})", where=name)
    return int(out)


def parse_bool(value: Any, name: str) -> bool:
    """True/false from a bool or one of the words true/yes/y/1/on and false/no/n/0/off."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    text = str(value).strip().lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise InputError(f"{name} must be true or false (got {value!r})", where=name)


def parse_optional_bool(value: Any, name: str) -> bool | None:
    """Like ``parse_bool``, but None and the words of ``NONE_WORDS`` mean "not known"."""
    if value is None or (isinstance(value, str) and value.strip().lower() in NONE_WORDS):
        return None
    return parse_bool(value, name)


def as_list(value: Any, name: str) -> list[Any]:
    """A list from a list/tuple, JSON list text, or comma-separated text (items stripped, empties dropped)."""
    if isinstance(value, list | tuple):
        return list(value)
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                parsed = json.loads(text)
            except json.JSONDecodeError as exc:
                raise InputError(f"{name} is not a valid JSON list: {exc.msg}", where=name) from None
            return list(parsed)
        return comma_list(text) or []
    raise InputError(f"{name} must be a list or comma-separated text (got {value!r})", where=name)


def comma_list(text: str | None) -> list[str] | None:
    """The stripped, non-empty parts of comma-separated text (``--columns "a, b,"`` -> ``["a", "b"]``);
    None when there is no text or it names nothing, so a caller falls back to its default."""
    if text is None:
        return None
    return [part.strip() for part in text.split(",") if part.strip()] or None


def as_dict(value: Any, name: str) -> dict[str, Any]:
    """An object from a mapping or JSON object text."""
    if isinstance(value, dict):
        return value
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError as exc:
            raise InputError(f"{name} is not valid JSON: {exc.msg}", where=name) from None
        if isinstance(parsed, dict):
            return parsed
    raise InputError(f"{name} must be an object (got {value!r})", where=name)


def as_text(value: Any, name: str) -> str:
    """Text from a scalar; a mapping or list is refused (a template pointed at the wrong variable)."""
    if value is None or isinstance(value, dict | list):
        raise InputError(f"{name} must be text (got {value!r})", where=name)
    return str(value)


def env_number(
    name: str, default: float, *, what: str, hint: str, error: type[AxtuiError] = InputError
) -> float:
    """A tuning knob from environment variable ``name`` (unset or blank: ``default``).

    Refused with ``error`` naming the variable when it is not a number (``{name} must be {what}``)
    or is negative or NaN: every knob read this way is a duration, a size or a count."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise error(f"{name} must be {what}, not {raw!r}", where=name, hint=hint) from None
    if not value >= 0:  # negative, or NaN
        raise error(f"{name} must be zero or more, not {raw!r}", where=name, hint=hint)
    return value
