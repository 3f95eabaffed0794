"""Section 8.1 drift: hand-worked values, independent scipy/numpy computations, properties, bad data."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats
from scipy.spatial.distance import jensenshannon

from axtui.errors import InputError
from axtui.present.output import to_json
from axtui.stats import drift
from axtui.stats.drift import compute_drift, compute_prediction_drift, numeric_statistics

CONTRACT_KEYS = {
    "name",
    "kind",
    "null_rate_reference",
    "null_rate_current",
    "psi",
    "ks_statistic",
    "ks_pvalue",
    "wasserstein",
    "js_distance",
    "chi2_statistic",
    "chi2_pvalue",
    "new_categories",
    "votes",
    "drifted",
    "severity",
}


def rel(a: float, b: float) -> float:
    return abs(a - b) / abs(b) if b else abs(a)


def column(result: dict, name: str) -> dict:
    return next(c for c in result["columns"] if c["name"] == name)


# ---------------------------------------------------------------- closed forms worked by hand


def test_psi_and_js_worked_by_hand() -> None:
    """Reference 1..10: edges 1.9, 2.8, ..., 9.1 (linear quantiles), one value per bin (r = 0.1 each).
    Current: five 1s and five 10s, so c = 0.5 in the first and last bin and 0 (clipped to 1e-4) elsewhere."""
    ref = pl.DataFrame({"x": [float(v) for v in range(1, 11)]})
    cur = pl.DataFrame({"x": [1.0] * 5 + [10.0] * 5})
    result = compute_drift(ref, cur)
    x = column(result, "x")
    assert x["kind"] == "numeric"
    expected_psi = 2 * (0.5 - 0.1) * math.log(0.5 / 0.1) + 8 * (1e-4 - 0.1) * math.log(1e-4 / 0.1)
    assert x["psi"] == pytest.approx(expected_psi, rel=1e-12)
    # JS from the unclipped shares: m = 0.3 in the outer bins, 0.05 in the eight inner ones
    js_div = 0.5 * (2 * 0.1 * math.log(0.1 / 0.3) + 8 * 0.1 * math.log(0.1 / 0.05)) + 0.5 * (
        2 * 0.5 * math.log(0.5 / 0.3)
    )
    assert x["js_distance"] == pytest.approx(math.sqrt(js_div), rel=1e-12)
    assert result["histograms"]["x"]["reference"] == pytest.approx([0.1] * 10)
    assert result["histograms"]["x"]["current"] == pytest.approx([0.5] + [0.0] * 8 + [0.5])
    # the ECDFs differ by 0.4 at x = 1 (0.1 vs 0.5) and never by more
    assert x["ks_statistic"] == pytest.approx(0.4)
    # W1 = ∫|F_ref − F_cur|: |i/10 − 0.5| over [i, i+1) for i = 1..9 → 2.0; std of 1..10 is sqrt(8.25)
    assert x["wasserstein"] == pytest.approx(2.0 / math.sqrt(8.25), rel=1e-12)
    assert x["severity"] == "significant" and result["alert_level"] == "RED"


def test_bins_follow_searchsorted_right_on_ties() -> None:
    """A value equal to an edge goes to the bin above it (searchsorted side="right")."""
    sorted_values = np.array([1.0, 2.0, 2.0, 3.0])
    edges = np.array([2.0])
    assert drift.bin_counts(sorted_values, edges).tolist() == [1, 3]
    independent = np.bincount(np.searchsorted(edges, sorted_values, side="right"), minlength=2)
    assert independent.tolist() == [1, 3]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.floats(-1e9, 1e9, allow_nan=False), min_size=1, max_size=300),
    st.lists(st.floats(0, 1), min_size=1, max_size=9),
)
def test_sorted_quantiles_are_bit_identical_to_numpy(values: list[float], levels: list[float]) -> None:
    data = np.sort(np.array(values))
    for q in (drift.PSI_QUANTILES, np.sort(np.array(levels))):
        assert np.array_equal(drift.sorted_quantiles(data, q), np.quantile(data, q, method="linear"))


def test_duplicate_quantile_edges_are_removed() -> None:
    values = np.sort(np.array([0.0] * 85 + [1.0] * 15))
    edges = drift.psi_edges(values)
    assert edges.tolist() == [0.0, 1.0]  # 0.1..0.8 quantiles are 0, the 0.9 quantile is 1
    assert drift.bin_counts(values, edges).tolist() == [0, 85, 15]


# ---------------------------------------------------------------- against scipy / numpy directly


def independent_numeric(ref: np.ndarray, cur: np.ndarray) -> dict[str, float]:
    """The §8.1 numbers for one numeric column, the plain way: scipy calls and numpy histograms."""
    edges = np.unique(np.quantile(ref, [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9], method="linear"))
    r = np.bincount(np.searchsorted(edges, ref, side="right"), minlength=edges.size + 1) / ref.size
    c = np.bincount(np.searchsorted(edges, cur, side="right"), minlength=edges.size + 1) / cur.size
    rc, cc = np.clip(r, 1e-4, None), np.clip(c, 1e-4, None)
    ks = stats.ks_2samp(ref, cur)
    return {
        "psi": float(np.sum((cc - rc) * np.log(cc / rc))),
        "ks_statistic": float(ks.statistic),
        "ks_pvalue": float(ks.pvalue),
        "wasserstein": float(stats.wasserstein_distance(ref, cur) / max(np.std(ref), 0.001)),
        "js_distance": float(jensenshannon(r, c)),
    }


@pytest.mark.parametrize(
    ("n_ref", "n_cur", "shift", "decimals"),
    [
        (3000, 2000, 0.1, None),  # exact KS (scipy's own exact path)
        (20000, 15000, 0.05, None),  # asymptotic KS through our fast Smirnov sum (n·d² ≥ 2.2)
        (15000, 25000, 0.0, None),  # asymptotic KS, no drift (scipy's kstwo directly)
        (12000, 12000, 0.2, 1),  # many ties
    ],
)
def test_numeric_column_matches_scipy(n_ref: int, n_cur: int, shift: float, decimals: int | None) -> None:
    rng = np.random.default_rng(n_ref + n_cur)
    ref = rng.normal(0, 1, n_ref)
    cur = rng.normal(shift, 1.2, n_cur)
    if decimals is not None:
        ref, cur = np.round(ref, decimals), np.round(cur, decimals)
    result = compute_drift(pl.DataFrame({"x": ref}), pl.DataFrame({"x": cur}))
    got = column(result, "x")
    want = independent_numeric(ref, cur)
    for key, value in want.items():
        assert rel(got[key], value) < 1e-9, (key, got[key], value)
    assert got["reference_mean"] == pytest.approx(ref.mean())


@pytest.mark.parametrize(("n", "d"), [(8000, 0.02), (40000, 0.012), (60000, 0.03), (150000, 0.006)])
def test_fast_ks_pvalue_matches_kstwo(n: int, d: float) -> None:
    """The vectorised Smirnov sum against scipy's own kstwo.sf at the same (n, d)."""
    assert 2.2 <= n * d * d < 370
    want = float(stats.kstwo.sf(d, n))
    got = drift.ks_pvalue(d, 2 * n, 2 * n)  # en = n
    assert rel(got, want) < 1e-9


