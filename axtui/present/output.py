"""How the CLI and ``--batch`` print: rich tables for people, one JSON document for scripts.

With ``--json`` stdout carries exactly one JSON document and nothing else;
everything meant for a person (progress, warnings) goes to stderr.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from rich.console import Console

from axtui.config import Settings
from axtui.jsontext import _clean, to_json  # noqa: F401  (re-exported: the CLI prints JSON from here)

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


def emit(ctx: typer.Context, data: Any, human: Callable[[Console], None] | None = None) -> None:
    """Print ``data`` as JSON (``--json``) or hand the console to ``human`` for tables."""
    if settings(ctx).json or human is None:
        sys.stdout.write(to_json(data) + "\n")
        sys.stdout.flush()
    else:
        from axtui.present.tables import console

        human(console())  # unlimited width in a pipe: ids and values print in full


def note(message: str) -> None:
    """A diagnostic for a person: always on stderr, so ``--json`` stdout stays clean."""
    stderr.print(message, soft_wrap=True)  # one line per note: a path is never broken for grep
