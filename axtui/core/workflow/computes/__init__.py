"""The compute catalogue: every ``fn:`` a workflow ``compute`` step may name, declared once.

Each module holds the computes of one domain; importing this package registers
them all in ``CATALOGUE``. A compute module imports its statistics inside the
function, so loading a workflow never pulls in scipy or polars. See
docs/ARCHITECTURE.md ("How to add a compute") for the one place a new one goes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from axtui.core.workflow.computes import (  # noqa: F401  (importing registers each domain's computes)
    ab,
    deployment,
    drift,
    engine,
    evaluation,
    experiments,
    features,
    pipeline,
    registry,
)
from axtui.core.workflow.computes.catalogue import (
    CATALOGUE,
    Compute,
    ComputeContext,
    Param,
    compute,
    describe,
)
from axtui.errors import InputError

__all__ = [
    "CATALOGUE",
    "Compute",
    "ComputeContext",
    "Param",
    "argument_problems",
    "compute",
    "describe",
    "get_compute",
    "list_computes",
    "run_compute",
]


def get_compute(name: Any) -> Compute:
    """The compute called ``name``; InputError listing the valid names otherwise."""
    found = CATALOGUE.get(name) if isinstance(name, str) else None
    if found is None:
        raise InputError(
            f"unknown computation {name!r}",
            where="compute: fn",
            hint="valid: " + ", ".join(sorted(CATALOGUE)),
        )
    return found


def run_compute(
    name: str, args: Mapping[str, Any] | None, ctx: ComputeContext | None = None
) -> dict[str, Any]:
    """Run a compute on already-rendered args (the entry point for tests and non-workflow callers)."""
    if args is not None and not isinstance(args, Mapping):
        raise InputError(f"compute {name} args must be a mapping", where=f"{name}: args")
    return get_compute(name).run(dict(args or {}), ctx)


def list_computes() -> list[tuple[str, str, list[str]]]:
    """(name, one-line description, argument names with optional ones marked '?') for docs and validation."""
    return [(name, c.doc, c.arg_names()) for name, c in CATALOGUE.items()]


def argument_problems(name: str, args: Any) -> list[tuple[str, str]]:
    """(argument, message) for what a workflow file gets wrong before anything runs: argument names the
    compute does not take, and required ones it does not give (``workflows validate``)."""
    entry = CATALOGUE.get(name)
    if entry is None or not isinstance(args, Mapping):
        return []
    names = {p.name for p in entry.params}
    out = []
    if not entry.takes_extra:
        valid = ", ".join(p.name for p in entry.params)
        out += [
            (k, f"compute {name} takes no argument {k!r} (valid: {valid})") for k in args if k not in names
        ]
    out += [
        (p.name, f"compute {name} needs {p.name!r}")
        for p in entry.params
        if p.required and p.name not in args
    ]
    return out
