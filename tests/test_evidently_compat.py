"""``--compat evidently`` against real Evidently's numbers (tests/data/drift/evidently_reference.json)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from axtui.errors import InputError
from axtui.stats.evidently import binned, compute_evidently, default_stattest

DATA = Path(__file__).parent / "data" / "drift"
REFERENCE = json.loads((DATA / "evidently_reference.json").read_text())
METHOD_FOR_DISPLAY_NAME = {
    "K-S p_value": "ks",
    "chi-square p_value": "chisquare",
    "Z-test p_value": "z",
    "Wasserstein distance (normed)": "wasserstein",
    "Jensen-Shannon distance": "jensenshannon",
    "PSI": "psi",
}


def test_reference_numbers_come_from_evidently() -> None:
    assert REFERENCE["tool"].startswith("evidently 0.4")
    assert len(REFERENCE["cases"]) == 4


@pytest.mark.parametrize(
    "case", REFERENCE["cases"], ids=lambda c: f"{c['data']}-{c['stattest'] or 'default'}"
)
def test_matches_evidently(case: dict) -> None:
    result = compute_evidently(
        DATA / f"evidently_{case['data']}_reference.parquet",
        DATA / f"evidently_{case['data']}_current.parquet",
        stattest=case["stattest"],
    )
    assert [c["name"] for c in result["columns"]] == [c["name"] for c in case["columns"]]
    for got, want in zip(result["columns"], case["columns"], strict=True):
        assert got["method"] == METHOD_FOR_DISPLAY_NAME[want["stattest_name"]], got["name"]
        assert got["column_type"] == want["column_type"], got["name"]
        assert got["threshold"] == want["threshold"]
        assert got["drift_detected"] == want["drift_detected"], got["name"]
        if want["score"] == 0:
            assert got["score"] == 0
        else:
            assert abs(got["score"] - want["score"]) / abs(want["score"]) < 1e-9, got["name"]
    for key in ("drifted_count", "drifted_share", "dataset_drift"):
        assert result["dataset"][key] == case["dataset"][key]


def test_output_shape() -> None:
    result = compute_evidently(
        DATA / "evidently_small_reference.parquet", DATA / "evidently_small_current.parquet"
    )
    assert {"columns", "dataset"} <= set(result)
    assert set(result["dataset"]) >= {"drifted_count", "drifted_share", "dataset_drift"}
    for col in result["columns"]:
        assert {"name", "method", "score", "threshold", "drift_detected"} <= set(col)
        assert col["method"] in {"ks", "chisquare", "z", "wasserstein", "jensenshannon", "psi"}


@pytest.mark.parametrize(
    ("kind", "ref_size", "n_unique", "method"),
    [
        ("num", 1000, 6, "ks"),
        ("num", 1000, 5, "chisquare"),
        ("num", 1000, 2, "z"),
        ("cat", 1000, 3, "chisquare"),
        ("cat", 10, 2, "z"),
        ("cat", 1000, 50, "chisquare"),
        ("num", 1001, 6, "wasserstein"),
        ("num", 1001, 5, "jensenshannon"),
        ("cat", 1001, 2, "jensenshannon"),
    ],
)
def test_default_stattest_choice(kind: str, ref_size: int, n_unique: int, method: str) -> None:
    assert default_stattest(kind, ref_size, n_unique) == method


def test_sturges_binning_over_both_samples() -> None:
    ref = pl.Series("x", np.arange(100, dtype=float))  # > 20 distinct values: equal-width Sturges bins
    cur = pl.Series("x", np.arange(50, 150, dtype=float))
    ref_p, cur_p = binned(ref, cur, "num", fill_zeroes=False)
    edges = np.histogram_bin_edges(
        np.arange(0, 150, dtype=float).tolist() + np.arange(50, 100).tolist(), bins="sturges"
    )
    assert len(ref_p) == len(edges) - 1 == 9  # ceil(log2(200)) + 1
    assert ref_p.sum() == pytest.approx(1.0) and cur_p.sum() == pytest.approx(1.0)
    filled_ref, _ = binned(ref, cur, "num", fill_zeroes=True)
    assert (filled_ref > 0).all() and filled_ref[-1] == 0.0001


def test_datetime_column_and_empty_columns_are_skipped() -> None:
    ref = pl.DataFrame(
        {"datetime": ["2024-01-01"] * 3, "x": [1.0, 2.0, 3.0], "e": [None, None, None]},
        schema_overrides={"e": pl.Float64},
    )
    cur = pl.DataFrame({"datetime": ["2024-01-02"] * 3, "x": [1.0, 2.0, 4.0], "e": [1.0, 2.0, 3.0]})
    result = compute_evidently(ref, cur)
    assert [c["name"] for c in result["columns"]] == ["x"]
    assert result["skipped"] == [{"name": "e", "reason": "no values in reference data"}]
    with pytest.raises(InputError) as err:
        compute_evidently(ref, cur, columns=["e"])
    assert err.value.where == "reference data: column e"


def test_bad_stattest_arguments() -> None:
    ref = pl.DataFrame({"s": ["a", "b", "c"]})
    with pytest.raises(InputError, match="unknown Evidently stattest"):
        compute_evidently(ref, ref, stattest="magic")
    with pytest.raises(InputError, match="does not apply to the categorical column 's'"):
        compute_evidently(ref, ref, stattest="ks")


def test_identical_data_has_no_drift() -> None:
    rng = np.random.default_rng(0)
    frame = pl.DataFrame({"x": rng.normal(size=2000), "s": rng.choice(["a", "b", "c"], 2000)})
    result = compute_evidently(frame, frame)
    assert result["dataset"] == {
        "drifted_count": 0,
        "drifted_share": 0.0,
        "dataset_drift": False,
        "columns_tested": 2,
    }
    assert [c["method"] for c in result["columns"]] == ["wasserstein", "jensenshannon"]


def _wide_frames(rows: int = 3000) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Numeric, few-valued and text columns, with a target, enough to make several column groups."""
    rng = np.random.default_rng(7)
    columns = {
        "target": rng.integers(0, 2, rows),
        **{f"x{i}": rng.normal(0.2 * (i % 3), 1, rows) for i in range(6)},
        "few": rng.integers(0, 4, rows),
        "s": rng.choice([f"c{i}" for i in range(40)], rows),
    }
    ref = pl.DataFrame(columns)
    cur = pl.DataFrame(
        {k: np.roll(np.asarray(v), 5) if k != "x0" else np.asarray(v) + 0.5 for k, v in columns.items()}
    )
    return ref, cur


