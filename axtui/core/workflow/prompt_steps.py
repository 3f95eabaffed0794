"""Prompt steps of a session: facts and task for the persona, chat turns, and accepting an answer.

A mixin of ``Session`` (the job split out of the state machine): it relies on the session's
rows, lock and commit methods, and leaves persistence to them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from axtui.core.workflow import persist
from axtui.core.workflow.runner import export_outputs, retryable, step_timeout_seconds
from axtui.core.workflow.state import StepRow, StepState
from axtui.core.workflow.templates import is_missing, lookup, render
from axtui.errors import AxtuiError, InputError, ProviderError


class PromptSteps:
    """The chat side of a session: what the persona is told, each turn, and ``accept``."""

    _lock: Any
    engine: Any
    store: Any
    id: str
    status: str
    inputs: dict[str, Any]
    answers: dict[str, Any]
    recorded: dict[str, Any]

    @property
    def chat(self) -> Any:
        return self.engine.chat

    def facts_for(self, step_id: str) -> dict[str, Any]:
        """What the persona is handed as facts: the step's ``facts`` (default: the workflow inputs)."""
        r = self._row(step_id)
        variables = self._frozen_vars(r)
        if r.step.facts is None:
            return {k: variables[k] for k in self.inputs if k in variables}
        facts: dict[str, Any] = {}
        for label, path in r.step.facts.items():
            value = lookup(variables, path)
            if is_missing(value):
                raise InputError(
                    f"fact {path!r} has no value",
                    where=f"step {step_id}",
                    hint="the step that computes it must run first",
                )
            facts[label] = value
        return facts

    def task_for(self, step_id: str) -> str:
        r = self._row(step_id)
        return str(render(r.step.config.get("task", ""), self._frozen_vars(r), step_id=step_id))

    def messages(self, step_id: str) -> list[dict[str, Any]]:
        """The step's conversation so far (role, content, complete, model, ...)."""
        r = self._row(step_id)
        if not r.conversation_id:
            return []
        return persist.chat_messages(self.store, r.conversation_id)

    def _answers_so_far(self, r: StepRow, msgs: list[dict[str, Any]] | None = None) -> list[str]:
        """The complete answers of the step's conversation (from ``msgs`` when already read)."""
        msgs = self.messages(r.step.id) if msgs is None else msgs
        return [m["content"] for m in msgs if m["role"] == "assistant" and m["complete"]]

    async def prompt_turn(
        self, step_id: str, text: str | None = None, on_delta: Callable[[str], Any] | None = None
    ) -> Any:
        """The first answer (``text`` None: the templated task) or a follow-up; returns the ``TurnResult``.

        A failed turn is recorded (step failed, resumable) and returned, not raised: the caller decides.
        """
        with self._lock:
            r = self._row(step_id)
            if r.step.type != "prompt":
                raise InputError(f"step {step_id!r} is a {r.step.type} step, not a chat")
            # Starting the step and opening its conversation: one commit (the inner ones join it).
            had_conversation = r.conversation_id
            try:
                with self._transaction():
                    if r.status != "running" or not r.conversation_id:
                        self._start_row(r)
                    task = self.task_for(step_id)
                    facts = self.facts_for(step_id)
                    persona = self.engine.persona(r.step.agent or "")
                    if not r.conversation_id:
                        r.conversation_id = self.chat.new_conversation(
                            persona.agent_id, session_id=self.id, step_id=step_id
                        )
                        self._commit(r)
            except BaseException:
                r.conversation_id = had_conversation  # its row was rolled back with the rest
                raise
            # a conversation opened just now has no messages yet: nothing to read back
            stored = [] if not had_conversation else self.messages(step_id)
            turn = len(self._answers_so_far(r, stored))
            message = text if text and text.strip() else None  # None: the task is the first message
            if turn > 0 and message is None:
                raise InputError("a follow-up needs text", hint="type a question")
            if turn > 0 and message:
                entry = self.answers.setdefault(step_id, {})
                followups = entry.setdefault("followups", [])
                followups.append(text)
            recorded_list = self.recorded.get(step_id) or []
            recorded = recorded_list[turn] if turn < len(recorded_list) else None
            timeout = step_timeout_seconds(r.step)
            conversation_id = r.conversation_id
        result = await self.chat.asend(
            conversation_id,
            message,
            persona=persona,
            facts=facts,
            task=task,
            on_delta=on_delta,
            recorded=recorded,
            timeout=timeout,
            stored=stored,
        )
        with self._lock:
            if not result.complete:
                err = result.error or ProviderError("the answer was incomplete")
                self._fail_row(r, err)
            else:
                if r.status == "failed":
                    r.status, r.error = "running", None
                self.status = "running" if self.status != "completed" else self.status
                self._commit(r)
        return result

    def accept(self, step_id: str) -> StepState:
        """Take the latest complete answer, extract the declared outputs, and complete the step."""
        with self._lock:
            r = self._row(step_id)
            if r.step.type != "prompt":
                raise InputError(f"step {step_id!r} is a {r.step.type} step, not a chat")
            if r.status == "done":  # a second accept (a double key press) must not finish it again
                raise InputError(
                    f"step {step_id!r} is already accepted", hint="use redo to change its answer"
                )
            msgs = self.messages(step_id)
            answers = self._answers_so_far(r, msgs)
            if not answers:
                raise InputError(
                    f"step {step_id!r} has no complete answer to accept",
                    hint="send the first turn (or retry the failed one) first",
                )
            answer = answers[-1]
            variables = self._frozen_vars(r)
            model = next(
                (m["model"] for m in reversed(msgs) if m["role"] == "assistant" and m["complete"]), None
            )
            exports = export_outputs(r.step, {"answer": answer}, variables, answer)
            result = {
                "answer": answer,
                "content": answer,  # AutomatosX reads a prompt's text as `.content`
                "model": model,
                "turns": len(answers),
                "agent": r.step.agent,
                "conversation_id": r.conversation_id,
            }
            r.config = {"agent": r.step.agent}
            self._finish_row(r, result, exports)
            return self._state(r, self._current_row())

    def run_prompt(self, step_id: str, followups: list[str] | None = None) -> StepState:
        """Headless: first turn, each follow-up (skipping those already answered), then accept."""
        r = self._row(step_id)
        done = len(self._answers_so_far(r)) if r.conversation_id else 0
        wanted = [None, *(followups or [])]
        already = len((self.answers.get(step_id) or {}).get("followups", []))
        for i in range(done, len(wanted)):
            text = wanted[i]
            if i > 0 and i <= already:
                # the follow-up text was recorded but its answer was lost: ask again without re-recording
                entry = self.answers.setdefault(step_id, {}).setdefault("followups", [])
                del entry[i - 1 :]
            result = self._turn_with_retries(
                r, step_id, text, recorded=i < len(self.recorded.get(step_id) or [])
            )
            if not result.complete:
                err = result.error
                if isinstance(err, AxtuiError):
                    raise err
                raise ProviderError(f"the {r.step.agent} answer was incomplete", where=f"step {step_id}")
        return self.accept(step_id)

    def _turn_with_retries(self, r: StepRow, step_id: str, text: str | None, *, recorded: bool) -> Any:
        """One headless turn, asked again per the step's retry policy when it fails.

        ``recorded``: the turn has a recorded answer (turn ``i`` of ``run_prompt`` replays the
        step's ``i``-th), so it calls no model and waits for nothing: no event loop is needed."""
        import time

        from axtui.core.aio import run_ready, run_sync

        run = run_ready if recorded else run_sync
        attempts = max(1, r.step.retry.max_attempts)
        for attempt in range(1, attempts + 1):
            result = run(self.prompt_turn(step_id, text))
            if result.complete or attempt == attempts or not retryable(result.error or ProviderError("")):
                return result
            time.sleep(r.step.retry.delay_before(attempt + 1))
        return result  # pragma: no cover
