"""Feature validation (§8.5): per-column quality, correlations, target association, leakage, future data."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from scipy import stats

from axtui.errors import InputError
from axtui.stats import features as fv

DATA = Path(__file__).parent / "data" / "stats"
REFERENCE = json.loads((DATA / "reference.json").read_text())


@pytest.fixture
def frame() -> pl.DataFrame:
    rng = np.random.default_rng(0)
    n = 400
    y = (rng.random(n) < 0.3).astype(np.int64)
    x1 = rng.normal(size=n)
    return pl.DataFrame(
        {
            "x1": x1,
            "x1_twin": 2 * x1 + 0.001 * rng.normal(size=n),
            "skewed": rng.exponential(size=n),
            "city": rng.choice(["paris", "lyon", "nice"], size=n),
            "user": [f"u{i}" for i in range(n)],
            "const": [7] * n,
            "sparse": [None] * 300 + list(rng.normal(size=100)),
            "leak": y + 0.001 * rng.normal(size=n),
            "y": y,
        }
    )


def _col(out: dict, name: str) -> dict:
    return next(c for c in out["columns"] if c["name"] == name)


def test_per_column_quality(frame: pl.DataFrame) -> None:
    out = fv.validate_features(frame)
    assert out["rows"] == 400
    sparse = _col(out, "sparse")
    assert sparse["missing_rate"] == pytest.approx(0.75) and sparse["missing_flag"] is True
    assert _col(out, "const")["constant"] is True
    assert _col(out, "user")["high_cardinality"] is True
    assert _col(out, "city")["high_cardinality"] is False and _col(out, "city")["unique_count"] == 3
    skewed = frame["skewed"].to_numpy()
    assert _col(out, "skewed")["skewness"] == pytest.approx(stats.skew(skewed, bias=True), rel=1e-9)
    assert _col(out, "skewed")["skewed"] is True
    q1, q3 = np.percentile(skewed, [25, 75])
    share = np.mean((skewed < q1 - 1.5 * (q3 - q1)) | (skewed > q3 + 1.5 * (q3 - q1)))
    assert _col(out, "skewed")["outlier_share"] == pytest.approx(share)
    assert _col(out, "x1")["kind"] == "numeric" and _col(out, "city")["kind"] == "categorical"
    json.dumps(out, allow_nan=False)


def test_correlated_pairs_above_095(frame: pl.DataFrame) -> None:
    out = fv.validate_features(frame)
    names = {(p["a"], p["b"]) for p in out["correlated_pairs"]}
    assert ("x1", "x1_twin") in names
    pair = next(p for p in out["correlated_pairs"] if p["b"] == "x1_twin")
    assert pair["pearson"] == pytest.approx(np.corrcoef(frame["x1"], frame["x1_twin"])[0, 1], rel=1e-9)
    assert all(abs(p["pearson"]) > 0.95 for p in out["correlated_pairs"])


def test_correlated_pairs_with_missing_values_use_complete_rows() -> None:
    a = np.arange(20, dtype=float)
    frame = pl.DataFrame({"a": a, "b": np.where(a % 5 == 0, np.nan, 3 * a + 1), "c": np.sin(a)})
    pairs = fv.validate_features(frame)["correlated_pairs"]
    assert [(p["a"], p["b"]) for p in pairs] == [("a", "b")]
    assert pairs[0]["pearson"] == pytest.approx(1.0)


def test_target_association_pearson_and_mutual_information(frame: pl.DataFrame) -> None:
    out = fv.validate_features(frame, target="y")
    x1 = _col(out, "x1")["target_association"]
    assert x1["method"] == "pearson"
    assert x1["value"] == pytest.approx(np.corrcoef(frame["x1"], frame["y"])[0, 1], rel=1e-9)
    city = _col(out, "city")["target_association"]
    assert city["method"] == "mutual_information"
    assert 0.0 <= city["normalized"] <= 1.0


def test_mutual_information_matches_sklearn() -> None:
    binary = pl.read_csv(DATA / "eval_binary.csv")
    out = fv.validate_features(binary.select("group", "y_true"), target="y_true")
    mi = _col(out, "group")["target_association"]["value"]
    assert mi == pytest.approx(REFERENCE["mutual_information"]["group_vs_y_true"], rel=1e-9)


def test_mutual_information_hand_worked() -> None:
    # x determines y perfectly with two equiprobable values: MI = ln 2, normalised 1
    mi, norm = fv.mutual_information(np.array([0, 0, 1, 1]), np.array([5, 5, 9, 9]))
    assert mi == pytest.approx(math.log(2)) and norm == pytest.approx(1.0)
    mi, norm = fv.mutual_information(np.array([0, 1, 0, 1]), np.array([0, 0, 1, 1]))
    assert mi == pytest.approx(0.0, abs=1e-15) and norm == pytest.approx(0.0, abs=1e-15)


def test_near_perfect_association_is_dangerous(frame: pl.DataFrame) -> None:
    out = fv.validate_features(frame, target="y")
    leaks = {item["column"]: item for item in out["leakage"]}
    assert leaks["leak"]["risk"] == "DANGEROUS"
    assert "near-perfect" in leaks["leak"]["reasons"][0]
    assert _col(out, "x1")["leakage_risk"] == "SAFE"
    # the identifier-like column is not judged on its (always maximal) in-sample MI
    assert "user" not in leaks and _col(out, "user")["leakage_risk"] is None
    assert any("identifier-like" in w for w in out["warnings"])


def test_train_test_association_difference_is_a_warning(frame: pl.DataFrame) -> None:
    rng = np.random.default_rng(1)
    y = frame["y"].to_numpy()
    train = frame.with_columns(pl.Series("proxy", y * 1.0 + rng.normal(0, 0.6, y.size)))
    test = frame.with_columns(pl.Series("proxy", rng.normal(0, 1, y.size)))
    out = fv.validate_features(test, target="y", reference=train)
    leaks = {item["column"]: item for item in out["leakage"]}
    assert leaks["proxy"]["risk"] == "WARNING"
    assert "differs sharply" in leaks["proxy"]["reasons"][0]
    assert leaks["proxy"]["reference"]["value"] > 0.4 > abs(leaks["proxy"]["data"]["value"])
    assert out["reference_rows"] == 400


def test_reference_with_different_columns_continues_on_common(frame: pl.DataFrame, tmp_path: Path) -> None:
    ref_path = tmp_path / "train.parquet"
    frame.drop("city").with_columns(pl.lit(1).alias("extra")).write_parquet(ref_path)
    out = fv.validate_features(frame, target="y", reference=ref_path)
    assert any("only in data: city" in w and "only in reference: extra" in w for w in out["warnings"])
    assert _col(out, "city")["target_association"] is not None


def test_target_missing_from_reference_names_the_file(frame: pl.DataFrame, tmp_path: Path) -> None:
    ref_path = tmp_path / "train.csv"
    frame.drop("y").write_csv(ref_path)
    with pytest.raises(InputError, match="column 'y' does not exist") as err:
        fv.validate_features(frame, target="y", reference=ref_path)
    assert err.value.where == str(ref_path)


def test_future_rows_from_feature_timestamps() -> None:
    frame = pl.DataFrame(
        {
            "event_time": ["2025-01-10", "2025-01-10", "2025-01-10", "2025-01-10"],
            "last_login_at": ["2025-01-09", "2025-01-11", "2025-01-10", None],
            "refund_date": ["2025-01-01", "2025-01-01", "2025-02-01", "2025-03-01"],
            "comment": ["a", "b", "c", "d"],
            "amount": [1.0, 2.0, 3.0, 4.0],
        }
    )
    out = fv.validate_features(frame, time_col="event_time")["future_data"]
    assert out["checked_columns"] == ["last_login_at", "refund_date"]
    assert out["by_column"] == {"last_login_at": 1, "refund_date": 2}
    assert out["future_rows"] == 3 and out["example_rows"] == [1, 2, 3]
    assert out["future_share"] == pytest.approx(0.75)


def test_future_rows_with_datetime_dtypes_and_explicit_columns() -> None:
    frame = pl.DataFrame(
        {"t": ["2025-01-10T00:00:00"] * 2, "x": ["2025-01-10T00:00:01", "2025-01-09T00:00:00"]}
    )
    frame = frame.with_columns(pl.col("t").str.to_datetime())
    out = fv.validate_features(frame, time_col="t", feature_time_cols=["x"])["future_data"]
    assert out["future_rows"] == 1 and out["example_rows"] == [0]


def test_unparseable_time_column_names_file_and_column(tmp_path: Path) -> None:
    path = tmp_path / "feats.csv"
    pl.DataFrame({"when": ["yesterday", "today"], "x": [1, 2]}).write_csv(path)
    with pytest.raises(InputError, match="does not parse as timestamps") as err:
        fv.validate_features(path, time_col="when")
    assert err.value.where == f"{path}: column when"
    num = tmp_path / "num.csv"
    pl.DataFrame({"when": [1, 2], "x": [1, 2]}).write_csv(num)
    with pytest.raises(InputError, match="not a date or timestamp") as err:
        fv.validate_features(num, time_col="when")
    assert err.value.where == f"{num}: column when"


def test_infinite_values_are_reported_with_file_and_column(tmp_path: Path) -> None:
    path = tmp_path / "inf.parquet"
    pl.DataFrame({"x": [1.0, float("inf"), 3.0, -float("inf"), 2.0]}).write_parquet(path)
    out = fv.validate_features(path)
    assert _col(out, "x")["infinite_count"] == 2
    assert any(w.startswith(f"{path}: column 'x' has 2 infinite") for w in out["warnings"])
    assert _col(out, "x")["skewness"] == pytest.approx(stats.skew([1.0, 3.0, 2.0], bias=True), abs=1e-12)


def test_all_null_column_and_single_row(tmp_path: Path) -> None:
    frame = pl.DataFrame({"x": [None], "y": [1.0]}, schema={"x": pl.Float64, "y": pl.Float64})
    out = fv.validate_features(frame)
    assert _col(out, "x")["missing_rate"] == 1.0 and _col(out, "x")["constant"] is True
    assert any("entirely missing" in w for w in out["warnings"])
    assert any("only 1 row" in w for w in out["warnings"])
    assert _col(out, "y")["skewness"] is None


def test_missing_file_empty_file_and_missing_target(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="file not found"):
        fv.validate_features(tmp_path / "nope.parquet")
    empty = tmp_path / "empty.csv"
    empty.write_text("a,b\n")
    with pytest.raises(InputError, match="no rows"):
        fv.validate_features(empty)
    path = tmp_path / "f.csv"
    pl.DataFrame({"a": [1, 2]}).write_csv(path)
    with pytest.raises(InputError, match="column 'target' does not exist") as err:
        fv.validate_features(path, target="target")
    assert err.value.where == str(path)


def test_unreadable_file_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.parquet"
    path.write_bytes(b"this is not parquet")
    with pytest.raises(InputError, match="cannot read the file") as err:
        fv.validate_features(path)
    assert err.value.where == str(path)
