"""The Python walk that indexes memory values gives exactly the rows json_tree gave, and its limits."""

from __future__ import annotations

import json
from typing import Any

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from axtui.core.memory import Memory, encode_value
from axtui.core.memory_index import MAX_DEPTH, check_depth, stage_scalars, staged_scalars_sql
from axtui.core.query_index import fields_sql, scalars_sql, search_text_sql
from axtui.core.store import Store
from axtui.errors import InputError

SOURCE = (
    "SELECT 7::BIGINT AS id, 'ns' AS namespace, 'k' AS key, TIMESTAMP '2026-01-01' AS updated_at, "
    "NULL::TIMESTAMP AS expires_at"
)
JSON_SOURCE = (
    "SELECT 7::BIGINT AS id, 'ns' AS namespace, 'k' AS key, ?::JSON AS value, "
    "TIMESTAMP '2026-01-01' AS updated_at, NULL::TIMESTAMP AS expires_at"
)


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    return sorted(con.execute(sql, params).fetchall(), key=repr)


def old_and_new(value: Any) -> tuple[list[Any], list[Any]]:
    """(json_tree rows, staged rows) for the scalars, the field rows and the search text."""
    con = duckdb.connect()
    text = encode_value(value)
    stage_scalars(con, [(7, value)])
    old_scalars, new_scalars = scalars_sql(JSON_SOURCE), staged_scalars_sql(SOURCE)
    old = [
        _rows(con, old_scalars, [text]),
        _rows(con, fields_sql(old_scalars), [text]),
        sorted(_rows(con, search_text_sql(JSON_SOURCE, old_scalars), [text, text])[0][1].split("\n")),
    ]
    new = [
        _rows(con, new_scalars, []),
        _rows(con, fields_sql(new_scalars), []),
        sorted(_rows(con, search_text_sql(SOURCE, new_scalars), [])[0][1].split("\n")),
    ]
    con.close()
    return old, new


TRICKY = {
    "a": 1,
    "b c": [1, 2.5, {"x": "Y"}],
    "d": {"e": None, "f": True, "g": False},
    "ü": "Ünï",
    "n": 1e20,
    "m": -0.0,
    "big": 12345678901234567890,
    "huge": 10**30,
    "neg": -(2**63) - 1,
    'q"uote': 'q"uote',
    "back\\slash": "x",
    "e1": 1.5e-7,
    "k.dot": 3,
    "": 4,
    "1a": 5,
    "_x": 6,
    "a-b": 7,
    "f2": 3.0,
    "arr": [[1, 2], [3], []],
    "empty": {},
    "when": "2026-01-31T12:00:00Z",
    "num_text": "42",
    "long": "w" * 1200,
    "tab\tkey": "tab\tnl\n",
}


@pytest.mark.parametrize("value", [TRICKY, [TRICKY, TRICKY], "plain", 3, None, True, [], {}])
def test_the_walk_matches_json_tree(value: Any) -> None:
    old, new = old_and_new(value)
    assert new == old


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=60, deadline=None)
@given(JSON)
def test_the_walk_matches_json_tree_for_any_value(value: Any) -> None:
    old, new = old_and_new(value)
    assert new == old


def nested(depth: int) -> Any:
    value: Any = "leaf"
    for _ in range(depth):  # ``depth`` levels of arrays around a string
        value = [value]
    return value


def test_depth_is_bounded_with_a_clear_message(store: Store) -> None:
    check_depth(nested(MAX_DEPTH))
    with pytest.raises(InputError, match=f"more than {MAX_DEPTH} levels"):
        check_depth(nested(MAX_DEPTH + 1))
    memory = Memory(store)
    with pytest.raises(InputError, match="levels deep"):
        memory.store("ns", "deep", nested(5000))
    assert memory.get("ns", "deep") is None
    memory.store("ns", "ok", nested(MAX_DEPTH))
    assert memory.retrieve("ns", "ok").value == nested(MAX_DEPTH)


def test_a_value_above_the_maximum_size_is_refused(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AXTUI_MAX_VALUE_MB", "0.01")  # 10 KiB
    memory = Memory(store)
    memory.store("ns", "small", {"x": "a" * 5000})
    with pytest.raises(InputError, match="maximum is") as err:
        memory.store("ns", "big", {"x": "a" * 20000})
    assert "AXTUI_MAX_VALUE_MB" in (err.value.hint or "")
    with pytest.raises(InputError, match="maximum is"):
        memory.store_many([("ns", "big", {"x": "a" * 20000})])
    assert memory.get("ns", "big") is None and memory.retrieve("ns", "small").value == {"x": "a" * 5000}


def test_a_large_wide_value_is_stored_indexed_and_searchable(store: Store) -> None:
    memory = Memory(store)
    value = {"model": "churn", "rows": [{"i": i, "tag": f"t{i}"} for i in range(20_000)]}
    memory.store("ns", "wide", value)
    assert memory.retrieve("ns", "wide").value == value
    assert [h.entry.key for h in memory.search("model:churn")] == ["wide"]
    count = store.query("SELECT count(*) FROM memory_fields WHERE key = 'wide'")[0][0]
    assert count == 1 + 2 * 20_000
    json.dumps(value)
