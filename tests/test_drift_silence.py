"""Drift never reads silence as health: skipped columns are listed, nothing compared is an error,
and high-cardinality categoricals pool rare and new categories so a disjoint current reads as drift."""

from __future__ import annotations

import json

import numpy as np
import polars as pl
import pytest
from scipy.stats import chi2_contingency

from axtui.cli import main
from axtui.errors import InputError
from axtui.stats.drift import CATEGORY_BINS, NEW_BUCKET, OTHER_BUCKET, compute_drift, pool_categories


def test_report_lists_compared_and_skipped_columns() -> None:
    ref = pl.DataFrame({"x": [1.0, 2.0, 3.0], "empty": [None, None, None], "s": ["a", "b", "a"]})
    cur = pl.DataFrame({"x": [1.5, 2.5, 3.5], "empty": [1.0, 2.0, 3.0], "s": ["a", "a", "b"]})
    result = compute_drift(ref, cur)
    assert result["compared"] == ["x", "s"]
    assert [s["name"] for s in result["skipped"]] == ["empty"]
    assert "null" in result["skipped"][0]["reason"]


def test_nothing_compared_is_an_error_not_green(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    ref = pl.DataFrame({"x": [1.0, 2.0, 3.0]})
    cur = pl.DataFrame({"x": [float("nan"), float("inf"), None]})
    with pytest.raises(InputError) as err:
        compute_drift(ref, cur)
    assert "no column could be compared" in err.value.message
    assert "x:" in err.value.message  # names the column and why
    ref.write_parquet(tmp_path / "r.parquet")
    cur.write_parquet(tmp_path / "c.parquet")
    code = main(["--json", "drift", str(tmp_path / "r.parquet"), str(tmp_path / "c.parquet")])
    out, _ = capsys.readouterr()
    doc = json.loads(out)
    assert code == 2 and doc["exit_code"] == 2
    assert "no column could be compared" in doc["message"] and "alert_level" not in doc


def test_disjoint_high_cardinality_categorical_reads_as_drift() -> None:
    n = 200_000
    ref = pl.DataFrame({"id": [f"r{i}" for i in range(n)]})
    cur = pl.DataFrame({"id": [f"c{i}" for i in range(n)]})
    result = compute_drift(ref, cur)
    col = result["columns"][0]
    assert col["kind"] == "categorical"
    assert col["severity"] == "significant" and col["drifted"]
    assert result["alert_level"] == "RED"
    assert col["psi"] > 5
    assert col["chi2_pvalue"] == 0.0
    assert col["new_category_count"] == n and len(col["new_categories"]) == 100
    assert col["pooled"]["categories"] == 2 * n and col["pooled"]["new_current"] == n


def test_same_high_cardinality_distribution_is_not_drift() -> None:
    rng = np.random.default_rng(3)
    levels = np.array([f"v{i}" for i in range(5_000)])
    p = 1.0 / np.arange(1, 5_001) ** 1.1
    p /= p.sum()
    ref = pl.DataFrame({"v": levels[rng.choice(5_000, 100_000, p=p)]})
    cur = pl.DataFrame({"v": levels[rng.choice(5_000, 100_000, p=p)]})
    col = compute_drift(ref, cur)["columns"][0]
    assert col["severity"] == "none" and not col["drifted"]
    assert "pooled" in col


def test_pooling_keeps_the_reference_top_categories_and_matches_scipy() -> None:
    ref = {f"k{i:03d}": 1000 - i for i in range(150)}
    cur = {**{f"k{i:03d}": 500 for i in range(120)}, "fresh": 40, "fresh2": 2}
    labels, r, c, pooled = pool_categories(ref, cur)
    assert labels[: CATEGORY_BINS - 2] == [f"k{i:03d}" for i in range(CATEGORY_BINS - 2)]
    assert labels[-2:] == [OTHER_BUCKET, NEW_BUCKET]
    assert r.sum() == sum(ref.values()) and c.sum() == sum(cur.values())
    assert r[-1] == 0 and c[-1] == 42
    assert pooled is not None and pooled["kept"] == CATEGORY_BINS - 2
    got = compute_drift(
        pl.DataFrame({"k": [k for k, n in ref.items() for _ in range(n)]}),
        pl.DataFrame({"k": [k for k, n in cur.items() for _ in range(n)]}),
    )["columns"][0]
    want = chi2_contingency(np.vstack([r, c]))
    assert got["chi2_statistic"] == float(want.statistic)
    assert got["chi2_pvalue"] == float(want.pvalue)


def test_few_categories_are_not_pooled() -> None:
    ref = {f"k{i}": 10 + i for i in range(CATEGORY_BINS)}
    labels, _, _, pooled = pool_categories(ref, dict(ref))
    assert pooled is None and len(labels) == CATEGORY_BINS


def test_pooled_bucket_without_members_is_dropped() -> None:
    ref = {f"k{i:03d}": 1000 - i for i in range(CATEGORY_BINS + 5)}
    labels, r, c, _ = pool_categories(ref, dict(ref))  # no new category: "(new)" is empty on both sides
    assert NEW_BUCKET not in labels and OTHER_BUCKET in labels
    assert (r + c > 0).all()


def test_cli_prints_what_was_compared(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    pl.DataFrame({"x": [1.0, 2.0, 3.0], "e": [None, None, None]}).write_parquet(tmp_path / "r.parquet")
    pl.DataFrame({"x": [1.0, 2.0, 3.0], "e": [1.0, 2.0, 3.0]}).write_parquet(tmp_path / "c.parquet")
    code = main(["drift", str(tmp_path / "r.parquet"), str(tmp_path / "c.parquet")])
    out, _ = capsys.readouterr()
    assert code == 0
    assert "compared 1 column: x" in out
    assert "skipped e" in out
    code = main(["--json", "drift", str(tmp_path / "r.parquet"), str(tmp_path / "c.parquet")])
    doc = json.loads(capsys.readouterr()[0])
    assert doc["compared"] == ["x"] and doc["skipped"][0]["name"] == "e"