def test_ks_pvalue_falls_back_to_scipy_outside_the_fast_range() -> None:
    for d in (0.001, 0.6):
        assert drift.ks_pvalue(d, 30000, 30000) == pytest.approx(float(stats.kstwo.sf(d, 15000.0)), rel=1e-12)


def test_categorical_column_matches_scipy() -> None:
    rng = np.random.default_rng(3)
    ref = rng.choice(["a", "b", "c"], 4000, p=[0.5, 0.3, 0.2])
    cur = rng.choice(["a", "b", "c", "d"], 3000, p=[0.4, 0.3, 0.2, 0.1])
    got = column(compute_drift(pl.DataFrame({"s": ref}), pl.DataFrame({"s": cur})), "s")
    cats = ["a", "b", "c", "d"]
    table = np.array([[np.sum(ref == k) for k in cats], [np.sum(cur == k) for k in cats]])
    chi2 = stats.chi2_contingency(table)
    r, c = table[0] / table[0].sum(), table[1] / table[1].sum()
    rc, cc = np.clip(r, 1e-4, None), np.clip(c, 1e-4, None)
    assert got["kind"] == "categorical"
    assert rel(got["chi2_statistic"], chi2.statistic) < 1e-12
    assert rel(got["chi2_pvalue"], chi2.pvalue) < 1e-9
    assert rel(got["psi"], float(np.sum((cc - rc) * np.log(cc / rc)))) < 1e-12
    assert rel(got["js_distance"], float(jensenshannon(r, c))) < 1e-12
    assert got["new_categories"] == ["d"]
    assert got["ks_pvalue"] is None and got["wasserstein"] is None
    assert got["votes"] == 3 and got["drifted"] is True


