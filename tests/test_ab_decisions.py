"""A/B decision integrity (docs/statistics.md): SRM -> INVALID, underpowered -> EXTEND, guardrails with a
direction and a threshold relative to |control mean|, multiple-testing correction, early stopping, the
§8.2 JSON shape and every bad input of the analysis."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from axtui.cli import main
from axtui.errors import InputError
from axtui.stats import ab, ab_effects

REFERENCE = json.loads((Path(__file__).parent / "data" / "ab" / "reference.json").read_text())
ROW_KEYS = [
    "metric",
    "arm",
    "control_mean",
    "treatment_mean",
    "abs_diff",
    "relative_lift",
    "ci95",
    "ci95_relative",
    "test",
    "statistic",
    "p_value",
    "p_value_adjusted",
    "significant",
    "cuped",
    "sequential",
]
TOP_KEYS = ["srm", "metrics", "correction", "decision", "decision_reason", "decision_rule", "confidence"]


def _frame(
    n_c: int, n_t: int, *, seed: int = 0, conv_c: float = 0.10, conv_t: float = 0.14, **cols
) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    data = {
        "variant": ["control"] * n_c + ["treatment"] * n_t,
        "converted": np.r_[rng.random(n_c) < conv_c, rng.random(n_t) < conv_t].astype(np.int64),
    }
    for name, (mc, mt, sd) in cols.items():
        data[name] = np.r_[rng.normal(mc, sd, n_c), rng.normal(mt, sd, n_t)]
    return pl.DataFrame(data)


# --- the §8.2 shape ------------------------------------------------------------------------------


def test_json_shape_lists_the_contract_keys_first_in_order() -> None:
    out = ab.analyze(_frame(3000, 3000), variant_col="variant", metrics=["converted"])
    assert list(out)[: len(TOP_KEYS)] == TOP_KEYS
    for row in out["metrics"]:
        assert list(row)[: len(ROW_KEYS)] == ROW_KEYS
        assert row["cuped"] is None and row["sequential"] is None
    assert out["correction"] == "none"
    assert out["confidence"] in ("HIGH", "MEDIUM", "LOW")
    assert out["decision_rule"]["row"] == "ship" and out["decision_rule"]["inputs"]["significant"] is True
    json.dumps(out, allow_nan=False)


# --- SRM -> INVALID ------------------------------------------------------------------------------


def test_srm_alert_makes_the_experiment_invalid_even_with_a_winner() -> None:
    frame = _frame(5000, 5600, conv_c=0.10, conv_t=0.16)
    out = ab.analyze(frame, variant_col="variant", metrics=["converted"])
    assert out["srm"]["alert"] is True and out["metrics"][0]["significant"] is True
    assert out["decision"] == "INVALID"
    assert out["decision_rule"]["row"] == "srm" and out["confidence"] == "LOW"
    # the planned split explains the counts: no SRM, the winner ships
    planned = ab.analyze(frame, variant_col="variant", metrics=["converted"], weights=[50, 56])
    assert planned["srm"]["alert"] is False and planned["decision"] == "SHIP"
    named = ab.analyze(
        frame, variant_col="variant", metrics=["converted"], weights={"treatment": 56, "control": 50}
    )
    assert named["srm"]["p_value"] == planned["srm"]["p_value"]


# --- sample adequacy -----------------------------------------------------------------------------


def test_underpowered_fixed_horizon_test_is_extended_never_shipped() -> None:
    frame = _frame(2000, 2000, seed=7, conv_c=0.10, conv_t=0.13)
    kwargs = {"variant_col": "variant", "metrics": ["converted"]}
    small = ab.analyze(frame, mde=0.02, **kwargs)
    assert small["metrics"][0]["significant"] is True
    assert small["decision"] == "EXTEND" and small["decision_rule"]["row"] == "underpowered"
    assert small["confidence"] == "LOW"
    # the planned number wins over one computed from the data (one required size per session)
    planned = ab.analyze(frame, mde=0.02, required_n=3841, **kwargs)
    inputs = planned["arm_decisions"]["treatment"]["inputs"]
    assert (inputs["required_per_variant"], inputs["required_source"]) == (3841, "planned")
    # sequential intervals are valid at every peek: no adequacy needed to ship
    seq = ab.analyze(frame, mde=0.02, required_n=3841, sequential=True, **kwargs)
    assert seq["metrics"][0]["decision_basis"] == "sequential"
    assert seq["decision"] in ("SHIP", "EXTEND")
    if seq["metrics"][0]["significant"]:
        assert seq["decision"] == "SHIP" and seq["confidence"] == "HIGH"
    else:
        assert seq["decision_rule"]["row"] == "not_significant_underpowered"
    enough = ab.analyze(frame, mde=0.02, required_n=1500, **kwargs)
    assert enough["decision"] == "SHIP" and enough["confidence"] == "HIGH"


# --- guardrails ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("control_mean", "treatment_mean", "higher_is_better", "threshold", "status"),
    [
        (-5.0, -8.0, True, None, "FAIL"),  # profit got worse below zero: the sign must not flip
        (-5.0, -2.0, True, None, "PASS"),
        (-5.0, -5.1, True, 0.05, "PASS"),  # 2% of |control mean|: tolerated
        (-5.0, -6.0, True, 0.05, "FAIL"),  # 20% of |control mean|
        (0.0, -3.0, True, None, "FAIL"),  # zero control mean: the interval of the difference decides
        (0.0, -3.0, True, 0.5, "FAIL"),
        (0.0, 3.0, True, None, "PASS"),
        (0.0, 0.0, False, None, "PASS"),
        (100.0, 103.0, False, None, "FAIL"),  # latency up
        (100.0, 103.0, False, 0.05, "PASS"),  # 3% tolerated
        (100.0, 97.0, False, None, "PASS"),  # latency down is good
        (100.0, 97.0, True, None, "FAIL"),  # the same change is harmful when higher is better
    ],
)
def test_guardrail_direction_and_threshold_for_negative_zero_and_positive_means(
    control_mean: float, treatment_mean: float, higher_is_better: bool, threshold: float | None, status: str
) -> None:
    frame = _frame(4000, 4000, seed=11, guard=(control_mean, treatment_mean, 1.0))
    # make the control mean exactly control_mean: whole numbers summing to 0, plus the mean (a zero mean
    # must be exactly 0, not 1e-17)
    rng = np.random.default_rng(12)
    ints = rng.integers(-2, 3, 4000).astype(float)
    ints[-1] -= ints.sum()
    control = ints + control_mean
    frame = frame.with_columns(pl.Series("guard", np.r_[control, frame["guard"].to_numpy()[4000:]]))
    out = ab.analyze(
        frame,
        variant_col="variant",
        metrics=["converted"],
        guardrails=["guard"],
        lower_is_better=[] if higher_is_better else ["guard"],
        guardrail_threshold=threshold,
    )
    row = out["metrics"][1]
    assert row["control_mean"] == pytest.approx(control_mean, abs=1e-9)
    assert row["guardrail_status"] == status
    if status == "FAIL":
        assert out["decision"] == "ROLLBACK" and out["decision_rule"]["row"] == "guardrail"
    if control_mean == 0:
        assert row["relative_lift"] is None and row["guardrail_harm_relative"] is None
        assert "control mean is 0" in row["guardrail_rule"]
    json.dumps(out, allow_nan=False)


# --- relative intervals and multiple testing -----------------------------------------------------


def test_relative_interval_by_hand_for_a_mean_metric() -> None:
    frame = _frame(3000, 3000, seed=5, rev=(10.0, 10.4, 3.0))
    row = ab.analyze(frame, variant_col="variant", metrics=["rev"])["metrics"][0]
    c = frame.filter(pl.col("variant") == "control")["rev"].to_numpy()
    t = frame.filter(pl.col("variant") == "treatment")["rev"].to_numpy()
    cm, tm, vc, vt = c.mean(), t.mean(), c.var(ddof=1), t.var(ddof=1)
    var = vt / (cm**2 * t.size) + vc * tm**2 / (cm**4 * c.size)
    from scipy import stats

    dof = (vt / t.size + vc / c.size) ** 2 / (
        (vt / t.size) ** 2 / (t.size - 1) + (vc / c.size) ** 2 / (c.size - 1)
    )
    half = stats.t.ppf(0.975, dof) * var**0.5
    rel = (tm - cm) / cm
    assert row["ci95_relative"] == pytest.approx([rel - half, rel + half], rel=1e-12)


@pytest.mark.parametrize("case", REFERENCE["corrections"], ids=lambda c: str(len(c["p"])))
def test_holm_and_bh_match_statsmodels_multipletests(case: dict) -> None:
    assert ab_effects.adjust(case["p"], "holm") == pytest.approx(case["holm"], rel=1e-12)
    assert ab_effects.adjust(case["p"], "bh") == pytest.approx(case["bh"], rel=1e-12)
    assert ab_effects.adjust(case["p"], "none") == case["p"]
    assert ab_effects.adjust([None, *case["p"]], "holm")[0] is None


def test_correction_runs_over_goal_metrics_and_arms_not_guardrails() -> None:
    frame = _frame(3000, 3000, seed=9, conv_t=0.115, rev=(10.0, 10.15, 3.0), lat=(100, 100, 10))
    kwargs = {"variant_col": "variant", "metrics": ["converted", "rev"], "guardrails": ["lat"]}
    plain = ab.analyze(frame, **kwargs)
    holm = ab.analyze(frame, correction="holm", **kwargs)
    p = [r["p_value"] for r in plain["metrics"][:2]]
    assert [r["p_value_adjusted"] for r in holm["metrics"][:2]] == pytest.approx(ab_effects.adjust(p, "holm"))
    assert holm["metrics"][2]["p_value_adjusted"] == holm["metrics"][2]["p_value"]  # guardrail: unadjusted
    for row in holm["metrics"]:
        assert row["significant"] is (row["p_value_adjusted"] < 0.05)
    assert holm["correction"] == "holm" and holm["notes"] == []
    single = ab.analyze(frame, variant_col="variant", metrics=["converted"], correction="bh")
    assert "has no effect" in single["notes"][0]


def test_cli_correction_note_on_stderr_and_percent_output(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "e.csv"
    _frame(3000, 3000, seed=2).write_csv(path)
    argv = ["ab", "analyze", str(path), "--variant-col", "variant", "--metric", "converted"]
    code = main([*argv, "--correction", "holm"])
    out, err = capsys.readouterr()
    assert code == 0 and "--correction holm has no effect" in err
    assert "%" in out and "decision: SHIP" in out


# --- early stopping ------------------------------------------------------------------------------

# converted is the primary, lat a lower-is-better guardrail
EARLY = dict(variant_col="variant", metric="converted", guardrails=["lat"], lower_is_better=["lat"])


def test_early_stopping_reports_the_sequential_facts() -> None:
    frame = _frame(3000, 3000, seed=1, conv_t=0.15, lat=(100, 100, 10))
    out = ab.early_stopping(frame, **EARLY, mde=0.02)
    full = ab.analyze(frame, variant_col="variant", metrics=["converted"], sequential=True)
    assert out["primary"]["sequential_p_value"] == full["metrics"][0]["sequential"]["p_value"]
    assert out["can_stop_early"] is True and out["verdict"] == "STOP"
    assert out["current_total"] == 6000 and out["guardrails"][0]["metric"] == "lat"
    # at the projected total the 95% sequence is just narrower than the MDE
    row = full["metrics"][0]
    var_c, var_t = row["unit_variance"]["control"], row["unit_variance"]["treatment"]
    n = out["projected_total"]

    def half(total: int) -> float:
        return ab_effects.cs_half_width(var_c / (total / 2) + var_t / (total / 2), total, 0.05, 5000.0)

    assert half(n) <= 0.02 < half(n - 1)
    weak = ab.early_stopping(_frame(300, 300, seed=3, conv_t=0.11), variant_col="variant", metric="converted")
    assert weak["can_stop_early"] is False and weak["verdict"] == "CONTINUE"


def test_a_fixed_horizon_plan_never_stops_early_for_a_winner() -> None:
    """The verdict follows the plan: a conclusive sequence calls a winner only in a sequential plan, so
    it never says STOP beside the decision table's EXTEND for the same underpowered fixed-horizon test."""
    frame = _frame(3000, 3000, seed=1, conv_t=0.15, lat=(100, 100, 10))
    planned = ab.early_stopping(frame, **EARLY, mde=0.02)
    fixed = ab.early_stopping(frame, **EARLY, mde=0.02, planned_sequential=False)
    assert planned["sequence_conclusive"] is fixed["sequence_conclusive"] is True
    assert (planned["verdict"], planned["plan"]) == ("STOP", "sequential")
    assert (fixed["verdict"], fixed["plan"], fixed["can_stop_early"]) == ("CONTINUE", "fixed_horizon", False)
    assert "fixed-horizon" in fixed["reason"]
    assert fixed["primary"] == planned["primary"]  # the same numbers, only the verdict follows the plan


