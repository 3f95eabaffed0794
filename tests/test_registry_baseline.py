"""ml-model-registry stores a version's baseline_stats (the `profile` compute); ml-model-monitoring
reads it instead of re-reading and re-evaluating the training data. Headless, end to end."""

from __future__ import annotations

import pytest

from axtui.core.store import Store
from axtui.stats.profile import MARKER
from tests.catalogue_support import REPO, entry, example_inputs, run_headless, step_statuses

MONITORING = {
    "model_name": "churn-model",
    "production_version": "1.0.0",
    "reference_path": "examples/data/monitoring_reference.csv",
    "current_path": "examples/data/monitoring_current.csv",
    "feature_columns": ["tenure_months", "monthly_spend", "support_calls", "plan"],
    "categorical_columns": ["plan"],
    "prediction_col": "predicted",
    "label_col": "churned",
    "prediction_drift_col": "churn_score",
}
KEY = "churn-model/versions/1.0.0/baseline_stats"


@pytest.fixture(autouse=True)
def _repo_cwd(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)


def _register(store: Store, **extra: str) -> None:
    inputs = dict(
        example_inputs("ml-model-registry", "ml-model-registry.v1"), model_name="churn-model", **extra
    )
    session = run_headless(store, "ml-model-registry", inputs)
    assert session.status == "completed"


def test_registration_stores_the_profile_and_monitoring_reads_it(store: Store) -> None:
    _register(store, reference_path=MONITORING["reference_path"])
    baseline = entry(store, "ml-model-registry", KEY)
    assert baseline.expires_at is None  # the registry namespace is permanent
    value = baseline.value
    assert MARKER in value["profile"] and value["profile"]["rows"] == 1500
    assert value["metrics"]["accuracy"] == pytest.approx(0.604)  # the version's test-set metrics
    assert value["source"] == MONITORING["reference_path"] and value["version"] == "1.0.0"

    monitoring = run_headless(store, "ml-model-monitoring", MONITORING)
    assert monitoring.status == "completed"
    statuses = step_statuses(store, monitoring.id)
    assert statuses["stored-baseline"] == "done"
    assert statuses["evaluate-reference"] == statuses["profile-reference"] == "skipped"
    assert statuses["store-baseline"] == "skipped"  # nothing re-written
    drift = monitoring.variables["data-drift-stats"]
    assert drift["reference_profile"]["label"] == "baseline_stats profile"  # not the raw reference
    assert drift["reference_profile"]["sketch_k"] == value["profile"]["sketch_k"]
    assert monitoring.variables["baseline_metrics"] == value["metrics"]


def test_without_training_data_no_baseline_is_stored_and_monitoring_profiles_the_reference(
    store: Store,
) -> None:
    _register(store)
    assert store.query(
        "SELECT count(*) FROM memory_entries WHERE namespace = 'ml-model-registry' AND key = ?", [KEY]
    ) == [(0,)]
    monitoring = run_headless(store, "ml-model-monitoring", MONITORING)
    statuses = step_statuses(store, monitoring.id)
    assert statuses["stored-baseline"] == "skipped"
    assert statuses["profile-reference"] == statuses["store-baseline"] == "done"
    assert "reference_profile" not in monitoring.variables["data-drift-stats"]  # the raw reference
    assert MARKER in entry(store, "ml-model-registry", KEY).value["profile"]  # stored for the next run
