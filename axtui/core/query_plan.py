"""Memory search, which SQL to run: planned from the query's shape and its terms' frequencies.

The plans (bench/memory_search.md has their timings at a million entries):

* a lone ``field:value``: a statement fetching the entry ids of its hashes through the ART
  index, capped at ``INDEX_FETCH_MAX + 1`` rows (DuckDB takes the index only up to
  ``store.INDEX_SCAN_MAX_ROWS`` rows, else scans until the cap): a rare value's ids are then
  ranked among the entries by a second statement with the ids as constants (none: no second
  statement); a capped one is ranked and limited inside ``memory_fields`` instead;
* any other lone field or range term: ranked and limited inside ``memory_fields``, one query;
  a timestamp range closed at both ends without windows (``_bounded_timestamp_range``): its
  ``limit`` newest field rows, then their entries (``_closed_range``);
* several terms, one of them at least a field, range or key term, with OR: one statement, every
  term computed once over the whole store (scores differ, so an old entry matching more terms
  can outrank every recent one); with ``field:value`` terms only, ranked from the field rows
  and only the winners joined to the entries (``_scored``);
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
    LEAF_WEIGHT,
    Resolver,
    _leaves,
    compile_capped_fetch,
    compile_entries_by_id,
    compile_flag_search,
    compile_id_span,
    compile_range_top,
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
    """A lone ``field:value``: its entry ids through the ART index, at most INDEX_FETCH_MAX + 1,
    then, when that is all of them, the live ones among those ids ranked (none: no second
    statement); more, and it is ranked and limited inside memory_fields instead.

    Two small statements: the ids as constants keep the entries' scan to their row groups by the
    zone maps on ``id``, where one statement joining the fetch to the entries took 1.8x as long
    at a million entries (the join's filter is only known once the fetch has run)."""
    if INDEX_FETCH_MAX >= 0:
        fetch = compile_capped_fetch(node, resolve=plan["resolve"], cap=INDEX_FETCH_MAX)
        ids = [row[0] for row in con.execute(*fetch).fetchall()]
        if len(ids) <= INDEX_FETCH_MAX:
            if not ids:
                return []
            ranked = compile_entries_by_id(
                ids,
                now=plan["now"],
                namespace=plan["namespace"],
                limit=plan["limit"],
                score=LEAF_WEIGHT[Field],
            )
            return con.execute(*ranked).fetchall()
    return con.execute(*compile_search(node, **plan)).fetchall()


def _closed_range(con: Any, node: Range, plan: dict[str, Any]) -> list[tuple]:
    """A closed timestamp range: its ``limit`` newest field rows, then their entries
    (``compile_range_top``); again without duplicates only if array elements took places."""
    rows = con.execute(*compile_range_top(node, **plan)).fetchall()
    if rows and rows[0][-1] == plan["limit"] and len(rows) < plan["limit"]:
        return con.execute(*compile_set_search(node, **plan)).fetchall()
    return [row[:-1] for row in rows]


def _scored(con: Any, node: Node, plan: dict[str, Any]) -> list[tuple]:
    """A query with OR: ranked from its field rows (``compile_flag_search``) when its terms are all
    ``field:value`` and that answer is complete, else the flags pass over every term."""
    flagged = compile_flag_search(node, **plan)
    if flagged is not None:
        rows = con.execute(*flagged).fetchall()
        hits = [row[:-1] for row in rows if row[0] is not None]
        if len(hits) == plan["limit"] or not rows[0][-1]:
            return hits
    return con.execute(*compile_set_search(node, **plan)).fetchall()


def _set_algebra(con: Any, node: Node, plan: dict[str, Any]) -> list[tuple]:
    """Several terms, one a field, range or key term at least. With OR the scores differ
    (``_scored``); without, every hit has the same score: by recency, a required closed timestamp
    range first, else newest slice first."""
    if is_scored(node):
        return _scored(con, node, plan)
    required = _required_timestamp_range(node)
    if required is not None:
        return _within_range_ids(con, node, required, plan)

    def compile_slice(lower: datetime | None, upper: datetime | None, wanted: int) -> Statement:
        return compile_set_search(node, since=lower, until=upper, **{**plan, "limit": wanted})

    return _windowed(con, compile_slice, plan["limit"])


def run_search(con: Any, node: Node, *, now: datetime, namespace: str | None, limit: int) -> list[tuple]:
    """The rows of ``compile_search``/``compile_set_search`` (entry columns, then score), best first."""
    plan: dict[str, Any] = {
        "now": now,
        "namespace": namespace,
        "limit": limit,
        "resolve": resolver(con, node),
    }
    if isinstance(node, Range) and _bounded_timestamp_range(node):
        return _closed_range(con, node, plan)
    if wants_set_algebra(node):
        return _set_algebra(con, node, plan)
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
