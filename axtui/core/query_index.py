"""How memory values are indexed for field search: the DuckDB expressions every writer uses.

The writer (``Memory``) and the searcher (``axtui.core.query``) must normalise identically, so
both do it in DuckDB with the expressions below; user text only ever arrives as a parameter.
Split out of ``axtui.core.query`` so that writing memory (a workflow's ``store`` step) does not
load the search language's parser (≈ 18 ms of a ``--batch`` replay, bench/batch.md).
"""

from __future__ import annotations

# How a number and an ISO timestamp are written: for the query grammar and the index alike.
NUMBER_PATTERN = r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?"
TIMESTAMP_PATTERN = (
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?)?"
    r"(Z|[+-][0-9]{2}:?[0-9]{2})?"
)
MAX_INDEXED_TEXT = 1000

SQL_NUMBER = "'^" + NUMBER_PATTERN + "$'"
SQL_TIMESTAMP = "'^" + TIMESTAMP_PATTERN + "$'"


def canonical_number_sql(d: str) -> str:
    """One spelling per number, so 3, 3.0 and "3" compare equal in field:value."""
    return (
        f"CASE WHEN {d} = trunc({d}) AND abs({d}) < 1e15 THEN CAST(CAST({d} AS BIGINT) AS VARCHAR) "
        f"ELSE CAST({d} AS VARCHAR) END"
    )


def _timestamp_sql(s: str) -> str:
    """ISO text -> naive UTC TIMESTAMP; an explicit offset (or Z) is honoured, none means UTC."""
    return (
        f"CASE WHEN regexp_full_match({s}, {SQL_TIMESTAMP}) THEN "
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
        f"regexp_full_match(s, {SQL_NUMBER}) THEN TRY_CAST(s AS DOUBLE) END) "
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
        f"WHEN num_value IS NULL THEN s ELSE {canonical_number_sql('num_value')} END"
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