def test_two_category_column_uses_chi2_contingency_default_correction() -> None:
    ref = pl.DataFrame({"flag": [True] * 60 + [False] * 40})
    cur = pl.DataFrame({"flag": [True] * 45 + [False] * 55})
    got = column(compute_drift(ref, cur), "flag")
    want = stats.chi2_contingency(np.array([[60, 40], [45, 55]]))  # Yates' correction at dof 1
    assert got["chi2_pvalue"] == pytest.approx(want.pvalue, rel=1e-12)


# ---------------------------------------------------------------- kinds, votes, verdicts


def test_integer_columns_with_few_values_are_categorical() -> None:
    ref = pl.DataFrame({"few": [i % 10 for i in range(200)], "many": [i % 11 for i in range(200)]})
    cur = pl.DataFrame({"few": [i % 10 for i in range(150)], "many": [i % 11 for i in range(150)]})
    result = compute_drift(ref, cur)
    assert column(result, "few")["kind"] == "categorical"
    assert column(result, "many")["kind"] == "numeric"
    forced = compute_drift(ref, cur, numeric=["few"], categorical=["many"])
    assert column(forced, "few")["kind"] == "numeric"
    assert column(forced, "many")["kind"] == "categorical"


def test_integer_rule_counts_the_union_across_integer_widths() -> None:
    ref = pl.DataFrame({"k": pl.Series([0, 1, 2, 3, 4, 5] * 10, dtype=pl.Int32)})
    cur = pl.DataFrame({"k": pl.Series([4, 5, 6, 7, 8, 9, 10] * 10, dtype=pl.Int64)})
    assert column(compute_drift(ref, cur), "k")["kind"] == "numeric"  # 11 distinct values together
    cur_few = pl.DataFrame({"k": pl.Series([4, 5, 6, 7, 8, 9] * 10, dtype=pl.UInt8)})
    few = column(compute_drift(ref, cur_few), "k")
    assert few["kind"] == "categorical" and few["new_categories"] == ["6", "7", "8", "9"]


def test_severity_votes_alert_and_top_drifted() -> None:
    assert drift.severity(0.0999) == "none"
    assert drift.severity(0.1) == "moderate"
    assert drift.severity(0.2499) == "moderate"
    assert drift.severity(0.25) == "significant"
    cols = [
        {"name": n, "psi": p, "severity": drift.severity(p)}
        for n, p in [("a", 0.01), ("b", 0.3), ("c", 0.12), ("d", 0.5), ("e", 0.0), ("f", 0.2)]
    ]
    assert drift.alert_level(cols) == "RED"
    assert drift.alert_level(cols[:1] + cols[2:3]) == "YELLOW"
    assert drift.alert_level(cols[:1]) == "GREEN"
    assert drift.top_drifted(cols) == ["d", "b", "f", "c", "a"]
    assert drift.votes({"psi": 0.1, "js_distance": 0.05, "ks_pvalue": 0.049, "wasserstein": 0.1}) == 3
    assert drift.votes({"psi": 0.0, "js_distance": 0.1, "chi2_pvalue": 0.05}) == 1


def test_contract_shape_and_strict_json() -> None:
    rng = np.random.default_rng(1)
    ref = pl.DataFrame({"x": rng.normal(size=500), "s": rng.choice(["u", "v"], 500)})
    cur = pl.DataFrame({"x": rng.normal(size=400), "s": rng.choice(["u", "v"], 400)})
    result = compute_drift(ref, cur)
    assert {"reference_rows", "current_rows", "columns", "alert_level", "top_drifted"} <= set(result)
    assert (result["reference_rows"], result["current_rows"]) == (500, 400)
    for col in result["columns"]:
        assert set(col) >= CONTRACT_KEYS
    json.loads(to_json(result))  # allow_nan=False inside: no NaN/inf anywhere


def test_threads_do_not_change_results() -> None:
    rng = np.random.default_rng(9)
    ref = pl.DataFrame({f"x{i}": rng.normal(i * 0.01, 1, 5000) for i in range(6)})
    cur = pl.DataFrame({f"x{i}": rng.normal(0, 1, 4000) for i in range(6)})
    assert compute_drift(ref, cur, workers=1) == compute_drift(ref, cur, workers=2)


