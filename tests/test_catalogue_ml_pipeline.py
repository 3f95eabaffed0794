"""ml-pipeline headless: eight phases, their personas, a "Phase X Complete" report each, and the summary."""

from __future__ import annotations

from functools import partial

import pytest

from axtui.core.store import Store
from axtui.core.workflow import load_workflow
from axtui.core.workflow.computes import run_compute
from axtui.errors import InputError
from tests.catalogue_support import REPO, example_answers, example_inputs, run_headless, step_statuses

WF = "ml-pipeline"
PERSONAS = {
    1: ["architect-review", "mlops-engineer"],
    2: ["data-engineer", "data-scientist", "python-pro"],
    3: ["data-scientist", "ml-engineer"],
    4: ["ml-engineer", "data-scientist", "mlops-engineer"],
    5: ["data-scientist", "ml-engineer"],
    6: ["ml-engineer", "deployment-engineer", "security-auditor"],
    7: ["mlops-engineer", "performance-engineer"],
    8: ["mlops-engineer"],
}
NAMES = [
    "Pipeline Architecture Design",
    "Data Pipeline",
    "Feature Engineering",
    "Model Training",
    "Model Evaluation and Validation",
    "Model Deployment",
    "Monitoring and Observability",
    "Retraining Pipeline",
]


@pytest.fixture(autouse=True)
def _repo_cwd(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)


def test_each_phase_talks_to_the_seed_personas_in_order() -> None:
    wf = load_workflow(WF)
    for phase, personas in PERSONAS.items():
        agents = [s.agent for s in wf.steps if s.type == "prompt" and s.id.startswith(f"phase-{phase}-")]
        assert agents == personas, phase


def test_runs_headless_with_every_phase_report_and_the_summary(store: Store) -> None:
    session = run_headless(store, WF, example_inputs(WF), example_answers(WF))
    assert session.status == "completed"
    assert set(step_statuses(store, session.id).values()) == {"done"}
    variables = session.variables
    for n, name in enumerate(NAMES, start=1):
        report = variables[f"phase-{n}-complete"]
        assert report["markdown"].startswith(f"## Phase {n} Complete: {name}")
        for heading in (
            "### What Was Built",
            "### Files Created/Modified",
            "### Key Decisions Made",
            "### Metrics/Results",
            "### Next Steps",
        ):
            assert heading in report["markdown"]
    p5 = variables["phase-5-complete"]["markdown"]
    assert "- Test accuracy: 0.71" in p5 and "GO" in p5
    assert "- Rows from the future: 16" in variables["phase-2-complete"]["markdown"]
    assert variables["phase-1-complete"]["open"] == ["Bottlenecks and scalability considered"]
    summary = variables["pipeline-summary"]
    assert summary["markdown"].startswith("# ML Pipeline Summary")
    assert summary["done"] + len(summary["open"]) == summary["total"] == 42
    assert "Model Deployment: Security measures in place" in summary["open"]
    assert session.decisions() == {"validation_gate": "GO", "fairness": "PASS"}
    report = session.report_markdown()
    assert report.count("Complete: ") >= 8 and "# ML Pipeline Summary" in report


phase_report = partial(run_compute, "phase_report")
pipeline_summary = partial(run_compute, "pipeline_summary")


def test_phase_report_and_summary_units() -> None:
    r = phase_report(
        {
            "phase": 3,
            "name": "Feature Engineering",
            "checklist": {"a_b": True, "c": "false"},
            "labels": {"c": "C done"},
            "files": ["x.py - does x", "y.py"],
            "decisions": {"store": "none", "empty": ""},
            "metrics": {"n": 0.123456},
            "next_phase": "Phase 4",
        }
    )
    assert r["done"] == ["A b"] and r["open"] == ["C done"] and not r["complete"]
    md = r["markdown"]
    assert "- `x.py` - does x" in md and "- `y.py`" in md and "- N: 0.1235" in md
    assert "- Store: none" in md and "Empty" not in md and md.endswith("- C done\n- Phase 4")
    s = pipeline_summary({"phases": [r], "overview": {"task": "Classification"}})
    assert s["open"] == ["Feature Engineering: C done"] and s["total"] == 2
    with pytest.raises(InputError):
        phase_report({"name": "x"})
    with pytest.raises(InputError):
        pipeline_summary({"phases": []})
