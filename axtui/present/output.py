"""How the CLI and ``--batch`` print: rich tables for people, one JSON document for scripts.

With ``--json`` stdout carries exactly one JSON document and nothing else;
everything meant for a person (progress, warnings) goes to stderr.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console

from axtui.config import Settings

if TYPE_CHECKING:
    import typer

stdout = Console(soft_wrap=False, highlight=False)
stderr = Console(stderr=True, highlight=False)


def settings(ctx: typer.Context) -> Settings:
    """The settings the root callback resolved, from any nested command."""
    root = ctx.find_root()
    obj = root.obj
    if not isinstance(obj, Settings):
        obj = Settings.resolve()
        root.obj = obj
    return obj


def _clean(value: Any) -> Any:
    """Make a value strict-JSON: NaN/inf become null, numpy scalars become Python numbers."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    item = getattr(value, "item", None)  # numpy scalar
    if callable(item) and type(value).__module__ == "numpy":
        return _clean(item())
    tolist = getattr(value, "tolist", None)  # numpy array
    if callable(tolist) and type(value).__module__ == "numpy":
        return _clean(tolist())
    return value


def to_json(data: Any, *, indent: int | None = 2) -> str:
    return json.dumps(_clean(data), indent=indent, ensure_ascii=False, allow_nan=False)


def emit(ctx: typer.Context, data: Any, human: Callable[[Console], None] | None = None) -> None:
    """Print ``data`` as JSON (``--json``) or hand the console to ``human`` for tables."""
    if settings(ctx).json or human is None:
        sys.stdout.write(to_json(data) + "\n")
        sys.stdout.flush()
    else:
        human(stdout)


def note(message: str) -> None:
    """A diagnostic for a person: always on stderr, so ``--json`` stdout stays clean."""
    stderr.print(message)
