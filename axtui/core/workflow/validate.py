"""Cross-step checks: duplicate ids, variables no earlier step provides, unknown personas and computations.

Where a workflow declares its ``inputs``, a template naming anything else is an
error. In a seed-style file without that declaration, every variable no step
provides becomes an input (text, required), so the seeds load and run as written.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from axtui.core.workflow.conditions import ConditionError, parse_condition
from axtui.core.workflow.loader import YDict, YList
from axtui.core.workflow.model import INPUTS_STEP_ID, Field, Problem, Step, Workflow
from axtui.core.workflow.templates import BUILTINS as BUILTIN_VARS
from axtui.core.workflow.templates import references_in, variables_in


@dataclass
class Catalogue:
    """What exists outside the workflow file: persona ids and computation names (None = not checked)."""

    personas: set[str] | None = None
    computes: set[str] | None = field(default_factory=lambda: known_computes())


def known_personas() -> set[str] | None:
    try:
        from axtui.core.personas import load_personas
    except ImportError:  # personas layer absent from this checkout
        return None
    return set(load_personas())


def known_computes() -> set[str]:
    from axtui.core.workflow.computes import CATALOGUE

    return set(CATALOGUE)


def _condition_args(fn: Any) -> tuple[str, str] | None:
    """(list argument, key) of a compute whose args hold conditions, e.g. ``checks``' conditions."""
    from axtui.core.workflow.computes import CATALOGUE

    entry = CATALOGUE.get(fn) if isinstance(fn, str) else None
    return entry.condition_args if entry is not None else None


def _argument_problems(file: str, step: Step, fn: str) -> list[Problem]:
    """Argument names the compute's signature does not have, and required ones missing."""
    from axtui.core.workflow.computes import argument_problems

    args = step.config.get("args") or {}
    line = args.line if isinstance(args, YDict) else step.line
    return [
        Problem(
            file,
            args.line_of(arg) if isinstance(args, YDict) and arg in args else line,
            f"step {step.id}.config.args.{arg}",
            message,
        )
        for arg, message in argument_problems(fn, args)
    ]


def default_catalogue() -> Catalogue:
    return Catalogue(personas=known_personas(), computes=known_computes())


def _template_defaults(steps: Iterable[Step]) -> dict[str, Any]:
    """Variable -> the first ``| default: ...`` a template gives it (such an input is optional)."""
    out: dict[str, Any] = {}
    for step in steps:
        for name, has_default, default in references_in(step.config):
            if has_default:
                out.setdefault(name, default)
    return out


def _templated_strings(value: Any, line: int) -> Iterator[tuple[str, int]]:
    """(variable path, line) for every template inside a config value."""
    if isinstance(value, str):
        for name in variables_in(value):
            yield name, line
    elif isinstance(value, dict):
        for key, item in value.items():
            sub_line = value.line_of(key) if isinstance(value, YDict) else line
            yield from _templated_strings(item, sub_line)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            sub_line = value.line_of(i) if isinstance(value, YList) else line
            yield from _templated_strings(item, sub_line)


def _condition_paths(text: Any, line: int) -> Iterator[tuple[str, int]]:
    try:
        cond = parse_condition(text)
    except ConditionError:
        return  # reported as a structural problem
    for path in cond.paths():
        yield path, line


def step_references(step: Step) -> list[tuple[str, int]]:
    """Every variable path the step reads, with the line it is read on."""
    cfg = step.config
    refs: list[tuple[str, int]] = []
    if step.type == "conditional":
        refs += _condition_paths(
            cfg.get("condition"), cfg.line_of("condition") if isinstance(cfg, YDict) else step.line
        )
    elif step.type == "compute":
        args = cfg.get("args") or {}
        refs += _templated_strings(args, cfg.line_of("args") if isinstance(cfg, YDict) else step.line)
        cond_keys = _condition_args(cfg.get("fn"))
        if cond_keys and isinstance(args, dict) and isinstance(args.get(cond_keys[0]), list):
            items = args[cond_keys[0]]
            for _i, item in enumerate(items):
                if isinstance(item, dict) and cond_keys[1] in item:
                    line = item.line_of(cond_keys[1]) if isinstance(item, YDict) else step.line
                    refs += _condition_paths(item[cond_keys[1]], line)
    else:
        skip = ("agent", "agentId", "fields", "outputs", "facts", "steps", "prompt", "args", "toolInput")
        skip += ("consensus", "agents", "providers", "participants", "target")
        templated = {k: v for k, v in cfg.items() if k not in skip}
        refs += _templated_strings(templated, cfg.line if isinstance(cfg, YDict) else step.line)
        if step.type == "loop" and isinstance(cfg.get("itemsPath"), str):
            refs.append((cfg["itemsPath"], cfg.line_of("itemsPath") if isinstance(cfg, YDict) else step.line))
    for spec in step.outputs:  # compute/tool output paths are relative to the step's own result
        if step.type == "prompt" and spec.source == "fact" and spec.path:
            refs.append((spec.path, spec.line))
    for path in (step.facts or {}).values():
        refs.append((path, step.line))
    if step.evidence:  # what the step needs must be provided before it (core/workflow/evidence.py)
        refs += _templated_strings(step.evidence, step.line)
    return refs


