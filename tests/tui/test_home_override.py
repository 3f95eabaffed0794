"""The TUI home screen warns about a user workflow that hides a newer built-in."""

from __future__ import annotations

from pathlib import Path

from axtui.tui.screens.home_data import load_workflows


def test_home_problem_names_an_older_override(tmp_path: Path, monkeypatch) -> None:
    builtin, user = tmp_path / "builtin", tmp_path / "user"
    builtin.mkdir()
    user.mkdir()
    step = "steps:\n  - {stepId: s, type: prompt, config: {agent: writer, task: hi}}\n"
    (builtin / "flow.yaml").write_text(f"workflowId: flow\nversion: 1.2.0\n{step}", encoding="utf-8")
    (user / "flow.yaml").write_text(f"workflowId: flow\nversion: 1.0.0\n{step}", encoding="utf-8")
    monkeypatch.setattr("axtui.core.workflow.catalog.search_dirs", lambda kind, cwd=None: [builtin, user])
    workflows, problem = load_workflows()
    assert [wf.version for wf in workflows] == ["1.0.0"]
    assert problem is not None and str(user / "flow.yaml") in problem and "older version 1.0.0" in problem
    (user / "flow.yaml").write_text(f"workflowId: flow\nversion: 1.3.0\n{step}", encoding="utf-8")
    assert load_workflows()[1] is None
