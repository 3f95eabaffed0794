"""The compute catalogue itself, and the computes moved out of ``axtui.stats`` (tracking, versions,
deployment, pipeline reports, robustness) tested on their own, as a workflow step calls them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from axtui.core.workflow.computes import CATALOGUE, ComputeContext, describe, get_compute, run_compute
from axtui.core.workflow.computes.catalogue import compute
from axtui.core.workflow.computes.deployment import DEFAULT_THRESHOLDS, thresholds_from
from axtui.errors import InputError

DATA = Path(__file__).resolve().parent.parent / "examples" / "catalogue" / "data"


# --- the catalogue: a signature is the contract -----------------------------------------------------


def sample(
    count: int,
    ratio: float,
    names: list[str],
    flag: bool = False,
    maybe: bool | None = None,
    options: dict[str, Any] | None = None,
    either: dict[str, bool] | bool | None = None,
    raw: Any = None,
) -> dict[str, Any]:
    """A compute used only by these tests."""
    return {
        "count": count,
        "ratio": ratio,
        "names": names,
        "flag": flag,
        "maybe": maybe,
        "options": options,
        "either": either,
        "raw": raw,
    }


SAMPLE = describe(sample, "sample")


def test_the_signature_gives_names_order_and_docs() -> None:
    assert SAMPLE.arg_names() == ["count", "ratio", "names", "flag?", "maybe?", "options?", "either?", "raw?"]
    assert SAMPLE.doc == "A compute used only by these tests."
    assert "sample" not in CATALOGUE  # describe does not register


@dataclass(frozen=True)
class _Options:
    alpha: float = 0.05
    names: Sequence[str] | None = None


def grouped(label: str, options: _Options, flag: bool = False) -> dict[str, Any]:
    """A compute whose options are one dataclass."""
    return {"label": label, "options": options, "flag": flag}


def test_a_dataclass_parameter_stands_for_its_fields() -> None:
    entry = describe(grouped, "grouped")
    assert entry.arg_names() == ["label", "alpha?", "names?", "flag?"]
    out = entry.run({"label": "x", "alpha": "0.1", "names": "a, b", "flag": "yes"})
    assert out == {"label": "x", "options": _Options(alpha=0.1, names=["a", "b"]), "flag": True}
    assert entry.run({"label": "x"})["options"] == _Options()
    with pytest.raises(InputError, match="unknown argument"):
        entry.run({"label": "x", "options": {}})


def test_templated_text_is_read_as_the_annotation_says() -> None:
    out = SAMPLE.run(
        {
            "count": "3",
            "ratio": "20%",
            "names": "a, b,,c",
            "flag": "yes",
            "maybe": "n/a",
            "options": '{"k": 1}',
            "either": '{"auc": true}',
            "raw": "",
        }
    )
    assert out == {
        "count": 3,
        "ratio": 0.2,
        "names": ["a", "b", "c"],
        "flag": True,
        "maybe": None,
        "options": {"k": 1},
        "either": {"auc": True},
        "raw": "",  # Any: passed as given, even empty
    }
    assert SAMPLE.run({"count": 1, "ratio": 1, "names": ["x"], "either": "off"})["either"] is False
    assert SAMPLE.run({"count": 1, "ratio": 1, "names": '["x", "y"]'})["names"] == ["x", "y"]


@pytest.mark.parametrize(
    ("args", "message", "where"),
    [
        ({"ratio": 1, "names": "a"}, "compute sample needs 'count'", "sample: count"),
        ({"count": "", "ratio": 1, "names": "a"}, "compute sample needs 'count'", "sample: count"),
        ({"count": "2.5", "ratio": 1, "names": "a"}, "count must be a whole number", "count"),
        ({"count": 1, "ratio": "lots", "names": "a"}, "ratio must be a number", "ratio"),
        ({"count": 1, "ratio": "inf", "names": "a"}, "ratio must be finite", "ratio"),
        ({"count": 1, "ratio": 1, "names": "a", "flag": "maybe"}, "flag must be true or false", "flag"),
        ({"count": 1, "ratio": 1, "names": "a", "options": "{oops"}, "options is not valid JSON", "options"),
        (
            {"count": 1, "ratio": 1, "names": "a", "extra": 1},
            "unknown argument\\(s\\) for compute sample: extra",
            None,
        ),
    ],
)
def test_bad_arguments_name_the_argument(args: dict[str, Any], message: str, where: str | None) -> None:
    with pytest.raises(InputError, match=message) as err:
        SAMPLE.run(args)
    if where is not None:
        assert err.value.where == where
    else:
        assert err.value.hint == "valid: count, ratio, names, flag, maybe, options, either, raw"


@given(st.integers(min_value=-(10**9), max_value=10**9))
def test_whole_numbers_survive_the_round_trip_through_text(n: int) -> None:
    assert SAMPLE.run({"count": str(n), "ratio": str(n), "names": "a"})["count"] == n


def test_context_and_extra_arguments() -> None:
    def with_ctx(ctx: ComputeContext, label: str, **rest: Any) -> dict[str, Any]:
        """Echo."""
        return {"step": ctx.step_id, "label": label, "rest": rest, "holds": ctx.holds("x > 1")}

    entry = describe(with_ctx, "with_ctx")
    assert entry.arg_names() == ["label", "..."]
    out = entry.run({"label": "L", "other": [1]}, ComputeContext({"x": 2}, "s1"))
    assert out == {"step": "s1", "label": "L", "rest": {"other": [1]}, "holds": True}


def test_a_name_is_declared_once_and_unknown_names_list_the_catalogue() -> None:
    with pytest.raises(RuntimeError, match="declared twice"):
        compute("drift")(sample)
    with pytest.raises(InputError, match="unknown computation 'nope'") as err:
        get_compute("nope")
    assert "drift" in err.value.hint and "ab_duration" in err.value.hint
    with pytest.raises(TypeError, match=r"\*args"):
        describe(lambda *values: {}, "star")


def test_every_registered_compute_describes_itself() -> None:
    for name, entry in CATALOGUE.items():
        assert entry.name == name and entry.doc and "\n" not in entry.doc
        for param in entry.params:  # every annotation is one the coercion understands
            assert param.type_name


# --- ab_duration (math in axtui.stats.duration) -------------------------------------------------------


def test_ab_duration_counts_the_slower_arm_after_the_ramp() -> None:
    out = run_compute(
        "ab_duration",
        {
            "per_variant": "1000",
            "daily_traffic": "400",
            "treatment_share": "25",
            "ramp_days": 2,
            "today": "2026-03-01",
        },
    )
    # the treatment arm gets 25% of 400 = 100 a day: 10 days; control (75%) would need 4
    assert out["days"] == 10 and out["daily_treatment"] == 100 and out["daily_control"] == 300
    assert out["total_days"] == 12 and out["full_test_first_day"] == 3
    assert out["start_date"] == "2026-03-01" and out["end_date"] == "2026-03-13"
    with pytest.raises(InputError, match="traffic shares"):
        run_compute("ab_duration", {"per_variant": 10, "daily_traffic": 0})
    with pytest.raises(InputError, match="start_date must be YYYY-MM-DD"):
        run_compute("ab_duration", {"per_variant": 10, "daily_traffic": 5, "start_date": "soon"})


# --- experiment_metrics (was stats/tracking) ----------------------------------------------------------


def test_experiment_metrics_from_paired_predictions() -> None:
    out = run_compute(
        "experiment_metrics",
        {"predictions_path": str(DATA / "predictions_paired.csv"), "primary_metric": "accuracy"},
    )
    assert out["source"] == "per-example predictions"
    frame = pl.read_csv(DATA / "predictions_paired.csv")
    expected = (frame["candidate_pred"] == frame["y_true"]).mean()
    assert out["candidate"]["accuracy"] == pytest.approx(expected)
    assert out["per_example"] == {
        "file": str(DATA / "predictions_paired.csv"),
        "baseline": "baseline_pred",
        "candidate": "candidate_pred",
        "y_true": "y_true",
    }
    assert set(out["candidate"]) >= {"accuracy", "precision", "recall", "f1_score", "auc_roc", "loss"}


def test_experiment_metrics_from_logged_metrics_and_folds() -> None:
    out = run_compute(
        "experiment_metrics",
        {
            "candidate_metrics": '{"f1_score": 0.7, "loss": null}',
            "fold_scores": {"baseline": [0.8, 0.82], "candidate": [0.85, 0.87]},
        },
    )
    assert out["source"] == "logged metrics with per-fold scores"
    assert out["candidate_numbers"] == {"f1_score": 0.7, "accuracy": pytest.approx(0.86)}
    assert out["baseline_numbers"] == {"accuracy": pytest.approx(0.81)}
    assert out["candidate"]["loss"] is None and out["per_example"] is None
    with pytest.raises(InputError, match="no predictions_path"):
        run_compute("experiment_metrics", {})
    with pytest.raises(InputError, match="fold_scores must be"):
        run_compute("experiment_metrics", {"candidate_metrics": {"a": 1}, "fold_scores": {"baseline": [1]}})
    with pytest.raises(InputError, match=r"candidate_metrics\.a must be a number"):
        run_compute("experiment_metrics", {"candidate_metrics": {"a": "high"}})


# --- version_compare (was stats/versions) -------------------------------------------------------------


def test_version_compare_breaking_schema_and_latency() -> None:
    prod = {"version": "1", "metrics": {"accuracy": 0.8}, "input_schema": ["a"], "output_schema": ["p"]}
    new = {
        "version": "2",
        "metrics": {"accuracy": 0.8},
        "input_schema": ["a", "b"],  # an added input: clients must send it
        "output_schema": ["p", "q"],  # an added output is fine
        "latency_p99_ms": 50,
    }
    out = run_compute("version_compare", {"record": new, "production_record": {**prod, "latency_p99_ms": 40}})
    assert out["input_schema"]["breaking"] and not out["output_schema"]["breaking"]
    assert out["breaking_changes"] is True and out["latency_regression"] is True
    # equal accuracy and no paired predictions: no significance test, so the table holds the version
    assert out["decision"] == "HOLD" and out["significant"] is None
    with pytest.raises(InputError, match="needs 'record'"):
        run_compute("version_compare", {})


# --- deployment -------------------------------------------------------------------------------------


def test_thresholds_merge_defaults_mapping_and_arguments() -> None:
    th = thresholds_from({"error_rate_threshold": "0.02"}, error_rate_threshold=None, min_agreement=0.9)
    assert th == {**DEFAULT_THRESHOLDS, "error_rate_threshold": 0.02, "min_agreement": 0.9}
    with pytest.raises(InputError, match="unknown threshold"):
        thresholds_from({"latency": 1})
    with pytest.raises(InputError, match="threshold min_agreement must be a number"):
        thresholds_from({"min_agreement": "high"})


def test_container_spec_writes_only_when_asked(tmp_path: Path) -> None:
    record = {"model_name": "m", "version": "1", "framework": "xgboost", "dependencies": {"pandas": "2.2"}}
    spec = run_compute("container_spec", {"record": record, "replicas": "3"})
    assert spec["files"] == [] and list(tmp_path.iterdir()) == []
    assert spec["requirements"][-2:] == ["xgboost", "pandas==2.2"]
    assert "replicas: 3" in spec["serving_config"] and "EXPOSE 8000" in spec["dockerfile"]
    with pytest.raises(InputError, match="needs 'record'"):
        run_compute("container_spec", {"record": ""})


def test_rollout_traffic_bounds_and_shadow_latency_trigger() -> None:
    with pytest.raises(InputError, match="traffic_percentage must be in"):
        run_compute("rollout_plan", {"traffic_percentage": "150"})
    slow = run_compute(
        "rollout_plan", {"shadow": {"latency": {"shadow": {"p99": 250.0}}}, "latency_p99_threshold_ms": "200"}
    )
    assert (
        slow["decision"] == "HALT"
        and slow["fired"] == ["latency_p99_ms"]
        and slow["final_traffic_percent"] == 0
    )


def test_post_deploy_check_reads_a_reference_rate(tmp_path: Path) -> None:
    log = tmp_path / "log.csv"
    pl.DataFrame(
        {"latency_ms": [10.0, 12.0, 11.0, 13.0], "status": ["ok"] * 4, "prediction": [1, 1, 1, 0]}
    ).write_csv(log)
    out = run_compute("post_deploy_check", {"serving_log_path": str(log), "reference_positive_rate": "0.5"})
    drift = next(c for c in out["checks"] if c["check"] == "prediction_drift")
    assert drift["observed"] == pytest.approx(0.25) and not drift["passed"] and out["status"] == "ROLLBACK"
    assert out["failed"] == ["prediction_drift"] and out["accuracy"] is None


# --- pipeline reports -------------------------------------------------------------------------------


def test_phase_report_reads_checklist_words_and_file_lines() -> None:
    out = run_compute(
        "phase_report",
        {
            "phase": "2",
            "name": " Data ",
            "checklist": {"loaded": "done", "cleaned": "y", "split": "no", "typed": True},
            "files": "data.py | loader\nclean.py: cleaning\n\nsplit.py",
        },
    )
    assert out["done"] == ["Loaded", "Cleaned", "Typed"] and out["open"] == ["Split"]
    assert out["files"] == [["data.py", "loader"], ["clean.py", "cleaning"], ["split.py", ""]]
    assert out["markdown"].startswith("## Phase 2 Complete: Data")
    assert "- No numbers computed in this phase" in out["markdown"]
    with pytest.raises(InputError, match="phase must be a number"):
        run_compute("phase_report", {"phase": "two", "name": "x"})


def test_pipeline_summary_counts_across_phases() -> None:
    phases = [{"name": "A", "done": ["x", "y"], "open": []}, {"name": "B", "done": [], "open": ["z"]}]
    out = run_compute("pipeline_summary", {"phases": phases, "train_command": "make train"})
    assert (out["done"], out["total"], out["open"], out["complete"]) == (2, 3, ["B: z"], False)
    assert (
        "make train" in out["markdown"] and "Checklist: 2 of 3 items done across 2 phases." in out["markdown"]
    )


# --- robustness through the catalogue -----------------------------------------------------------------


def test_robustness_compute_reads_comma_lists(tmp_path: Path) -> None:
    frame = pl.DataFrame({"y": [1, 0, 1, 0] * 10, "p": [1, 0, 0, 0] * 10, "s": ["a", "b"] * 20})
    path = tmp_path / "pred.csv"
    frame.write_csv(path)
    out = run_compute(
        "robustness",
        {
            "predictions_path": str(path),
            "y_true": "y",
            "y_pred": "p",
            "slice_cols": "s",
            "min_slice_rows": "5",
        },
    )
    assert out["overall"] == pytest.approx(0.75)
    assert {row["value"] for row in out["slices"]["s"]} == {"a", "b"}
    with pytest.raises(InputError, match="compute robustness needs 'y_true'"):
        run_compute("robustness", {"predictions_path": str(path)})


def test_workflows_validate_checks_compute_arguments_against_the_signature(tmp_path: Path) -> None:
    from axtui.core.workflow import validate_file

    path = tmp_path / "bad.yaml"
    path.write_text(
        "workflowId: bad\nname: Bad\nsteps:\n  - stepId: size\n    type: compute\n    config:\n"
        "      fn: ab_size\n      args:\n        baseline: 0.1\n        mdee: 0.02\n",
        encoding="utf-8",
    )
    _wf, problems = validate_file(path)
    found = {(p.line, p.field, p.message) for p in problems if p.severity == "error"}
    assert (
        10,
        "step size.config.args.mdee",
        "compute ab_size takes no argument 'mdee' (valid: baseline, mde, relative, alpha, power, ratio, std)",
    ) in found
    assert any(
        field == "step size.config.args.mde" and msg == "compute ab_size needs 'mde'"
        for _l, field, msg in found
    )
