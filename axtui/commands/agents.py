"""``axtui agents list|show|pick`` and ``axtui agent run`` (AutomatosX ``ax agent run`` compatible).

``agent run`` streams the answer to stdout as it arrives and records the turn in the database;
with ``--json`` it prints one JSON document at the end instead. A provider failure after
retries exits with code 3 and one clear message; the conversation stays in the database.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import typer

from axtui.errors import InputError
from axtui.present import output

agents_app = typer.Typer(help="List, show and pick personas.", no_args_is_help=True)
agent_app = typer.Typer(help="Run one persona (AutomatosX `ax agent run` compatible).", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(agents_app, name="agents")
    app.add_typer(agent_app, name="agent")


def _personas(warnings: list[str] | None = None) -> dict[str, Any]:
    """The personas; a bad user file is skipped and described in ``warnings`` (never fatal)."""
    from axtui.core.personas import load_personas

    return load_personas(warnings=warnings)


@agents_app.command("list")
def list_agents(ctx: typer.Context) -> None:
    """List the installed personas (built-in and user)."""
    from axtui.core.personas import persona_warnings

    skipped: list[str] = []
    personas = _personas(skipped)
    for warning in [*skipped, *persona_warnings(personas)]:
        output.note(f"warning: {warning}")
    rows = [
        {
            "agent_id": p.agent_id,
            "display_name": p.display_name,
            "role": p.role,
            "description": p.description,
            "model": p.model,
            "source": str(p.source) if p.source else None,
        }
        for p in personas.values()
    ]

    def human(console: Any) -> None:
        from axtui.present import tables

        cells = [[r["agent_id"], r["display_name"], r["role"], r["description"]] for r in rows]
        tables.show(console, ["id:key", "name", "role", "description"], cells, style="none")

    output.emit(ctx, {"agents": rows}, human)


@agents_app.command("show")
def show_agent(ctx: typer.Context, agent_id: str = typer.Argument(..., help="Persona id")) -> None:
    """Show one persona: prompt, expertise, selection metadata, delegation."""
    from axtui.core.llm import LLMClient
    from axtui.core.personas import get_persona

    persona = get_persona(agent_id, _personas())
    data = persona.to_dict()
    data["resolved_model"] = LLMClient(output.settings(ctx)).resolve_model(persona.model)

    def human(console: Any) -> None:
        console.print(f"[bold]{persona.display_name}[/] ({persona.agent_id}) — {persona.role}", markup=True)
        console.print(persona.description)
        console.print(
            f"model: {data['resolved_model']}   temperature: {persona.temperature}   "
            f"maxTokens: {persona.max_tokens}"
        )
        console.print(
            f"delegates (depth {persona.max_delegation_depth}): "
            f"{', '.join(persona.preferred_delegates) or 'none'}"
        )
        console.print(f"expertise: {', '.join(persona.expertise)}")
        console.print(f"keywords: {', '.join(persona.keywords)}")
        if persona.extra:  # fields axtui keeps but does not use (team, abilities, personality...)
            import json

            console.print("other fields (kept, not used):")
            for key, value in persona.extra.items():
                text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
                console.print(f"  {key}: {text}", markup=False, soft_wrap=True)
        console.print("")
        console.print(persona.system_prompt, markup=False)

    output.emit(ctx, data, human)


@agents_app.command("pick")
def pick_agent(ctx: typer.Context, query: str = typer.Argument(..., help="A free-text question")) -> None:
    """Show which persona the router picks for QUERY, with every persona's score."""
    from axtui.core.router import route

    result = route(query, _personas())
    data = {"query": query, **result.to_dict()}

    def human(console: Any) -> None:
        from axtui.present import tables

        note = " (fallback: no persona scored above zero)" if result.fallback else ""
        console.print(f"chosen: {result.chosen.agent_id} ({result.chosen.display_name}){note}", markup=False)
        cells = [[s.agent_id, f"{s.score:g}", "; ".join(s.reasons) or "—"] for s in result.scores]
        tables.show(console, ["persona:key", "score:num", "reasons"], cells, style="none")

    output.emit(ctx, data, human)


