"""Replay files for tests of the ``--batch`` path: every persona turn recorded, so no model is called."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
EXAMPLE_RUNS = {
    "ml-ab-testing": ("examples/inputs/ml-ab-testing-full.json", None),
    "ml-workflow": ("examples/inputs/ml-workflow.json", "examples/answers/ml-workflow.yaml"),
}


def replay_file(folder: Path, workflow_id: str) -> Path:
    """A replay of ``workflow_id`` on its example inputs (and answers) with recorded persona turns."""
    from axtui.core.workflow import load_workflow

    inputs, answers = EXAMPLE_RUNS[workflow_id]
    workflow = load_workflow(workflow_id)
    doc = {
        "workflow": {"id": workflow.id, "version": workflow.version},
        "inputs": json.loads((REPO / inputs).read_text(encoding="utf-8")),
        "answers": yaml.safe_load((REPO / answers).read_text(encoding="utf-8")) if answers else {},
        "recorded": {s.id: ["recorded", "recorded"] for s in workflow.flat_steps() if s.type == "prompt"},
    }
    path = folder / f"{workflow_id}.replay.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path
