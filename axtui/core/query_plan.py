"""Memory search, which SQL to run: planned from the query's shape and its terms' frequencies.

The plans (bench/memory_search.md has their timings at a million entries):

* a lone ``field:value`` whose hashes have few index rows (``INDEX_FETCH_MAX``, counted
  first by a capped count that reads no column, so the ART index answers it in a
  millisecond): fetched through the index on ``fv_hash``, one query; fetching the
  columns of capped rows in the same statement was tried and is slower for values with
  a few thousand rows (DuckDB's index scan then reads every matching row first);
* any other lone field or range term: ranked and limited inside ``memory_fields``, one query;
* several terms, one of them at least a field, range or key term: one set-algebra
  query (``compile_set_search``): every term's id set is computed once, whatever the
  recency of its entries, so a sparse AND or OR costs what its terms cost;
* a timestamp range closed at both ends: the set-algebra query of one term
  (``_bounded_timestamp_range``);
* words and phrases only, or one other range, key or prefix term: the newest hour, day, week
  and month are tried in turn
  (zone maps on ``updated_at`` skip older row groups), stopping as soon as one holds
  ``limit`` results — valid because without OR every result has the same score.

Every ``field:value`` term is normalised and hashed without a round trip when its text is
ASCII and not a number (``local_keys``), else in one round trip for the whole query
(``equality_keys_many``).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from axtui.core.query import equality_keys_many
from axtui.core.query_parser import Field, Node, Range
from axtui.core.query_sql import (
    Resolver,
    _leaves,
    compile_search,
    compile_set_search,
    has_or,
    wants_set_algebra,
)

INDEX_FETCH_MAX = 200  # beyond this, fetching rows one by one through the index costs more than a scan
RECENCY_WINDOWS_S = (3600, 86_400, 7 * 86_400, 30 * 86_400)


def resolver(con: Any, node: Node) -> Resolver:
    """Normalised texts and hashes of every ``field:value`` term of ``node``, fetched in one query."""
    terms = [leaf for leaf, _ in _leaves(node) if isinstance(leaf, Field) and not leaf.prefix]
    unique = list({id(t): t for t in terms}.values())
    keys = dict(zip((id(t) for t in unique), equality_keys_many(con, unique), strict=True))

    def resolve(term: Field) -> list[tuple[str, int]]:
        return keys[id(term)]

    return resolve


def index_rows(con: Any, node: Node, resolve: Resolver) -> int | None:
    """How many field rows a lone ``field:value`` term's hashes have, counting no further than
    INDEX_FETCH_MAX + 1 (None for other queries). Cheap either way: DuckDB answers a bare
    ``fv_hash = ?`` from the ART index when few rows match, and a scan stops at the cap."""
    if not isinstance(node, Field) or node.prefix:
        return None
    capped = (
        f"SELECT count(*) FROM (SELECT 1 FROM memory_fields WHERE fv_hash = ? LIMIT {INDEX_FETCH_MAX + 1})"
    )
    return sum(con.execute(capped, [h]).fetchall()[0][0] for _, h in resolve(node))


def recency_windows(node: Node, now: datetime) -> list[datetime | None]:
    """Lower bounds on updated_at to try in turn, ending with None (everything).

    Without OR every result matches the same positive terms, so all scores are
    equal and the ranking is pure recency: if the newest hour already holds
    ``limit`` results they are exactly the top ones. Rows are stored in write
    order, so DuckDB's zone maps skip the older row groups of a narrow window.
    With OR, scores differ and the whole table is ranked at once.
    """
    if has_or(node):
        return [None]
    return [now - timedelta(seconds=s) for s in RECENCY_WINDOWS_S] + [None]


def _bounded_timestamp_range(node: Node) -> bool:
    """A timestamp range closed at both ends: selective, so it is planned as a one-term set
    (its ids inline, one ranking pass over the entries, as a hand-written query does):
    recency windows would only add round trips.

    Timestamps in memory values are written near their entry's own write time (events,
    logs, alerts), so the field rows lie in timestamp order and DuckDB's zone maps on
    ``ts_value`` skip all but a few row groups of one ranked query, while a window on
    ``updated_at`` mostly comes back short and costs another query (bench/memory_search.md:
    2x the hand-written query with the windows). Numbers are spread over every row group:
    the windows stay for them, and for open-ended ranges.
    """
    return isinstance(node, Range) and node.kind == "ts" and bool(node.low) and bool(node.high)


def run_search(con: Any, node: Node, *, now: datetime, namespace: str | None, limit: int) -> list[tuple]:
    """The rows of ``compile_search``/``compile_set_search`` (entry columns, then score), best first."""
    resolve = resolver(con, node)
    if wants_set_algebra(node) or _bounded_timestamp_range(node):
        sql, params = compile_set_search(node, now=now, namespace=namespace, limit=limit, resolve=resolve)
        return con.execute(sql, params).fetchall()
    count = index_rows(con, node, resolve)
    if count is not None:  # a lone field:value: through the index when rare, else one ranked scan
        sql, params = compile_search(
            node,
            now=now,
            namespace=namespace,
            limit=limit,
            resolve=resolve,
            by_hash_index=count <= INDEX_FETCH_MAX,
        )
        return con.execute(sql, params).fetchall()
    windows = recency_windows(node, now)
    if len(windows) > 1:
        oldest = con.execute("SELECT min(updated_at) FROM memory_entries").fetchone()[0]
        windows = [w for w in windows if w is None or (oldest and w > oldest)]
    rows: list[tuple] = []
    for since in windows:  # newest first; stop once the limit is filled
        sql, params = compile_search(
            node, now=now, namespace=namespace, limit=limit, resolve=resolve, since=since
        )
        rows = con.execute(sql, params).fetchall()
        if len(rows) >= limit:
            break
    return rows
