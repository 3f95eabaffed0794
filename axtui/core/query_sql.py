"""Memory search, AST -> parameterised DuckDB SQL over the index tables (docs/memory.md).

The shapes of query, chosen by ``axtui.core.query_plan``:

* one ``field:value`` / range term, ranked and limited inside ``memory_fields``
  (``compile_search``, ``compile_range_top``); a rare ``field:value`` through the ART index on
  ``fv_hash`` (``compile_capped_fetch``), then its entries by id (``compile_entries_by_id``);
* several terms with at least one field, range or key term, without OR: **set algebra**
  over per-term id sets (``compile_set_search``), AND as INTERSECT, NOT as EXCEPT, the
  equality terms' rows from one scan; optionally restricted to a recency window. This is
  the query one writes by hand in DuckDB (bench/memory_search.py times both);
* with OR, where scores differ: every candidate's term flags from one grouped pass, the
  boolean and the score as expressions over them (``_scored_search``); with ``field:value``
  terms only, the flags and the ranking from the field rows alone (``compile_flag_search``);
* words and phrases only: one pass over ``memory_entries.search_text``
  (``compile_search``), optionally restricted to a recency window.

The score counts the positive terms an entry matches, field terms (field, key,
range) weighing twice a word; ties go to the most recently updated, then
namespace and key. User text only ever reaches SQL as a bound parameter.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from axtui.core.query_parser import (
    _DATE_RE,
    And,
    Field,
    Key,
    Leaf,
    Node,
    Not,
    Or,
    Range,
    Word,
    parse_number,
    parse_timestamp,
)

ENTRY_COLUMNS = "e.namespace, e.key, e.value, e.created_at, e.updated_at, e.expires_at, e.version"
LEAF_WEIGHT = {Word: 1.0, Field: 2.0, Key: 2.0, Range: 2.0}
MAX_HASH = 2**64 - 1  # fv_hash is a UBIGINT
SHARED_EQ_SCAN = True  # the equality terms of a query read memory_fields once (see compile_set_search)


def _leaves(node: Node, positive: bool = True) -> list[tuple[Leaf, bool]]:
    if isinstance(node, Not):
        return _leaves(node.child, False)
    if isinstance(node, And | Or):
        return [pair for child in node.children for pair in _leaves(child, positive)]
    return [(node, positive)]


def _range_bounds(node: Range) -> tuple[Any, Any]:
    if node.kind == "num":
        return (parse_number(node.low) if node.low else None, parse_number(node.high) if node.high else None)
    low = parse_timestamp(node.low) if node.low else None
    high = parse_timestamp(node.high) if node.high else None
    if high is not None and node.high is not None and _DATE_RE.fullmatch(node.high.strip()):
        high = high + timedelta(days=1) - timedelta(microseconds=1)  # a date means the whole day
    return low, high


Resolver = Callable[[Field], list[tuple[str, int]]]
IdSpan = tuple[int, int]  # the lowest and highest entry id a term matches


def _field_condition(
    node: Field | Range, params: list[Any], resolve: Resolver, *, verify: bool = True
) -> str:
    """WHERE clause over memory_fields selecting the rows a field term matches.

    An equality term filters on the 64-bit ``fv_hash``; ``verify`` also compares the
    field and text, which costs a string comparison per row: worth it where DuckDB
    stops early (top-N), not in a full scan, where a chance collision of two
    (field, text) hashes (about 1 in 10^12 for ten million distinct pairs) is the price.
    """
    if isinstance(node, Range):
        column = "num_value" if node.kind == "num" else "ts_value"
        low, high = _range_bounds(node)
        parts = []
        if low is not None:
            parts.append(f"{column} >= ?")
            params.append(low)
        if high is not None:
            parts.append(f"{column} <= ?")
            params.append(high)
        parts.append("field = ?")
        params.append(node.field)
        return " AND ".join(parts)
    if node.prefix:
        params.extend([node.field, node.value])
        return "field = ? AND starts_with(text_value, lower(?))"
    keys = resolve(node)
    params.extend(h for _, h in keys)
    if not verify:
        return f"fv_hash IN ({_hash_marks(len(keys))})"
    params.append(node.field)
    params.extend(t for t, _ in keys)
    texts = ", ".join("?" for _ in keys)
    return f"fv_hash IN ({_hash_marks(len(keys))}) AND field = ? AND text_value IN ({texts})"


def _hash_marks(count: int) -> str:
    """Placeholders for ``fv_hash`` values, cast to the column's UBIGINT.

    Untyped, a Python int binds as BIGINT (or HUGEINT) and DuckDB casts the column instead: a
    cast of every row that also keeps the filter from being pushed into the scan as it is.
    Typed, one hash is a plain ``fv_hash = ?`` filter (through the ART index only for a
    rare value: ``store.INDEX_SCAN_MAX_ROWS``), several an IN list.
    """
    return ", ".join("?::UBIGINT" for _ in range(count))


def _leaf_sql(node: Leaf, params: list[Any], resolve: Resolver, since: datetime | None = None) -> str:
    if isinstance(node, Word):
        params.append(node.text)
        return "contains(e.search_text, lower(?))"
    if isinstance(node, Key):
        params.append(node.value)
        return "starts_with(e.key, ?)" if node.prefix else "e.key = ?"
    condition = _field_condition(node, params, resolve, verify=False)
    if since is not None:  # field rows carry their entry's updated_at: prune old row groups here too
        condition += " AND updated_at >= ?"
        params.append(since)
    return f"e.id IN (SELECT entry_id FROM memory_fields WHERE {condition})"


def _bool_sql(node: Node, names: dict[int, str]) -> str:
    if isinstance(node, Not):
        return f"(NOT {_bool_sql(node.child, names)})"
    if isinstance(node, And):
        return "(" + " AND ".join(_bool_sql(c, names) for c in node.children) + ")"
    if isinstance(node, Or):
        return "(" + " OR ".join(_bool_sql(c, names) for c in node.children) + ")"
    return names[id(node)]


def compile_capped_fetch(node: Field, *, resolve: Resolver, cap: int) -> tuple[str, list[Any]]:
    """The entry ids of a lone ``field:value``, at most ``cap + 1`` of them, live or not.

    Each hash's rows are fetched by ``fv_hash = ?`` alone, the one filter DuckDB sends through
    the ART index (and only for a rare value, ``store.INDEX_SCAN_MAX_ROWS``; otherwise the scan
    stops after ``cap + 1`` rows). Only ``entry_id`` is read from the index's rows (each more
    column is another block to load for a cold value), so the hash is not checked against the
    field and text, as in the set-algebra plans (``_field_condition``). Up to ``cap`` ids are all
    the matches, for ``compile_entries_by_id``; more, and the caller ranks inside
    ``memory_fields`` instead (``compile_search``).
    """
    keys = resolve(node)
    params: list[Any] = [h for _, h in keys]
    fetch = " UNION ALL ".join("SELECT entry_id FROM memory_fields WHERE fv_hash = ?::UBIGINT" for _ in keys)
    params.append(cap + 1)
    return f"{fetch or 'SELECT NULL::BIGINT AS entry_id WHERE false'} LIMIT ?", params


def compile_entries_by_id(
    ids: list[int], *, now: datetime, namespace: str | None, limit: int, score: float
) -> tuple[str, list[Any]]:
    """The live entries among ``ids``, ranked: the second statement of a rare ``field:value``.

    The ids arrive as constants, so DuckDB's zone maps on ``id`` keep the scan to the row groups
    that hold them (one id: ``e.id = ?``; several: a list, which DuckDB joins as a small build
    side; an ``IN (?, ?, ...)`` of several constants reads every row between the lowest and the
    highest, 50 ms for five ids spread over a million entries). At a million entries this pair
    of statements takes about half of what the one statement that joined the fetch to the entries
    did (bench/memory_search.md).
    """
    params: list[Any] = []
    match = "e.id = ?::BIGINT" if len(ids) == 1 else "e.id IN (SELECT unnest(?::BIGINT[]))"
    params.append(ids[0] if len(ids) == 1 else ids)
    where = [match, *_entry_filters(params, now=now, namespace=namespace)]
    params.append(limit)
    sql = (
        f"SELECT {ENTRY_COLUMNS}, ({score})::DOUBLE AS score FROM memory_entries e "
        f"WHERE {' AND '.join(where)} ORDER BY e.updated_at DESC, e.namespace, e.key LIMIT ?"
    )
    return sql, params


def compile_range_top(
    node: Range, *, now: datetime, namespace: str | None, limit: int, resolve: Resolver
) -> tuple[str, list[Any]]:
    """A lone range ranked inside ``memory_fields`` by its entries' recency, duplicates kept.

    Field rows carry their entry's ``updated_at``, ``namespace``, ``key`` and ``expires_at``, so
    the ``limit`` newest matching rows name the newest matching entries, and only they are joined
    to ``memory_entries`` for their values (no semi-join of every match to the entries, and
    no sort of the entries' values: 0.8x the hand-written query at a million entries). An entry
    with several matching rows (array elements) would take more than one of the ``limit`` places:
    the last column ``n`` counts the rows kept, and fewer entries than ``n == limit`` rows means
    the caller must rank again without duplicates (``compile_set_search``). ``DISTINCT`` here
    instead costs 1.3x the hand-written query.
    """
    params: list[Any] = []
    inner = _field_condition(node, params, resolve, verify=False)
    if namespace is not None:
        inner += " AND namespace = ?"
        params.append(namespace)
    inner += " AND (expires_at IS NULL OR expires_at > ?)"
    params += [now, limit]
    sql = (
        f"WITH top AS MATERIALIZED (SELECT entry_id FROM memory_fields WHERE {inner} "
        "ORDER BY updated_at DESC, namespace, key LIMIT ?) "
        f"SELECT {ENTRY_COLUMNS}, {LEAF_WEIGHT[Range]}::DOUBLE AS score, (SELECT count(*) FROM top) AS n "
        "FROM memory_entries e WHERE e.id IN (SELECT entry_id FROM top) "
        "ORDER BY e.updated_at DESC, e.namespace, e.key"
    )
    return sql, params


def has_or(node: Node) -> bool:
    if isinstance(node, Or):
        return True
    if isinstance(node, Not):
        return has_or(node.child)
    if isinstance(node, And):
        return any(has_or(c) for c in node.children)
    return False


def _driver(node: Node) -> Field | Range | None:
    """A field or range term the whole query requires (a top-level AND operand), equality first."""
    children = node.children if isinstance(node, And) else (node,)
    required = [c for c in children if isinstance(c, Field | Range)]
    exact = [c for c in required if isinstance(c, Field) and not c.prefix]
    return (exact or required or [None])[0]


def compile_search(
    node: Node,
    *,
    now: datetime,
    namespace: str | None,
    limit: int,
    resolve: Resolver,
    since: datetime | None = None,
) -> tuple[str, list[Any]]:
    """SQL returning entry columns plus ``score``, best first: score, then recency, then name.

    The score counts the positive terms an entry matches, field terms (field,
    key, range) weighing twice a word. A query that is one field or range term
    is ranked and limited inside memory_fields, so it never joins a million
    entries to find a hundred. ``resolve`` gives the normalised texts and hashes
    of a ``field:value`` term (``equality_keys`` bound to the connection).
    ``since`` keeps only entries updated at or after it (see ``recency_windows``).
    """
    params: list[Any] = []
    if isinstance(node, Field | Range):
        inner = _field_condition(node, params, resolve)
        if namespace is not None:
            inner += " AND namespace = ?"
            params.append(namespace)
        inner += " AND (expires_at IS NULL OR expires_at > ?)"
        params.append(now)
        if since is not None:
            inner += " AND updated_at >= ?"
            params.append(since)
        distinct = "" if isinstance(node, Field) and not node.prefix else "DISTINCT "
        params.append(limit)
        sql = (
            f"SELECT {ENTRY_COLUMNS}, {LEAF_WEIGHT[type(node)]} AS score FROM memory_entries e "
            f"WHERE e.id IN (SELECT entry_id FROM (SELECT {distinct}entry_id, updated_at, namespace, key "
            f"FROM memory_fields WHERE {inner} "
            f"ORDER BY updated_at DESC, namespace, key LIMIT ?)) "
            f"ORDER BY e.updated_at DESC, e.namespace, e.key"
        )
        return sql, params

    leaves = _leaves(node)
    names: dict[int, str] = {}
    columns: list[str] = []
    score_terms: list[str] = []
    for i, (leaf, positive) in enumerate(leaves):
        name = f"t{i}"
        if id(leaf) not in names:
            names[id(leaf)] = name
            columns.append(f"{_leaf_sql(leaf, params, resolve, since)} AS {name}")
        if positive:
            score_terms.append(f"CASE WHEN {names[id(leaf)]} THEN {LEAF_WEIGHT[type(leaf)]} ELSE 0 END")
    where = _entry_filters(params, now=now, namespace=namespace, since=since)
    driver = _driver(node)
    candidates = ""
    if driver is not None:
        # a term every result must match: its entry ids, computed once and kept apart (MATERIALIZED)
        # so DuckDB joins a few thousand ids to the entries, not the entries to everything
        cand_params: list[Any] = []
        condition = _field_condition(driver, cand_params, resolve, verify=False)
        if since is not None:
            condition += " AND updated_at >= ?"
            cand_params.append(since)
        candidates = f"cand AS MATERIALIZED (SELECT DISTINCT entry_id FROM memory_fields WHERE {condition}), "
        where.append("e.id IN (SELECT entry_id FROM cand)")
        params = cand_params + params
    score = " + ".join(score_terms) if score_terms else "0.0"
    params.append(limit)
    # rank on the light columns first; only the winners' values are read
    sql = (
        f"WITH {candidates}m AS (SELECT e.id, e.namespace, e.key, e.updated_at, {', '.join(columns)} "
        f"FROM memory_entries e WHERE {' AND '.join(where)}), "
        f"top AS MATERIALIZED (SELECT e.id, ({score})::DOUBLE AS score FROM m e "
        f"WHERE {_bool_sql(node, names)} ORDER BY score DESC, e.updated_at DESC, e.namespace, e.key LIMIT ?) "
        f"SELECT {ENTRY_COLUMNS}, top.score FROM memory_entries e JOIN top ON e.id = top.id "
        f"ORDER BY top.score DESC, e.updated_at DESC, e.namespace, e.key"
    )
    return sql, params


# -- several terms: set algebra over per-term id sets ---------------------------------------------


def _entry_filters(
    params: list[Any],
    *,
    now: datetime,
    namespace: str | None,
    since: datetime | None = None,
    until: datetime | None = None,
    ids: IdSpan | None = None,
) -> list[str]:
    """The conditions on ``memory_entries e`` every result meets: live, in the namespace, in the window."""
    where = ["(e.expires_at IS NULL OR e.expires_at > ?)"]
    params.append(now)
    bounds = (("e.namespace = ?", namespace), ("e.updated_at >= ?", since), ("e.updated_at < ?", until))
    for condition, value in bounds:
        if value is not None:
            where.append(condition)
            params.append(value)
    if ids is not None:
        where.append("e.id BETWEEN ? AND ?")
        params.extend(ids)
    return where


def _ids_sql(ids: IdSpan | None, params: list[Any], column: str) -> str:
    """`` AND column BETWEEN ? AND ?``: the entry ids a required selective term spans. Ids grow with
    write order, so the min/max statistics of every other term's scan skip the row groups outside
    (``compile_id_span``)."""
    if ids is None:
        return ""
    params.extend(ids)
    return f" AND {column} BETWEEN ? AND ?"


def wants_set_algebra(node: Node) -> bool:
    """Several terms of which one at least is a field, range or key term: each term's ids are a
    small set to combine; words-only queries are one pass over the text instead."""
    leaves = _leaves(node)
    return len(leaves) > 1 and any(isinstance(leaf, Field | Range | Key) for leaf, _ in leaves)


def is_scored(node: Node) -> bool:
    """Whether hits can score differently: an OR over positive terms. Without one, every hit
    matches every positive term, so the ranking is pure recency (and recency windows are exact)."""
    return has_or(node) and any(positive for _, positive in _leaves(node))


def _is_equality(leaf: Leaf) -> bool:
    return isinstance(leaf, Field) and not leaf.prefix


def _since_sql(since: datetime | None, params: list[Any], until: datetime | None = None) -> str:
    """`` AND updated_at >= ? [AND updated_at < ?]`` for a window: field rows carry their entry's
    updated_at, so the row groups outside it are skipped by their min/max (exact: an entry's rows
    all share its time). ``until`` (exclusive) makes windows disjoint slices of the store."""
    sql = ""
    for condition, value in ((" AND updated_at >= ?", since), (" AND updated_at < ?", until)):
        if value is not None:
            sql += condition
            params.append(value)
    return sql


def _leaf_ids_sql(
    node: Leaf,
    params: list[Any],
    resolve: Resolver,
    shared_eq: bool,
    since: datetime | None = None,
    until: datetime | None = None,
    ids: IdSpan | None = None,
) -> str:
    """Ids of the entries ``node`` matches, live or not (expiry is checked once, on the result),
    duplicates and all: they are only combined by INTERSECT / UNION / EXCEPT and tested by IN.

    ``shared_eq``: a ``field:value`` term reads its rows from the ``eq`` CTE, the one scan of
    ``memory_fields`` that fetches the rows of every equality term of the query at once.
    """
    if shared_eq and _is_equality(node):
        hashes = [h for _, h in resolve(node)]
        params.extend(hashes)
        return f"SELECT id FROM eq WHERE h IN ({_hash_marks(len(hashes))})"
    if isinstance(node, Word):
        params.append(node.text)
        window = _since_sql(since, params, until) + _ids_sql(ids, params, "id")
        return f"SELECT id FROM memory_entries WHERE contains(search_text, lower(?)){window}"
    if isinstance(node, Key):
        params.append(node.value)
        match = "starts_with(key, ?)" if node.prefix else "key = ?"
        window = _since_sql(since, params, until) + _ids_sql(ids, params, "id")
        return f"SELECT id FROM memory_entries WHERE {match}{window}"
    condition = _field_condition(node, params, resolve, verify=False)
    window = _since_sql(since, params, until) + _ids_sql(ids, params, "entry_id")
    return f"SELECT entry_id AS id FROM memory_fields WHERE {condition}{window}"


def _set_sql(node: Node, names: dict[int, str]) -> str:
    """The ids ``node`` selects, as INTERSECT / UNION / EXCEPT of the term sets."""
    if isinstance(node, Not):
        return f"SELECT id FROM memory_entries EXCEPT SELECT id FROM ({_set_sql(node.child, names)})"
    if isinstance(node, Or):
        return " UNION ".join(f"SELECT id FROM ({_set_sql(c, names)})" for c in node.children)
    if isinstance(node, And):
        positive = [c for c in node.children if not isinstance(c, Not)]
        negative = [c.child for c in node.children if isinstance(c, Not)]
        base = (
            " INTERSECT ".join(f"SELECT id FROM ({_set_sql(c, names)})" for c in positive)
            if positive
            else "SELECT id FROM memory_entries"
        )
        if not negative:
            return base
        minus = " UNION ".join(f"SELECT id FROM ({_set_sql(c, names)})" for c in negative)
        return f"SELECT id FROM ({base}) EXCEPT SELECT id FROM ({minus})"
    return f"SELECT id FROM {names[id(node)]}"


def _equality_scan(
    leaves: list[tuple[Leaf, bool]],
    params: list[Any],
    resolve: Resolver,
    since: datetime | None,
    until: datetime | None = None,
    ids: IdSpan | None = None,
) -> str:
    """The ``eq`` CTE: one scan of ``memory_fields`` for the rows of every equality term (the
    hash column is read once, not once per term), as ``(id, h)``.

    The hashes are tested as ranges ``h`` to ``h + 1``: DuckDB evaluates an OR of ranges inside
    the scan, where an IN list of several values is a separate filter over every row the scan
    emits (15-20% slower at a million entries). A row whose hash is some ``h + 1`` matches no
    term: every term tests its own hashes exactly.
    """
    hashes = sorted({h for leaf, _ in leaves if _is_equality(leaf) for _, h in resolve(leaf)})
    for h in hashes:
        params += [h, min(h + 1, MAX_HASH)]
    ranges = " OR ".join("fv_hash BETWEEN ?::UBIGINT AND ?::UBIGINT" for _ in hashes)
    window = _since_sql(since, params, until) + _ids_sql(ids, params, "entry_id")
    rows = "SELECT entry_id AS id, fv_hash AS h FROM memory_fields"
    return f"eq AS MATERIALIZED ({rows} WHERE ({ranges}){window})"


def compile_set_search(
    node: Node,
    *,
    now: datetime,
    namespace: str | None,
    limit: int,
    resolve: Resolver,
    since: datetime | None = None,
    until: datetime | None = None,
    ids: IdSpan | None = None,
) -> tuple[str, list[Any]]:
    """SQL for a query of several terms (``wants_set_algebra``): entry columns plus ``score``, best first.

    With OR (``is_scored``) the scores differ: see ``_scored_search``. Without, every hit has the
    same score: the boolean structure is set algebra over the terms' id sets, inline (the
    equality terms' rows all come from one scan of ``memory_fields``), and one pass ranks the
    hits by recency, the query one writes by hand (bench/memory_search.py times both). ``since``
    keeps only entries updated at or after it, every term's rows included (recency windows), and
    ``until`` only those updated before it: a slice of the store that none of the slices after it
    reads again (``query_plan._windowed``). ``ids`` keeps every term to the entry ids a required
    term spans (``compile_id_span``): exact, since every hit is among that term's entries.
    """
    if is_scored(node):
        return _scored_search(node, now=now, namespace=namespace, limit=limit, resolve=resolve)
    params: list[Any] = []
    names: dict[int, str] = {}
    ctes: list[str] = []
    leaves = _leaves(node)
    shared = SHARED_EQ_SCAN and sum(_is_equality(leaf) for leaf, _ in leaves) > 1
    if shared:  # one pass over memory_fields for all of them, not one per term
        ctes.append(_equality_scan(leaves, params, resolve, since, until, ids))
    score = 0.0
    for leaf, positive in leaves:
        if id(leaf) not in names:
            names[id(leaf)] = f"t{len(names)}"
            ctes.append(
                f"{names[id(leaf)]} AS ({_leaf_ids_sql(leaf, params, resolve, shared, since, until, ids)})"
            )
        score += LEAF_WEIGHT[type(leaf)] if positive else 0.0
    ctes.append(f"hits AS ({_set_sql(node, names)})")
    where = _entry_filters(params, now=now, namespace=namespace, since=since, until=until, ids=ids)
    params.append(limit)
    sql = (
        f"WITH {', '.join(ctes)} SELECT {ENTRY_COLUMNS}, ({score})::DOUBLE AS score "
        f"FROM memory_entries e WHERE e.id IN (SELECT id FROM hits) AND {' AND '.join(where)} "
        "ORDER BY e.updated_at DESC, e.namespace, e.key LIMIT ?"
    )
    return sql, params


def compile_id_span(node: Range, resolve: Resolver) -> tuple[str, list[Any]]:
    """The lowest and highest entry id a range term matches (NULLs for none), live or not.

    For a term every hit must match and whose rows DuckDB finds in a few row groups (a closed
    timestamp range, pruned by the min/max of ``ts_value``), this span keeps the other terms'
    scans to the row groups of those entries (``compile_set_search(ids=...)``) instead of the
    whole of ``memory_fields``.
    """
    params: list[Any] = []
    condition = _field_condition(node, params, resolve, verify=False)
    return f"SELECT min(entry_id), max(entry_id) FROM memory_fields WHERE {condition}", params


def _covered(node: Node) -> bool:
    """Whether every entry ``node`` selects matches one of its positive terms at least, so the
    candidates are the union of the positive terms' ids (not every entry, as ``a OR NOT b`` needs)."""
    if isinstance(node, Not):
        return False
    if isinstance(node, And):
        return any(_covered(c) for c in node.children)
    if isinstance(node, Or):
        return all(_covered(c) for c in node.children)
    return True


def _required_rows(node: Node, unique: list[Leaf], resolve: Resolver, params: list[Any]) -> str:
    """`` WHERE id IN (...)``: only the entries with a row of a required OR (the first top-level
    AND operand that is an OR covered by its terms) are grouped, since no other can be a hit; at a
    million entries ``(a OR b) AND NOT c AND d`` groups a fifth of its rows (10% faster)."""
    operands = node.children if isinstance(node, And) else ()
    required = next((c for c in operands if isinstance(c, Or) and _covered(c)), None)
    if required is None:
        return ""
    wanted = {id(leaf) for leaf, positive in _leaves(required) if positive}
    hashes = sorted({h for leaf in unique if id(leaf) in wanted for _, h in resolve(leaf)})
    params.extend(hashes)
    return f" WHERE id IN (SELECT id FROM eq WHERE h IN ({_hash_marks(len(hashes))}))"


def compile_flag_search(
    node: Node, *, now: datetime, namespace: str | None, limit: int, resolve: Resolver
) -> tuple[str, list[Any]] | None:
    """A query with OR over ``field:value`` terms only (and NOTs of them), ranked from
    ``memory_fields`` alone; None for any other (``_scored_search`` then).

    One scan of ``memory_fields`` for every term's hashes keeps each row's entry, hash and its
    entry's ``updated_at`` (field rows carry it); one grouping by entry gives each candidate the
    bits of the terms its rows match (computed there, on the grouped rows only: 10% of the
    query when the scan computed them), so the boolean and the score are bit tests. Only the
    hits at or above the ``limit``-th best (score, updated_at) meet ``memory_entries``, for
    liveness, name and value: no join of every hit to the entries (which read a million ids
    and cost a third of the query at a million entries). The last column ``left_out`` counts
    the hits below that cut: if dead entries left fewer than ``limit`` rows while some were cut,
    the caller asks ``_scored_search`` (one row of NULL entry columns when none is left).
    Needs every hit to match one term at least (``_covered``) and at most 62 terms (one bit each).
    """
    leaves = _leaves(node)
    unique = list({id(leaf): leaf for leaf, _ in leaves}.values())
    if not (_covered(node) and all(_is_equality(leaf) for leaf in unique)) or len(unique) > 62:
        return None
    bits: dict[int, int] = {}
    names: dict[int, str] = {}
    for i, leaf in enumerate(unique):
        names[id(leaf)] = f"((m & {1 << i}) <> 0)"
        for _, h in resolve(leaf):
            bits[h] = bits.get(h, 0) | (1 << i)
    hashes = sorted(bits)
    params: list[Any] = []
    for h in hashes:
        params += [h, min(h + 1, MAX_HASH)]
    ranges = " OR ".join("fv_hash BETWEEN ?::UBIGINT AND ?::UBIGINT" for _ in hashes) or "false"
    if namespace is not None:
        ranges = f"({ranges}) AND namespace = ?"
        params.append(namespace)
    params += [x for h in hashes for x in (h, bits[h])]
    flags = " ".join("WHEN ?::UBIGINT THEN ?::BIGINT" for _ in hashes) or "WHEN NULL THEN 0"
    required = _required_rows(node, unique, resolve, params)
    score = " + ".join(
        f"CASE WHEN {names[id(leaf)]} THEN {LEAF_WEIGHT[type(leaf)]} ELSE 0 END"
        for leaf, positive in leaves
        if positive
    )
    test = _bool_sql(node, names)
    params.append(limit - 1)
    live = " AND ".join(_entry_filters(params, now=now, namespace=None))
    params.append(limit)
    sql = (
        f"WITH eq AS {'MATERIALIZED ' if required else ''}(SELECT entry_id AS id, fv_hash AS h, "
        f"updated_at AS u FROM memory_fields WHERE ({ranges})), "
        f"f AS (SELECT id, bit_or(CASE h {flags} ELSE 0 END) AS m, any_value(u) AS u FROM eq{required} "
        "GROUP BY id), "
        f"hits AS MATERIALIZED (SELECT id, ({score})::DOUBLE AS score, u FROM f WHERE {test}), "
        "cut AS (SELECT score, u FROM hits ORDER BY score DESC, u DESC LIMIT 1 OFFSET ?), "
        "top AS MATERIALIZED (SELECT h.id, h.score FROM hits h LEFT JOIN cut c ON true "
        "WHERE c.score IS NULL OR h.score > c.score OR (h.score = c.score AND h.u >= c.u)), "
        f"r AS (SELECT {ENTRY_COLUMNS}, top.score FROM memory_entries e JOIN top ON e.id = top.id "
        f"WHERE {live} ORDER BY top.score DESC, e.updated_at DESC, e.namespace, e.key LIMIT ?) "
        "SELECT r.*, k.left_out FROM (SELECT (SELECT count(*) FROM hits) - (SELECT count(*) FROM top) "
        "AS left_out) k LEFT JOIN r ON true ORDER BY r.score DESC, r.updated_at DESC, r.namespace, r.key"
    )
    return sql, params


def _scored_search(
    node: Node, *, now: datetime, namespace: str | None, limit: int, resolve: Resolver
) -> tuple[str, list[Any]]:
    """A query with OR: each candidate's term flags, computed once; the boolean and the score are
    expressions over the flags, and only the ``limit`` winners have their values read.

    The equality terms' flags come from one scan of ``memory_fields`` (``eq``) grouped once by
    entry (``bool_or`` per term); other terms are id sets tested by IN. The candidates are the
    union of the positive terms' ids when that covers every hit (``_covered``), else every entry.
    """
    params: list[Any] = []
    leaves = _leaves(node)
    names: dict[int, str] = {}
    unique = []
    for leaf, _ in leaves:
        if id(leaf) not in names:
            names[id(leaf)] = f"t{len(names)}"
            unique.append(leaf)
    equal = [leaf for leaf in unique if _is_equality(leaf)]
    ctes: list[str] = []
    sources: list[str] = []
    flags: list[str] = []
    if equal:
        ctes.append(_equality_scan(leaves, params, resolve, None))
        columns = []
        for leaf in equal:
            hashes = [h for _, h in resolve(leaf)]
            params.extend(hashes)
            columns.append(f"bool_or(h IN ({_hash_marks(len(hashes))})) AS {names[id(leaf)]}")
            flags.append(f"coalesce(f.{names[id(leaf)]}, false) AS {names[id(leaf)]}")
        ctes.append(f"f AS MATERIALIZED (SELECT id, {', '.join(columns)} FROM eq GROUP BY id)")
        sources.append("SELECT id FROM f")
    positive = {id(leaf) for leaf, is_positive in leaves if is_positive}
    for leaf in unique:
        if not _is_equality(leaf):
            name = names[id(leaf)]
            ctes.append(f"{name} AS MATERIALIZED ({_leaf_ids_sql(leaf, params, resolve, False)})")
            flags.append(f"u.id IN (SELECT id FROM {name}) AS {name}")
            if id(leaf) in positive:
                sources.append(f"SELECT id FROM {name}")
    score = " + ".join(
        f"CASE WHEN {names[id(leaf)]} THEN {LEAF_WEIGHT[type(leaf)]} ELSE 0 END"
        for leaf, is_positive in leaves
        if is_positive
    )
    covered = _covered(node)
    if covered and sources == ["SELECT id FROM f"]:  # equality terms only: f holds every candidate
        ctes.append("g AS (SELECT * FROM f)")
    else:
        universe = " UNION ".join(sources) if covered else "SELECT id FROM memory_entries"
        joined = "u LEFT JOIN f ON f.id = u.id" if equal else "u"
        ctes.append(f"u AS ({universe})")
        ctes.append(f"g AS (SELECT u.id, {', '.join(flags)} FROM {joined})")
    ctes.append(
        f"hits AS MATERIALIZED (SELECT id, ({score})::DOUBLE AS score FROM g WHERE {_bool_sql(node, names)})"
    )
    where = _entry_filters(params, now=now, namespace=namespace)
    params.append(limit)
    sql = (
        f"WITH {', '.join(ctes)}, "
        f"top AS MATERIALIZED (SELECT e.id, h.score FROM hits h JOIN memory_entries e ON e.id = h.id "
        f"WHERE {' AND '.join(where)} ORDER BY h.score DESC, e.updated_at DESC, e.namespace, e.key LIMIT ?) "
        f"SELECT {ENTRY_COLUMNS}, top.score FROM memory_entries e JOIN top ON e.id = top.id "
        f"ORDER BY top.score DESC, e.updated_at DESC, e.namespace, e.key"
    )
    return sql, params
