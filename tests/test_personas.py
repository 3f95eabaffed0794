"""Persona files: the built-ins the seeds name, both AutomatosX forms, user overrides, clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from axtui.config import builtin_dir
from axtui.core.personas import (
    fallback_persona,
    get_persona,
    load_persona_file,
    load_personas,
    persona_warnings,
)
from axtui.errors import InputError, NotFoundError

SEED_PERSONAS = {
    "data-scientist",
    "ml-engineer",
    "mlops-engineer",
    "writer",
    "architect-review",
    "data-engineer",
    "python-pro",
    "deployment-engineer",
    "security-auditor",
    "performance-engineer",
    "ml-ops",
    "generalist",
}

MINIMAL = """\
agentId: {id}
displayName: {name}
role: Tester
systemPrompt: |
  You are {name}, a tester.
  - Test everything.
"""


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_every_seed_persona_is_built_in_with_substance() -> None:
    personas = load_personas()
    assert set(personas) >= SEED_PERSONAS
    for persona in personas.values():
        assert persona.source is not None and persona.source.parent == builtin_dir("agents")
        assert persona.system_prompt.count("\n") >= 10, persona.agent_id  # a real prompt, not one line
        assert persona.system_prompt.startswith(f"You are {persona.display_name}"), persona.agent_id
        assert persona.expertise and persona.capabilities, persona.agent_id
        assert persona.primary_intents and persona.keywords, persona.agent_id
        assert persona.temperature is not None and 0 <= persona.temperature <= 1
        assert persona.max_tokens and persona.max_tokens >= 1000
        assert set(persona.preferred_delegates) <= set(personas), persona.agent_id
    assert persona_warnings(personas) == []


def test_mlops_engineer_is_the_prd_profile_in_its_constraints_form() -> None:
    persona = get_persona("mlops-engineer")
    raw = json.loads(persona.source.read_text(encoding="utf-8"))
    assert persona.source.suffix == ".json"
    assert persona.display_name == "Devin"
    assert "Automate everything. Monitor everything. Trust nothing." in persona.system_prompt
    assert persona.temperature == 0.3 and persona.max_tokens == 12000  # from `constraints`
    assert "temperature" not in raw and raw["constraints"]["maxTokens"] == 12000
    assert persona.max_delegation_depth == 1
    assert persona.preferred_delegates == ["ml-engineer", "data-scientist"]
    assert persona.anti_keywords == ["research", "algorithm", "theory", "paper"]
    assert "Kubernetes/Docker" in persona.expertise
    assert persona.extra["team"] == "platform"  # unused AutomatosX fields are kept


def test_top_level_temperature_and_max_tokens_load(tmp_path: Path) -> None:
    path = write(
        tmp_path, "a.yaml", MINIMAL.format(id="alpha", name="Al") + "temperature: 0.7\nmaxTokens: 500\n"
    )
    persona = load_persona_file(path)
    assert persona is not None and (persona.temperature, persona.max_tokens) == (0.7, 500)
    # top level wins over constraints when both are given
    both = MINIMAL.format(id="beta", name="Be") + "temperature: 0.1\nconstraints:\n  temperature: 0.9\n"
    persona = load_persona_file(write(tmp_path, "b.yaml", both))
    assert persona is not None and persona.temperature == 0.1


def test_user_folders_override_builtins_by_id(
    isolated_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    user_dir = isolated_home / "config" / "axtui" / "agents"
    write(user_dir, "mine.yaml", MINIMAL.format(id="writer", name="Quill"))
    write(user_dir, "new.yml", MINIMAL.format(id="tester", name="Tess"))
    project = tmp_path / "project"
    write(project / ".axtui" / "agents", "w.yaml", MINIMAL.format(id="writer", name="Scribe"))
    write(
        project / ".axtui" / "agents",
        "off.yaml",
        MINIMAL.format(id="python-pro", name="Offy") + "enabled: false\n",
    )
    monkeypatch.chdir(project)
    personas = load_personas()
    assert personas["writer"].display_name == "Scribe"  # ./.axtui beats the config folder
    assert personas["tester"].display_name == "Tess"
    assert "python-pro" not in personas  # hidden by enabled: false
    assert personas["data-scientist"].display_name == "Dana"  # untouched built-in


def test_missing_agent_id_names_file(tmp_path: Path) -> None:
    path = write(tmp_path, "x.yaml", "displayName: X\nsystemPrompt: hi\n")
    with pytest.raises(InputError) as info:
        load_personas([tmp_path])
    assert "agentId" in info.value.message and info.value.where == str(path)
    assert "agentId" in (info.value.hint or "")


def test_wrong_type_names_file_line_and_field(tmp_path: Path) -> None:
    text = MINIMAL.format(id="gamma", name="Gam") + "constraints:\n  temperature: hot\n"
    path = write(tmp_path, "g.yaml", text)
    with pytest.raises(InputError) as info:
        load_personas([tmp_path])
    line = text.splitlines().index("  temperature: hot") + 1
    assert info.value.where == f"{path}:{line}"
    assert "constraints.temperature" in info.value.message and "'hot'" in info.value.message


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ("expertise: 5\n", "expertise"),
        ("maxTokens: 1.5\n", "maxTokens"),
        ("temperature: 7\n", "temperature"),
        ("orchestration:\n  maxDelegationDepth: -1\n", "orchestration.maxDelegationDepth"),
        ("orchestration: [1, 2]\n", "orchestration"),
        ("selectionMetadata:\n  keywords: {a: 1}\n", "selectionMetadata.keywords"),
        ("model: 3\n", "model"),
        (
            "orchestration:\n  maxDelegationDepth: 1\n  preferredDelegates: [delta]\n",
            "orchestration.preferredDelegates",
        ),
    ],
)
def test_invalid_fields_are_named(tmp_path: Path, extra: str, field: str) -> None:
    write(tmp_path, "d.yaml", MINIMAL.format(id="delta", name="Del") + extra)
    with pytest.raises(InputError) as info:
        load_personas([tmp_path])
    assert f"'{field}'" in info.value.message
    assert info.value.where and info.value.where.startswith(str(tmp_path / "d.yaml") + ":")


def test_bad_yaml_and_bad_json_name_the_line(tmp_path: Path) -> None:
    write(tmp_path, "bad.yaml", "agentId: x\nsystemPrompt: [unclosed\nrole: y\n")
    with pytest.raises(InputError) as info:
        load_personas([tmp_path])
    assert info.value.where.startswith(str(tmp_path / "bad.yaml") + ":")
    other = tmp_path / "json"
    write(other, "bad.json", '{\n  "agentId": "x",\n  "role": \n}\n')
    with pytest.raises(InputError) as info:
        load_personas([other])
    assert info.value.where == f"{other / 'bad.json'}:4:1"  # line and column
    assert "not valid JSON" in info.value.message


def test_json_personas_load_with_line_numbers_for_errors(tmp_path: Path) -> None:
    good = {
        "agentId": "jay",
        "displayName": "Jay",
        "systemPrompt": "You are Jay, a tester.\n- ok",
        "constraints": {"temperature": 0.2, "maxTokens": 100},
    }
    write(tmp_path, "jay.json", json.dumps(good, indent=2))
    assert load_personas([tmp_path])["jay"].max_tokens == 100
    text = json.dumps(dict(good, agentId="kay", expertise={"x": 1}), indent=2)
    write(tmp_path, "kay.json", text)
    line = next(n for n, row in enumerate(text.splitlines(), 1) if '"expertise"' in row)
    with pytest.raises(InputError) as info:
        load_personas([tmp_path])
    assert info.value.where == f"{tmp_path / 'kay.json'}:{line}" and "'expertise'" in info.value.message


def test_duplicate_ids_in_one_folder_are_an_error(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", MINIMAL.format(id="same", name="A"))
    write(tmp_path, "b.yaml", MINIMAL.format(id="same", name="B"))
    with pytest.raises(InputError, match="defined twice"):
        load_personas([tmp_path])


def test_unknown_delegates_are_a_warning_not_an_error(tmp_path: Path) -> None:
    text = (
        MINIMAL.format(id="eps", name="Eps")
        + "orchestration:\n  maxDelegationDepth: 1\n  preferredDelegates: [ghost]\n"
    )
    write(tmp_path, "e.yaml", text)
    personas = load_personas([tmp_path])
    warnings = persona_warnings(personas)
    assert len(warnings) == 1 and "'ghost'" in warnings[0] and "e.yaml" in warnings[0]


def test_get_persona_lists_known_ids() -> None:
    with pytest.raises(NotFoundError) as info:
        get_persona("nobody")
    assert "data-scientist" in (info.value.hint or "") and info.value.exit_code == 1


def test_fallback_is_the_generalist() -> None:
    assert fallback_persona(load_personas()).agent_id == "generalist"


def test_to_dict_round_trips_through_the_loader(tmp_path: Path) -> None:
    import yaml

    original = get_persona("data-scientist")
    write(tmp_path, "copy.yaml", yaml.safe_dump(original.to_dict()))
    copy = load_personas([tmp_path])["data-scientist"]
    for name in (
        "system_prompt",
        "keywords",
        "example_tasks",
        "temperature",
        "max_tokens",
        "preferred_delegates",
        "max_delegation_depth",
        "expertise",
    ):
        assert getattr(copy, name) == getattr(original, name), name
