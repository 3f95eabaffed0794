"""The records memory is made of, and the rules a value must follow to be stored.

Plain data and pure functions (no database): ``MemoryEntry`` as every front end sees it,
TTL resolution, deep merge, and ``encode_value`` (strict JSON, bounded depth and size).
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from axtui.core import namespaces as ns_rules
from axtui.core.memory_index import check_depth, check_size
from axtui.errors import InputError

EXPORT_FORMAT = "axtui-memory"  # the export file's ``format`` and ``version`` (core/memory_io.py)
EXPORT_VERSION = 1

TTL = float | int | str | None
MAX_TTL_SECONDS = 100 * 365 * 86_400


def iso_exact(ts: datetime | None) -> str | None:
    """ISO-8601 with a Z suffix and microseconds kept: export/import must round-trip exactly."""
    if ts is None:
        return None
    return ts.replace(tzinfo=None).isoformat() + "Z"


def parse_iso(text: str) -> datetime:
    """Inverse of ``iso_exact`` (also accepts offsets, converted to naive UTC)."""
    from datetime import UTC

    ts = datetime.fromisoformat(text)
    if ts.tzinfo is not None:
        ts = ts.astimezone(UTC).replace(tzinfo=None)
    return ts


@dataclass
class MemoryEntry:
    namespace: str
    key: str
    value: Any
    created_at: datetime
    updated_at: datetime
    expires_at: datetime | None
    version: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "namespace": self.namespace,
            "key": self.key,
            "value": self.value,
            "created_at": iso_exact(self.created_at),
            "updated_at": iso_exact(self.updated_at),
            "expires_at": iso_exact(self.expires_at),
            "version": self.version,
        }

    @classmethod
    def from_row(cls, row: tuple[Any, ...]) -> MemoryEntry:
        namespace, key, value, created, updated, expires, version = row[:7]
        return cls(namespace, key, json.loads(value), created, updated, expires, version)


@dataclass
class SearchHit:
    entry: MemoryEntry
    score: float

    def to_dict(self) -> dict[str, Any]:
        return {**self.entry.to_dict(), "score": self.score}


@dataclass
class NamespaceInfo:
    name: str
    count: int
    default_ttl: int | None
    description: str

    def to_dict(self) -> dict[str, Any]:
        """The fields as they are, in their order (``memory namespaces --json``)."""
        return asdict(self)


def encode_value(value: Any, *, where: str = "value") -> str:
    """Strict JSON text for a value, or an InputError saying why it cannot be stored
    (not JSON, nested too deep, larger than the maximum value size)."""
    check_depth(value, where=where)
    try:
        text = json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        text.encode("utf-8")
    except ValueError as exc:
        raise InputError(
            f"the value cannot be stored as JSON ({exc})",
            where=where,
            hint="NaN and Infinity are not JSON; use null or a string",
        ) from exc
    except (TypeError, UnicodeEncodeError) as exc:
        raise InputError(
            f"the value cannot be stored as JSON ({exc})",
            where=where,
            hint="use JSON types: object, array, string, number, true/false, null",
        ) from exc
    check_size(text, where=where)
    return text


def resolve_ttl(namespace: str, ttl: TTL | Literal["default"]) -> float | None:
    """Seconds to live: 'default' = the namespace's default; None = permanent; else a positive number."""
    if ttl == "default":
        return ns_rules.default_ttl(namespace)
    if ttl is None:
        return None
    if isinstance(ttl, bool):
        raise InputError(
            f"TTL must be a number of seconds, not {ttl!r}", where="ttl", hint="e.g. --ttl 86400 for one day"
        )
    if isinstance(ttl, str):
        try:
            seconds = float(ttl.strip())
        except ValueError:
            raise InputError(
                f"TTL must be a number of seconds, not {ttl!r}",
                where="ttl",
                hint="e.g. --ttl 86400 for one day",
            ) from None
    elif isinstance(ttl, int | float):
        seconds = float(ttl)
    else:
        raise InputError(
            f"TTL must be a number of seconds, not {type(ttl).__name__}",
            where="ttl",
            hint="e.g. --ttl 86400 for one day",
        )
    if not math.isfinite(seconds) or seconds <= 0:
        raise InputError(
            f"TTL must be a positive number of seconds, not {ttl!r}",
            where="ttl",
            hint="omit the TTL for the namespace default; permanent entries have no TTL",
        )
    if seconds > MAX_TTL_SECONDS:
        raise InputError(
            f"TTL {ttl!r} is more than 100 years",
            where="ttl",
            hint="omit the TTL in a permanent namespace, or use a smaller number",
        )
    return seconds


def deep_merge(base: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """Objects merge key by key, recursively; anything else in ``patch`` (arrays too) replaces."""
    merged = dict(base)
    for name, value in patch.items():
        if isinstance(value, dict) and isinstance(merged.get(name), dict):
            merged[name] = deep_merge(merged[name], value)
        else:
            merged[name] = value
    return merged


@dataclass
class Record:
    """One entry as written: what store/import hand to the bulk writer."""

    namespace: str
    key: str
    value: Any
    text: str
    created_at: datetime
    updated_at: datetime
    expires_at: datetime | None
    version: int


def json_kind(value: Any) -> str:
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if value is None:
        return "null"
    if isinstance(value, int | float):
        return "a number"
    return type(value).__name__


def expiry(now: datetime, seconds: float | None) -> datetime | None:
    return None if seconds is None else now + timedelta(seconds=seconds)


def check_limit(limit: Any) -> int:
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise InputError(
            f"limit must be a positive whole number, not {limit!r}", where="limit", hint="e.g. --limit 20"
        )
    return limit
