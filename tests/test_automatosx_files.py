"""Files users already have: YAML 1.2 semantics, persona files of every era, bad and overriding user files."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from axtui.cli import main
from axtui.core.personas import load_personas
from axtui.core.workflow import loader
from axtui.core.workflow.catalog import list_workflows, load_source, validate_file
from axtui.core.workflow.loader import YamlProblem, parse_yaml, plain
from axtui.core.workflow.validate import Catalogue

REPO = Path(__file__).resolve().parent.parent


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err.replace("\n", "")  # warnings are wrapped to the terminal width


def errors(problems):
    return [p for p in problems if p.severity == "error"]


# -- YAML 1.2 ---------------------------------------------------------------------------------
def test_yaml_1_2_scalars_stay_as_the_user_wrote_them() -> None:
    data = plain(
        parse_yaml(
            "choices: [NO, SE, DK, yes, on, off, y]\nflags: [true, false, True]\n"
            "version: 1.10\nn: [017, 0o17, 0x1f, 1_000]\nf: [1.5, .inf]\nnothing: ~\nwhen: 2024-01-02\n"
        )
    )
    assert data["choices"] == ["NO", "SE", "DK", "yes", "on", "off", "y"]
    assert data["flags"] == [True, False, True]
    assert data["version"] == "1.10"
    assert data["n"][0] == 17 and data["n"][1] == 15 and data["n"][2] == 31
    assert data["f"][0] == 1.5 and data["when"] == "2024-01-02" and data["nothing"] is None


def test_a_choice_field_of_country_codes_validates_as_strings() -> None:
    text = """workflowId: survey
version: 1.10
inputs:
  country: {type: choice, choices: [NO, SE, DK], default: NO}
steps:
  - {stepId: echo, type: compute, config: {fn: values, args: {c: "{{country}}"}}}
"""
    wf, problems = load_source(text, "survey.yaml", Catalogue())
    assert not errors(problems)
    assert (
        wf.version == "1.10" and wf.inputs[0].choices == ["NO", "SE", "DK"] and wf.inputs[0].default == "NO"
    )


def billion_laughs(levels: int = 9) -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, levels):
        prev, cur = chr(96 + i), chr(97 + i)
        lines.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def test_billion_laughs_is_refused_with_a_clear_message(tmp_path: Path, capsys) -> None:
    text = billion_laughs()
    assert len(text) < 700  # 9 levels of 9 aliases: 387,420,489 strings when expanded
    with pytest.raises(YamlProblem) as info:
        parse_yaml(text, "lol.yaml")
    assert "billion laughs" in info.value.message and info.value.where.startswith("lol.yaml:")
    path = tmp_path / "lol.yaml"
    path.write_text("workflowId: lol\n" + text.replace("a:", "steps:", 0), encoding="utf-8")
    code, out, _err = run_cli(capsys, "workflows", "validate", str(path))
    assert code == 2 and "nested aliases" in out


def test_alias_expansion_counts_every_value(monkeypatch) -> None:
    monkeypatch.setattr(loader, "MAX_NODES", 30)
    assert len(plain(parse_yaml("a: &a [1, 2, 3]\nb: [*a, *a]\n"))["b"]) == 2  # 13 values: fine
    with pytest.raises(YamlProblem):
        parse_yaml("a: &a [1, 2, 3, 4, 5, 6, 7, 8, 9]\nb: [*a, *a, *a]\n")  # 41 values after expansion


def test_empty_steps_are_invalid_and_errors_carry_line_and_column(tmp_path: Path, capsys) -> None:
    _wf, problems = load_source("workflowId: e\nsteps: []\n", "e.yaml", Catalogue())
    assert [(p.line, p.field) for p in errors(problems)] == [(2, "steps")]
    bad = tmp_path / "bad.yaml"
    bad.write_text("workflowId: b\nsteps:\n  - stepId: x\n    type: [prompt\n", encoding="utf-8")
    code, out, _err = run_cli(capsys, "workflows", "validate", str(bad))
    assert code == 2 and re.search(r"bad\.yaml:\d+: yaml: malformed YAML: .*\(column \d+\)", out)


# -- personas of every era --------------------------------------------------------------------
V5_YAML = """# A v5-era profile: `name:` is the id
name: quant-analyst
displayName: Quinn
team: research
role: Quantitative Analyst
description: "Statistics for trading experiments"
abilities:
  - statistical-analysis
  - time-series