def step_provides(step: Step) -> set[str]:
    """Top-level variable names a step defines once it is done (besides its own id)."""
    names = {step.id}
    names.update(f.name for f in step.fields)
    names.update(o.name for o in step.outputs)
    return names


def _outputs_read_own_answer(step: Step) -> set[str]:
    """Paths an output may read from its own step (prompt ``answer``; compute results)."""
    return {step.id}


def _step_id_problem(file: str, step: Step, message: str) -> Problem:
    """A problem with a step's id (duplicated, or the name of an input), reported at the step."""
    return Problem(file, step.line, f"step {step.id}.stepId", message)


def check_workflow(wf: Workflow, catalogue: Catalogue | None = None) -> tuple[list[Problem], list[Field]]:
    """Problems found, and the workflow's inputs (declared, or inferred for seed-style files)."""
    catalogue = catalogue or Catalogue()
    file = str(wf.path) if wf.path else wf.id
    problems: list[Problem] = []
    flat = wf.flat_steps()

    bodies = [b for s in flat for b in s.body]  # loop bodies: checked, but not checklist rows
    seen: dict[str, int] = {}
    for step in [*flat, *bodies]:
        if step.id in seen:
            problems.append(
                _step_id_problem(
                    file, step, f"duplicate step id {step.id!r} (first defined at line {seen[step.id]})"
                )
            )
        else:
            seen[step.id] = step.line
    input_names = {f.name for f in wf.inputs}
    for f in wf.inputs:  # a file's columns: name other inputs, checked when the inputs are given
        for name in variables_in(f.columns or []):
            if name.split(".")[0] not in input_names:
                problems.append(
                    Problem(file, f.line, f"inputs.{f.name}.columns", f"{{{{{name}}}}} is not an input")
                )
    for step in [*flat, *bodies]:
        if step.id in input_names:
            problems.append(
                _step_id_problem(file, step, f"step id {step.id!r} is also the name of an input; rename one")
            )
        problems += _dependency_problems(file, step, flat)
        if step.type in ("discuss", "delegate") and catalogue.personas is not None:
            problems += _persona_problems(file, step, catalogue.personas)
        problems += _catalogue_problems(file, step, catalogue)

    defaults = _template_defaults([*flat, *bodies])
    inferred: dict[str, Field] = {}
    provided: set[str] = set(BUILTIN_VARS) | input_names
    all_ids = {s.id for s in flat}

    def need(path: str, line: int, where: str, own: set[str]) -> None:
        root = path.split(".")[0]
        if root in provided or root in own or root in inferred:
            return
        if root in all_ids:
            problems.append(
                Problem(
                    file,
                    line,
                    where,
                    f"{{{{{path}}}}} refers to step {root!r}, which runs later (or in another branch)",
                )
            )
            return
        if wf.declares_inputs:
            problems.append(
                Problem(file, line, where, f"{{{{{path}}}}}: no input or earlier step provides {root!r}")
            )
        else:
            has_default = root in defaults
            inferred[root] = Field(
                name=root,
                type="text",
                required=not has_default,
                default=defaults.get(root),
                has_default=has_default,
                line=line,
                help="inferred from the workflow's templates",
            )

    def walk(steps: Iterable[Step]) -> None:
        for step in steps:
            own = _outputs_read_own_answer(step) if step.type in ("prompt", "compute", "tool") else set()
            for path, line in step_references(step):
                is_output = any(o.path == path for o in step.outputs)
                need(path, line, f"step {step.id}", own if is_output else set())
            if step.type in ("conditional", "parallel"):
                provided.add(step.id)
                for _label, nested in step.children():
                    walk(nested)
            if step.type == "loop" and step.body:
                # inside the body: the current item, its index, and the body's earlier steps
                saved = set(provided)
                provided.update({"item", "index", "loop", step.id})
                walk(step.body)
                provided.clear()
                provided.update(saved)
            provided.update(step_provides(step))

    walk(wf.steps)
    report_tpl = wf.report.get("template") if wf.report else None
    if isinstance(report_tpl, str):
        line = wf.report.line_of("template") if isinstance(wf.report, YDict) else 0
        for path in variables_in(report_tpl):
            need(path, line, "report.template", set())
    for label, path in wf.decisions.items():
        line = wf.decisions.line_of(label) if isinstance(wf.decisions, YDict) else 0
        need(path, line, f"decisions.{label}", set())
    inputs = list(wf.inputs) if wf.declares_inputs else sorted(inferred.values(), key=lambda f: f.line)
    if not wf.declares_inputs:
        wf.inputs = inputs
    if INPUTS_STEP_ID in all_ids:
        pass  # reported by the parser
    return problems, inputs


