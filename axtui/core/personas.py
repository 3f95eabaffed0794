"""Persona files: AutomatosX-compatible agent profiles, loaded from the built-in and user folders.

A persona is data, not code: a system prompt in the role's voice plus what the router and the
delegation planner need. Files are YAML or JSON with AutomatosX field names (``agentId``,
``displayName``, ``selectionMetadata``, ``constraints``, ``orchestration``...). Fields axtui does
not use (``team``, ``priority``, ``taskAbilities``...) are kept in ``extra`` so nothing is lost.

Every AutomatosX era loads (docs/personas-and-models.md): the v5 YAML profiles name their id
``name:`` (with ``team``, ``abilities``, ``abilitySelection``, ``provider``...), the v13 JSON
profiles ``agentId:`` (with ``personality``, ``workflow``, ``version``...). Unknown fields are
kept in ``extra`` and shown by ``agents show``; they are never fatal.

Folders are read in the order of :func:`axtui.config.search_dirs` (built-in, then
``$XDG_CONFIG_HOME/axtui/agents``, then ``./.axtui/agents``); a later file with the same
``agentId`` replaces the earlier one, and ``enabled: false`` hides a persona. Reading the search
folders, a file that does not parse or validate is skipped with a warning naming it (one broken
user file must not stop the other personas, ``workflows validate`` or a run); reading explicit
folders (``strict``) raises instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from axtui.config import search_dirs
from axtui.errors import InputError, NotFoundError

PERSONA_SUFFIXES = (".yaml", ".yml", ".json")
FALLBACK_IDS = ("generalist", "assistant")
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_SELECTION_FIELDS = (
    "primaryIntents",
    "secondarySignals",
    "keywords",
    "antiKeywords",
    "exampleTasks",
    "notForTasks",
)
_KNOWN_FIELDS = {
    "agentId",
    "displayName",
    "role",
    "description",
    "systemPrompt",
    "expertise",
    "capabilities",
    "selectionMetadata",
    "temperature",
    "maxTokens",
    "constraints",
    "orchestration",
    "model",
    "enabled",
    "priority",
    "tags",
    "name",  # v5: the id (when there is no agentId)
}
# v5 profiles list their skills as `abilities:`; axtui reads them as capabilities.
_V5_CAPABILITIES = "abilities"


@dataclass
class Persona:
    """One agent persona, normalised from its file."""

    agent_id: str
    display_name: str
    role: str
    description: str
    system_prompt: str
    expertise: list[str] = field(default_factory=list)
    capabilities: list[str] = field(default_factory=list)
    primary_intents: list[str] = field(default_factory=list)
    secondary_signals: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    anti_keywords: list[str] = field(default_factory=list)
    example_tasks: list[str] = field(default_factory=list)
    not_for_tasks: list[str] = field(default_factory=list)
    temperature: float | None = None
    max_tokens: int | None = None
    max_delegation_depth: int = 0
    preferred_delegates: list[str] = field(default_factory=list)
    model: str | None = None
    priority: int = 50
    tags: list[str] = field(default_factory=list)
    source: Path | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def is_fallback(self) -> bool:
        return self.agent_id in FALLBACK_IDS

    def to_dict(self) -> dict[str, Any]:
        """The persona in AutomatosX field names (what `agents show --json` prints)."""
        return {
            "agentId": self.agent_id,
            "displayName": self.display_name,
            "role": self.role,
            "description": self.description,
            "systemPrompt": self.system_prompt,
            "expertise": list(self.expertise),
            "capabilities": list(self.capabilities),
            "selectionMetadata": {
                "primaryIntents": list(self.primary_intents),
                "secondarySignals": list(self.secondary_signals),
                "keywords": list(self.keywords),
                "antiKeywords": list(self.anti_keywords),
                "exampleTasks": list(self.example_tasks),
                "notForTasks": list(self.not_for_tasks),
            },
            "temperature": self.temperature,
            "maxTokens": self.max_tokens,
            "orchestration": {
                "maxDelegationDepth": self.max_delegation_depth,
                "preferredDelegates": list(self.preferred_delegates),
            },
            "model": self.model,
            "priority": self.priority,
            "tags": list(self.tags),
            "source": str(self.source) if self.source else None,
            "extra": dict(self.extra),
        }


# -- reading files -------------------------------------------------------------


def _parse(path: Path) -> tuple[Any, str]:
    """The file as YDict/YList (YAML 1.2, or JSON), with line numbers for error messages."""
    from axtui.core.workflow.loader import YamlProblem, parse_document

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise InputError(
            f"cannot read the persona file: {reason}",
            where=str(path),
            hint="check the file's permissions and encoding",
        ) from exc
    try:
        data = parse_document(text, str(path))
    except YamlProblem as exc:
        kind = "JSON" if path.suffix == ".json" else "YAML"
        raise InputError(
            f"the persona file is not valid {kind}: {exc.message.split(': ', 1)[-1]}",
            where=exc.where,
            hint=exc.hint or f"fix the {kind} syntax",
        ) from exc
    return data, text


class _Fields:
    """Typed access to one file's mapping, raising errors that name the file, line and field."""

    def __init__(self, path: Path, data: dict[str, Any], text: str | None) -> None:
        self.path, self.data, self.text_source = path, data, text

    def where(self, *keys: str) -> str:
        """``file:line`` of the deepest of ``keys`` present (the parsed mapping carries lines)."""
        node: Any = self.data
        line = 0
        for key in keys:
            if not isinstance(node, dict) or key not in node:
                break
            line = node.line_of(key) if hasattr(node, "line_of") else line
            node = node[key]
        return f"{self.path}:{line}" if line else str(self.path)

    def fail(self, keys: tuple[str, ...], message: str, hint: str) -> InputError:
        return InputError(f"field {'.'.join(keys)!r} {message}", where=self.where(*keys), hint=hint)

    def get(self, *keys: str) -> Any:
        node: Any = self.data
        for key in keys:
            if not isinstance(node, dict):
                return None
            node = node.get(key)
        return node

    def mapping(self, *keys: str) -> dict[str, Any]:
        value = self.get(*keys)
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.fail(
                keys,
                f"must be a mapping, not {type(value).__name__}",
                "write it as `key: value` lines under the field",
            )
        return value

    def text(self, *keys: str, required: bool = False, default: str = "") -> str:
        value = self.get(*keys)
        if value is None or (isinstance(value, str) and not value.strip() and required):
            if required:
                raise self.fail(keys, "is missing", f"add `{keys[-1]}:` to the persona file")
            return default
        if not isinstance(value, str):
            raise self.fail(keys, f"must be text, not {type(value).__name__}", "quote the value")
        return value.strip()

    def strings(self, *keys: str) -> list[str]:
        value = self.get(*keys)
        if value is None:
            return []
        if isinstance(value, str):
            return [value]
        if not isinstance(value, list) or not all(isinstance(v, str | int | float) for v in value):
            raise self.fail(keys, "must be a list of text items", f"write `{keys[-1]}: [a, b, c]`")
        return [str(v).strip() for v in value if str(v).strip()]

    def number(self, *keys: str, lo: float, hi: float, integer: bool = False) -> float | int | None:
        value = self.get(*keys)
        if value is None:
            return None
        kind = "a whole number" if integer else "a number"
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or (integer and not isinstance(value, int))
        ):
            raise self.fail(keys, f"must be {kind}, not {value!r}", f"use {kind} between {lo:g} and {hi:g}")
        if not lo <= value <= hi:
            raise self.fail(
                keys, f"is {value}, outside {lo:g}..{hi:g}", f"use {kind} between {lo:g} and {hi:g}"
            )
        return value


