"""The memory search language (docs/reference/storage.md), and how values are indexed for it.

The language lives in three modules with one job each:

* ``axtui.core.query_parser``: text -> AST (grammar, syntax errors with the column), AST -> text;
* ``axtui.core.query_sql``: AST -> parameterised DuckDB SQL (set algebra over the index tables);
* ``axtui.core.query_plan``: which SQL to run, chosen from the terms' frequencies, and running it.

Matching: words and phrases are case-insensitive substrings of the entry's key
and scalar values; ``field:value`` compares a top-level field (dotted paths reach
into nested objects, array elements count one by one) case-insensitively, and a
number matches its numeric value (``score:3`` matches 3 and 3.0); ranges are
inclusive over numbers or ISO timestamps (``*`` leaves an end open). User text
only ever reaches SQL as a bound parameter.

This module owns how a value is indexed for field search (``fields_sql``,
``search_text_sql``): the writer and the searcher use the same DuckDB
expressions, so they can never disagree about normalisation. The AST and ``parse``
live in ``axtui.core.query_parser``.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from axtui.core.query_parser import NUMBER_PATTERN, TIMESTAMP_PATTERN, Field

MAX_INDEXED_TEXT = 1000

# -- how values are indexed: one SQL definition, used by every writer ---------
# The writer (Memory) and the searcher must normalise identically, so both do it
# in DuckDB with the expressions below; user text only ever arrives as a parameter.

_SQL_NUMBER = "'^" + NUMBER_PATTERN + "$'"
_SQL_TIMESTAMP = "'^" + TIMESTAMP_PATTERN + "$'"


def _canonical_number_sql(d: str) -> str:
    """One spelling per number, so 3, 3.0 and "3" compare equal in field:value."""
    return (
        f"CASE WHEN {d} = trunc({d}) AND abs({d}) < 1e15 THEN CAST(CAST({d} AS BIGINT) AS VARCHAR) "
        f"ELSE CAST({d} AS VARCHAR) END"
    )


def _timestamp_sql(s: str) -> str:
    """ISO text -> naive UTC TIMESTAMP; an explicit offset (or Z) is honoured, none means UTC."""
    return (
        f"CASE WHEN regexp_full_match({s}, {_SQL_TIMESTAMP}) THEN "
        f"CASE WHEN regexp_matches({s}, '(Z|[+-][0-9]{{2}}:?[0-9]{{2}})$') "
        f"THEN timezone('UTC', TRY_CAST({s} AS TIMESTAMPTZ)) ELSE TRY_CAST({s} AS TIMESTAMP) END END"
    )


def scalars_sql(source: str) -> str:
    """Every scalar of every value in ``source`` (columns id, namespace, key, value, updated_at,
    expires_at), with its JSON path and its text ``s`` (strings unescaped)."""
    return (
        "SELECT src.id, src.namespace, src.key, src.updated_at, src.expires_at, t.fullkey, t.type, "
        "CASE t.type WHEN 'VARCHAR' THEN t.atom->>'$' WHEN 'NULL' THEN 'null' "
        "ELSE CAST(t.atom AS VARCHAR) END AS s "
        f"FROM ({source}) src, json_tree(src.value) t WHERE t.type NOT IN ('OBJECT', 'ARRAY')"
    )


def search_text_sql(source: str, scalars: str) -> str:
    """Per entry id: what words and phrases match, the key and every scalar, lower-cased."""
    return (
        f"SELECT src.id, lower(src.key || chr(10) || coalesce(string_agg(sc.s, chr(10)), '')) "
        f"AS search_text FROM ({source}) src LEFT JOIN ({scalars}) sc ON sc.id = src.id "
        "GROUP BY src.id, src.key"
    )


def fields_sql(scalars: str) -> str:
    """memory_fields rows for the scalars: one per (entry, field path, normalised text).

    The field of ``$.a.b[2]`` is ``a.b``: nested objects give dotted paths and
    array elements count one by one. Numbers (and numeric strings) get num_value,
    ISO strings ts_value; strings longer than MAX_INDEXED_TEXT are left to word search.
    """
    num = (
        "CASE WHEN type = 'VARCHAR' THEN (CASE WHEN length(s) < 40 AND "
        f"regexp_full_match(s, {_SQL_NUMBER}) THEN TRY_CAST(s AS DOUBLE) END) "
        "WHEN type IN ('BOOLEAN', 'NULL') THEN NULL "
        "ELSE TRY_CAST(s AS DOUBLE) END"
    )
    typed = (
        f"SELECT *, CASE WHEN isfinite(num0) THEN num0 END AS num_value, "
        r"regexp_replace(regexp_replace(substr(fullkey, 3), '\[[0-9]+\]', '', 'g'), "
        """'"', '', 'g') """
        f"AS field FROM (SELECT *, {num} AS num0 FROM ({scalars}) WHERE starts_with(fullkey, '$.') "
        f"AND (type <> 'VARCHAR' OR length(s) <= {MAX_INDEXED_TEXT}))"
    )
    text = (
        f"CASE WHEN type = 'VARCHAR' THEN lower(s) WHEN type IN ('BOOLEAN', 'NULL') THEN s "
        f"WHEN num_value IS NULL THEN s ELSE {_canonical_number_sql('num_value')} END"
    )
    rows = (
        f"SELECT id AS entry_id, namespace, key, field, {text} AS text_value, num_value, "
        f"CASE WHEN type = 'VARCHAR' THEN {_timestamp_sql('s')} END AS ts_value, updated_at, "
        f"expires_at, contains(fullkey, '[') AS in_array FROM ({typed})"
    )
    columns = (
        "entry_id, namespace, key, field, text_value, num_value, ts_value, "
        "md5_number_lower(field || chr(31) || text_value) AS fv_hash, updated_at, expires_at"
    )
    return (
        f"WITH r AS ({rows}) SELECT {columns} FROM r WHERE NOT in_array "
        f"UNION ALL SELECT {columns} FROM (SELECT DISTINCT ON (entry_id, field, text_value) * "
        "FROM r WHERE in_array)"
    )


def equality_keys(con: Any, node: Field) -> list[tuple[str, int]]:
    """(normalised text, fv_hash) pairs a ``field:value`` term accepts: the literal, lower-cased,
    and for an unquoted number its canonical spelling. Computed by DuckDB, like the index."""
    return equality_keys_many(con, [node])[0]


_PY_NUMBER = re.compile(NUMBER_PATTERN)


def local_keys(node: Field) -> list[tuple[str, int]] | None:
    """``equality_keys`` without asking DuckDB, where the answer is certain; else None.

    That is ASCII text that is not an unquoted number: DuckDB's ``lower`` and Python's agree
    on ASCII, and ``md5_number_lower`` is the little-endian number of the digest's last
    8 bytes (tests/test_query.py checks both against DuckDB). Numbers need DuckDB's own
    spelling of a double, non-ASCII text its Unicode case mapping: those still ask it.
    """
    if not (node.field.isascii() and node.value.isascii()):
        return None
    if not node.quoted and _PY_NUMBER.fullmatch(node.value):
        return None
    text = node.value.lower()
    digest = hashlib.md5(f"{node.field}\x1f{text}".encode()).digest()
    return [(text, int.from_bytes(digest[8:], "little"))]


def equality_keys_many(con: Any, nodes: list[Field]) -> list[list[tuple[str, int]]]:
    """``equality_keys`` of several terms in one round trip (a query's terms are resolved together),
    or none when every term's keys are ``local_keys``."""
    local = [local_keys(n) for n in nodes]
    rest = [n for n, keys in zip(nodes, local, strict=True) if keys is None]
    if not rest:
        return [keys or [] for keys in local]
    asked = iter(_database_keys(con, rest))
    return [keys if keys is not None else next(asked) for keys in local]


def _database_keys(con: Any, nodes: list[Field]) -> list[list[tuple[str, int]]]:
    if not nodes:
        return []
    sql = (
        "WITH x AS (SELECT unnest(?::INTEGER[]) AS i, unnest(?::VARCHAR[]) AS f, "
        "unnest(?::VARCHAR[]) AS v, unnest(?::BOOLEAN[]) AS q), "
        "t AS (SELECT i, f, lower(v) AS t FROM x UNION SELECT i, f, "
        + _canonical_number_sql("d")
        + f" FROM (SELECT *, TRY_CAST(v AS DOUBLE) AS d FROM x) WHERE NOT q "
        f"AND regexp_full_match(v, {_SQL_NUMBER}) AND isfinite(d)) "
        "SELECT i, t, md5_number_lower(f || chr(31) || t) FROM t"
    )
    params = [
        list(range(len(nodes))),
        [n.field for n in nodes],
        [n.value for n in nodes],
        [n.quoted for n in nodes],
    ]
    out: list[list[tuple[str, int]]] = [[] for _ in nodes]
    for i, text, digest in con.execute(sql, params).fetchall():
        out[i].append((text, digest))
    return [sorted(keys) for keys in out]