def parse_input(raw: str) -> dict[str, Any]:
    """``--input`` as JSON text or ``@file.json``; must be an object with a ``query``."""
    from axtui.commands.json_arg import json_value

    hint = 'e.g. --input \'{"query": "How should I split time-series data?"}\''
    data, where = json_value(raw, "--input", hint)
    if not isinstance(data, dict) or not isinstance(data.get("query"), str) or not data["query"].strip():
        raise InputError('the input needs a non-empty "query" string', where=where, hint=hint)
    return data


def _agent_input(task_text: str | None, input_: str | None) -> dict[str, Any]:
    """The question from the positional TASK (AutomatosX's form) or ``--input``; exactly one of them."""
    if task_text is not None and input_ is not None:
        raise InputError(
            "give the task either as an argument or with --input, not both",
            where="agent run",
            hint='axtui agent run AGENT "task"  or  axtui agent run AGENT --input \'{"query": "task"}\'',
        )
    if task_text is not None:
        if not task_text.strip():
            raise InputError("the task is empty", where="agent run: TASK", hint="pass the question to ask")
        return {"query": task_text}
    if input_ is None:
        raise InputError(
            "no task given",
            where="agent run",
            hint='axtui agent run AGENT "task"  or  --input \'{"query": "task"}\'',
        )
    return parse_input(input_)


@agent_app.command("run")
def run_agent(
    ctx: typer.Context,
    agent: str = typer.Argument(..., help="Persona id, or 'auto' to let the router pick"),
    task_text: str | None = typer.Argument(
        None, metavar="[TASK]", help='The question, as AutomatosX writes it: axtui agent run AGENT "task"'
    ),
    input_: str | None = typer.Option(
        None,
        "--input",
        "-i",
        help='JSON object with "query" (or @file.json); '
        'other keys (or a "facts" object) are handed to the persona as facts',
    ),
    timeout: float | None = typer.Option(
        None, "--timeout", help="Seconds to wait for the model [default: 60]"
    ),
) -> None:
    """Ask one persona one question; the answer streams to stdout."""
    from axtui.core.chat import ChatService
    from axtui.core.llm import model_label
    from axtui.core.personas import get_persona
    from axtui.core.router import route
    from axtui.core.store import Store

    settings = output.settings(ctx)
    data = _agent_input(task_text, input_)
    query = data["query"].strip()
    facts = (
        data.get("facts")
        if isinstance(data.get("facts"), dict)
        else {k: v for k, v in data.items() if k not in ("query", "task", "facts")} or None
    )
    task = data.get("task") if isinstance(data.get("task"), str) else None
    personas = _personas()
    persona = route(query, personas).chosen if agent == "auto" else get_persona(agent, personas)
    with Store(settings.db_path) as store:
        service = ChatService(store, settings, personas=personas)
        conversation = service.new_conversation(persona.agent_id, title=query[:80])
        streaming = not settings.json

        def show(piece: str) -> None:
            try:
                sys.stdout.write(piece)
                sys.stdout.flush()
            except BrokenPipeError:  # e.g. piped into `head`: keep the turn going, stop printing
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, sys.stdout.fileno())

        if streaming:
            label = model_label(service.model_for(persona))
            output.note(f"{persona.display_name} ({persona.agent_id}) · {label}")
        result = service.send(
            conversation,
            query,
            persona=persona,
            facts=facts,
            task=task,
            on_delta=show if streaming else None,
            timeout=timeout,
        )
        if streaming and result.text and not result.text.endswith("\n"):
            sys.stdout.write("\n")
            sys.stdout.flush()
    if result.error is not None:
        if result.text:
            output.note("(the partial answer above is kept in the conversation)")
        raise result.error
    if settings.json:
        output.emit(
            ctx, {"agent": persona.agent_id, "display_name": persona.display_name, **result.to_dict()}
        )
