"""Driving a session to its end without a person: forms from answers, chats from follow-ups."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from axtui.core.workflow.fields import FormError
from axtui.core.workflow.model import INPUTS_STEP_ID
from axtui.core.workflow.state import Event, Summary
from axtui.errors import InputError

if TYPE_CHECKING:
    from axtui.core.workflow.session import Session


def drive(
    session: Session, answers: Mapping[str, Any], on_progress: Callable[[Event], None] | None
) -> Summary:
    """Run every remaining step in order; raises the first step error (already recorded in the session)."""
    emit = on_progress or (lambda _e: None)
    if session.status == "completed":
        raise InputError(
            f"session {session.id} is already completed",
            hint=f"export it with `axtui export {session.id} --format md`, or start a new run",
        )
    known = {s.step_id for s in session.checklist()}
    unknown = sorted(set(answers) - known)
    if unknown:
        raise InputError(
            f"the answers name a step this workflow does not have: {unknown[0]!r}",
            hint=f"steps: {', '.join(sorted(known))}",
        )
    reported: set[str] = set()

    def report_unmeasured() -> None:
        for s in session.checklist():
            if s.status == "not_measured" and s.step_id not in reported:
                reported.add(s.step_id)
                why = "; ".join((s.result or {}).get("missing") or [])
                emit(Event("not_measured", s.step_id, f"{s.name}: not measured ({why})"))

    report_unmeasured()
    while (state := session.current()) is not None:
        step_id = state.step_id
        if state.type == "input":
            emit(Event("started", step_id, state.name))
            values = dict(session.inputs) if step_id == INPUTS_STEP_ID else {}
            values.update({k: v for k, v in (answers.get(step_id) or {}).items()})
            try:
                session.submit_input(step_id, values)
            except FormError as exc:
                exc.hint = (
                    f"give {exc.field!r} with --input"
                    if step_id == INPUTS_STEP_ID
                    else f"add it to the answers file under {step_id}: {{{exc.field}: ...}}"
                )
                raise
            emit(Event("done", step_id, state.name))
        elif state.type == "prompt":
            emit(Event("started", step_id, f"{state.name} ({state.agent})"))
            followups = (answers.get(step_id) or {}).get("followups") or []
            session.run_prompt(step_id, [str(f) for f in followups])
            emit(Event("done", step_id, state.name))
        else:
            session.run_auto(step_id, on_event=emit)
        report_unmeasured()
    emit(Event("completed", None, f"session {session.id} completed", {"report_path": session.report_path}))
    return session.summary()