def test_prediction_drift_is_the_same_computation_on_one_column() -> None:
    rng = np.random.default_rng(4)
    ref = pl.DataFrame({"score": rng.beta(2, 5, 3000), "f": rng.normal(size=3000)})
    cur = pl.DataFrame({"score": rng.beta(3, 4, 2500), "f": rng.normal(size=2500)})
    result = compute_prediction_drift(ref, cur, "score")
    assert result["prediction_column"] == "score"
    assert [c["name"] for c in result["columns"]] == ["score"]
    assert result["prediction"] == column(compute_drift(ref, cur), "score")
    assert result["prediction"]["drifted"] is True
    labels = compute_prediction_drift(
        pl.DataFrame({"p": [0.0, 1.0] * 50}), pl.DataFrame({"p": [1.0] * 80}), "p", categorical=True
    )
    assert labels["prediction"]["kind"] == "categorical"


# ---------------------------------------------------------------- missing values and odd data


def test_nulls_nan_and_inf_are_dropped_and_reported() -> None:
    ref = pl.DataFrame({"x": [1.0, 2.0, None, float("nan"), 3.0, 4.0, float("inf"), 5.0, 6.0, 7.0]})
    cur = pl.DataFrame({"x": [1.0, 2.0, 3.0, float("-inf"), 4.0]})
    x = column(compute_drift(ref, cur), "x")
    assert x["null_rate_reference"] == pytest.approx(0.2)
    assert x["null_rate_current"] == 0.0
    assert (x["inf_reference"], x["inf_current"]) == (1, 1)
    want = independent_numeric(np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]), np.array([1.0, 2.0, 3.0, 4.0]))
    for key, value in want.items():
        assert rel(x[key], value) < 1e-9


def test_categorical_nulls_are_dropped_and_reported() -> None:
    ref = pl.DataFrame({"s": ["a", None, "b", "a"]})
    cur = pl.DataFrame({"s": ["a", "b", None, None, "c"]})
    s = column(compute_drift(ref, cur), "s")
    assert (s["null_rate_reference"], s["null_rate_current"]) == (0.25, 0.4)
    assert s["new_categories"] == ["c"]


def test_constant_columns_give_zero_drift_and_no_nan() -> None:
    ref = pl.DataFrame({"c": [3.5] * 50, "k": ["x"] * 50})
    cur = pl.DataFrame({"c": [3.5] * 40, "k": ["x"] * 40})
    result = compute_drift(ref, cur)
    c = column(result, "c")
    assert (c["psi"], c["ks_statistic"], c["wasserstein"], c["js_distance"]) == (0.0, 0.0, 0.0, 0.0)
    assert c["ks_pvalue"] == 1.0
    k = column(result, "k")
    assert (k["psi"], k["chi2_statistic"], k["chi2_pvalue"]) == (0.0, 0.0, 1.0)
    assert result["alert_level"] == "GREEN"
    json.loads(to_json(result))


def test_constant_reference_uses_the_std_floor() -> None:
    ref = pl.DataFrame({"c": [1.0] * 20})
    cur = pl.DataFrame({"c": [1.0] * 10 + [1.5] * 10})
    c = column(compute_drift(ref, cur), "c")
    assert c["wasserstein"] == pytest.approx(0.25 / 0.001)


def test_single_row_files_work() -> None:
    result = compute_drift(pl.DataFrame({"x": [1.0], "s": ["a"]}), pl.DataFrame({"x": [2.0], "s": ["b"]}))
    x = column(result, "x")
    assert x["ks_statistic"] == 1.0 and x["ks_pvalue"] == 1.0  # scipy's exact test with n = 1
    assert x["wasserstein"] == pytest.approx(1.0 / 0.001)
    assert column(result, "s")["new_categories"] == ["b"]
    json.loads(to_json(result))


def test_all_null_column_is_skipped_unless_named() -> None:
    ref = pl.DataFrame(
        {"x": [1.0, 2.0, 3.0], "empty": [None, None, None]}, schema_overrides={"empty": pl.Float64}
    )
    cur = pl.DataFrame({"x": [1.0, 2.0], "empty": [1.0, 2.0]})
    result = compute_drift(ref, cur)
    assert [c["name"] for c in result["columns"]] == ["x"]
    assert result["skipped"] == [
        {"name": "empty", "reason": "no finite value (all null, NaN or ±inf) in reference data"}
    ]
    with pytest.raises(InputError) as err:
        compute_drift(ref, cur, columns=["empty"])
    assert "empty" in err.value.message and err.value.where == "reference data: column empty"


