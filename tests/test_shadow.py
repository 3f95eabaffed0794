"""Shadow evaluation: agreement, metric deltas on labelled requests, latency deltas (shadow − production)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from axtui.core.workflow.computes import run_compute
from axtui.errors import InputError
from axtui.stats.shadow import shadow_compare

DATA = Path(__file__).parent.parent / "examples" / "catalogue" / "data"


def _write(path: Path, **cols) -> Path:
    pl.DataFrame(cols).write_csv(path)
    return path


def test_hand_computed_example(tmp_path: Path) -> None:
    prod = _write(
        tmp_path / "p.csv",
        request_id=["a", "b", "c", "d", "e"],
        prediction=[1, 0, 1, 0, 1],
        label=[1, 0, 0, 0, 1],
        latency_ms=[10.0, 20.0, 30.0, 40.0, 50.0],
    )
    shadow = _write(
        tmp_path / "s.csv",
        request_id=["a", "b", "c", "d", "x"],
        prediction=[1, 0, 0, 1, 0],
        latency_ms=[12.0, 22.0, 32.0, 42.0, 99.0],
    )
    r = shadow_compare(prod, shadow)
    assert r["matched"] == 4 and r["unmatched_production"] == 1 and r["unmatched_shadow"] == 1
    assert r["agreement_rate"] == pytest.approx(0.5) and r["disagreements"] == 2
    # labels on a..d: prod preds 1,0,1,0 vs y 1,0,0,0 -> acc .75; shadow 1,0,0,1 -> acc .75
    m = r["metrics"]
    assert r["labelled"] == 4
    assert m["production"]["accuracy"] == pytest.approx(0.75)
    assert m["shadow"]["accuracy"] == pytest.approx(0.75)
    assert m["production"]["precision"] == pytest.approx(0.5) and m["production"]["recall"] == pytest.approx(
        1.0
    )
    assert m["shadow"]["precision"] == pytest.approx(0.5) and m["shadow"]["recall"] == pytest.approx(1.0)
    assert m["delta"]["accuracy"] == pytest.approx(0.0)
    lat = r["latency"]
    assert lat["production"]["p50"] == pytest.approx(25.0)
    assert lat["delta"]["p50"] == pytest.approx(2.0)
    assert lat["delta"]["p99"] == pytest.approx(
        np.percentile([12, 22, 32, 42], 99) - np.percentile([10, 20, 30, 40], 99)
    )


def test_regression_with_tolerance(tmp_path: Path) -> None:
    prod = _write(tmp_path / "p.csv", request_id=[1, 2, 3], prediction=[1.0, 2.0, 3.0], label=[1.0, 2.0, 4.0])
    shadow = _write(tmp_path / "s.csv", request_id=[1, 2, 3], prediction=[1.05, 2.5, 3.0])
    r = shadow_compare(prod, shadow, task="regression", tolerance=0.1, latency_col=None)
    assert r["agreement_rate"] == pytest.approx(2 / 3)
    assert r["mean_abs_prediction_diff"] == pytest.approx((0.05 + 0.5) / 3)
    assert r["metrics"]["production"]["mae"] == pytest.approx(1 / 3)
    assert r["metrics"]["delta"]["mae"] == pytest.approx((0.05 + 0.5 + 1.0) / 3 - 1 / 3)
    assert r["latency"] is None


def test_example_logs() -> None:
    r = run_compute(
        "shadow_compare",
        {
            "production_path": str(DATA / "production_log.csv"),
            "shadow_path": str(DATA / "shadow_log.csv"),
            "score_col": "score",
        },
    )
    assert r["matched"] == 490 and r["unmatched_production"] == 10  # every 50th request not mirrored
    assert 0.5 < r["agreement_rate"] < 1.0
    assert r["labelled"] == 490
    assert r["latency"]["delta"]["p50"] > 0  # the candidate is slower
    assert r["score_mean_abs_diff"] > 0


def test_missing_named_column_is_refused(tmp_path: Path) -> None:
    prod = _write(tmp_path / "p.csv", request_id=[1], pred=[1])
    shadow = _write(tmp_path / "s.csv", request_id=[1], prediction=[1])
    with pytest.raises(InputError) as info:
        shadow_compare(prod, shadow)
    assert "prediction" in info.value.message and info.value.where == str(prod)


def test_no_shared_requests_and_duplicates(tmp_path: Path) -> None:
    prod = _write(tmp_path / "p.csv", request_id=[1, 2], prediction=[1, 0])
    shadow = _write(tmp_path / "s.csv", request_id=[3, 4], prediction=[1, 0])
    with pytest.raises(InputError, match="no request id"):
        shadow_compare(prod, shadow)
    dup = _write(tmp_path / "d.csv", request_id=[1, 1], prediction=[1, 0])
    with pytest.raises(InputError, match="duplicate"):
        shadow_compare(prod, dup)


def test_latency_in_one_log_only_is_refused(tmp_path: Path) -> None:
    prod = _write(tmp_path / "p.csv", request_id=[1, 2], prediction=[1, 0], latency_ms=[1.0, 2.0])
    shadow = _write(tmp_path / "s.csv", request_id=[1, 2], prediction=[1, 0])
    with pytest.raises(InputError, match="one log only"):
        shadow_compare(prod, shadow)


def test_args_validation() -> None:
    with pytest.raises(InputError):
        run_compute("shadow_compare", {"production_path": "x.csv"})
    with pytest.raises(InputError, match="unknown task"):
        shadow_compare("a.csv", "b.csv", task="ranking")


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 1), st.integers(0, 1)), min_size=1, max_size=40))
def test_agreement_is_symmetric_and_bounded(tmp_path_factory, pairs) -> None:
    d = tmp_path_factory.mktemp("h")
    ids = list(range(len(pairs)))
    a = _write(d / "a.csv", request_id=ids, prediction=[p for p, _ in pairs])
    b = _write(d / "b.csv", request_id=ids, prediction=[q for _, q in pairs])
    ab, ba = shadow_compare(a, b), shadow_compare(b, a)
    assert ab["agreement_rate"] == ba["agreement_rate"]
    assert 0.0 <= ab["agreement_rate"] <= 1.0
    assert ab["disagreements"] == sum(p != q for p, q in pairs)
