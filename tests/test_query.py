"""The search language: parser, error positions, AST round trip, and what each term matches."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from axtui.core.clock import FakeClock
from axtui.core.memory import Memory
from axtui.core.query_parser import (
    And,
    Field,
    Key,
    Not,
    Or,
    QuerySyntaxError,
    Range,
    Word,
    parse,
    to_text,
)
from axtui.core.store import Store
from axtui.errors import InputError

# -- parser --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, ast",
    [
        ("churn", Word("churn")),
        ('"data drift"', Word("data drift", phrase=True)),
        ("model:churn", Field("model", "churn")),
        ('model:"churn predictor"', Field("model", "churn predictor", quoted=True)),
        ("model:churn*", Field("model", "churn", prefix=True)),
        ("model:*", Field("model", "", prefix=True)),
        ("key:churn/versions/*", Key("churn/versions/", prefix=True)),
        ("key:churn/index", Key("churn/index")),
        ("accuracy:[0.9 TO 1]", Range("accuracy", "0.9", "1", "num")),
        ("accuracy:[0.9 TO *]", Range("accuracy", "0.9", None, "num")),
        (
            "timestamp:[2026-01-01T00:00:00Z TO 2026-01-02]",
            Range("timestamp", "2026-01-01T00:00:00Z", "2026-01-02", "ts"),
        ),
        ("a b", And((Word("a"), Word("b")))),
        ("a AND b OR c", Or((And((Word("a"), Word("b"))), Word("c")))),
        ("a AND (b OR c)", And((Word("a"), Or((Word("b"), Word("c")))))),
        ("NOT a", Not(Word("a"))),
        ("NOT NOT a", Not(Not(Word("a")))),
        ("a -b", And((Word("a"), Word("-b")))),
        ("and or", And((Word("and"), Word("or")))),  # operators are upper case only
        ("2026-01-05T10:00:00Z", Word("2026-01-05T10:00:00Z")),  # a digit-led token is not a field
        (
            "model:churn AND timestamp:[2026-01-01T00:00:00Z TO 2026-01-08T00:00:00Z]",
            And(
                (
                    Field("model", "churn"),
                    Range("timestamp", "2026-01-01T00:00:00Z", "2026-01-08T00:00:00Z", "ts"),
                )
            ),
        ),
        (r'"say \"hi\""', Word('say "hi"', phrase=True)),
    ],
)
def test_parse(text: str, ast: object) -> None:
    assert parse(text) == ast


@pytest.mark.parametrize(
    "text, column, problem",
    [
        ("", 1, "empty"),
        ("   ", 1, "empty"),
        ("a AND", 6, "ends where a term was expected"),
        ("a AND (b OR", 12, "ends where a term was expected"),
        ("(a b", 1, "unbalanced '('"),
        ("a b)", 4, "unexpected ')'"),
        ('model:"churn', 7, "unterminated quoted phrase"),
        ("model: churn", 7, "missing value after 'model:'"),
        ("model:(x)", 7, "missing value after 'model:'"),
        ("acc:[1 TO", 5, "unterminated range"),
        ("acc:[1 2]", 5, "exactly 'low TO high'"),
        ("acc:[x TO 2]", 6, "neither a number nor an ISO timestamp"),
        ("acc:[1 TO 2026-01-01]", 5, "cannot mix"),
        ("acc:[* TO *]", 5, "at least one bound"),
        ("key:[a TO b]", 5, "not supported on key"),
        ("key:*", 5, "matches everything"),
        ("model:ch*rn", 9, "only allowed at the end"),
        ("a OR OR b", 6, "OR needs a term on both sides"),
        ("TO", 1, "TO outside a range"),
    ],
)
def test_malformed_queries_point_at_the_column(text: str, column: int, problem: str) -> None:
    with pytest.raises(QuerySyntaxError) as err:
        parse(text)
    assert isinstance(err.value, InputError)
    assert err.value.where == f"query: column {column}"
    assert problem in err.value.message
    caret_line = err.value.message.splitlines()[-1]
    assert caret_line.index("^") - 4 == column - 1  # the caret sits under the column
    assert err.value.hint


def test_overlong_query_is_refused() -> None:
    with pytest.raises(InputError, match="at most"):
        parse("a " * 3000)


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.sampled_from([*'ab :*"()[]\\-019.ZT', " AND ", " OR ", "NOT ", " TO ", "f:"]), max_size=14
    ).map("".join)
    | st.text(max_size=30)
)
def test_parser_never_fails_with_anything_but_input_error(text: str) -> None:
    try:
        ast = parse(text)
    except InputError as err:
        assert err.where and err.where.startswith("query")
        return
    assert parse(to_text(ast)) == ast


# -- AST -> text -> AST ------------------------------------------------------------------

SAFE = st.text(alphabet="abcxyz019_-./", min_size=1, max_size=6)
WORDS = SAFE.filter(
    lambda w: (w not in ("AND", "OR", "NOT", "TO") and not w.startswith(("-", "."))) or w.isalnum()
)
FIELD_NAMES = st.from_regex(r"[a-z_][a-z0-9_.]{0,6}", fullmatch=True).filter(lambda f: f != "key")
PHRASES = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=10)
NUMBERS = st.integers(-1000, 1000).map(str) | st.floats(-1e6, 1e6, allow_nan=False).map(lambda f: f"{f:.3f}")
DATES = st.dates().map(lambda d: d.isoformat()).filter(lambda d: len(d) == 10)


def _bare_word(text: str) -> bool:
    try:
        return parse(text) == Word(text)
    except InputError:
        return False


leaves = st.one_of(
    WORDS.filter(_bare_word).map(Word),
    PHRASES.map(lambda t: Word(t, phrase=True)),
    st.builds(lambda f, v: Field(f, v), FIELD_NAMES, SAFE.filter(lambda v: not v.startswith("["))),
    st.builds(lambda f, v: Field(f, v, quoted=True), FIELD_NAMES, PHRASES),
    st.builds(lambda f, v: Field(f, v, prefix=True), FIELD_NAMES, st.just("") | SAFE),
    st.builds(lambda v, p: Key(v, prefix=p), SAFE, st.booleans()),
    st.builds(lambda f, lo, hi: Range(f, lo, hi, "num"), FIELD_NAMES, NUMBERS, NUMBERS | st.none()),
    st.builds(lambda f, lo, hi: Range(f, lo, hi, "ts"), FIELD_NAMES, DATES | st.none(), DATES),
)
asts = st.recursive(
    leaves,
    lambda kids: st.one_of(
        kids.map(Not),
        st.lists(kids, min_size=2, max_size=3).map(lambda xs: And(tuple(xs))),
        st.lists(kids, min_size=2, max_size=3).map(lambda xs: Or(tuple(xs))),
    ),
    max_leaves=8,
)


@settings(max_examples=150, deadline=None)
@given(asts)
def test_ast_to_text_parses_back_to_the_same_ast(ast: object) -> None:
    assume(not (isinstance(ast, Key) and ast.prefix and ast.value == ""))
    assert parse(to_text(ast)) == ast


# -- matching --------------------------------------------------------------------------------


@pytest.fixture
def memory(clock: FakeClock) -> Iterator[Memory]:
    with Store(":memory:", clock=clock) as store:
        yield Memory(store)


def _keys(memory: Memory, query: str, **kw: object) -> list[str]:
    return [hit.entry.key for hit in memory.search(query, **kw)]


@pytest.fixture
def seeded(memory: Memory, clock: FakeClock) -> Memory:
    rows = [
        (
            "ml-model-registry",
            "churn/versions/v1",
            {
                "model": "churn",
                "status": "archived",
                "auc": 0.81,
                "tags": ["baseline"],
                "created_at": "2026-01-01T09:00:00Z",
            },
        ),
        (
            "ml-model-registry",
            "churn/versions/v2",
            {
                "model": "Churn",
                "status": "production",
                "auc": 0.88,
                "tags": ["xgboost", "drift-fix"],
                "created_at": "2026-01-05T09:00:00+02:00",
            },
        ),
        (
            "ml-model-registry",
            "fraud/versions/v1",
            {
                "model": "fraud",
                "status": "production",
                "auc": 0.93,
                "metrics": {"recall": 0.7},
                "created_at": "2026-01-31",
            },
        ),
        (
            "ml-alerts",
            "churn/2026-01-06",
            {"model": "churn", "severity": "high", "message": "Data drift detected on tenure", "psi": 0.31},
        ),
        (
            "ml-experiments",
            "exp-7/parameters",
            {
                "model": "churn",
                "version": "3",
                "depth": 3,
                "note": "retrain with seasonal features",
                "ok": True,
            },
        ),
    ]
    for namespace, key, value in rows:
        memory.store(namespace, key, value)
        clock.advance(60)
    return memory


def test_field_value_is_case_insensitive_and_ranked_by_recency(seeded: Memory) -> None:
    assert _keys(seeded, "model:churn") == [
        "exp-7/parameters",
        "churn/2026-01-06",
        "churn/versions/v2",
        "churn/versions/v1",
    ]
    assert _keys(seeded, "model:CHURN", namespace="ml-model-registry") == [
        "churn/versions/v2",
        "churn/versions/v1",
    ]
    assert _keys(seeded, "model:churn", limit=2) == ["exp-7/parameters", "churn/2026-01-06"]


def test_field_value_matches_numbers_booleans_arrays_and_nested_paths(seeded: Memory) -> None:
    assert _keys(seeded, "auc:0.88") == ["churn/versions/v2"]
    assert _keys(seeded, "depth:3.0") == ["exp-7/parameters"]
    assert _keys(seeded, "version:3") == ["exp-7/parameters"]  # the string "3"
    assert _keys(seeded, 'version:"3.0"') == []  # quoted: literal text only
    assert _keys(seeded, "ok:true") == ["exp-7/parameters"]
    assert _keys(seeded, "tags:xgboost") == ["churn/versions/v2"]
    assert _keys(seeded, "metrics.recall:0.7") == ["fraud/versions/v1"]
    assert _keys(seeded, "status:prod*") == ["fraud/versions/v1", "churn/versions/v2"]
    assert _keys(seeded, "metrics.recall:*") == ["fraud/versions/v1"]
    assert _keys(seeded, "nosuchfield:churn") == []


def test_ranges_over_numbers_and_timestamps(seeded: Memory) -> None:
    assert _keys(seeded, "auc:[0.85 TO 0.93]") == ["fraud/versions/v1", "churn/versions/v2"]
    assert _keys(seeded, "auc:[0.85 TO *]") == ["fraud/versions/v1", "churn/versions/v2"]
    assert _keys(seeded, "auc:[* TO 0.81]") == ["churn/versions/v1"]
    # +02:00 is converted to UTC: 07:00Z, inside a window ending 08:00Z
    assert _keys(seeded, "created_at:[2026-01-05T06:30:00Z TO 2026-01-05T08:00:00Z]") == ["churn/versions/v2"]
    assert _keys(seeded, "created_at:[2026-01-05T07:30:00Z TO 2026-01-05T08:00:00Z]") == []
    # a date as upper bound covers that whole day
    assert _keys(seeded, "created_at:[2026-01-01 TO 2026-01-01]") == ["churn/versions/v1"]
    assert _keys(seeded, "created_at:[2026-01-30 TO *]") == ["fraud/versions/v1"]


def test_words_phrases_and_keys(seeded: Memory) -> None:
    assert _keys(seeded, "TENURE") == ["churn/2026-01-06"]
    assert _keys(seeded, '"drift detected"') == ["churn/2026-01-06"]
    assert _keys(seeded, '"detected drift"') == []
    assert _keys(seeded, "versions") == ["fraud/versions/v1", "churn/versions/v2", "churn/versions/v1"]
    assert _keys(seeded, "key:churn/*") == ["churn/2026-01-06", "churn/versions/v2", "churn/versions/v1"]
    assert _keys(seeded, "key:churn/versions/v1") == ["churn/versions/v1"]
    assert _keys(seeded, "key:Churn/*") == []  # keys are case-sensitive


def test_boolean_operators(seeded: Memory) -> None:
    assert _keys(seeded, "model:churn AND status:production") == ["churn/versions/v2"]
    assert _keys(seeded, "model:churn status:production") == ["churn/versions/v2"]
    assert _keys(seeded, "model:churn AND NOT key:churn/versions/*") == [
        "exp-7/parameters",
        "churn/2026-01-06",
    ]
    assert _keys(seeded, "(severity:high OR auc:[0.9 TO 1]) AND NOT model:fraud") == ["churn/2026-01-06"]
    assert _keys(seeded, "NOT model:churn") == ["fraud/versions/v1"]


def test_ranking_counts_matched_terms_and_prefers_fields_over_words(seeded: Memory) -> None:
    hits = seeded.search("status:production OR baseline OR model:fraud")
    assert [(h.entry.key, h.score) for h in hits] == [
        ("fraud/versions/v1", 4.0),
        ("churn/versions/v2", 2.0),
        ("churn/versions/v1", 1.0),
    ]


def test_search_ignores_expired_and_validates_its_arguments(seeded: Memory, clock: FakeClock) -> None:
    clock.advance(31 * 86_400)  # the alert (30 days) expires
    assert _keys(seeded, "severity:high") == []
    assert _keys(seeded, "tenure") == []
    with pytest.raises(InputError):
        seeded.search("churn", limit=0)
    with pytest.raises(InputError):
        seeded.search("churn", namespace="Bad NS")


def test_user_text_never_reaches_sql_as_code(seeded: Memory) -> None:
    for query in [
        "x'; DROP TABLE memory_entries; --",
        'model:"\'); DELETE FROM memory_fields; --"',
        "a:[1 TO 2]) OR 1=1 --",
        "key:%",
    ]:
        with contextlib.suppress(InputError):
            seeded.search(query)
    assert len(seeded.list()) == 5
    assert _keys(seeded, "model:fraud") == ["fraud/versions/v1"]


# -- field:value equals a naive Python filter ---------------------------------------------------

SCALARS = st.sampled_from(
    ["churn", "Churn", "fraud", "3", "3.0", "x y", "true", "", "null"]
) | st.sampled_from([3, 3.0, 2.5, -1, 0, True, False, None])
VALUES = st.dictionaries(
    st.sampled_from(["model", "status", "score"]), SCALARS | st.lists(SCALARS, max_size=3), max_size=3
)
QUERY_VALUES = st.sampled_from(
    ["churn", "CHURN", "3", "3.0", "2.5", "-1", "0", "true", "false", "null", "fraud", "x"]
)


def _texts(value: str, quoted: bool) -> set[str]:
    texts = {value.lower()}
    if not quoted:
        try:
            number = float(value)
        except ValueError:
            return texts
        texts.add(str(int(number)) if number.is_integer() else repr(number))
    return texts


def _scalar_text(x: object) -> str:
    if x is None:
        return "null"
    if isinstance(x, bool):
        return "true" if x else "false"
    if isinstance(x, int | float):
        return str(int(x)) if float(x).is_integer() else repr(float(x))
    return str(x).lower()


def naive_match(value: dict, field: str, texts: set[str]) -> bool:
    item = value.get(field, [])
    items = item if isinstance(item, list) else [item]
    return any(_scalar_text(x) in texts for x in items)


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(VALUES, min_size=1, max_size=12),
    field=st.sampled_from(["model", "status", "score"]),
    query_value=QUERY_VALUES,
    quoted=st.booleans(),
    expired=st.sets(st.integers(0, 11), max_size=3),
)
def test_field_value_equals_a_naive_filter(
    empty_memory: Callable[[], tuple[Memory, FakeClock]],
    values: list[dict],
    field: str,
    query_value: str,
    quoted: bool,
    expired: set[int],
) -> None:
    memory, clock = empty_memory()
    items = [("ns", f"k{i:02d}", value) for i, value in enumerate(values)]
    memory.store_many([item for i, item in enumerate(items) if i in expired], ttl=30)
    memory.store_many([item for i, item in enumerate(items) if i not in expired], ttl=None)
    clock.now += timedelta(seconds=60)
    term = f'{field}:"{query_value}"' if quoted else f"{field}:{query_value}"
    got = [h.entry.key for h in memory.search(term, limit=100)]
    texts = _texts(query_value, quoted)
    expected = [
        f"k{i:02d}" for i, value in enumerate(values) if i not in expired and naive_match(value, field, texts)
    ]
    assert got == expected  # same updated_at: ties are broken by key


@settings(max_examples=40, deadline=None)
@given(
    values=st.lists(VALUES, min_size=1, max_size=12),
    first=st.tuples(st.sampled_from(["model", "status", "score"]), QUERY_VALUES),
    second=st.tuples(st.sampled_from(["model", "status", "score"]), QUERY_VALUES),
    negate=st.booleans(),
)
def test_and_not_of_field_terms_equals_a_naive_filter(
    empty_memory: Callable[[], tuple[Memory, FakeClock]],
    values: list[dict],
    first: tuple[str, str],
    second: tuple[str, str],
    negate: bool,
) -> None:
    memory, _ = empty_memory()
    memory.store_many([("ns", f"k{i:02d}", value) for i, value in enumerate(values)], ttl=None)
    query = f"{first[0]}:{first[1]} AND {'NOT ' if negate else ''}{second[0]}:{second[1]}"
    got = [h.entry.key for h in memory.search(query, limit=100)]
    expected = [
        f"k{i:02d}"
        for i, value in enumerate(values)
        if naive_match(value, first[0], _texts(first[1], False))
        and naive_match(value, second[0], _texts(second[1], False)) != negate
    ]
    assert sorted(got) == expected


def test_recency_windows_never_change_the_results(
    memory: Memory, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    for i in range(40):  # one entry every 30 hours: spans all the windows
        memory.store(
            "ns", f"k{i:02d}", {"model": "churn" if i % 3 else "fraud", "n": i, "tags": ["t", str(i)]}
        )
        clock.advance(30 * 3600)
    queries = [
        "model:churn",
        "churn",
        "model:churn AND NOT n:[10 TO 20]",
        "key:k1*",
        "n:[5 TO *]",
        "tags:t AND NOT model:fraud",
        "model:churn OR n:3",
    ]
    import axtui.core.query_plan as plan_module

    def results() -> dict[tuple[str, int], list[str]]:
        return {(q, limit): _keys(memory, q, limit=limit) for q in queries for limit in (1, 3, 7, 100)}

    windowed = results()  # rare field terms by index, the others through recency windows
    monkeypatch.setattr(plan_module, "INDEX_FETCH_MAX", -1)
    assert results() == windowed  # field terms through the windows too
    monkeypatch.setattr(plan_module, "recency_windows", lambda node, now: [None])
    assert results() == windowed  # one full ranking
    assert windowed[("model:churn", 3)] == ["k38", "k37", "k35"]


@settings(max_examples=200, deadline=None)
@given(
    field=st.text(st.characters(min_codepoint=32, max_codepoint=126), min_size=1, max_size=12),
    value=st.text(st.characters(min_codepoint=32, max_codepoint=126), min_size=1, max_size=20),
    quoted=st.booleans(),
)
def test_local_keys_are_duckdbs_keys(field: str, value: str, quoted: bool) -> None:
    """The hashes computed in Python for ASCII, non-numeric terms are the ones DuckDB indexes."""
    import duckdb

    from axtui.core.query import _database_keys, local_keys
    from axtui.core.query_parser import Field

    node = Field(field, value, quoted=quoted)
    local = local_keys(node)
    if local is None:  # numbers (and only they, in ASCII) are left to DuckDB
        assert not quoted
        return
    with duckdb.connect() as con:
        assert local == _database_keys(con, [node])[0]
