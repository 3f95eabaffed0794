"""``axtui workflows list|show|validate``, ``run``, ``resume``, ``sessions``, ``export``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from axtui.errors import InputError, NotFoundError
from axtui.present import output

workflows_app = typer.Typer(
    help="List, show and validate workflow files.", no_args_is_help=True, rich_markup_mode=None
)


@workflows_app.command("list")
def list_cmd(ctx: typer.Context) -> None:
    """Every workflow found (built-in, user config folder, ./.axtui)."""
    from axtui.core.workflow import list_workflows

    found, broken = list_workflows()
    for problem in broken:
        output.note(f"warning: {problem.render()}")
    data = [wf.summary() for wf in found]

    def human(con: Any) -> None:
        from axtui.present import tables

        rows = []
        for wf in data:
            duration = (
                f"{int(wf['estimated_duration']) // 60} min"
                if isinstance(wf["estimated_duration"], int | float)
                else "—"
            )
            hidden = ", ".join(f"{o['version'] or '?'} at {o['path']}" for o in wf.get("overrides") or [])
            rows.append(
                [
                    wf["id"],
                    wf["name"],
                    wf["version"] + (f" (overrides {hidden})" if hidden else ""),
                    wf["steps"],
                    duration,
                    wf["complexity"],
                    wf["description"] or "",
                ]
            )
        # short headers ("ver", "time", "level", as on home): 80 columns hold the ids whole
        columns = ["id:key", "name", "ver", "steps:num", "time:key", "level", "description"]
        tables.show(con, columns, rows, style="none")

    output.emit(ctx, {"workflows": data}, human)


def _compute_docs(names: Any) -> dict[str, dict[str, Any]]:
    """Each named compute's one-line doc and arguments, read from its signature in the catalogue."""
    from axtui.core.workflow.computes import CATALOGUE

    docs: dict[str, dict[str, Any]] = {}
    for name in names:
        entry = CATALOGUE.get(name) if isinstance(name, str) else None
        if entry is not None and name not in docs:
            docs[name] = {"doc": entry.doc, "args": entry.arg_names()}
    return docs


@workflows_app.command("show")
def show_cmd(ctx: typer.Context, workflow_id: str = typer.Argument(..., help="workflow id or file")) -> None:
    """Inputs, steps (nested ones indented), personas and computations of a workflow."""
    from axtui.core.workflow import load_workflow

    wf = load_workflow(workflow_id)
    steps = [
        {
            "id": s.id,
            "name": s.title,
            "type": s.type,
            "depth": s.depth,
            "parent": s.parent,
            "branch": s.branch,
            "agent": s.agent,
            "tool": s.tool,
            "fn": s.config.get("fn") if s.type == "compute" else None,
            "fields": [f.to_dict() for f in s.fields],
            **({"body": [b.id for b in s.body]} if s.body else {}),
            **({"dependencies": list(s.dependencies)} if s.dependencies else {}),
            "evidence": s.evidence,
        }
        for s in wf.flat_steps()
    ]
    data = {
        **wf.summary(),
        "metadata": wf.metadata,
        "inputs": [f.to_dict() for f in wf.inputs],
        "steps": steps,
        "computes": _compute_docs(s["fn"] for s in steps),
    }

    from axtui.core.workflow.catalog import overridden, override_problems

    if wf.path is not None:
        data["overrides"] = overridden(wf.id, wf.path)
        for problem in override_problems(wf.id, wf.path, wf.version):
            output.note(f"warning: {problem.render()}")

    def human(con: Any) -> None:
        con.print(f"{wf.name} ({wf.id} v{wf.version})", markup=False, soft_wrap=True)
        for other in data.get("overrides") or []:
            con.print(
                f"overrides: {other['path']} (version {other['version'] or '?'}); this file: {wf.path}",
                markup=False,
                soft_wrap=True,
            )
        if wf.description:
            con.print(wf.description, markup=False, soft_wrap=True)
        if wf.inputs:
            con.print("\nInputs:", markup=False, soft_wrap=True)
            for f in wf.inputs:
                default = (
                    f" [default: {f.default}]" if f.has_default else (" (required)" if f.required else "")
                )
                columns = f" · columns: {', '.join(f.columns)}" if f.columns else ""
                con.print(
                    f"  {f.name}: {f.type}{default}{columns}" + (f" — {f.help}" if f.help else ""),
                    markup=False,
                    soft_wrap=True,
                )
        con.print("\nSteps:", markup=False, soft_wrap=True)
        for s in steps:
            detail = s["agent"] or s["tool"] or s["fn"] or ""
            branch = f"[{s['branch']}] " if s["branch"] else ""
            con.print(
                f"  {'  ' * s['depth']}{branch}{s['id']} ({s['type']}{': ' + detail if detail else ''})"
                f" — {s['name']}"
                + (" (optional evidence: not measured without it)" if s["evidence"] else ""),
                markup=False,
                soft_wrap=True,
            )

        if data["computes"]:
            con.print("\nComputations:", markup=False, soft_wrap=True)
            for name, doc in data["computes"].items():
                con.print(f"  {name}({', '.join(doc['args'])}) — {doc['doc']}", markup=False, soft_wrap=True)

    output.emit(ctx, data, human)


