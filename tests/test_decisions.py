"""The §8.6 decision tables, cell by cell, and the monitoring degradation thresholds."""

from __future__ import annotations

import itertools

import pytest

from axtui.errors import InputError
from axtui.stats import decisions as d

# --- monitoring matrix (ml-model-monitoring retraining-decision) ---------------------------------

MONITORING_CELLS = [
    ("none", "none", "NO_ACTION"),
    ("moderate", "none", "MONITOR"),
    ("significant", "none", "INVESTIGATE"),  # the specific row wins over "Significant | Any"
    ("none", "moderate", "INVESTIGATE"),
    ("moderate", "moderate", "RETRAIN"),
    ("significant", "moderate", "RETRAIN_URGENT"),
    ("none", "significant", "RETRAIN_URGENT"),
    ("moderate", "significant", "RETRAIN_URGENT"),
    ("significant", "significant", "RETRAIN_URGENT"),
]


@pytest.mark.parametrize(("drift", "drop", "expected"), MONITORING_CELLS)
def test_monitoring_matrix_cell(drift: str, drop: str, expected: str) -> None:
    out = d.monitoring_decision(data_drift=drift, performance_drop=drop)
    assert out["decision"] == expected
    assert out["inputs"] == {"data_drift": drift, "performance_drop": drop}
    assert drift in out["reason"] and drop in out["reason"]


def test_monitoring_matrix_covers_every_combination_once() -> None:
    assert {(a, b) for a, b, _ in MONITORING_CELLS} == set(itertools.product(d.LEVELS, d.LEVELS))


@pytest.mark.parametrize(
    ("alias", "level"),
    [
        ("GREEN", "none"),
        ("yellow", "moderate"),
        ("RED", "significant"),
        ("OK", "none"),
        ("WARN", "moderate"),
        ("ALERT", "significant"),
        (None, "none"),
    ],
)
def test_monitoring_accepts_alert_levels_and_statuses(alias: str | None, level: str) -> None:
    out = d.monitoring_decision(data_drift=alias, performance_drop="none")
    assert out["inputs"]["data_drift"] == level


def test_monitoring_rejects_unknown_level() -> None:
    with pytest.raises(InputError, match="data_drift must be one of") as err:
        d.monitoring_decision(data_drift="huge", performance_drop="none")
    assert err.value.where == "data_drift"


# --- degradation (OK / WARN / ALERT at 5% and 10%) -----------------------------------------------


@pytest.mark.parametrize(
    ("current", "status"),
    [
        (0.9, "OK"),  # unchanged
        (0.95, "OK"),  # improved
        (0.855, "OK"),  # exactly 5% worse: "within 5%"
        (0.8549, "WARN"),  # just over 5%
        (0.81, "WARN"),  # exactly 10%: the 5-10% band
        (0.8099, "ALERT"),  # just over 10%
        (0.5, "ALERT"),
    ],
)
def test_degradation_bands_for_higher_is_better(current: float, status: str) -> None:
    out = d.degradation({"accuracy": 0.9}, {"accuracy": current})
    row = out["metrics"][0]
    assert row["status"] == status
    assert row["degradation_pct"] == pytest.approx((0.9 - current) / 0.9 * 100)
    assert row["delta_pct"] == pytest.approx((current - 0.9) / 0.9 * 100)
    assert row["delta"] == pytest.approx(current - 0.9)


def test_degradation_lower_is_better_inferred_from_name() -> None:
    out = d.degradation({"latency_p99": 100.0, "log_loss": 0.4}, {"latency_p99": 108.0, "log_loss": 0.3})
    rows = {r["metric"]: r for r in out["metrics"]}
    assert rows["latency_p99"]["higher_is_better"] is False
    assert rows["latency_p99"]["degradation_pct"] == pytest.approx(8.0)
    assert rows["latency_p99"]["status"] == "WARN"
    assert rows["log_loss"]["status"] == "OK"  # 25% better
    assert out["performance_drop"] == "moderate"


def test_degradation_explicit_direction_overrides_name() -> None:
    out = d.degradation({"error_budget": 1.0}, {"error_budget": 0.8}, higher_is_better={"error_budget": True})
    assert out["metrics"][0]["status"] == "ALERT"


def test_degradation_overall_levels_and_missing_metrics() -> None:
    ok = d.degradation({"a": 1.0, "b": 1.0}, {"a": 1.0, "b": 0.97, "c": 3.0})
    assert ok["performance_drop"] == "none"
    assert ok["missing_metrics"] == ["c"]
    alert = d.degradation({"a": 1.0, "b": 1.0}, {"a": 0.93, "b": 0.8})
    assert alert["performance_drop"] == "significant"
    assert [r["status"] for r in alert["metrics"]] == ["WARN", "ALERT"]


