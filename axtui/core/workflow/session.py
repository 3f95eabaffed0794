"""Sessions: one run of a workflow, persisted step by step so it survives anything.

Every front end drives a session through the same methods: the TUI (a person, from
worker threads), headless runs (an answers file) and ``--batch`` (a replay file).
The rule that makes resume trivial: a step's result is committed to DuckDB, with the
session's progress, before the next step starts; a step is "current" until then.
"""

from __future__ import annotations

import asyncio
import contextlib
import getpass
import os
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from axtui.core.clock import iso
from axtui.core.workflow import persist
from axtui.core.workflow.catalog import load_workflow, workflow_from_source
from axtui.core.workflow.fields import validate_form
from axtui.core.workflow.model import AUTO_STEP_TYPES, INPUTS_STEP_ID, Field, Step, Workflow
from axtui.core.workflow.runner import (
    evaluate_conditional,
    export_outputs,
    retryable,
    run_compute,
    run_tool,
    step_timeout_seconds,
    with_retries,
)
from axtui.core.workflow.templates import is_missing, lookup, render
from axtui.errors import AxtuiError, InputError, NotFoundError, ProviderError, StoreError

if TYPE_CHECKING:
    from axtui.config import Settings
    from axtui.core.store import Store

DONE_STATES = ("done", "skipped", "not_measured")
HAS_RESULT = ("done", "not_measured")  # states whose result and outputs are variables
COMPOSITE_TYPES = ("parallel", "discuss", "loop", "delegate")  # run by composite.py
_LARGE_SESSION_COLS = ("inputs", "answers", "recorded")


@dataclass
class StepState:
    """What a checklist row shows: a step, where it sits, and how far it got."""

    step_id: str
    name: str
    type: str
    status: str  # done | current | failed | pending | skipped | running | not_measured
    depth: int = 0
    parent: str | None = None
    branch: str | None = None
    agent: str | None = None
    tool: str | None = None
    fn: str | None = None
    attempts: int = 0
    error: str | None = None
    result: Any = None
    exports: dict[str, Any] = field(default_factory=dict)
    conversation_id: str | None = None
    is_current: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Event:
    """Progress reported while steps run: started, retry, done, failed, skipped, turn, completed."""

    kind: str
    step_id: str | None
    message: str
    data: dict[str, Any] | None = None


@dataclass
class _Row:
    """The in-memory copy of one step_results row."""

    step: Step
    seq: int
    status: str = "pending"
    attempts: int = 0
    result: Any = None
    exports: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    branch: str | None = None
    conversation_id: str | None = None
    started_at: Any = None
    finished_at: Any = None
    generation: int = 1
    config: Any = None


def _inputs_step(wf: Workflow) -> Step:
    return Step(
        id=INPUTS_STEP_ID, type="input", name="Inputs", fields=[Field(**f.__dict__) for f in wf.inputs]
    )


RESOLVED_PATHS_KEY = "__resolved_paths__"


def _resolved_paths(fields: list[Field], values: Mapping[str, Any]) -> dict[str, str]:
    """Absolute form of each path field's value, as the current directory resolves it now."""
    out: dict[str, str] = {}
    for f in fields:
        value = values.get(f.name)
        if f.type == "path" and isinstance(value, str) and value.strip():
            out[f.name] = str(Path(value).expanduser().resolve())
    return out


def new_session_id() -> str:
    return uuid.uuid4().hex[:12]


