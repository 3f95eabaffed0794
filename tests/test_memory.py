"""Memory: TTL with a fake clock, merge, versions and history, idempotent session writes, export/import."""

from __future__ import annotations

import json
import math
from datetime import datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from axtui.core.clock import FakeClock
from axtui.core.memory import Memory, deep_merge, resolve_ttl
from axtui.core.namespaces import DAY, PRD_NAMESPACES, check_key, check_namespace
from axtui.core.store import Store
from axtui.errors import InputError, NotFoundError


@pytest.fixture
def memory(store: Store) -> Memory:
    return Memory(store)


# -- namespaces and keys ------------------------------------------------------------


def test_prd_namespaces_have_the_appendix_ttls() -> None:
    ttl = {name: spec.default_ttl for name, spec in PRD_NAMESPACES.items()}
    assert ttl == {
        "ml-experiments": 90 * DAY,
        "ml-experiment-reports": 90 * DAY,
        "ml-evaluations": 180 * DAY,
        "ml-model-registry": None,
        "ml-model-events": 365 * DAY,
        "ml-alerts": 30 * DAY,
        "ml-monitoring-reports": 30 * DAY,
        "ml-feature-store": None,
        "ml-ab-experiments": 365 * DAY,
        "ml-production-predictions": 7 * DAY,
    }
    assert all(spec.description for spec in PRD_NAMESPACES.values())


@pytest.mark.parametrize("name", ["ml-experiments", "team.notes", "a", "x_1-2", "0abc"])
def test_well_formed_namespaces_pass(name: str) -> None:
    assert check_namespace(name) == name


@pytest.mark.parametrize(
    "name, problem",
    [
        ("", "empty"),
        ("ML", "'M'"),
        ("a b", "' '"),
        ("-lead", "invalid"),
        ("a/b", "'/'"),
        ("x" * 65, "invalid"),
    ],
)
def test_bad_namespaces_are_refused(name: str, problem: str) -> None:
    with pytest.raises(InputError) as err:
        check_namespace(name)
    assert problem in err.value.message


@pytest.mark.parametrize("key, problem", [("", "empty"), ("a\nb", "control"), ("k" * 513, "513")])
def test_bad_keys_are_refused(key: str, problem: str) -> None:
    with pytest.raises(InputError) as err:
        check_key(key)
    assert problem in err.value.message


def test_keys_with_slashes_and_unknown_namespaces_are_fine(memory: Memory) -> None:
    entry = memory.store("my-team", "churn/versions/v1", {"status": "staged"})
    assert entry.expires_at is None  # unknown namespace: permanent by default
    assert memory.retrieve("my-team", "churn/versions/v1").value == {"status": "staged"}


# -- TTL --------------------------------------------------------------------------------


def test_default_ttl_comes_from_the_namespace(memory: Memory, clock: FakeClock) -> None:
    alert = memory.store("ml-alerts", "churn/1", {"severity": "high"})
    assert alert.expires_at == clock.now + timedelta(days=30)
    registry = memory.store("ml-model-registry", "churn/versions/v1", {"status": "staged"})
    assert registry.expires_at is None


def test_expired_entries_are_invisible_everywhere_then_pruned(memory: Memory, clock: FakeClock) -> None:
    memory.store("ml-alerts", "churn/old", {"model": "churn", "severity": "high"}, ttl=60)
    memory.store("ml-alerts", "churn/new", {"model": "churn", "severity": "low"}, ttl=3600)
    clock.advance(61)
    assert memory.get("ml-alerts", "churn/old") is None
    with pytest.raises(NotFoundError):
        memory.retrieve("ml-alerts", "churn/old")
    assert [e.key for e in memory.list("ml-alerts")] == ["churn/new"]
    assert [h.entry.key for h in memory.search("model:churn")] == ["churn/new"]
    assert [h.entry.key for h in memory.search("churn")] == ["churn/new"]
    counts = {info.name: info.count for info in memory.namespaces()}
    assert counts["ml-alerts"] == 1
    assert memory.export is not None and memory.prune() == 1
    assert memory.prune() == 0
    assert [row["op"] for row in memory.history("ml-alerts", "churn/old")] == ["store", "prune"]
    assert memory.store.__self__ is memory  # the write method is not shadowed by the store object