def test_a_fixed_horizon_plan_still_stops_for_harm() -> None:
    frame = _frame(3000, 3000, seed=1, conv_t=0.10, lat=(100, 130, 10))
    out = ab.early_stopping(frame, **EARLY, guardrail_threshold=0.05, planned_sequential=False)
    assert out["verdict"] == "STOP_FOR_HARM" and out["can_stop_early"] is True


# --- bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("column", "values", "fragment"),
    [
        ("y", [3.0] * 40, "column 'y' is constant"),
        ("y", [None] * 40, "column 'y' has no values"),
        ("y", ["a", "b"] * 20, "not numeric"),
    ],
)
def test_bad_metric_columns_name_the_column(column: str, values: list, fragment: str) -> None:
    frame = pl.DataFrame({"v": ["control", "t"] * 20, column: values}, strict=False)
    with pytest.raises(InputError, match=fragment) as err:
        ab.analyze(frame, variant_col="v", metrics=[column])
    assert err.value.where == f"<data>: column {column}"


def test_bad_covariates_name_the_option_and_column(tmp_path: Path) -> None:
    frame = _frame(50, 50, rev=(1, 1, 1)).with_columns(pl.lit("x").alias("txt"), pl.lit(None).alias("gap"))
    path = tmp_path / "e.parquet"
    frame.write_parquet(path)
    kwargs = {"variant_col": "variant", "metrics": ["rev"]}
    with pytest.raises(InputError, match="covariate column 'pre' does not exist") as err:
        ab.analyze(path, covariates={"rev": "pre"}, **kwargs)
    assert err.value.where == f"{path}: --covariate"
    with pytest.raises(InputError, match="covariate column 'txt' is String, not numeric") as err:
        ab.analyze(path, covariates={"rev": "txt"}, **kwargs)
    assert "--covariate rev=txt" in err.value.where
    with pytest.raises(InputError, match="null value"):
        ab.analyze(
            frame.with_columns(pl.lit(None, pl.Float64).alias("gap")), covariates={"rev": "gap"}, **kwargs
        )
    with pytest.raises(InputError, match="not a --metric or --guardrail") as err:
        ab.analyze(path, covariates={"converted": "rev"}, **kwargs)
    assert err.value.where == "--covariate"


