"""Cross-field rules (threshold order) are the engine's: ``validate_form`` refuses an inverted pair,
so ``run --input``, ``--answers``, ``--batch`` and the TUI form all say the same thing (exit 2).

The TUI side (the message next to the field as the user types) is in tests/tui/test_forms.py.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from axtui.cli import main
from axtui.core.workflow import load_workflow
from axtui.core.workflow.fields import FormError, validate_form
from axtui.core.workflow.form_rules import order_errors, ordered_pairs

REPO = Path(__file__).resolve().parent.parent
THRESHOLDS = """workflowId: thresholds
name: Thresholds
description: Two ordered inputs and an input step with two more.
version: "1.0"
inputs:
  psi_moderate: {type: number, default: 0.1}
  psi_significant: {type: number, default: 0.25}
steps:
  - stepId: limits
    name: Limits
    type: input
    fields:
      degradation_warn_pct: {type: number, default: 5}
      degradation_alert_pct: {type: number, default: 10, label: Alert drop}
  - stepId: note
    name: Note
    type: compute
    config:
      fn: values
      args:
        values: {ok: true}
"""


@pytest.fixture
def flow(isolated_home: Path) -> str:
    """The thresholds workflow, installed as a user workflow (``--batch`` finds it by its id)."""
    folder = isolated_home / "config" / "axtui" / "workflows"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "thresholds.yaml").write_text(THRESHOLDS, encoding="utf-8")
    return "thresholds"


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def monitoring_fields() -> list:
    return load_workflow("ml-workflow").step("monitoring-design").fields


def test_validate_form_refuses_an_inverted_pair_and_names_both_fields() -> None:
    fields = monitoring_fields()
    assert {(a.name, b.name) for a, b in ordered_pairs(fields)} == {
        ("psi_moderate", "psi_significant"),
        ("degradation_warn_pct", "degradation_alert_pct"),
    }
    with pytest.raises(FormError) as exc:
        validate_form("monitoring-design", fields, {"psi_moderate": "0.3"})
    assert exc.value.errors == {"psi_significant": "must be above psi_moderate (0.3), got 0.25"}
    equal = {"degradation_warn_pct": 10, "degradation_alert_pct": 10}  # strictly ordered: equal is refused
    with pytest.raises(FormError, match="degradation_alert_pct"):
        validate_form("monitoring-design", fields, equal)
    assert validate_form("monitoring-design", fields, {"psi_moderate": 0.2})["psi_significant"] == 0.25


def test_a_bad_number_is_reported_alone_not_as_an_order() -> None:
    with pytest.raises(FormError) as exc:
        validate_form("monitoring-design", monitoring_fields(), {"psi_moderate": "0.3x"})
    assert list(exc.value.errors) == ["psi_moderate"]


def test_the_label_is_named_with_the_id() -> None:
    workflow_fields = yaml.safe_load(THRESHOLDS)["steps"][0]["fields"]
    assert workflow_fields["degradation_alert_pct"]["label"] == "Alert drop"
    from axtui.core.workflow.model import Field

    warn = Field(name="degradation_warn_pct", type="number", default=5, label="Warning drop")
    alert = Field(name="degradation_alert_pct", type="number", default=10)
    assert order_errors([warn, alert], {"degradation_warn_pct": 12}) == {
        "degradation_alert_pct": "must be above Warning drop (degradation_warn_pct) (12), got 10"
    }


def test_run_input_refuses_inverted_inputs(capsys, tmp_path: Path, flow: str) -> None:
    db = str(tmp_path / "t.duckdb")
    given = json.dumps({"psi_moderate": 0.4})
    code, _out, err = cli(capsys, "--db", db, "run", flow, "--headless", "--input", given)
    assert code == 2
    assert "psi_significant" in err and "must be above psi_moderate (0.4), got 0.25" in err
    assert "Traceback" not in err
    code, out, _err = cli(capsys, "--db", db, "--json", "sessions", "--all")
    assert json.loads(out)["sessions"] == []  # refused before a session exists


def test_answers_are_refused_before_any_step_runs(capsys, tmp_path: Path, flow: str) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_text("limits: {degradation_warn_pct: 20}\n", encoding="utf-8")
    db = str(tmp_path / "t.duckdb")
    code, _out, err = cli(capsys, "--db", db, "run", flow, "--headless", "--answers", str(answers))
    assert code == 2 and "Traceback" not in err
    assert "degradation_alert_pct" in err and "must be above degradation_warn_pct (20), got 10" in err
    assert "answers file under limits" in err
    code, out, _err = cli(capsys, "--db", db, "--json", "sessions", "--all")
    (session,) = json.loads(out)["sessions"]
    assert session["steps_done"] == 0  # no step of the workflow ran


def test_batch_refuses_an_inverted_replay(capsys, tmp_path: Path, flow: str) -> None:
    db = str(tmp_path / "t.duckdb")
    code, out, err = cli(capsys, "--db", db, "run", flow, "--headless")
    assert code == 0, err
    session_id = re.search(r"session ([0-9a-f]{12})", out).group(1)
    replay = tmp_path / "run.replay.yaml"
    code, _out, err = cli(capsys, "--db", db, "export", session_id, "--format", "replay", "-o", str(replay))
    assert code == 0, err
    doc = yaml.safe_load(replay.read_text(encoding="utf-8"))
    doc["answers"]["limits"] = {"degradation_warn_pct": 50, "degradation_alert_pct": 10}
    replay.write_text(yaml.safe_dump(doc), encoding="utf-8")
    code, _out, err = cli(capsys, "--db", str(tmp_path / "b.duckdb"), "--batch", str(replay))
    assert code == 2 and "Traceback" not in err
    assert "must be above degradation_warn_pct (50), got 10" in err
