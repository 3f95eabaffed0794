"""ml-model-evaluation headless on its example data: computed metrics, fairness, robustness, Go/No-Go."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from axtui.core.store import Store
from axtui.errors import InputError
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

WF = "ml-model-evaluation"


@pytest.fixture(autouse=True)
def _repo_cwd(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)


def test_runs_headless_and_stores_the_evaluation(store: Store) -> None:
    inputs = example_inputs(WF)
    session = run_headless(store, WF, inputs, example_answers(WF))
    assert session.status == "completed"
    statuses = step_statuses(store, session.id)
    assert set(statuses.values()) == {"done"}
    for seed_step in (
        "performance-metrics",
        "fairness-audit",
        "robustness-testing",
        "latency-profiling",
        "evaluation-report",
        "store-evaluation",
    ):
        assert statuses[seed_step] == "done"

    found = entry(store, "ml-evaluations", "churn-classifier/2.0.0/evaluation")
    assert ttl_seconds(found) == 15_552_000  # 180 days, as the seed
    value = found.value
    assert value["model_name"] == "churn-classifier" and value["model_version"] == "2.0.0"
    perf = value["performance_metrics"]
    assert perf["metrics"]["accuracy"] == pytest.approx(0.71)
    assert perf["ci95"]["low"] < 0.71 < perf["ci95"]["high"] and perf["ci95"]["n_boot"] == 1000
    fairness = value["fairness_results"]
    assert fairness["overall"] == "PASS"
    assert {a["attribute"] for a in fairness["attributes"]} == {"gender", "age_group"}
    groups = {(c["attribute"], c["group"]) for c in fairness["calibration_by_group"]}
    assert ("age_group", "55+") in groups and ("gender", "female") in groups
    assert all(c["calibration_gap"] is not None for c in fairness["calibration_by_group"])
    rob = value["robustness"]
    assert rob["missing_values"]["rows_with_missing"] == 37
    assert rob["covariate_shift"]["metric"] == pytest.approx(0.614)
    assert rob["checklist"][-1] == {
        "item": "ood_detection",
        "question": rob["checklist"][-1]["question"],
        "status": "fail",
        "measured": False,
    }
    assert value["robustness_score"] == rob["robustness_score"] and 1 <= value["robustness_score"] <= 10
    assert value["latency_profile"]["count"] == 600
    assert value["latency_profile"]["p99"] < inputs["latency_sla_ms"]
    assert value["recommendation"] == "GO" and value["confidence"] == "MEDIUM"
    assert value["evaluation_id"] == f"eval-churn-classifier-2.0.0-{session.id}"
    assert session.decisions() == {"go_no_go": "GO", "fairness": "PASS"}


def test_no_go_when_the_threshold_is_not_met(store: Store) -> None:
    inputs = dict(example_inputs(WF), model_version="2.0.1", min_primary_metric=0.8)
    session = run_headless(store, WF, inputs, example_answers(WF))
    value = entry(store, "ml-evaluations", "churn-classifier/2.0.1/evaluation").value
    assert value["recommendation"] == "NO_GO" and "does not meet the threshold" in value["decision_reason"]
    assert session.decisions()["go_no_go"] == "NO_GO"


def test_protected_attribute_with_a_single_group(store: Store, tmp_path: Path) -> None:
    frame = pl.read_csv(DATA / "predictions_candidate.csv").with_columns(pl.lit("EU").alias("market"))
    path = tmp_path / "single_group.csv"
    frame.write_csv(path)
    inputs = dict(example_inputs(WF), predictions_path=str(path), protected_attributes=["market"])
    with pytest.raises(InputError) as info:
        run_headless(store, WF, inputs, example_answers(WF))
    assert "single group" in info.value.message and "market" in (info.value.where or "")
    assert store.query("SELECT count(*) FROM memory_entries WHERE namespace = 'ml-evaluations'")[0][0] == 0