def test_degradation_zero_baseline_is_undefined_not_a_crash() -> None:
    out = d.degradation({"a": 0.0}, {"a": 0.1})
    assert out["metrics"][0]["status"] is None and "undefined" in out["metrics"][0]["note"]
    assert out["performance_drop"] == "none"


def test_degradation_refuses_non_numbers() -> None:
    with pytest.raises(InputError, match=r"current\.accuracy must be a number"):
        d.degradation({"accuracy": 0.9}, {"accuracy": "high"})
    with pytest.raises(InputError, match="finite"):
        d.degradation({"accuracy": float("nan")}, {"accuracy": 0.9})


def test_degradation_feeds_the_monitoring_matrix() -> None:
    drop = d.degradation({"accuracy": 0.9}, {"accuracy": 0.7})["performance_drop"]
    assert d.monitoring_decision(data_drift="RED", performance_drop=drop)["decision"] == "RETRAIN_URGENT"


# --- A/B (ml-ab-testing make-decision) -----------------------------------------------------------


@pytest.mark.parametrize(
    ("significant", "impact", "adequate"),
    list(itertools.product([True, False, None], ["positive", "negative", "none"], [True, False, None])),
)
def test_ab_failed_guardrail_always_rolls_back(
    significant: bool | None, impact: str, adequate: bool | None
) -> None:
    out = d.ab_decision(
        significant=significant, impact=impact, guardrails_pass=False, sample_adequate=adequate
    )
    assert out["decision"] == "ROLLBACK"
    assert "guardrail" in out["reason"]


@pytest.mark.parametrize(
    ("significant", "impact", "adequate", "expected"),
    [
        (True, "positive", None, "SHIP"),
        (True, "positive", False, "EXTEND"),  # underpowered fixed-horizon test: never SHIP
        (True, "negative", True, "ROLLBACK"),
        (True, "none", True, "NO_SHIP"),  # significant but below the MDE (seed leaves this open)
        (False, "positive", False, "EXTEND"),  # underpowered
        (False, "negative", False, "EXTEND"),
        (False, "positive", True, "NO_SHIP"),  # adequately powered, still nothing
        (False, "none", None, "NO_SHIP"),  # no MDE given: cannot judge power
        (None, "positive", False, "EXTEND"),  # test undefined counts as not significant
    ],
)
def test_ab_cells_with_guardrails_passing(
    significant: bool | None, impact: str, adequate: bool | None, expected: str
) -> None:
    out = d.ab_decision(
        significant=significant, impact=impact, guardrails_pass=True, sample_adequate=adequate
    )
    assert out["decision"] == expected
    assert out["inputs"]["impact"] == impact


def test_ab_rejects_unknown_impact() -> None:
    with pytest.raises(InputError, match="impact must be"):
        d.ab_decision(significant=True, impact="great", guardrails_pass=True)


# --- experiment comparison (PROMOTE / ITERATE / REJECT) ------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "expected", "reason"),
    [
        ({"improvement": 0.03, "significant": True}, "PROMOTE", "significant improvement"),
        ({"improvement": 0.03, "significant": True, "min_improvement": 0.02}, "PROMOTE", "success criteria"),
        ({"improvement": 0.01, "significant": True, "min_improvement": 0.02}, "ITERATE", "below the success"),
        (
            {
                "improvement": 0.03,
                "significant": True,
                "relative_improvement": 0.01,
                "min_relative_improvement": 0.05,
            },
            "ITERATE",
            "below the success",
        ),
        ({"improvement": 0.03, "significant": False}, "ITERATE", "not statistically significant"),
        ({"improvement": 0.03, "significant": None}, "ITERATE", "no significance test"),
        ({"improvement": 0.0, "significant": False}, "REJECT", "no improvement"),
        ({"improvement": -0.02, "significant": False}, "REJECT", "a regression"),
        ({"improvement": -0.02, "significant": True}, "REJECT", "significant regression"),
    ],
)
def test_experiment_cells(kwargs: dict, expected: str, reason: str) -> None:
    out = d.experiment_decision(**kwargs)
    assert out["decision"] == expected
    assert reason in out["reason"]


def test_experiment_refuses_nan_improvement() -> None:
    with pytest.raises(InputError, match="finite"):
        d.experiment_decision(improvement=float("nan"), significant=True)


