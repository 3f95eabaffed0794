"""The write path of memory: one entry with point statements, many through staged tables.

Each write replaces the entry row, its ``memory_fields`` rows (indexed scalars, walked
by ``memory_index`` in time linear in the value) and appends one ``memory_history`` row,
inside the caller's ``store.transaction()``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from axtui.core.memory_index import (
    INLINE_RAW,
    drop_staged,
    inline_scalars,
    stage_scalars,
    staged_scalars_sql,
)
from axtui.core.memory_types import Record
from axtui.core.query_index import fields_sql, search_text_sql
from axtui.core.store import full_duckdb

COLUMNS = "namespace, key, value, created_at, updated_at, expires_at, version"


def current(con: Any, namespace: str, key: str) -> tuple[Any, ...] | None:
    """The stored row of a key, expired or not: entry columns, then id and rowid.

    Shaped so DuckDB uses the ART index on ``key`` (it only does when that equality is
    a scan's sole filter; the primary key's two-column index is never used for reads).
    """
    return one(
        con.execute(
            f"WITH c AS MATERIALIZED (SELECT {COLUMNS}, id, rowid AS row_id FROM memory_entries "
            "WHERE key = ?) SELECT * FROM c WHERE namespace = ?",
            [key, namespace],
        )
    )


def one(result: Any) -> tuple[Any, ...] | None:
    """First row of a result, consuming it all (DuckDB refuses new work on a half-read result)."""
    rows = result.fetchall()
    return rows[0] if rows else None


def write_one(
    con: Any,
    record: Record,
    *,
    old: tuple[int, int] | None,
    op: str,
    now: datetime,
    session_id: str | None,
    step_id: str | None,
) -> None:
    """Replace one entry with point statements (the bulk path's temp tables cost more than they save).

    The value's scalars are walked in Python (``memory_index``), never by ``json_tree``."""
    entry_id = one(con.execute("SELECT nextval('memory_entry_ids')"))[0]
    source = (
        "SELECT ?::BIGINT AS id, ?::VARCHAR AS namespace, ?::VARCHAR AS key, "
        "?::TIMESTAMP AS updated_at, ?::TIMESTAMP AS expires_at"
    )
    source_params = [entry_id, record.namespace, record.key, record.updated_at, record.expires_at]
    scalar_params = [*source_params, *inline_scalars(entry_id, record.value)]
    scalars = staged_scalars_sql(source, INLINE_RAW)
    text = one(
        con.execute(
            f"SELECT search_text FROM ({search_text_sql(source, scalars)})", [*source_params, *scalar_params]
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
    con.execute(f"INSERT INTO memory_fields {fields_sql(scalars)}", scalar_params)
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


def write_records(
    con: Any,
    records: list[Record],
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
    full_duckdb()  # the Arrow scan of ``batch`` needs the package's Python layer (core/store.py)
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
    ids = {
        (ns, key): i for i, ns, key in con.execute("SELECT id, namespace, key FROM axtui_staged").fetchall()
    }
    stage_scalars(con, ((ids[(r.namespace, r.key)], r.value) for r in records))
    staged = "SELECT id, namespace, key, updated_at, expires_at FROM axtui_staged"
    con.execute(f"CREATE OR REPLACE TEMP TABLE axtui_scalars AS {staged_scalars_sql(staged)}")
    drop_staged(con)
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