def test_all_null_file_column_is_skipped(tmp_path: Path) -> None:
    ref, cur = tmp_path / "ref.csv", tmp_path / "cur.csv"
    ref.write_text("x,blank\n1,\n2,\n3,\n")
    cur.write_text("x,blank\n1,a\n2,b\n")
    result = compute_drift(ref, cur)
    assert result["skipped"][0]["name"] == "blank"
    assert str(ref) in result["skipped"][0]["reason"]


def test_different_columns_compare_the_common_ones() -> None:
    ref = pl.DataFrame({"a": [1.0, 2.0, 3.0], "b": [1.0, 2.0, 3.0], "old": [1, 2, 3]})
    cur = pl.DataFrame({"new": [1, 2], "b": [1.0, 2.0], "a": [2.0, 3.0]})
    result = compute_drift(ref, cur)
    assert result["common_columns"] == ["a", "b"]
    assert result["only_in_reference"] == ["old"] and result["only_in_current"] == ["new"]
    assert [c["name"] for c in result["columns"]] == ["a", "b"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=60),
    st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=60),
)
def test_properties_of_numeric_statistics(ref: list[float], cur: list[float]) -> None:
    a, b = np.sort(np.array(ref)), np.sort(np.array(cur))
    out = numeric_statistics(a, b)
    assert out["psi"] >= 0.0
    assert 0.0 <= out["js_distance"] <= math.sqrt(math.log(2)) + 1e-12
    assert 0.0 <= out["ks_pvalue"] <= 1.0
    assert out["wasserstein"] >= 0.0
    swapped = numeric_statistics(b, a)
    assert swapped["ks_statistic"] == pytest.approx(out["ks_statistic"], abs=1e-15)
    same = numeric_statistics(a, a.copy())
    assert same["psi"] == 0.0 and same["js_distance"] == 0.0 and same["ks_statistic"] == 0.0


@settings(max_examples=60, deadline=None)
@given(
    st.dictionaries(st.sampled_from("abcdefg"), st.integers(1, 500), min_size=1),
    st.dictionaries(st.sampled_from("abcdefg"), st.integers(1, 500), min_size=1),
)
def test_properties_of_categorical_statistics(ref: dict[str, int], cur: dict[str, int]) -> None:
    out = drift.categorical_statistics(ref, cur)
    assert out["psi"] >= 0.0
    assert 0.0 <= out["js_distance"] <= math.sqrt(math.log(2)) + 1e-12
    assert 0.0 <= out["chi2_pvalue"] <= 1.0
    assert out["new_categories"] == sorted(set(cur) - set(ref))
    same = drift.categorical_statistics(ref, dict(ref))
    assert same["psi"] == 0.0 and same["js_distance"] == 0.0


# ---------------------------------------------------------------- bad input: each names the file and column


def test_missing_file(tmp_path: Path) -> None:
    ok = tmp_path / "ok.csv"
    ok.write_text("x\n1\n")
    with pytest.raises(InputError) as err:
        compute_drift(tmp_path / "nope.parquet", ok)
    assert err.value.message == "file not found" and err.value.where == str(tmp_path / "nope.parquet")


def test_unsupported_format(tmp_path: Path) -> None:
    bad = tmp_path / "data.xlsx"
    bad.write_text("not really")
    with pytest.raises(InputError) as err:
        compute_drift(bad, bad)
    assert "unsupported file type '.xlsx'" in err.value.message and err.value.where == str(bad)


def test_unreadable_file(tmp_path: Path) -> None:
    bad = tmp_path / "broken.parquet"
    bad.write_bytes(b"this is not parquet")
    with pytest.raises(InputError) as err:
        compute_drift(bad, bad)
    assert "cannot read the file" in err.value.message and err.value.where == str(bad)


