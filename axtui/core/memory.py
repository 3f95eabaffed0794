"""Memory namespaces: keyed JSON values with TTL, deep merge, versions, history and search.

Every write goes through ``store.transaction()`` and keeps three tables in step:
``memory_entries`` (the live value), ``memory_fields`` (its indexed scalars,
for ``field:value`` search) and ``memory_history`` (one row per store, delete,
prune or import). Expired entries stay on disk until ``prune`` but are never
returned by anything here.

This module is the API (``Memory``: CRUD and search); the jobs behind it live in
``memory_types`` (records, TTL, merge, value rules), ``memory_write`` (the write and
index path), ``memory_index`` (the linear value walk) and ``memory_io`` (export/import).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

from axtui.core import namespaces as ns_rules
from axtui.core.memory_types import (
    EXPORT_FORMAT,
    EXPORT_VERSION,
    MAX_TTL_SECONDS,
    TTL,
    MemoryEntry,
    NamespaceInfo,
    SearchHit,
    deep_merge,
    encode_value,
    iso_exact,
    parse_iso,
    resolve_ttl,
)
from axtui.core.memory_types import Record as _Record
from axtui.core.memory_types import check_limit as _check_limit
from axtui.core.memory_types import expiry as _expiry
from axtui.core.memory_types import json_kind as _json_kind
from axtui.core.memory_write import COLUMNS as _COLUMNS
from axtui.core.memory_write import current as _current
from axtui.core.memory_write import one as _one
from axtui.core.memory_write import write_one as _write_one
from axtui.core.memory_write import write_records as _write_records
from axtui.core.store import Store
from axtui.errors import InputError, NotFoundError

__all__ = [
    "EXPORT_FORMAT",
    "EXPORT_VERSION",
    "MAX_TTL_SECONDS",
    "TTL",
    "Memory",
    "MemoryEntry",
    "NamespaceInfo",
    "SearchHit",
    "deep_merge",
    "encode_value",
    "iso_exact",
    "parse_iso",
    "resolve_ttl",
]

_LIVE = "(expires_at IS NULL OR expires_at > ?)"


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
        # The query language and its planner load with the first search, export or import:
        # a session that only writes memory (a ``--batch`` replay) never needs them.
        from axtui.core.query_parser import parse
        from axtui.core.query_plan import run_search

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
    def export(self, path: str | Path, *, namespace: str | None = None, force: bool = False) -> int:
        """Write live entries to ``.json`` or ``.parquet``; ``import_file`` restores them exactly.

        An existing file is replaced only with ``force``; a folder or a missing folder is refused."""
        from axtui.core.memory_io import export_entries

        return export_entries(self, Path(path), namespace=namespace, force=force)

    def import_file(self, path: str | Path) -> int:
        """Load an export (all or nothing); each imported key replaces the stored one exactly."""
        from axtui.core.memory_io import read_import

        records = read_import(Path(path))
        with self.db.transaction() as con:
            _write_records(con, records, op="import", now=self.db.clock())
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
