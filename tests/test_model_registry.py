"""The model lifecycle: registration with lineage, promotion branches, rollback, and a consistent index."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from axtui.core.memory import Memory
from axtui.core.model_registry import (
    EVENT_TTL,
    EVENTS_NS,
    REGISTRY_NS,
    STATES,
    TRANSITIONS,
    ModelRegistry,
    check_transition,
    plan_decision,
    plan_registration,
    plan_rollback,
)
from axtui.core.store import Store
from axtui.errors import InputError, NotFoundError
from axtui.stats.artifacts import validate_artifact

META = {
    "dataset_version": "churn-2025q4",
    "hyperparameters": {"lr": 0.1},
    "metrics": {"accuracy": 0.7},
    "experiment_id": "exp-1",
    "framework": "numpy",
    "framework_version": "2.4",
}


def _artifact(tmp_path: Path, name: str, body: bytes) -> tuple[Path, str]:
    path = tmp_path / name
    path.write_bytes(body)
    return path, hashlib.sha256(body).hexdigest()


def _register(reg: ModelRegistry, tmp_path: Path, version: str, *, expected: str | None = None) -> dict:
    path, digest = _artifact(tmp_path, f"m{version}.bin", f"model {version}".encode())
    validation = validate_artifact(
        path, expected_sha256=expected or digest, input_schema=["a"], output_schema=["p"], metadata=META
    )
    return reg.register(
        "churn",
        version,
        {"experiment_id": "exp-1", "training_dataset": "churn-2025q4", "artifact_path": str(path)},
        validation=validation,
    )


@pytest.fixture
def reg(store: Store) -> ModelRegistry:
    return ModelRegistry(store)


def test_register_writes_staged_record_and_index(reg: ModelRegistry, tmp_path: Path) -> None:
    value = _register(reg, tmp_path, "1.0.0")
    assert value["status"] == "staged"
    assert value["artifact_checksum"] == hashlib.sha256(b"model 1.0.0").hexdigest()
    assert value["artifact_size_bytes"] == len(b"model 1.0.0")
    assert value["training_dataset"] == "churn-2025q4"
    _register(reg, tmp_path, "1.10.0")
    _register(reg, tmp_path, "1.2.0")
    index = reg.index("churn")
    assert index["all_versions"] == ["1.0.0", "1.2.0", "1.10.0"]  # numeric ordering, not text
    assert index["latest_version"] == "1.10.0"
    assert index["production_version"] is None
    entry = reg.memory.get(REGISTRY_NS, "churn/versions/1.0.0")
    assert entry is not None and entry.expires_at is None  # the registry is permanent
    assert reg.check("churn") == []


def test_checksum_mismatch_refuses_and_writes_nothing(
    reg: ModelRegistry, store: Store, tmp_path: Path
) -> None:
    with pytest.raises(InputError) as info:
        _register(reg, tmp_path, "1.0.0", expected="f" * 64)
    assert "checksum" in info.value.message and "not registered" in info.value.message
    assert Memory(store).list(REGISTRY_NS) == []
    assert Memory(store).list(EVENTS_NS) == []


def test_duplicate_version_is_refused(reg: ModelRegistry, tmp_path: Path) -> None:
    _register(reg, tmp_path, "1.0.0")
    with pytest.raises(InputError, match="already registered"):
        _register(reg, tmp_path, "1.0.0")


def test_promote_archives_old_production_with_reason(reg: ModelRegistry, tmp_path: Path, clock) -> None:
    _register(reg, tmp_path, "1.0.0")
    first = reg.promote("churn", "1.0.0", user="ana")
    assert first.previous_production is None and first.index["production_version"] == "1.0.0"
    clock.advance(60)
    _register(reg, tmp_path, "2.0.0")
    change = reg.promote("churn", "2.0.0", user="ana")
    assert change.previous_production == "1.0.0"
    old = reg.get_version("churn", "1.0.0")
    assert old["status"] == "archived" and old["archived_reason"] == "Superseded by 2.0.0"
    new = reg.get_version("churn", "2.0.0")
    assert new["status"] == "production" and new["promoted_by"] == "ana"
    assert reg.index("churn")["production_version"] == "2.0.0"
    events = reg.events("churn")
    assert [(e["event_type"], e["from_version"], e["to_version"]) for e in events] == [
        ("promotion", None, "1.0.0"),
        ("promotion", "1.0.0", "2.0.0"),
    ]
    entry = reg.memory.get(EVENTS_NS, change.event_key)
    assert change.event_key.startswith("churn/promotions/")
    assert (entry.expires_at - entry.created_at).total_seconds() == EVENT_TTL
    assert reg.check("churn") == []


def test_canary_hold_reject_branches(reg: ModelRegistry, tmp_path: Path, clock) -> None:
    _register(reg, tmp_path, "1.0.0")
    reg.promote("churn", "1.0.0")
    for v in ("2.0.0", "3.0.0", "4.0.0"):
        _register(reg, tmp_path, v)
    canary = reg.canary("churn", "2.0.0")
    rec = reg.get_version("churn", "2.0.0")
    assert canary.status == "canary" and rec["canary_traffic_percent"] == 10 and rec["canary_started_at"]
    assert reg.index("churn")["canary_version"] == "2.0.0"
    assert reg.index("churn")["production_version"] == "1.0.0"  # a canary does not replace production
    held = reg.hold("churn", "3.0.0", reason="needs more evaluation")
    assert held.status == "staged" and reg.get_version("churn", "3.0.0")["decision"] == "hold"
    rejected = reg.reject("churn", "4.0.0", reason="regression on recall")
    assert rejected.status == "deprecated"
    assert reg.get_version("churn", "4.0.0")["deprecated_reason"] == "regression on recall"
    # the canary graduates: production moves, 1.0.0 archived, canary cleared from the index
    change = reg.promote("churn", "2.0.0")
    assert change.previous_production == "1.0.0"
    index = reg.index("churn")
    assert index["production_version"] == "2.0.0" and index["canary_version"] is None
    assert [e["event_type"] for e in reg.events("churn")] == [
        "promotion",
        "promotion",
        "hold",
        "rejection",
        "promotion",
    ]
    assert reg.events("churn")[-1]["promotion_type"] == "canary"
    assert reg.check("churn") == []


def test_promoting_a_version_that_does_not_exist(reg: ModelRegistry, tmp_path: Path) -> None:
    _register(reg, tmp_path, "1.0.0")
    with pytest.raises(NotFoundError) as info:
        reg.promote("churn", "9.9.9")
    assert "1.0.0" in info.value.hint
    with pytest.raises(NotFoundError):
        reg.promote("other-model", "1.0.0")


def test_illegal_transitions_are_refused(reg: ModelRegistry, tmp_path: Path) -> None:
    _register(reg, tmp_path, "1.0.0")
    reg.reject("churn", "1.0.0")
    before = reg.get_version("churn", "1.0.0")
    with pytest.raises(InputError, match="illegal lifecycle transition deprecated -> production"):
        reg.promote("churn", "1.0.0")
    with pytest.raises(InputError, match="deprecated -> canary"):
        reg.canary("churn", "1.0.0")
    assert reg.get_version("churn", "1.0.0") == before  # nothing written
    _register(reg, tmp_path, "2.0.0")
    reg.promote("churn", "2.0.0")
    with pytest.raises(InputError, match="production -> canary"):
        reg.transition("churn", "2.0.0", "canary")
    with pytest.raises(InputError, match="production -> staged"):
        reg.transition("churn", "2.0.0", "staged")
    with pytest.raises(InputError, match="unknown lifecycle state"):
        check_transition("staged", "live")


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(STATES), st.sampled_from(STATES))
def test_transition_table_is_the_only_judge(current: str, target: str) -> None:
    if target in TRANSITIONS[current]:
        check_transition(current, target)
    else:
        with pytest.raises(InputError):
            check_transition(current, target)


def test_rollback_round_trip_keeps_index_and_events_consistent(
    reg: ModelRegistry, tmp_path: Path, clock
) -> None:
    _register(reg, tmp_path, "1.0.0")
    reg.promote("churn", "1.0.0")
    clock.advance(10)
    _register(reg, tmp_path, "2.0.0")
    reg.promote("churn", "2.0.0")
    clock.advance(10)
    change = reg.rollback("churn", "1.0.0", user="oncall", reason="error rate spike")
    assert change.previous_production == "2.0.0"
    assert reg.get_version("churn", "1.0.0")["status"] == "production"
    v2 = reg.get_version("churn", "2.0.0")
    assert v2["status"] == "archived" and v2["archived_reason"] == "error rate spike"
    index = reg.index("churn")
    assert index["production_version"] == "1.0.0" and index["all_versions"] == ["1.0.0", "2.0.0"]
    assert index["latest_version"] == "2.0.0"
    events = reg.events("churn")
    assert [(e["event_type"], e["to_version"]) for e in events] == [
        ("promotion", "1.0.0"),
        ("promotion", "2.0.0"),
        ("rollback", "1.0.0"),
    ]
    assert events[-1]["key"].startswith("churn/rollbacks/")
    assert reg.check("churn") == []
    # and forward again: 2.0.0 served production before, so it can be restored too
    reg.rollback("churn", "2.0.0")
    assert reg.index("churn")["production_version"] == "2.0.0"
    assert reg.check("churn") == []


def test_rollback_to_a_version_never_in_production(reg: ModelRegistry, tmp_path: Path) -> None:
    _register(reg, tmp_path, "1.0.0")
    reg.promote("churn", "1.0.0")
    _register(reg, tmp_path, "2.0.0")
    with pytest.raises(InputError, match="never in production"):
        reg.rollback("churn", "2.0.0")
    with pytest.raises(InputError, match="already the production version"):
        reg.rollback("churn", "1.0.0")
    with pytest.raises(NotFoundError):
        reg.rollback("churn", "0.1.0")
    assert reg.index("churn")["production_version"] == "1.0.0"
    assert len(reg.events("churn")) == 1


def test_check_detects_an_inconsistent_index(reg: ModelRegistry, tmp_path: Path) -> None:
    _register(reg, tmp_path, "1.0.0")
    reg.promote("churn", "1.0.0")
    reg.memory.store(
        REGISTRY_NS,
        "churn/index",
        {"model_name": "churn", "latest_version": "1.0.0", "production_version": None, "all_versions": []},
    )
    problems = reg.check("churn")
    assert any("all_versions" in p for p in problems)
    assert any("production_version" in p for p in problems)


def test_plans_are_pure_and_shared_with_compute_steps() -> None:
    from axtui.core.workflow.computes import run_compute

    index = {"all_versions": ["1.0.0"], "production_version": "1.0.0", "canary_version": None}
    plan = run_compute(
        "registry_register",
        {"model_name": "m", "version": "2.0.0", "index": index, "validation": {"status": "PASS"}},
    )
    assert plan["version_list"] == ["1.0.0", "2.0.0"] and plan["old_production_version"] == "1.0.0"
    assert plan_registration("m", "1.0.0", None, None)["first_version"] is True
    with pytest.raises(InputError, match="not registered"):
        run_compute(
            "registry_register",
            {
                "model_name": "m",
                "version": "3.0.0",
                "index": index,
                "validation": {
                    "status": "FAIL",
                    "checks": [{"name": "checksum", "status": "FAIL", "detail": "sha256 mismatch"}],
                },
            },
        )
    promote = plan_decision("m", "2.0.0", "PROMOTE", plan, {"status": "staged"})
    assert promote["archive_old"] and promote["index_after"]["production_version"] == "2.0.0"
    hold = plan_decision("m", "2.0.0", "hold", plan, {"status": "staged"})
    assert hold["status"] == "staged" and hold["index_after"]["production_version"] == "1.0.0"
    with pytest.raises(InputError, match="unknown promotion decision"):
        plan_decision("m", "2.0.0", "ship", plan, {"status": "staged"})
    with pytest.raises(NotFoundError):
        plan_decision("m", "7.0.0", "promote", plan, None)
    with pytest.raises(InputError, match="never in production"):
        plan_rollback("m", "2.0.0", plan, {"status": "staged"})
    back = plan_rollback("m", "1.0.0", promote["index_after"], {"status": "archived", "promoted_at": "x"})
    assert back["from_version"] == "2.0.0" and back["index_after"]["production_version"] == "1.0.0"
