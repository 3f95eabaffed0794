"""Optional evidence: steps whose evidence is absent are "not measured", run to completion headless.

Each path runs the built-in workflow end to end (offline persona) and asserts the step status where it
is persisted (step_results), the JSON summary, the Markdown report, the JSON export, `sessions`, and the
decision's own wording: what the table decided without the evidence, never silently a pass.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from axtui.cli import main
from axtui.core.store import Store
from axtui.stats import decisions as d
from axtui.tui.session_state import MARKS, StepView
from tests.catalogue_support import REPO, entry, example_inputs, run_headless, step_statuses

EXAMPLES = REPO / "examples"


@pytest.fixture(autouse=True)
def _repo_cwd(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _monitoring_inputs(tmp_path: Path, drop: dict[str, list[str]]) -> Path:
    """The example monitoring inputs with some columns removed from the reference / current files."""
    inputs = json.loads((EXAMPLES / "inputs" / "ml-model-monitoring.json").read_text(encoding="utf-8"))
    for side in ("reference", "current"):
        frame = pl.read_csv(EXAMPLES / "data" / f"monitoring_{side}.csv")
        target = tmp_path / f"{side}.csv"
        frame.drop(drop.get(side, [])).write_csv(target)
        inputs[f"{side}_path"] = str(target)
    path = tmp_path / "inputs.json"
    path.write_text(json.dumps(inputs), encoding="utf-8")
    return path


def _summary_statuses(summary: dict[str, Any]) -> dict[str, str]:
    return {s["id"]: s["status"] for s in summary["steps"]}


def test_monitoring_without_predictions_or_labels_runs_data_drift_only(capsys, tmp_path: Path) -> None:
    inputs = _monitoring_inputs(
        tmp_path,
        {
            "reference": ["predicted", "churned", "churn_score"],
            "current": ["predicted", "churned", "churn_score"],
        },
    )
    db = str(tmp_path / "m.duckdb")
    code, out, err = cli(
        capsys, "--db", db, "--json", "run", "ml-model-monitoring", "--headless", "--input", f"@{inputs}"
    )
    assert code == 0, err
    summary = json.loads(out)
    assert summary["status"] == "completed"
    statuses = _summary_statuses(summary)
    unmeasured = {
        "prediction-drift-stats",
        "prediction-drift",
        "evaluate-reference",
        "store-baseline",
        "evaluate-current",
        "degradation-stats",
        "performance-degradation",
        "affected-metrics",
    }
    assert {k for k, v in statuses.items() if v == "not_measured"} == unmeasured
    assert set(summary["not_measured"]) == unmeasured
    assert statuses["data-drift-stats"] == "done" and statuses["monitoring-decision"] == "done"
    assert statuses["store-monitoring-report"] == "done"
    missing = next(s for s in summary["steps"] if s["id"] == "evaluate-current")["missing"]
    assert missing == ["current.csv has no columns 'churned', 'predicted'"]
    assert "⊘" in err and "evaluate-current" in err and "not measured" in err
    # The decision table says what it decided without the performance drop.
    assert summary["decisions"]["performance_drop"] == "not measured"
    assert summary["decisions"]["prediction_drift"] == "not measured"
    assert summary["decisions"]["action"] in ("MONITOR", "INVESTIGATE")
    assert summary["decisions"]["action"] != "NO_ACTION"

    with Store(db) as store:
        persisted = step_statuses(store, summary["session_id"])
        assert persisted["evaluate-current"] == "not_measured"
        decision = store.query(
            "SELECT outputs FROM step_results WHERE session_id = ? AND step_id = 'monitoring-decision'",
            [summary["session_id"]],
        )[0][0]
        reason = json.loads(decision)["result"]["reason"]
        assert "performance drop not measured" in reason and "never NO_ACTION" in reason
        report = entry(
            store,
            "ml-monitoring-reports",
            next(
                k
                for (k,) in store.query(
                    "SELECT key FROM memory_entries WHERE namespace = 'ml-monitoring-reports'"
                )
            ),
        ).value
        assert report["performance_report"]["performance_drop"]["not_measured"] is True

    report_md = Path(summary["report_path"]).read_text(encoding="utf-8")
    assert "## Not measured" in report_md
    assert "Evaluate the model on the current data (compute) — not measured" in report_md
    assert "| performance_drop | not measured |" in report_md

    code, out, _ = cli(capsys, "--db", db, "--json", "sessions", "--all")
    row = json.loads(out)["sessions"][0]
    assert row["not_measured"] == len(unmeasured)
    code, out, _ = cli(capsys, "--db", db, "sessions", "--all")
    assert "⊘ not measured" in out
    assert re.search(rf"│ +{len(unmeasured)} │", out), out  # a count: right-aligned in its column

    code, out, _ = cli(capsys, "--db", db, "export", summary["session_id"], "--format", "json")
    record = json.loads(out)
    exported = {s["step_id"]: s["status"] for s in record["steps"]}
    assert exported["degradation-stats"] == "not_measured"


def test_monitoring_with_labels_still_to_come_keeps_the_baseline(capsys, tmp_path: Path) -> None:
    """Labels missing only in the current window: the baseline is evaluated and stored, the current
    performance is not measured."""
    inputs = _monitoring_inputs(tmp_path, {"current": ["churned"]})
    db = str(tmp_path / "m.duckdb")
    code, out, err = cli(
        capsys, "--db", db, "--json", "run", "ml-model-monitoring", "--headless", "--input", f"@{inputs}"
    )
    assert code == 0, err
    statuses = _summary_statuses(json.loads(out))
    assert statuses["evaluate-reference"] == "done" and statuses["store-baseline"] == "done"
    assert statuses["prediction-drift-stats"] == "done"
    assert statuses["evaluate-current"] == "not_measured"
    assert statuses["performance-degradation"] == "not_measured"


def test_monitoring_with_every_column_is_unchanged(capsys, tmp_path: Path) -> None:
    db = str(tmp_path / "m.duckdb")
    code, out, err = cli(
        capsys,
        "--db",
        db,
        "--json",
        "run",
        "ml-model-monitoring",
        "--headless",
        "--input",
        "@examples/inputs/ml-model-monitoring.json",
    )
    assert code == 0, err
    summary = json.loads(out)
    assert summary["not_measured"] == []
    assert summary["decisions"]["action"] == "RETRAIN_URGENT"


def test_evaluation_without_a_latency_log_reports_latency_not_measured(store: Store) -> None:
    inputs = example_inputs("ml-model-evaluation")
    inputs.pop("latency_log_path")
    answers = json.loads((REPO / "examples/catalogue/ml-model-evaluation.answers.json").read_text())
    session = run_headless(store, "ml-model-evaluation", inputs, answers)
    assert session.status == "completed"
    statuses = step_statuses(store, session.id)
    assert statuses["compute-latency"] == "not_measured" and statuses["latency-profiling"] == "not_measured"
    go = session.step_state("go-no-go").result
    assert go["decision"] == "GO" and go["confidence"] == "MEDIUM"  # never HIGH without the latency check
    assert "latency not checked against an SLA: not measured (no latency log)" in go["reason"]
    assert "latency" in go["not_measured"]
    report = session.report_markdown()
    assert "| Latency p50 / p95 / p99 | not measured / not measured / not measured ms" in report
    assert "Latency profile from the latency log: latency_log_path not supplied" in report
    stored = entry(store, "ml-evaluations", "churn-classifier/2.0.0/evaluation").value
    assert stored["latency_profile"]["not_measured"] is True


def _registry_inputs(version_inputs: dict[str, Any]) -> dict[str, Any]:
    out = dict(version_inputs)
    for key in ("schema_path", "framework_version", "predictions_path", "paired_predictions_path"):
        out.pop(key, None)
    return out


def test_registry_registers_without_schema_framework_version_or_predictions(store: Store) -> None:
    session = run_headless(store, "ml-model-registry", _registry_inputs(example_inputs("ml-model-registry")))
    assert session.status == "completed"
    assert session.decisions() == {"version": "HOLD", "validation": "INCOMPLETE"}
    statuses = step_statuses(store, session.id)
    assert statuses["compute-metrics"] == "not_measured"
    assert statuses["register-model"] == "done" and statuses["record-hold"] == "done"
    assert statuses["promote-to-production"] == "skipped"
    checks = {c["name"]: c["status"] for c in session.step_state("check-artifact").result["checks"]}
    assert checks["input_schema"] == checks["output_schema"] == "NOT SUPPLIED"
    assert checks["dependencies"] == "NOT SUPPLIED" and checks["metadata"] == "NOT SUPPLIED"
    assert checks["checksum"] == "PASS" and checks["exists"] == "PASS"
    decision = session.step_state("version-decision").result
    assert decision["reason"].startswith("no production version yet, but not promoted on missing evidence")
    for item in ("schema file", "framework_version", "test-set predictions (metrics)"):
        assert item in decision["not_supplied"] and item in decision["reason"]
    record = entry(store, "ml-model-registry", "churn-classifier/versions/2.0.0").value
    assert record["status"] == "staged" and record["decision"] == "hold"
    assert record["metrics"]["not_measured"] is True and record["input_schema"] is None
    index = entry(store, "ml-model-registry", "churn-classifier/index").value
    assert index["production_version"] is None and index["all_versions"] == ["2.0.0"]


def test_registry_never_promotes_a_new_version_on_missing_evidence(store: Store, clock) -> None:
    first = run_headless(
        store, "ml-model-registry", example_inputs("ml-model-registry", "ml-model-registry.v1")
    )
    assert first.decisions()["version"] == "PROMOTE"
    clock.advance(60)
    second = run_headless(store, "ml-model-registry", _registry_inputs(example_inputs("ml-model-registry")))
    assert second.decisions() == {"version": "HOLD", "validation": "INCOMPLETE"}
    reason = second.step_state("version-decision").result["reason"]
    assert reason.startswith("not promoted on missing evidence:")
    index = entry(store, "ml-model-registry", "churn-classifier/index").value
    assert index["production_version"] == "1.0.0"


def test_registry_with_a_failed_check_is_still_refused(store: Store, tmp_path: Path) -> None:
    from axtui.errors import InputError

    inputs = _registry_inputs(example_inputs("ml-model-registry"))
    inputs["expected_checksum"] = "0" * 64
    with pytest.raises(InputError, match="artifact validation failed"):
        run_headless(store, "ml-model-registry", inputs)
    assert store.query("SELECT count(*) FROM memory_entries WHERE namespace = 'ml-model-registry'")[0][0] == 0


# --- the decision tables without the evidence ------------------------------------------------------

_SEVERITY = ["NO_ACTION", "MONITOR", "INVESTIGATE", "RETRAIN", "RETRAIN_URGENT"]


@pytest.mark.parametrize("drift", ["none", "moderate", "significant"])
def test_monitoring_table_without_performance_is_never_a_pass(drift: str) -> None:
    out = d.monitoring_decision(data_drift=drift, performance_drop=None)
    assert out["decision"] != "NO_ACTION"
    assert out["not_measured"] == ["performance_drop"]
    assert "performance drop not measured" in out["reason"] and "data drift alone" in out["reason"]
    # at least as cautious as the row where the drop was measured as none
    measured = d.monitoring_decision(data_drift=drift, performance_drop="none")
    assert _SEVERITY.index(out["decision"]) >= _SEVERITY.index(measured["decision"])


def test_version_table_holds_on_missing_evidence_even_when_significant() -> None:
    out = d.version_decision(improvement=0.05, significant=True, not_supplied=["schema file"])
    assert out["decision"] == "HOLD"
    assert out["reason"] == "not promoted on missing evidence: schema file not supplied"
    failed = d.version_decision(
        improvement=0.05, significant=True, meets_requirements=False, not_supplied=["schema file"]
    )
    assert failed["decision"] == "REJECT"


def test_evaluation_table_without_latency_is_go_with_medium_confidence_only() -> None:
    out = d.evaluation_decision(
        metric_value=0.95, threshold=0.8, ci_low=0.9, fairness="PASS", latency_p99=None, latency_sla=100
    )
    assert (out["decision"], out["confidence"]) == ("GO", "MEDIUM")
    assert "not measured (no latency log)" in out["reason"] and out["not_measured"] == ["latency"]
    slow = d.evaluation_decision(metric_value=0.95, threshold=0.8, latency_p99=150, latency_sla=100)
    assert slow["decision"] == "NO_GO"


def test_the_tui_checklist_has_its_own_mark() -> None:
    view = StepView(id="s", name="S", type="compute", status="not_measured")
    assert view.mark == MARKS["not_measured"] == "⊘"
    assert len(set(MARKS.values())) == len(MARKS)


def test_version_compare_with_metrics_not_measured_holds() -> None:
    from axtui.core.workflow.computes import run_compute

    def version_compare(args):
        return run_compute("version_compare", args)

    first = version_compare({"record": {"version": "1.0.0", "metrics": None}})
    assert first["decision"] == "HOLD"
    assert "test-set predictions (metrics) not supplied" in first["reason"]
    prod = {"version": "1.0.0", "metrics": {"accuracy": 0.6}, "input_schema": ["a"], "output_schema": ["p"]}
    new = {"version": "2.0.0", "metrics": None, "input_schema": ["a"], "output_schema": ["p"]}
    second = version_compare({"record": new, "production_record": prod, "not_supplied": ["schema file"]})
    assert second["decision"] == "HOLD"
    assert second["reason"] == (
        "not promoted on missing evidence: schema file, test-set predictions (metrics) not supplied"
    )