abilitySelection:
  core: [statistical-analysis]
  taskBased:
    forecast: [time-series]
provider: gemini
temperature: 0.3
orchestration:
  maxDelegationDepth: 1
  canReadWorkspaces: [data]
  canWriteToShared: true
systemPrompt: |
  You are Quinn, a quantitative analyst.
"""

V13_JSON = {
    "agentId": "eval-lead",
    "displayName": "Eve",
    "version": "13.0.0",
    "role": "Evaluation Lead",
    "description": "Model evaluation and fairness",
    "team": "ml",
    "enabled": True,
    "expertise": ["evaluation"],
    "capabilities": ["metrics"],
    "abilities": {"core": ["evaluation"], "taskBased": {"fair": ["fairness"]}},
    "personality": {"traits": ["careful"], "catchphrase": "Measure twice."},
    "selectionMetadata": {"primaryIntents": ["evaluate"], "negativeIntents": ["styling"]},
    "orchestration": {"maxDelegationDepth": 0, "canReadWorkspaces": ["ml"]},
    "systemPrompt": "You are Eve.",
    "workflow": [{"stepId": "look", "type": "prompt", "config": {"prompt": "${input}"}}],
}


def user_agents(root: Path) -> Path:
    folder = root / ".axtui" / "agents"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_v5_yaml_and_v13_json_personas_load_with_unknown_fields_kept(tmp_path: Path) -> None:
    (tmp_path / "quant.yaml").write_text(V5_YAML, encoding="utf-8")
    (tmp_path / "eval.json").write_text(json.dumps(V13_JSON, indent=2), encoding="utf-8")
    personas = load_personas([tmp_path])
    quinn, eve = personas["quant-analyst"], personas["eval-lead"]
    assert quinn.display_name == "Quinn" and quinn.capabilities == ["statistical-analysis", "time-series"]
    assert quinn.temperature == 0.3 and quinn.max_delegation_depth == 1
    assert quinn.extra["team"] == "research" and quinn.extra["provider"] == "gemini"
    assert quinn.extra["abilitySelection"]["taskBased"] == {"forecast": ["time-series"]}
    assert quinn.extra["orchestration"] == {"canReadWorkspaces": ["data"], "canWriteToShared": True}
    assert eve.extra["version"] == "13.0.0" and eve.extra["personality"]["catchphrase"] == "Measure twice."
    assert eve.extra["selectionMetadata"] == {"negativeIntents": ["styling"]}
    assert eve.extra["workflow"][0]["stepId"] == "look" and eve.primary_intents == ["evaluate"]


def test_agents_show_prints_the_kept_fields(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    (user_agents(tmp_path) / "quant.yaml").write_text(V5_YAML, encoding="utf-8")
    code, out, err = run_cli(capsys, "agents", "show", "quant-analyst")
    assert code == 0, err
    assert "other fields (kept, not used):" in out and "team: research" in out and "provider: gemini" in out
    code, out, _err = run_cli(capsys, "--json", "agents", "show", "quant-analyst")
    assert json.loads(out)["extra"]["abilitySelection"]["core"] == ["statistical-analysis"]


# -- bad user files never stop the rest -------------------------------------------------------
def test_a_bad_persona_file_is_a_warning_everywhere(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    bad = user_agents(tmp_path) / "broken.yaml"
    bad.write_text("agentId: broken\nsystemPrompt: [unclosed\n", encoding="utf-8")
    (user_agents(tmp_path) / "noid.json").write_text('{"role": "x"}', encoding="utf-8")
    code, out, err = run_cli(capsys, "agents", "list")
    assert code == 0 and "generalist" in out
    assert f"{bad}:" in err and "not valid YAML" in err and "noid.json" in err and "agentId" in err
    flow = tmp_path / "flow.yaml"
    flow.write_text(
        "workflowId: flow\nsteps:\n  - {stepId: a, type: prompt, config: {agent: writer, task: hi}}\n",
        encoding="utf-8",
    )
    code, out, _err = run_cli(capsys, "workflows", "validate", str(flow))
    assert code == 0 and "ok" in out
    db = str(tmp_path / "run.duckdb")
    inputs = json.loads((REPO / "examples" / "inputs" / "ml-ab-testing.json").read_text(encoding="utf-8"))
    inputs["events_path"] = str(REPO / inputs["events_path"])
    code, out, err = run_cli(
        capsys,
        "--db",
        db,
        "--json",
        "run",
        "ml-ab-testing",
        "--headless",
        "--input",
        json.dumps(inputs),
    )
    assert code == 0, err
    assert json.loads(out)["status"] == "completed"


def test_a_bad_workflow_file_is_a_warning_naming_it(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / ".axtui" / "workflows"
    folder.mkdir(parents=True)
    (folder / "broken.yaml").write_text("workflowId: broken\nsteps: [\n", encoding="utf-8")
    code, out, err = run_cli(capsys, "--json", "workflows", "list")
    assert code == 0 and "broken.yaml" in err
    assert "ml-ab-testing" in {w["id"] for w in json.loads(out)["workflows"]}


OLD_AB = """workflowId: ml-ab-testing
name: A/B testing (old seed)
version: 1.0.0
steps:
  - stepId: design
    type: prompt
    config: {agent: data-scientist, task: "Design the test for {{feature}}"}
