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

How a value is indexed for field search (``fields_sql``, ``search_text_sql``) lives in
``axtui.core.query_index``: the writer and the searcher use the same DuckDB expressions, so
they can never disagree about normalisation. The AST and ``parse`` live in
``axtui.core.query_parser``.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from axtui.core.query_index import SQL_NUMBER, canonical_number_sql
from axtui.core.query_parser import NUMBER_PATTERN, Field


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
        + canonical_number_sql("d")
        + f" FROM (SELECT *, TRY_CAST(v AS DOUBLE) AS d FROM x) WHERE NOT q "
        f"AND regexp_full_match(v, {SQL_NUMBER}) AND isfinite(d)) "
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
