"""A JSON object given on the command line, inline or as ``@file.json`` (``--input``, ``--baseline``).

One reader so that every option says the same things: which file could not be read, where the
JSON is broken, and that an object was expected.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from axtui.errors import InputError


def read_text_arg(raw: str, option: str, hint: str) -> tuple[str, str]:
    """``(text, where)``: the text itself, or the content of the ``@file`` it names."""
    if not raw.startswith("@"):
        return raw, option
    path = Path(raw[1:]).expanduser()
    try:
        return path.read_text(encoding="utf-8"), str(path)
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc.strerror}", where=str(path), hint=hint) from exc


def json_value(raw: str, option: str, hint: str) -> tuple[Any, str]:
    """``(value, where)``: the JSON ``raw`` holds (inline or ``@file.json``), or an ``InputError``."""
    text, where = read_text_arg(raw, option, hint)
    try:
        return json.loads(text), where
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{option} is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})",
            where=where,
            hint=hint,
        ) from None


def json_object(raw: str, option: str, hint: str) -> dict[str, Any]:
    """The JSON object ``raw`` holds (inline or ``@file.json``); anything else is an ``InputError``."""
    value, where = json_value(raw, option, hint)
    if not isinstance(value, dict):
        raise InputError(f"{option} must be a JSON object", where=where, hint=hint)
    return value