def test_entry_expires_exactly_at_its_ttl(memory: Memory, clock: FakeClock) -> None:
    memory.store("ns", "k", 1, ttl=10)
    clock.advance(9.999)
    assert memory.get("ns", "k") is not None
    clock.advance(0.001)
    assert memory.get("ns", "k") is None


@pytest.mark.parametrize("ttl", [-1, 0, "soon", float("nan"), float("inf"), True, [1]])
def test_bad_ttls_are_refused(memory: Memory, ttl: object) -> None:
    with pytest.raises(InputError) as err:
        memory.store("ns", "k", 1, ttl=ttl)  # type: ignore[arg-type]
    assert "TTL" in err.value.message
    assert memory.get("ns", "k") is None


def test_ttl_none_is_permanent_even_in_a_ttl_namespace(memory: Memory, clock: FakeClock) -> None:
    memory.store("ml-production-predictions", "p", {"x": 1}, ttl=None)
    clock.advance(3650 * DAY)
    assert memory.retrieve("ml-production-predictions", "p").value == {"x": 1}


def test_resolve_ttl_accepts_numeric_text() -> None:
    assert resolve_ttl("ns", "3600") == 3600.0
    assert resolve_ttl("ml-alerts", "default") == 30 * DAY


# -- versions, merge, history -------------------------------------------------------------


def test_versions_increment_and_created_at_is_kept(memory: Memory, clock: FakeClock) -> None:
    first = memory.store("ns", "k", {"a": 1})
    clock.advance(5)
    second = memory.store("ns", "k", {"a": 2})
    assert (first.version, second.version) == (1, 2)
    assert second.created_at == first.created_at
    assert second.updated_at == first.updated_at + timedelta(seconds=5)


def test_merge_deep_merges_objects(memory: Memory) -> None:
    memory.store("ns", "k", {"model": "churn", "metrics": {"accuracy": 0.9, "f1": 0.8}, "tags": ["a"]})
    merged = memory.store("ns", "k", {"metrics": {"f1": 0.85, "auc": 0.93}, "tags": ["b"]}, merge=True)
    assert merged.value == {
        "model": "churn",
        "metrics": {"accuracy": 0.9, "f1": 0.85, "auc": 0.93},
        "tags": ["b"],
    }
    assert merged.version == 2
    assert memory.search("metrics.auc:0.93")[0].entry.key == "k"  # the index follows the merged value


def test_merge_into_absent_or_expired_key_just_stores(memory: Memory, clock: FakeClock) -> None:
    assert memory.store("ns", "new", {"a": 1}, merge=True).value == {"a": 1}
    memory.store("ns", "old", {"a": 1, "b": 2}, ttl=5)
    clock.advance(6)
    entry = memory.store("ns", "old", {"c": 3}, merge=True)
    assert entry.value == {"c": 3}
    assert entry.created_at == clock.now


@pytest.mark.parametrize("value", [[1, 2], "text", 3, None, True])
def test_merge_needs_an_object(memory: Memory, value: object) -> None:
    memory.store("ns", "k", {"keep": 1})
    with pytest.raises(InputError) as err:
        memory.store("ns", "k", value, merge=True)
    assert "merge needs a JSON object" in err.value.message
    assert memory.retrieve("ns", "k").value == {"keep": 1}


def test_merge_into_a_non_object_value_is_refused(memory: Memory) -> None:
    memory.store("ns", "k", [1, 2])
    with pytest.raises(InputError, match="not an object"):
        memory.store("ns", "k", {"a": 1}, merge=True)
    assert memory.retrieve("ns", "k").value == [1, 2]


def test_deep_merge_does_not_mutate_its_inputs() -> None:
    base = {"a": {"b": 1}}
    patch = {"a": {"c": 2}}
    assert deep_merge(base, patch) == {"a": {"b": 1, "c": 2}}
    assert base == {"a": {"b": 1}} and patch == {"a": {"c": 2}}


