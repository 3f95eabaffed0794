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


def test_a_lone_rare_field_value_is_its_ids_then_their_entries(
    clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    import axtui.core.query_plan as plan

    monkeypatch.setattr(plan, "INDEX_FETCH_MAX", 3)
    with Store(":memory:", clock=clock) as store:
        memory = Memory(store)
        for i in range(8):
            memory.store(
                "ns", f"k{i}", {"model": "churn" if i else "rare", "n": i, "tags": ["t"] if i < 3 else []}
            )
            clock.advance(1)
        seen = _counting_statements(monkeypatch)
        for query, keys, statements in (
            ("model:RARE", ["k0"], 2),  # rare: the capped fetch, then its one entry by id
            ("tags:t", ["k2", "k1"], 2),  # several ids, ranked
            ("model:churn", ["k7", "k6"], 2),  # 7 rows > 3: ranked inside memory_fields instead
            ("model:nothing", [], 1),  # no row at all: the capped fetch says so
        ):
            seen.clear()
            assert [h.entry.key for h in memory.search(query, limit=2)] == keys
            assert len(seen) == statements  # no round trip for the hash
            assert seen[0].startswith("SELECT entry_id FROM memory_fields WHERE fv_hash = ?::UBIGINT")


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


EQUALITY_LEAVES = st.sampled_from(
    ["model:churn", "model:fraud", "status:live", "tags:a", "tags:b", "tags:churn"]
).map(parse)
EQUALITY_QUERIES = st.recursive(EQUALITY_LEAVES, _tree, max_leaves=5).filter(
    lambda n: isinstance(n, And | Or)
)
STRING_VALUE = st.fixed_dictionaries(
    {},
    optional={
        "model": st.sampled_from(["churn", "fraud", "Churn"]),
        "status": st.sampled_from(["live", "dead", "LIVE"]),
        "tags": st.lists(st.sampled_from(["a", "b", "churn", "A"]), max_size=3),
    },
)


def _matches(node: Node, value: dict) -> bool:
    """The boolean of an equality-only query on a value of strings and lists of strings."""
    if isinstance(node, Not):
        return not _matches(node.child, value)
    if isinstance(node, And):
        return all(_matches(c, value) for c in node.children)
    if isinstance(node, Or):
        return any(_matches(c, value) for c in node.children)
    found = value.get(node.field)
    texts = found if isinstance(found, list) else [] if found is None else [found]
    return node.value.lower() in [t.lower() for t in texts]


def _score(node: Node, value: dict, positive: bool = True) -> float:
    """2 for every positive term the value matches (terms under a NOT never score)."""
    if isinstance(node, Not):
        return _score(node.child, value, False)
    if isinstance(node, And | Or):
        return sum(_score(c, value, positive) for c in node.children)
    return 2.0 if positive and _matches(node, value) else 0.0


@settings(max_examples=300, deadline=None)
@given(
    values=st.lists(st.tuples(STRING_VALUE, st.sampled_from([0, 0, 0, 1, 3600])), min_size=1, max_size=16),
    query=EQUALITY_QUERIES,
    limit=st.sampled_from([1, 2, 3, 100]),
    expired=st.sets(st.integers(0, 15), max_size=5),
    namespace=st.sampled_from([None, "a"]),
)
def test_or_and_boolean_queries_equal_a_brute_force_evaluation(
    empty_memory: Callable[[], tuple[Memory, FakeClock]],
    values: list[tuple[dict, int]],
    query: Node,
    limit: int,
    expired: set[int],
    namespace: str | None,
) -> None:
    """OR and boolean queries of field terms (ranked from the field rows, or by the flags pass
    over every entry when a NOT leaves hits without a matching term), ties in time, expired
    entries and array elements included: the hits, order and scores of evaluating every entry."""
    memory, clock = empty_memory()
    stored = []
    for i, (value, gap) in enumerate(values):
        ns, key = ("a" if i % 2 else "b"), f"k{i}"
        memory.store(ns, key, value, ttl=30 if i in expired else None)
        stored.append((ns, key, value, clock.now, i in expired))
        clock.advance(gap)
    clock.advance(60)
    node = parse(to_text(query))
    hits = [
        (-_score(node, value), -at.timestamp(), ns, key)
        for ns, key, value, at, dead in stored
        if not dead and namespace in (None, ns) and _matches(node, value)
    ]
    expected = [(ns, key, -score) for score, _, ns, key in sorted(hits)[:limit]]
    found = memory.search(to_text(node), namespace=namespace, limit=limit)
    assert [(h.entry.namespace, h.entry.key, h.score) for h in found] == expected


def test_or_ranked_from_field_rows_asks_again_when_dead_entries_were_its_top(
    clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The field rows do not say which entries are live until the top ones meet their entries:
    when expired ones leave fewer than ``limit`` while hits were cut, the flags pass answers."""
    with Store(":memory:", clock=clock) as store:
        memory = Memory(store)
        for i in range(3):
            memory.store("ns", f"old{i}", {"model": "churn"}, ttl=None)
            clock.advance(10)
        for i in range(3):
            memory.store("ns", f"dead{i}", {"model": "fraud"}, ttl=20)
        clock.advance(30)
        seen = _counting_statements(monkeypatch)
        hits = memory.search("model:churn OR model:fraud", limit=2)
        assert [h.entry.key for h in hits] == ["old2", "old1"]
        assert len(seen) == 2 and "left_out" in seen[0]
        seen.clear()
        assert [h.entry.key for h in memory.search("model:churn OR model:fraud", limit=6)] == [
            "old2",
            "old1",
            "old0",
        ]
        assert len(seen) == 1  # all six hits kept (nothing cut): the one statement is complete


def test_a_closed_timestamp_range_with_array_elements_ranks_entries_once(
    clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two matching elements of one entry take two of the ``limit`` newest field rows: the range
    is then ranked again without duplicates, so the next entry is not lost."""
    with Store(":memory:", clock=clock) as store:
        memory = Memory(store)
        memory.store("ns", "older", {"at": "2026-01-01T09:00:00Z"})
        clock.advance(5)
        memory.store("ns", "newer", {"at": ["2026-01-01T10:00:00Z", "2026-01-01T11:00:00Z"]})
        seen = _counting_statements(monkeypatch)
        hits = memory.search("at:[2026-01-01T00:00:00Z TO 2026-01-01T23:00:00Z]", limit=2)
        assert [h.entry.key for h in hits] == ["newer", "older"]
        assert len(seen) == 2
        seen.clear()
        hits = memory.search("at:[2026-01-01T00:00:00Z TO 2026-01-01T23:00:00Z]", limit=4)
        assert [h.entry.key for h in hits] == ["newer", "older"] and len(seen) == 1
