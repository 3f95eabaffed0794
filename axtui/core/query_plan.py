"""Memory search, which SQL to run: planned from the query's shape and its terms' frequencies.

The plans (bench/memory_search.md has their timings at a million entries):

* a lone ``field:value``: one statement fetching the entry ids of its hashes through the ART
  index, capped at ``INDEX_FETCH_MAX + 1`` rows (DuckDB takes the index only up to
  ``store.INDEX_SCAN_MAX_ROWS`` rows, else scans until the cap): a rare value is answered
  there; a capped one (or one with no live match) is ranked and limited inside
  ``memory_fields`` by a second statement;
* any other lone field or range term: ranked and limited inside ``memory_fields``, one query;
  a timestamp range closed at both ends without windows (``_bounded_timestamp_range``);
* several terms, one of them at least a field, range or key term, with OR: one statement
  (``compile_set_search``), every term computed once over the whole store (scores differ,
  so an old entry matching more terms can outrank every recent one);
* the same without OR: every hit has the same score, so the ranking is pure recency and the
  set-algebra statement runs on recency windows (``_windowed``): the newest hour, then a span
  widened by what it found, until a window holds ``limit`` hits or covers the store; a query
  that requires a closed timestamp range runs once (the range prunes by itself);
* words and phrases only, or one other range, key or prefix term: the newest hour, day, week
  and month are tried in turn
  (zone maps on ``updated_at`` skip older row groups), stopping as soon as one holds
  ``limit`` results — valid because without OR every result has the same score.

Every ``field:value`` term is normalised and hashed without a round trip when its text is
ASCII and not a number (``local_keys``), else in one round trip for the whole query
(``equality_keys_many``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from axtui.core.query import equality_keys_many
from axtui.core.query_parser import And, Field, Node, Range
from axtui.core.query_sql import (
    Resolver,
    _leaves,
    compile_capped_search,
    compile_search,
    compile_set_search,
    has_or,
    is_scored,
    wants_set_algebra,
)

INDEX_FETCH_MAX = 200  # beyond this, fetching rows one by one through the index costs more than a scan
RECENCY_WINDOWS_S = (3600, 86_400, 7 * 86_400, 30 * 86_400)
FIRST_SET_WINDOW = timedelta(hours=1)
EMPTY_WINDOW_GROWTH = 24  # an empty first hour: try the day next
WHOLE_PASS_SHARE = 4  # a window wider than a quarter of the store costs about a whole pass: take that

Statement = tuple[str, list[Any]]


def resolver(con: Any, node: Node) -> Resolver:
    """Normalised texts and hashes of every ``field:value`` term of ``node``, fetched in one query."""
    terms = [leaf for leaf, _ in _leaves(node) if isinstance(leaf, Field) and not leaf.prefix]
    unique = list({id(t): t for t in terms}.values())
    keys = dict(zip((id(t) for t in unique), equality_keys_many(con, unique), strict=True))

    def resolve(term: Field) -> list[tuple[str, int]]:
        return keys[id(term)]

    return resolve


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
    """A timestamp range closed at both ends: selective, and already pruned by DuckDB's zone maps.

    Timestamps in memory values are written near their entry's own write time (events,
    logs, alerts), so the field rows lie in timestamp order and the min/max statistics on
    ``ts_value`` skip all but a few row groups: a lone range is ranked and limited in one
    statement, and a query that requires one (``model:x AND at:[a TO b]``) is one set-algebra
    statement, while a window on ``updated_at`` would mostly come back short and cost another
    (bench/memory_search.md: 2x the hand-written query with the windows). Numbers are spread
    over every row group: the windows stay for them, and for open-ended ranges.
    """
    return isinstance(node, Range) and node.kind == "ts" and bool(node.low) and bool(node.high)


def _requires_timestamp_range(node: Node) -> bool:
    children = node.children if isinstance(node, And) else (node,)
    return any(_bounded_timestamp_range(c) for c in children)


def _windowed(con: Any, compile_for: Callable[[datetime | None], Statement], limit: int) -> list[tuple]:
    """The rows of a query without OR, newest window first: valid because every hit has the same
    score, so the ``limit`` newest hits of a window holding that many are the top ones.

    The first window is the newest hour of the store; a short one is widened by what it found
    (twice the span the hits so far say ``limit`` needs, the day after an empty hour) until a
    window holds ``limit`` hits; a window that would span a quarter of the store or more reads
    about as much as the whole store, so the whole store is ranked at once instead. Dense
    queries read a few row groups, a sparse one one full pass plus the small windows before it.
    """
    oldest, newest = con.execute("SELECT min(updated_at), max(updated_at) FROM memory_entries").fetchone()
    span = FIRST_SET_WINDOW
    while newest is not None and span * WHOLE_PASS_SHARE < newest - oldest:
        rows = con.execute(*compile_for(newest - span)).fetchall()
        if len(rows) >= limit:
            return rows
        span *= -(-2 * limit // len(rows)) if rows else EMPTY_WINDOW_GROWTH
    return con.execute(*compile_for(None)).fetchall()


def _lone_field(con: Any, node: Field, plan: dict[str, Any]) -> list[tuple]:
    """A lone ``field:value``: one statement when the value is rare (at most INDEX_FETCH_MAX rows,
    fetched through the ART index) and has a live match, else a second one ranked and limited
    inside memory_fields (which also answers a value with no match)."""
    if INDEX_FETCH_MAX >= 0:
        rows = con.execute(*compile_capped_search(node, cap=INDEX_FETCH_MAX, **plan)).fetchall()
        if rows and rows[0][-1] <= INDEX_FETCH_MAX:
            return [row[:-1] for row in rows]
    return con.execute(*compile_search(node, **plan)).fetchall()


def run_search(con: Any, node: Node, *, now: datetime, namespace: str | None, limit: int) -> list[tuple]:
    """The rows of ``compile_search``/``compile_set_search`` (entry columns, then score), best first."""
    plan: dict[str, Any] = {
        "now": now,
        "namespace": namespace,
        "limit": limit,
        "resolve": resolver(con, node),
    }
    if _bounded_timestamp_range(node):
        return con.execute(*compile_search(node, **plan)).fetchall()
    if wants_set_algebra(node):
        if is_scored(node) or _requires_timestamp_range(node):
            return con.execute(*compile_set_search(node, **plan)).fetchall()
        return _windowed(con, lambda since: compile_set_search(node, since=since, **plan), limit)
    if isinstance(node, Field) and not node.prefix:
        return _lone_field(con, node, plan)
    windows = recency_windows(node, now)
    if len(windows) > 1:
        oldest = con.execute("SELECT min(updated_at) FROM memory_entries").fetchone()[0]
        windows = [w for w in windows if w is None or (oldest and w > oldest)]
    rows: list[tuple] = []
    for since in windows:  # newest first; stop once the limit is filled
        rows = con.execute(*compile_search(node, since=since, **plan)).fetchall()
        if len(rows) >= limit:
            break
    return rows