class Session:
    """One session's state; every method persists before it returns. Safe to call from a worker thread."""

    def __init__(
        self, engine: Engine, row: dict[str, Any], workflow: Workflow, step_rows: list[dict[str, Any]]
    ) -> None:
        self.engine = engine
        self.store = engine.store
        self.id: str = row["id"]
        self.workflow = workflow
        self.status: str = row["status"]
        self.inputs: dict[str, Any] = row["inputs"] or {}
        self.answers: dict[str, Any] = row["answers"] or {}
        self.recorded: dict[str, list[str]] = row.get("recorded") or {}
        self.model: str | None = row.get("model")
        self.report_path: str | None = row.get("report_path")
        self.created_at = row.get("created_at")
        self._lock = threading.RLock()
        self._db_identity = engine.db_identity()
        # The JSON last written for each large session column: a commit rewrites only those that changed.
        self._written = {c: persist.dumps(getattr(self, c)) for c in _LARGE_SESSION_COLS}
        self._unconfirmed: dict[str, str] = {}
        self._tx_depth = 0
        steps = ([_inputs_step(workflow)] if workflow.inputs else []) + workflow.flat_steps()
        self._rows: dict[str, _Row] = {s.id: _Row(step=s, seq=i) for i, s in enumerate(steps)}
        for saved in step_rows:
            r = self._rows.get(saved["step_id"])
            if r is None:
                continue
            r.status = saved["status"]
            r.attempts = saved["attempts"] or 0
            outputs = saved["outputs"] or {}
            r.result = outputs.get("result")
            r.exports = outputs.get("exports") or {}
            meta = saved["inputs"] or {}
            r.generation = meta.get("generation", 1)
            r.config = meta.get("config")
            r.error = saved["error"]
            r.branch = saved["branch"]
            r.conversation_id = saved["conversation_id"]
            r.started_at = saved["started_at"]
            r.finished_at = saved["finished_at"]

    # -- reading -----------------------------------------------------------------------------
    @property
    def variables(self) -> dict[str, Any]:
        """Inputs, then each finished step's result (under its id) and exports (top level), in order."""
        out: dict[str, Any] = {"session_id": self.id, "user": self.engine.user}
        out.update(self.inputs)
        for r in self._ordered():
            if r.status in HAS_RESULT:
                out[r.step.id] = r.result
                out.update(r.exports)
        return out

    def _ordered(self) -> list[_Row]:
        return sorted(self._rows.values(), key=lambda r: r.seq)

    def _row(self, step_id: str) -> _Row:
        r = self._rows.get(step_id)
        if r is None:
            raise NotFoundError(
                f"no step {step_id!r} in workflow {self.workflow.id}",
                hint="see the checklist for the step ids",
            )
        return r

    def _current_row(self) -> _Row | None:
        return next((r for r in self._ordered() if r.status not in DONE_STATES), None)

    def _state(self, r: _Row, current: _Row | None) -> StepState:
        s = r.step
        status = r.status
        is_current = current is r
        if status in ("pending", "running") and is_current:
            status = "current"
        elif status == "running":
            status = "pending"
        return StepState(
            step_id=s.id,
            name=s.title,
            type=s.type,
            status=status,
            depth=s.depth,
            parent=s.parent,
            branch=s.branch,
            agent=s.agent,
            tool=s.tool,
            fn=s.config.get("fn") if s.type == "compute" else None,
            attempts=r.attempts,
            error=r.error,
            result=r.result,
            exports=dict(r.exports),
            conversation_id=r.conversation_id,
            is_current=is_current,
        )

    def checklist(self) -> list[StepState]:
        with self._lock:
            current = self._current_row()
            return [self._state(r, current) for r in self._ordered()]

    def current(self) -> StepState | None:
        with self._lock:
            r = self._current_row()
            return self._state(r, r) if r else None

    def step_state(self, step_id: str) -> StepState:
        with self._lock:
            return self._state(self._row(step_id), self._current_row())

    @property
    def steps_done(self) -> int:
        return sum(1 for r in self._rows.values() if r.status in DONE_STATES)

    def input_fields(self, step_id: str) -> list[Field]:
        """The step's form fields with their current value (previous answer, given input, or default)."""
        r = self._row(step_id)
        if r.step.type != "input":
            raise InputError(f"step {step_id!r} is a {r.step.type} step, not a form")
        given = self.inputs if step_id == INPUTS_STEP_ID else (self.answers.get(step_id) or {})
        out = []
        for f in r.step.fields:
            copy = Field(**f.__dict__)
            copy.value = (
                r.result.get(f.name)
                if r.status == "done" and isinstance(r.result, dict)
                else given.get(f.name, f.default)
            )
            out.append(copy)
        return out

    def resolved_paths(self) -> dict[str, dict[str, str]]:
        """Per input step, each path field's value resolved when it was submitted."""
        out: dict[str, dict[str, str]] = {}
        for r in self._ordered():
            if r.step.type == "input" and isinstance(r.config, dict) and r.config.get(RESOLVED_PATHS_KEY):
                out[r.step.id] = dict(r.config[RESOLVED_PATHS_KEY])
        return out

    def missing_inputs(self) -> list[Field]:
        """Required workflow inputs that have no value and no default."""
        if not self.workflow.inputs:
            return []
        return [
            f
            for f in self.workflow.inputs
            if f.required and not f.has_default and self.inputs.get(f.name) in (None, "")
        ]

    # -- writing -----------------------------------------------------------------------------
    def _check_db(self) -> None:
        if self.engine.db_identity() != self._db_identity:
            raise StoreError(
                "the database file was deleted or replaced while the session was running",
                where=str(self.store.path),
                hint="nothing more can be saved to it; start the session again with "
                "`axtui run`, or restore the file and `axtui resume`",
            )

    def _now(self) -> Any:
        return self.store.clock()

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[Any]:
        """A store transaction (nested ones join it); once the outermost commits, the large
        columns it wrote count as written."""
        outermost = self._tx_depth == 0
        if outermost:
            self._unconfirmed = {}
        self._tx_depth += 1
        try:
            with self.store.transaction() as con:
                yield con
        finally:
            self._tx_depth -= 1
        if outermost:
            self._written.update(self._unconfirmed)

    def _commit(self, r: _Row, *, extra: Callable[[Any], None] | None = None) -> None:
        """Persist one step row and the session's progress in one transaction."""
        self._check_db()
        with self._transaction() as con:
            if extra is not None:
                extra(con)
            self._write_row(con, r)
            self._write_session(con)

    def _write_row(self, con: Any, r: _Row) -> None:
        persist.update_step(
            con,
            self.id,
            r.step.id,
            status=r.status,
            attempts=r.attempts,
            inputs={"generation": r.generation, "config": r.config},
            outputs={"result": r.result, "exports": r.exports} if r.status in HAS_RESULT else None,
            error=r.error,
            branch=r.branch,
            conversation_id=r.conversation_id,
            started_at=r.started_at,
            finished_at=r.finished_at,
        )

    def _write_session(self, con: Any) -> None:
        """The session's progress, plus those large columns that changed since they were last written.

        Rewriting every column on every step cost about a quarter of a ``--batch`` replay
        (bench/batch.md). ``variables`` is derived from the step rows (that is how a session is
        reloaded), so it is stored once the session stops running, as a convenience for readers.
        """
        current = self._current_row()
        cols: dict[str, Any] = {
            "status": self.status,
            "steps_done": self.steps_done,
            "current_step": current.step.id if current else None,
            "updated_at": self._now(),
            "error": next((r.error for r in self._ordered() if r.status == "failed"), None),
        }
        for name in _LARGE_SESSION_COLS:
            text = persist.dumps(getattr(self, name))
            if text != self._written[name]:
                cols[name] = getattr(self, name)
                self._unconfirmed[name] = text
        if self.status != "running":
            cols["variables"] = self.variables
        persist.update_session(con, self.id, **cols)

    def _frozen_vars(self, r: _Row) -> dict[str, Any]:
        """Variables plus the built-ins frozen at the step's first start (a re-run writes the same keys)."""
        started = r.started_at or self._now()
        out = self.variables
        out["timestamp"] = out["now"] = iso(started)  # `now`: AutomatosX's name for it
        out["date"] = started.date().isoformat()
        return out

    def _start_row(self, r: _Row) -> None:
        if r.status == "done":
            raise InputError(f"step {r.step.id!r} is already done", hint="use redo to run it again")
        current = self._current_row()
        if current is not r:
            raise InputError(
                f"step {r.step.id!r} is not the current step"
                + (f" (the current step is {current.step.id!r})" if current else ""),
                hint="finish the steps in order, or redo an earlier one",
            )
        if self.status in ("paused", "failed"):
            self.status = "running"
        r.attempts += 1
        if r.started_at is None:
            r.started_at = self._now()
        r.status = "running"
        r.error = None
        self._commit(r)

    def _fail_row(self, r: _Row, exc: BaseException) -> None:
        r.status = "failed"
        r.error = exc.render() if isinstance(exc, AxtuiError) else f"{type(exc).__name__}: {exc}"
        self.status = "failed"
        with contextlib.suppress(StoreError):  # the original error is the one to report
            self._commit(r)

    def _finish_row(
        self, r: _Row, result: Any, exports: dict[str, Any], *, extra: Callable[[Any], None] | None = None
    ) -> None:
        r.status = "done"
        r.result = result
        r.exports = exports
        r.error = None
        r.finished_at = self._now()
        if self.status != "completed":
            self.status = "running"
        self._commit(r, extra=extra)
        self._settle_unmeasured()
        self._maybe_complete()

    def _settle_unmeasured(self) -> list[str]:
        """Mark the next steps whose declared evidence is absent as not measured (docs/workflows.md).

        Runs whenever the session advances, so no front end ever sees such a step as current; a
        conditional's nested steps share its mark. Returns the ids marked.
        """
        from axtui.core.workflow.evidence import absent_evidence, not_measured

        marked: list[str] = []
        while (r := self._current_row()) is not None and r.step.evidence and r.step.type != "input":
            missing = absent_evidence(r.step.evidence, self._frozen_vars(r))
            if not missing:
                break
            marker = not_measured(missing)
            rows = [r] + [n for n in self._ordered() if self._descends(n.step, r.step.id)]
            now = self._now()
            for n in rows:
                n.status, n.result, n.error = "not_measured", marker, None
                n.exports = {o.name: marker for o in n.step.outputs}
                n.started_at = n.started_at or now
                n.finished_at = now
            self._check_db()
            with self.store.transaction() as con:
                for n in rows:
                    self._write_row(con, n)
                self._write_session(con)
            marked += [n.step.id for n in rows]
        return marked

    def _maybe_complete(self) -> None:
        if self._current_row() is None and self.status != "completed":
            from axtui.core.workflow.report import build_report, write_report

            self.status = "completed"
            text = build_report(self)
            path = write_report(self.id, text)
            self.report_path = str(path)
            decisions = self.decisions()
            self._check_db()
            with self._transaction() as con:
                self._write_session(con)
                persist.update_session(con, self.id, report=text, report_path=str(path), decisions=decisions)

    # -- input steps -------------------------------------------------------------------------
    def submit_input(self, step_id: str, values: Mapping[str, Any]) -> StepState:
        """Validate the form (``FormError`` names each bad field), persist it, and advance."""
        with self._lock:
            r = self._row(step_id)
            if r.step.type != "input":
                raise InputError(f"step {step_id!r} is a {r.step.type} step, not a form")
            current = self._current_row()
            if current is not r:
                raise InputError(
                    f"step {step_id!r} is not the current step",
                    hint="finish the steps in order, or redo an earlier one",
                )
            clean = validate_form(step_id, r.step.fields, values, self.variables)
            if step_id == INPUTS_STEP_ID:
                self.inputs = dict(clean)
            else:
                self.answers[step_id] = dict(clean)
            r.attempts += 1
            r.started_at = r.started_at or self._now()
            r.config = dict(clean)
            paths = _resolved_paths(r.step.fields, clean)
            if paths:  # where each relative path pointed, for portable replays (core/workflow/replay.py)
                r.config[RESOLVED_PATHS_KEY] = paths
            self._finish_row(r, dict(clean), dict(clean) if step_id != INPUTS_STEP_ID else {})
            return self._state(r, self._current_row())

    # -- automatic steps ---------------------------------------------------------------------
    def run_auto(self, step_id: str, on_event: Callable[[Event], None] | None = None) -> StepState:
        """Run a tool, compute or conditional step with timeout and retries; raises its (recorded) error."""
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
                        result = with_retries(
                            r.step, lambda _a: run_compute(r.step, variables), on_retry=on_retry
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

    def _tool_attempt(self, r: _Row) -> None:
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

    def _finish_conditional(self, r: _Row, result: dict[str, Any]) -> None:
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

    # -- prompt steps ------------------------------------------------------------------------
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

    def _answers_so_far(self, r: _Row) -> list[str]:
        return [m["content"] for m in self.messages(r.step.id) if m["role"] == "assistant" and m["complete"]]

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
            turn = len(self._answers_so_far(r))
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
            answers = self._answers_so_far(r)
            if not answers:
                raise InputError(
                    f"step {step_id!r} has no complete answer to accept",
                    hint="send the first turn (or retry the failed one) first",
                )
            answer = answers[-1]
            variables = self._frozen_vars(r)
            msgs = self.messages(step_id)
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
            result = self._turn_with_retries(r, step_id, text)
            if not result.complete:
                err = result.error
                if isinstance(err, AxtuiError):
                    raise err
                raise ProviderError(f"the {r.step.agent} answer was incomplete", where=f"step {step_id}")
        return self.accept(step_id)

    def _turn_with_retries(self, r: _Row, step_id: str, text: str | None) -> Any:
        """One headless turn, asked again per the step's retry policy when it fails."""
        import time

        attempts = max(1, r.step.retry.max_attempts)
        for attempt in range(1, attempts + 1):
            result = _run_coroutine(self.prompt_turn(step_id, text))
            if result.complete or attempt == attempts or not retryable(result.error or ProviderError("")):
                return result
            time.sleep(r.step.retry.delay_before(attempt + 1))
        return result  # pragma: no cover

    # -- control -----------------------------------------------------------------------------
    @contextlib.contextmanager
    def atomic_step(self, step_id: str) -> Iterator[None]:
        """One step's writes as one commit, for runs without a person (``--batch``, headless).

        Crash-safe by construction: a killed process loses the step in flight, all of it
        (memory writes included), never a committed one. A failure rolls the step back, puts
        the in-memory state back to what was committed, then records the failure as before.
        Not for live model turns (the transaction would be held across the call).
        """
        import copy

        with self._lock:
            rows = {k: copy.copy(v) for k, v in self._rows.items()}
            status, answers, report_path = self.status, copy.deepcopy(self.answers), self.report_path
            try:
                with self._transaction():
                    yield
            except Exception as exc:
                for k, saved in rows.items():
                    self._rows[k].__dict__.update(saved.__dict__)
                self.status, self.answers, self.report_path = status, answers, report_path
                self._fail_row(self._row(step_id), exc)
                raise

    def pause(self) -> None:
        with self._lock:
            if self.status != "completed":
                self.status = "paused"
                self._check_db()
                with self._transaction() as con:
                    self._write_session(con)

    def redo(self, step_id: str) -> None:
        """Reset a step and every step after it, so they run again (memory writes get a new token)."""
        with self._lock:
            target = self._row(step_id)
            reset = [r for r in self._ordered() if r.seq >= target.seq]
            for r in reset:
                if r.status != "pending":
                    r.generation += 1
                r.status, r.result, r.exports, r.error = "pending", None, {}, None
                r.branch = r.conversation_id = r.started_at = r.finished_at = None
                r.attempts = 0
                if r.step.id in self.answers and r.step.type == "prompt":
                    self.answers.pop(r.step.id, None)
            self.status = "running"
            self.report_path = None
            self._check_db()
            with self._transaction() as con:
                for r in reset:
                    self._write_row(con, r)
                self._write_session(con)
                persist.update_session(con, self.id, report=None, report_path=None, decisions=None)
            self._settle_unmeasured()

    def decisions(self) -> dict[str, Any]:
        """The verdicts: the workflow's ``decisions`` paths, else every ``decide`` step's decision."""
        variables = self.variables
        out: dict[str, Any] = {}
        if self.workflow.decisions:
            for label, path in self.workflow.decisions.items():
                value = lookup(variables, path)
                out[label] = None if is_missing(value) else value
                if isinstance(value, dict) and value.get("not_measured") is True:
                    out[label] = "not measured"
            return out
        for r in self._ordered():
            is_decide = r.step.type == "compute" and r.step.config.get("fn") == "decide"
            if r.status == "done" and is_decide and isinstance(r.result, dict):
                out[r.step.id] = r.result.get("decision")
        return out

    def report_markdown(self) -> str:
        """The stored report once complete; before that, the report as it stands."""
        rows = self.store.query("SELECT report FROM sessions WHERE id = ?", [self.id])
        if rows and rows[0][0]:
            return rows[0][0]
        from axtui.core.workflow.report import build_report

        return build_report(self)

    def export(self, fmt: str) -> str:
        from axtui.core.workflow.replay import export_session

        return export_session(self, fmt)

    def run_headless(
        self, answers: Mapping[str, Any] | None = None, on_progress: Callable[[Event], None] | None = None
    ) -> Summary:
        from axtui.core.workflow.headless import drive

        return drive(self, answers or {}, on_progress)

    def summary(self) -> Summary:
        return Summary(
            session_id=self.id,
            workflow_id=self.workflow.id,
            workflow_version=self.workflow.version,
            status=self.status,
            steps=self.checklist(),
            decisions=self.decisions(),
            report_path=self.report_path,
        )


@dataclass
class Summary:
    session_id: str
    workflow_id: str
    workflow_version: str
    status: str
    steps: list[StepState]
    decisions: dict[str, Any]
    report_path: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "session_id": self.session_id,
            "workflow": {"id": self.workflow_id, "version": self.workflow_version},
            "status": self.status,
            "steps": [
                {
                    "id": s.step_id,
                    "name": s.name,
                    "type": s.type,
                    "status": s.status,
                    "attempts": s.attempts,
                    **({"error": s.error} if s.error else {}),
                    **(
                        {"missing": (s.result or {}).get("missing", [])} if s.status == "not_measured" else {}
                    ),
                }
                for s in self.steps
            ],
            "not_measured": [s.step_id for s in self.steps if s.status == "not_measured"],
            "decisions": self.decisions,
            "report_path": self.report_path,
        }


