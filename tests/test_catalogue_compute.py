"""The catalogue compute steps on small inputs: robustness, deployment gates, version comparison."""

from __future__ import annotations

import hashlib
from functools import partial
from pathlib import Path

import polars as pl
import pytest

from axtui.core.workflow.computes import run_compute
from axtui.core.workflow.computes.registry import schema_diff
from axtui.errors import InputError
from axtui.stats.robustness import robustness

# The computes as a workflow step calls them: one mapping of (templated) arguments.
container_spec = partial(run_compute, "container_spec")
post_deploy_check = partial(run_compute, "post_deploy_check")
readiness_checklist = partial(run_compute, "readiness_checklist")
rollout_plan = partial(run_compute, "rollout_plan")
fairness_summary = partial(run_compute, "fairness_summary")
version_compare = partial(run_compute, "version_compare")

DATA = Path(__file__).resolve().parent.parent / "examples" / "catalogue" / "data"


def test_robustness_measures_slices_missing_rows_and_shift(tmp_path: Path) -> None:
    # 10 rows: slice a all correct, slice b 2 of 5 correct; the rows with a missing x are the wrong ones
    frame = pl.DataFrame(
        {
            "y": [1, 0, 1, 0, 1, 1, 0, 1, 0, 1],
            "p": [1, 0, 1, 0, 1, 0, 1, 1, 0, 0],
            "s": ["a"] * 5 + ["b"] * 5,
            "x": [1.0, 2.0, 3.0, 4.0, 5.0, None, None, 8.0, 9.0, None],
        }
    )
    path = tmp_path / "pred.csv"
    frame.write_csv(path)
    shifted = tmp_path / "shift.csv"
    frame.with_columns(pl.col("y").alias("p")).head(4).vstack(frame.tail(6)).write_csv(shifted)
    r = robustness(
        path,
        y_true="y",
        y_pred="p",
        slice_cols=["s"],
        feature_cols=["x"],
        shifted_path=shifted,
        min_slice_rows=5,
        checklist={"rare_class": "fail", "noise_sensitivity": "pass"},
    )
    assert r["overall"] == pytest.approx(0.7)
    slices = {row["value"]: row for row in r["slices"]["s"]}
    assert slices["a"]["metric"] == 1.0 and slices["b"]["metric"] == pytest.approx(0.4)
    assert r["worst_slice"]["value"] == "b"
    assert r["worst_slice"]["drop_pct"] == pytest.approx((0.7 - 0.4) / 0.7 * 100)
    assert r["missing_values"]["rows_with_missing"] == 3 and r["missing_values"]["metric_missing"] == 0.0
    assert r["missing_values"]["metric_complete"] == 1.0
    assert r["covariate_shift"]["metric"] == pytest.approx(0.7)
    # 10 - 3 (slice drop 42.9%) - 2 (missing drop 100%) - 0 (no shift drop) - 1 (one checklist fail)
    assert r["robustness_score"] == 4
    assert "label_shift" in r["not_assessed"]
    with pytest.raises(InputError, match="unknown robustness checklist item"):
        robustness(path, y_true="y", y_pred="p", checklist={"vibes": "pass"})
    with pytest.raises(InputError, match="pass, fail or n/a"):
        robustness(path, y_true="y", y_pred="p", checklist={"rare_class": "maybe"})


def test_fairness_summary_takes_the_worst_attribute() -> None:
    fairness = {
        "a": {"four_fifths": "PASS", "demographic_parity_ratio": 0.9, "groups": {}},
        "b": {
            "four_fifths": "WARNING",
            "demographic_parity_ratio": 0.75,
            "groups": {"x": {"count": 3, "mean_score": 0.5, "positive_rate": 0.4, "calibration_gap": 0.1}},
        },
    }
    s = fairness_summary({"fairness": fairness})
    assert s["overall"] == "WARNING" and s["highest_disparity_attribute"] == "b"
    assert s["calibration_by_group"][0]["calibration_gap"] == 0.1
    with pytest.raises(InputError):
        fairness_summary({"fairness": {}})


def _record(tmp_path: Path, **extra) -> dict:
    artifact = tmp_path / "m.bin"
    artifact.write_bytes(b"weights")
    return {
        "model_name": "m",
        "version": "2.0.0",
        "status": "canary",
        "artifact_path": str(artifact),
        "artifact_checksum": hashlib.sha256(b"weights").hexdigest(),
        "input_schema": [{"name": "a"}],
        "output_schema": [{"name": "p"}],
        "framework": "sklearn",
        "framework_version": "1.5",
        "experiment_id": "e",
        "training_dataset": "d",
        **extra,
    }


