"""`axtui ab`, `axtui evaluate`, `axtui features`, `axtui experiments`: exit codes, JSON keys, tables."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from axtui.cli import main

DATA = Path(__file__).parent / "data" / "stats"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict]:
    code, out, _ = run(capsys, "--json", *argv)
    return code, json.loads(out)  # exactly one JSON document on stdout


@pytest.fixture
def events(tmp_path: Path) -> Path:
    rng = np.random.default_rng(0)
    n = 4500  # above the 3,841 per arm that --mde 0.02 at a 10% baseline needs
    path = tmp_path / "events.csv"
    pl.DataFrame(
        {
            "variant": ["control"] * n + ["treatment"] * n,
            "converted": np.r_[rng.random(n) < 0.10, rng.random(n) < 0.14].astype(int),
            "revenue": np.r_[rng.gamma(2, 5, n), rng.gamma(2, 5, n)],
            "latency_ms": np.r_[rng.normal(100, 10, n), rng.normal(100, 10, n)],
        }
    ).write_csv(path)
    return path


def test_ab_size_json_keys_and_value(capsys: pytest.CaptureFixture[str]) -> None:
    code, data = run_json(capsys, "ab", "size", "--baseline", "0.1", "--mde", "0.02")
    assert code == 0
    assert list(data) == ["per_variant", "total", "baseline", "target", "alpha", "power"]
    assert data["per_variant"] == 3841 and data["total"] == 7682


def test_ab_size_relative_and_means_and_table(capsys: pytest.CaptureFixture[str]) -> None:
    code, data = run_json(capsys, "ab", "size", "--baseline", "0.1", "--mde", "0.2", "--relative")
    assert code == 0 and data["per_variant"] == 3841
    code, data = run_json(capsys, "ab", "size", "--std", "10", "--mde", "1")
    assert code == 0 and data["per_variant"] == 1570
    code, out, _ = run(capsys, "ab", "size", "--baseline", "0.1", "--mde", "0.02")
    assert code == 0 and "3,841" in out and "7,682" in out


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["ab", "size", "--baseline", "0", "--mde", "0.01"], "strictly between 0 and 1"),
        (["ab", "size", "--baseline", "1", "--mde", "-0.01"], "strictly between 0 and 1"),
        (["ab", "size", "--baseline", "0.1", "--mde", "0"], "non-zero"),
        (["ab", "size", "--mde", "0.01"], "--baseline is required"),
    ],
)
def test_ab_size_bad_input_exits_2_with_json_error(
    capsys: pytest.CaptureFixture[str], argv: list[str], fragment: str
) -> None:
    code, out, err = run(capsys, "--json", *argv)
    assert code == 2
    payload = json.loads(out)
    assert payload["error"] == "InputError" and fragment in payload["message"]
    assert "error:" in err


def test_ab_srm(capsys: pytest.CaptureFixture[str]) -> None:
    code, data = run_json(capsys, "ab", "srm", "--counts", "5000,5600")
    assert code == 0
    assert set(data) == {"statistic", "p_value", "alert"} and data["alert"] is True
    code, out, _ = run(capsys, "ab", "srm", "--counts", "5000,5600")
    assert "ALERT" in out
    code, data = run_json(capsys, "ab", "srm", "--counts", "2000,8000", "--weights", "20,80")
    assert data["statistic"] == pytest.approx(0.0) and data["alert"] is False
    code, out, err = run(capsys, "ab", "srm", "--counts", "10,abc")
    assert code == 2 and "--counts must be comma-separated numbers" in err


def test_ab_analyze_json_and_table(capsys: pytest.CaptureFixture[str], events: Path) -> None:
    argv = [
        "ab",
        "analyze",
        str(events),
        "--variant-col",
        "variant",
        "--metric",
        "converted",
        "--metric",
        "revenue",
        "--guardrail",
        "latency_ms",
        "--lower-is-better",
        "latency_ms",
        "--mde",
        "0.02",
    ]
    code, data = run_json(capsys, *argv)
    assert code == 0
    assert {"srm", "metrics", "decision", "decision_reason"} <= set(data)
    assert set(data["srm"]) >= {"statistic", "p_value", "alert"}
    keys = {
        "metric",
        "arm",
        "control_mean",
        "treatment_mean",
        "abs_diff",
        "relative_lift",
        "ci95",
        "test",
        "statistic",
        "p_value",
        "significant",
    }
    assert all(keys <= set(row) for row in data["metrics"])
    assert [r["metric"] for r in data["metrics"]] == ["converted", "revenue", "latency_ms"]
    assert data["decision"] == "SHIP"
    code, out, _ = run(capsys, *argv)
    assert code == 0 and "decision: SHIP" in out and "converted" in out


def test_ab_analyze_bad_data_names_file_and_column(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, events: Path
) -> None:
    one = tmp_path / "one.csv"
    pl.DataFrame({"variant": ["control"] * 4, "y": [0, 1, 0, 1]}).write_csv(one)
    code, _, err = run(capsys, "ab", "analyze", str(one), "--variant-col", "variant", "--metric", "y")
    assert code == 2 and f"{one}: column variant" in err and "only one arm" in err
    code, _, err = run(capsys, "ab", "analyze", str(events), "--variant-col", "variant", "--metric", "clicks")
    assert code == 2 and "column 'clicks' does not exist" in err and str(events) in err
    code, _, err = run(
        capsys, "ab", "analyze", str(tmp_path / "missing.csv"), "--variant-col", "v", "--metric", "y"
    )
    assert code == 2 and "file not found" in err


def test_evaluate_json_keys_and_table_with_confusion_matrix(capsys: pytest.CaptureFixture[str]) -> None:
    argv = [
        "evaluate",
        str(DATA / "eval_binary.csv"),
        "--y-true",
        "y_true",
        "--y-score",
        "y_score",
        "--group",
        "group",
        "--latency-col",
        "latency_ms",
        "--timestamp-col",
        "ts",
        "--n-boot",
        "200",
    ]
    code, data = run_json(capsys, *argv)
    assert code == 0
    assert {"task", "rows", "metrics", "ci95", "confusion_matrix", "per_class", "fairness", "latency"} <= set(
        data
    )
    assert set(data["fairness"]["group"]) >= {
        "groups",
        "demographic_parity_difference",
        "demographic_parity_ratio",
        "equal_opportunity_difference",
        "equalized_odds_difference",
        "four_fifths",
    }
    assert set(data["fairness"]["group"]["groups"]["a"]) >= {
        "count",
        "selection_rate",
        "tpr",
        "fpr",
        "accuracy",
    }
    assert set(data["latency"]) >= {"p50", "p95", "p99", "mean", "max", "count", "throughput_rps"}
    assert data["metrics"]["roc_auc"] == pytest.approx(0.8901235168255205, rel=1e-9)
    code, out, _ = run(capsys, *argv)
    assert code == 0
    assert "roc_auc" in out and "Fairness by group" in out and "Latency" in out
    assert "156" in out and "87" in out  # the confusion matrix cells are printed


def test_evaluate_bad_labels_and_scores(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    pl.DataFrame({"y": [0, 1, 2], "s": [0.1, 0.5, 1.4]}).write_csv(path)
    code, out, err = run(capsys, "--json", "evaluate", str(path), "--y-true", "y", "--y-score", "s")
    assert code == 2
    payload = json.loads(out)
    assert payload["where"] == f"{path}: column s" and "outside [0, 1]" in payload["message"]
    pl.DataFrame({"y": [0, 1, 2], "s": [0.1, 0.5, 0.4]}).write_csv(path)
    code, out, err = run(capsys, "evaluate", str(path), "--y-true", "y", "--y-score", "s")
    assert code == 2 and f"{path}: column y" in err and "labels outside" in err


def test_evaluate_regression_table(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "evaluate", str(DATA / "eval_regression.csv"), "--y-true", "target", "--y-pred", "prediction"
    )
    assert code == 0 and "Regression metrics" in out and "rmse" in out and "Residuals" in out


def test_features_json_and_table(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    y = (rng.random(200) < 0.4).astype(int)
    path = tmp_path / "feats.parquet"
    pl.DataFrame(
        {
            "x": rng.normal(size=200),
            "leak": y.astype(float),
            "t": ["2025-01-02"] * 200,
            "signup_at": ["2025-01-01"] * 199 + ["2025-01-05"],
            "y": y,
        }
    ).write_parquet(path)
    code, data = run_json(capsys, "features", str(path), "--target", "y", "--time-col", "t")
    assert code == 0
    assert {"rows", "columns", "correlated_pairs", "leakage", "future_data", "warnings"} <= set(data)
    assert data["leakage"][0]["column"] == "leak" and data["leakage"][0]["risk"] == "DANGEROUS"
    assert data["future_data"]["future_rows"] == 1
    code, out, _ = run(capsys, "features", str(path), "--target", "y", "--time-col", "t")
    assert code == 0 and "leakage DANGEROUS" in out and "from the future: 1" in out
    code, out, err = run(capsys, "features", str(path), "--time-col", "x")
    assert code == 2 and f"{path}: column x" in err


def test_experiments_compare(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, data = run_json(
        capsys,
        "experiments",
        "compare",
        "--baseline",
        '{"accuracy": 0.80, "log_loss": 0.5}',
        "--candidate",
        '{"accuracy": 0.83, "log_loss": 0.45}',
        "--primary",
        "accuracy",
        "--folds-baseline",
        "0.79,0.8,0.81,0.8,0.8",
        "--folds-candidate",
        "0.82,0.83,0.84,0.83,0.83",
    )
    assert code == 0
    assert data["decision"] == "PROMOTE" and data["significance"]["method"] == "welch_t"
    metrics = tmp_path / "base.json"
    metrics.write_text('{"accuracy": 0.8}')
    code, out, _ = run(
        capsys,
        "experiments",
        "compare",
        "--baseline",
        f"@{metrics}",
        "--candidate",
        '{"accuracy": 0.79}',
        "--primary",
        "accuracy",
    )
    assert code == 0 and "decision: REJECT" in out
    code, out, err = run(capsys, "experiments", "compare", "--baseline", "{not json", "--primary", "accuracy")
    assert code == 2 and "--baseline is not valid JSON" in err


def test_help_lists_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--help")
    assert code == 0
    for name in ("ab", "evaluate", "features", "experiments"):
        assert name in out


def test_evaluate_prints_a_plain_confusion_table_without_the_plots_module(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "axtui.stats.plots", None)  # import now raises ModuleNotFoundError
    code, out, _ = run(
        capsys,
        "evaluate",
        str(DATA / "eval_multiclass.csv"),
        "--y-true",
        "label",
        "--y-pred",
        "predicted",
        "--n-boot",
        "0",
    )
    assert code == 0
    assert "Confusion matrix (rows: true, columns: predicted)" in out
    assert "62" in out and "bird" in out
