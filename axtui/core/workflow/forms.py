"""AutomatosX's ways of writing a step, mapped onto axtui's (docs/workflows.md, "Migrating from AutomatosX").

AutomatosX's engine reads a prompt step's text from ``config.prompt`` and its persona from
``config.agentId``; its memory tools take their arguments under ``config.args`` with the tool
named in ``config.tool``; a conditional's ``then`` may be one step; and it adds the step types
``parallel``, ``discuss``, ``loop`` and ``delegate``. This module turns each of those into the
one shape the validator and runner know, so nothing downstream has two code paths, and parses
the four extra step types' configuration (their execution lives in ``composite.py``).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from typing import Any

from axtui.core.workflow.loader import YDict, YList
from axtui.core.workflow.model import INLINE_STEP_TYPES, TOOLS, Step

FALLBACK_AGENT = "generalist"
MAX_LOOP_ITERATIONS = 100  # a loop never runs more than this, whatever the file says
DISCUSS_MAX_ROUNDS = 5
DISCUSS_PATTERNS = ("synthesis", "critique", "debate", "voting")
# Where a tool from another domain (files, shell, web, code) is best rewritten in axtui.
_NEAREST = (
    (("memory", "store", "save", "remember", "persist", "cache"), "a `tool` step with memory_store"),
    (("search", "find", "lookup", "recall", "query"), "a `tool` step with memory_search"),
    (("get", "load", "read", "fetch", "retrieve"), "a `tool` step with memory_retrieve"),
    (("delete", "remove", "forget", "clear"), "a `tool` step with memory_delete"),
    (
        ("analy", "stat", "metric", "calc", "score", "drift", "test", "eval", "compare", "check"),
        "a `compute` step (see `axtui catalogue`)",
    ),
    (("agent", "delegate", "ask", "review", "plan"), "a `delegate` step"),
)


def _line(node: Any, key: str | None = None) -> int:
    if key is not None and isinstance(node, YDict):
        return node.line_of(key)
    return getattr(node, "line", 0)


def _copy(config: YDict, updates: dict[str, Any], lines: dict[str, int]) -> YDict:
    out = YDict({**config, **updates})
    out.line = config.line
    out.lines = {**config.lines, **lines}
    return out


def wrap_single_step(node: Any) -> Any:
    """A ``then:``/``else:`` (or any block) given as one step mapping becomes a list of one."""
    if isinstance(node, YDict) and ("stepId" in node or "type" in node):
        out = YList([node])
        out.line = node.line
        out.lines = [node.line]
        return out
    return node


def normalise_prompt(ctx: Any, config: YDict, where: str) -> YDict:
    """``config.agentId``/``config.prompt`` become ``agent``/``task``; no persona means the generalist."""
    updates: dict[str, Any] = {}
    lines: dict[str, int] = {}
    if "agent" not in config and isinstance(config.get("agentId"), str):
        updates["agent"], lines["agent"] = config["agentId"], config.line_of("agentId")
    if "task" not in config and isinstance(config.get("prompt"), str):
        updates["task"], lines["task"] = config["prompt"], config.line_of("prompt")
    if "agent" not in config and "agent" not in updates and "agentId" not in config:
        updates["agent"], lines["agent"] = FALLBACK_AGENT, config.line
        ctx.add(
            config.line,
            f"{where}.config.agent",
            f"no persona named (config.agent or config.agentId); {FALLBACK_AGENT!r} answers",
            "warning",
        )
    return _copy(config, updates, lines) if updates else config


def normalise_tool(config: YDict) -> YDict:
    """``config.args`` (AutomatosX's form) is merged into the config the memory tools read."""
    args = config.get("args", config.get("toolInput"))
    if not isinstance(args, YDict):
        return config
    rest = {k: v for k, v in config.items() if k not in ("args", "toolInput")}
    out = YDict({**rest, **args})
    out.line = config.line
    out.lines = {**config.lines, **args.lines}
    return out


def store_previous_output(ctx: Any, config: YDict, where: str, previous: str) -> YDict:
    """A ``memory_store`` with no ``value`` stores the previous step's output: AutomatosX hands each
    step the output of the one before it, and its files rely on that (``passContext``)."""
    ctx.add(
        config.line,
        f"{where}.config.value",
        f"no value given; the output of the previous step {previous!r} is stored",
        "warning",
    )
    return _copy(config, {"value": "{{" + previous + "}}"}, {"value": config.line})


def outside_domain(tool: Any) -> str:
    """Why a tool is refused, and the nearest axtui step type to rewrite it as."""
    if tool is None:
        return f"a tool step needs `tool:` (one of: {', '.join(TOOLS)})"
    name = str(tool)
    close = difflib.get_close_matches(name, TOOLS, n=1, cutoff=0.75)
    if close:
        return f"unknown tool {name!r} (did you mean {close[0]!r}? tools: {', '.join(TOOLS)})"
    low = name.lower()
    nearest = next((hint for words, hint in _NEAREST if any(w in low for w in words)), None)
    nearest = nearest or "a `prompt` step (ask a persona)"
    return (
        f"tool {name!r} is outside axtui's domain (axtui's tools are {', '.join(TOOLS)}); "
        f"nearest axtui step type: {nearest}"
    )


ParseSteps = Callable[..., list[Step]]


def parse_extra_step(
    ctx: Any, node: YDict, step: Step, where: str, depth: int, parse_steps: ParseSteps
) -> None:
    """Check and attach what ``parallel``, ``discuss``, ``loop`` and ``delegate`` steps need."""
    config = step.config
    if step.type == "parallel":
        _parallel(ctx, node, step, where, depth, parse_steps)
    elif step.type == "loop":
        _loop(ctx, node, step, where, depth, parse_steps)
    elif step.type == "discuss":
        step.config = config = normalise_prompt(_Quiet(), config, where)
        _discuss(ctx, config, where)
    elif step.type == "delegate":
        step.config = config = _delegate_config(config)
        if not isinstance(config.get("task"), str):
            ctx.add(_line(config), f"{where}.config.task", "a delegate step needs config.task (or prompt)")


class _Quiet:
    """A problem sink that drops what it is told (discuss steps need no persona warning)."""

    def add(self, *_args: Any) -> None:
        return None


def _nested(node: YDict, config: YDict) -> tuple[Any, str]:
    if "steps" in node:
        return node["steps"], "steps"
    return config.get("steps"), "config.steps"


def _check_inline(ctx: Any, steps: list[Step], where: str, what: str) -> None:
    for child in steps:
        if child.type not in INLINE_STEP_TYPES:
            ctx.add(
                child.line,
                f"step {child.id}.type",
                f"a {child.type} step cannot run inside a {what} (allowed: {', '.join(INLINE_STEP_TYPES)})",
            )


def _parallel(ctx: Any, node: YDict, step: Step, where: str, depth: int, parse_steps: ParseSteps) -> None:
    nested, key = _nested(node, step.config)
    if nested is None:
        ctx.add(_line(node), f"{where}.{key}", "a parallel step needs `steps` (the steps to run together)")
        return
    if isinstance(nested, list) and nested and all(isinstance(n, str) for n in nested):
        ctx.add(
            _line(node),
            f"{where}.{key}",
            "list the parallel steps themselves under `steps` (not their ids)",
        )
        return
    step.parallel = parse_steps(
        ctx, nested, f"{where}.steps", parent=step.id, branch="parallel", depth=depth + 1
    )
    _check_inline(ctx, step.parallel, where, "parallel block")


def _loop(ctx: Any, node: YDict, step: Step, where: str, depth: int, parse_steps: ParseSteps) -> None:
    config = step.config
    if "items" not in config and "itemsPath" not in config:
        ctx.add(
            _line(config), f"{where}.config.items", "a loop step needs config.items (a list or a template)"
        )
    items = config.get("items")
    if items is not None and not isinstance(items, list | str):
        ctx.add(_line(config, "items"), f"{where}.config.items", "must be a list or a {{variable}}")
    limit = config.get("maxIterations")
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        ctx.add(
            _line(config, "maxIterations"), f"{where}.config.maxIterations", "must be a whole number >= 1"
        )
    elif isinstance(limit, int) and limit > MAX_LOOP_ITERATIONS:
        ctx.add(
            _line(config, "maxIterations"),
            f"{where}.config.maxIterations",
            f"is {limit}; a loop runs at most {MAX_LOOP_ITERATIONS} times",
        )
    nested, key = _nested(node, config)
    if nested is None:
        ctx.add(_line(node), f"{where}.{key}", "a loop step needs `steps` (run once per item)")
        return
    # The body is not part of the checklist: it runs once per item inside the loop step.
    step.body = parse_steps(ctx, nested, f"{where}.steps", parent=None, branch=None, depth=depth + 1)
    _check_inline(ctx, step.body, where, "loop")
    for child in step.body:
        child.parent, child.branch = step.id, "loop"


def discuss_agents(config: dict[str, Any]) -> list[str]:
    """The participants: ``agents``/``participants`` (persona ids) or AutomatosX's ``providers``."""
    for key in ("agents", "participants", "providers"):
        value = config.get(key)
        if isinstance(value, list):
            return [str(v) for v in value]
    return []


def _discuss(ctx: Any, config: YDict, where: str) -> None:
    if not isinstance(config.get("task"), str):
        ctx.add(_line(config), f"{where}.config.prompt", "a discuss step needs config.prompt (the question)")
    agents = discuss_agents(config)
    if len(agents) < 2:
        ctx.add(
            _line(config),
            f"{where}.config.agents",
            "a discuss step needs at least two participants (config.agents or config.providers)",
        )
    rounds = config.get("rounds", 2)
    if isinstance(rounds, bool) or not isinstance(rounds, int) or not 1 <= rounds <= DISCUSS_MAX_ROUNDS:
        ctx.add(
            _line(config, "rounds"),
            f"{where}.config.rounds",
            f"must be a whole number 1..{DISCUSS_MAX_ROUNDS}",
        )
    pattern = config.get("pattern", "synthesis")
    if pattern not in DISCUSS_PATTERNS:
        ctx.add(
            _line(config, "pattern"),
            f"{where}.config.pattern",
            f"unknown pattern {pattern!r} (use one of: {', '.join(DISCUSS_PATTERNS)})",
        )
    consensus = config.get("consensus")
    if consensus is not None and not isinstance(consensus, dict):
        ctx.add(
            _line(config, "consensus"), f"{where}.config.consensus", "must be a mapping (method, synthesizer)"
        )


def _delegate_config(config: YDict) -> YDict:
    """``agentId``/``prompt`` and ``targetAgent``/``to``/``delegate`` read as agent, task and target."""
    updates: dict[str, Any] = {}
    lines: dict[str, int] = {}
    for key, names in (
        ("agent", ("agentId", "from")),
        ("task", ("prompt",)),
        ("target", ("targetAgent", "to", "delegate", "targetAgentId")),
    ):
        if key in config:
            continue
        for name in names:
            if isinstance(config.get(name), str):
                updates[key], lines[key] = config[name], config.line_of(name)
                break
    return _copy(config, updates, lines) if updates else config