def test_named_column_missing(tmp_path: Path) -> None:
    ref, cur = tmp_path / "ref.csv", tmp_path / "cur.csv"
    ref.write_text("a,b\n1,2\n")
    cur.write_text("a\n1\n")
    with pytest.raises(InputError) as err:
        compute_drift(ref, cur, columns=["b"])
    assert err.value.message == "column 'b' does not exist" and err.value.where == str(cur)
    with pytest.raises(InputError) as err:
        compute_drift(ref, cur, categorical=["zzz"])
    assert "'zzz'" in err.value.message and err.value.where == str(ref)


def test_empty_file(tmp_path: Path) -> None:
    ref, cur = tmp_path / "ref.csv", tmp_path / "cur.csv"
    ref.write_text("a,b\n1,2\n")
    cur.write_text("a,b\n")
    with pytest.raises(InputError) as err:
        compute_drift(ref, cur)
    assert err.value.message == "the file has no rows" and err.value.where == str(cur)
    zero = tmp_path / "zero.csv"
    zero.write_text("")
    with pytest.raises(InputError) as err:
        compute_drift(ref, zero)
    assert err.value.where == str(zero)


def test_string_column_forced_numeric(tmp_path: Path) -> None:
    ref, cur = tmp_path / "ref.csv", tmp_path / "cur.csv"
    ref.write_text("city,x\nParis,1\nRome,2\n")
    cur.write_text("city,x\nOslo,1\nRome,2\n")
    with pytest.raises(InputError) as err:
        compute_drift(ref, cur, numeric=["city"])
    assert err.value.message == "column 'city' is String, not numeric"
    assert err.value.where == f"{ref}: column city"


def test_numeric_in_one_file_text_in_the_other(tmp_path: Path) -> None:
    ref, cur = tmp_path / "ref.csv", tmp_path / "cur.csv"
    ref.write_text("x\n1.5\n2.5\n")
    cur.write_text("x\n1.5\nn/a\n")
    with pytest.raises(InputError) as err:
        compute_drift(ref, cur)
    assert err.value.where == f"{cur}: column x" and "--categorical x" in (err.value.hint or "")
    forced = compute_drift(ref, cur, categorical=["x"])
    assert column(forced, "x")["new_categories"] == ["n/a"]


def test_no_common_columns_and_conflicting_flags() -> None:
    with pytest.raises(InputError, match="no column in common"):
        compute_drift(pl.DataFrame({"a": [1]}), pl.DataFrame({"b": [1]}))
    with pytest.raises(InputError, match="both categorical and numeric"):
        compute_drift(pl.DataFrame({"a": [1]}), pl.DataFrame({"a": [1]}), categorical=["a"], numeric=["a"])


def test_unsupported_type_is_skipped_or_rejected_when_named() -> None:
    from datetime import date

    ref = pl.DataFrame({"d": [date(2024, 1, 1)], "x": [1.0]})
    cur = pl.DataFrame({"d": [date(2024, 1, 2)], "x": [2.0]})
    result = compute_drift(ref, cur)
    assert result["skipped"][0]["name"] == "d" and "unsupported type Date" in result["skipped"][0]["reason"]
    with pytest.raises(InputError, match="unsupported type Date"):
        compute_drift(ref, cur, columns=["d"])
    assert column(compute_drift(ref, cur, categorical=["d"]), "d")["new_categories"] == ["2024-01-02"]


def test_parquet_and_jsonl_inputs(tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    frame = pl.DataFrame({"x": rng.normal(size=300), "s": rng.choice(["a", "b"], 300)})
    frame.write_parquet(tmp_path / "ref.parquet")
    frame.write_ndjson(tmp_path / "cur.jsonl")
    result = compute_drift(tmp_path / "ref.parquet", tmp_path / "cur.jsonl")
    assert all(c["psi"] == pytest.approx(0.0, abs=1e-12) for c in result["columns"])
    assert result["alert_level"] == "GREEN"


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=1, max_size=40),
        min_size=1,
        max_size=5,
    )
)
def test_finite_sorted_over_chunks_matches_the_plain_path(chunks: list[list[float]]) -> None:
    """A column in several chunks (as Parquet gives it): the in-place path equals sort-after-drop."""
    series = pl.concat([pl.Series("x", part, dtype=pl.Float64) for part in chunks], rechunk=False)
    values = np.array([v for part in chunks for v in part], dtype=np.float64)
    want = np.sort(values[np.isfinite(values)])
    got, missing, infinite = drift.finite_sorted(series, "reference")
    assert np.array_equal(got, want)
    assert missing == int(np.isnan(values).sum()) and infinite == int(np.isinf(values).sum())