# --- version comparison (PROMOTE / CANARY / HOLD / REJECT) ---------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"improvement": 0.02, "significant": True}, "PROMOTE"),
        ({"improvement": 0.02, "significant": True, "breaking_changes": True}, "CANARY"),
        ({"improvement": 0.02, "significant": True, "latency_regression": True}, "CANARY"),
        ({"improvement": 0.02, "significant": False}, "HOLD"),
        ({"improvement": 0.02, "significant": None}, "HOLD"),
        ({"improvement": -0.01, "significant": False}, "HOLD"),
        ({"improvement": 0.0, "significant": True}, "HOLD"),
        ({"improvement": -0.02, "significant": True}, "REJECT"),
        ({"improvement": 0.05, "significant": True, "meets_requirements": False}, "REJECT"),
    ],
)
def test_version_cells(kwargs: dict, expected: str) -> None:
    assert d.version_decision(**kwargs)["decision"] == expected


# --- evaluation Go / No-Go -----------------------------------------------------------------------


def test_evaluation_go_with_high_confidence_when_every_check_passes() -> None:
    out = d.evaluation_decision(
        metric_value=0.91,
        threshold=0.85,
        metric="f1",
        ci_low=0.88,
        ci_high=0.93,
        fairness="PASS",
        latency_p99=80,
        latency_sla=100,
    )
    assert (out["decision"], out["confidence"]) == ("GO", "HIGH")
    assert "all checks pass" in out["reason"]


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"metric_value": 0.80, "threshold": 0.85}, "does not meet the threshold"),
        ({"metric_value": 0.90, "threshold": 0.85, "fairness": "FAIL"}, "four-fifths"),
        (
            {"metric_value": 0.90, "threshold": 0.85, "latency_p99": 120, "latency_sla": 100},
            "exceeds the SLA",
        ),
        ({"metric_value": 0.30, "threshold": 0.25, "higher_is_better": False}, "does not meet"),
    ],
)
def test_evaluation_no_go_cells(kwargs: dict, fragment: str) -> None:
    out = d.evaluation_decision(**kwargs)
    assert (out["decision"], out["confidence"]) == ("NO_GO", "HIGH")
    assert fragment in out["reason"]


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"fairness": "WARNING", "ci_low": 0.9, "latency_p99": 1, "latency_sla": 2}, "fairness WARNING"),
        ({"fairness": "PASS", "ci_low": 0.8, "latency_p99": 1, "latency_sla": 2}, "CI crosses"),
        ({"fairness": "PASS", "ci_low": 0.9}, "latency not checked"),
        ({"ci_low": 0.9, "latency_p99": 1, "latency_sla": 2}, "no fairness audit"),
    ],
)
def test_evaluation_go_with_caveats_is_medium(kwargs: dict, fragment: str) -> None:
    out = d.evaluation_decision(metric_value=0.92, threshold=0.85, **kwargs)
    assert (out["decision"], out["confidence"]) == ("GO", "MEDIUM")
    assert fragment in out["reason"]


def test_evaluation_lower_is_better_uses_the_upper_ci_bound() -> None:
    out = d.evaluation_decision(
        metric_value=0.2,
        threshold=0.25,
        higher_is_better=False,
        ci_high=0.24,
        fairness="PASS",
        latency_p99=1,
        latency_sla=2,
    )
    assert out["confidence"] == "HIGH"


def test_evaluation_rejects_unknown_fairness_verdict() -> None:
    with pytest.raises(InputError, match="fairness must be"):
        d.evaluation_decision(metric_value=1, threshold=0, fairness="OK-ish")


def test_every_table_returns_decision_reason_inputs() -> None:
    calls = {
        "experiment": {"improvement": 1.0, "significant": True},
        "version": {"improvement": 1.0, "significant": True},
        "monitoring": {"data_drift": "none", "performance_drop": "none"},
        "ab": {"significant": True, "impact": "positive", "guardrails_pass": True},
        "evaluation": {"metric_value": 1.0, "threshold": 0.5},
    }
    assert set(calls) == set(d.TABLES)
    for name, kwargs in calls.items():
        out = d.TABLES[name](**kwargs)
        assert {"decision", "reason", "inputs"} <= set(out)
        assert isinstance(out["reason"], str) and out["reason"]


@pytest.mark.parametrize(
    ("name", "lower"),
    [
        ("log_loss", True),
        ("rmse", True),
        ("latency_p99", True),
        ("error_rate", True),
        ("accuracy", False),
        ("f1", False),
        ("auc_roc", False),
        ("MAE", True),
    ],
)
def test_direction_from_metric_name(name: str, lower: bool) -> None:
    assert d.lower_is_better_by_name(name) is lower
