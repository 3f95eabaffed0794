"""The compute catalogue: every ``fn:`` a workflow ``compute`` step may name, declared once.

Each module holds the computes of one domain and registers them in ``CATALOGUE`` when it is
imported. A compute module imports its statistics inside the function, so loading a workflow
never pulls in scipy or polars. See docs/ARCHITECTURE.md ("How to add a compute") for the one
place a new one goes, and the line that names it in ``DOMAINS`` below.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

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
    "DOMAINS",
    "Compute",
    "ComputeContext",
    "Param",
    "argument_problems",
    "compute",
    "compute_names",
    "describe",
    "get_compute",
    "list_computes",
    "load_all",
    "lookup",
    "run_compute",
]

# The computes each domain module declares. A run imports only the modules of the computes its
# workflow names (a ``--batch`` replay needs two or three of the nine, ≈ 15 ms of its start,
# bench/batch.md); ``load_all`` imports every one for the listings. tests/test_computes.py checks
# this table against what the modules register.
DOMAINS: dict[str, tuple[str, ...]] = {
    "ab": ("ab_size", "ab_size_means", "srm", "ab_analyze", "ab_early_stop", "ab_duration"),
    "deployment": ("readiness_checklist", "container_spec", "rollout_plan", "post_deploy_check"),
    "drift": ("drift", "profile", "prediction_drift", "adwin"),
    "engine": ("checks", "rules", "records", "values", "lookup", "select"),
    "evaluation": ("evaluate", "fairness", "latency", "robustness", "shadow_compare", "fairness_summary"),
    "experiments": ("compare_experiments", "degradation", "decide", "experiment_metrics"),
    "features": ("features", "feature_selection"),
    "pipeline": ("phase_report", "pipeline_summary"),
    "registry": ("version_compare", "checksum", "registry_register", "registry_decide", "registry_rollback"),
}
_MODULE_OF = {name: module for module, names in DOMAINS.items() for name in names}


def load_all() -> dict[str, Compute]:
    """The whole catalogue: every domain module imported (listings, the list of valid names)."""
    for module in DOMAINS:
        importlib.import_module(f"{__name__}.{module}")
    return CATALOGUE


def lookup(name: Any) -> Compute | None:
    """The compute called ``name`` (its domain module imported on first use), or None."""
    if not isinstance(name, str):
        return None
    if name not in CATALOGUE and name in _MODULE_OF:
        importlib.import_module(f"{__name__}.{_MODULE_OF[name]}")
    return CATALOGUE.get(name)


def compute_names() -> set[str]:
    """Every compute a workflow may name, without importing the domain modules."""
    return set(_MODULE_OF) | set(CATALOGUE)


def get_compute(name: Any) -> Compute:
    """The compute called ``name``; InputError listing the valid names otherwise."""
    found = lookup(name)
    if found is None:
        raise InputError(
            f"unknown computation {name!r}",
            where="compute: fn",
            hint="valid: " + ", ".join(sorted(load_all())),
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
    return [(name, c.doc, c.arg_names()) for name, c in load_all().items()]


def argument_problems(name: str, args: Any) -> list[tuple[str, str]]:
    """(argument, message) for what a workflow file gets wrong before anything runs: argument names the
    compute does not take, and required ones it does not give (``workflows validate``)."""
    entry = lookup(name)
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