def test_readiness_rehashes_the_artifact(tmp_path: Path) -> None:
    record = _record(tmp_path)
    evaluation = {"recommendation": "GO", "latency_profile": {"p99": 40.0}}
    ok = readiness_checklist({"record": record, "evaluation": evaluation})
    assert ok["status"] == "READY" and ok["passed"] == ok["total"] == 7
    Path(record["artifact_path"]).write_bytes(b"tampered")
    bad = readiness_checklist({"record": record, "evaluation": dict(evaluation, recommendation="NO_GO")})
    assert bad["status"] == "NOT_READY" and bad["blocking"] == ["artifact_integrity", "evaluation"]
    slow = readiness_checklist(
        {"record": _record(tmp_path), "evaluation": evaluation, "latency_p99_threshold_ms": 30}
    )
    assert slow["blocking"] == ["latency_sla"]
    archived = readiness_checklist({"record": _record(tmp_path, status="archived"), "evaluation": evaluation})
    assert archived["blocking"] == ["registered"]


def test_container_spec_is_derived_from_the_record(tmp_path: Path) -> None:
    out = tmp_path / "build"
    spec = container_spec({"record": _record(tmp_path), "port": 9000, "output_dir": str(out)})
    assert spec["image"] == "m:2.0.0"
    assert "EXPOSE 9000" in spec["dockerfile"] and "scikit-learn==1.5" in spec["requirements"]
    assert 'input_fields: ["a"]' in spec["serving_config"]
    assert (out / "Dockerfile").read_text() == spec["dockerfile"]


def test_rollout_plans_per_strategy_and_triggers() -> None:
    canary = rollout_plan({"strategy": "canary", "traffic_percentage": 5})
    assert [s["traffic_percent"] for s in canary["stages"]] == [5, 25, 50, 100]
    assert canary["decision"] == "PROCEED" and canary["gate"] == "proceed"
    assert rollout_plan({"strategy": "blue-green"})["stages"][1]["traffic_percent"] == 100
    assert rollout_plan({"strategy": "direct"})["final_traffic_percent"] == 100
    shadow = rollout_plan({"strategy": "shadow"})
    assert shadow["gate"] == "shadow" and shadow["final_traffic_percent"] == 0
    evidence = {
        "agreement_rate": 0.6,
        "latency": {"shadow": {"p99": 50.0}},
        "metrics": {"delta": {"accuracy": -0.05}},
    }
    halt = rollout_plan({"strategy": "canary", "shadow": evidence})
    assert halt["decision"] == "HALT" and halt["fired"] == ["agreement_rate", "worst_metric_delta"]
    better = rollout_plan(
        {"strategy": "canary", "shadow": dict(evidence, metrics={"delta": {"accuracy": 0.1}})}
    )
    assert better["decision"] == "PROCEED"  # disagreement explained by better labelled metrics
    with pytest.raises(InputError, match="unknown rollout strategy"):
        rollout_plan({"strategy": "yolo"})
    with pytest.raises(InputError, match="unknown argument"):
        run_compute("rollout_plan", {"strategy": "canary", "bogus": 1})


def test_post_deploy_check_on_the_example_serving_log() -> None:
    r = post_deploy_check(
        {
            "serving_log_path": str(DATA / "serving_log.csv"),
            "reference_path": str(DATA / "shadow_log.csv"),
            "min_accuracy": 0.65,
        }
    )
    assert r["requests"] == 500 and r["errors"] == 2 and r["error_rate"] == pytest.approx(0.004)
    assert r["status"] == "HEALTHY"
    strict = post_deploy_check(
        {"serving_log_path": str(DATA / "serving_log.csv"), "error_rate_threshold": 0.001}
    )
    assert strict["status"] == "ROLLBACK" and strict["failed"] == ["error_rate"]
    with pytest.raises(InputError):
        post_deploy_check({"serving_log_path": str(DATA / "latency_log.csv")})  # no status column


def test_version_compare_and_schema_diff() -> None:
    assert schema_diff([{"name": "a", "type": "float"}], [{"name": "a", "type": "int"}], side="input")[
        "breaking"
    ]
    assert schema_diff(["p"], ["p", "q"], side="output") == {
        "added": ["q"],
        "removed": [],
        "retyped": [],
        "breaking": False,
    }
    first = version_compare({"record": {"version": "1.0.0"}})
    assert first["decision"] == "PROMOTE" and first["recommendation"] == "promote"
    failed = version_compare({"record": {"version": "1.0.0"}, "validation_status": "FAIL"})
    assert failed["decision"] == "REJECT"
    prod = {"version": "1.0.0", "metrics": {"accuracy": 0.604}, "input_schema": ["a"], "output_schema": ["p"]}
    new = {"version": "2.0.0", "metrics": {"accuracy": 0.71}, "input_schema": ["a"], "output_schema": ["p"]}
    r = version_compare(
        {
            "record": new,
            "production_record": prod,
            "paired_predictions_path": str(DATA / "predictions_paired.csv"),
        }
    )
    assert r["decision"] == "PROMOTE" and r["p_value"] < 0.001 and not r["breaking_changes"]
    no_test = version_compare({"record": new, "production_record": prod})
    assert no_test["decision"] == "HOLD"  # better, but no significance test without paired predictions


def test_the_committed_example_data_is_what_the_generator_writes(tmp_path: Path) -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("catalogue_generate", DATA.parent / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(tmp_path)
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == sorted(p.name for p in DATA.iterdir())
    for name in written:
        assert (tmp_path / name).read_bytes() == (DATA / name).read_bytes(), name
