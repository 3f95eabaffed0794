"""ml-experiment-tracker headless on its example data: seed keys, namespaces and TTLs, computed verdict."""

from __future__ import annotations

import pytest

from axtui.core.store import Store
from axtui.errors import InputError
from tests.catalogue_support import (
    DAY,
    REPO,
    entry,
    example_inputs,
    run_headless,
    step_statuses,
    ttl_seconds,
)

WF = "ml-experiment-tracker"


@pytest.fixture(autouse=True)
def _repo_cwd(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)  # the example inputs name files relative to the repository


def test_runs_headless_and_writes_the_seed_entries(store: Store) -> None:
    inputs = example_inputs(WF)
    session = run_headless(store, WF, inputs)
    assert session.status == "completed"
    statuses = step_statuses(store, session.id)
    assert set(statuses.values()) == {"done"}
    for seed_step in (
        "define-experiment",
        "log-parameters",
        "log-metrics",
        "compare-experiments",
        "update-status",
        "store-comparison-report",
    ):
        assert statuses[seed_step] == "done"
    exp = inputs["experiment_id"]

    params = entry(store, "ml-experiments", f"{exp}/parameters")
    assert params.value["status"] == "running"
    assert params.value["hyperparameters"] == inputs["hyperparameters"]
    assert ttl_seconds(params) == 90 * DAY  # the namespace default: the seed gives no ttl here

    metrics = entry(store, "ml-experiments", f"{exp}/metrics").value
    # computed from the per-example predictions: 355 of 500 correct for the candidate
    assert metrics["metrics"]["accuracy"] == pytest.approx(0.71)
    assert metrics["metrics"]["auc_roc"] == pytest.approx(0.7957767964672822)
    assert metrics["training_metrics"]["training_time_seconds"] == 4.2
    assert metrics["ci95"]["low"] < 0.71 < metrics["ci95"]["high"]

    status = entry(store, "ml-experiments", f"{exp}/status").value
    assert status["status"] == "promoted" and status["decision"] == "PROMOTE"
    assert status["significance_method"] == "mcnemar_chi2"
    assert status["statistical_significance"] == pytest.approx(1.191212473148243e-05)

    report = entry(store, "ml-experiment-reports", f"{exp}/comparison")
    assert ttl_seconds(report) == 7_776_000  # the seed's 90-day ttl
    assert report.value["baseline_id"] == inputs["baseline_model"]
    rows = {r["metric"]: r for r in report.value["comparison"]["metrics"]}
    assert rows["accuracy"]["baseline"] == pytest.approx(0.604)
    assert rows["accuracy"]["abs_diff"] == pytest.approx(0.106)
    assert rows["loss"]["higher_is_better"] is False and rows["loss"]["improved"] is True
    assert "offline" in report.value["full_report"]
    assert session.decisions()["experiment"] == "PROMOTE"


def test_reject_when_the_candidate_is_the_baseline(store: Store) -> None:
    inputs = dict(
        example_inputs(WF),
        experiment_id="churn-exp-same",
        candidate_pred_col="baseline_pred",
        candidate_score_col="baseline_score",
    )
    session = run_headless(store, WF, inputs)
    assert entry(store, "ml-experiments", "churn-exp-same/status").value["status"] == "rejected"
    assert session.decisions()["experiment"] == "REJECT"


def test_predictions_without_the_named_columns(store: Store) -> None:
    inputs = dict(example_inputs(WF), candidate_pred_col="no_such_column")
    with pytest.raises(InputError) as info:
        run_headless(store, WF, inputs)
    assert "no_such_column" in info.value.message
    assert "predictions_paired.csv" in (info.value.where or "")
    assert store.query("SELECT count(*) FROM memory_entries WHERE key LIKE '%/metrics'")[0][0] == 0


def test_welch_on_per_fold_scores_without_predictions(store: Store) -> None:
    inputs = example_inputs(WF, "ml-experiment-tracker.folds")
    session = run_headless(store, WF, inputs)
    assert session.decisions()["experiment"] == "PROMOTE"
    status = entry(store, "ml-experiments", "churn-exp-003/status").value
    assert status["significance_method"] == "welch_t"
    assert status["statistical_significance"] < 0.001
    metrics = entry(store, "ml-experiments", "churn-exp-003/metrics").value
    assert metrics["source"] == "logged metrics with per-fold scores"
    assert metrics["metrics"]["accuracy"] == pytest.approx(0.75)  # the mean of the candidate's folds
    assert metrics["metrics"]["loss"] == 0.552 and metrics["metrics"]["auc_roc"] is None
    report = entry(store, "ml-experiment-reports", "churn-exp-003/comparison").value
    rows = {r["metric"]: r for r in report["comparison"]["metrics"]}
    assert rows["accuracy"]["baseline"] == pytest.approx(0.63668)


def test_no_evidence_at_all_is_refused(store: Store) -> None:
    inputs = {
        k: v
        for k, v in example_inputs(WF, "ml-experiment-tracker.folds").items()
        if k not in ("fold_scores", "candidate_metrics", "baseline_metrics")
    }
    with pytest.raises(InputError, match="no predictions_path"):
        run_headless(store, WF, inputs)
