"""Session exports (Markdown, full JSON record, replay YAML) and reading replay files for ``--batch``."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from axtui.core.workflow import persist
from axtui.core.workflow.answers import normalise_answers, read_data_file
from axtui.core.workflow.model import INPUTS_STEP_ID, Workflow
from axtui.errors import InputError

if TYPE_CHECKING:
    from axtui.core.workflow.session import Session

FORMATS = ("md", "json", "replay")


@dataclass
class Replay:
    workflow_id: str
    workflow_version: str
    inputs: dict[str, Any] = field(default_factory=dict)
    answers: dict[str, Any] = field(default_factory=dict)
    model: str | None = None
    recorded: dict[str, list[str]] = field(default_factory=dict)
    # step id -> field -> {given, resolved}
    paths: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)


def recorded_responses(session: Session) -> dict[str, list[str]]:
    """Per prompt step, the persona's complete answers in order."""
    out: dict[str, list[str]] = {}
    for state in session.checklist():
        if state.type == "prompt" and state.conversation_id:
            texts = [
                m["content"]
                for m in persist.chat_messages(session.store, state.conversation_id)
                if m["role"] == "assistant" and m["complete"]
            ]
            if texts:
                out[state.step_id] = texts
    return out


def replay_document(session: Session) -> dict[str, Any]:
    answers = {k: v for k, v in session.answers.items() if v}
    doc = {
        "workflow": {"id": session.workflow.id, "version": session.workflow.version},
        "inputs": dict(session.inputs),
        "answers": answers,
        "model": session.model,
        "recorded": recorded_responses(session),
    }
    paths: dict[str, dict[str, dict[str, str]]] = {}
    for step_id, resolved in session.resolved_paths().items():
        given = session.inputs if step_id == INPUTS_STEP_ID else (session.answers.get(step_id) or {})
        paths[step_id] = {
            name: {"given": str(given.get(name, "")), "resolved": where} for name, where in resolved.items()
        }
    if paths:
        doc["paths"] = paths
    return doc


def json_record(session: Session) -> dict[str, Any]:
    row = persist.load_session(session.store, session.id) or {}
    steps = []
    for state in session.checklist():
        item = state.to_dict()
        if state.conversation_id:
            item["messages"] = [
                {
                    k: m[k]
                    for k in (
                        "role",
                        "content",
                        "model",
                        "complete",
                        "error",
                        "prompt_tokens",
                        "completion_tokens",
                        "cost_usd",
                    )
                }
                for m in persist.chat_messages(session.store, state.conversation_id)
            ]
        steps.append(item)
    return {
        "session_id": session.id,
        "workflow": {"id": session.workflow.id, "version": session.workflow.version},
        "status": session.status,
        "model": session.model,
        "inputs": session.inputs,
        "answers": session.answers,
        "decisions": session.decisions(),
        "report_path": session.report_path,
        "created_at": row.get("created_at"),
        "updated_at": row.get("updated_at"),
        "steps": steps,
        "report": session.report_markdown(),
    }


def export_session(session: Session, fmt: str) -> str:
    if fmt == "md":
        return session.report_markdown()
    if fmt == "json":
        return json.dumps(json_record(session), indent=2, ensure_ascii=False, default=persist._default) + "\n"
    if fmt == "replay":
        import yaml

        doc = json.loads(persist.dumps(replay_document(session)))
        return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=100)
    raise InputError(f"unknown export format {fmt!r}", hint=f"use one of: {', '.join(FORMATS)}")


def load_replay(path: str | Path) -> Replay:
    """Read and check a replay file (§10); every problem names the file and the key."""
    where = str(path)
    data = read_data_file(path, "replay")
    if not isinstance(data, Mapping):
        raise InputError("a replay file must be a mapping with workflow, inputs and answers", where=where)
    wf = data.get("workflow")
    if isinstance(wf, str):
        wf = {"id": wf}
    if not isinstance(wf, Mapping) or not isinstance(wf.get("id"), str):
        raise InputError(
            "`workflow` must give the workflow id (and version)",
            where=f"{where}: workflow",
            hint='workflow: {id: ml-ab-testing, version: "1.0.0"}',
        )
    inputs = data.get("inputs") or {}
    if not isinstance(inputs, Mapping):
        raise InputError("`inputs` must be a mapping", where=f"{where}: inputs")
    recorded = data.get("recorded") or {}
    if not isinstance(recorded, Mapping) or not all(isinstance(v, list) for v in recorded.values()):
        raise InputError("`recorded` must map step ids to lists of responses", where=f"{where}: recorded")
    model = data.get("model")
    if model is not None and not isinstance(model, str):
        raise InputError("`model` must be a model name", where=f"{where}: model")
    version = wf.get("version")
    paths = data.get("paths") or {}
    if not isinstance(paths, Mapping) or not all(
        isinstance(v, Mapping) and all(isinstance(p, Mapping) for p in v.values()) for v in paths.values()
    ):
        raise InputError(
            "`paths` must map step ids to {field: {given, resolved}}",
            where=f"{where}: paths",
            hint="re-export the session with `axtui export ID --format replay`",
        )
    return Replay(
        workflow_id=wf["id"],
        workflow_version=str(version) if version is not None else "",
        inputs=dict(inputs),
        answers=normalise_answers(data.get("answers") or {}, f"{where}: answers"),
        model=model,
        recorded={str(k): [str(x) for x in v] for k, v in recorded.items()},
        paths={
            str(k): {str(n): {str(a): str(b) for a, b in p.items()} for n, p in v.items()}
            for k, v in paths.items()
        },
    )


def _locate(value: str, replay_dir: Path, cwd: Path, recorded: str | None) -> str:
    """A relative path from a replay: the replay file's folder first, then the current directory, then
    where it pointed when the session ran. Kept as written when the current directory already finds it
    there (so a replay run where it was made reproduces its report), else made absolute."""
    given = Path(value).expanduser()
    if given.is_absolute():
        return value
    candidates = [replay_dir / given, cwd / given] + ([Path(recorded)] if recorded else [])
    for candidate in candidates:
        if candidate.exists():
            if (cwd / given).exists() and candidate.resolve() == (cwd / given).resolve():
                return value
            return str(candidate.resolve())
    return value  # nowhere: the input check names the file as given


def resolve_replay_paths(replay: Replay, workflow: Workflow, replay_file: str | Path, cwd: Path) -> Replay:
    """The replay with every relative path input (and input-step path answer) located (``_locate``)."""
    replay_dir = Path(replay_file).expanduser().resolve().parent
    forms = {INPUTS_STEP_ID: (workflow.inputs, replay.inputs)}
    for step in workflow.flat_steps():
        if step.type == "input" and isinstance(replay.answers.get(step.id), dict):
            forms[step.id] = (step.fields, replay.answers[step.id])
    for step_id, (fields, values) in forms.items():
        recorded = replay.paths.get(step_id) or {}
        for f in fields:
            value = values.get(f.name)
            if f.type == "path" and isinstance(value, str) and value.strip():
                values[f.name] = _locate(value, replay_dir, cwd, (recorded.get(f.name) or {}).get("resolved"))
    return replay
