"""Progress on stderr for long `evaluate`, `features` and `profile` runs, in real processes.

Stderr is a pipe here, not a terminal, so the bar gives way to plain lines (the last one
always printed); with `--json` nothing is printed unless `--progress` asks for it, and
stdout holds one JSON document either way.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from axtui.stats.evaluate import evaluate
from axtui.stats.features import validate_features

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "examples" / "data" / "monitoring_reference.csv"  # 8 columns
EVALUATE = ["evaluate", str(DATA), "--y-true", "churned", "--y-score", "churn_score", "--group", "plan"]


def _axtui(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "d"), "XDG_CONFIG_HOME": str(tmp_path / "c")}
    return subprocess.run(
        [sys.executable, "-m", "axtui", *args], capture_output=True, text=True, cwd=REPO, env=env, timeout=300
    )


def _rows() -> int:
    return len(DATA.read_text().splitlines()) - 1


@pytest.mark.parametrize(
    "args, last",
    [
        (["features", str(DATA)], "checking features: 8/8 columns"),
        (EVALUATE, "evaluating: 4/4 steps"),  # reading, metrics, bootstrap, the plan group
        (["profile", str(DATA)], "profiling: 8/8 columns"),
    ],
)
def test_a_person_sees_progress_on_stderr(tmp_path: Path, args: list[str], last: str) -> None:
    done = _axtui(tmp_path, *args)
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stderr.splitlines() if "rows read" in line]
    assert lines and lines[-1] == f"{last} · {_rows():,} rows read", done.stderr
    assert "rows read" not in done.stdout


@pytest.mark.parametrize("args", [["features", str(DATA)], EVALUATE, ["profile", str(DATA)]])
def test_json_output_is_silent_unless_progress_is_asked_for(tmp_path: Path, args: list[str]) -> None:
    quiet = _axtui(tmp_path, "--json", *args)
    assert quiet.returncode == 0, quiet.stderr
    assert "rows read" not in quiet.stderr
    json.loads(quiet.stdout)
    loud = _axtui(tmp_path, "--json", *args, "--progress")
    assert loud.returncode == 0, loud.stderr
    assert "rows read" in loud.stderr
    loud_doc, quiet_doc = json.loads(loud.stdout), json.loads(quiet.stdout)
    if args[0] == "profile":  # a KLL sketch is randomised: the same columns, not the same bits
        loud_doc, quiet_doc = ([c["name"] for c in d["columns"]] for d in (loud_doc, quiet_doc))
    assert loud_doc == quiet_doc
    muted = _axtui(tmp_path, *args, "--no-progress")
    assert muted.returncode == 0 and "rows read" not in muted.stderr


def test_the_stats_functions_report_each_step_and_stay_pure() -> None:
    calls: list[tuple[int, int, int]] = []
    with_progress = validate_features(DATA, target="churned", progress=lambda *a: calls.append(a))
    assert [c[0] for c in calls] == list(range(1, 9)) and {c[1:] for c in calls} == {(8, _rows())}
    assert with_progress == validate_features(DATA, target="churned")  # the callback changes nothing
    calls.clear()
    args = {"y_true": "churned", "y_pred": "predicted", "groups": ["plan"], "latency_col": "support_calls"}
    result = evaluate(DATA, **args, progress=lambda *a: calls.append(a))
    assert [c[0] for c in calls] == [1, 2, 3, 4, 5] and {c[1:] for c in calls} == {(5, _rows())}
    assert result == evaluate(DATA, **args)
    calls.clear()
    evaluate(
        DATA, y_true="tenure_months", y_pred="monthly_spend", n_boot=0, progress=lambda *a: calls.append(a)
    )
    assert calls == [(1, 2, _rows()), (2, 2, _rows())]  # regression without a bootstrap: two steps