"""


def test_an_older_override_of_a_builtin_is_shown_with_both_versions_and_warned(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / ".axtui" / "workflows"
    folder.mkdir(parents=True)
    mine = folder / "ml-ab-testing.yaml"
    mine.write_text(OLD_AB, encoding="utf-8")
    builtin_version = validate_file(REPO / "workflows" / "ml-ab-testing.yaml")[0].version
    found, problems = list_workflows()
    ab = next(w for w in found if w.id == "ml-ab-testing")
    assert ab.path == mine and ab.overrides[0]["version"] == builtin_version
    assert any("older version 1.0.0" in p.message and p.file == str(mine) for p in problems)

    code, out, err = run_cli(capsys, "--json", "workflows", "list")
    assert code == 0 and "older version 1.0.0" in err
    row = next(w for w in json.loads(out)["workflows"] if w["id"] == "ml-ab-testing")
    assert row["version"] == "1.0.0" and row["overrides"][0]["version"] == builtin_version

    code, out, err = run_cli(capsys, "workflows", "show", "ml-ab-testing")
    assert (
        code == 0
        and f"overrides: {REPO / 'workflows' / 'ml-ab-testing.yaml'} (version {builtin_version})" in out
    )
    assert "older version" in err

    code, out, _err = run_cli(capsys, "workflows", "validate", str(mine))
    assert code == 0 and "warning" in out and "older version 1.0.0" in out


def test_a_newer_override_is_shown_but_not_warned(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / ".axtui" / "workflows"
    folder.mkdir(parents=True)
    (folder / "mine.yaml").write_text(OLD_AB.replace("1.0.0", "99.0.0"), encoding="utf-8")
    found, problems = list_workflows()
    ab = next(w for w in found if w.id == "ml-ab-testing")
    assert ab.version == "99.0.0" and ab.overrides
    assert not [p for p in problems if p.field == "version"]


def test_bad_files_in_the_config_folder_are_warnings_too(
    isolated_home: Path, tmp_path: Path, monkeypatch, capsys
) -> None:
    monkeypatch.chdir(tmp_path)
    agents = isolated_home / "config" / "axtui" / "agents"
    workflows = isolated_home / "config" / "axtui" / "workflows"
    agents.mkdir(parents=True)
    workflows.mkdir(parents=True)
    (agents / "bomb.yaml").write_text(billion_laughs(), encoding="utf-8")
    (workflows / "half.yaml").write_text(
        "workflowId: half\nsteps:\n  - {stepId: x, type: nope}\n", encoding="utf-8"
    )
    code, out, err = run_cli(capsys, "agents", "list")
    assert code == 0 and "bomb.yaml" in err and "nested aliases" in err and "writer" in out
    code, out, err = run_cli(capsys, "--json", "workflows", "list")
    assert code == 0 and "half.yaml" in err and "unknown step type 'nope'" in err
    assert "ml-ab-testing" in {w["id"] for w in json.loads(out)["workflows"]}
