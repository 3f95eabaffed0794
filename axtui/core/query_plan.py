"""Memory search, which SQL to run: planned from the query's shape and its terms' frequencies.

The plans (bench/memory_search.md has their timings at a million entries):

* a lone ``field:value``: one statement fetching the entry ids of its hashes through the ART
  index, capped at ``INDEX_FETCH_MAX + 1`` rows (DuckDB takes the index only up to
  ``store.INDEX_SCAN_MAX_ROWS`` rows, else scans until the cap): a rare value is answered
  there, and so is one with no live match; a capped one is ranked and limited inside
  ``memory_fields`` by a second statement;
* any other lone field or range term: ranked and limited inside ``memory_fields``, one query;
  a timestamp range closed at both ends without windows (``_bounded_timestamp_range``), as
  the set-algebra statement of one term: its entry ids, then the entries ranked (no sort of the
  field rows by their entry's recency, which cost 1.2x the hand-written query);
* several terms, one of them at least a field, range or key term, with OR: one statement
  (``compile_set_search``), every term computed once over the whole store (scores differ,
  so an old entry matching more terms can outrank every recent one);
* the same without OR: every hit has the same score, so the ranking is pure recency and the
  set-algebra statement runs on disjoint recency slices (``_windowed``): the newest hour, then
  older slices sized by the density of hits so far, until ``limit`` hits are found or a slice
  reaches the oldest entry (no row group is read twice); a query that requires a closed
  timestamp range runs once, kept to the entry ids the range spans (``_within_range_ids``);
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
    compile_id_span,
    compile_search,
    compile_set_search,
    has_or,
    is_scored,
    wants_set_algebra,
)

INDEX_FETCH_MAX = 200  # beyond this, fetching rows one by one through the index costs more than a scan
RECENCY_WINDOWS_S = (3600, 86_400, 7 * 86_400, 30 * 86_400)
FIRST_SET_WINDOW = timedelta(hours=1)
EMPTY_WINDOW_GROWTH = 8  # an empty slice: the next one reaches 8x as far back
WHOLE_PASS_SHARE = 4  # a slice that would leave less than a quarter of the store behind takes the rest
SLICE_MARGIN = 1.2  # the next slice reaches 1.2x as far back as the density of hits so far says limit needs

Statement = tuple[str, list[Any]]
SliceCompiler = Callable[[datetime | None, datetime | None, int], Statement]  # (lower, upper, limit)


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
    ``ts_value`` skip all but a few row groups: a lone range, and a query that requires one
    (``model:x AND at:[a TO b]``), is one set-algebra statement, while a window on
    ``updated_at`` would mostly come back short and cost another
    (bench/memory_search.md: 2x the hand-written query with the windows). Numbers are spread
    over every row group: the windows stay for them, and for open-ended ranges.
    """
    return isinstance(node, Range) and node.kind == "ts" and bool(node.low) and bool(node.high)


def _required_timestamp_range(node: Node) -> Range | None:
    """A closed timestamp range that every hit must match (a top-level AND operand), if any."""
    children = node.children if isinstance(node, And) else (node,)
    return next((c for c in children if isinstance(c, Range) and _bounded_timestamp_range(c)), None)


def _within_range_ids(con: Any, node: Node, required: Range, plan: dict[str, Any]) -> list[tuple]:
    """A query without OR that requires a closed timestamp range: the entry ids the range spans
    first (a few row groups), then the set-algebra statement kept to that span, so the other
    terms' scans read those row groups only instead of all of ``memory_fields`` (exact: every hit
    is one of the range's entries). No match of the range: no hit, no second statement."""
    low, high = con.execute(*compile_id_span(required, plan["resolve"])).fetchone()
    if low is None:
        return []
    return con.execute(*compile_set_search(node, ids=(low, high), **plan)).fetchall()


def _windowed(con: Any, compile_for: SliceCompiler, limit: int) -> list[tuple]:
    """The rows of a query without OR, newest slice of the store first: valid because every hit has
    the same score, so the ranking is pure recency and the hits of a slice all rank below those of
    the newer slices.

    The slices are disjoint (``updated_at`` in ``[lower, upper)``), so no row group is read twice:
    what a short slice cost is not paid again by the next one. The first is the newest hour; the
    next reaches back as far as the density of hits so far says ``limit`` needs, with a margin
    (``SLICE_MARGIN``; 8x as far back after an empty one, ``EMPTY_WINDOW_GROWTH``); a slice
    that would leave less than a quarter of the store behind it takes the rest. Each slice asks
    only for the hits still missing.
    """
    oldest, newest = con.execute("SELECT min(updated_at), max(updated_at) FROM memory_entries").fetchone()
    if newest is None:
        return con.execute(*compile_for(None, None, limit)).fetchall()
    rows: list[tuple] = []
    upper: datetime | None = None
    span = FIRST_SET_WINDOW
    while True:
        lower: datetime | None = newest - span
        if span * WHOLE_PASS_SHARE >= (newest - oldest) * (WHOLE_PASS_SHARE - 1):
            lower = None  # what is left is small: read it all in this slice
        rows += con.execute(*compile_for(lower, upper, limit - len(rows))).fetchall()
        if len(rows) >= limit or lower is None:
            return rows
        upper, span = lower, _next_span(span, len(rows), limit)


def _next_span(span: timedelta, found: int, limit: int) -> timedelta:
    """How far back the next slice should reach, from the hits found in the newest ``span``."""
    if not found:
        return span * EMPTY_WINDOW_GROWTH
    return max(span * SLICE_MARGIN * limit / found, span * 2)


def _lone_field(con: Any, node: Field, plan: dict[str, Any]) -> list[tuple]:
    """A lone ``field:value``: one statement when the value is rare (at most INDEX_FETCH_MAX rows,
    fetched through the ART index, none at all included), else a second one ranked and limited
    inside memory_fields. The first one's rows end with the count ``n``; without a live match it
    is one row of NULL entry columns (``namespace`` is never NULL in an entry)."""
    if INDEX_FETCH_MAX >= 0:
        rows = con.execute(*compile_capped_search(node, cap=INDEX_FETCH_MAX, **plan)).fetchall()
        if rows[0][-1] <= INDEX_FETCH_MAX:
            return [row[:-1] for row in rows if row[0] is not None]
    return con.execute(*compile_search(node, **plan)).fetchall()


def run_search(con: Any, node: Node, *, now: datetime, namespace: str | None, limit: int) -> list[tuple]:
    """The rows of ``compile_search``/``compile_set_search`` (entry columns, then score), best first."""
    plan: dict[str, Any] = {
        "now": now,
        "namespace": namespace,
        "limit": limit,
        "resolve": resolver(con, node),
    }
    if _bounded_timestamp_range(node):  # the hand-written form: its ids, then rank the entries
        return con.execute(*compile_set_search(node, **plan)).fetchall()
    if wants_set_algebra(node):
        if is_scored(node):
            return con.execute(*compile_set_search(node, **plan)).fetchall()
        required = _required_timestamp_range(node)
        if required is not None:
            return _within_range_ids(con, node, required, plan)

        def compile_slice(lower: datetime | None, upper: datetime | None, wanted: int) -> Statement:
            return compile_set_search(node, since=lower, until=upper, **{**plan, "limit": wanted})

        return _windowed(con, compile_slice, limit)
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
