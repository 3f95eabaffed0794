"""The set-algebra plan returns exactly what the row-by-row plan does, for any boolean query."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from axtui.core.clock import FakeClock
from axtui.core.memory import Memory
from axtui.core.query_parser import And, Node, Not, Or, parse, to_text
from axtui.core.query_plan import resolver
from axtui.core.query_sql import compile_search, compile_set_search, wants_set_algebra
from axtui.core.store import Store

LEAVES = st.sampled_from(
    [
        "model:churn",
        "status:live",
        "score:3",
        "tags:b",
        "score:[1 TO 3]",
        "model:fr*",
        "key:k1*",
        "churn",
        '"x y"',
    ]
).map(parse)


def _tree(children: st.SearchStrategy[Node]) -> st.SearchStrategy[Node]:
    many = st.lists(children, min_size=2, max_size=3).map(tuple)
    return st.one_of(many.map(And), many.map(Or), children.map(Not))


QUERIES = st.recursive(LEAVES, _tree, max_leaves=5)
VALUE = st.fixed_dictionaries(
    {},
    optional={
        "model": st.sampled_from(["churn", "fraud", "Churn", "x y"]),
        "status": st.sampled_from(["live", "dead"]),
        "score": st.sampled_from([1, 2, 3, 3.0, 7, "3"]),
        "tags": st.lists(st.sampled_from(["a", "b", "churn"]), max_size=3),
    },
)


@settings(max_examples=80, deadline=None)
@given(
    values=st.lists(VALUE, min_size=1, max_size=14),
    query=QUERIES,
    limit=st.sampled_from([1, 3, 100]),
    expired=st.sets(st.integers(0, 13), max_size=3),
    namespace=st.sampled_from([None, "a"]),
)
def test_set_algebra_equals_the_row_by_row_plan(
    empty_memory: Callable[[], tuple[Memory, FakeClock]],
    values: list[dict],
    query: Node,
    limit: int,
    expired: set[int],
    namespace: str | None,
) -> None:
    memory, clock = empty_memory()
    for i, value in enumerate(values):
        memory.store("a" if i % 2 else "b", f"k{i}", value, ttl=30 if i in expired else None)
        clock.advance(1)
    clock.advance(60)
    node = parse(to_text(query))
    with memory.db.connection() as con:
        resolve = resolver(con, node)
        kwargs = {"now": clock.now, "namespace": namespace, "limit": limit, "resolve": resolve}
        by_rows = con.execute(*compile_search(node, **kwargs)).fetchall()
        by_sets = con.execute(*compile_set_search(node, **kwargs)).fetchall()
    assert [(r[0], r[1], r[7]) for r in by_sets] == [(r[0], r[1], r[7]) for r in by_rows]
    if wants_set_algebra(node):  # and the public search takes that plan with the same answer
        hits = memory.search(to_text(node), namespace=namespace, limit=limit)
        assert [(h.entry.namespace, h.entry.key, h.score) for h in hits] == [
            (r[0], r[1], r[7]) for r in by_rows
        ]


def test_a_sparse_and_finds_old_entries_through_older_slices(
    clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Recency slices for a query without OR: an old match is still found, each slice reaching
    further back (by what the newer ones found) until one reaches the oldest entry, in a few
    statements."""
    with Store(":memory:", clock=clock) as store:
        memory = Memory(store)
        memory.store("ns", "old", {"model": "churn", "status": "live"})
        clock.advance(90 * 86_400)
        memory.store_many([("ns", f"new{i}", {"model": "churn"}) for i in range(5)])
        seen = _counting_statements(monkeypatch)  # every statement the search sends
        hits = memory.search("model:churn AND status:live", limit=10)
        assert [h.entry.key for h in hits] == ["old"]
        # the span, then disjoint empty slices reaching back 1 h, 8 h, 64 h, 512 h, then the rest
        assert "min(updated_at)" in seen[0] and len(seen) <= 6
        assert "updated_at >= ?" not in seen[-1]  # the last slice reaches the oldest entry
        seen.clear()
        assert [h.entry.key for h in memory.search("model:churn AND status:1", limit=10)] == []
        assert "md5_number_lower" in seen[0]  # a number's canonical spelling is DuckDB's: its hashes first
        seen.clear()
        hits = memory.search("model:churn AND NOT status:live", limit=3)
        assert [h.entry.key for h in hits] == ["new0", "new1", "new2"]
        assert len(seen) == 2  # the span, then the newest hour holds the limit


