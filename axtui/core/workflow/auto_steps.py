"""Automatic steps of a session: tool, compute and conditional steps, with timeouts and retries.

A mixin of ``Session`` (the job split out of the state machine): it relies on the session's
rows, lock and commit methods, and leaves persistence to them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from axtui.core.workflow.model import AUTO_STEP_TYPES, Step
from axtui.core.workflow.runner import (
    evaluate_conditional,
    export_outputs,
    run_compute,
    run_tool,
    with_retries,
)
from axtui.core.workflow.state import Event, StepRow, StepState
from axtui.errors import InputError

COMPOSITE_TYPES = ("parallel", "discuss", "loop", "delegate")  # run by composite.py


class AutoSteps:
    """``run_auto`` and the branch bookkeeping of conditional steps (composite steps: composite.py)."""

    _rows: dict[str, StepRow]
    _lock: Any
    engine: Any
    id: str
    status: str

    def run_auto(self, step_id: str, on_event: Callable[[Event], None] | None = None) -> StepState:
        """Run a tool, compute, conditional or composite step with timeout and retries; raises its
        (recorded) error."""
        emit = on_event or (lambda _e: None)
        with self._lock:
            r = self._row(step_id)
            if r.step.type not in AUTO_STEP_TYPES:
                raise InputError(
                    f"step {step_id!r} is a {r.step.type} step; it needs "
                    f"{'a form' if r.step.type == 'input' else 'a chat turn and accept'}"
                )
            if self._settle_unmeasured():  # e.g. resumed after a crash before the mark was written
                self._maybe_complete()
            if r.status == "not_measured":
                return self._state(r, self._current_row())
            self._start_row(r)
            emit(Event("started", step_id, f"{r.step.title}"))

            def on_retry(attempt: int, exc: BaseException, delay: float) -> None:
                r.attempts = attempt + 1
                emit(Event("retry", step_id, f"attempt {attempt} failed ({exc}); retrying in {delay:g} s"))

            try:
                if r.step.type in COMPOSITE_TYPES:  # parallel, discuss, loop, delegate
                    from axtui.core.workflow.composite import run_composite

                    result, exports = run_composite(self, r, emit)
                    r.config = {"type": r.step.type}
                    self._finish_row(r, result, exports)
                elif r.step.type == "tool":
                    with_retries(r.step, lambda _a: self._tool_attempt(r), on_retry=on_retry)
                else:
                    variables = self._frozen_vars(r)
                    if r.step.type == "compute":
                        unit = progress_unit(r.step.config.get("fn"))

                        def on_progress(done: int, total: int, rows: int) -> None:
                            data = {"done": done, "total": total, "unit": unit, "rows": rows}
                            emit(Event("progress", step_id, r.step.title, data))

                        result = with_retries(
                            r.step, lambda _a: run_compute(r.step, variables, on_progress), on_retry=on_retry
                        )
                        exports = export_outputs(r.step, result, variables)
                        r.config = {"fn": r.step.config.get("fn")}
                        self._finish_row(r, result, exports)
                    else:
                        result = evaluate_conditional(r.step, variables)
                        self._finish_conditional(r, result)
            except Exception as exc:
                self._fail_row(r, exc)
                emit(Event("failed", step_id, r.error or str(exc)))
                raise
            emit(Event("done", step_id, r.step.title, {"result": r.result}))
            for nested in self._ordered():
                if nested.step.parent == step_id and nested.status == "skipped":
                    emit(Event("skipped", nested.step.id, nested.step.title))
            return self._state(r, self._current_row())

    def _tool_attempt(self, r: StepRow) -> None:
        """Memory write and step completion in one transaction: both land or neither does."""
        variables = self._frozen_vars(r)
        token = r.step.id if r.generation == 1 else f"{r.step.id}@{r.generation}"
        memory = self.engine.memory
        self._check_db()
        holder: dict[str, Any] = {}

        def write(con: Any) -> None:
            holder["result"] = run_tool(r.step, variables, memory, session_id=self.id, write_token=token)
            holder["exports"] = export_outputs(r.step, holder["result"], variables)
            r.result, r.exports = holder["result"], holder["exports"]

        r.config = {"tool": r.step.tool}
        saved_status = self.status
        r.status, r.finished_at, r.error = "done", self._now(), None
        try:
            self._commit(r, extra=write)
        except BaseException:
            r.status, r.result, r.exports, r.finished_at = "running", None, {}, None
            self.status = saved_status
            raise
        self._settle_unmeasured()
        self._maybe_complete()

    def _finish_conditional(self, r: StepRow, result: dict[str, Any]) -> None:
        chosen = result.get("branch")
        r.branch = chosen
        skipped = [
            n
            for n in self._ordered()
            if self._descends(n.step, r.step.id)
            and not (n.step.parent == r.step.id and n.step.branch == chosen)
            and not self._in_chosen(n.step, r.step.id, chosen)
        ]
        now = self._now()

        def mark(con: Any) -> None:
            for n in skipped:
                n.status, n.finished_at, n.result, n.exports = "skipped", now, None, {}
                self._write_row(con, n)

        self._finish_row(r, result, export_outputs(r.step, result, self.variables), extra=mark)

    def _descends(self, step: Step, ancestor_id: str) -> bool:
        parent = step.parent
        while parent is not None:
            if parent == ancestor_id:
                return True
            parent = self._rows[parent].step.parent if parent in self._rows else None
        return False

    def _in_chosen(self, step: Step, cond_id: str, chosen: str | None) -> bool:
        """True when the step sits (at any depth) inside the chosen branch of ``cond_id``."""
        node = step
        while node.parent is not None and node.parent != cond_id:
            node = self._rows[node.parent].step
        return node.parent == cond_id and node.branch == chosen


def progress_unit(fn: Any) -> str:
    """What a compute's progress reports count (its catalogue ``unit``), for the progress line."""
    from axtui.core.workflow.computes import CATALOGUE

    entry = CATALOGUE.get(fn) if isinstance(fn, str) else None
    return entry.unit if entry is not None else "columns"