def test_other_bad_options() -> None:
    frame = pl.DataFrame({"v": ["control", "t", "t"], "y": [1.0, 2.0, 3.0]})
    with pytest.raises(InputError, match="at least 2 units per arm") as err:
        ab.analyze(frame, variant_col="v", metrics=["y"], sequential=True)
    assert err.value.where == "--sequential"
    big = _frame(100, 100)
    with pytest.raises(InputError, match="--weights has 3 value") as err:
        ab.analyze(big, variant_col="variant", metrics=["converted"], weights=[1, 1, 1])
    assert err.value.where == "--weights" and "control, treatment" in err.value.hint
    with pytest.raises(InputError, match="--weights names nope"):
        ab.analyze(big, variant_col="variant", metrics=["converted"], weights={"nope": 1, "control": 1})
    with pytest.raises(InputError, match="unknown correction 'bonferroni'") as err:
        ab.analyze(big, variant_col="variant", metrics=["converted"], correction="bonferroni")
    assert err.value.where == "--correction" and "holm" in err.value.hint
    with pytest.raises(InputError, match="--tuning must be a positive"):
        ab.analyze(big, variant_col="variant", metrics=["converted"], sequential=True, tuning=0)
    with pytest.raises(InputError, match="--guardrail-threshold"):
        ab.analyze(big, variant_col="variant", metrics=["converted"], guardrail_threshold=-1)


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        (["--covariate", "converted"], "--covariate must be METRIC=COLUMN"),
        (["--weights", "1,2,3"], "--weights has 3 value"),
        (["--weights", "control=a"], "is not NAME=NUMBER"),
        (["--correction", "sidak"], "unknown correction"),
        (["--fail-on", "GO"], "unknown verdict"),
    ],
)
def test_cli_bad_options_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, extra: list, fragment: str
) -> None:
    path = tmp_path / "e.csv"
    _frame(100, 100).write_csv(path)
    code = main(["ab", "analyze", str(path), "--variant-col", "variant", "--metric", "converted", *extra])
    _, err = capsys.readouterr()
    assert code == 2 and fragment in err and "Traceback" not in err


