"""Command-line forms: ``--json`` before or after the command, shell completion, AutomatosX's positional
``agent run AGENT "task"`` and ``memory search "words"``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from axtui.cli import hoist_global_flags, main

REPO = Path(__file__).resolve().parent.parent
EVENTS = str(REPO / "examples" / "data" / "ab_events.csv")
REF = str(REPO / "examples" / "data" / "monitoring_reference.csv")
CUR = str(REPO / "examples" / "data" / "monitoring_current.csv")


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_hoisting_moves_json_only_before_a_double_dash() -> None:
    assert hoist_global_flags(["ab", "size", "--json"]) == ["--json", "ab", "size"]
    assert hoist_global_flags(["--db", "x", "sessions", "--json", "--json"]) == [
        "--json",
        "--db",
        "x",
        "sessions",
    ]
    assert hoist_global_flags(["memory", "search", "--", "--json"]) == ["memory", "search", "--", "--json"]
    assert hoist_global_flags(["sessions"]) == ["sessions"]


COMMANDS = [
    ["ab", "size", "--baseline", "0.1", "--mde", "0.02"],
    ["ab", "srm", "--counts", "5000,5100"],
    ["ab", "analyze", EVENTS, "--variant-col", "variant", "--metric", "converted"],
    ["drift", REF, CUR, "--columns", "tenure_months,plan"],
    ["evaluate", CUR, "--y-true", "churned", "--y-pred", "predicted"],
    ["memory", "list"],
    ["memory", "search", "--query", "churn"],
    ["agents", "list"],
    ["agents", "pick", "how big should my A/B test be"],
    ["workflows", "list"],
    ["workflows", "show", "ml-ab-testing"],
    ["workflows", "validate", str(REPO / "workflows" / "ml-ab-testing.yaml")],
    ["sessions", "--all"],
    ["locate", "db"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_json_after_the_command_is_the_same_document(capsys, tmp_path: Path, command: list[str]) -> None:
    db = ["--db", str(tmp_path / "a.duckdb")]
    code_before, before, err = cli(capsys, *db, "--json", *command)
    assert code_before == 0, err
    code_after, after, err = cli(capsys, *db, *command, "--json")
    assert code_after == 0, err
    assert json.loads(after) == json.loads(before)


def test_json_after_the_command_for_errors_too(capsys, tmp_path: Path) -> None:
    code, out, _err = cli(
        capsys,
        "--db",
        str(tmp_path / "a.duckdb"),
        "memory",
        "retrieve",
        "--namespace",
        "n",
        "--key",
        "missing",
        "--json",
    )
    assert code == 1
    assert json.loads(out)["error"]


def test_every_command_accepts_json_after_it(capsys) -> None:
    """Every leaf command of the app takes ``--json`` after its name (usage, not 'No such option')."""
    import typer

    from axtui.cli import app

    root = typer.main.get_command(app)

    def leaves(group: object, path: list[str]) -> list[list[str]]:
        if hasattr(group, "commands"):
            out: list[list[str]] = []
            for name, sub in group.commands.items():
                out += leaves(sub, [*path, name])
            return out
        return [path]

    paths = leaves(root, [])
    assert len(paths) > 20
    for path in paths:
        code, _out, err = cli(capsys, *path, "--json", "--help")  # parsed before --help acts
        assert code == 0, (path, err)
        assert "No such option" not in err


def _console(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The ``axtui`` console script's own entry (axtui/entry.py), in a fresh process."""
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from axtui.entry import main; sys.argv[0] = 'axtui'; main()",
            *args,
        ],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        cwd=REPO,
        timeout=120,
        check=False,
    )


def test_shell_completion_answers_through_the_fast_entry(tmp_path: Path) -> None:
    done = _console([], {"_AXTUI_COMPLETE": "complete_bash", "COMP_WORDS": "axtui mem", "COMP_CWORD": "1"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["memory"]
    done = _console(
        [], {"_AXTUI_COMPLETE": "complete_bash", "COMP_WORDS": "axtui memory se", "COMP_CWORD": "2"}
    )
    assert done.stdout.split() == ["search"]


def test_install_completion_writes_the_script(tmp_path: Path) -> None:
    env = {"HOME": str(tmp_path), "_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"}
    done = _console(["--install-completion", "bash"], env)
    assert done.returncode == 0, done.stderr
    script = tmp_path / ".bash_completions" / "axtui.sh"
    assert script.is_file() and "_AXTUI_COMPLETE" in script.read_text(encoding="utf-8")
    assert f"source '{script}'" in (tmp_path / ".bashrc").read_text(encoding="utf-8")
    shown = _console(["--show-completion", "zsh"], env)
    assert shown.returncode == 0 and "compdef" in shown.stdout


# --- AutomatosX's positional forms ---------------------------------------------------------------


def test_agent_run_with_the_task_as_an_argument(capsys, tmp_path: Path) -> None:
    db = ["--db", str(tmp_path / "a.duckdb")]
    code, out, err = cli(
        capsys, *db, "--json", "agent", "run", "data-scientist", "How should I split time-series data?"
    )
    assert code == 0, err
    doc = json.loads(out)
    assert doc["agent"] == "data-scientist" and doc["complete"] is True
    code, out, err = cli(
        capsys, *db, "agent", "run", "data-scientist", "--input", '{"query": "How do I split?"}'
    )
    assert code == 0, err and out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["data-scientist", "task", "--input", '{"query": "x"}'], "not both"),
        (["data-scientist"], "no task given"),
        (["data-scientist", "  "], "the task is empty"),
    ],
)
def test_agent_run_task_errors(capsys, tmp_path: Path, args: list[str], message: str) -> None:
    code, _out, err = cli(capsys, "--db", str(tmp_path / "a.duckdb"), "agent", "run", *args)
    assert code == 2 and message in err


def test_memory_search_with_the_query_as_an_argument(capsys, tmp_path: Path) -> None:
    db = ["--db", str(tmp_path / "a.duckdb")]
    code, _out, err = cli(
        capsys,
        *db,
        "memory",
        "store",
        "--namespace",
        "notes",
        "--key",
        "k1",
        "--value",
        '{"text": "drift on churn"}',
    )
    assert code == 0, err
    for form in (["churn drift"], ["churn", "drift"], ["--query", "churn drift"]):
        code, out, err = cli(capsys, *db, "memory", "search", *form, "--json")
        assert code == 0, err
        doc = json.loads(out)
        assert doc["query"] == "churn drift" and doc["count"] == 1
    code, _out, err = cli(capsys, *db, "memory", "search", "churn", "--query", "drift")
    assert code == 2 and "not both" in err
    code, _out, err = cli(capsys, *db, "memory", "search")
    assert code == 2 and "no query given" in err