def test_history_records_every_change(memory: Memory, clock: FakeClock) -> None:
    memory.store("ns", "k", {"v": 1})
    clock.advance(1)
    memory.store("ns", "k", {"w": 2}, merge=True)
    clock.advance(1)
    assert memory.delete("ns", "k") is True
    assert memory.delete("ns", "k") is False
    history = memory.history("ns", "k")
    assert [(h["version"], h["op"]) for h in history] == [(1, "store"), (2, "store"), (2, "delete")]
    assert history[1]["value"] == {"v": 1, "w": 2}
    assert history[2]["value"] is None


@pytest.mark.parametrize("value", [float("nan"), {"x": float("inf")}, {"s": {1, 2}}, object()])
def test_values_that_are_not_json_are_refused(memory: Memory, value: object) -> None:
    with pytest.raises(InputError, match="cannot be stored as JSON"):
        memory.store("ns", "k", value)


# -- idempotency for workflow steps ----------------------------------------------------------


def test_repeated_write_from_the_same_step_is_not_written_twice(memory: Memory, clock: FakeClock) -> None:
    first = memory.store("ml-experiments", "e1/params", {"lr": 0.1}, session_id="s1", step_id="log")
    clock.advance(30)
    again = memory.store("ml-experiments", "e1/params", {"lr": 0.2}, session_id="s1", step_id="log")
    assert again == first
    assert memory.retrieve("ml-experiments", "e1/params").value == {"lr": 0.1}
    assert len(memory.history("ml-experiments", "e1/params")) == 1
    other_step = memory.store("ml-experiments", "e1/params", {"lr": 0.3}, session_id="s1", step_id="retry")
    assert other_step.version == 2
    other_session = memory.store("ml-experiments", "e1/params", {"lr": 0.4}, session_id="s2", step_id="log")
    assert other_session.version == 3
    # the replayed step returns the current entry, not an older copy
    assert memory.store("ml-experiments", "e1/params", {"lr": 9}, session_id="s1", step_id="log").version == 3


def test_idempotent_write_survives_a_later_delete(memory: Memory) -> None:
    memory.store("ns", "k", {"a": 1}, session_id="s", step_id="x")
    memory.delete("ns", "k")
    replay = memory.store("ns", "k", {"a": 2}, session_id="s", step_id="x")
    assert replay.value == {"a": 1}
    assert memory.get("ns", "k") is None


def test_writes_are_transactional(memory: Memory, store: Store) -> None:
    memory.store("ns", "a", {"x": 1})
    with pytest.raises(RuntimeError), store.transaction():
        memory.store("ns", "a", {"x": 2})
        memory.store("ns", "b", {"x": 3})
        raise RuntimeError("crash mid-way")
    assert memory.retrieve("ns", "a").value == {"x": 1}
    assert memory.get("ns", "b") is None


# -- listing and namespaces -------------------------------------------------------------------


def test_list_orders_filters_and_limits(memory: Memory) -> None:
    for key in ("churn/v2", "churn/v1", "fraud/v1"):
        memory.store("ml-model-registry", key, {"k": key})
    memory.store("ml-alerts", "x", 1)
    assert [e.key for e in memory.list("ml-model-registry")] == ["churn/v1", "churn/v2", "fraud/v1"]
    assert [e.key for e in memory.list("ml-model-registry", prefix="churn/")] == ["churn/v1", "churn/v2"]
    assert [e.key for e in memory.list(limit=2)] == ["x", "churn/v1"]
    with pytest.raises(InputError):
        memory.list(limit=0)


def test_namespaces_lists_prd_ones_and_new_ones_with_counts(memory: Memory) -> None:
    memory.store("team-notes", "a", 1)
    memory.store("ml-alerts", "a", 1)
    memory.store("ml-alerts", "b", 1)
    infos = {info.name: info for info in memory.namespaces()}
    assert set(PRD_NAMESPACES) <= set(infos)
    assert infos["ml-alerts"].count == 2 and infos["ml-alerts"].default_ttl == 30 * DAY
    assert infos["team-notes"].count == 1 and infos["team-notes"].default_ttl is None
    assert infos["ml-feature-store"].count == 0 and infos["ml-feature-store"].description