# --- the ml-ab-testing workflow ------------------------------------------------------------------


def _run_workflow(capsys: pytest.CaptureFixture[str], tmp_path: Path, inputs: dict) -> tuple[dict, str]:
    db = str(tmp_path / "w.duckdb")
    code = main(["--db", db, "--json", "run", "ml-ab-testing", "--headless", "--input", json.dumps(inputs)])
    out, err = capsys.readouterr()
    assert code == 0, err
    summary = json.loads(out)
    code = main(["--db", db, "export", summary["session_id"], "--format", "md"])
    report, _ = capsys.readouterr()
    return summary, report


def test_workflow_uses_one_required_size_and_extends_an_underpowered_test(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    events = Path(__file__).resolve().parents[1] / "examples" / "data" / "ab_events.csv"
    inputs = {"experiment_id": "one-size", "events_path": str(events), "primary_metric": "converted"}
    summary, report = _run_workflow(capsys, tmp_path, inputs)
    assert summary["decisions"]["ab_decision"] == "EXTEND"  # 2,000 per arm < 3,841 required
    assert summary["decisions"]["confidence"] == "LOW"
    assert "3841" in report and "3749" not in report
    assert '"required_source": "planned"' in report
    assert "Can we stop early?" in report and "projected_total" in report


def test_workflow_srm_branch_explains_what_to_check(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "srm.csv"
    _frame(2000, 2500, seed=4, conv_t=0.16).write_csv(path)
    inputs = {"experiment_id": "srm", "events_path": str(path), "primary_metric": "converted"}
    summary, report = _run_workflow(capsys, tmp_path, inputs)
    assert summary["decisions"]["ab_decision"] == "INVALID" and summary["decisions"]["srm_alert"] is True
    steps = {s["id"]: s["status"] for s in summary["steps"]}
    assert steps.get("srm-investigation") == "done"
    assert "Assignment" in report and "do not re-weight" in report


@pytest.fixture
def messy(tmp_path: Path) -> Path:
    n = 60
    path = tmp_path / "messy.csv"
    pl.DataFrame(
        {
            "variant": ["control", "treatment"] * (n // 2),
            "y": np.arange(n, dtype=float) % 7,
            "flat": [1.0] * n,
            "empty": [None] * n,
            "word": ["a", "b", "c"] * (n // 3),
        },
        schema_overrides={"empty": pl.Float64},
    ).write_csv(path)
    return path


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        (["--metric", "flat"], "column 'flat' is constant"),
        (["--metric", "empty"], "column 'empty' has no values"),
        (["--metric", "word"], "column 'word' is String, not numeric"),
        (["--metric", "y", "--covariate", "y=pre"], "covariate column 'pre' does not exist"),
        (["--metric", "y", "--covariate", "y=word"], "covariate column 'word' is String"),
        (["--metric", "y", "--guardrail", "flat"], "column 'flat' is constant"),
    ],
)
def test_cli_bad_columns_exit_2_naming_the_column(
    capsys: pytest.CaptureFixture[str], messy: Path, extra: list, fragment: str
) -> None:
    code = main(["ab", "analyze", str(messy), "--variant-col", "variant", *extra])
    _, err = capsys.readouterr()
    assert code == 2 and fragment in err and "Traceback" not in err


def test_cli_sequential_needs_two_units_per_arm(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "tiny.csv"
    pl.DataFrame({"variant": ["control", "treatment", "treatment"], "y": [1.0, 2.0, 4.0]}).write_csv(path)
    code = main(["ab", "analyze", str(path), "--variant-col", "variant", "--metric", "y", "--sequential"])
    _, err = capsys.readouterr()
    assert code == 2 and "--sequential" in err and "at least 2 units per arm" in err


def test_cli_size_ratio_and_sequential_cuped_output(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--json", "ab", "size", "--baseline", "0.1", "--mde", "0.02", "--ratio", "2"])
    data = json.loads(capsys.readouterr()[0])
    assert code == 0 and data["ratio"] == 2.0 and data["per_arm"] == {"control": 2911, "treatment": 5822}
    assert data["total"] == 2911 + 5822
    code = main(["ab", "size", "--baseline", "0.1", "--mde", "0.02", "--ratio", "0"])
    assert code == 2 and "allocation ratio" in capsys.readouterr()[1]
    events = Path(__file__).parent / "data" / "ab" / "events.csv"
    argv = ["ab", "analyze", str(events), "--variant-col", "variant", "--metric", "revenue"]
    code = main([*argv, "--covariate", "revenue=pre_revenue", "--sequential", "--tuning", "1000"])
    out = capsys.readouterr()[0]
    assert code == 0 and "CUPED revenue (pre_revenue)" in out and "sequential revenue" in out


def test_workflow_sample_size_for_a_mean_metric(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    events = Path(__file__).resolve().parents[1] / "examples" / "data" / "ab_events.csv"
    inputs = {
        "experiment_id": "means",
        "events_path": str(events),
        "primary_metric": "revenue",
        "metric_std": 10,
        "mde": 1,
    }
    summary, report = _run_workflow(capsys, tmp_path, inputs)
    assert '"required_per_variant": 1570' in report  # the two-sided means size, not the proportions one
    assert summary["decisions"]["ab_decision"] in ("SHIP", "NO_SHIP", "ROLLBACK")  # 2,000 per arm is enough


def test_workflow_sequential_decision_agrees_with_the_early_stop(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    events = Path(__file__).resolve().parents[1] / "examples" / "data" / "ab_events.csv"
    inputs = {
        "experiment_id": "seq",
        "events_path": str(events),
        "primary_metric": "converted",
        "sequential": True,
    }
    summary, report = _run_workflow(capsys, tmp_path, inputs)
    decisions = summary["decisions"]
    # below the planned 3,841 per arm, but confidence sequences are valid at every peek
    assert '"decision_basis": "sequential"' in report
    assert decisions["can_stop_early"] is (decisions["ab_decision"] == "SHIP")
