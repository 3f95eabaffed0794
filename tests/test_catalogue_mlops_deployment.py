"""mlops-deployment headless: the seven stages, rollout strategies, registry updates and the rollback path."""

from __future__ import annotations

import pytest

from axtui.core.memory import Memory
from axtui.core.model_registry import ModelRegistry
from axtui.core.store import Store
from axtui.errors import InputError, NotFoundError
from axtui.stats.artifacts import validate_artifact
from tests.catalogue_support import (
    DATA,
    REPO,
    entry,
    example_answers,
    example_inputs,
    run_headless,
    step_statuses,
    ttl_seconds,
)

WF = "mlops-deployment"
MODEL = "churn-classifier"
META = {
    "dataset_version": "churn-2025q4",
    "hyperparameters": {"lr": 0.1},
    "metrics": {"accuracy": 0.7},
    "experiment_id": "exp",
    "framework": "numpy",
    "framework_version": "2.4",
}


@pytest.fixture(autouse=True)
def _repo_cwd(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)


def _register(reg: ModelRegistry, version: str, name: str) -> None:
    artifact, schema = DATA / f"model_{name}.json", DATA / f"model_{name}_schema.json"
    validation = validate_artifact(artifact, schema_path=schema, metadata=META)
    reg.register(
        MODEL,
        version,
        {
            "experiment_id": f"exp-{name}",
            "training_dataset": "churn-2025q4",
            "artifact_path": str(artifact.relative_to(REPO)),
            "input_schema": validation["input_schema"],
            "output_schema": validation["output_schema"],
            "framework": "numpy",
            "framework_version": "2.4",
        },
        validation=validation,
    )


@pytest.fixture
def registry(store: Store, clock) -> ModelRegistry:
    """1.0.0 in production, 2.0.0 a 10% canary with a GO evaluation (as the registry workflow leaves them)."""
    reg = ModelRegistry(store)
    _register(reg, "1.0.0", "baseline")
    reg.promote(MODEL, "1.0.0")
    _register(reg, "2.0.0", "candidate")
    reg.canary(MODEL, "2.0.0")
    Memory(store).store(
        "ml-evaluations",
        f"{MODEL}/2.0.0/evaluation",
        {"evaluation_id": "eval-1", "recommendation": "GO", "latency_profile": {"p99": 38.5}},
        ttl=15_552_000,
    )
    clock.advance(60)
    return reg


def test_canary_deploy_then_rollback_round_trip(store: Store, registry: ModelRegistry, clock) -> None:
    deploy = run_headless(store, WF, example_inputs(WF))
    assert deploy.status == "completed"
    assert deploy.decisions() == {
        "action": "deploy",
        "readiness": "READY",
        "rollout": "PROCEED",
        "post_deployment": "HEALTHY",
        "rolled_back_to": None,
    }
    statuses = step_statuses(store, deploy.id)
    for stage in (
        "fetch-model",
        "validate-readiness",
        "build-container",
        "deploy-staging",
        "shadow-evaluation",
        "traffic-migration",
        "post-deployment-validation",
        "promote-in-registry",
        "archive-previous-production",
        "index-after-deployment",
        "deployment-event",
    ):
        assert statuses[stage] == "done", stage
    assert statuses["deployment-event-halted"] == "skipped" and statuses["plan-rollback"] == "skipped"
    assert registry.get_version(MODEL, "2.0.0")["status"] == "production"
    assert registry.get_version(MODEL, "1.0.0")["archived_reason"].startswith("Superseded by 2.0.0")
    assert registry.index(MODEL)["production_version"] == "2.0.0"
    assert registry.index(MODEL)["canary_version"] is None
    event = Memory(store).list("ml-model-events", prefix=f"{MODEL}/deployments/")
    assert len(event) == 1 and ttl_seconds(event[0]) == 31_536_000
    value = event[0].value
    assert value["outcome"] == "deployed" and value["from_version"] == "1.0.0"
    assert value["shadow_agreement"] == pytest.approx(0.7142857142857143)
    assert registry.check(MODEL) == []

    clock.advance(60)
    back = run_headless(store, WF, example_inputs(WF, "mlops-deployment.rollback"))
    assert back.decisions()["action"] == "rollback" and back.decisions()["rolled_back_to"] == "1.0.0"
    assert registry.index(MODEL)["production_version"] == "1.0.0"
    v2 = registry.get_version(MODEL, "2.0.0")
    assert v2["status"] == "archived" and "error-rate spike" in v2["archived_reason"]
    assert registry.get_version(MODEL, "1.0.0")["restored_by_rollback"] is True
    rollbacks = Memory(store).list("ml-model-events", prefix=f"{MODEL}/rollbacks/")
    assert [(e.value["from_version"], e.value["to_version"]) for e in rollbacks] == [("2.0.0", "1.0.0")]
    assert ttl_seconds(rollbacks[0]) == 31_536_000
    assert registry.check(MODEL) == []