def _run_coroutine(coro: Any) -> Any:
    """Run a coroutine from sync code, also when called inside a running loop's thread (TUI worker)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    result: dict[str, Any] = {}

    def runner() -> None:
        try:
            result["value"] = asyncio.run(coro)
        except BaseException as exc:
            result["error"] = exc

    thread = threading.Thread(target=runner)
    thread.start()
    thread.join()
    if "error" in result:
        raise result["error"]
    return result["value"]


class Engine:
    """Starts and opens sessions over one store. Holds no global state; cheap to create."""

    def __init__(self, store: Store, settings: Settings | None = None) -> None:
        from axtui.config import Settings as _Settings

        self.store = store
        self.settings = settings or _Settings(db_path=Path(str(store.path)))
        self._memory: Any = None
        self._chat: Any = None
        self._personas: dict[str, Any] | None = None
        try:
            self.user = getpass.getuser()
        except (KeyError, OSError):
            self.user = os.environ.get("USER", "user")

    @property
    def memory(self) -> Any:
        if self._memory is None:
            from axtui.core.memory import Memory

            self._memory = Memory(self.store)
        return self._memory

    @property
    def chat(self) -> Any:
        if self._chat is None:
            from axtui.core.chat import ChatService

            self._chat = ChatService(self.store, self.settings)
        return self._chat

    def persona(self, agent_id: str) -> Any:
        from axtui.core.personas import get_persona, load_personas

        if self._personas is None:
            self._personas = load_personas()
        return get_persona(agent_id, self._personas)

    def db_identity(self) -> tuple[int, int] | None:
        path = self.store.path
        if str(path) == ":memory:":
            return (0, 0)
        try:
            st = os.stat(path)
        except OSError:
            return None
        return (st.st_dev, st.st_ino)

    def start(
        self,
        workflow: str | Workflow,
        inputs: Mapping[str, Any] | None = None,
        *,
        strict: bool = True,
        recorded: Mapping[str, list[str]] | None = None,
        title: str | None = None,
    ) -> Session:
        """Create a session; with ``strict`` the inputs must be complete and valid (else ``FormError``)."""
        wf = workflow if isinstance(workflow, Workflow) else load_workflow(workflow)
        given = dict(inputs or {})
        clean: dict[str, Any] | None = None
        if wf.inputs:
            unknown = sorted(set(given) - {f.name for f in wf.inputs})
            if unknown:
                raise InputError(
                    f"unknown input {unknown[0]!r} for workflow {wf.id}",
                    hint=f"inputs: {', '.join(f.name for f in wf.inputs)}",
                )
            if strict:
                clean = validate_form(INPUTS_STEP_ID, wf.inputs, given)
        elif given:
            raise InputError(f"workflow {wf.id} takes no inputs", hint="drop --input")
        sid = new_session_id()
        now = self.store.clock()
        steps = ([_inputs_step(wf)] if wf.inputs else []) + wf.flat_steps()
        row = {
            "id": sid,
            "workflow_id": wf.id,
            "workflow_version": wf.version,
            "title": title or wf.name,
            "status": "running",
            "inputs": given,
            "variables": {},
            "answers": {},
            "model": self.settings.default_model,
            "steps_total": len(steps),
            "steps_done": 0,
            "current_step": steps[0].id if steps else None,
            "recorded": dict(recorded or {}),
            "workflow_source": wf.source,
            "created_at": now,
            "updated_at": now,
        }
        with self.store.transaction() as con:
            persist.insert_session(con, row)
            persist.insert_steps(
                con,
                [
                    {
                        "session_id": sid,
                        "step_id": s.id,
                        "seq": i,
                        "parent_step": s.parent,
                        "step_type": s.type,
                        "status": "pending",
                        "attempts": 0,
                    }
                    for i, s in enumerate(steps)
                ],
            )
        # The workflow just loaded, not a second parse of the source stored with the session.
        saved = persist.load_session(self.store, sid)
        assert saved is not None  # inserted above, in this process
        session = Session(self, saved, wf, persist.load_steps(self.store, sid))
        if wf.inputs and (clean is not None or not session.missing_inputs()):
            try:
                session.submit_input(INPUTS_STEP_ID, given)
            except InputError:
                if strict:
                    raise
        elif not steps or (not wf.inputs and session._settle_unmeasured()):
            session._maybe_complete()
        return session

    def open(self, session_id: str) -> Session:
        """A session by id (or unique id prefix); ``NotFoundError`` if there is none."""
        row = persist.load_session(self.store, session_id)
        if row is None:
            matches = (
                persist.find_sessions(self.store, include_completed=True, prefix=session_id)
                if len(session_id) >= 4
                else []
            )
            if len(matches) == 1:
                row = persist.load_session(self.store, matches[0]["id"])
        if row is None:
            raise NotFoundError(
                f"unknown session {session_id!r}",
                where=str(self.store.path),
                hint="list sessions with `axtui sessions --all`",
            )
        source = row.get("workflow_source")
        wf = (
            workflow_from_source(source, f"<session {row['id']}: {row['workflow_id']}>")
            if source
            else load_workflow(row["workflow_id"])
        )
        return Session(self, row, wf, persist.load_steps(self.store, row["id"]))

    def list_sessions(self, *, include_completed: bool = False) -> list[dict[str, Any]]:
        return persist.find_sessions(self.store, include_completed=include_completed)

    def latest_incomplete(self) -> str | None:
        rows = persist.find_sessions(self.store, include_completed=False)
        return rows[0]["id"] if rows else None
