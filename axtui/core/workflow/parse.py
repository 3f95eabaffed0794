"""From parsed YAML to a ``Workflow``, collecting every structural problem with its line.

Structural means: what a single step or field says about itself (types, required keys,
numbers in range). Cross-step checks (duplicate ids, template variables, personas, compute
names) live in ``validate.py``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from axtui.core.workflow.conditions import ConditionError, parse_condition
from axtui.core.workflow.forms import (
    normalise_prompt,
    normalise_tool,
    parse_extra_step,
    wrap_single_step,
)
from axtui.core.workflow.loader import YDict, YList
from axtui.core.workflow.model import (
    FIELD_TYPES,
    INPUTS_STEP_ID,
    MAX_NESTING,
    STEP_TYPES,
    TOOLS,
    Field,
    OutputSpec,
    Problem,
    Retry,
    Step,
    Workflow,
)

STEP_ID_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_-]*$")
# AutomatosX names its standard workflows `std/analysis`: ids may hold `/` and `.` (never `..`).
WORKFLOW_ID_RE = re.compile(r"^[A-Za-z0-9_](?:[A-Za-z0-9_.-]|/(?!/))*$")
VAR_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
TYPE_ALIASES = {
    "string": "text",
    "str": "text",
    "file": "path",
    "boolean": "bool",
    "int": "integer",
    "float": "number",
    "enum": "choice",
    "select": "choice",
    "array": "list",
    "object": "json",
}
WORKFLOW_KEYS = {
    "workflowId",
    "name",
    "description",
    "version",
    "category",
    "tags",
    "metadata",
    "steps",
    "inputs",
    "report",
    "decisions",
    "author",
    "id",
}
STEP_KEYS = {
    "stepId",
    "name",
    "type",
    "timeout",
    "retry",
    "config",
    "tool",
    "outputs",
    "facts",
    "description",
    "fields",
    "evidence",
    "retryPolicy",
    "timeoutMs",
    "dependencies",
    "steps",
    "then",
    "else",
}
FIELD_KEYS = {
    "name",
    "type",
    "label",
    "help",
    "default",
    "required",
    "min",
    "max",
    "regex",
    "choices",
    "must_exist",
    "mustExist",
    "description",
    "columns",
}


class _Ctx:
    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []

    def add(self, line: int, field: str, message: str, severity: str = "error") -> None:
        self.problems.append(Problem(self.file, line, field, message, severity))


def _line(node: Any, key: str | int | None = None) -> int:
    if key is not None and isinstance(node, YDict) and isinstance(key, str):
        return node.line_of(key)
    if key is not None and isinstance(node, YList) and isinstance(key, int):
        return node.line_of(key)
    return getattr(node, "line", 0)


def _num(ctx: _Ctx, node: YDict, key: str, where: str, *, minimum: float | None = None) -> float | None:
    value = node.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        ctx.add(_line(node, key), f"{where}.{key}", f"must be a number, got {value!r}")
        return None
    if minimum is not None and value < minimum:
        ctx.add(_line(node, key), f"{where}.{key}", f"must be at least {minimum:g}, got {value:g}")
        return None
    return float(value)


def parse_fields(ctx: _Ctx, node: Any, where: str) -> list[Field]:
    """Fields from a list of ``{name: ..., type: ...}`` or a mapping ``name -> spec``."""
    items: list[tuple[str | None, Any, int]] = []
    if isinstance(node, YList):
        for i, spec in enumerate(node):
            name = spec.get("name") if isinstance(spec, dict) else None
            items.append((name, spec, _line(node, i)))
    elif isinstance(node, YDict):
        for name, spec in node.items():
            items.append((name, spec if spec is not None else YDict(), _line(node, name)))
    else:
        ctx.add(_line(node), where, "must be a list of fields or a mapping of name to field")
        return []
    fields: list[Field] = []
    seen: set[str] = set()
    for name, spec, line in items:
        if not isinstance(spec, dict):
            # shorthand: `name: default`
            spec = YDict({"default": spec})
            spec.line, spec.lines = line, {}
        fwhere = f"{where}.{name}" if name else where
        if not isinstance(name, str) or not VAR_NAME_RE.match(name):
            ctx.add(line, fwhere, f"field name {name!r} must be a word (letters, digits, _ or -)")
            continue
        if name in seen:
            ctx.add(line, fwhere, f"duplicate field {name!r}")
            continue
        seen.add(name)
        for key in spec:
            if key not in FIELD_KEYS:
                ctx.add(
                    _line(spec, key),
                    f"{fwhere}.{key}",
                    f"unknown field option {key!r} "
                    f"(known: {', '.join(sorted(FIELD_KEYS - {'mustExist', 'name'}))})",
                )
        kind = str(spec.get("type", "text")).lower()
        kind = TYPE_ALIASES.get(kind, kind)
        if kind not in FIELD_TYPES:
            ctx.add(
                _line(spec, "type"),
                f"{fwhere}.type",
                f"unknown field type {spec.get('type')!r} (use one of: {', '.join(FIELD_TYPES)})",
            )
            kind = "text"
        has_default = "default" in spec
        required = spec.get("required", not has_default)
        if not isinstance(required, bool):
            ctx.add(_line(spec, "required"), f"{fwhere}.required", "must be true or false")
            required = True
        choices = spec.get("choices")
        if choices is not None and not isinstance(choices, list):
            ctx.add(_line(spec, "choices"), f"{fwhere}.choices", "must be a list")
            choices = None
        if kind == "choice" and not choices:
            ctx.add(_line(spec), f"{fwhere}.choices", "a choice field needs a list of choices")
        regex = spec.get("regex")
        if regex is not None:
            try:
                re.compile(str(regex))
            except re.error as exc:
                ctx.add(_line(spec, "regex"), f"{fwhere}.regex", f"not a valid regular expression: {exc}")
                regex = None
        must_exist = spec.get("must_exist", spec.get("mustExist", kind == "path"))
        field = Field(
            name=name,
            type=kind,
            label=spec.get("label"),
            help=spec.get("help") or spec.get("description"),
            default=spec.get("default"),
            has_default=has_default,
            required=bool(required),
            min=_num(ctx, spec, "min", fwhere),
            max=_num(ctx, spec, "max", fwhere),
            regex=str(regex) if regex is not None else None,
            choices=list(choices) if choices else None,
            must_exist=bool(must_exist),
            columns=_parse_columns(ctx, spec, fwhere, kind),
            line=line,
        )
        if has_default and field.default is not None:
            from axtui.core.workflow.fields import _Invalid, coerce

            probe = Field(**{**field.__dict__, "must_exist": False})
            try:
                field.default = coerce(probe, field.default)
            except _Invalid as exc:
                ctx.add(_line(spec, "default"), f"{fwhere}.default", f"default does not fit the field: {exc}")
        fields.append(field)
    return fields


def _parse_columns(ctx: _Ctx, spec: YDict, fwhere: str, kind: str) -> list[str] | None:
    """``columns:`` on a path field: the column names (literals or ``{{input}}``) its file must hold."""
    if "columns" not in spec or spec["columns"] is None:
        return None
    raw = spec["columns"]
    items = [raw] if isinstance(raw, str) else raw
    if kind != "path":
        ctx.add(_line(spec, "columns"), f"{fwhere}.columns", "columns: applies to path fields only")
        return None
    if not isinstance(items, list) or not all(isinstance(c, str) and c.strip() for c in items):
        ctx.add(
            _line(spec, "columns"), f"{fwhere}.columns", "must be a list of column names or {{input}} names"
        )
        return None
    return [c.strip() for c in items]


def _parse_outputs(ctx: _Ctx, node: Any, where: str) -> list[OutputSpec]:
    if node is None:
        return []
    if not isinstance(node, YDict):
        ctx.add(_line(node), where, "outputs must be a mapping of variable name to how to get it")
        return []
    out: list[OutputSpec] = []
    for name, spec in node.items():
        line = _line(node, name)
        owhere = f"{where}.{name}"
        if not VAR_NAME_RE.match(name):
            ctx.add(line, owhere, f"output name {name!r} must be a word")
            continue
        if isinstance(spec, str):  # shorthand: name: path.to.value
            out.append(OutputSpec(name=name, source="fact", path=spec, line=line))
            continue
        if not isinstance(spec, YDict):
            ctx.add(line, owhere, "must be a variable path or a mapping with `from`")
            continue
        source = spec.get("from", "fact")
        if source not in ("fact", "regex", "answer"):
            ctx.add(_line(spec, "from"), f"{owhere}.from", f"unknown source {source!r} (fact, regex, answer)")
            continue
        item = OutputSpec(
            name=name,
            source=source,
            path=spec.get("path"),
            pattern=spec.get("pattern"),
            group=spec.get("group", 1),
            type=str(spec.get("type", "text")),
            default=spec.get("default"),
            has_default="default" in spec,
            line=line,
        )
        if source == "fact" and not item.path:
            ctx.add(line, f"{owhere}.path", "a `from: fact` output needs `path` (a variable path)")
        if source == "regex":
            if not item.pattern:
                ctx.add(line, f"{owhere}.pattern", "a `from: regex` output needs `pattern`")
            else:
                try:
                    re.compile(item.pattern)
                except re.error as exc:
                    ctx.add(
                        _line(spec, "pattern"), f"{owhere}.pattern", f"not a valid regular expression: {exc}"
                    )
        if item.type not in ("text", "number", "integer", "bool", "json"):
            ctx.add(_line(spec, "type"), f"{owhere}.type", "must be text, number, integer, bool or json")
        out.append(item)
    return out


def _parse_facts(ctx: _Ctx, node: Any, where: str) -> dict[str, str] | None:
    if node is None:
        return None
    if isinstance(node, YList):
        facts: dict[str, str] = {}
        for i, item in enumerate(node):
            if not isinstance(item, str):
                ctx.add(_line(node, i), where, "facts must be variable paths")
                continue
            facts[item] = item
        return facts
    if isinstance(node, YDict):
        bad = [k for k, v in node.items() if not isinstance(v, str)]
        for key in bad:
            ctx.add(_line(node, key), f"{where}.{key}", "must be a variable path")
        return {k: v for k, v in node.items() if isinstance(v, str)}
    ctx.add(_line(node), where, "facts must be a list of variable paths or a mapping label -> path")
    return None


def parse_steps(
    ctx: _Ctx, node: Any, where: str, *, parent: str | None = None, branch: str | None = None, depth: int = 0
) -> list[Step]:
    node = wrap_single_step(node)
    if not isinstance(node, YList):
        ctx.add(_line(node), where, "must be a list of steps")
        return []
    if not node:
        ctx.add(_line(node), where, "must hold at least one step (the list is empty)")
        return []
    if depth > MAX_NESTING:
        ctx.add(_line(node), where, f"conditionals nest deeper than {MAX_NESTING} levels")
        return []
    steps = []
    for i, item in enumerate(node):
        previous = steps[-1].id if steps else None
        step = parse_step(
            ctx,
            item,
            f"{where}[{i}]",
            _line(node, i),
            parent=parent,
            branch=branch,
            depth=depth,
            previous=previous,
        )
        if step is not None:
            steps.append(step)
    return steps


def parse_step(
    ctx: _Ctx,
    node: Any,
    where: str,
    line: int,
    *,
    parent: str | None,
    branch: str | None,
    depth: int,
    previous: str | None = None,
) -> Step | None:
    if not isinstance(node, YDict):
        ctx.add(line, where, "a step must be a mapping with stepId and type")
        return None
    step_id = node.get("stepId")
    if not isinstance(step_id, str) or not STEP_ID_RE.match(step_id):
        ctx.add(
            _line(node, "stepId"),
            f"{where}.stepId",
            "missing or invalid stepId (letters, digits, - and _)"
            if step_id is None
            else f"invalid stepId {step_id!r} (letters, digits, - and _)",
        )
        return None
    swhere = f"step {step_id}"
    if step_id == INPUTS_STEP_ID:
        ctx.add(
            _line(node, "stepId"),
            f"{swhere}.stepId",
            f"{INPUTS_STEP_ID!r} is reserved for the workflow's inputs form; choose another id",
        )
    for key in node:
        if key not in STEP_KEYS:
            ctx.add(_line(node, key), f"{swhere}.{key}", f"unknown step key {key!r} (ignored)", "warning")
    kind = node.get("type")
    if kind not in STEP_TYPES:
        import difflib

        near = difflib.get_close_matches(str(kind), STEP_TYPES, n=1)
        ctx.add(
            _line(node, "type"),
            f"{swhere}.type",
            f"unknown step type {kind!r}"
            + (f" (did you mean {near[0]!r}?)" if near else "")
            + f" (use one of: {', '.join(STEP_TYPES)})",
        )
        return None
    config = node.get("config", YDict())
    if config is None:
        config = YDict()
    if not isinstance(config, YDict):
        ctx.add(_line(node, "config"), f"{swhere}.config", "config must be a mapping")
        config = YDict()
    step = Step(
        id=step_id,
        type=kind,
        name=str(node.get("name") or ""),
        config=config,
        parent=parent,
        branch=branch,
        depth=depth,
        line=line,
        raw=node,
    )
    _parse_timing(ctx, node, step, swhere)
    from axtui.core.workflow.evidence import evidence_problems

    for problem in evidence_problems(node.get("evidence")):
        ctx.add(_line(node, "evidence"), f"{swhere}.evidence", problem)
    step.evidence = node.get("evidence") if isinstance(node.get("evidence"), list) else None
    step.outputs = _parse_outputs(ctx, node.get("outputs", config.get("outputs")), f"{swhere}.outputs")
    step.facts = _parse_facts(ctx, node.get("facts", config.get("facts")), f"{swhere}.facts")

    if kind == "tool":
        config = _parse_tool(ctx, node, config, step, swhere, previous)
    elif kind == "prompt":
        config = step.config = normalise_prompt(ctx, config, swhere)
        if not isinstance(config.get("agent"), str):
            ctx.add(
                _line(config, "agent"),
                f"{swhere}.config.agent",
                "a prompt step needs config.agent (a persona id)",
            )
        if not isinstance(config.get("task"), str):
            ctx.add(_line(config, "task"), f"{swhere}.config.task", "a prompt step needs config.task (text)")
    elif kind == "compute":
        if not isinstance(config.get("fn"), str):
            ctx.add(
                _line(config, "fn"),
                f"{swhere}.config.fn",
                "a compute step needs config.fn (a computation name)",
            )
        if "args" in config and not isinstance(config["args"], dict):
            ctx.add(_line(config, "args"), f"{swhere}.config.args", "args must be a mapping")
    elif kind == "input":
        spec = node.get("fields", config.get("fields"))
        if spec is None:
            ctx.add(_line(config), f"{swhere}.config.fields", "an input step needs config.fields")
        else:
            step.fields = parse_fields(ctx, spec, f"{swhere}.fields")
    elif kind == "conditional":
        _parse_conditional(ctx, node, config, step, swhere, depth)
    else:
        parse_extra_step(ctx, node, step, swhere, depth, parse_steps)
    return step


def _parse_timing(ctx: _Ctx, node: YDict, step: Step, swhere: str) -> None:
    """``timeout``/``timeoutMs``, ``retry``/``retryPolicy`` and ``dependencies`` of one step."""
    # AutomatosX writes `timeoutMs` and `retryPolicy`; axtui's seeds `timeout` and `retry` (all ms).
    timeout_key = "timeoutMs" if "timeoutMs" in node else "timeout"
    timeout = _num(ctx, node, timeout_key, swhere, minimum=1)
    step.timeout_ms = timeout
    retry_key = "retryPolicy" if "retryPolicy" in node else "retry"
    retry = node.get(retry_key)
    deps = node.get("dependencies")
    if deps is not None:
        if not isinstance(deps, list) or not all(isinstance(d, str) for d in deps):
            ctx.add(_line(node, "dependencies"), f"{swhere}.dependencies", "must be a list of step ids")
        else:
            step.dependencies = [str(d) for d in deps]
    if retry is not None:
        if not isinstance(retry, YDict):
            ctx.add(_line(node, retry_key), f"{swhere}.{retry_key}", f"{retry_key} must be a mapping")
        else:
            attempts = _num(ctx, retry, "maxAttempts", f"{swhere}.{retry_key}", minimum=1)
            backoff = _num(ctx, retry, "backoffMs", f"{swhere}.{retry_key}", minimum=0)
            mult = _num(ctx, retry, "backoffMultiplier", f"{swhere}.{retry_key}", minimum=1)
            step.retry = Retry(
                int(attempts or 1),
                backoff if backoff is not None else 1000.0,
                mult if mult is not None else 2.0,
            )


def _parse_tool(
    ctx: _Ctx, node: YDict, config: YDict, step: Step, swhere: str, previous: str | None
) -> YDict:
    """A memory tool step in either AutomatosX form; a tool from another domain is refused."""
    tool = node.get("tool") or config.get("tool") or config.get("toolName")
    step.tool = tool
    config = step.config = normalise_tool(config)
    if tool == "memory_store" and "value" not in config and previous is not None:
        from axtui.core.workflow.forms import store_previous_output

        config = step.config = store_previous_output(ctx, config, swhere, previous)
    if tool not in TOOLS:
        from axtui.core.workflow.forms import outside_domain

        ctx.add(
            _line(node, "tool") if "tool" in node else _line(config, "tool"),
            f"{swhere}.tool",
            outside_domain(tool),
        )
    else:
        needed = {
            "memory_store": ("namespace", "key", "value"),
            "memory_retrieve": ("namespace", "key"),
            "memory_delete": ("namespace", "key"),
            "memory_search": ("query",),
        }[tool]
        for key in needed:
            if key not in config:
                ctx.add(_line(config), f"{swhere}.config.{key}", f"{tool} needs config.{key}")
        if "ttl" in config and config["ttl"] is not None and not isinstance(config["ttl"], str):
            ttl = _num(ctx, config, "ttl", f"{swhere}.config", minimum=0)
            if ttl == 0:  # Memory refuses it: a zero TTL would expire the entry as it is written
                ctx.add(
                    _line(config, "ttl"),
                    f"{swhere}.config.ttl",
                    "must be a positive number of seconds (omit it for the namespace default, "
                    "or use null for permanent)",
                )
        if "limit" in config and not isinstance(config["limit"], str):
            _num(ctx, config, "limit", f"{swhere}.config", minimum=1)
    return config


def _parse_conditional(ctx: _Ctx, node: YDict, config: YDict, step: Step, swhere: str, depth: int) -> None:
    if "condition" not in config:
        ctx.add(_line(config), f"{swhere}.config.condition", "a conditional step needs config.condition")
    else:
        try:
            parse_condition(config["condition"])
        except ConditionError as exc:
            ctx.add(_line(config, "condition"), f"{swhere}.config.condition", exc.message)
    branches = config.get("branches")
    then = config.get("then", node.get("then"))
    other = config.get("else", node.get("else"))
    if branches is None and then is None and other is None:
        ctx.add(_line(config), f"{swhere}.config", "a conditional step needs `branches` or `then`/`else`")
    if branches is not None:
        if not isinstance(branches, YDict):
            ctx.add(
                _line(config, "branches"), f"{swhere}.config.branches", "branches must map values to steps"
            )
        else:
            for value, nested in branches.items():
                step.branches[str(value)] = parse_steps(
                    ctx,
                    nested,
                    f"{swhere}.branches.{value}",
                    parent=step.id,
                    branch=str(value),
                    depth=depth + 1,
                )
    if then is not None:
        step.then = parse_steps(ctx, then, f"{swhere}.then", parent=step.id, branch="then", depth=depth + 1)
    if other is not None:
        step.otherwise = parse_steps(
            ctx, other, f"{swhere}.else", parent=step.id, branch="else", depth=depth + 1
        )


def build_workflow(data: Any, file: str, source: str = "") -> tuple[Workflow | None, list[Problem]]:
    """A ``Workflow`` and the structural problems found; ``None`` when the file is not a workflow at all."""
    ctx = _Ctx(file)
    if not isinstance(data, YDict):
        ctx.add(_line(data), "workflow", "a workflow file must be a mapping with workflowId, name and steps")
        return None, ctx.problems
    for key in data:
        if key not in WORKFLOW_KEYS:
            ctx.add(_line(data, key), key, f"unknown workflow key {key!r} (ignored)", "warning")
    wid = data.get("workflowId", data.get("id"))
    if not isinstance(wid, str) or not WORKFLOW_ID_RE.match(wid):
        ctx.add(_line(data, "workflowId"), "workflowId", "missing or invalid workflowId")
        wid = Path(file).stem
    version = data.get("version", "0")
    tags = data.get("tags") or []
    if not isinstance(tags, list):
        ctx.add(_line(data, "tags"), "tags", "tags must be a list")
        tags = []
    metadata = data.get("metadata") or {}
    if not isinstance(metadata, dict):
        ctx.add(_line(data, "metadata"), "metadata", "metadata must be a mapping")
        metadata = {}
    wf = Workflow(
        id=wid,
        name=str(data.get("name") or wid),
        version=str(version),
        description=str(data.get("description") or "").strip(),
        category=data.get("category"),
        tags=[str(t) for t in tags],
        metadata=dict(metadata),
        path=Path(file),
        source=source,
    )
    if "inputs" in data:
        wf.declares_inputs = True
        wf.inputs = parse_fields(ctx, data["inputs"], "inputs")
    if "steps" not in data:
        ctx.add(_line(data), "steps", "a workflow needs steps")
    else:
        wf.steps = parse_steps(ctx, data["steps"], "steps")
    report = data.get("report")
    if report is not None:
        if not isinstance(report, YDict) or not isinstance(report.get("template", ""), str):
            ctx.add(
                _line(data, "report"), "report", "report must be a mapping with `template` (Markdown text)"
            )
        else:
            wf.report = report
    decisions = data.get("decisions")
    if decisions is not None:
        if not isinstance(decisions, YDict) or not all(isinstance(v, str) for v in decisions.values()):
            ctx.add(_line(data, "decisions"), "decisions", "decisions must map a label to a variable path")
        else:
            wf.decisions = dict(decisions)
    return wf, ctx.problems