def test_rollback_to_a_version_never_in_production(store: Store, registry: ModelRegistry) -> None:
    inputs = dict(example_inputs(WF, "mlops-deployment.rollback"), target_version="2.0.0")
    with pytest.raises(InputError, match="never in production"):
        run_headless(store, WF, inputs)
    assert registry.index(MODEL)["production_version"] == "1.0.0"
    assert Memory(store).list("ml-model-events", prefix=f"{MODEL}/rollbacks/") == []


def test_halt_when_a_rollback_trigger_fires(store: Store, registry: ModelRegistry) -> None:
    session = run_headless(store, WF, dict(example_inputs(WF), latency_p99_threshold_ms=40))
    assert session.decisions()["rollout"] == "HALT"
    assert step_statuses(store, session.id)["post-deployment-validation"] == "skipped"
    event = Memory(store).list("ml-model-events", prefix=f"{MODEL}/deployments/")[0].value
    assert event["outcome"] == "halted" and event["fired_triggers"] == ["latency_p99_ms"]
    assert registry.get_version(MODEL, "2.0.0")["status"] == "canary"  # production untouched
    assert registry.check(MODEL) == []


def test_shadow_strategy_never_moves_production(store: Store, registry: ModelRegistry) -> None:
    session = run_headless(store, WF, dict(example_inputs(WF), rollout_strategy="shadow"))
    event = Memory(store).list("ml-model-events", prefix=f"{MODEL}/deployments/")[0].value
    assert event["outcome"] == "shadow"
    assert step_statuses(store, session.id)["promote-in-registry"] == "skipped"
    assert registry.index(MODEL)["production_version"] == "1.0.0"


def test_not_ready_without_an_evaluation_and_unknown_version(store: Store, registry: ModelRegistry) -> None:
    Memory(store).delete("ml-evaluations", f"{MODEL}/2.0.0/evaluation")
    session = run_headless(store, WF, example_inputs(WF))
    assert session.decisions()["readiness"] == "NOT_READY"
    event = Memory(store).list("ml-model-events", prefix=f"{MODEL}/deployments/")[0].value
    assert event["outcome"] == "blocked" and event["blocking"] == ["evaluation"]
    with pytest.raises(NotFoundError):
        run_headless(store, WF, dict(example_inputs(WF), version="9.9.9"))
    assert entry(store, "ml-model-registry", f"{MODEL}/versions/2.0.0").value["status"] == "canary"


def test_the_documented_sequence_end_to_end(store: Store, clock) -> None:
    """The order of docs/catalogue.md: evaluation, registry 1.0.0 and 2.0.0, deployment, rollback."""
    steps = [
        (
            "ml-model-evaluation",
            example_inputs("ml-model-evaluation"),
            example_answers("ml-model-evaluation"),
        ),
        ("ml-model-registry", example_inputs("ml-model-registry", "ml-model-registry.v1"), None),
        ("ml-model-registry", example_inputs("ml-model-registry"), None),
        (WF, example_inputs(WF), None),
        (WF, example_inputs(WF, "mlops-deployment.rollback"), None),
    ]
    sessions = []
    for workflow, inputs, answers in steps:
        sessions.append(run_headless(store, workflow, inputs, answers))
        clock.advance(60)
    assert [s.status for s in sessions] == ["completed"] * 5
    registry = ModelRegistry(store)
    v2 = registry.get_version(MODEL, "2.0.0")
    assert v2["evaluation_id"].startswith("eval-churn-classifier-2.0.0-")  # lineage to the stored evaluation
    assert v2["status"] == "archived" and registry.index(MODEL)["production_version"] == "1.0.0"
    kinds = [(e["event_type"], e.get("to_version")) for e in registry.events(MODEL)]
    assert kinds == [
        ("promotion", "1.0.0"),
        ("promotion", "2.0.0"),
        ("deployment", "2.0.0"),
        ("rollback", "1.0.0"),
    ]
    assert registry.check(MODEL) == []
