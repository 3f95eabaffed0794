"""Memory export and import: JSON or Parquet files that round-trip entries exactly.

An export is written atomically and never over an existing file without ``force``
(``axtui.core.output_file``); an import is validated record by record (file and record
named in every message) before one transaction writes it all, or nothing.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from axtui.core import namespaces as ns_rules
from axtui.core.memory_index import loads_json
from axtui.core.memory_types import (
    EXPORT_FORMAT,
    EXPORT_VERSION,
    MemoryEntry,
    Record,
    encode_value,
    iso_exact,
    json_kind,
    parse_iso,
)
from axtui.core.output_file import check_output_path, write_atomically
from axtui.errors import InputError

if TYPE_CHECKING:
    from axtui.core.memory import Memory


def export_entries(memory: Memory, path: Path, *, namespace: str | None, force: bool) -> int:
    """Write ``memory``'s live entries (of one namespace, or all) to ``path``; returns how many."""
    check_output_path(path, force=force)
    fmt = _format_of(path)
    entries = memory.list(namespace)
    if fmt == "json":
        doc = {
            "format": EXPORT_FORMAT,
            "version": EXPORT_VERSION,
            "exported_at": iso_exact(memory.db.clock()),
            "namespace": namespace,
            "entries": [e.to_dict() for e in entries],
        }
        text = json.dumps(doc, ensure_ascii=False, indent=1) + "\n"
        write_atomically(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    else:
        write_atomically(path, lambda tmp: _write_parquet(tmp, entries))
    return len(entries)


def read_import(path: Path) -> list[Record]:
    """Every record of an export file, validated; refuses a file that repeats a key."""
    fmt = _format_of(path)
    if not path.is_file():
        raise InputError(
            "the import file does not exist",
            where=str(path),
            hint="give the path of a file written by `axtui memory export`",
        )
    raw = _read_json_records(path) if fmt == "json" else _read_parquet_records(path)
    records: dict[tuple[str, str], Record] = {}
    for i, item in enumerate(raw):
        record = _record_from_import(item, where=f"{path}: record {i}")
        if (record.namespace, record.key) in records:
            raise InputError(
                f"record {i} repeats {record.namespace}/{record.key}",
                where=str(path),
                hint="each namespace/key may appear once in an import file",
            )
        records[(record.namespace, record.key)] = record
    return list(records.values())


def _format_of(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix == ".json":
        return "json"
    if suffix == ".parquet":
        return "parquet"
    raise InputError(
        f"unsupported file type {suffix or '(none)'!r}", where=str(path), hint="use a .json or .parquet file"
    )


def _write_parquet(path: Path, entries: list[MemoryEntry]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table(
        {
            "namespace": pa.array([e.namespace for e in entries], pa.string()),
            "key": pa.array([e.key for e in entries], pa.string()),
            "value": pa.array([encode_value(e.value) for e in entries], pa.string()),
            "created_at": pa.array([e.created_at for e in entries], pa.timestamp("us")),
            "updated_at": pa.array([e.updated_at for e in entries], pa.timestamp("us")),
            "expires_at": pa.array([e.expires_at for e in entries], pa.timestamp("us")),
            "version": pa.array([e.version for e in entries], pa.int32()),
        },
        metadata={b"format": EXPORT_FORMAT.encode(), b"version": str(EXPORT_VERSION).encode()},
    )
    pq.write_table(table, path)


def _read_json_records(path: Path) -> list[Any]:
    try:
        doc = loads_json(path.read_text(encoding="utf-8"), where=str(path))
    except UnicodeDecodeError as exc:
        raise InputError(
            "the import file is not UTF-8 text",
            where=str(path),
            hint="import a .json file written by `axtui memory export`",
        ) from exc
    except json.JSONDecodeError as exc:
        raise InputError(
            f"the import file is not valid JSON ({exc.msg})",
            where=f"{path}:{exc.lineno}:{exc.colno}",
            hint="import a .json file written by `axtui memory export`",
        ) from exc
    if isinstance(doc, list):
        return doc
    if isinstance(doc, dict) and isinstance(doc.get("entries"), list):
        if doc.get("format", EXPORT_FORMAT) != EXPORT_FORMAT:
            raise InputError(
                f"unknown export format {doc.get('format')!r}",
                where=str(path),
                hint=f"expected format {EXPORT_FORMAT!r}",
            )
        return doc["entries"]
    raise InputError(
        "the import file must hold an object with an 'entries' array (or an array of entries)",
        where=str(path),
        hint="import a .json file written by `axtui memory export`",
    )


def _read_parquet_records(path: Path) -> list[Any]:
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except Exception as exc:  # pyarrow raises several types for a non-Parquet file
        raise InputError(
            f"the import file is not a readable Parquet file ({exc})",
            where=str(path),
            hint="import a .parquet file written by `axtui memory export`",
        ) from exc
    required = ("namespace", "key", "value", "created_at", "updated_at", "expires_at", "version")
    missing = [c for c in required if c not in table.column_names]
    if missing:
        raise InputError(
            f"the Parquet file has no column {missing[0]!r}",
            where=str(path),
            hint=f"an export has the columns: {', '.join(required)}",
        )
    rows = table.select(list(required)).to_pylist()
    for i, row in enumerate(rows):
        text = row.get("value")
        if not isinstance(text, str):
            raise InputError(
                "field 'value' must be JSON text",
                where=f"{path}: record {i}",
                hint="import a file written by `axtui memory export`",
            )
        try:
            row["value"] = loads_json(text, where=f"{path}: record {i}")
        except json.JSONDecodeError as exc:
            raise InputError(
                f"field 'value' is not valid JSON ({exc.msg})",
                where=f"{path}: record {i}",
                hint="import a file written by `axtui memory export`",
            ) from exc
    return rows


def _timestamp_field(item: dict[str, Any], name: str, where: str, *, optional: bool) -> datetime | None:
    value = item.get(name)
    if value is None:
        if optional:
            return None
        raise InputError(
            f"field {name!r} is missing",
            where=where,
            hint="every entry needs created_at and updated_at as ISO timestamps",
        )
    if isinstance(value, datetime):
        return value.replace(tzinfo=None) if value.tzinfo is None else parse_iso(value.isoformat())
    if isinstance(value, str):
        try:
            return parse_iso(value)
        except ValueError:
            pass
    raise InputError(
        f"field {name!r} is not an ISO timestamp: {value!r}",
        where=where,
        hint="use e.g. 2026-01-31T12:00:00Z",
    )


def _record_from_import(item: Any, *, where: str) -> Record:
    if not isinstance(item, dict):
        raise InputError(
            f"an entry must be an object, not {json_kind(item)}",
            where=where,
            hint="import a file written by `axtui memory export`",
        )
    for name in ("namespace", "key", "value"):
        if name not in item:
            raise InputError(
                f"field {name!r} is missing",
                where=where,
                hint="every entry needs namespace, key, value, created_at, updated_at, version",
            )
    namespace = ns_rules.check_namespace(item["namespace"], where=f"{where}: field 'namespace'")
    key = ns_rules.check_key(item["key"], where=f"{where}: field 'key'")
    text = encode_value(item["value"], where=f"{where}: field 'value'")
    created = _timestamp_field(item, "created_at", where, optional=False)
    updated = _timestamp_field(item, "updated_at", where, optional=False)
    expires = _timestamp_field(item, "expires_at", where, optional=True)
    version = item.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or not 1 <= version < 2**31:
        raise InputError(
            f"field 'version' must be a positive whole number, not {version!r}",
            where=where,
            hint="every entry needs a version (1 for a new key)",
        )
    assert created is not None and updated is not None
    return Record(namespace, key, item["value"], text, created, updated, expires, version)
