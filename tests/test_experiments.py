"""Experiment comparison: improvements, McNemar / paired bootstrap / Welch, and the verdict."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from axtui.errors import InputError
from axtui.stats import experiments as ex


def _paired(b_only: int, c_only: int, both: int = 50, neither: int = 20) -> tuple[np.ndarray, np.ndarray]:
    base = np.r_[np.ones(b_only), np.zeros(c_only), np.ones(both), np.zeros(neither)]
    cand = np.r_[np.zeros(b_only), np.ones(c_only), np.ones(both), np.zeros(neither)]
    return base, cand


def test_mcnemar_exact_below_25_discordant_pairs() -> None:
    base, cand = _paired(3, 12)
    out = ex.mcnemar(base, cand)
    assert out["method"] == "mcnemar_exact"
    assert (out["baseline_only_correct"], out["candidate_only_correct"]) == (3, 12)
    assert out["p_value"] == pytest.approx(stats.binomtest(3, 15, 0.5).pvalue, rel=1e-12)


def test_mcnemar_chi2_with_continuity_correction() -> None:
    base, cand = _paired(10, 30)
    out = ex.mcnemar(base, cand)
    assert out["method"] == "mcnemar_chi2"
    assert out["statistic"] == pytest.approx((abs(10 - 30) - 1) ** 2 / 40)  # 9.025
    assert out["p_value"] == pytest.approx(stats.chi2.sf(9.025, 1), rel=1e-12)


def test_mcnemar_identical_models() -> None:
    base = np.array([1, 0, 1, 1.0])
    out = ex.mcnemar(base, base.copy())
    assert out["p_value"] == 1.0 and "agree" in out["note"]


def test_paired_bootstrap_is_seeded_and_brackets_the_mean_difference() -> None:
    rng = np.random.default_rng(0)
    base = rng.normal(0.5, 0.1, 200)
    cand = base - 0.02 + rng.normal(0, 0.01, 200)
    one = ex.paired_bootstrap(base, cand, n_boot=500, seed=4)
    two = ex.paired_bootstrap(base, cand, n_boot=500, seed=4)
    assert one == two
    assert one["ci95"][0] <= one["statistic"] <= one["ci95"][1]
    assert one["statistic"] == pytest.approx(float(np.mean(cand - base)))
    assert 0 < one["p_value"] <= 1
    assert one["p_value"] == pytest.approx(1 / 501)  # a clear difference: no resample crosses zero
    d = cand - base
    rng = np.random.default_rng(4)
    naive = [d[rng.integers(0, 200, size=200)].mean() for _ in range(500)]
    assert one["ci95"] == pytest.approx(list(np.percentile(naive, [2.5, 97.5])), rel=1e-12)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(-5, 5), min_size=2, max_size=30), st.integers(0, 1000))
def test_paired_bootstrap_p_value_in_unit_interval(values: list[float], seed: int) -> None:
    base = np.array(values)
    cand = base + np.linspace(-1, 1, base.size)
    out = ex.paired_bootstrap(base, cand, n_boot=50, seed=seed)
    assert 0.0 < out["p_value"] <= 1.0


def test_welch_on_folds_matches_scipy() -> None:
    b = np.array([0.80, 0.81, 0.79, 0.80, 0.82])
    c = np.array([0.83, 0.84, 0.82, 0.85, 0.83])
    out = ex.welch_folds(b, c)
    ref = stats.ttest_ind(c, b, equal_var=False)
    assert out["statistic"] == pytest.approx(ref.statistic, rel=1e-12)
    assert out["p_value"] == pytest.approx(ref.pvalue, rel=1e-9)


def test_compare_with_folds_promotes_a_significant_improvement() -> None:
    out = ex.compare_experiments(
        {"accuracy": 0.80, "log_loss": 0.50},
        {"accuracy": 0.834, "log_loss": 0.45},
        primary_metric="accuracy",
        fold_scores={"baseline": [0.80, 0.81, 0.79, 0.80, 0.82], "candidate": [0.83, 0.84, 0.82, 0.85, 0.83]},
        min_improvement=0.02,
    )
    assert out["decision"] == "PROMOTE"
    rows = {r["metric"]: r for r in out["metrics"]}
    assert rows["accuracy"]["improvement"] == pytest.approx(0.034)
    assert rows["accuracy"]["relative_improvement"] == pytest.approx(0.034 / 0.80)
    assert rows["log_loss"]["higher_is_better"] is False
    assert rows["log_loss"]["improvement"] == pytest.approx(0.05) and rows["log_loss"]["improved"] is True
    assert out["significance"]["method"] == "welch_t"


def test_compare_below_success_criteria_iterates() -> None:
    out = ex.compare_experiments(
        {"accuracy": 0.80},
        {"accuracy": 0.834},
        primary_metric="accuracy",
        fold_scores={"baseline": [0.80, 0.81, 0.79, 0.80, 0.80], "candidate": [0.83, 0.84, 0.82, 0.85, 0.83]},
        min_improvement=0.05,
    )
    assert out["decision"] == "ITERATE" and "success criteria" in out["decision_reason"]


def test_compare_without_evidence_says_so_and_iterates() -> None:
    out = ex.compare_experiments({"f1": 0.7}, {"f1": 0.75}, primary_metric="f1")
    assert out["significance"]["method"] is None
    assert "not tested" in out["significance"]["note"]
    assert out["significant"] is None
    assert out["decision"] == "ITERATE"


def test_compare_regression_is_rejected() -> None:
    out = ex.compare_experiments({"rmse": 4.0}, {"rmse": 4.4}, primary_metric="rmse")
    assert out["metrics"][0]["improvement"] == pytest.approx(-0.4)
    assert out["decision"] == "REJECT"


def test_compare_with_per_example_correctness_uses_mcnemar() -> None:
    base, cand = _paired(10, 40, both=400, neither=50)
    out = ex.compare_experiments(
        {}, {}, primary_metric="accuracy", per_example={"baseline": base.tolist(), "candidate": cand.tolist()}
    )
    assert out["significance"]["method"] == "mcnemar_chi2"
    assert out["metrics"][0]["baseline"] == pytest.approx(base.mean())
    assert out["decision"] == "PROMOTE"
    assert any("mean of the per-example" in n for n in out["notes"])


def test_per_example_predictions_from_a_file_with_labels(tmp_path: Path) -> None:
    path = tmp_path / "preds.csv"
    truth = ["a", "b", "a", "b"] * 10
    base = ["a", "a", "a", "a"] * 10
    cand = ["a", "b", "a", "a"] * 10
    pl.DataFrame({"y": truth, "old": base, "new": cand}).write_csv(path)
    out = ex.compare_experiments(
        {"accuracy": 0.5},
        {"accuracy": 0.75},
        primary_metric="accuracy",
        per_example={"file": str(path), "baseline": "old", "candidate": "new", "y_true": "y"},
    )
    sig = out["significance"]
    assert (sig["baseline_only_correct"], sig["candidate_only_correct"]) == (0, 10)
    assert sig["p_value"] == pytest.approx(stats.binomtest(0, 10, 0.5).pvalue)
    assert out["decision"] == "PROMOTE"


def test_per_example_losses_use_the_paired_bootstrap() -> None:
    rng = np.random.default_rng(2)
    base = rng.gamma(2, 0.2, 300)
    cand = base * 0.9
    out = ex.compare_experiments(
        {"log_loss": float(base.mean())},
        {"log_loss": float(cand.mean())},
        primary_metric="log_loss",
        per_example={"baseline": base.tolist(), "candidate": cand.tolist()},
    )
    assert out["significance"]["method"] == "paired_bootstrap"
    assert out["decision"] == "PROMOTE"


def test_test_direction_disagreeing_with_metrics_is_not_significant() -> None:
    base, cand = _paired(40, 10, both=400, neither=50)  # per-example says the candidate is worse
    out = ex.compare_experiments(
        {"accuracy": 0.8},
        {"accuracy": 0.85},
        primary_metric="accuracy",
        per_example={"baseline": base.tolist(), "candidate": cand.tolist()},
    )
    assert out["significant"] is False
    assert any("disagrees" in n for n in out["notes"])
    assert out["decision"] == "ITERATE"


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"per_example": {"baseline": [1, 0, 1], "candidate": [1, 0]}}, "differ in length"),
        ({"per_example": {"baseline": [1, 0]}}, "needs 'baseline' and 'candidate'"),
        ({"fold_scores": {"baseline": [0.8], "candidate": [0.9]}}, "at least two fold scores"),
        ({"fold_scores": {"baseline": [0.8, 0.9]}}, "needs 'baseline' and 'candidate'"),
        ({"per_example": {"baseline": [1, "x"], "candidate": [1, 0]}}, "list of numbers"),
    ],
)
def test_bad_evidence(kwargs: dict, fragment: str) -> None:
    with pytest.raises(InputError, match=fragment):
        ex.compare_experiments({"accuracy": 0.8}, {"accuracy": 0.9}, primary_metric="accuracy", **kwargs)


def test_missing_primary_metric_and_non_numeric_metric() -> None:
    with pytest.raises(InputError, match="primary metric 'auc' is missing from the baseline"):
        ex.compare_experiments({"accuracy": 0.8}, {"accuracy": 0.9}, primary_metric="auc")
    with pytest.raises(InputError, match=r"candidate_metrics\.accuracy must be a number"):
        ex.compare_experiments({"accuracy": 0.8}, {"accuracy": "good"}, primary_metric="accuracy")


def test_per_example_file_with_text_columns_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    pl.DataFrame({"old": ["a", "b"], "new": ["a", "a"]}).write_csv(path)
    with pytest.raises(InputError, match="not numeric") as err:
        ex.compare_experiments(
            {},
            {},
            primary_metric="accuracy",
            per_example={"file": str(path), "baseline": "old", "candidate": "new"},
        )
    assert err.value.where == f"{path}: column old"


def test_numeric_predictions_match_labels_across_int_and_float(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    pl.DataFrame({"y": [1, 0, 1, 0], "old": [1.0, 1.0, 0.0, 0.0], "new": [1.0, 0.0, 1.0, 0.0]}).write_csv(
        path
    )
    out = ex.compare_experiments(
        {},
        {},
        primary_metric="accuracy",
        per_example={"file": str(path), "baseline": "old", "candidate": "new", "y_true": "y"},
    )
    assert out["significance"]["baseline_mean"] == 0.5 and out["significance"]["candidate_mean"] == 1.0
    lists = ex.compare_experiments(
        {},
        {},
        primary_metric="accuracy",
        per_example={"y_true": [1, 0], "baseline": [1.0, 1.0], "candidate": ["1", "0"]},
    )
    assert lists["significance"]["baseline_mean"] == 0.5  # 1 == 1.0 as numbers
    assert lists["significance"]["candidate_mean"] == 1.0  # text vs number compares as text: "1" == "1"
