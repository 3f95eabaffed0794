"""Memory search, AST -> parameterised DuckDB SQL over the index tables (docs/memory.md).

Three shapes of query, chosen by ``axtui.core.query_plan``:

* one ``field:value`` / range term, ranked and limited inside ``memory_fields``
  (``compile_search``), or fetched through the ART index on ``fv_hash`` when rare;
* several terms with at least one field, range or key term: **set algebra** over
  per-term id sets (``compile_set_search``), AND as INTERSECT, OR as UNION, NOT as
  EXCEPT, each term's ids computed once; the entries table is read only for the
  winners. This is the query one writes by hand in DuckDB (bench/memory_search.py
  times both);
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


def _field_condition(
    node: Field | Range, params: list[Any], resolve: Resolver, *, verify: bool = True, typed: bool = False
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
    marks = ", ".join("?" for _ in keys)
    params.extend(h for _, h in keys)
    if not verify:
        return f"fv_hash IN ({_hash_marks(len(keys), typed)})"
    params.append(node.field)
    params.extend(t for t, _ in keys)
    return f"fv_hash IN ({marks}) AND field = ? AND text_value IN ({marks})"


def _hash_marks(count: int, typed: bool) -> str:
    """Placeholders for ``fv_hash`` values; ``typed`` casts them to the column's UBIGINT.

    Untyped, a Python int binds as BIGINT (or HUGEINT) and DuckDB casts the column instead,
    which keeps it from pruning by zone maps. That is what the materialised id sets of an OR
    query do best with (typed, they ran 2.5x slower at a million entries), while the inline
    sets of an AND/NOT query are 3-5x faster typed (bench/memory_search.md).
    """
    return ", ".join("?::UBIGINT" if typed else "?" for _ in range(count))


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


def _single_term_by_index(
    node: Field, *, now: datetime, namespace: str | None, limit: int, resolve: Resolver
) -> tuple[str, list[Any]]:
    keys = resolve(node)
    params: list[Any] = [h for _, h in keys]
    fetch = " UNION ALL ".join(
        "SELECT entry_id, namespace, key, field, text_value, updated_at, expires_at "
        "FROM memory_fields WHERE fv_hash = ?"
        for _ in keys
    )
    marks = ", ".join("?" for _ in keys)
    where = f"field = ? AND text_value IN ({marks}) AND (expires_at IS NULL OR expires_at > ?)"
    params += [node.field, *(t for t, _ in keys), now]
    if namespace is not None:
        where += " AND namespace = ?"
        params.append(namespace)
    params.append(limit)
    sql = (
        f"WITH h AS MATERIALIZED ({fetch}) "
        f"SELECT {ENTRY_COLUMNS}, {LEAF_WEIGHT[Field]} AS score FROM memory_entries e "
        f"WHERE e.id IN (SELECT entry_id FROM (SELECT entry_id, updated_at, namespace, key FROM h "
        f"WHERE {where} ORDER BY updated_at DESC, namespace, key LIMIT ?)) "
        f"ORDER BY e.updated_at DESC, e.namespace, e.key"
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
    by_hash_index: bool = False,
) -> tuple[str, list[Any]]:
    """SQL returning entry columns plus ``score``, best first: score, then recency, then name.

    The score counts the positive terms an entry matches, field terms (field,
    key, range) weighing twice a word. A query that is one field or range term
    is ranked and limited inside memory_fields, so it never joins a million
    entries to find a hundred. ``resolve`` gives the normalised texts and hashes
    of a ``field:value`` term (``equality_keys`` bound to the connection).
    ``since`` keeps only entries updated at or after it (see ``recency_windows``).
    ``by_hash_index`` (for a rare ``field:value``) fetches its rows through the ART
    index on ``fv_hash``, which DuckDB only uses when that equality is a scan's sole filter.
    """
    params: list[Any] = []
    if by_hash_index and isinstance(node, Field) and not node.prefix:
        return _single_term_by_index(node, now=now, namespace=namespace, limit=limit, resolve=resolve)
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
    where = ["(e.expires_at IS NULL OR e.expires_at > ?)"]
    params.append(now)
    if namespace is not None:
        where.append("e.namespace = ?")
        params.append(namespace)
    if since is not None:
        where.append("e.updated_at >= ?")
        params.append(since)
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


def wants_set_algebra(node: Node) -> bool:
    """Several terms of which one at least is a field, range or key term: each term's ids are a
    small set to combine; words-only queries are one pass over the text instead."""
    leaves = _leaves(node)
    return len(leaves) > 1 and any(isinstance(leaf, Field | Range | Key) for leaf, _ in leaves)


def _leaf_ids_sql(
    node: Leaf, params: list[Any], resolve: Resolver, shared_eq: bool = False, inline: bool = False
) -> str:
    """Ids of the entries ``node`` matches, live or not (expiry is checked once, on the result).

    ``shared_eq``: a ``field:value`` term reads its rows from the ``eq`` CTE, the one scan of
    ``memory_fields`` that fetches the rows of every equality term of the query at once.
    ``inline``: the set is only combined by INTERSECT / EXCEPT (which remove duplicates) and
    tested by IN, so it is left to DuckDB to plan inside the query, duplicates and all, with
    typed hashes; otherwise it is distinct (an OR query counts each term's ids for the score).
    """
    distinct = "" if inline else "DISTINCT "
    if shared_eq and isinstance(node, Field) and not node.prefix:
        hashes = [h for _, h in resolve(node)]
        params.extend(hashes)
        return f"SELECT {distinct}id FROM eq WHERE h IN ({_hash_marks(len(hashes), inline)})"
    if isinstance(node, Word):
        params.append(node.text)
        return "SELECT id FROM memory_entries WHERE contains(search_text, lower(?))"
    if isinstance(node, Key):
        params.append(node.value)
        return f"SELECT id FROM memory_entries WHERE {'starts_with(key, ?)' if node.prefix else 'key = ?'}"
    condition = _field_condition(node, params, resolve, verify=False, typed=inline)
    return f"SELECT {distinct}entry_id AS id FROM memory_fields WHERE {condition}"


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


def compile_set_search(
    node: Node, *, now: datetime, namespace: str | None, limit: int, resolve: Resolver
) -> tuple[str, list[Any]]:
    """SQL for a query of several terms (``wants_set_algebra``): entry columns plus ``score``, best first.

    The boolean structure is set algebra over the terms' id sets (the equality terms' rows all
    come from one scan of ``memory_fields``); only the matching ids meet ``memory_entries``
    (expiry, namespace, ranking). With OR, scores differ: each distinct term is one
    MATERIALIZED id set, counted per hit, and only the top ``limit`` rows have their values
    read. Without OR every hit has the same score: the sets stay inline and one pass ranks the
    hits by recency, the query one writes by hand (bench/memory_search.py times both).
    """
    params: list[Any] = []
    names: dict[int, str] = {}
    ctes: list[str] = []
    weights: list[tuple[str, float]] = []
    leaves = _leaves(node)
    scored = has_or(node) and any(positive for _, positive in leaves)
    inline = not scored
    equal = [leaf for leaf, _ in leaves if isinstance(leaf, Field) and not leaf.prefix]
    shared = (
        SHARED_EQ_SCAN and len(equal) > 1
    )  # one pass over memory_fields for all of them, not one per term
    if shared:
        hashes = sorted({h for leaf in equal for _, h in resolve(leaf)})
        params.extend(hashes)
        ctes.append(
            "eq AS MATERIALIZED (SELECT entry_id AS id, fv_hash AS h FROM memory_fields "
            f"WHERE fv_hash IN ({_hash_marks(len(hashes), inline)}))"
        )
    materialized = "" if inline else "MATERIALIZED "
    for leaf, positive in leaves:
        if id(leaf) not in names:
            names[id(leaf)] = f"t{len(names)}"
            ids = _leaf_ids_sql(leaf, params, resolve, shared, inline)
            ctes.append(f"{names[id(leaf)]} AS {materialized}({ids})")
        if positive:
            weights.append((names[id(leaf)], LEAF_WEIGHT[type(leaf)]))
    ctes.append(f"hits AS {materialized}({_set_sql(node, names)})")
    where = ["(e.expires_at IS NULL OR e.expires_at > ?)"]
    params.append(now)
    if namespace is not None:
        where.append("e.namespace = ?")
        params.append(namespace)
    params.append(limit)
    if inline:  # every hit matches every positive term (or there is none): one score, pure recency
        score = sum(w for _, w in weights) or 0.0
        sql = (
            f"WITH {', '.join(ctes)} SELECT {ENTRY_COLUMNS}, ({score})::DOUBLE AS score "
            f"FROM memory_entries e WHERE e.id IN (SELECT id FROM hits) AND {' AND '.join(where)} "
            "ORDER BY e.updated_at DESC, e.namespace, e.key LIMIT ?"
        )
        return sql, params
    parts = " UNION ALL ".join(
        f"SELECT id, {w} AS w FROM {name} WHERE id IN (SELECT id FROM hits)" for name, w in weights
    )
    ctes.append(f"scored AS MATERIALIZED (SELECT id, sum(w) AS score FROM ({parts}) GROUP BY id)")
    # LEFT JOIN: a hit through a NOT alone (``a OR NOT b``) matches no positive term and scores 0
    source = "hits h JOIN memory_entries e ON e.id = h.id LEFT JOIN scored s ON s.id = h.id"
    sql = (
        f"WITH {', '.join(ctes)}, "
        f"top AS MATERIALIZED (SELECT e.id, (coalesce(s.score, 0))::DOUBLE AS score FROM {source} "
        f"WHERE {' AND '.join(where)} ORDER BY score DESC, e.updated_at DESC, e.namespace, e.key LIMIT ?) "
        f"SELECT {ENTRY_COLUMNS}, top.score FROM memory_entries e JOIN top ON e.id = top.id "
        f"ORDER BY top.score DESC, e.updated_at DESC, e.namespace, e.key"
    )
    return sql, params
