"""What a workflow is once loaded: plain dataclasses the runner, validator and TUI share."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

STEP_TYPES = ("input", "prompt", "tool", "compute", "conditional", "parallel", "discuss", "loop", "delegate")
# Steps the engine runs without a person: everything but forms and chats (see docs/workflows.md).
AUTO_STEP_TYPES = ("tool", "compute", "conditional", "parallel", "discuss", "loop", "delegate")
# What may sit inside a `parallel` block or a `loop` body: steps that need no person.
INLINE_STEP_TYPES = ("tool", "compute", "prompt", "discuss", "delegate")
TOOLS = ("memory_store", "memory_retrieve", "memory_search", "memory_delete")
FIELD_TYPES = ("text", "number", "integer", "choice", "bool", "list", "path", "json")
INPUTS_STEP_ID = "inputs"  # the synthetic first step that collects the workflow's declared inputs
MAX_NESTING = 8


@dataclass
class Field:
    """One form field: a workflow input or a field of an ``input`` step."""

    name: str
    type: str = "text"
    label: str | None = None
    help: str | None = None
    default: Any = None
    has_default: bool = False
    required: bool = True
    min: float | None = None
    max: float | None = None
    regex: str | None = None
    choices: list[Any] | None = None
    must_exist: bool = False
    columns: list[str] | None = None  # path fields: columns the file must hold (literals or templates)
    line: int = 0
    value: Any = None  # the current value when a session hands the field to a form

    @property
    def title(self) -> str:
        return self.label or self.name.replace("_", " ").capitalize()

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "label": self.title,
            "help": self.help,
            "default": self.default,
            "has_default": self.has_default,
            "required": self.required,
            "min": self.min,
            "max": self.max,
            "regex": self.regex,
            "choices": self.choices,
            "must_exist": self.must_exist,
            "columns": self.columns,
            "value": self.value,
        }


@dataclass
class Retry:
    max_attempts: int = 1
    backoff_ms: float = 1000.0
    backoff_multiplier: float = 2.0

    def delay_before(self, attempt: int) -> float:
        """Seconds to wait before ``attempt`` (2, 3, ...): backoff, then backoff × multiplier, ..."""
        if attempt <= 1:
            return 0.0
        return self.backoff_ms / 1000.0 * self.backoff_multiplier ** (attempt - 2)


@dataclass
class OutputSpec:
    """How a prompt or compute step exports a named variable.

    ``source`` is ``fact`` (a variable path, e.g. ``decide.decision``), ``regex`` (a pattern
    matched against the accepted answer) or ``answer`` (the whole answer text).
    """

    name: str
    source: str = "fact"
    path: str | None = None
    pattern: str | None = None
    group: int | str = 1
    type: str = "text"
    default: Any = None
    has_default: bool = False
    line: int = 0


@dataclass
class Step:
    id: str
    type: str
    name: str = ""
    timeout_ms: float | None = None
    retry: Retry = field(default_factory=Retry)
    config: dict[str, Any] = field(default_factory=dict)
    tool: str | None = None
    fields: list[Field] = field(default_factory=list)  # input steps
    outputs: list[OutputSpec] = field(default_factory=list)  # prompt / compute steps
    facts: dict[str, str] | None = None  # prompt steps: label -> variable path
    evidence: list[Any] | None = None  # what the step needs; absent -> "not measured" (workflow/evidence.py)
    branches: dict[str, list[Step]] = field(default_factory=dict)  # conditional: value -> steps
    then: list[Step] = field(default_factory=list)
    otherwise: list[Step] = field(default_factory=list)
    parallel: list[Step] = field(default_factory=list)  # parallel: children (checklist rows)
    body: list[Step] = field(default_factory=list)  # loop: steps run once per item (not rows)
    dependencies: list[str] = field(default_factory=list)
    parent: str | None = None
    branch: str | None = None  # which branch of the parent this step belongs to
    depth: int = 0
    line: int = 0
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def title(self) -> str:
        return self.name or self.id

    @property
    def agent(self) -> str | None:
        return self.config.get("agent") if self.type == "prompt" else None

    def children(self) -> Iterator[tuple[str, list[Step]]]:
        """Each nested block as (branch label, steps): ``then``/``else`` or the branch values."""
        yield from self.branches.items()
        if self.then:
            yield "then", self.then
        if self.otherwise:
            yield "else", self.otherwise
        if self.parallel:
            yield "parallel", self.parallel


@dataclass
class Workflow:
    id: str
    name: str
    version: str
    description: str = ""
    category: str | None = None
    tags: list[str] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)
    inputs: list[Field] = field(default_factory=list)
    declares_inputs: bool = False
    steps: list[Step] = field(default_factory=list)
    report: dict[str, Any] = field(default_factory=dict)
    decisions: dict[str, str] = field(default_factory=dict)
    path: Path | None = None
    source: str = ""  # the YAML text, kept with each session so a resume runs what was started
    overrides: list[dict[str, Any]] = field(default_factory=list)  # earlier files this one hides

    def flat_steps(self) -> list[Step]:
        """Every step, nested ones right after their conditional, in run order."""
        out: list[Step] = []

        def walk(steps: list[Step]) -> None:
            for step in steps:
                out.append(step)
                for _label, nested in step.children():
                    walk(nested)

        walk(self.steps)
        return out

    def step(self, step_id: str) -> Step | None:
        return next((s for s in self.flat_steps() if s.id == step_id), None)

    @property
    def estimated_duration(self) -> Any:
        return self.metadata.get("estimatedDuration")

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "version": self.version,
            "description": self.description,
            "category": self.category,
            "tags": list(self.tags),
            "estimated_duration": self.estimated_duration,
            "complexity": self.metadata.get("complexity"),
            "steps": len(self.flat_steps()),
            "path": str(self.path) if self.path else None,
            "overrides": [dict(o) for o in self.overrides],
        }


@dataclass
class Problem:
    """One validation finding, located in the file."""

    file: str
    line: int
    field: str
    message: str
    severity: str = "error"

    def render(self) -> str:
        loc = f"{self.file}:{self.line}" if self.line else self.file
        return f"{loc}: {self.field}: {self.message}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "line": self.line,
            "field": self.field,
            "message": self.message,
            "severity": self.severity,
        }
