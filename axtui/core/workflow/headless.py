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


def _check_answer_order(session: Session, answers: Mapping[str, Any]) -> None:
    """Refuse inverted thresholds in the answers file before any step runs (not at their step,
    after the persona steps and memory writes before it): the rule ``validate_form`` applies."""
    from axtui.core.workflow.form_rules import order_errors

    for step_id, values in answers.items():
        step = session.workflow.step(step_id)
        if step is None or step.type != "input" or not isinstance(values, Mapping):
            continue
        errors = order_errors(step.fields, values)
        if errors:
            exc = FormError(step_id, errors)
            exc.hint = f"fix it in the answers file under {step_id}: {{{exc.field}: ...}}"
            raise exc


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
    _check_answer_order(session, answers)
    reported: set[str] = set()

    def report_unmeasured() -> None:
        for s in session.checklist():
            if s.status == "not_measured" and s.step_id not in reported:
                reported.add(s.step_id)
                why = "; ".join((s.result or {}).get("missing") or [])
                emit(Event("not_measured", s.step_id, f"{s.name}: not measured ({why})"))

    with session.store.lease():  # nobody waits on a person here: keep the connection between steps
        _drive_steps(session, answers, emit, report_unmeasured)
        done = {"report_path": session.report_path}
        emit(Event("completed", None, f"session {session.id} completed", done))
        return session.summary()


def _drive_steps(
    session: Session,
    answers: Mapping[str, Any],
    emit: Callable[[Event], None],
    report_unmeasured: Callable[[], None],
) -> None:
    """The steps of ``drive``, in order, until none is left."""
    from axtui.core.workflow.auto_steps import COMPOSITE_TYPES

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
            followups = [str(f) for f in (answers.get(step_id) or {}).get("followups") or []]
            if len(session.recorded.get(step_id) or []) > len(followups):  # replayed: no model call
                _atomic(
                    session, step_id, emit, lambda _emit, sid=step_id, f=followups: session.run_prompt(sid, f)
                )
            else:
                session.run_prompt(step_id, followups)
            emit(Event("done", step_id, state.name))
        elif state.type in COMPOSITE_TYPES:
            # Not one transaction: parallel children commit from their own threads, and discuss or
            # delegate wait on a model (a transaction must never be held across a model call).
            session.run_auto(step_id, on_event=emit)
        else:
            _atomic(
                session,
                step_id,
                emit,
                lambda step_emit, sid=step_id: session.run_auto(sid, on_event=step_emit),
                lazy=True,  # the computation runs before the step's transaction opens
            )
        report_unmeasured()


def _atomic(
    session: Session,
    step_id: str,
    emit: Callable[[Event], None],
    run: Callable[[Any], Any],
    *,
    lazy: bool = False,
) -> None:
    """Run a step as one commit (``Session.atomic_step``: one transaction per step, not five);
    its progress lines are printed once it is committed (or its failure recorded), so a ``✓``
    always means the step is in the database."""
    pending: list[Event] = []
    try:
        with session.atomic_step(step_id, lazy=lazy):
            run(pending.append)
    finally:
        for event in pending:
            emit(event)
