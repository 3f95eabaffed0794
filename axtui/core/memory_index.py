"""How a memory value is checked and indexed on write, in time and memory linear in its size.

DuckDB's ``json_tree`` joined against the row holding the document copies the whole
document into every output row (a 455 KB value took 27 s and 12 GB). Here Python walks
the value once, iteratively (no recursion limit to hit), and streams its scalars in chunks
into a temporary table; the normalisation (lower-casing, number spelling, timestamps,
hashes) stays in the SQL of ``axtui.core.query`` so writer and searcher cannot disagree.
The rows match what ``json_tree`` gave: the same ``fullkey`` spelling and the same text
of each scalar (numbers are re-spelled by DuckDB's own JSON parser).

Limits (docs/ARCHITECTURE.md, "Memory values"): a value is at most ``max_value_bytes()``
of JSON text (16 MB (10^6 bytes) unless ``AXTUI_MAX_VALUE_MB`` says otherwise) and nested at most
``MAX_DEPTH`` levels; beyond either the write is refused with a message saying so.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from axtui.errors import InputError
from axtui.values import env_number

MAX_DEPTH = 100
DEFAULT_MAX_VALUE_MB = 16
MAX_VALUE_ENV = "AXTUI_MAX_VALUE_MB"
CHUNK_ROWS = 50_000
RAW_TABLE = "axtui_raw_scalars"
_PLAIN_KEY = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


def max_value_bytes() -> int:
    """The largest value (JSON text, UTF-8 bytes) a write accepts."""
    mb = env_number(
        MAX_VALUE_ENV,
        DEFAULT_MAX_VALUE_MB,
        what="a number of megabytes",
        hint=f"unset it for the default of {DEFAULT_MAX_VALUE_MB} MB",
    )
    return int(mb * 1_000_000)


def check_depth(value: Any, *, where: str = "value") -> None:
    """Refuse a value nested deeper than MAX_DEPTH (an explicit stack: a deep value cannot crash this)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children: Iterable[Any] = node.values()
        elif isinstance(node, list | tuple):
            children = node
        else:
            continue
        if depth > MAX_DEPTH:
            raise depth_error(where)
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list | tuple))


def depth_error(where: str) -> InputError:
    return InputError(
        f"the value is nested more than {MAX_DEPTH} levels deep",
        where=where,
        hint=f"flatten it (at most {MAX_DEPTH} levels of objects/arrays), or store the deep part as a string",
    )


def loads_json(text: str, *, where: str = "value") -> Any:
    """``json.loads`` whose answer to a too-deep document is a clear InputError, not RecursionError."""
    import json

    try:
        return json.loads(text)
    except RecursionError:
        raise depth_error(where) from None


def check_size(text: str, *, where: str = "value") -> None:
    """Refuse JSON text above the maximum value size, before anything is written."""
    limit = max_value_bytes()
    if len(text) * 4 <= limit:  # a UTF-8 character is at most 4 bytes: surely small enough
        return
    size = len(text.encode("utf-8"))
    if size > limit:
        raise InputError(
            f"the value is {size / 1e6:.1f} MB of JSON; the maximum is {limit / 1e6:g} MB",
            where=where,
            hint=f"store a path or a summary instead (or raise {MAX_VALUE_ENV} for this process)",
        )


def _path_step(name: str) -> str:
    """``.name`` or ``."na\\"me"``: the spelling DuckDB's json_tree uses in ``fullkey``."""
    if _PLAIN_KEY.fullmatch(name):
        return "." + name
    return '."' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def iter_scalars(value: Any) -> Iterator[tuple[str, str, str]]:
    """(fullkey, kind, raw) of every scalar in document order; kind is VARCHAR, BOOLEAN, NULL or
    NUMBER (DuckDB decides the number's exact type and spelling from ``raw``)."""
    import json

    stack: list[tuple[str, Any]] = [("$", value)]
    while stack:
        path, node = stack.pop()
        if isinstance(node, dict):
            stack.extend((path + _path_step(str(k)), v) for k, v in reversed(list(node.items())))
        elif isinstance(node, list | tuple):
            stack.extend((f"{path}[{i}]", v) for i, v in reversed(list(enumerate(node))))
        elif isinstance(node, str):
            yield path, "VARCHAR", node
        elif node is None:
            yield path, "NULL", "null"
        elif isinstance(node, bool):
            yield path, "BOOLEAN", "true" if node else "false"
        else:
            yield path, "NUMBER", json.dumps(node)


def stage_scalars(con: Any, values: Iterable[tuple[int, Any]]) -> None:
    """Fill the temporary RAW_TABLE with (id, fullkey, kind, raw) for each (entry id, value),
    in chunks of CHUNK_ROWS so Python never holds more than one chunk of rows. The chunks go in
    as four list parameters unnested side by side (no pyarrow: a one-key CLI write stays light)."""
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {RAW_TABLE} (id BIGINT, fullkey VARCHAR, kind VARCHAR, raw VARCHAR)"
    )
    columns: tuple[list[Any], list[Any], list[Any], list[Any]] = ([], [], [], [])
    ids, paths, kinds, raws = columns

    def flush() -> None:
        if ids:
            con.execute(
                f"INSERT INTO {RAW_TABLE} SELECT unnest(?::BIGINT[]), unnest(?::VARCHAR[]), "
                "unnest(?::VARCHAR[]), unnest(?::VARCHAR[])",
                list(columns),
            )
            for column in columns:
                column.clear()

    for entry_id, value in values:
        for path, kind, raw in iter_scalars(value):
            ids.append(entry_id)
            paths.append(path)
            kinds.append(kind)
            raws.append(raw)
            if len(ids) >= CHUNK_ROWS:
                flush()
    flush()


def staged_scalars_sql(source: str, raw: str = RAW_TABLE) -> str:
    """The rows ``query.scalars_sql`` would give for ``source`` (columns id, namespace, key,
    updated_at, expires_at), read from RAW_TABLE (or ``raw``: ``INLINE_RAW``): a hash join,
    linear in the scalars."""
    return (
        "SELECT src.id, src.namespace, src.key, src.updated_at, src.expires_at, r.fullkey, "
        "CASE r.kind WHEN 'NUMBER' THEN json_type(json(r.raw)) ELSE r.kind END AS type, "
        "CASE r.kind WHEN 'NUMBER' THEN CAST(json(r.raw) AS VARCHAR) ELSE r.raw END AS s "
        f"FROM ({source}) src JOIN {raw} r ON r.id = src.id"
    )


# RAW_TABLE's rows as four list parameters (``inline_scalars``), for one entry: creating and
# dropping a temporary table is two catalog changes, which cost a one-key write more than its
# scalars do (a ``--batch`` replay writes two, bench/batch.md).
INLINE_RAW = (
    "(SELECT unnest(?::BIGINT[]) AS id, unnest(?::VARCHAR[]) AS fullkey, "
    "unnest(?::VARCHAR[]) AS kind, unnest(?::VARCHAR[]) AS raw)"
)


def inline_scalars(entry_id: int, value: Any) -> list[list[Any]]:
    """The parameters of ``INLINE_RAW`` for one value: ids, paths, kinds, raw texts."""
    rows = list(iter_scalars(value))
    return [[entry_id] * len(rows), [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]]


def drop_staged(con: Any) -> None:
    con.execute(f"DROP TABLE IF EXISTS {RAW_TABLE}")