@workflows_app.command("validate")
def validate_cmd(
    ctx: typer.Context, files: list[Path] = typer.Argument(..., help="workflow YAML files")
) -> None:
    """Check workflow files; every problem as file:line: field: message. Exit 2 if any file has errors."""
    from axtui.core.workflow import validate_file

    results = []
    failed = False
    for path in files:
        wf, problems = validate_file(path)
        errors = [p for p in problems if p.severity == "error"]
        failed = failed or bool(errors)
        results.append(
            {
                "file": str(path),
                "ok": not errors,
                "workflow": wf.id if wf else None,
                "problems": [p.to_dict() for p in problems],
                "inputs": [f.name for f in wf.inputs] if wf else [],
                "inferred_inputs": bool(wf and not wf.declares_inputs and wf.inputs),
            }
        )

    def human(con: Any) -> None:
        for item in results:
            head = "ok" if item["ok"] else "invalid"
            con.print(f"{item['file']}: {head}", markup=False, soft_wrap=True)
            for p in item["problems"]:
                loc = f"{p['file']}:{p['line']}" if p["line"] else p["file"]
                con.print(
                    f"  {p['severity']}: {loc}: {p['field']}: {p['message']}", markup=False, soft_wrap=True
                )
            if item["inputs"]:
                kind = "inputs (inferred from templates)" if item["inferred_inputs"] else "inputs"
                con.print(f"  {kind}: {', '.join(item['inputs'])}", markup=False, soft_wrap=True)

    output.emit(ctx, {"files": results, "ok": not failed}, human)
    if failed:
        raise typer.Exit(2)


def _open_store(ctx: typer.Context) -> Any:
    from axtui.core.store import Store

    return Store(output.settings(ctx).db_path)


def run_cmd(
    ctx: typer.Context,
    workflow: str = typer.Argument(..., help="workflow id or YAML file"),
    input_json: str | None = typer.Option(None, "--input", help="inputs as JSON, or @file.json"),
    headless: bool = typer.Option(False, "--headless", help="run to the end without the TUI"),
    answers: Path | None = typer.Option(None, "--answers", help="answers file (YAML/JSON) for headless runs"),
    fail_on_text: str | None = typer.Option(
        None, "--fail-on", help="with --headless: exit 1 when any decision of the session is listed"
    ),
) -> None:
    """Start a session of WORKFLOW (in the TUI, or to the end with --headless)."""
    from axtui.core.workflow.answers import parse_inputs_arg, read_answers

    settings = output.settings(ctx)
    listed = _fail_on_listed(fail_on_text, headless)
    inputs = parse_inputs_arg(input_json)
    if not headless:
        if answers is not None:
            raise InputError("--answers needs --headless", hint="add --headless")
        from axtui.core.workflow import load_workflow
        from axtui.tui.launch import launch_tui

        load_workflow(workflow)  # a bad id or file fails here, before the TUI starts
        raise typer.Exit(launch_tui(settings, start={"workflow": workflow, "inputs": inputs}))
    answer_map = read_answers(answers) if answers else {}
    from axtui.core.workflow import Engine, load_workflow

    wf = load_workflow(workflow)
    with _open_store(ctx) as store:
        session = Engine(store, settings).start(wf, inputs)
        output.note(f"session {session.id} started ({wf.id} v{wf.version})")
        _drive_headless(settings, session, answer_map, listed)


def _fail_on_listed(fail_on_text: str | None, headless: bool) -> frozenset[str]:
    """The decisions ``--fail-on`` lists (run and resume), refused without ``--headless``."""
    from axtui import fail_on

    listed = fail_on.parse(fail_on_text, fail_on.SESSION)
    if listed and not headless:
        raise InputError("--fail-on needs --headless", where="--fail-on", hint="add --headless")
    return listed


def _drive_headless(settings: Any, session: Any, answer_map: dict[str, Any], listed: frozenset[str]) -> None:
    """Run a session to its end with progress lines, print its summary, then apply ``--fail-on``.

    Registered as live meanwhile, so ``axtui sessions`` tells it from an interrupted one."""
    from axtui.commands.gate import exit_if_listed
    from axtui.core.live import registered
    from axtui.present.progress import print_summary, progress_printer

    with registered(settings.db_path, session.id):
        summary = session.run_headless(answer_map, on_progress=progress_printer(session))
    print_summary(settings, summary)
    exit_if_listed(summary.decisions.values(), listed)


def open_cmd(
    ctx: typer.Context,
    session_id: str = typer.Argument(..., help="session id (see `axtui sessions --all`)"),
) -> None:
    """Open a session in the TUI: a completed one read-only on its summary, any other where it stands."""
    from axtui.core.workflow import Engine

    settings = output.settings(ctx)
    with _open_store(ctx) as store:
        sid = Engine(store, settings).open(session_id).id  # an unknown id fails here, before the TUI
    from axtui.tui.launch import launch_tui

    raise typer.Exit(launch_tui(settings, start={"session": sid}))


