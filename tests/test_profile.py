"""Reference profiles: drift against a profile equals drift against the raw reference where the
profile is exact (PSI, JS, χ²) and stays within the sketch's bound where it is not (KS, Wasserstein);
profiles of partitions merge into the profile of the whole."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from axtui.cli import main
from axtui.errors import InputError
from axtui.stats.drift import compute_drift
from axtui.stats.profile import (
    FORMAT,
    Profile,
    build_profile,
    decode_sketch,
    from_dict,
    load_profile,
    merge_profiles,
)

EXACT = ("psi", "js_distance", "chi2_statistic", "chi2_pvalue", "null_rate_reference", "new_categories")


def tables(n_ref: int = 30_000, n_cur: int = 20_000, seed: int = 7) -> tuple[pl.DataFrame, pl.DataFrame]:
    rng = np.random.default_rng(seed)

    def one(n: int, shift: float) -> pl.DataFrame:
        x = rng.normal(shift, 1.0, n)
        x[rng.random(n) < 0.02] = np.nan
        return pl.DataFrame(
            {
                "x": x,
                "y": rng.exponential(1.0 + shift, n),
                "stars": rng.integers(1, 6, n),
                "plan": rng.choice(["free", "pro", "team", "enterprise"], n, p=[0.5, 0.3, 0.15, 0.05]),
            }
        ).with_columns(
            pl.when(pl.int_range(pl.len()) % 97 == 0).then(None).otherwise(pl.col("plan")).alias("plan")
        )

    return one(n_ref, 0.0), one(n_cur, 0.15)


def by_name(result: dict) -> dict[str, dict]:
    return {c["name"]: c for c in result["columns"]}


def test_drift_against_a_profile_is_exact_for_bins_and_bounded_for_ks() -> None:
    ref, cur = tables()
    raw = by_name(compute_drift(ref, cur))
    result = compute_drift(build_profile(ref), cur)
    assert result["approximate"] is True
    got = by_name(result)
    assert set(got) == set(raw)
    for name, want in raw.items():
        assert got[name]["kind"] == want["kind"], name
        for key in EXACT:
            assert got[name][key] == want[key], (name, key)
        if want["kind"] == "numeric":
            bound = got[name]["error_bound"]
            assert 0 < bound["ks_statistic"] < 0.01
            assert abs(got[name]["ks_statistic"] - want["ks_statistic"]) <= bound["ks_statistic"]
            assert abs(got[name]["wasserstein"] - want["wasserstein"]) <= bound["wasserstein"]
            assert got[name]["reference_mean"] == pytest.approx(want["reference_mean"], rel=1e-12)
    assert got["stars"]["kind"] == "categorical"  # few integer values: categorical, from the profile's counts
    assert result["alert_level"] == compute_drift(ref, cur)["alert_level"]


def test_small_reference_sketch_is_exact() -> None:
    ref, cur = tables(n_ref=500, n_cur=800)
    raw = by_name(compute_drift(ref, cur))
    got = by_name(compute_drift(build_profile(ref), cur))
    for name in ("x", "y"):
        assert got[name]["approximate"] is False and got[name]["error_bound"]["ks_statistic"] == 0
        assert got[name]["ks_statistic"] == pytest.approx(raw[name]["ks_statistic"], abs=1e-15)
        assert got[name]["wasserstein"] == pytest.approx(raw[name]["wasserstein"], rel=1e-9)


def split(frame: pl.DataFrame, cuts: list[int]) -> list[pl.DataFrame]:
    bounds = [0, *cuts, frame.height]
    return [frame.slice(lo, hi - lo) for lo, hi in itertools.pairwise(bounds) if hi > lo]


def assert_same_counts(merged: Profile, whole: Profile) -> None:
    assert merged.rows == whole.rows
    for name, w in whole.columns.items():
        m = merged.columns[name]
        assert m["kind"] == w["kind"] and m["nulls"] == w["nulls"] and m["rows"] == w["rows"], name
        if w["kind"] == "categorical":
            assert m["counts"] == w["counts"], name
            continue
        assert m["count"] == w["count"] and m["inf"] == w["inf"]
        assert m["min"] == w["min"] and m["max"] == w["max"]
        assert m["mean"] == pytest.approx(w["mean"], rel=1e-12, abs=1e-12)
        assert m["m2"] == pytest.approx(w["m2"], rel=1e-10)
        assert m["edges"] == w["edges"] and m["bin_counts"] == w["bin_counts"], name
        assert m["values"] == w["values"], name


def test_partition_profiles_merge_into_the_whole() -> None:
    ref, _ = tables()
    whole = build_profile(ref)
    parts = [build_profile(p, edges_from=whole) for p in split(ref, [7_000, 19_000, 19_001])]
    merged = merge_profiles(parts)
    assert merged.parts == 4
    assert_same_counts(merged, whole)
    sketch = decode_sketch(merged.columns["y"]["kll"])
    values = np.sort(ref.get_column("y").to_numpy())
    eps = sketch.normalized_rank_error(False)
    for q in (0.01, 0.1, 0.5, 0.9, 0.99):
        true_rank = np.searchsorted(values, sketch.get_quantile(q), side="right") / values.size
        assert abs(true_rank - q) <= eps


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.integers(min_value=1, max_value=399), min_size=1, max_size=4, unique=True),
    st.integers(min_value=0, max_value=10_000),
)
def test_merge_equals_whole_for_any_partition(cuts: list[int], seed: int) -> None:
    ref, _ = tables(n_ref=400, n_cur=10, seed=seed)
    whole = build_profile(ref)
    parts = [build_profile(p, edges_from=whole) for p in split(ref, sorted(cuts))]
    assert_same_counts(merge_profiles(parts), whole)
    assert_same_counts(merge_profiles(parts[::-1]), whole)


def test_two_pass_profile_of_partitions(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ref, cur = tables()
    paths = []
    for i, part in enumerate(split(ref, [10_000, 20_000])):
        paths.append(tmp_path / f"part-{i}.parquet")
        part.write_parquet(paths[-1])
    cur.write_parquet(tmp_path / "cur.parquet")
    first = []
    for path in paths:
        first.append(tmp_path / f"{path.stem}.p1.json")
        assert main(["--json", "profile", str(path), "-o", str(first[-1])]) == 0
    assert main(["--json", "profile", "--merge", *map(str, first), "-o", str(tmp_path / "pass1.json")]) == 0
    capsys.readouterr()
    pass1 = load_profile(tmp_path / "pass1.json")
    assert pass1.columns["x"]["edges_source"] == "sketch" and pass1.columns["x"]["bin_counts"] is None
    with pytest.raises(InputError, match="no bin counts") as err:
        compute_drift(pass1, cur)
    assert "--edges-from" in (err.value.hint or "")
    second = []
    for path in paths:
        second.append(tmp_path / f"{path.stem}.p2.json")
        args = [
            "--json",
            "profile",
            str(path),
            "--edges-from",
            str(tmp_path / "pass1.json"),
            "-o",
            str(second[-1]),
        ]
        assert main(args) == 0
    assert main(["--json", "profile", "--merge", *map(str, second), "-o", str(tmp_path / "ref.json")]) == 0
    written = json.loads(capsys.readouterr()[0].split("\n}\n")[-2] + "\n}")  # the merge's summary
    assert written["parts"] == 3 and all(c["bins"] in ("exact", None) for c in written["columns"])
    merged = load_profile(tmp_path / "ref.json")
    direct = build_profile(ref, edges_from=pass1)
    assert_same_counts(merged, direct)
    code = main(["--json", "drift", str(tmp_path / "ref.json"), str(tmp_path / "cur.parquet")])
    doc = json.loads(capsys.readouterr()[0])
    assert code == 0 and doc["approximate"] is True
    assert by_name(doc)["x"]["error_bound"]["confidence"] == 0.99


def test_cli_profile_and_drift(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ref, cur = tables()
    ref.write_parquet(tmp_path / "ref.parquet")
    cur.write_parquet(tmp_path / "cur.parquet")
    assert main(["profile", str(tmp_path / "ref.parquet"), "-o", str(tmp_path / "ref.json")]) == 0
    out = capsys.readouterr()[0]
    assert "wrote" in out and "30,000 rows" in out
    assert main(["--json", "drift", str(tmp_path / "ref.json"), str(tmp_path / "cur.parquet")]) == 0
    via_profile = json.loads(capsys.readouterr()[0])
    assert main(["--json", "drift", str(tmp_path / "ref.parquet"), str(tmp_path / "cur.parquet")]) == 0
    via_raw = json.loads(capsys.readouterr()[0])
    for got, want in zip(via_profile["columns"], via_raw["columns"], strict=True):
        assert got["psi"] == want["psi"] and got["js_distance"] == want["js_distance"]
    assert main(["profile", str(tmp_path / "ref.parquet")]) == 0  # no -o: the profile on stdout
    doc = json.loads(capsys.readouterr()[0])
    assert doc["axtui_profile"]["format"] == FORMAT and doc["rows"] == 30_000


# ---------------------------------------------------------------- bad input


def test_profile_from_a_newer_axtui(tmp_path: Path) -> None:
    ref, cur = tables(n_ref=200, n_cur=200)
    doc = build_profile(ref).to_dict()
    doc["axtui_profile"] = {"format": FORMAT + 1, "axtui": "9.0.0"}
    path = tmp_path / "new.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(InputError) as err:
        compute_drift(path, cur)
    assert "axtui 9.0.0" in err.value.message and "upgrade axtui" in (err.value.hint or "")


def test_damaged_profile(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="damaged"):
        from_dict({"axtui_profile": {"format": 1}, "rows": 3}, "p.json")
    path = tmp_path / "bad.json"
    path.write_text('{"axtui_profile": {"format": 1}, "rows": ')
    with pytest.raises(InputError, match="cannot read the profile"):
        load_profile(path)


def test_profile_of_other_columns() -> None:
    ref, cur = tables(n_ref=200, n_cur=200)
    profile = build_profile(ref)
    with pytest.raises(InputError, match="other columns"):
        compute_drift(profile, cur.rename({c: c + "_v2" for c in cur.columns}))
    with pytest.raises(InputError, match="no column 'z'"):
        compute_drift(build_profile(ref.select("x")), cur.with_columns(z=pl.col("x")), columns=["z"])


def test_merge_of_profiles_with_different_columns() -> None:
    ref, _ = tables(n_ref=200, n_cur=10)
    with pytest.raises(InputError, match="different columns"):
        merge_profiles([build_profile(ref), build_profile(ref.drop("y"))])
    with pytest.raises(InputError, match="numeric in one profile and not in this one"):
        merge_profiles([build_profile(ref), build_profile(ref, categorical=["stars"])])


def test_profile_where_raw_data_is_required(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ref, cur = tables(n_ref=200, n_cur=200)
    with pytest.raises(InputError, match="need the raw reference data"):
        compute_drift(build_profile(ref), cur, exact=True)
    (tmp_path / "p.json").write_text(build_profile(ref).to_json())
    cur.write_parquet(tmp_path / "cur.parquet")
    for extra in (["--exact"], ["--compat", "evidently"]):
        code = main(["drift", str(tmp_path / "p.json"), str(tmp_path / "cur.parquet"), *extra])
        assert code == 2
        assert "raw reference data" in capsys.readouterr()[1]


def test_forced_categorical_needs_counts_in_the_profile() -> None:
    ref, cur = tables(n_ref=300, n_cur=300)
    with pytest.raises(InputError, match="no category counts"):
        compute_drift(build_profile(ref), cur, categorical=["x"])
    got = by_name(compute_drift(build_profile(ref, categorical=["x"]), cur, categorical=["x"]))
    assert got["x"]["kind"] == "categorical"


def test_workflow_computes_write_and_read_a_baseline_profile(tmp_path: Path) -> None:
    from axtui.core.workflow.computes import run_compute

    ref, cur = tables(n_ref=2_000, n_cur=2_000)
    ref.write_parquet(tmp_path / "ref.parquet")
    cur.write_parquet(tmp_path / "cur.parquet")
    made = run_compute("profile", {"data": str(tmp_path / "ref.parquet")})
    assert made["rows"] == 2_000 and made["columns"] == ["x", "y", "stars", "plan"]
    stored = {"found": True, "value": {"metrics": {}, "profile": json.loads(json.dumps(made["profile"]))}}
    args = {"reference": str(tmp_path / "ref.parquet"), "current": str(tmp_path / "cur.parquet")}
    with_profile = run_compute("drift", {**args, "baseline": stored})
    assert with_profile["approximate"] is True
    assert with_profile["reference_profile"]["label"] == "baseline_stats profile"
    for missing in ({"found": False, "value": None}, {"found": True, "value": {"metrics": {}}}, None):
        raw = run_compute("drift", {**args, "baseline": missing})
        assert "approximate" not in raw
        assert [c["psi"] for c in raw["columns"]] == [c["psi"] for c in with_profile["columns"]]
