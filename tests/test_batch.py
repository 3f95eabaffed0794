"""Headless runs through the real CLI: the three workflows on the example data, export → --batch replay,
and the command-line failure cases (exit codes per docs/reference/cli.md)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from axtui.cli import main

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def normalise(report: str) -> str:
    """Reports compared 'timestamps and ids aside'."""
    report = re.sub(r"\b[0-9a-f]{12}\b", "<id>", report)
    report = re.sub(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z?", "<ts>", report)
    return report


@pytest.fixture
def chdir_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)  # the example inputs use repo-relative data paths


@pytest.mark.usefixtures("chdir_repo")
def test_three_workflows_headless_then_replay_reproduces_reports(capsys, tmp_path: Path) -> None:
    db = str(tmp_path / "a.duckdb")
    runs = {
        "ml-ab-testing": ["--input", "@examples/inputs/ml-ab-testing-full.json"],
        "ml-model-monitoring": ["--input", "@examples/inputs/ml-model-monitoring.json"],
        "ml-workflow": [
            "--input",
            "@examples/inputs/ml-workflow.json",
            "--answers",
            "examples/answers/ml-workflow.yaml",
        ],
    }
    summaries = {}
    for workflow, extra in runs.items():
        code, out, err = run_cli(capsys, "--db", db, "--json", "run", workflow, "--headless", *extra)
        assert code == 0, err
        summary = json.loads(out)
        assert summary["status"] == "completed" and "▶" in err and "✓" in err
        assert all(s["status"] in ("done", "skipped") for s in summary["steps"])
        summaries[workflow] = summary
    assert summaries["ml-ab-testing"]["decisions"] == {
        "ab_decision": "SHIP",
        "srm_alert": False,
        "confidence": "HIGH",
        "can_stop_early": False,
    }
    assert summaries["ml-model-monitoring"]["decisions"]["action"] == "RETRAIN_URGENT"
    assert summaries["ml-workflow"]["decisions"] == {
        "quality_checks_passed": 10,
        "ab_sample_size_per_variant": 3841,
        "ab_min_duration_days": 8,
    }

    from axtui.core.store import Store

    with Store(db) as store:
        keys = {
            (ns, key.split("/")[0] + "/" + key.split("/")[1] if ns != "ml-alerts" else key.split("/")[0])
            for ns, key in store.query("SELECT namespace, key FROM memory_entries")
        }
        ttls = dict(
            store.query(
                "SELECT namespace || '/' || key, datediff('day', created_at, expires_at) FROM memory_entries"
            )
        )
    assert ("ml-ab-experiments", "checkout-ranker-2026-11/config") in keys
    assert ("ml-ab-experiments", "checkout-ranker-2026-11/results") in keys
    assert ("ml-alerts", "churn-model") in keys
    assert ttls["ml-ab-experiments/checkout-ranker-2026-11/results"] == 365
    assert any(k.startswith("ml-monitoring-reports/churn-model/") and v == 30 for k, v in ttls.items())
    assert ttls["ml-model-registry/churn-model/versions/1.0.0/baseline_stats"] is None  # permanent

    for workflow in ("ml-workflow", "ml-ab-testing"):
        sid = summaries[workflow]["session_id"]
        replay = tmp_path / f"{workflow}.replay.yaml"
        code, _out, err = run_cli(capsys, "--db", db, "export", sid, "--format", "replay", "-o", str(replay))
        assert code == 0, err
        doc = yaml.safe_load(replay.read_text(encoding="utf-8"))
        assert doc["workflow"]["id"] == workflow and doc["recorded"]
        original = Path(summaries[workflow]["report_path"]).read_text(encoding="utf-8")
        code, out, err = run_cli(capsys, "--db", str(tmp_path / "b.duckdb"), "--json", "--batch", str(replay))
        assert code == 0, err
        replayed = Path(json.loads(out)["report_path"]).read_text(encoding="utf-8")
        assert normalise(replayed) == normalise(original)
        if workflow == "ml-workflow":  # the follow-up question of its answers file is in the report
            assert "Which feature should we watch first?" in original


@pytest.mark.usefixtures("chdir_repo")
def test_minimal_ab_inputs_and_cli_failures(capsys, tmp_path: Path) -> None:
    db = str(tmp_path / "c.duckdb")
    code, out, err = run_cli(
        capsys,
        "--db",
        db,
        "run",
        "ml-ab-testing",
        "--headless",
        "--input",
        "@examples/inputs/ml-ab-testing.json",
    )
    assert code == 0, err
    sid = re.search(r"session ([0-9a-f]{12})", out).group(1)
    # resuming a completed session
    code, _out, err = run_cli(capsys, "--db", db, "resume", sid, "--headless")
    assert code == 2 and "already completed" in err
    # unknown session id
    code, _out, err = run_cli(capsys, "--db", db, "resume", "0123456789ab", "--headless")
    assert code == 1 and "unknown session" in err
    code, _out, err = run_cli(capsys, "--db", db, "resume", "--headless")
    assert code == 1 and "no incomplete session" in err
    # an input of the wrong type / out of range
    code, out, err = run_cli(
        capsys,
        "--db",
        db,
        "--json",
        "run",
        "ml-ab-testing",
        "--headless",
        "--input",
        json.dumps(
            {
                "experiment_id": "x",
                "events_path": "examples/data/ab_events.csv",
                "primary_metric": "converted",
                "mde": "lots",
            }
        ),
    )
    assert code == 2 and json.loads(out)["error"] == "FormError" and "'mde'" in err
    code, _out, err = run_cli(
        capsys,
        "--db",
        db,
        "run",
        "ml-ab-testing",
        "--headless",
        "--input",
        json.dumps(
            {
                "experiment_id": "x",
                "events_path": "examples/data/ab_events.csv",
                "primary_metric": "converted",
                "alpha": 0.9,
            }
        ),
    )
    assert code == 2 and "at most 0.5" in err
    # a data file that does not exist
    code, _out, err = run_cli(
        capsys,
        "--db",
        db,
        "run",
        "ml-ab-testing",
        "--headless",
        "--input",
        json.dumps({"experiment_id": "x", "events_path": "nope/events.csv", "primary_metric": "converted"}),
    )
    assert code == 2 and "file not found: nope/events.csv" in err
    # a missing required input names the step and the field
    code, _out, err = run_cli(capsys, "--db", db, "run", "ml-ab-testing", "--headless", "--input", "{}")
    assert code == 2 and "step inputs" in err and "experiment_id" in err
    # a replay file for another workflow version
    stale = tmp_path / "stale.yaml"
    stale.write_text(
        yaml.safe_dump(
            {"workflow": {"id": "ml-ab-testing", "version": "0.9.0"}, "inputs": {}, "answers": {}}
        ),
        encoding="utf-8",
    )
    code, _out, err = run_cli(capsys, "--db", db, "--batch", str(stale))
    assert code == 2 and "version 0.9.0" in err and "1.1.0" in err
    # workflows validate: exit 2 with file:line
    bad = tmp_path / "bad.yaml"
    bad.write_text("workflowId: bad\nname: B\nsteps:\n  - stepId: a\n    type: nope\n", encoding="utf-8")
    code, out, _err = run_cli(capsys, "workflows", "validate", str(bad))
    assert code == 2 and f"{bad}:5: step a.type: unknown step type 'nope'" in out
    code, out, _err = run_cli(capsys, "--json", "sessions", "--all")
    assert code == 0


HOLDER = """
import sys, time
from axtui.core.store import Store
s = Store(sys.argv[1])
if sys.argv[2] == "write":
    with s.transaction():
        print("ready", flush=True)
        time.sleep(600)
