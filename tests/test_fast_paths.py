"""The start-up fast paths: ``axtui --batch`` without Typer, and the home screen's workflow index."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from axtui.entry import parse_batch_args
from axtui.tui.screens import home_data

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    "args, expected",
    [
        (["--batch", "f.yaml"], {"--batch": "f.yaml"}),
        (
            ["--db", "x.duckdb", "--json", "--batch=f.yaml"],
            {"--db": "x.duckdb", "--json": True, "--batch": "f.yaml"},
        ),
        (
            ["--model", "m", "--api-base", "http://h", "--debug", "--batch", "f"],
            {"--model": "m", "--api-base": "http://h", "--debug": True, "--batch": "f"},
        ),
    ],
)
def test_batch_arguments(args: list[str], expected: dict) -> None:
    assert parse_batch_args(args) == expected


@pytest.mark.parametrize(
    "args",
    [
        ["--batch"],  # no value: the CLI's usage error
        ["--batch", "a", "--batch", "b"],  # twice
        ["--batch", "a", "run", "x"],  # with a command: the CLI refuses it
        ["-h"],
        ["--json=yes", "--batch", "a"],
        ["--version"],
        ["memory", "list"],
        ["--db", "x"],  # no --batch
    ],
)
def test_anything_else_goes_to_the_full_cli(args: list[str]) -> None:
    assert parse_batch_args(args) is None


PROBE = """
import sys
from axtui.entry import main
try:
    main()
except SystemExit as exc:
    code = exc.code
print("MODULES", sorted(m for m in ("typer", "rich", "pydantic", "scipy", "textual", "litellm")
      if m in sys.modules), "CODE", code)
"""


def _probe(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "d"), "XDG_CONFIG_HOME": str(tmp_path / "c")}
    return subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, cwd=REPO, env=env, timeout=300
    )


def test_a_failing_batch_reports_like_the_cli_and_loads_no_cli_toolkit(tmp_path: Path) -> None:
    replay = tmp_path / "r.yaml"
    replay.write_text("workflow: {id: no-such-workflow}\ninputs: {}\nanswers: {}\n")
    done = _probe(tmp_path, "--db", str(tmp_path / "a.duckdb"), "--json", "--batch", str(replay))
    assert "CODE 1" in done.stdout or "CODE 2" in done.stdout, done.stderr
    assert json.loads(done.stdout.split("MODULES")[0])["error"]  # --json: the error as one JSON document
    assert "error:" in done.stderr and "Traceback" not in done.stderr


def test_a_replay_through_the_fast_path_loads_neither_typer_rich_nor_scipy(tmp_path: Path) -> None:
    db = tmp_path / "src.duckdb"
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "d"), "XDG_CONFIG_HOME": str(tmp_path / "c")}
    cli = [sys.executable, "-m", "axtui", "--db", str(db)]
    run = [
        *cli,
        "--json",
        "run",
        "ml-ab-testing",
        "--headless",
        "--input",
        "@examples/inputs/ml-ab-testing-full.json",
    ]
    sid = json.loads(
        subprocess.run(run, capture_output=True, text=True, cwd=REPO, env=env, check=True).stdout
    )["session_id"]
    replay = tmp_path / "ab.replay.yaml"
    subprocess.run(
        [*cli, "export", sid, "--format", "replay", "-o", str(replay)], cwd=REPO, env=env, check=True
    )
    done = _probe(tmp_path, "--db", str(tmp_path / "b.duckdb"), "--batch", str(replay))
    assert "CODE 0" in done.stdout, done.stderr
    assert "MODULES [] " in done.stdout
    assert "completed" in done.stdout and "decision ab_decision: SHIP" in done.stdout


# -- the workflow index -------------------------------------------------------------------------


@pytest.fixture
def user_workflows(isolated_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    folder = isolated_home / "config" / "axtui" / "workflows"
    folder.mkdir(parents=True)
    (folder / "mine.yaml").write_text(
        "workflowId: mine\nname: My Flow\nversion: '1'\ndescription: mine\n"
        "steps:\n  - {stepId: a, type: input, config: {fields: [{name: x, type: text, default: y}]}}\n"
    )
    return folder


def test_the_index_holds_what_the_files_give(user_workflows: Path) -> None:
    assert home_data.cached_workflow_rows() is None  # no index yet
    workflows, problem = home_data.load_workflows()
    assert problem is None
    rows = home_data.cached_workflow_rows()
    assert rows == [home_data.workflow_row(wf) for wf in workflows]
    assert any(r["name"] == "My Flow" for r in rows)


@pytest.mark.parametrize("change", ["edit", "add", "remove", "version"])
def test_any_change_invalidates_the_index(user_workflows: Path, change: str, monkeypatch) -> None:
    home_data.load_workflows()
    assert home_data.cached_workflow_rows() is not None
    mine = user_workflows / "mine.yaml"
    if change == "edit":
        text = mine.read_text().replace("My Flow", "My Renamed Flow")
        mine.write_text(text)
        os.utime(mine, ns=(time.time_ns(), time.time_ns() + 10**9))
    elif change == "add":
        (user_workflows / "other.yml").write_text("workflowId: other\n")
    elif change == "remove":
        mine.unlink()
    else:
        monkeypatch.setattr("axtui.__version__", "999.0.0")
    assert home_data.cached_workflow_rows() is None
    if change == "edit":
        home_data.load_workflows()
        assert any(r["name"] == "My Renamed Flow" for r in home_data.cached_workflow_rows() or [])


def test_a_broken_index_or_a_broken_file_means_the_slow_path(user_workflows: Path) -> None:
    home_data.load_workflows()
    home_data.index_path().write_text("{not json")
    assert home_data.cached_workflow_rows() is None
    (user_workflows / "bad.yaml").write_text("workflowId: bad\nsteps: [\n")
    _workflows, problem = home_data.load_workflows()
    assert problem and "could not be loaded" in problem
    assert home_data.cached_workflow_rows() is None  # not rewritten while a file is broken