def test_store_many_writes_in_bulk_with_versions(memory: Memory, clock: FakeClock) -> None:
    memory.store("ml-alerts", "a", {"old": True})
    clock.advance(5)
    assert memory.store_many([("ml-alerts", "a", {"model": "x"}), ("ml-alerts", "b", {"model": "y"})]) == 2
    a = memory.retrieve("ml-alerts", "a")
    assert a.version == 2 and a.value == {"model": "x"} and a.created_at == clock.now - timedelta(seconds=5)
    assert [h.entry.key for h in memory.search("model:y")] == ["b"]
    assert [h.entry.key for h in memory.search("old")] == []  # old field rows replaced


# -- export / import ---------------------------------------------------------------------------


def _snapshot(memory: Memory) -> list[dict]:
    return [e.to_dict() for e in memory.list()]


@pytest.mark.parametrize("suffix", [".json", ".parquet"])
def test_export_import_round_trip(memory: Memory, tmp_path: Path, clock: FakeClock, suffix: str) -> None:
    memory.store("ml-experiments", "e1/metrics", {"metrics": {"accuracy": 0.931}, "tags": ["a", "b"]})
    clock.advance(0.123456)
    memory.store("ml-experiments", "e1/metrics", {"status": "done"}, merge=True)
    memory.store("ml-model-registry", "churn/versions/v1", {"status": "production", "n": None})
    memory.store("team", "unicode", 'naïve — ✓ "quoted" \\ back')
    before = _snapshot(memory)
    path = tmp_path / f"memory{suffix}"
    assert memory.export(path) == 3
    with Store(tmp_path / "other.duckdb", clock=clock) as other_store:
        other = Memory(other_store)
        assert other.import_file(path) == 3
        assert _snapshot(other) == before
        assert [h.entry.key for h in other.search("metrics.accuracy:[0.93 TO 0.94]")] == ["e1/metrics"]
        assert other.history("ml-experiments", "e1/metrics")[-1]["op"] == "import"


def test_export_of_one_namespace(memory: Memory, tmp_path: Path) -> None:
    memory.store("a", "k", 1)
    memory.store("b", "k", 2)
    assert memory.export(tmp_path / "a.json", namespace="a") == 1
    doc = json.loads((tmp_path / "a.json").read_text())
    assert doc["format"] == "axtui-memory" and [e["namespace"] for e in doc["entries"]] == ["a"]


def test_import_replaces_existing_keys(memory: Memory, tmp_path: Path) -> None:
    memory.store("ns", "k", {"v": 1})
    memory.export(tmp_path / "x.json")
    memory.store("ns", "k", {"v": 2, "extra": "field"})
    memory.import_file(tmp_path / "x.json")
    entry = memory.retrieve("ns", "k")
    assert entry.value == {"v": 1} and entry.version == 1
    assert memory.search("extra:field") == []


def _write(path: Path, doc: object) -> Path:
    path.write_text(json.dumps(doc))
    return path


GOOD = {
    "namespace": "ns",
    "key": "k",
    "value": {"a": 1},
    "created_at": "2026-01-01T00:00:00Z",
    "updated_at": "2026-01-01T00:00:00Z",
    "expires_at": None,
    "version": 1,
}


