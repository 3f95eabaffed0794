"""`axtui experiments list|compare`: stored runs side by side with deltas, best per row, params diff."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from axtui.cli import main
from axtui.core.memory import Memory
from axtui.core.store import Store


def _seed(db: Path) -> None:
    store = Store(db)
    mem = Memory(store)
    runs = {
        "exp-1": ({"learning_rate": 0.1, "steps": 1000}, {"accuracy": 0.60, "loss": 0.67}, "rejected"),
        "exp-2": ({"learning_rate": 0.1, "steps": 3000}, {"accuracy": 0.71, "loss": 0.55}, "promoted"),
        "exp-3": ({"learning_rate": 0.05, "steps": 3000}, {"accuracy": 0.70, "loss": 0.50}, "iterate"),
    }
    for i, (exp_id, (hp, metrics, status)) in enumerate(runs.items()):
        mem.store(
            "ml-experiments",
            f"{exp_id}/parameters",
            {
                "experiment_id": exp_id,
                "experiment_name": f"run {i}",
                "model_type": "logreg",
                "hyperparameters": hp,
                "dataset_version": "d1",
                "created_at": f"2026-01-0{i + 1}T00:00:00Z",
                "status": "running",
                "primary_metric": "accuracy",
            },
        )
        mem.store(
            "ml-experiments",
            f"{exp_id}/metrics",
            {
                "experiment_id": exp_id,
                "metrics": metrics,
                "training_metrics": {"training_time_seconds": 10 * (i + 1)},
            },
        )
        mem.store("ml-experiments", f"{exp_id}/status", {"experiment_id": exp_id, "status": status})
    store.close()


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_list_newest_first(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "x.duckdb"
    _seed(db)
    code, out, _ = _run(capsys, "--db", str(db), "--json", "experiments", "list")
    assert code == 0
    rows = json.loads(out)["experiments"]
    assert [r["id"] for r in rows] == ["exp-3", "exp-2", "exp-1"]
    assert rows[1]["status"] == "promoted" and rows[1]["primary_value"] == 0.71


def test_compare_side_by_side(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "x.duckdb"
    _seed(db)
    code, out, _ = _run(
        capsys, "--db", str(db), "--json", "experiments", "compare", "exp-1", "exp-2", "exp-3"
    )
    assert code == 0
    data = json.loads(out)
    assert data["baseline"] == "exp-1"
    rows = {r["metric"]: r for r in data["metrics"]}
    assert rows["accuracy"]["best"] == ["exp-2"] and rows["loss"]["best"] == ["exp-3"]
    assert rows["loss"]["higher_is_better"] is False
    assert rows["accuracy"]["deltas"]["exp-2"] == pytest.approx(0.11)
    assert rows["accuracy"]["relative"]["exp-3"] == pytest.approx(0.1 / 0.6)
    assert rows["training_time_seconds"]["best"] == ["exp-1"]  # lower is better for times
    assert data["params_differing"] == [
        "experiment_name",
        "hyperparameters.learning_rate",
        "hyperparameters.steps",
    ]
    code, out, _ = _run(capsys, "--db", str(db), "experiments", "compare", "exp-1", "exp-2")
    assert code == 0 and "Parameters that differ" in out and "hyperparameters.steps" in out


def test_compare_refuses_unknown_and_single_ids(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "x.duckdb"
    _seed(db)
    code, _, err = _run(capsys, "--db", str(db), "experiments", "compare", "exp-1", "nope")
    assert code == 1 and "no experiment 'nope'" in err
    code, _, err = _run(capsys, "--db", str(db), "experiments", "compare", "exp-1")
    assert code == 2 and "at least two" in err