def parse_persona(path: Path, data: Any, text: str | None = None) -> Persona:
    """Validate one persona mapping and normalise it; errors name the file, line and field."""
    if not isinstance(data, dict):
        raise InputError(
            "a persona file must be a mapping of fields",
            where=str(path),
            hint="start the file with `agentId: my-agent`",
        )
    f = _Fields(path, data, text)
    id_key = "agentId" if data.get("agentId") is not None or data.get("name") is None else "name"
    agent_id = f.text(id_key, required=True)
    if not _ID_RE.match(agent_id):
        raise f.fail(
            (id_key,),
            f"is {agent_id!r}, not a valid id",
            "use lowercase letters, digits, '-' and '_' (e.g. data-scientist)",
        )
    f.mapping("constraints")
    orchestration = f.mapping("orchestration")
    f.mapping("selectionMetadata")
    # Top-level temperature/maxTokens win over the PRD's `constraints` form when both are present.
    temp_keys = ("temperature",) if data.get("temperature") is not None else ("constraints", "temperature")
    tok_keys = ("maxTokens",) if data.get("maxTokens") is not None else ("constraints", "maxTokens")
    temperature = f.number(*temp_keys, lo=0.0, hi=2.0)
    max_tokens = f.number(*tok_keys, lo=1, hi=10_000_000, integer=True)
    depth = f.number("orchestration", "maxDelegationDepth", lo=0, hi=10, integer=True)
    if orchestration.get("canDelegate") is False:
        depth = 0
    delegates = f.strings("orchestration", "preferredDelegates")
    if agent_id in delegates:
        raise f.fail(
            ("orchestration", "preferredDelegates"),
            f"lists the persona itself ({agent_id!r})",
            "remove it: a persona cannot delegate to itself",
        )
    model = f.get("model")
    if model is not None and not isinstance(model, str):
        raise f.fail(
            ("model",),
            f"must be a LiteLLM model string, not {type(model).__name__}",
            "e.g. model: openai/gpt-4o-mini",
        )
    priority = f.number("priority", lo=0, hi=1000, integer=True)
    display = f.text("displayName") or agent_id.replace("-", " ").title()
    selection = {name: f.strings("selectionMetadata", name) for name in _SELECTION_FIELDS}
    return Persona(
        agent_id=agent_id,
        display_name=display,
        role=f.text("role") or display,
        description=f.text("description"),
        system_prompt=f.text("systemPrompt", required=True),
        expertise=f.strings("expertise"),
        capabilities=f.strings("capabilities") or _v5_abilities(f, data),
        primary_intents=selection["primaryIntents"],
        secondary_signals=selection["secondarySignals"],
        keywords=selection["keywords"],
        anti_keywords=selection["antiKeywords"],
        example_tasks=selection["exampleTasks"],
        not_for_tasks=selection["notForTasks"],
        temperature=float(temperature) if temperature is not None else None,
        max_tokens=int(max_tokens) if max_tokens is not None else None,
        max_delegation_depth=int(depth or 0),
        preferred_delegates=delegates,
        model=model.strip() or None if isinstance(model, str) else None,
        priority=int(priority) if priority is not None else 50,
        tags=f.strings("tags"),
        source=path,
        extra=_extra(data, id_key),
    )


