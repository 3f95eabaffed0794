"""Portable replays: paths recorded as given and resolved; ``--batch`` finds them from any folder.

Relative paths are looked up against the replay file's folder, then the current directory, then where
they pointed when the session ran. Every case runs ``--batch`` from a folder other than the one the
session was made in.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from axtui.cli import main

REPO = Path(__file__).resolve().parent.parent
EVENTS = REPO / "examples" / "data" / "ab_events.csv"


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def made(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> dict[str, Path | dict]:
    """A session run in ``work/`` on ``data/events.csv`` (relative), exported as ``work/replay.yaml``."""
    work = tmp_path / "work"
    (work / "data").mkdir(parents=True)
    shutil.copy(EVENTS, work / "data" / "events.csv")
    monkeypatch.chdir(work)
    db = str(tmp_path / "a.duckdb")
    inputs = json.dumps(
        {"experiment_id": "exp-1", "events_path": "data/events.csv", "primary_metric": "converted"}
    )
    code, out, err = cli(
        capsys, "--db", db, "--json", "run", "ml-ab-testing", "--headless", "--input", inputs
    )
    assert code == 0, err
    summary = json.loads(out)
    code, _out, err = cli(
        capsys,
        "--db",
        db,
        "export",
        summary["session_id"],
        "--format",
        "replay",
        "-o",
        str(work / "replay.yaml"),
    )
    assert code == 0, err
    return {"work": work, "replay": work / "replay.yaml", "summary": summary}


def _batch(capsys, tmp_path: Path, replay: Path) -> tuple[int, dict | None, str]:
    code, out, err = cli(capsys, "--db", str(tmp_path / "b.duckdb"), "--json", "--batch", str(replay))
    return code, (json.loads(out) if code == 0 else None), err


def test_the_replay_records_each_path_as_given_and_resolved(made) -> None:
    doc = yaml.safe_load(made["replay"].read_text(encoding="utf-8"))
    assert doc["inputs"]["events_path"] == "data/events.csv"
    assert doc["paths"]["inputs"]["events_path"] == {
        "given": "data/events.csv",
        "resolved": str((made["work"] / "data" / "events.csv").resolve()),
    }


def test_moved_with_its_data_runs_from_another_folder(made, capsys, tmp_path: Path, monkeypatch) -> None:
    moved = tmp_path / "moved"
    shutil.copytree(made["work"], moved)
    shutil.rmtree(made["work"])  # the original location is gone: only the replay's folder can help
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    code, summary, err = _batch(capsys, tmp_path, moved / "replay.yaml")
    assert code == 0, err
    assert summary["status"] == "completed"
    assert summary["decisions"] == made["summary"]["decisions"]


def test_data_found_from_the_current_folder(made, capsys, tmp_path: Path, monkeypatch) -> None:
    """The replay alone was mailed; the reader has the data next to where they run it."""
    lone = tmp_path / "inbox"
    lone.mkdir()
    shutil.copy(made["replay"], lone / "replay.yaml")
    reader = tmp_path / "reader"
    shutil.copytree(made["work"] / "data", reader / "data")
    shutil.rmtree(made["work"])
    monkeypatch.chdir(reader)
    code, summary, err = _batch(capsys, tmp_path, lone / "replay.yaml")
    assert code == 0, err
    assert summary["decisions"] == made["summary"]["decisions"]


def test_replay_moved_alone_uses_where_the_data_was(made, capsys, tmp_path: Path, monkeypatch) -> None:
    lone = tmp_path / "inbox"
    lone.mkdir()
    shutil.copy(made["replay"], lone / "replay.yaml")
    monkeypatch.chdir(tmp_path)  # neither the replay's folder nor here has data/events.csv
    code, summary, err = _batch(capsys, tmp_path, lone / "replay.yaml")
    assert code == 0, err
    assert summary["decisions"] == made["summary"]["decisions"]


def test_moved_replay_whose_data_is_nowhere_names_the_file(made, capsys, tmp_path: Path, monkeypatch) -> None:
    lone = tmp_path / "inbox"
    lone.mkdir()
    shutil.copy(made["replay"], lone / "replay.yaml")
    shutil.rmtree(made["work"])
    monkeypatch.chdir(tmp_path)
    code, _summary, err = _batch(capsys, tmp_path, lone / "replay.yaml")
    assert code == 2
    assert "events_path" in err and "file not found: data/events.csv" in err


def test_a_replay_without_paths_still_loads(made, capsys, tmp_path: Path, monkeypatch) -> None:
    """Replays exported before paths were recorded: the replay's folder and the current one still work."""
    doc = yaml.safe_load(made["replay"].read_text(encoding="utf-8"))
    doc.pop("paths")
    old = tmp_path / "old"
    shutil.copytree(made["work"], old)
    (old / "replay.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, summary, err = _batch(capsys, tmp_path, old / "replay.yaml")
    assert code == 0, err
    assert summary["decisions"] == made["summary"]["decisions"]


def test_a_bad_paths_section_is_refused(made, capsys, tmp_path: Path) -> None:
    doc = yaml.safe_load(made["replay"].read_text(encoding="utf-8"))
    doc["paths"] = ["nope"]
    made["replay"].write_text(yaml.safe_dump(doc), encoding="utf-8")
    code, _summary, err = _batch(capsys, tmp_path, made["replay"])
    assert code == 2 and "paths" in err
