"""Loading and validating workflow YAML: the seeds as written, our extensions, and every bad-input case."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from axtui.core.workflow.catalog import load_source, load_workflow, validate_file
from axtui.core.workflow.loader import YamlProblem, parse_yaml
from axtui.core.workflow.validate import Catalogue
from axtui.errors import InputError, NotFoundError

SEEDS = Path(__file__).resolve().parent.parent.parent / "shared" / "seeds" / "prd-ml-workflows.md"
REPO = Path(__file__).resolve().parent.parent
SEED_TEXT_FALLBACK = REPO / "tests" / "data" / "workflow" / "prd-ml-workflows.md"


def seed_blocks() -> list[str]:
    path = SEEDS if SEEDS.is_file() else SEED_TEXT_FALLBACK
    text = path.read_text(encoding="utf-8")
    # a fence closes only at column 0; tasks contain indented ```python fences
    return re.findall(r"^```yaml\n(.*?)^```\s*$", text, re.S | re.M)


def errors(problems: list) -> list:
    return [p for p in problems if p.severity == "error"]


def test_every_seed_yaml_block_loads_as_written() -> None:
    blocks = seed_blocks()
    assert len(blocks) == 6
    ids = []
    for i, block in enumerate(blocks):
        wf, problems = load_source(block, f"seed{i}.yaml")
        assert wf is not None, problems
        assert errors(problems) == [], [p.render() for p in problems]
        ids.append(wf.id)
        assert not wf.declares_inputs and wf.inputs, "seed-style files get inferred inputs"
    assert ids == [
        "ml-experiment-tracker",
        "ml-model-evaluation",
        "ml-model-registry",
        "ml-model-monitoring",
        "ml-feature-engineering",
        "ml-ab-testing",
    ]


def test_seed_registry_branches_and_monitoring_then_are_nested_steps() -> None:
    blocks = seed_blocks()
    registry, _ = load_source(blocks[2], "registry.yaml")
    cond = registry.step("promotion-decision")
    assert set(cond.branches) == {"promote", "canary"}
    assert [s.id for s in cond.branches["promote"]] == ["promote-to-production", "archive-old-production"]
    assert registry.step("archive-old-production").parent == "promotion-decision"
    monitoring, _ = load_source(blocks[3], "monitoring.yaml")
    gen = monitoring.step("generate-alerts")
    assert [s.id for s in gen.then] == ["store-alert"]
    inputs = [f.name for f in monitoring.inputs]
    assert inputs[:4] == ["model_name", "production_version", "window_start", "window_end"]
    assert "action" in inputs  # seed-style: every unprovided variable becomes an input


@pytest.mark.parametrize("name", ["ml-workflow", "ml-ab-testing", "ml-model-monitoring"])
def test_builtin_workflows_are_valid(name: str) -> None:
    wf, problems = validate_file(REPO / "workflows" / f"{name}.yaml")
    assert wf is not None and wf.id == name
    assert errors(problems) == [], [p.render() for p in problems]
    assert wf.declares_inputs


def test_malformed_yaml_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("workflowId: x\nsteps:\n  - stepId: a\n    type: [tool\n", encoding="utf-8")
    wf, problems = validate_file(path)
    assert wf is None
    assert (
        problems[0].line >= 4 and "malformed YAML" in problems[0].message and "column" in problems[0].message
    )
    with pytest.raises(InputError) as exc:
        load_workflow(path)
    assert str(path) in exc.value.where


def test_alias_cycle_is_refused_with_line() -> None:
    text = """workflowId: loop
name: Loop
steps:
  - &again
    stepId: spin
    type: conditional
    config:
      condition: "true"
      then:
        - *again
"""
    with pytest.raises(YamlProblem) as exc:
        parse_yaml(text, "loop.yaml")
    assert exc.value.where.startswith("loop.yaml:4")
    assert "loop" in exc.value.message


def test_reused_alias_gives_duplicate_ids_and_deep_nesting_is_refused() -> None:
    text = """workflowId: dup
name: Dup
steps:
  - &once {stepId: same, type: compute, config: {fn: values, args: {a: 1}}}
  - stepId: cond
    type: conditional
    config: {condition: "true", then: [*once]}
"""
    _wf, problems = load_source(text, "dup.yaml", Catalogue())
    assert any("duplicate step id 'same'" in p.message and p.line == 4 for p in problems), problems
    nested = "steps:\n"
    indent = "  "
    for depth in range(12):
        nested += (
            f"{indent}- stepId: c{depth}\n{indent}  type: conditional\n{indent}  config:\n"
            f"{indent}    condition: 'true'\n{indent}    then:\n"
        )
        indent += "      "
    nested += f"{indent}- {{stepId: leaf, type: compute, config: {{fn: values}}}}\n"
    _wf, problems = load_source("workflowId: deep\nname: Deep\n" + nested, "deep.yaml", Catalogue())
    assert any("nest deeper" in p.message for p in problems)


def test_unknown_type_persona_compute_and_variable_are_each_reported(tmp_path: Path) -> None:
    text = """workflowId: bad