def _v5_abilities(f: _Fields, data: dict[str, Any]) -> list[str]:
    """v5's ``abilities: [..]`` list (v13's ``abilities`` is a mapping and stays in ``extra``)."""
    return f.strings(_V5_CAPABILITIES) if isinstance(data.get(_V5_CAPABILITIES), list) else []


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _extra(data: dict[str, Any], id_key: str) -> dict[str, Any]:
    """Everything axtui does not read, kept as written (unknown sub-fields included)."""
    out = {k: _plain(v) for k, v in data.items() if k not in _KNOWN_FIELDS}
    if id_key == "agentId" and "name" in data:
        out["name"] = _plain(data["name"])
    if isinstance(data.get(_V5_CAPABILITIES), list) and not data.get("capabilities"):
        out.pop(_V5_CAPABILITIES, None)  # read as the capabilities
    known_sub = {
        "selectionMetadata": set(_SELECTION_FIELDS),
        "orchestration": {"maxDelegationDepth", "preferredDelegates", "canDelegate"},
        "constraints": {"temperature", "maxTokens"},
    }
    for key, names in known_sub.items():
        section = data.get(key)
        if isinstance(section, dict):
            rest = {k: _plain(v) for k, v in section.items() if k not in names}
            if rest:
                out[key] = rest
    return out


def load_persona_file(path: str | Path) -> Persona | None:
    """One persona from one file; ``None`` when the file says ``enabled: false``."""
    path = Path(path)
    data, text = _parse(path)
    persona = parse_persona(path, data, text)
    if isinstance(data, dict) and data.get("enabled") is False:
        return None
    return persona


