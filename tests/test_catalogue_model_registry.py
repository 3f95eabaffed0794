"""ml-model-registry headless: real artifact checks, every promotion branch, a consistent index and log."""

from __future__ import annotations

import pytest

from axtui.core.memory import Memory
from axtui.core.model_registry import ModelRegistry
from axtui.core.store import Store
from axtui.errors import InputError
from axtui.stats.artifacts import sha256_of
from tests.catalogue_support import (
    DATA,
    REPO,
    entry,
    example_inputs,
    run_headless,
    step_statuses,
    ttl_seconds,
)

WF = "ml-model-registry"
MODEL = "churn-classifier"


@pytest.fixture(autouse=True)
def _repo_cwd(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)


def _v1() -> dict:
    return example_inputs(WF, "ml-model-registry.v1")


def test_first_version_promoted_then_new_version_canary(store: Store, clock) -> None:
    first = run_headless(store, WF, _v1())
    clock.advance(60)  # event keys carry the timestamp (seconds), as in the seed
    assert first.decisions() == {"version": "PROMOTE", "validation": "PASS"}
    statuses = step_statuses(store, first.id)
    assert statuses["promote-to-production"] == "done" and statuses["archive-old-production"] == "skipped"
    assert statuses["set-canary-status"] == "skipped" and statuses["record-hold"] == "skipped"

    second = run_headless(store, WF, example_inputs(WF))
    assert second.status == "completed"
    assert second.decisions()["version"] == "CANARY"  # significant, but the input schema changed
    statuses = step_statuses(store, second.id)
    assert statuses["set-canary-status"] == "done" and statuses["promote-to-production"] == "skipped"

    v2 = entry(store, "ml-model-registry", f"{MODEL}/versions/2.0.0")
    assert v2.expires_at is None  # permanent namespace
    rec = v2.value
    assert rec["status"] == "canary" and rec["canary_traffic_percent"] == 10
    assert rec["artifact_checksum"] == sha256_of(DATA / "model_candidate.json")
    assert rec["artifact_size_bytes"] == (DATA / "model_candidate.json").stat().st_size
    assert rec["experiment_id"] == "churn-exp-002" and rec["training_dataset"] == "churn-2025q4"
    assert rec["metrics"]["accuracy"] == pytest.approx(0.71)
    assert [f["name"] for f in rec["input_schema"]] == rec["feature_names"]
    index = entry(store, "ml-model-registry", f"{MODEL}/index").value
    assert index["latest_version"] == "2.0.0" and index["production_version"] == "1.0.0"
    assert index["all_versions"] == ["1.0.0", "2.0.0"] and index["canary_version"] == "2.0.0"

    events = Memory(store).list("ml-model-events", prefix=f"{MODEL}/promotions/")
    assert len(events) == 2
    assert all(ttl_seconds(e) == 31_536_000 for e in events)
    last = max(events, key=lambda e: e.value["timestamp"]).value
    assert (last["from_version"], last["to_version"], last["promotion_type"]) == ("1.0.0", "2.0.0", "canary")
    assert ModelRegistry(store).check(MODEL) == []


def test_promote_archive_reject_and_hold_branches(store: Store, clock) -> None:
    run_headless(store, WF, _v1())
    clock.advance(60)
    same_schema = dict(_v1(), paired_predictions_path=str(DATA / "predictions_paired.csv"))
    # 1.1.0: same schema, significantly better -> PROMOTE, 1.0.0 archived as superseded
    promoted = run_headless(
        store,
        WF,
        dict(same_schema, version="1.1.0", predictions_path=str(DATA / "predictions_candidate.csv")),
    )
    assert promoted.decisions()["version"] == "PROMOTE"
    statuses = step_statuses(store, promoted.id)
    assert statuses["archive-old-production"] == "done" and statuses["index-after-promotion"] == "done"
    old = entry(store, "ml-model-registry", f"{MODEL}/versions/1.0.0").value
    assert old["status"] == "archived" and old["archived_reason"] == "Superseded by 1.1.0"
    clock.advance(60)
    # 1.2.0: significantly worse than production -> REJECT (deprecated)
    rejected = run_headless(
        store,
        WF,
        dict(
            same_schema,
            version="1.2.0",
            production_pred_col="candidate_pred",
            candidate_pred_col="baseline_pred",
        ),
    )
    assert rejected.decisions()["version"] == "REJECT"
    assert step_statuses(store, rejected.id)["set-rejected-status"] == "done"
    assert entry(store, "ml-model-registry", f"{MODEL}/versions/1.2.0").value["status"] == "deprecated"
    clock.advance(60)
    # 1.3.0: no difference -> HOLD, stays staged
    held = run_headless(
        store,
        WF,
        dict(
            same_schema,
            version="1.3.0",
            production_pred_col="baseline_pred",
            candidate_pred_col="baseline_pred",
        ),
    )
    assert held.decisions()["version"] == "HOLD"
    rec = entry(store, "ml-model-registry", f"{MODEL}/versions/1.3.0").value
    assert rec["status"] == "staged" and rec["decision"] == "hold"

    index = entry(store, "ml-model-registry", f"{MODEL}/index").value
    assert index["production_version"] == "1.1.0"
    assert index["all_versions"] == ["1.0.0", "1.1.0", "1.2.0", "1.3.0"]
    kinds = sorted(e.value["event_type"] for e in Memory(store).list("ml-model-events", prefix=f"{MODEL}/"))
    assert kinds == ["hold", "promotion", "promotion", "rejection"]
    assert ModelRegistry(store).check(MODEL) == []


def test_checksum_mismatch_refuses_registration_and_writes_nothing(store: Store) -> None:
    with pytest.raises(InputError) as info:
        run_headless(store, WF, dict(_v1(), expected_checksum="0" * 64))
    assert "checksum" in info.value.message and "not registered" in info.value.message
    memory = Memory(store)
    assert memory.list("ml-model-registry") == [] and memory.list("ml-model-events") == []


def test_registering_the_same_version_twice_is_refused(store: Store) -> None:
    run_headless(store, WF, _v1())
    before = entry(store, "ml-model-registry", f"{MODEL}/versions/1.0.0").value
    with pytest.raises(InputError, match="already registered"):
        run_headless(store, WF, _v1())
    assert entry(store, "ml-model-registry", f"{MODEL}/versions/1.0.0").value == before
