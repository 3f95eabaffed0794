"""Session exports (Markdown, full JSON record, replay YAML) and reading replay files for ``--batch``."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from axtui.core.workflow import persist
from axtui.core.workflow.answers import normalise_answers, read_data_file
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
    return {
        "workflow": {"id": session.workflow.id, "version": session.workflow.version},
        "inputs": dict(session.inputs),
        "answers": answers,
        "model": session.model,
        "recorded": recorded_responses(session),
    }


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
    return Replay(
        workflow_id=wf["id"],
        workflow_version=str(version) if version is not None else "",
        inputs=dict(inputs),
        answers=normalise_answers(data.get("answers") or {}, f"{where}: answers"),
        model=model,
        recorded={str(k): [str(x) for x in v] for k, v in recorded.items()},
    )