def _files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(
        p
        for p in folder.iterdir()
        if p.suffix in PERSONA_SUFFIXES and p.is_file() and not p.name.startswith(".")
    )


def load_personas(
    dirs: Iterable[str | Path] | None = None,
    *,
    strict: bool | None = None,
    warnings: list[str] | None = None,
) -> dict[str, Persona]:
    """Every persona from the search folders, later folders overriding earlier ones by ``agentId``.

    Two files in the *same* folder with one id are an error (which one is meant is unclear);
    the same id in a later folder is an override, and ``enabled: false`` there hides the persona.
    ``strict`` (the default for explicit ``dirs``) raises on the first bad file; otherwise a bad
    file is skipped and described in ``warnings`` (when given), naming the file and line.
    """
    folders = [Path(d) for d in dirs] if dirs is not None else search_dirs("agents")
    strict = dirs is not None if strict is None else strict
    if dirs is not None or strict or warnings is not None:
        return _load(folders, strict, warnings)
    # The default folders, unchanged since the last load: the same personas. A workflow's check
    # and its session both ask (a replay did twice ≈ 12 YAML parses, bench/batch.md).
    key = _signature(folders)
    if key not in _LOADED:
        _LOADED.clear()
        _LOADED[key] = _load(folders, strict, None)
    return dict(_LOADED[key])


_LOADED: dict[tuple[tuple[str, int, int], ...], dict[str, Persona]] = {}


def _signature(folders: list[Path]) -> tuple[tuple[str, int, int], ...]:
    """(path, mtime_ns, size) of every persona file in ``folders``: changes when any file does."""
    out = []
    for folder in folders:
        for path in _files(folder):
            st = path.stat()
            out.append((str(path), st.st_mtime_ns, st.st_size))
    return tuple(out)


def _load(folders: list[Path], strict: bool, warnings: list[str] | None) -> dict[str, Persona]:
    personas: dict[str, Persona] = {}
    for folder in folders:
        seen: dict[str, Path] = {}
        for path in _files(folder):
            try:
                data, text = _parse(path)
                persona = parse_persona(path, data, text)
                if persona.agent_id in seen:
                    raise InputError(
                        f"agentId {persona.agent_id!r} is defined twice in one folder "
                        f"(also in {seen[persona.agent_id].name})",
                        where=str(path),
                        hint="rename one of the agentIds or delete one file",
                    )
            except InputError as exc:
                if strict:
                    raise
                if warnings is not None:
                    warnings.append(f"{exc.where or path}: {exc.message} (file skipped)")
                continue
            seen[persona.agent_id] = path
            if isinstance(data, dict) and data.get("enabled") is False:
                personas.pop(persona.agent_id, None)
            else:
                personas[persona.agent_id] = persona
    return dict(sorted(personas.items()))


def persona_warnings(personas: dict[str, Persona]) -> list[str]:
    """Problems that do not stop loading: delegates that are not installed.

    A user persona may name a delegate the user has not added yet; delegation simply skips
    it, so this is a warning (shown by `axtui agents list`) rather than an error.
    """
    warnings = []
    for persona in personas.values():
        for delegate in persona.preferred_delegates:
            if delegate not in personas:
                where = f"{persona.source}: " if persona.source else ""
                warnings.append(
                    f"{where}persona {persona.agent_id!r} names unknown delegate {delegate!r} "
                    "(it will be skipped)"
                )
    return warnings


def fallback_persona(personas: dict[str, Persona]) -> Persona:
    """The general persona used when routing finds nothing better."""
    for agent_id in FALLBACK_IDS:
        if agent_id in personas:
            return personas[agent_id]
    if not personas:
        raise NotFoundError(
            "no personas are installed",
            hint="reinstall axtui, or add persona files to $XDG_CONFIG_HOME/axtui/agents",
        )
    return next(iter(personas.values()))


def get_persona(agent_id: str, personas: dict[str, Persona] | None = None) -> Persona:
    """The persona with this id, or a NotFoundError that lists the known ids."""
    personas = load_personas() if personas is None else personas
    persona = personas.get(agent_id)
    if persona is None:
        known = ", ".join(personas) or "(none)"
        raise NotFoundError(f"unknown persona {agent_id!r}", hint=f"known personas: {known}")
    return persona