else:
    print("ready", flush=True)
    time.sleep(600)
"""


def _headless_ab(db: Path, wait: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "AXTUI_DB_WAIT": wait}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "axtui",
            "--db",
            str(db),
            "run",
            "ml-ab-testing",
            "--headless",
            "--input",
            "@examples/inputs/ml-ab-testing.json",
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=600,  # 23 steps took over 120 s once, in a full suite at load average 20 on 2 cores
        env=env,
    )


def _holder(db: Path, mode: str) -> subprocess.Popen[str]:
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(db), mode], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    return proc


def test_an_idle_process_with_the_store_open_does_not_block_a_headless_run(tmp_path: Path) -> None:
    """No process keeps the file between units of work: an open, idle Store blocks nobody."""
    db = tmp_path / "shared.duckdb"
    holder = _holder(db, "idle")
    try:
        proc = _headless_ab(db, "5")
        assert proc.returncode == 0, proc.stderr
    finally:
        holder.kill()
        holder.wait()


def test_a_headless_run_waits_for_a_writer_then_names_it(tmp_path: Path) -> None:
    """A writer holding a transaction past AXTUI_DB_WAIT: exit 2, the holder's PID and command named."""
    db = tmp_path / "locked.duckdb"
    holder = _holder(db, "write")
    try:
        proc = _headless_ab(db, "1")
        assert proc.returncode == 2
        assert "in use" in proc.stderr and f"process {holder.pid}" in proc.stderr
        assert "python" in proc.stderr  # the holder's command, from the kernel's lock table
        assert "Traceback" not in proc.stderr
    finally:
        holder.kill()
        holder.wait()


def test_batch_path_never_imports_textual(tmp_path: Path) -> None:
    replay = tmp_path / "r.yaml"
    replay.write_text(
        yaml.safe_dump(
            {
                "workflow": {"id": "ml-ab-testing", "version": "1.1.0"},
                "inputs": {
                    "experiment_id": "t",
                    "events_path": str(EXAMPLES / "data" / "ab_events.csv"),
                    "primary_metric": "converted",
                },
                "answers": {},
                "recorded": {
                    s: ["recorded answer"]
                    for s in (
                        "experiment-design",
                        "traffic-allocation",
                        "monitor-experiment",
                        "analyze-results",
                        "make-decision",
                    )
                },
            }
        ),
        encoding="utf-8",
    )
    code = textwrap.dedent(f"""
        import sys
        from axtui.cli import main
        rc = main(["--db", {str(tmp_path / "n.duckdb")!r}, "--json", "--batch", {str(replay)!r}])
        bad = sorted(m for m in sys.modules if m.split(".")[0] in ("textual", "litellm"))
        print("RC", rc, "BAD", bad, file=sys.stderr)
        sys.exit(0 if rc == 0 and not bad else 1)
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert json.loads(proc.stdout)["status"] == "completed"
