"""Evaluation metrics (§8.3) against scikit-learn reference numbers (committed, with versions)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from axtui.errors import InputError
from axtui.stats import evaluate as ev

DATA = Path(__file__).parent / "data" / "stats"
REFERENCE = json.loads((DATA / "reference.json").read_text())
BINARY = DATA / "eval_binary.csv"
MULTICLASS = DATA / "eval_multiclass.csv"
REGRESSION = DATA / "eval_regression.csv"


def test_reference_numbers_record_the_tool_versions() -> None:
    assert {"scikit-learn", "fairlearn", "statsmodels"} <= set(REFERENCE["versions"])


def test_binary_classification_matches_sklearn() -> None:
    out = ev.evaluate(BINARY, y_true="y_true", y_pred="y_pred", y_score="y_score")
    ref = REFERENCE["binary"]
    assert out["task"] == "classification" and out["rows"] == 300
    for name, value in ref.items():
        if name == "confusion_matrix":
            assert out["confusion_matrix"]["matrix"] == value
        else:
            assert out["metrics"][name] == pytest.approx(value, rel=1e-9), name
    assert out["confusion_matrix"]["labels"] == [0, 1]
    assert out["positive_label"] == 1
    assert {"task", "rows", "metrics", "ci95", "confusion_matrix", "per_class", "fairness", "latency"} <= set(
        out
    )
    json.dumps(out, allow_nan=False)


def test_multiclass_matches_sklearn() -> None:
    out = ev.evaluate(MULTICLASS, y_true="label", y_pred="predicted")
    ref = REFERENCE["multiclass"]
    assert out["task"] == "classification"
    for name, value in ref.items():
        if name == "confusion_matrix":
            assert out["confusion_matrix"]["matrix"] == value
        elif name == "per_class":
            for key in ("precision", "recall", "f1", "support"):
                assert [row[key] for row in out["per_class"]] == pytest.approx(value[key], rel=1e-9)
        else:
            assert out["metrics"][name] == pytest.approx(value, rel=1e-9), name
    assert [row["label"] for row in out["per_class"]] == ["bird", "cat", "dog"]
    assert "roc_auc" not in out["metrics"] and "f1" not in out["metrics"]
    assert any("need --y-score" in n for n in out["notes"])


def test_regression_matches_sklearn() -> None:
    out = ev.evaluate(REGRESSION, y_true="target", y_pred="prediction")
    assert out["task"] == "regression"
    for name, value in REFERENCE["regression"].items():
        assert out["metrics"][name] == pytest.approx(value, rel=1e-9), name
    frame = pl.read_csv(REGRESSION)
    residual = (frame["target"] - frame["prediction"]).to_numpy()
    assert out["residuals"]["mean"] == pytest.approx(residual.mean())
    assert out["residuals"]["median"] == pytest.approx(np.median(residual))
    assert out["residuals"]["max"] == pytest.approx(residual.max())
    assert out["confusion_matrix"] is None and out["per_class"] is None


def test_mape_skips_zero_targets_and_says_so() -> None:
    frame = pl.DataFrame({"y": [0.0, 2.0, 4.0, 0.0], "p": [1.0, 1.0, 5.0, 0.5]})
    out = ev.evaluate(frame, y_true="y", y_pred="p", task="regression", n_boot=0)
    assert out["metrics"]["mape"] == pytest.approx((1 / 2 + 1 / 4) / 2)
    assert out["metrics"]["mape_skipped_zero_rows"] == 2
    assert any("MAPE skips 2" in n for n in out["notes"])


def test_y_pred_derived_from_scores_at_half() -> None:
    derived = ev.evaluate(BINARY, y_true="y_true", y_score="y_score", n_boot=0)
    given_pred = ev.evaluate(BINARY, y_true="y_true", y_pred="y_pred", y_score="y_score", n_boot=0)
    assert derived["confusion_matrix"] == given_pred["confusion_matrix"]
    assert any("0.5 threshold" in n for n in derived["notes"])


def test_string_labels_with_positive_label_and_scores() -> None:
    frame = pl.DataFrame({"y": ["spam", "ham", "ham", "spam"], "s": [0.9, 0.1, 0.2, 0.65]})
    out = ev.evaluate(frame, y_true="y", y_score="s", positive_label="spam", n_boot=0)
    assert out["metrics"]["roc_auc"] == 1.0
    assert out["metrics"]["log_loss"] == pytest.approx(0.21616187468057912, rel=1e-9)  # sklearn docstring
    assert out["metrics"]["accuracy"] == 1.0


@pytest.mark.parametrize(
    ("values", "task"),
    [
        ({"y": ["a", "b"], "p": ["a", "a"]}, "classification"),
        ({"y": [1, 2, 3], "p": [1, 2, 2]}, "classification"),
        ({"y": [1.5, 2.25, 3.0], "p": [1.0, 2.0, 3.5]}, "regression"),
        ({"y": list(range(30)), "p": list(range(30))}, "regression"),
    ],
)
def test_task_inference(values: dict, task: str) -> None:
    assert ev.evaluate(pl.DataFrame(values), y_true="y", y_pred="p", n_boot=0)["task"] == task


def test_classification_bootstrap_draws_confusion_matrices_from_the_multinomial() -> None:
    out = ev.evaluate(BINARY, y_true="y_true", y_pred="y_pred", n_boot=200, seed=7)
    again = ev.evaluate(BINARY, y_true="y_true", y_pred="y_pred", n_boot=200, seed=7)
    assert out["ci95"] == again["ci95"]
    # resampling rows makes the cell counts Multinomial(n, observed shares): the same draws by hand
    cells = np.array(REFERENCE["binary"]["confusion_matrix"]).ravel()
    draws = np.random.default_rng(7).multinomial(300, cells / 300, size=200)
    accuracy = (draws[:, 0] + draws[:, 3]) / 300
    assert [out["ci95"]["low"], out["ci95"]["high"]] == pytest.approx(
        list(np.percentile(accuracy, [2.5, 97.5])), rel=1e-12
    )
    assert out["ci95"]["low"] <= out["metrics"]["accuracy"] <= out["ci95"]["high"]
    assert out["ci95"]["metric"] == "accuracy" and out["ci95"]["seed"] == 7


def test_classification_bootstrap_agrees_with_naive_row_resampling() -> None:
    frame = pl.read_csv(MULTICLASS)
    out = ev.evaluate(
        frame, y_true="label", y_pred="predicted", primary_metric="f1_macro", n_boot=4000, seed=3
    )
    labels = ["bird", "cat", "dog"]
    t = np.searchsorted(labels, frame["label"].to_numpy())
    p = np.searchsorted(labels, frame["predicted"].to_numpy())
    rng = np.random.default_rng(11)
    naive = []
    for _ in range(4000):
        idx = rng.integers(0, t.size, size=t.size)
        f1s = []
        for k in range(3):
            tp = np.sum((t[idx] == k) & (p[idx] == k))
            denom = np.sum(t[idx] == k) + np.sum(p[idx] == k)
            f1s.append(2 * tp / denom if denom else 0.0)
        naive.append(np.mean(f1s))
    # same distribution, different draws: the percentile endpoints agree to Monte Carlo error
    assert out["ci95"]["low"] == pytest.approx(np.percentile(naive, 2.5), abs=0.01)
    assert out["ci95"]["high"] == pytest.approx(np.percentile(naive, 97.5), abs=0.01)


def test_regression_bootstrap_equals_a_naive_loop_on_the_same_draws() -> None:
    reg = pl.read_csv(REGRESSION)
    y, pr = reg["target"].to_numpy(), reg["prediction"].to_numpy()
    for metric in ("r2", "rmse", "mae"):
        out = ev.evaluate(reg, y_true="target", y_pred="prediction", primary_metric=metric, n_boot=40, seed=1)
        rng = np.random.default_rng(1)
        values = []
        for _ in range(40):
            idx = rng.integers(0, y.size, size=y.size)
            e = pr[idx] - y[idx]
            values.append(
                {
                    "r2": 1 - np.sum(e**2) / np.sum((y[idx] - y[idx].mean()) ** 2),
                    "rmse": np.sqrt(np.mean(e**2)),
                    "mae": np.mean(np.abs(e)),
                }[metric]
            )
        assert out["ci95"]["low"] == pytest.approx(np.percentile(values, 2.5), rel=1e-9), metric
        assert out["ci95"]["high"] == pytest.approx(np.percentile(values, 97.5), rel=1e-9), metric


def test_unknown_primary_metric_lists_the_choices() -> None:
    with pytest.raises(InputError, match="primary metric 'auc'") as err:
        ev.evaluate(BINARY, y_true="y_true", y_pred="y_pred", primary_metric="auc")
    assert "accuracy" in err.value.hint


# --- ROC / PR edge cases -----------------------------------------------------------------------


def test_roc_auc_ties_count_half_and_single_class_is_undefined() -> None:
    assert ev.roc_auc(np.array([0, 1]), np.array([0.5, 0.5])) == 0.5
    assert ev.roc_auc(np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8])) == 0.75
    assert ev.roc_auc(np.array([1, 1]), np.array([0.2, 0.3])) is None
    out = ev.evaluate(pl.DataFrame({"y": [1, 1, 1], "s": [0.2, 0.7, 0.9]}), y_true="y", y_score="s", n_boot=0)
    assert out["metrics"]["roc_auc"] is None
    assert any("ROC-AUC is undefined" in n for n in out["notes"])


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(0, 6), min_size=1, max_size=40))
def test_average_ranks_equal_scipy_rankdata(values: list[int]) -> None:
    from scipy.stats import rankdata

    x = np.array(values, dtype=float)
    assert np.array_equal(ev.average_ranks(x), rankdata(x))


def test_average_precision_hand_worked() -> None:
    # scores desc: 0.8(1) 0.4(0) 0.35(1) 0.1(0); precision 1/1 at recall .5, 2/3 at recall 1
    # -> AP = .5·1 + .5·2/3
    assert ev.average_precision(np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8])) == pytest.approx(
        5 / 6
    )


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 1), st.floats(0, 1)), min_size=2, max_size=40))
def test_roc_auc_equals_pairwise_definition(pairs: list[tuple[int, float]]) -> None:
    y = np.array([p[0] for p in pairs], dtype=float)
    s = np.array([p[1] for p in pairs])
    auc = ev.roc_auc(y, s)
    pos, neg = s[y == 1], s[y == 0]
    if pos.size == 0 or neg.size == 0:
        assert auc is None
        return
    pairwise = np.mean([(a > b) + 0.5 * (a == b) for a in pos for b in neg])
    assert auc == pytest.approx(pairwise, abs=1e-12)
    ap = ev.average_precision(y, s)
    assert ap is not None and 0.0 <= ap <= 1.0


# --- latency -------------------------------------------------------------------------------------


def test_latency_profile_percentiles_and_throughput_definitions() -> None:
    values = np.array([10.0, 20.0, 30.0, 40.0, 100.0])
    out = ev.latency_profile(values)
    assert out["p50"] == 30.0
    # linear interpolation: position q·(n−1); p95 at 3.8 -> 40 + 0.8·60, p99 at 3.96 -> 40 + 0.96·60
    assert out["p95"] == pytest.approx(88.0)
    assert out["p99"] == pytest.approx(97.6)
    assert (out["mean"], out["max"], out["count"]) == (40.0, 100.0, 5)
    assert out["throughput_rps"] == pytest.approx(1000 / 40)
    assert "mean latency" in out["throughput_method"]


def test_latency_throughput_from_timestamps() -> None:
    out = ev.evaluate(
        BINARY, y_true="y_true", y_pred="y_pred", latency_col="latency_ms", timestamp_col="ts", n_boot=0
    )
    frame = pl.read_csv(BINARY).with_columns(pl.col("ts").str.to_datetime())
    span = (frame["ts"].max() - frame["ts"].min()).total_seconds()
    assert out["latency"]["throughput_rps"] == pytest.approx(300 / span)
    assert out["latency"]["throughput_method"] == "count / timestamp span"
    assert out["latency"]["p99"] == pytest.approx(np.percentile(frame["latency_ms"].to_numpy(), 99))


def test_latency_bad_values() -> None:
    with pytest.raises(InputError, match="non-negative"):
        ev.latency_profile([1.0, -2.0])
    with pytest.raises(InputError, match="no latency values"):
        ev.latency_profile([float("nan")])


def test_latency_file_and_unparseable_timestamps(tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    pl.DataFrame({"ms": [5.0, None, 15.0], "ts": ["yesterday", "today", "now"]}).write_csv(path)
    out = ev.evaluate_latency_file(path, "ms")
    assert out["count"] == 2 and out["mean"] == 10.0
    with pytest.raises(InputError, match="does not parse as timestamps") as err:
        ev.evaluate_latency_file(path, "ms", timestamp_col="ts")
    assert err.value.where == f"{path}: column ts"


# --- bad data ------------------------------------------------------------------------------------


def _write(tmp_path: Path, frame: pl.DataFrame, name: str = "preds.csv") -> Path:
    path = tmp_path / name
    frame.write_csv(path)
    return path


def test_labels_outside_0_1_with_scores(tmp_path: Path) -> None:
    path = _write(tmp_path, pl.DataFrame({"y": [0, 1, 2], "s": [0.1, 0.5, 0.9]}))
    with pytest.raises(InputError, match=r"labels outside \{0, 1\} \(2\)") as err:
        ev.evaluate(path, y_true="y", y_score="s")
    assert err.value.where == f"{path}: column y"
    assert "--positive-label" in err.value.hint


def test_scores_outside_unit_interval(tmp_path: Path) -> None:
    path = _write(tmp_path, pl.DataFrame({"y": [0, 1, 1], "s": [0.1, 1.5, 0.9]}))
    with pytest.raises(InputError, match=r"1 score\(s\) outside \[0, 1\] \(e.g. 1.5\)") as err:
        ev.evaluate(path, y_true="y", y_score="s")
    assert err.value.where == f"{path}: column s"


def test_infinite_scores_are_outside_the_unit_interval(tmp_path: Path) -> None:
    path = tmp_path / "inf.parquet"
    pl.DataFrame({"y": [0, 1], "s": [0.2, float("inf")]}).write_parquet(path)
    with pytest.raises(InputError, match="outside"):
        ev.evaluate(path, y_true="y", y_score="s")


def test_string_column_passed_as_numeric_for_regression(tmp_path: Path) -> None:
    path = _write(tmp_path, pl.DataFrame({"y": [1.5, 2.5], "p": ["a", "b"]}))
    with pytest.raises(InputError, match="not numeric") as err:
        ev.evaluate(path, y_true="y", y_pred="p", task="regression")
    assert err.value.where == f"{path}: column p"


def test_missing_column_and_missing_prediction(tmp_path: Path) -> None:
    path = _write(tmp_path, pl.DataFrame({"y": [0, 1], "p": [0, 1]}))
    with pytest.raises(InputError, match="column 'score' does not exist") as err:
        ev.evaluate(path, y_true="y", y_score="score")
    assert err.value.where == str(path)
    with pytest.raises(InputError, match="give a prediction column or a score column"):
        ev.evaluate(path, y_true="y", task="classification")


def test_all_null_labels_and_dropped_rows(tmp_path: Path) -> None:
    frame = pl.DataFrame({"y": [None, None], "p": [0, 1]}, schema={"y": pl.Int64, "p": pl.Int64})
    with pytest.raises(InputError, match="no rows with all of y, p"):
        ev.evaluate(frame, y_true="y", y_pred="p")
    partly = pl.DataFrame({"y": [0, None, 1, 1], "p": [0, 1, 1, 0]})
    out = ev.evaluate(partly, y_true="y", y_pred="p", n_boot=0)
    assert out["rows"] == 3 and out["dropped_rows"] == 1


def test_single_row_is_evaluated(tmp_path: Path) -> None:
    out = ev.evaluate(pl.DataFrame({"y": [1], "p": [1]}), y_true="y", y_pred="p", n_boot=10)
    assert out["metrics"]["accuracy"] == 1.0
    assert out["ci95"]["low"] == out["ci95"]["high"] == 1.0


def test_regression_infinite_values_and_constant_target() -> None:
    with pytest.raises(InputError, match="infinite"):
        ev.evaluate(
            pl.DataFrame({"y": [1.5, float("inf")], "p": [1.0, 2.0]}),
            y_true="y",
            y_pred="p",
            task="regression",
        )
    out = ev.evaluate(
        pl.DataFrame({"y": [2.5, 2.5, 2.5], "p": [2.0, 3.0, 2.5]}),
        y_true="y",
        y_pred="p",
        task="regression",
        n_boot=0,
    )
    assert out["metrics"]["r2"] is None and any("R² is undefined" in n for n in out["notes"])
    json.dumps(out, allow_nan=False)


def test_groups_need_classification_and_match_fairness_module() -> None:
    with pytest.raises(InputError, match="needs a classification task"):
        ev.evaluate(REGRESSION, y_true="target", y_pred="prediction", groups=["target"])
    out = ev.evaluate(BINARY, y_true="y_true", y_pred="y_pred", groups=["group"], n_boot=0)
    fair = out["fairness"]["group"]
    assert fair["demographic_parity_difference"] == pytest.approx(
        REFERENCE["fairness"]["demographic_parity_difference"], rel=1e-9
    )


def test_unknown_task_is_refused() -> None:
    with pytest.raises(InputError, match="unknown task 'ranking'"):
        ev.evaluate(BINARY, y_true="y_true", y_pred="y_pred", task="ranking")


def test_log_loss_clips_like_sklearn() -> None:
    # a confident wrong answer is finite: -log(eps) for one of two rows
    value = ev.log_loss(np.array([1.0, 0.0]), np.array([0.0, 0.0]))
    assert value == pytest.approx(-math.log(np.finfo(float).eps) / 2 - math.log(1 - np.finfo(float).eps) / 2)