def _counting_statements(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []

    class Counting:
        def __init__(self, con: Any) -> None:
            self._con = con

        def __getattr__(self, name: str) -> Any:
            return getattr(self._con, name)

        def execute(self, sql: str, *args: Any) -> Any:
            seen.append(sql)
            return self._con.execute(sql, *args)

    unit = Store.connection

    @contextmanager
    def counting(self: Store) -> Iterator[Any]:
        with unit(self) as con:
            yield Counting(con)

    monkeypatch.setattr(Store, "connection", counting)
    return seen


def test_a_lone_field_value_is_one_statement_when_rare(
    clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    import axtui.core.query_plan as plan

    monkeypatch.setattr(plan, "INDEX_FETCH_MAX", 3)
    with Store(":memory:", clock=clock) as store:
        memory = Memory(store)
        for i in range(8):
            memory.store("ns", f"k{i}", {"model": "churn" if i else "rare", "n": i})
            clock.advance(1)
        seen = _counting_statements(monkeypatch)
        for query, keys, statements in (
            ("model:RARE", ["k0"], 1),  # rare: the capped fetch is the whole answer
            ("model:churn", ["k7", "k6"], 2),  # 7 rows > 3: ranked inside memory_fields instead
            ("model:nothing", [], 1),  # no row at all: the capped fetch's count (0) says so
        ):
            seen.clear()
            assert [h.entry.key for h in memory.search(query, limit=2)] == keys
            assert len(seen) == statements and "LIMIT ?) SELECT" in seen[0]  # no round trip for the hash


def test_a_closed_timestamp_range_is_one_ranked_statement(
    clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No recency windows for a timestamp range closed at both ends, old matches included."""
    with Store(":memory:", clock=clock) as store:
        memory = Memory(store)
        memory.store("ns", "old", {"at": "2026-01-01T10:00:00Z"})
        clock.advance(90 * 86_400)
        memory.store("ns", "new", {"at": "2026-01-01T11:00:00Z"})
        memory.store("ns", "out", {"at": "2026-02-01T11:00:00Z"})
        seen = _counting_statements(monkeypatch)
        hits = memory.search("at:[2026-01-01T00:00:00Z TO 2026-01-01T23:00:00Z]")
        assert [h.entry.key for h in hits] == ["new", "old"]
        assert len(seen) == 1
        seen.clear()
        assert [h.entry.key for h in memory.search("at:[2026-01-15 TO *]")] == ["out"]
        assert len(seen) > 1  # open-ended: the recency windows first (the newest hour holds it)


def _no_or(node: Node) -> bool:
    if isinstance(node, Or):
        return False
    if isinstance(node, Not):
        return _no_or(node.child)
    return all(_no_or(c) for c in node.children) if isinstance(node, And) else True


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(VALUE, min_size=1, max_size=14),
    gaps=st.lists(st.sampled_from([0, 60, 1800, 3600, 7200, 86_400, 30 * 86_400]), min_size=14, max_size=14),
    query=QUERIES.filter(_no_or),
    limit=st.sampled_from([1, 2, 3, 100]),
    namespace=st.sampled_from([None, "a"]),
)
def test_recency_windows_of_a_set_query_never_change_its_results(
    empty_memory: Callable[[], tuple[Memory, FakeClock]],
    values: list[dict],
    gaps: list[int],
    query: Node,
    limit: int,
    namespace: str | None,
) -> None:
    """Without OR the slices (newest hour first, each reaching back by what they found) give exactly the
    ranking of the whole store, whatever the spacing of the entries in time."""
    memory, clock = empty_memory()
    for i, value in enumerate(values):
        memory.store("a" if i % 2 else "b", f"k{i}", value, ttl=None)
        clock.advance(gaps[i])
    node = parse(to_text(query))
    with memory.db.connection() as con:
        resolve = resolver(con, node)
        kwargs = {"now": clock.now, "namespace": namespace, "limit": limit, "resolve": resolve}
        whole = con.execute(*compile_set_search(node, **kwargs)).fetchall()
    hits = memory.search(to_text(node), namespace=namespace, limit=limit)
    assert [(h.entry.namespace, h.entry.key, h.score) for h in hits] == [(r[0], r[1], r[7]) for r in whole]


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(VALUE, min_size=1, max_size=12),
    term=st.sampled_from(["model:churn", "status:live", "score:3", "score:3.0", "tags:b", "model:nope"]),
    cap=st.integers(0, 4),
    limit=st.sampled_from([1, 2, 100]),
    expired=st.sets(st.integers(0, 11), max_size=3),
    namespace=st.sampled_from([None, "a"]),
)
def test_a_capped_lone_term_equals_the_ranked_one(
    empty_memory: Callable[[], tuple[Memory, FakeClock]],
    values: list[dict],
    term: str,
    cap: int,
    limit: int,
    expired: set[int],
    namespace: str | None,
) -> None:
    """Whether the capped fetch answers (few rows) or hands over (more than ``cap``), the hits are
    those of the query ranked and limited inside memory_fields."""
    import axtui.core.query_plan as plan

    memory, clock = empty_memory()
    for i, value in enumerate(values):
        memory.store("a" if i % 2 else "b", f"k{i}", value, ttl=30 if i in expired else None)
        clock.advance(1)
    clock.advance(60)
    node = parse(term)
    with memory.db.connection() as con:
        resolve = resolver(con, node)
        kwargs = {"now": clock.now, "namespace": namespace, "limit": limit, "resolve": resolve}
        ranked = con.execute(*compile_search(node, **kwargs)).fetchall()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(plan, "INDEX_FETCH_MAX", cap)
        hits = memory.search(term, namespace=namespace, limit=limit)
    assert [(h.entry.namespace, h.entry.key, h.score) for h in hits] == [(r[0], r[1], r[7]) for r in ranked]


STAMPS = ["2026-01-01T10:00:00Z", "2026-01-01T12:00:00Z", "2026-01-02T09:00:00Z", "2026-01-03T00:00:00Z"]


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(
        st.tuples(VALUE, st.sampled_from([None, *STAMPS]), st.integers(0, 5)), min_size=1, max_size=12
    ),
    other=QUERIES.filter(_no_or),
    bounds=st.sampled_from([(0, 1), (1, 2), (0, 3), (2, 3)]),
    limit=st.sampled_from([1, 2, 100]),
    namespace=st.sampled_from([None, "a"]),
)
def test_a_required_timestamp_range_keeps_the_other_terms_to_its_ids_exactly(
    empty_memory: Callable[[], tuple[Memory, FakeClock]],
    values: list[tuple[dict, str | None, int]],
    other: Node,
    bounds: tuple[int, int],
    limit: int,
    namespace: str | None,
) -> None:
    """``x AND at:[a TO b]`` keeps every term to the entry ids the range spans (then one statement):
    the same hits as the row-by-row plan, keys overwritten out of id order included."""
    memory, clock = empty_memory()
    for i, (value, stamp, key) in enumerate(values):  # a repeated key is rewritten: new time, old id
        memory.store("a" if i % 2 else "b", f"k{key}", {**value, "at": stamp} if stamp else value)
        clock.advance(3600)
    node = parse(f"({to_text(other)}) AND at:[{STAMPS[bounds[0]]} TO {STAMPS[bounds[1]]}]")
    with memory.db.connection() as con:
        kwargs = {"now": clock.now, "namespace": namespace, "limit": limit, "resolve": resolver(con, node)}
        by_rows = con.execute(*compile_search(node, **kwargs)).fetchall()
    hits = memory.search(to_text(node), namespace=namespace, limit=limit)
    assert [(h.entry.namespace, h.entry.key, h.score) for h in hits] == [(r[0], r[1], r[7]) for r in by_rows]
