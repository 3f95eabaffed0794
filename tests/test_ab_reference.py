"""A/B numbers against independent tools: GrowthBook's gbstats (relative intervals, sequential confidence
sequences, CUPED) and statsmodels (power solutions), recorded by tests/data/ab/make_reference.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from axtui.stats import ab, sample_size

DATA = Path(__file__).parent / "data" / "ab"
REFERENCE = json.loads((DATA / "reference.json").read_text())
EVENTS = DATA / "events.csv"
REL = 1e-9
CASES = REFERENCE["gbstats"]


def _id(case: dict) -> str:
    return f"{case['metric']}~{case['covariate']}"


def _row(case: dict, *, cuped: bool = False, tuning: float | None = None) -> dict:
    out = ab.analyze(
        EVENTS,
        variant_col="variant",
        metrics=[case["metric"]],
        covariates={case["metric"]: case["covariate"]} if cuped else None,
        sequential=tuning is not None,
        tuning=tuning or 5000.0,
    )
    (row,) = out["metrics"]
    return row


def test_reference_records_the_tools() -> None:
    assert REFERENCE["versions"]["gbstats"] == "0.8.0"
    assert {"statsmodels", "scipy", "numpy", "python"} <= set(REFERENCE["versions"])


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_relative_interval_is_gbstats_delta_method(case: dict) -> None:
    row = _row(case)
    ref = case["relative"]
    assert row["relative_lift"] == pytest.approx(ref["effect"], rel=REL)
    assert row["ci95_relative"] == pytest.approx(ref["ci"], rel=REL)
    if not case["binary"]:  # 0/1 metrics keep the χ² test and Wald interval of the contract
        assert row["ci95"] == pytest.approx(case["absolute"]["ci"], rel=REL)
        assert row["p_value"] == pytest.approx(case["absolute"]["p_value"], rel=REL)


@pytest.mark.parametrize("tuning", ["5000.0", "1000.0"])
@pytest.mark.parametrize("case", CASES, ids=_id)
def test_sequential_confidence_sequences_match_gbstats(case: dict, tuning: str) -> None:
    seq = _row(case, tuning=float(tuning))["sequential"]
    ref = case["sequential"][tuning]
    assert seq["tuning"] == float(tuning)
    assert seq["ci95"] == pytest.approx(ref["absolute"]["ci"], rel=REL)
    assert seq["p_value"] == pytest.approx(ref["absolute"]["p_value"], rel=REL)
    assert seq["ci95_relative"] == pytest.approx(ref["relative"]["ci"], rel=REL)
    assert seq["p_value_relative"] == pytest.approx(ref["relative"]["p_value"], rel=REL)
    assert list(seq) == ["tuning", "ci95", "p_value", "ci95_relative", "p_value_relative"]


CUPED_CASES = [c for c in CASES if c["covariate"]]


@pytest.mark.parametrize("case", CUPED_CASES, ids=_id)
def test_cuped_matches_gbstats_regression_adjustment(case: dict) -> None:
    cu = _row(case, cuped=True)["cuped"]
    ref = case["cuped"]
    assert list(cu) == [
        "covariate",
        "theta",
        "abs_diff",
        "ci95",
        "p_value",
        "relative_lift",
        "ci95_relative",
        "variance_reduction",
    ]
    assert cu["covariate"] == case["covariate"]
    assert cu["theta"] == pytest.approx(case["theta"], rel=REL)
    assert cu["abs_diff"] == pytest.approx(ref["absolute"]["effect"], rel=REL)
    assert cu["ci95"] == pytest.approx(ref["absolute"]["ci"], rel=REL)
    assert cu["p_value"] == pytest.approx(ref["absolute"]["p_value"], rel=REL)
    assert cu["relative_lift"] == pytest.approx(ref["relative"]["effect"], rel=REL)
    assert cu["ci95_relative"] == pytest.approx(ref["relative"]["ci"], rel=REL)
    ratio = ref["absolute"]["variance"] / case["absolute"]["variance"]
    assert cu["variance_reduction"] == pytest.approx(ratio, rel=REL)
    assert cu["variance_reduction"] < 1  # a correlated pre-period column narrows the interval


@pytest.mark.parametrize("case", CUPED_CASES, ids=_id)
def test_sequential_applies_to_the_cuped_estimate(case: dict) -> None:
    row = _row(case, cuped=True, tuning=5000.0)
    ref = case["cuped"]["sequential"]
    assert row["sequential"]["ci95"] == pytest.approx(ref["absolute"]["ci"], rel=REL)
    assert row["sequential"]["p_value"] == pytest.approx(ref["absolute"]["p_value"], rel=REL)
    assert row["sequential"]["ci95_relative"] == pytest.approx(ref["relative"]["ci"], rel=REL)
    assert row["decision_basis"] == "sequential"


@pytest.mark.parametrize("case", REFERENCE["power"]["means"], ids=lambda c: f"sd{c['std']}r{c['ratio']}")
def test_means_sample_size_is_statsmodels_two_sided_power(case: dict) -> None:
    n = sample_size.n_means(
        case["std"], case["mde"], alpha=case["alpha"], power=case["power"], ratio=case["ratio"]
    )
    # statsmodels solves with brentq; agreement is limited by its tolerance, far below one unit
    assert n == pytest.approx(case["n_control"], rel=1e-9)
    out = sample_size.sample_size_means(
        case["std"], case["mde"], alpha=case["alpha"], power=case["power"], ratio=case["ratio"]
    )
    assert out["per_variant"] == sample_size._ceil(case["n_control"])
    if case["ratio"] != 1:
        assert out["per_arm"]["treatment"] == sample_size._ceil(case["ratio"] * case["n_control"])
    # the power at the solution is the requested power, both tails counted
    assert sample_size.power_means(
        n, case["mde"] / case["std"], alpha=case["alpha"], ratio=case["ratio"]
    ) == pytest.approx(case["power"], rel=1e-12)


@pytest.mark.parametrize(
    "case", REFERENCE["power"]["proportions"], ids=lambda c: f"{c['baseline']}+{c['mde']}r{c['ratio']}"
)
def test_proportions_sample_size_with_unequal_allocation_matches_statsmodels(case: dict) -> None:
    n = sample_size.n_proportions(
        case["baseline"],
        case["baseline"] + case["mde"],
        alpha=case["alpha"],
        power=case["power"],
        ratio=case["ratio"],
    )
    assert n == pytest.approx(case["n_control"], rel=1e-9)
    out = sample_size.sample_size_proportions(
        case["baseline"], case["mde"], alpha=case["alpha"], power=case["power"], ratio=case["ratio"]
    )
    assert out["per_variant"] == sample_size._ceil(case["n_control"])
    expected_total = sample_size._ceil(case["n_control"]) + sample_size._ceil(
        case["ratio"] * case["n_control"]
    )
    assert out["total"] == expected_total