@pytest.mark.parametrize(
    "doc, where, problem",
    [
        ({"entries": [GOOD, {**GOOD, "key": ""}]}, "record 1: field 'key'", "empty"),
        ({"entries": [{**GOOD, "namespace": "Bad"}]}, "record 0: field 'namespace'", "invalid namespace"),
        ({"entries": [{k: v for k, v in GOOD.items() if k != "value"}]}, "record 0", "'value' is missing"),
        ({"entries": [{**GOOD, "created_at": "yesterday"}]}, "record 0", "'created_at' is not an ISO"),
        ({"entries": [{**GOOD, "version": "1"}]}, "record 0", "'version' must be"),
        ({"entries": [GOOD, GOOD]}, "", "repeats ns/k"),
        ({"entries": ["not an object"]}, "record 0", "must be an object"),
        ({"rows": []}, "", "'entries' array"),
        ({"format": "other", "entries": []}, "", "unknown export format"),
    ],
)
def test_wrong_shape_imports_name_the_record_and_change_nothing(
    memory: Memory, tmp_path: Path, doc: object, where: str, problem: str
) -> None:
    memory.store("ns", "k", {"kept": True})
    path = _write(tmp_path / "bad.json", doc)
    with pytest.raises(InputError) as err:
        memory.import_file(path)
    assert str(path) in (err.value.where or "")
    assert where in (err.value.where or "")
    assert problem in err.value.message
    assert memory.retrieve("ns", "k").value == {"kept": True}
    assert len(memory.list()) == 1


def test_import_of_broken_files(memory: Memory, tmp_path: Path) -> None:
    bad_json = tmp_path / "broken.json"
    bad_json.write_text('{"entries": [')
    with pytest.raises(InputError, match="not valid JSON") as err:
        memory.import_file(bad_json)
    assert err.value.where.startswith(f"{bad_json}:1:")
    fake_parquet = tmp_path / "fake.parquet"
    fake_parquet.write_text("not parquet")
    with pytest.raises(InputError, match="not a readable Parquet"):
        memory.import_file(fake_parquet)
    wrong_cols = tmp_path / "cols.parquet"
    pq.write_table(pa.table({"namespace": ["ns"], "key": ["k"]}), wrong_cols)
    with pytest.raises(InputError, match="no column 'value'"):
        memory.import_file(wrong_cols)
    with pytest.raises(InputError, match="unsupported file type"):
        memory.import_file(tmp_path / "x.csv")
    with pytest.raises(InputError, match="does not exist"):
        memory.import_file(tmp_path / "missing.json")


def test_import_parquet_with_bad_value_json(memory: Memory, tmp_path: Path) -> None:
    path = tmp_path / "bad.parquet"
    pq.write_table(
        pa.table(
            {
                "namespace": ["ns", "ns"],
                "key": ["a", "b"],
                "value": ["1", "{oops"],
                "created_at": [datetime(2026, 1, 1)] * 2,
                "updated_at": [datetime(2026, 1, 1)] * 2,
                "expires_at": pa.array([None, None], pa.timestamp("us")),
                "version": [1, 1],
            }
        ),
        path,
    )
    with pytest.raises(InputError) as err:
        memory.import_file(path)
    assert err.value.where == f"{path}: record 1" and "'value' is not valid JSON" in err.value.message
    assert memory.list() == []


JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**64)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=20)
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.text(max_size=8, alphabet=st.characters(blacklist_categories=("Cs",))), children, max_size=4
        )
    ),
    max_leaves=12,
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    values=st.lists(JSON_VALUES, min_size=1, max_size=4),
    ttl=st.none() | st.floats(min_value=1, max_value=1e8),
    micro=st.integers(0, 999_999),
)
def test_round_trip_property(
    tmp_path_factory: pytest.TempPathFactory, values: list, ttl: float | None, micro: int
) -> None:
    folder = tmp_path_factory.mktemp("rt")
    clock = FakeClock(datetime(2026, 3, 1, 8, 30, 0, micro))
    with Store(":memory:", clock=clock) as source_store:
        source = Memory(source_store)
        for i, value in enumerate(values):
            source.store("ns", f"key/{i}", value, ttl=ttl)
            clock.advance(0.5)
        before = _snapshot(source)
        for suffix in (".json", ".parquet"):
            source.export(folder / f"out{suffix}")
    for suffix in (".json", ".parquet"):
        with Store(":memory:", clock=clock) as target_store:
            target = Memory(target_store)
            target.import_file(folder / f"out{suffix}")
            after = _snapshot(target)
            assert after == before
            for a, b in zip(after, before, strict=True):  # -0.0 vs 0.0 and int vs float survive too
                assert json.dumps(a["value"]) == json.dumps(b["value"])
    assert all(not (isinstance(v, float) and math.isnan(v)) for v in values)
