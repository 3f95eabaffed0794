"""The compute catalogue: names, argument checking, and coercion of templated (string) arguments."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from axtui.core.workflow import computes as registry
from axtui.errors import InputError
from axtui.stats import ab

DATA = Path(__file__).parent / "data" / "stats"

REQUIRED_NAMES = {
    "drift",
    "prediction_drift",
    "ab_size",
    "ab_size_means",
    "srm",
    "ab_analyze",
    "evaluate",
    "fairness",
    "latency",
    "adwin",
    "features",
    "compare_experiments",
    "degradation",
    "decide",
}


def test_every_contract_name_is_registered_and_listed() -> None:
    assert set(registry.CATALOGUE) >= REQUIRED_NAMES
    listed = {name: (doc, args) for name, doc, args in registry.list_computes()}
    assert set(listed) == set(registry.CATALOGUE)
    for name in REQUIRED_NAMES:
        doc, args = listed[name]
        assert doc and "\n" not in doc
        assert all(isinstance(a, str) for a in args)
    assert listed["ab_size"][1] == ["baseline", "mde", "relative?", "alpha?", "power?", "ratio?", "std?"]


def test_unknown_name_lists_valid_names() -> None:
    with pytest.raises(InputError, match="unknown computation 'psi'") as err:
        registry.run_compute("psi", {})
    assert "ab_size" in err.value.hint and "drift" in err.value.hint


def test_unknown_argument_lists_valid_arguments() -> None:
    with pytest.raises(InputError, match="unknown argument\\(s\\) for compute ab_size: base") as err:
        registry.run_compute("ab_size", {"base": 0.1, "mde": 0.02})
    assert err.value.hint == "valid: baseline, mde, relative, alpha, power, ratio, std"


def test_missing_required_argument() -> None:
    with pytest.raises(InputError, match="compute ab_size needs 'mde'"):
        registry.run_compute("ab_size", {"baseline": "0.1"})


def test_templated_strings_are_coerced() -> None:
    out = registry.run_compute(
        "ab_size", {"baseline": "0.1", "mde": "20%", "relative": "true", "alpha": "0.05", "power": "0.8"}
    )
    assert out == ab.sample_size_proportions(0.1, 0.2, relative=True)
    assert registry.run_compute("ab_size_means", {"std": "10", "mde": 1})["per_variant"] == 1570
    assert registry.run_compute("srm", {"counts": "5000,5300"}) == ab.srm([5000, 5300])
    assert registry.run_compute("srm", {"counts": "[2000, 8000]", "weights": [20, 80]})["alert"] is False


def test_bad_number_names_the_argument() -> None:
    with pytest.raises(InputError, match="alpha must be a number") as err:
        registry.run_compute("ab_size", {"baseline": 0.1, "mde": 0.02, "alpha": "five percent"})
    assert err.value.where == "alpha"
    with pytest.raises(InputError, match="relative must be true or false"):
        registry.run_compute("ab_size", {"baseline": 0.1, "mde": 0.02, "relative": "maybe"})


def test_file_computations_through_the_registry(tmp_path: Path) -> None:
    out = registry.run_compute(
        "evaluate",
        {
            "predictions": str(DATA / "eval_binary.csv"),
            "y_true": "y_true",
            "y_score": "y_score",
            "groups": "group",
            "n_boot": "0",
        },
    )
    assert out["metrics"]["accuracy"] == pytest.approx(0.81)
    assert "group" in out["fairness"] and out["ci95"] is None
    fair = registry.run_compute(
        "fairness",
        {
            "predictions": str(DATA / "eval_binary.csv"),
            "y_true": "y_true",
            "y_pred": "y_pred",
            "group_col": "group",
        },
    )
    assert fair["four_fifths"] == "FAIL"
    lat = registry.run_compute(
        "latency", {"path": str(DATA / "eval_binary.csv"), "column": "latency_ms", "timestamp_col": "ts"}
    )
    assert lat["count"] == 300 and lat["throughput_method"] == "count / timestamp span"
    assert registry.run_compute("latency", {"values": "10,20,30"})["p50"] == 20.0
    feats = registry.run_compute("features", {"data": str(DATA / "eval_regression.csv"), "target": "target"})
    assert feats["rows"] == 120
    events = tmp_path / "ab.csv"
    rng = np.random.default_rng(0)
    pl.DataFrame({"v": ["control"] * 500 + ["t"] * 500, "y": (rng.random(1000) < 0.2).astype(int)}).write_csv(
        events
    )
    res = registry.run_compute(
        "ab_analyze", {"events": str(events), "variant_col": "v", "metrics": "y", "mde": "0.05"}
    )
    # 0.192 vs 0.194 is far from significant, and 500 users per arm are fewer than the 1066 the MDE needs
    assert res["metrics"][0]["significant"] is False
    assert res["arm_decisions"]["t"]["inputs"]["sample_adequate"] is False
    assert res["decision"] == "EXTEND"


def test_compare_and_degradation_accept_json_text() -> None:
    out = registry.run_compute(
        "compare_experiments",
        {
            "baseline_metrics": '{"accuracy": 0.8}',
            "candidate_metrics": {"accuracy": 0.85},
            "primary_metric": "accuracy",
            "fold_scores": '{"baseline": [0.8, 0.81, 0.79], "candidate": [0.85, 0.86, 0.84]}',
        },
    )
    assert out["decision"] == "PROMOTE"
    deg = registry.run_compute(
        "degradation", {"baseline": '{"accuracy": 0.9}', "current": {"accuracy": "0.8"}}
    )
    assert deg["performance_drop"] == "significant"
    with pytest.raises(InputError, match="baseline is not valid JSON"):
        registry.run_compute("degradation", {"baseline": "{oops", "current": {}})


@pytest.mark.parametrize(
    ("args", "decision"),
    [
        ({"table": "monitoring", "data_drift": "RED", "performance_drop": "none"}, "INVESTIGATE"),
        ({"table": "ab", "significant": "yes", "impact": "positive", "guardrails_pass": "true"}, "SHIP"),
        (
            {
                "table": "ab",
                "significant": "null",
                "impact": "none",
                "guardrails_pass": "true",
                "sample_adequate": "false",
            },
            "EXTEND",
        ),
        ({"table": "experiment", "improvement": "0.02", "significant": "false"}, "ITERATE"),
        (
            {"table": "version", "improvement": "0.02", "significant": "true", "breaking_changes": "yes"},
            "CANARY",
        ),
        ({"table": "Evaluation", "metric_value": "0.9", "threshold": "0.85", "fairness": "PASS"}, "GO"),
    ],
)
def test_decide_with_templated_values(args: dict, decision: str) -> None:
    assert registry.run_compute("decide", args)["decision"] == decision


def test_decide_errors() -> None:
    with pytest.raises(InputError, match="unknown decision table 'vibes'") as err:
        registry.run_compute("decide", {"table": "vibes"})
    assert "monitoring" in err.value.hint
    with pytest.raises(InputError, match="needs 'performance_drop'"):
        registry.run_compute("decide", {"table": "monitoring", "data_drift": "none"})
    with pytest.raises(InputError, match="unknown argument\\(s\\) for decide table ab: drift"):
        registry.run_compute(
            "decide",
            {"table": "ab", "significant": True, "impact": "positive", "guardrails_pass": True, "drift": 1},
        )


def test_drift_and_adwin_wrappers_reach_their_modules(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    ref, cur = tmp_path / "ref.csv", tmp_path / "cur.csv"
    pl.DataFrame({"x": rng.normal(0, 1, 500), "c": rng.choice(["a", "b"], 500)}).write_csv(ref)
    pl.DataFrame({"x": rng.normal(1, 1, 500), "c": rng.choice(["a", "b"], 500)}).write_csv(cur)
    out = registry.run_compute("drift", {"reference": str(ref), "current": str(cur), "columns": "x,c"})
    assert [c["name"] for c in out["columns"]] == ["x", "c"]
    pred = registry.run_compute(
        "prediction_drift", {"reference": str(ref), "current": str(cur), "column": "x"}
    )
    assert pred["columns"][0]["name"] == "x"
    stream = tmp_path / "errors.csv"
    pl.DataFrame({"err": [0] * 300 + [1] * 300}).write_csv(stream)
    detections = registry.run_compute("adwin", {"stream": str(stream), "column": "err", "delta": "0.002"})
    assert detections["detections"], "a jump from 0 to 1 errors must be detected"


def test_decide_treats_rendered_nothing_as_not_given() -> None:
    out = registry.run_compute(
        "decide",
        {
            "table": "evaluation",
            "metric_value": "0.9",
            "threshold": "0.85",
            "ci_low": "None",
            "ci_high": "",
            "fairness": "null",
            "latency_p99": None,
            "latency_sla": "n/a",
        },
    )
    assert out["decision"] == "GO" and out["inputs"]["ci_low"] is None and out["inputs"]["fairness"] is None
    with pytest.raises(InputError, match="needs a value for 'threshold'"):
        registry.run_compute("decide", {"table": "evaluation", "metric_value": "0.9", "threshold": "None"})
    # "none" stays a real level for the monitoring matrix
    assert (
        registry.run_compute(
            "decide", {"table": "monitoring", "data_drift": "none", "performance_drop": "None"}
        )["decision"]
        == "NO_ACTION"
    )
