"""`axtui agents list|show|pick` and `axtui agent run`, in process and end to end in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from axtui.cli import main
from axtui.core.offline import LABEL
from axtui.core.store import Store
from tests.fake_openai import FakeOpenAI, Reply, fake_openai  # noqa: F401  (fixture)

KEY = "sk-test-PLANTED123"
QUERY = '{"query": "How should I split time-series data?"}'


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    with Store(db) as store:
        return store.query(sql)


def test_agents_list_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--json", "agents", "list")
    ids = [a["agent_id"] for a in json.loads(out)["agents"]]
    assert code == 0 and "data-scientist" in ids and "mlops-engineer" in ids and ids == sorted(ids)


def test_agents_show(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--json", "agents", "show", "mlops-engineer")
    data = json.loads(out)
    assert code == 0 and data["displayName"] == "Devin" and data["maxTokens"] == 12000
    assert data["resolved_model"] == "axtui/offline"
    code, out, _ = run(capsys, "agents", "show", "writer")
    assert code == 0 and "Wren" in out and "Technical Writer" in out
    code, out, err = run(capsys, "agents", "show", "nobody")
    assert code == 1 and "unknown persona 'nobody'" in err and "data-scientist" in err


def test_agents_pick_prints_choice_and_scores(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "agents", "pick", "How should I split time-series data?")
    assert code == 0 and out.startswith("chosen: data-scientist (Dana)")
    assert "keyword 'split' (+2)" in out
    code, out, _ = run(capsys, "--json", "agents", "pick", "fix my html")
    data = json.loads(out)
    assert data["chosen"] == "generalist" and data["fallback"] is True and len(data["scores"]) >= 12


def test_agent_run_offline_streams_and_records(capsys: pytest.CaptureFixture[str], db_path: Path) -> None:
    code, out, err = run(capsys, "--db", str(db_path), "agent", "run", "data-scientist", "--input", QUERY)
    assert code == 0 and out.startswith(LABEL) and "walk-forward" in out
    assert "Dana (data-scientist) · offline" in err
    stored = rows(db_path, "SELECT role, complete, model FROM chat_messages ORDER BY id")
    assert stored == [("user", True, None), ("assistant", True, "axtui/offline")]


def test_agent_run_json_and_file_input(
    capsys: pytest.CaptureFixture[str], db_path: Path, tmp_path: Path
) -> None:
    path = tmp_path / "in.json"
    path.write_text(json.dumps({"query": "Explain the decision", "decision": "ROLLBACK", "p_value": 0.0007}))
    code, out, _ = run(
        capsys, "--json", "--db", str(db_path), "agent", "run", "mlops-engineer", "--input", f"@{path}"
    )
    data = json.loads(out)  # exactly one document
    assert code == 0 and data["agent"] == "mlops-engineer" and data["complete"] is True
    assert data["model"] == "axtui/offline" and data["usage"] == {
        "prompt_tokens": 0,
        "completion_tokens": 0,
        "cost_usd": 0.0,
    }
    assert "**decision: ROLLBACK**" in data["text"] and "0.0007" in data["text"]


def test_agent_run_auto_routes(capsys: pytest.CaptureFixture[str], db_path: Path) -> None:
    code, out, _ = run(
        capsys,
        "--json",
        "--db",
        str(db_path),
        "agent",
        "run",
        "auto",
        "--input",
        '{"query": "Create runbook for model rollback procedure"}',
    )
    assert code == 0 and json.loads(out)["agent"] == "writer"


@pytest.mark.parametrize(
    ("value", "phrase"),
    [
        ("{not json", "not valid JSON"),
        ('{"q": 1}', '"query"'),
        ('["x"]', '"query"'),
        ("@/no/such/file.json", "cannot read"),
    ],
)
def test_agent_run_bad_input_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], db_path: Path, value: str, phrase: str
) -> None:
    code, _, err = run(capsys, "--db", str(db_path), "agent", "run", "writer", "--input", value)
    assert code == 2 and phrase in err and "hint:" in err


def test_agent_run_provider_failure_exits_3_and_keeps_the_conversation(
    capsys: pytest.CaptureFixture[str],
    db_path: Path,
    fake_openai: FakeOpenAI,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("AXTUI_LLM_BACKOFF", "0.001")
    fake_openai.default = Reply(status=500)
    args = [
        "--db",
        str(db_path),
        "--model",
        "openai/fake",
        "--api-base",
        fake_openai.url,
        "agent",
        "run",
        "data-scientist",
        "--input",
        QUERY,
    ]
    code, out, err = run(capsys, *args)
    assert code == 3 and out == ""
    assert err.count("error:") == 1 and "the provider failed with HTTP 500 (gave up after 4 attempts)" in err
    assert len(fake_openai.requests) == 4
    stored = rows(db_path, "SELECT role, complete, error FROM chat_messages ORDER BY id")
    assert [(r[0], r[1]) for r in stored] == [("user", True), ("assistant", False)] and "HTTP 500" in stored[
        1
    ][2]
    code, out, _ = run(capsys, "--json", *args)
    error = json.loads(out)
    assert code == 3 and error["exit_code"] == 3 and error["kind"] == "server"
    assert KEY.encode() not in db_path.read_bytes()


def test_agent_run_against_a_local_server_in_a_subprocess(
    fake_openai: FakeOpenAI,  # noqa: F811
    db_path: Path,
) -> None:
    fake_openai.default = Reply(
        text="Use a time-based split: train on the past, test on the most recent weeks."
    )
    env = {**os.environ, "OPENAI_API_KEY": KEY}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "axtui",
            "--db",
            str(db_path),
            "--model",
            "openai/fake",
            "--api-base",
            fake_openai.url,
            "agent",
            "run",
            "data-scientist",
            "--input",
            QUERY,
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "Use a time-based split: train on the past, test on the most recent weeks.\n"
    assert "Dana (data-scientist) · openai/fake" in proc.stderr
    body = fake_openai.requests[0].body
    assert body is not None and body["stream"] is True and body["model"] == "fake"
    assert fake_openai.requests[0].headers["authorization"] == f"Bearer {KEY}"
    assert KEY not in proc.stderr and KEY.encode() not in db_path.read_bytes()
