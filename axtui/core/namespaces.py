"""The memory namespaces of the PRD appendix, their default TTLs, and what a valid name or key is.

Any well-formed namespace may be used (it is created on first write); the PRD
ones come with the retention the workflows were written for, so a step that
stores into ``ml-alerts`` without a ``ttl`` still expires after 30 days.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from axtui.errors import InputError

DAY = 86_400

NAMESPACE_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
MAX_KEY_LENGTH = 512
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class NamespaceSpec:
    """A namespace the PRD defines: its default TTL in seconds (None = permanent) and purpose."""

    name: str
    default_ttl: int | None
    description: str


PRD_NAMESPACES: dict[str, NamespaceSpec] = {
    spec.name: spec
    for spec in (
        NamespaceSpec("ml-experiments", 90 * DAY, "Experiment parameters and metrics"),
        NamespaceSpec("ml-experiment-reports", 90 * DAY, "Comparison reports"),
        NamespaceSpec("ml-evaluations", 180 * DAY, "Model evaluation results"),
        NamespaceSpec("ml-model-registry", None, "Model versions and metadata"),
        NamespaceSpec("ml-model-events", 365 * DAY, "Promotion/deprecation events"),
        NamespaceSpec("ml-alerts", 30 * DAY, "Monitoring alerts"),
        NamespaceSpec("ml-monitoring-reports", 30 * DAY, "Drift and degradation reports"),
        NamespaceSpec("ml-feature-store", None, "Feature definitions"),
        NamespaceSpec("ml-ab-experiments", 365 * DAY, "A/B test configs and results"),
        NamespaceSpec("ml-production-predictions", 7 * DAY, "Production inference logs"),
    )
}


def default_ttl(namespace: str) -> int | None:
    """Seconds an entry lives when no TTL is given: the PRD's value, else permanent."""
    spec = PRD_NAMESPACES.get(namespace)
    return spec.default_ttl if spec else None


def describe(namespace: str) -> str:
    spec = PRD_NAMESPACES.get(namespace)
    return spec.description if spec else ""


def check_namespace(namespace: object, *, where: str = "namespace") -> str:
    """Return the namespace if it is well formed, else an InputError saying what is allowed."""
    if not isinstance(namespace, str) or not namespace:
        raise InputError(
            "the namespace is empty", where=where, hint="give a namespace such as ml-experiments"
        )
    if not NAMESPACE_RE.match(namespace):
        bad = next((c for c in namespace if not re.match(r"[a-z0-9._-]", c)), None)
        detail = f" (character {bad!r} is not allowed)" if bad is not None else ""
        raise InputError(
            f"invalid namespace {namespace!r}{detail}",
            where=where,
            hint="use 1-64 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit",
        )
    return namespace


def check_key(key: object, *, where: str = "key") -> str:
    """Return the key if usable: non-empty, bounded, no control characters (slashes are fine)."""
    if not isinstance(key, str) or not key:
        raise InputError("the key is empty", where=where, hint="give a key such as churn/versions/v1")
    if len(key) > MAX_KEY_LENGTH:
        raise InputError(
            f"the key is {len(key)} characters long (at most {MAX_KEY_LENGTH})",
            where=where,
            hint="use a shorter key",
        )
    match = _CONTROL_RE.search(key)
    if match:
        raise InputError(
            f"the key contains a control character ({match.group()!r} at position {match.start()})",
            where=where,
            hint="remove tabs, newlines and the like",
        )
    return key