name: Bad
inputs:
  model_name: {type: text}
steps:
  - stepId: a
    type: teleport
  - stepId: b
    type: prompt
    config: {agent: nobody, task: "hello {{model_name}}"}
  - stepId: c
    type: compute
    config: {fn: no_such_fn}
  - stepId: d
    type: tool
    tool: memory_store
    config: {namespace: ns, key: "{{model_name}}/{{versoin}}", value: 1}
  - stepId: e
    type: conditional
    config: {condition: "b.answer ==", then: []}
"""
    catalogue = Catalogue(personas={"data-scientist"}, computes={"values", "drift"})
    _wf, problems = load_source(text, "bad.yaml", catalogue)
    found = {(p.line, p.message.split(" (")[0]) for p in errors(problems)}
    assert (7, "unknown step type 'teleport'") in found
    assert (10, "unknown persona 'nobody'") in found
    assert (13, "unknown computation 'no_such_fn'") in found
    assert any(line == 17 and "versoin" in msg for line, msg in found)
    assert any(line == 20 and "expected a value" in msg for line, msg in found)


def test_forward_reference_and_reserved_id(tmp_path: Path) -> None:
    text = """workflowId: fwd
name: Fwd
inputs: {x: {type: number, default: 1}}
steps:
  - {stepId: early, type: compute, config: {fn: values, args: {v: "{{late.y}}"}}}
  - {stepId: late, type: compute, config: {fn: values, args: {y: "{{x}}"}}}
  - {stepId: inputs, type: compute, config: {fn: values}}
"""
    _wf, problems = load_source(text, "fwd.yaml", Catalogue())
    messages = [p.message for p in errors(problems)]
    assert any("runs later" in m for m in messages)
    assert any("reserved" in m for m in messages)


def test_field_definitions_are_checked() -> None:
    text = """workflowId: f
name: F
inputs:
  n: {type: number, default: "abc"}
  c: {type: choice}
  r: {type: text, regex: "("}
  z: {type: colour}
steps: []
"""
    _wf, problems = load_source(text, "f.yaml", Catalogue())
    fields = {p.field for p in errors(problems)}
    assert {"inputs.n.default", "inputs.c.choices", "inputs.r.regex", "inputs.z.type"} <= fields


def test_duplicate_mapping_key_is_an_error() -> None:
    with pytest.raises(YamlProblem) as exc:
        parse_yaml("a: 1\nb: 2\na: 3\n", "d.yaml")
    assert exc.value.where.startswith("d.yaml:3") and "duplicate key 'a'" in exc.value.message


def test_unknown_workflow_id_is_not_found() -> None:
    with pytest.raises(NotFoundError):
        load_workflow("no-such-workflow")


def test_user_folder_overrides_builtin(isolated_home: Path) -> None:
    folder = isolated_home / "config" / "axtui" / "workflows"
    folder.mkdir(parents=True)
    (folder / "mine.yaml").write_text(
        "workflowId: ml-ab-testing\nname: Mine\nversion: '9'\n"
        "steps:\n  - {stepId: s, type: compute, config: {fn: checksum, args: {artifact_path: x}}}\n",
        encoding="utf-8",
    )
    assert load_workflow("ml-ab-testing").name == "Mine"


def test_a_zero_ttl_is_refused_with_the_line(tmp_path) -> None:
    from axtui.core.workflow import validate_file

    path = tmp_path / "ttl.yaml"
    path.write_text(
        'workflowId: ttl-zero\nname: TTL zero\ndescription: d\nversion: "1.0.0"\nsteps:\n'
        "  - stepId: save\n    name: Save\n    type: tool\n    tool: memory_store\n"
        "    config: {namespace: ml-alerts, key: k, ttl: 0, value: {a: 1}}\n"
    )
    _, problems = validate_file(path)
    assert [p.line for p in problems if p.severity == "error"] == [10]
    assert "positive number of seconds" in problems[0].message


def test_the_yaml12_table_is_ruamels() -> None:
    """The loader's copy of ruamel.yaml's YAML 1.2 implicit resolvers (it spares a replay the
    import) is ruamel's table: the same patterns, flags and order for every first character."""
    from ruamel.yaml.resolver import VersionedResolver

    from axtui.core.workflow.loader import _implicit_table

    theirs = VersionedResolver(version=(1, 2)).versioned_resolver
    expected = {
        key: [(str(tag), rx.pattern, rx.flags) for tag, rx in entries]
        for key, entries in theirs.items()
        if key is not None
    }
    ours = {
        key: [(tag, rx.pattern, rx.flags) for tag, rx in entries]
        for key, entries in _implicit_table().items()
    }
    assert ours == expected
