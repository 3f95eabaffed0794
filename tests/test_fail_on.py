"""--fail-on on every command that decides: exit 1 when the verdict is listed, 2 for unknown names."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest
import yaml

from axtui import fail_on
from axtui.cli import main
from axtui.errors import InputError

REPO = Path(__file__).resolve().parents[1]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_parse_accepts_case_and_dashes_and_refuses_unknown_names() -> None:
    assert fail_on.parse("rollback, no-ship", fail_on.AB) == {"ROLLBACK", "NO_SHIP"}
    assert fail_on.parse(None, fail_on.AB) == frozenset()
    with pytest.raises(InputError, match="unknown verdict\\(s\\) for --fail-on: BAD") as err:
        fail_on.parse("SHIP,BAD", fail_on.AB)
    assert err.value.hint == "valid: SHIP, ROLLBACK, EXTEND, NO_SHIP, INVALID"
    with pytest.raises(InputError, match="at least one verdict"):
        fail_on.parse(" , ", fail_on.AB)
    assert fail_on.matches(["SHIP", "ship", None, False], frozenset({"SHIP"})) == ["SHIP"]


@pytest.fixture
def events(tmp_path: Path) -> Path:
    rng = np.random.default_rng(3)
    n = 5000
    path = tmp_path / "events.csv"
    pl.DataFrame(
        {
            "variant": ["control"] * n + ["treatment"] * n,
            "converted": np.r_[rng.random(n) < 0.10, rng.random(n) < 0.14].astype(int),
        }
    ).write_csv(path)
    return path


def test_ab_analyze_fail_on(capsys: pytest.CaptureFixture[str], events: Path) -> None:
    base = ["--json", "ab", "analyze", str(events), "--variant-col", "variant", "--metric", "converted"]
    code, out, err = run(capsys, *base, "--fail-on", "SHIP")
    assert code == 1 and json.loads(out)["decision"] == "SHIP"  # the report is still printed
    assert "--fail-on: the verdict SHIP is listed: exit 1" in err
    code, out, _ = run(capsys, *base, "--fail-on", "ROLLBACK,INVALID")
    assert code == 0 and json.loads(out)["decision"] == "SHIP"
    code, out, err = run(capsys, *base, "--fail-on", "SHIPP")
    assert code == 2 and "SHIPP" in err and "valid: SHIP, ROLLBACK, EXTEND, NO_SHIP, INVALID" in err
    assert json.loads(out)["error"] == "InputError"


def test_drift_fail_on_alert_levels_and_threshold(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    rng = np.random.default_rng(4)
    ref, cur, same = tmp_path / "r.csv", tmp_path / "c.csv", tmp_path / "s.csv"
    pl.DataFrame({"x": rng.normal(0, 1, 2000)}).write_csv(ref)
    pl.DataFrame({"x": rng.normal(1.5, 1, 2000)}).write_csv(cur)
    pl.DataFrame({"x": rng.normal(0, 1, 2000)}).write_csv(same)
    code, out, _ = run(capsys, "--json", "drift", str(ref), str(cur), "--fail-on", "YELLOW,RED")
    assert code == 1 and json.loads(out)["alert_level"] == "RED"
    code, out, _ = run(capsys, "--json", "drift", str(ref), str(same), "--fail-on", "RED")
    assert code == 0 and json.loads(out)["alert_level"] == "GREEN"
    code, _, err = run(capsys, "drift", str(ref), str(cur), "--fail-on", "ORANGE")
    assert code == 2 and "valid: GREEN, YELLOW, RED" in err
    # Evidently mode: --threshold is the preset's one threshold; RED on dataset drift
    code, out, _ = run(
        capsys, "--json", "drift", str(ref), str(same), "--compat", "evidently", "--threshold", "0.999999"
    )
    data = json.loads(out)
    assert code == 0 and data["columns"][0]["threshold"] == 0.999999
    code, out, _ = run(
        capsys, "--json", "drift", str(ref), str(cur), "--compat", "evidently", "--fail-on", "RED"
    )
    assert code == 1 and json.loads(out)["dataset"]["dataset_drift"] is True
    code, _, err = run(capsys, "drift", str(ref), str(cur), "--threshold", "0.1")
    assert code == 2 and "--threshold needs --compat evidently" in err
    # per-method thresholds: the columns tested with that method use it
    argv = ["--json", "drift", str(ref), str(cur), "--compat", "evidently"]
    code, out, _ = run(capsys, *argv, "--stattest", "psi", "--method-threshold", "psi=50")
    col = json.loads(out)["columns"][0]
    assert code == 0 and (col["method"], col["threshold"], col["drift_detected"]) == ("psi", 50.0, False)
    code, _, err = run(capsys, *argv, "--method-threshold", "kss=0.1")
    assert code == 2 and "unknown Evidently test(s) in the thresholds: kss" in err
    code, _, err = run(capsys, *argv, "--method-threshold", "ks")
    assert code == 2 and "METHOD=NUMBER" in err


def test_evaluate_go_no_go_and_fail_on(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    pl.DataFrame({"y": [0, 1] * 50, "p": [0, 1] * 40 + [1, 0] * 10}).write_csv(path)  # accuracy 0.8
    base = ["--json", "evaluate", str(path), "--y-true", "y", "--y-pred", "p", "--n-boot", "0"]
    code, out, err = run(capsys, *base, "--threshold", "0.9", "--fail-on", "NO_GO")
    data = json.loads(out)
    assert code == 1 and data["go_no_go"]["decision"] == "NO_GO", err
    code, out, _ = run(capsys, *base, "--threshold", "0.7", "--fail-on", "NO_GO")
    assert code == 0 and json.loads(out)["go_no_go"]["decision"] == "GO"
    code, _, err = run(capsys, *base, "--fail-on", "NO_GO")
    assert code == 2 and "needs --threshold" in err


def test_experiments_compare_fail_on(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--json", "experiments", "compare", "--baseline", '{"accuracy": 0.9}']
    code, out, _ = run(
        capsys, *argv, "--candidate", '{"accuracy": 0.8}', "--primary", "accuracy", "--fail-on", "REJECT"
    )
    assert code == 1 and json.loads(out)["decision"] == "REJECT"
    code, _, err = run(
        capsys, *argv, "--candidate", '{"accuracy": 0.8}', "--primary", "accuracy", "--fail-on", "SHIP"
    )
    assert code == 2 and "valid: PROMOTE, ITERATE, REJECT" in err


def test_headless_run_and_batch_fail_on_any_session_decision(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(REPO)
    db = str(tmp_path / "f.duckdb")
    argv = [
        "--db",
        db,
        "--json",
        "run",
        "ml-ab-testing",
        "--headless",
        "--input",
        "@examples/inputs/ml-ab-testing.json",
    ]
    code, out, err = run(capsys, *argv, "--fail-on", "EXTEND,ROLLBACK")
    assert code == 1 and json.loads(out)["decisions"]["ab_decision"] == "EXTEND", err
    code, _, err = run(capsys, *argv[:-3], "--fail-on", "EXTEND")
    assert code == 2 and "--fail-on needs --headless" in err
    replay = tmp_path / "r.yaml"
    inputs = json.loads((REPO / "examples/inputs/ml-ab-testing.json").read_text())
    replay.write_text(yaml.safe_dump({"workflow": {"id": "ml-ab-testing"}, "inputs": inputs, "answers": {}}))
    code, out, err = run(capsys, "--db", db, "--json", "--batch", str(replay), "--fail-on", "EXTEND")
    assert code == 1 and "EXTEND is listed" in err
    code, out, _ = run(capsys, "--db", db, "--json", "--batch", str(replay), "--fail-on", "SHIP")
    assert code == 0 and json.loads(out)["status"] == "completed"
    code, _, err = run(capsys, "--db", db, "--batch", str(replay), "--fail-on", "NOPE")
    assert code == 2 and "valid:" in err
