"""`axtui sessions` tells a session open in a living process ("running") from one whose app has quit
or crashed ("interrupted")."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from axtui.core import live


def test_running_only_while_a_living_process_has_it_open(tmp_path: Path) -> None:
    db = tmp_path / "x.duckdb"
    assert live.status_of(db, "s1", "running") == "interrupted"
    with live.registered(db, "s1"):
        assert live.status_of(db, "s1", "running") == "running"
        assert live.status_of(db, "s1", "completed") == "completed"
    assert live.status_of(db, "s1", "running") == "interrupted"


def test_a_crashed_process_leaves_an_interrupted_session(tmp_path: Path) -> None:
    db = tmp_path / "x.duckdb"
    code = f"from axtui.core import live; live.register({str(db)!r}, 's2')"
    subprocess.run([sys.executable, "-c", code], check=True)  # exits without unregistering
    assert (live.live_dir(db) / "s2.pid").exists()
    assert live.status_of(db, "s2", "running") == "interrupted"


def test_sessions_command_says_interrupted(engine: Any, db_path: Path, capsys: Any) -> None:
    from axtui.cli import main

    session = engine.start("tui-demo", {"project": "churn"})
    assert main(["--db", str(db_path), "--json", "sessions"]) == 0
    rows = json.loads(capsys.readouterr().out)["sessions"]
    assert [(r["id"], r["status"], r["state"]) for r in rows] == [(session.id, "running", "interrupted")]
    live.register(db_path, session.id)
    assert main(["--db", str(db_path), "--json", "sessions"]) == 0
    rows = json.loads(capsys.readouterr().out)["sessions"]
    assert rows[0]["state"] == "running"
