"""The session report: the workflow's own template (if any) plus a record of every step.

Deterministic given the same inputs, answers and persona responses: no wall-clock
time except the session's own timestamps, no memory versions, stable ordering —
so an exported replay run with ``--batch`` reproduces it (timestamps and ids aside).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from axtui.config import data_dir
from axtui.core.workflow.markdown import markdown_table
from axtui.core.workflow.model import INPUTS_STEP_ID
from axtui.core.workflow.templates import render, to_text

if TYPE_CHECKING:
    from axtui.core.workflow.session import Session

MAX_JSON_CHARS = 4000


def reports_dir() -> Path:
    return data_dir() / "reports"


def write_report(session_id: str, text: str) -> Path:
    folder = reports_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{session_id}.md"
    tmp = path.with_suffix(".md.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return path


def _json_block(value: Any) -> str:
    text = json.dumps(value, indent=2, ensure_ascii=False, default=str)
    if len(text) > MAX_JSON_CHARS:
        text = text[:MAX_JSON_CHARS] + "\n... (truncated; `axtui export ID --format json` has it all)"
    return f"```json\n{text}\n```"


def _step_section(session: Session, index: int, state: Any) -> list[str]:
    head = f"### {index}. {state.name} ({state.type}) — {state.status.replace('_', ' ')}"
    lines = [head, ""]
    result = state.result
    if state.status == "skipped":
        lines.append("Skipped: its branch was not taken.")
    elif state.status == "not_measured":
        missing = (result or {}).get("missing") or []
        lines.append("Not measured (evidence not supplied): " + "; ".join(missing) + ".")
    elif state.status != "done":
        lines.append(f"Not completed{': ' + state.error if state.error else ''}.")
    elif state.type == "input":
        rows = [[k, v] for k, v in (result or {}).items()]
        lines.append(markdown_table(["Field", "Value"], rows) if rows else "No fields.")
    elif state.type == "prompt":
        lines.append(f"Persona: **{state.agent}**")
        followups = (session.answers.get(state.step_id) or {}).get("followups") or []
        if followups:
            lines += ["", "Follow-ups asked:"] + [f"- {q}" for q in followups]
        if state.exports:
            lines += ["", markdown_table(["Output", "Value"], [[k, v] for k, v in state.exports.items()])]
        lines += ["", "Accepted answer:", ""] + [
            f"> {line}" if line else ">" for line in str(result.get("answer", "")).splitlines()
        ]
    elif state.type == "tool":
        step = session.workflow.step(state.step_id)
        tool = step.tool if step else state.tool
        if tool == "memory_store":
            lines.append(
                f"Stored `{result.get('namespace')}` / `{result.get('key')}`"
                + (f" (expires {result.get('expires_at')})" if result.get("expires_at") else " (permanent)")
            )
        elif tool == "memory_retrieve":
            lines.append(
                f"Retrieved `{result.get('namespace')}` / `{result.get('key')}`: "
                + ("found" if result.get("found") else "not found")
            )
        elif tool == "memory_search":
            lines.append(f"Searched `{result.get('query')}`: {result.get('count')} hit(s)")
        elif tool == "memory_delete":
            lines.append(
                f"Deleted `{result.get('namespace')}` / `{result.get('key')}`: "
                + ("yes" if result.get("deleted") else "nothing to delete")
            )
    elif state.type == "compute":
        lines.append(f"Computation: `{state.fn}`")
        if isinstance(result, dict) and isinstance(result.get("markdown"), str):
            lines += ["", result["markdown"]]
        else:
            lines += ["", _json_block(result)]
        if state.exports:
            lines += ["", markdown_table(["Variable", "Value"], [[k, v] for k, v in state.exports.items()])]
    elif state.type == "conditional":
        lines.append(
            f"Condition value: `{to_text(result.get('value'))}` → branch: "
            f"**{result.get('branch') or 'none'}**"
        )
    lines.append("")
    return lines


def session_record(session: Session) -> list[str]:
    lines = ["## Session record", ""]
    index = 0
    for state in session.checklist():
        if state.step_id == INPUTS_STEP_ID:
            continue
        index += 1
        lines += _step_section(session, index, state)
    return lines


def build_report(session: Session) -> str:
    wf = session.workflow
    variables = session.variables
    created = session.created_at
    stamp = created.isoformat(timespec="seconds") + "Z" if created is not None else ""
    variables.setdefault("timestamp", stamp)
    variables.setdefault("date", stamp[:10])
    lines: list[str] = []
    template = (wf.report or {}).get("template") if wf.report else None
    if template:
        lines.append(str(render(template, variables, step_id="report")).rstrip())
        lines.append("")
    else:
        lines += [f"# {wf.name}", ""]
        if wf.description:
            lines += [wf.description, ""]
    lines += [
        f"*Session `{session.id}` · workflow `{wf.id}` v{wf.version} · started {stamp} · "
        f"status {session.status}*",
        "",
    ]
    if not template and session.inputs:
        lines += [
            "## Inputs",
            "",
            markdown_table(["Input", "Value"], [[k, v] for k, v in session.inputs.items()]),
            "",
        ]
    decisions = session.decisions()
    if decisions:
        lines += [
            "## Decisions",
            "",
            markdown_table(["Decision", "Value"], [[k, v] for k, v in decisions.items()]),
            "",
        ]
    unmeasured = [s for s in session.checklist() if s.status == "not_measured"]
    if unmeasured:
        lines += [
            "## Not measured",
            "",
            "Evidence that was not supplied; the decisions above say what they decided without it.",
            "",
        ]
        lines += [f"- {s.name}: {'; '.join((s.result or {}).get('missing') or [])}" for s in unmeasured]
        lines.append("")
    lines += session_record(session)
    return "\n".join(lines).rstrip() + "\n"