def _dependency_problems(file: str, step: Step, flat: list[Step]) -> list[Problem]:
    """``dependencies`` must name steps that exist and run earlier (steps run in file order)."""
    order = {s.id: i for i, s in enumerate(flat)}
    out: list[Problem] = []
    line = step.raw.line_of("dependencies") if isinstance(step.raw, YDict) else step.line
    for dep in step.dependencies:
        if dep not in order:
            out.append(
                Problem(file, line, f"step {step.id}.dependencies", f"depends on {dep!r}, which no step is")
            )
        elif dep == step.id:
            out.append(Problem(file, line, f"step {step.id}.dependencies", "a step cannot depend on itself"))
        elif order[dep] > order[step.id]:
            out.append(
                Problem(
                    file,
                    line,
                    f"step {step.id}.dependencies",
                    f"depends on {dep!r}, which runs later; move {dep!r} before {step.id!r}",
                )
            )
    return out


def _persona_problems(file: str, step: Step, personas: set[str]) -> list[Problem]:
    """Unknown personas in a delegate step are errors; a discuss participant that is not a
    persona (AutomatosX lists LLM providers such as ``claude``) is answered by the generalist."""
    from axtui.core.workflow.forms import FALLBACK_AGENT, discuss_agents

    cfg = step.config
    out: list[Problem] = []
    known = ", ".join(sorted(personas))
    if step.type == "delegate":
        for key in ("agent", "target"):
            name = cfg.get(key)
            if isinstance(name, str) and "{{" not in name and name not in personas:
                line = cfg.line_of(key) if isinstance(cfg, YDict) else step.line
                out.append(
                    Problem(
                        file,
                        line,
                        f"step {step.id}.config.{key}",
                        f"unknown persona {name!r} (known: {known})",
                    )
                )
        return out
    for name in discuss_agents(cfg):
        if name not in personas:
            out.append(
                Problem(
                    file,
                    cfg.line if isinstance(cfg, YDict) else step.line,
                    f"step {step.id}.config.agents",
                    f"{name!r} is not a persona; the {FALLBACK_AGENT!r} persona answers as {name!r}",
                    "warning",
                )
            )
    return out


def _catalogue_problems(file: str, step: Step, catalogue: Catalogue) -> list[Problem]:
    """Unknown personas and computations named by one step."""
    problems: list[Problem] = []
    if step.type == "prompt" and catalogue.personas is not None:
        agent = step.config.get("agent")
        if isinstance(agent, str) and "{{" not in agent and agent not in catalogue.personas:
            problems.append(
                Problem(
                    file,
                    step.config.line_of("agent") if isinstance(step.config, YDict) else step.line,
                    f"step {step.id}.config.agent",
                    f"unknown persona {agent!r} (known: {', '.join(sorted(catalogue.personas))})",
                )
            )
    if step.type == "compute" and catalogue.computes is not None:
        fn = step.config.get("fn")
        if isinstance(fn, str) and fn not in catalogue.computes:
            problems.append(
                Problem(
                    file,
                    step.config.line_of("fn") if isinstance(step.config, YDict) else step.line,
                    f"step {step.id}.config.fn",
                    f"unknown computation {fn!r} (known: {', '.join(sorted(catalogue.computes))})",
                )
            )
        elif isinstance(fn, str):
            problems += _argument_problems(file, step, fn)
    return problems