def test_column_groups_give_the_same_result(monkeypatch: pytest.MonkeyPatch) -> None:
    """Read in groups of two columns on the threads, the report equals the one-group report."""
    from axtui.stats import drift

    ref, cur = _wide_frames()
    whole = compute_evidently(ref, cur)
    monkeypatch.setattr(drift, "READ_BUDGET", 3000 * 8 * 2 * 2)  # two columns of both sides per group
    calls: list[tuple[int, int, int]] = []
    grouped = compute_evidently(ref, cur, progress=lambda *args: calls.append(args))
    assert grouped == whole
    assert [c["name"] for c in whole["columns"]] == ["target", "few", *[f"x{i}" for i in range(6)], "s"]
    assert [done for done, _, _ in calls] == [2, 4, 6, 8, 9]
    assert calls[-1] == (9, 9, 6000)


def test_categorical_scores_do_not_depend_on_the_hash_seed() -> None:
    """Jensen–Shannon over many text categories: the same JSON from processes with different hash seeds."""
    import os
    import subprocess
    import sys

    code = (
        "import json, numpy as np, polars as pl\n"
        "from axtui.stats.evidently import compute_evidently\n"
        "rng = np.random.default_rng(3)\n"
        "cats = [f'category-{i}' for i in range(300)]\n"
        "ref = pl.DataFrame({'s': rng.choice(cats, 20000)})\n"
        "cur = pl.DataFrame({'s': rng.choice(cats[:250], 20000)})\n"
        "print(json.dumps([compute_evidently(ref, cur, stattest=t) for t in ('jensenshannon', 'psi')]))\n"
    )
    outputs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        proc = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
        )
        outputs.append(proc.stdout)
    assert outputs[0] == outputs[1]
    assert json.loads(outputs[0])[0]["columns"][0]["method"] == "jensenshannon"
