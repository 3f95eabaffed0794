"""Memory namespaces: keyed JSON values with TTL, deep merge, versions, history and search.

Every write goes through ``store.transaction()`` and keeps three tables in step:
``memory_entries`` (the live value), ``memory_fields`` (its indexed scalars,
for ``field:value`` search) and ``memory_history`` (one row per store, delete,
prune or import). Expired entries stay on disk until ``prune`` but are never
returned by anything here.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from axtui.core import namespaces as ns_rules
from axtui.core.query import fields_sql, parse, scalars_sql, search_text_sql
from axtui.core.query_plan import run_search
from axtui.core.store import Store
from axtui.errors import InputError, NotFoundError

TTL = float | int | str | None
MAX_TTL_SECONDS = 100 * 365 * 86_400
EXPORT_FORMAT = "axtui-memory"
EXPORT_VERSION = 1
_COLUMNS = "namespace, key, value, created_at, updated_at, expires_at, version"
_LIVE = "(expires_at IS NULL OR expires_at > ?)"


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
        return {
            "name": self.name,
            "count": self.count,
            "default_ttl": self.default_ttl,
            "description": self.description,
        }


def encode_value(value: Any, *, where: str = "value") -> str:
    """Strict JSON text for a value, or an InputError saying why it cannot be stored."""
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
class _Record:
    """One entry as written: what store/import hand to the bulk writer."""

    namespace: str
    key: str
    value: Any
    text: str
    created_at: datetime
    updated_at: datetime
    expires_at: datetime | None
    version: int


class Memory:
    """The memory API every front end uses (CLI, TUI memory browser, workflow tool steps)."""

    def __init__(self, store: Store) -> None:
        self.db = store  # not ``self.store``: that name is the write method

    # -- writing ----------------------------------------------------------------
    def store(
        self,
        namespace: str,
        key: str,
        value: Any,
        *,
        ttl: TTL | Literal["default"] = "default",
        merge: bool = False,
        session_id: str | None = None,
        step_id: str | None = None,
    ) -> MemoryEntry:
        """Write a value (or deep-merge an object into the live one) and return the new entry.

        A repeated write with the same ``session_id`` and ``step_id`` to the same
        key returns the entry as it is, without writing: a workflow resumed after a
        crash can replay a tool step safely.
        """
        ns_rules.check_namespace(namespace)
        ns_rules.check_key(key)
        seconds = resolve_ttl(namespace, ttl)
        if merge and not isinstance(value, dict):
            raise InputError(
                f"merge needs a JSON object, not {_json_kind(value)}",
                where="value",
                hint='pass an object such as {"status": "done"}, or drop --merge',
            )
        encode_value(value)
        with self.db.transaction() as con:
            now = self.db.clock()
            if session_id is not None:
                done = self._idempotent_result(con, namespace, key, session_id, step_id)
                if done is not None:
                    return done
            current = _current(con, namespace, key)
            live = current is not None and (current[5] is None or current[5] > now)
            new_value = value
            if merge and live:
                old_value = json.loads(current[2])
                if not isinstance(old_value, dict):
                    raise InputError(
                        f"cannot merge into {namespace}/{key}: the stored value is "
                        f"{_json_kind(old_value)}, not an object",
                        where="value",
                        hint="store without --merge to replace it",
                    )
                new_value = deep_merge(old_value, value)
            record = _Record(
                namespace,
                key,
                new_value,
                encode_value(new_value),
                created_at=current[3] if live else now,
                updated_at=now,
                expires_at=_expiry(now, seconds),
                version=(current[6] + 1) if current is not None else 1,
            )
            _write_one(
                con,
                record,
                old=(current[7], current[8]) if current is not None else None,
                op="store",
                now=now,
                session_id=session_id,
                step_id=step_id,
            )
        return MemoryEntry(
            namespace, key, new_value, record.created_at, record.updated_at, record.expires_at, record.version
        )

    def store_many(
        self, items: Iterable[tuple[str, str, Any]], *, ttl: TTL | Literal["default"] = "default"
    ) -> int:
        """Write many (namespace, key, value) triples in one transaction (bulk loads, benchmarks).

        Same semantics as ``store`` without merge: each replaces its key and bumps its version.
        """
        now = self.db.clock()
        records: dict[tuple[str, str], _Record] = {}
        for i, (namespace, key, value) in enumerate(items):
            where = f"item {i}"
            ns_rules.check_namespace(namespace, where=f"{where}: namespace")
            ns_rules.check_key(key, where=f"{where}: key")
            seconds = resolve_ttl(namespace, ttl)
            records[(namespace, key)] = _Record(
                namespace, key, value, encode_value(value, where=where), now, now, _expiry(now, seconds), 1
            )
        with self.db.transaction() as con:
            _write_records(con, list(records.values()), op="store", now=now, bump_versions=True)
        return len(records)

    def delete(self, namespace: str, key: str) -> bool:
        """Remove a key; True if a live entry was deleted (an expired one is removed silently)."""
        ns_rules.check_namespace(namespace)
        ns_rules.check_key(key)
        with self.db.transaction() as con:
            now = self.db.clock()
            row = _current(con, namespace, key)
            if row is None:
                return False
            version, expires_at, entry_id, row_id = row[6], row[5], row[7], row[8]
            live = expires_at is None or expires_at > now
            con.execute("DELETE FROM memory_fields WHERE entry_id = ?", [entry_id])
            con.execute("DELETE FROM memory_entries WHERE rowid = ?", [row_id])
            con.execute(
                "INSERT INTO memory_history VALUES (?, ?, ?, ?, NULL, ?, ?, NULL, NULL)",
                [namespace, key, version, "delete" if live else "prune", now, expires_at],
            )
        return live

    def prune(self) -> int:
        """Delete every expired entry (with a history row each); returns how many."""
        with self.db.transaction() as con:
            now = self.db.clock()
            count = _one(con.execute("SELECT count(*) FROM memory_entries WHERE expires_at <= ?", [now]))[0]
            if count:
                con.execute(
                    "INSERT INTO memory_history SELECT namespace, key, version, 'prune', NULL, ?, "
                    "expires_at, NULL, NULL FROM memory_entries WHERE expires_at <= ?",
                    [now, now],
                )
                con.execute(
                    "DELETE FROM memory_fields WHERE entry_id IN "
                    "(SELECT id FROM memory_entries WHERE expires_at <= ?)",
                    [now],
                )
                con.execute("DELETE FROM memory_entries WHERE expires_at <= ?", [now])
        return count

    # -- reading ----------------------------------------------------------------
    def get(self, namespace: str, key: str) -> MemoryEntry | None:
        """The live entry, or None if absent or expired."""
        ns_rules.check_namespace(namespace)
        ns_rules.check_key(key)
        with self.db.connection() as con:
            row = _current(con, namespace, key)
        now = self.db.clock()
        return MemoryEntry.from_row(row) if row and (row[5] is None or row[5] > now) else None

    def retrieve(self, namespace: str, key: str) -> MemoryEntry:
        """The live entry; NotFoundError (exit 1) if absent or expired."""
        entry = self.get(namespace, key)
        if entry is None:
            raise NotFoundError(
                f"no entry {key!r} in namespace {namespace!r} (absent or expired)",
                where=f"{namespace}/{key}",
                hint="`axtui memory list --namespace NS` shows what is stored",
            )
        return entry

    def list(
        self, namespace: str | None = None, *, prefix: str | None = None, limit: int | None = None
    ) -> list[MemoryEntry]:
        """Live entries ordered by namespace then key, optionally under a key prefix."""
        sql = f"SELECT {_COLUMNS} FROM memory_entries WHERE {_LIVE}"
        params: list[Any] = [self.db.clock()]
        if namespace is not None:
            ns_rules.check_namespace(namespace)
            sql += " AND namespace = ?"
            params.append(namespace)
        if prefix:
            sql += " AND starts_with(key, ?)"
            params.append(prefix)
        sql += " ORDER BY namespace, key"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(_check_limit(limit))
        with self.db.connection() as con:
            rows = con.execute(sql, params).fetchall()
        return [MemoryEntry.from_row(r) for r in rows]

    def search(self, query: str, *, namespace: str | None = None, limit: int = 20) -> list[SearchHit]:
        """Entries matching a section-7 query, best first (score, then most recently updated)."""
        if namespace is not None:
            ns_rules.check_namespace(namespace)
        ast = parse(query)
        limit = _check_limit(limit)
        now = self.db.clock()
        with self.db.connection() as con:
            rows = run_search(con, ast, now=now, namespace=namespace, limit=limit)
        return [SearchHit(MemoryEntry.from_row(r), float(r[7])) for r in rows]

    def history(self, namespace: str, key: str) -> list[dict[str, Any]]:
        """Every recorded change of a key, oldest first (values of stores and imports included)."""
        ns_rules.check_namespace(namespace)
        ns_rules.check_key(key)
        with self.db.connection() as con:
            rows = con.execute(
                "SELECT version, op, value, changed_at, expires_at, session_id, step_id "
                "FROM memory_history WHERE namespace = ? AND key = ? "
                "ORDER BY changed_at, version",
                [namespace, key],
            ).fetchall()
        return [
            {
                "version": v,
                "op": op,
                "value": json.loads(val) if val is not None else None,
                "changed_at": iso_exact(at),
                "expires_at": iso_exact(exp),
                "session_id": sid,
                "step_id": step,
            }
            for v, op, val, at, exp, sid, step in rows
        ]

    def namespaces(self) -> list[NamespaceInfo]:
        """The PRD namespaces (always) and every namespace holding live entries, with counts."""
        with self.db.connection() as con:
            counts = dict(
                con.execute(
                    f"SELECT namespace, count(*) FROM memory_entries WHERE {_LIVE} GROUP BY namespace",
                    [self.db.clock()],
                ).fetchall()
            )
        names = sorted(set(ns_rules.PRD_NAMESPACES) | set(counts))
        return [
            NamespaceInfo(n, counts.get(n, 0), ns_rules.default_ttl(n), ns_rules.describe(n)) for n in names
        ]

    # -- export / import ----------------------------------------------------------
    def export(self, path: str | Path, *, namespace: str | None = None) -> int:
        """Write live entries to ``.json`` or ``.parquet``; ``import_file`` restores them exactly."""
        path = Path(path)
        fmt = _format_of(path)
        entries = self.list(namespace)
        if path.parent and not path.parent.exists():
            raise InputError(
                "the folder for the export file does not exist",
                where=str(path),
                hint="create the folder first or choose another -o path",
            )
        tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
        try:
            if fmt == "json":
                doc = {
                    "format": EXPORT_FORMAT,
                    "version": EXPORT_VERSION,
                    "exported_at": iso_exact(self.db.clock()),
                    "namespace": namespace,
                    "entries": [e.to_dict() for e in entries],
                }
                tmp.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
            else:
                _write_parquet(tmp, entries)
            os.replace(tmp, path)
        except OSError as exc:
            raise InputError(
                f"cannot write the export file: {exc.strerror}",
                where=str(path),
                hint="choose a writable -o path",
            ) from exc
        finally:
            tmp.unlink(missing_ok=True)
        return len(entries)

    def import_file(self, path: str | Path) -> int:
        """Load an export (all or nothing); each imported key replaces the stored one exactly."""
        path = Path(path)
        fmt = _format_of(path)
        if not path.is_file():
            raise InputError(
                "the import file does not exist",
                where=str(path),
                hint="give the path of a file written by `axtui memory export`",
            )
        raw = _read_json_records(path) if fmt == "json" else _read_parquet_records(path)
        records: dict[tuple[str, str], _Record] = {}
        for i, item in enumerate(raw):
            record = _record_from_import(item, where=f"{path}: record {i}")
            if (record.namespace, record.key) in records:
                raise InputError(
                    f"record {i} repeats {record.namespace}/{record.key}",
                    where=str(path),
                    hint="each namespace/key may appear once in an import file",
                )
            records[(record.namespace, record.key)] = record
        with self.db.transaction() as con:
            _write_records(con, list(records.values()), op="import", now=self.db.clock())
        return len(records)

    # -- internals ----------------------------------------------------------------
    def _idempotent_result(
        self, con: Any, namespace: str, key: str, session_id: str, step_id: str | None
    ) -> MemoryEntry | None:
        row = _one(
            con.execute(
                "SELECT version, value, changed_at, expires_at FROM memory_history "
                "WHERE session_id = ? AND step_id IS NOT DISTINCT FROM ? AND namespace = ? "
                "AND key = ? AND op = 'store' ORDER BY changed_at DESC, version DESC LIMIT 1",
                [session_id, step_id, namespace, key],
            )
        )
        if row is None:
            return None
        current = _current(con, namespace, key)
        if current is not None and current[6] >= row[0]:
            return MemoryEntry.from_row(current)
        version, value, changed_at, expires_at = row
        return MemoryEntry(namespace, key, json.loads(value), changed_at, changed_at, expires_at, version)


# -- helpers -------------------------------------------------------------------


def _current(con: Any, namespace: str, key: str) -> tuple[Any, ...] | None:
    """The stored row of a key, expired or not: entry columns, then id and rowid.

    Shaped so DuckDB uses the ART index on ``key`` (it only does when that equality is
    a scan's sole filter; the primary key's two-column index is never used for reads).
    """
    return _one(
        con.execute(
            f"WITH c AS MATERIALIZED (SELECT {_COLUMNS}, id, rowid AS row_id FROM memory_entries "
            "WHERE key = ?) SELECT * FROM c WHERE namespace = ?",
            [key, namespace],
        )
    )


def _one(result: Any) -> tuple[Any, ...] | None:
    """First row of a result, consuming it all (DuckDB refuses new work on a half-read result)."""
    rows = result.fetchall()
    return rows[0] if rows else None


def _json_kind(value: Any) -> str:
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


def _expiry(now: datetime, seconds: float | None) -> datetime | None:
    return None if seconds is None else now + timedelta(seconds=seconds)


def _check_limit(limit: Any) -> int:
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise InputError(
            f"limit must be a positive whole number, not {limit!r}", where="limit", hint="e.g. --limit 20"
        )
    return limit


def _write_one(
    con: Any,
    record: _Record,
    *,
    old: tuple[int, int] | None,
    op: str,
    now: datetime,
    session_id: str | None,
    step_id: str | None,
) -> None:
    """Replace one entry with point statements (the bulk path's temp tables cost more than they save)."""
    source = (
        "SELECT ?::BIGINT AS id, ?::VARCHAR AS namespace, ?::VARCHAR AS key, ?::JSON AS value, "
        "?::TIMESTAMP AS updated_at, ?::TIMESTAMP AS expires_at"
    )
    entry_id = _one(con.execute("SELECT nextval('memory_entry_ids')"))[0]
    source_params = [
        entry_id,
        record.namespace,
        record.key,
        record.text,
        record.updated_at,
        record.expires_at,
    ]
    text = _one(
        con.execute(
            f"SELECT search_text FROM ({search_text_sql(source, scalars_sql(source))})", source_params * 2
        )
    )[0]
    row = [
        record.text,
        record.created_at,
        record.updated_at,
        record.expires_at,
        record.version,
        entry_id,
        text,
    ]
    if old is not None:  # (entry id, rowid) of the row being replaced
        con.execute("DELETE FROM memory_fields WHERE entry_id = ?", [old[0]])
        con.execute(
            "UPDATE memory_entries SET value = ?, created_at = ?, updated_at = ?, expires_at = ?, "
            "version = ?, id = ?, search_text = ? WHERE rowid = ?",
            [*row, old[1]],
        )
    else:
        con.execute(
            "INSERT INTO memory_entries VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [record.namespace, record.key, *row],
        )
    con.execute(f"INSERT INTO memory_fields {fields_sql(scalars_sql(source))}", source_params)
    con.execute(
        "INSERT INTO memory_history VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            record.namespace,
            record.key,
            record.version,
            op,
            record.text,
            now,
            record.expires_at,
            session_id,
            step_id,
        ],
    )