def resume_cmd(
    ctx: typer.Context,
    session_id: str | None = typer.Argument(None, help="session id (default: the latest incomplete one)"),
    headless: bool = typer.Option(False, "--headless", help="finish without the TUI"),
    answers: Path | None = typer.Option(None, "--answers", help="answers file for the remaining steps"),
    fail_on_text: str | None = typer.Option(
        None, "--fail-on", help="with --headless: exit 1 when any decision of the session is listed"
    ),
) -> None:
    """Continue a session at its earliest incomplete step."""
    from axtui.core.workflow import Engine
    from axtui.core.workflow.answers import read_answers

    settings = output.settings(ctx)
    listed = _fail_on_listed(fail_on_text, headless)
    answer_map = read_answers(answers) if answers else {}
    with _open_store(ctx) as store:
        engine = Engine(store, settings)
        sid = session_id or engine.latest_incomplete()
        if sid is None:
            raise NotFoundError(
                "there is no incomplete session to resume",
                where=str(settings.db_path),
                hint="start one with `axtui run WORKFLOW`, or list them with `axtui sessions --all`",
            )
        session = engine.open(sid)
        if session.status == "completed":
            raise InputError(
                f"session {session.id} is already completed",
                hint=f"open it read-only with `axtui open {session.id}`, see its report with "
                f"`axtui export {session.id} --format md`, or start a new run with "
                f"`axtui run {session.workflow.id}`",
            )
        if not headless:
            if answers is not None:
                raise InputError("--answers needs --headless", hint="add --headless")
            sid = session.id
    if not headless:
        from axtui.tui.launch import launch_tui

        raise typer.Exit(launch_tui(settings, start={"session": sid}))
    with _open_store(ctx) as store:
        session = Engine(store, settings).open(sid)
        current = session.current()
        output.note(
            f"resuming session {session.id} ({session.workflow.id}) at "
            f"{current.step_id if current else 'the end'}"
        )
        _drive_headless(settings, session, answer_map, listed)


def sessions_cmd(
    ctx: typer.Context, show_all: bool = typer.Option(False, "--all", help="include completed sessions")
) -> None:
    """Sessions: id, workflow, status, steps done/total, updated."""
    from axtui.core.live import status_of
    from axtui.core.workflow import Engine

    db_path = output.settings(ctx).db_path
    with _open_store(ctx) as store:
        rows = Engine(store, output.settings(ctx)).list_sessions(include_completed=show_all)
    for r in rows:  # "running" only while a process has it open; otherwise "interrupted"
        r["state"] = status_of(db_path, r["id"], r["status"])

    def human(con: Any) -> None:
        from axtui.present import tables

        if not rows:
            con.print(
                "no sessions" + ("" if show_all else " to resume (use --all to see completed ones)"),
                markup=False,
                soft_wrap=True,
            )
            return
        unmeasured = any(r.get("not_measured") for r in rows)  # steps marked ⊘ (evidence not supplied)
        columns = [
            "id:key",
            "workflow:key",
            "status:key",
            "steps:num",
            *(["⊘ not measured:num"] if unmeasured else []),
            "current",
            "updated:key",
        ]
        cells = [
            [
                r["id"],
                r["workflow_id"],
                r["state"],
                f"{r['steps_done']}/{r['steps_total']}",  # the one step count (core.workflow.state)
                *([r.get("not_measured") or 0] if unmeasured else []),
                r["current_step"] or "—",
                str(r["updated_at"])[:16],  # to the minute, as memory tables
            ]
            for r in rows
        ]
        tables.show(con, columns, cells)

    output.emit(ctx, {"sessions": rows}, human)


def export_cmd(
    ctx: typer.Context,
    session_id: str = typer.Argument(..., help="session id"),
    fmt: str = typer.Option("md", "--format", help="md | json | replay"),
    out: Path | None = typer.Option(None, "-o", "--output", help="write to this file instead of stdout"),
    force: bool = typer.Option(False, "--force", help="overwrite an existing output file"),
) -> None:
    """The session's report (md), full record (json), or a replay file for --batch."""
    from axtui.core.output_file import check_output_path, write_text
    from axtui.core.workflow import Engine
    from axtui.core.workflow.replay import FORMATS

    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}", hint=f"use one of: {', '.join(FORMATS)}")
    if out is not None:
        check_output_path(out, force=force)
    with _open_store(ctx) as store:
        text = Engine(store, output.settings(ctx)).open(session_id).export(fmt)
    if out is not None:
        write_text(out, text, force=force)
        output.note(f"wrote {out}")
        if output.settings(ctx).json:
            output.emit(ctx, {"session_id": session_id, "format": fmt, "path": str(out)})
        return
    import sys

    sys.stdout.write(text if text.endswith("\n") else text + "\n")


def register(app: typer.Typer) -> None:
    app.add_typer(workflows_app, name="workflows")
    app.command("run")(run_cmd)
    app.command("resume")(resume_cmd)
    app.command("open")(open_cmd)
    app.command("sessions")(sessions_cmd)
    app.command("export")(export_cmd)