def _write_records(
    con: Any,
    records: list[_Record],
    *,
    op: str,
    now: datetime,
    bump_versions: bool = False,
    session_id: str | None = None,
    step_id: str | None = None,
) -> None:
    """Replace entries in bulk: stage them as an Arrow table, then let DuckDB write the entry rows,
    their field rows, their search text and one history row each, in a handful of statements.

    With ``bump_versions`` each version is the stored one + 1 and a live entry keeps its
    created_at (bulk store); otherwise the records' own versions and times are kept (import).
    """
    if not records:
        return
    import pyarrow as pa

    batch = pa.table(
        {
            "namespace": pa.array([r.namespace for r in records], pa.string()),
            "key": pa.array([r.key for r in records], pa.string()),
            "value": pa.array([r.text for r in records], pa.string()),
            "created_at": pa.array([r.created_at for r in records], pa.timestamp("us")),
            "updated_at": pa.array([r.updated_at for r in records], pa.timestamp("us")),
            "expires_at": pa.array([r.expires_at for r in records], pa.timestamp("us")),
            "version": pa.array([r.version for r in records], pa.int32()),
        }
    )
    if bump_versions:
        version_sql = "coalesce(e.version, 0) + 1"
        created_sql = (
            "CASE WHEN e.expires_at IS NULL OR e.expires_at > b.updated_at "
            "THEN coalesce(e.created_at, b.created_at) ELSE b.created_at END"
        )
    else:
        version_sql, created_sql = "b.version", "b.created_at"
    con.register("axtui_batch", batch)
    try:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE axtui_staged AS "
            "SELECT nextval('memory_entry_ids') AS id, b.namespace, b.key, b.value::JSON AS value, "
            f"{created_sql} AS created_at, b.updated_at, b.expires_at, "
            f"({version_sql})::INTEGER AS version, e.id AS old_id "
            "FROM axtui_batch b LEFT JOIN memory_entries e ON e.namespace = b.namespace AND e.key = b.key"
        )
    finally:
        con.unregister("axtui_batch")
    staged = "SELECT * FROM axtui_staged"
    con.execute(f"CREATE OR REPLACE TEMP TABLE axtui_scalars AS {scalars_sql(staged)}")
    scalars = "SELECT * FROM axtui_scalars"
    con.execute(
        "DELETE FROM memory_fields WHERE entry_id IN "
        "(SELECT old_id FROM axtui_staged WHERE old_id IS NOT NULL)"
    )
    con.execute(
        "INSERT INTO memory_entries SELECT s.namespace, s.key, s.value, s.created_at, s.updated_at, "
        "s.expires_at, s.version, s.id, t.search_text FROM axtui_staged s "
        f"JOIN ({search_text_sql(staged, scalars)}) t ON t.id = s.id ORDER BY s.updated_at "
        "ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value, "
        "created_at = excluded.created_at, updated_at = excluded.updated_at, "
        "expires_at = excluded.expires_at, version = excluded.version, id = excluded.id, "
        "search_text = excluded.search_text"
    )
    # rows land in time order, so DuckDB's per-row-group min/max of updated_at lets a
    # recent-window search skip the older row groups
    con.execute(f"INSERT INTO memory_fields SELECT * FROM ({fields_sql(scalars)}) ORDER BY updated_at")
    con.execute(
        "INSERT INTO memory_history SELECT namespace, key, version, ?, value, ?, expires_at, ?, ? "
        "FROM axtui_staged",
        [op, now, session_id, step_id],
    )
    con.execute("DROP TABLE axtui_scalars")
    con.execute("DROP TABLE axtui_staged")


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
        doc = json.loads(path.read_text(encoding="utf-8"))
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
            row["value"] = json.loads(text)
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


def _record_from_import(item: Any, *, where: str) -> _Record:
    if not isinstance(item, dict):
        raise InputError(
            f"an entry must be an object, not {_json_kind(item)}",
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
    return _Record(namespace, key, item["value"], text, created, updated, expires, version)
