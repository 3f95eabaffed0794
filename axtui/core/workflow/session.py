"""Sessions: one run of a workflow, persisted step by step so it survives anything.

Every front end drives a session through the same methods: the TUI (a person, from
worker threads), headless runs (an answers file) and ``--batch`` (a replay file).
The rule that makes resume trivial: a step's result is committed to DuckDB, with the
session's progress, before the next step starts; a step is "current" until then.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from axtui.core.clock import iso
from axtui.core.workflow import persist
from axtui.core.workflow.auto_steps import AutoSteps
from axtui.core.workflow.fields import validate_form
from axtui.core.workflow.headless import drive
from axtui.core.workflow.model import INPUTS_STEP_ID, Field, Step, Workflow
from axtui.core.workflow.prompt_steps import PromptSteps
from axtui.core.workflow.replay import export_session
from axtui.core.workflow.report import build_report
from axtui.core.workflow.state import (
    DONE_STATES,
    HAS_RESULT,
    Event,
    StepRow,
    StepState,
    Summary,
    progress,
)
from axtui.core.workflow.templates import is_missing, lookup
from axtui.errors import AxtuiError, InputError, NotFoundError, StoreError

if TYPE_CHECKING:
    from axtui.core.workflow.engine import Engine

_LARGE_SESSION_COLS = ("inputs", "answers", "recorded")
RESOLVED_PATHS_KEY = "__resolved_paths__"


def _resolved_paths(fields: list[Field], values: Mapping[str, Any]) -> dict[str, str]:
    """Absolute form of each path field's value, as the current directory resolves it now."""
    out: dict[str, str] = {}
    for f in fields:
        value = values.get(f.name)
        if f.type == "path" and isinstance(value, str) and value.strip():
            out[f.name] = str(Path(value).expanduser().resolve())
    return out


def inputs_step(wf: Workflow) -> Step:
    """The synthetic first step that collects the workflow's declared inputs."""
    return Step(
        id=INPUTS_STEP_ID, type="input", name="Inputs", fields=[Field(**f.__dict__) for f in wf.inputs]
    )


class Session(AutoSteps, PromptSteps):
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
        # inside ``atomic_step(lazy=True)``: where its one transaction is held once the step first writes
        self._step_tx: contextlib.ExitStack | None = None
        # inside ``atomic_step``: the rows its commits wrote, written once when the step ends (one
        # UPDATE per row and one of the session per step, not one per commit), and its thread
        self._deferred: dict[str, StepRow] | None = None
        self._deferred_thread: int | None = None
        steps = ([inputs_step(workflow)] if workflow.inputs else []) + workflow.flat_steps()
        self._rows: dict[str, StepRow] = {s.id: StepRow(step=s, seq=i) for i, s in enumerate(steps)}
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

    def _ordered(self) -> list[StepRow]:
        return sorted(self._rows.values(), key=lambda r: r.seq)

    def _row(self, step_id: str) -> StepRow:
        r = self._rows.get(step_id)
        if r is None:
            raise NotFoundError(
                f"no step {step_id!r} in workflow {self.workflow.id}",
                hint="see the checklist for the step ids",
            )
        return r

    def _current_row(self) -> StepRow | None:
        return next((r for r in self._ordered() if r.status not in DONE_STATES), None)

    def _state(self, r: StepRow, current: StepRow | None) -> StepState:
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
        return self.progress()[0]

    def progress(self) -> tuple[int, int]:
        """``(done, total)`` in the one step count (``state.progress``: Inputs is not a step)."""
        return progress((r.step.id, r.status) for r in self._rows.values())

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
        columns it wrote count as written. In a lazy ``atomic_step`` the first one opens the
        step's transaction, which stays open (and joined) until the step ends."""
        if self._step_tx is not None and self._tx_depth == 0:
            self._step_tx.enter_context(self._store_transaction())
        with self._store_transaction() as con:
            yield con

    @contextlib.contextmanager
    def _store_transaction(self) -> Iterator[Any]:
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

    def _commit(self, r: StepRow, *, extra: Callable[[Any], None] | None = None) -> None:
        """Persist one step row and the session's progress in one transaction.

        Inside an ``atomic_step`` the transaction is the step's own, committed when the step
        ends: the row and the session are then written once, at its end (``_flush_deferred``),
        instead of at each of the step's commits (a prompt step has four)."""
        self._check_db()
        with self._transaction() as con:
            if extra is not None:
                extra(con)
            if self._deferred is not None and self._deferred_thread == threading.get_ident():
                self._deferred[r.step.id] = r
                return
            self._write_row(con, r)
            self._write_session(con)

    def _flush_deferred(self) -> None:
        """Write the rows an ``atomic_step`` deferred, and the session, inside its transaction."""
        rows, self._deferred = self._deferred, None
        if not rows:
            return
        self._check_db()
        with self._transaction() as con:
            for r in rows.values():
                self._write_row(con, r)
            self._write_session(con)

    def _write_row(self, con: Any, r: StepRow) -> None:
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
        done, total = self.progress()
        cols: dict[str, Any] = {
            "status": self.status,
            # both, so a session stored before the one step count is right once it moves again
            "steps_done": done,
            "steps_total": total,
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

    def _frozen_vars(self, r: StepRow) -> dict[str, Any]:
        """Variables plus the built-ins frozen at the step's first start (a re-run writes the same keys)."""
        started = r.started_at or self._now()
        out = self.variables
        out["timestamp"] = out["now"] = iso(started)  # `now`: AutomatosX's name for it
        out["date"] = started.date().isoformat()
        return out

    def _start_row(self, r: StepRow) -> None:
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
        if self._step_tx is None:  # a lazy atomic step writes its row once, when it is done
            self._commit(r)

    def _fail_row(self, r: StepRow, exc: BaseException) -> None:
        r.status = "failed"
        r.error = exc.render() if isinstance(exc, AxtuiError) else f"{type(exc).__name__}: {exc}"
        self.status = "failed"
        with contextlib.suppress(StoreError):  # the original error is the one to report
            self._commit(r)

    def _finish_row(
        self, r: StepRow, result: Any, exports: dict[str, Any], *, extra: Callable[[Any], None] | None = None
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

    # -- control -----------------------------------------------------------------------------
    @contextlib.contextmanager
    def atomic_step(self, step_id: str, *, lazy: bool = False) -> Iterator[None]:
        """One step's writes as one commit, for runs without a person (``--batch``, headless).

        Crash-safe by construction: a killed process loses the step in flight, all of it
        (memory writes included), never a committed one. A failure rolls the step back, puts
        the in-memory state back to what was committed, then records the failure as before.
        Not for live model turns (the transaction would be held across the call).

        ``lazy`` (tool, compute, conditional steps): the transaction opens at the step's first
        write through the session, after its computation, so the file is not locked while a
        compute runs or waits between retries (measured: the drift compute held every other
        process off the file for 7 s at load 8, and 8 concurrent runs timed out on it). The
        step's "running" row is then never written: it is committed done, or not at all.
        """
        import copy

        with self._lock:
            rows = {k: copy.copy(v) for k, v in self._rows.items()}
            status, answers, report_path = self.status, copy.deepcopy(self.answers), self.report_path
            try:
                with contextlib.ExitStack() as held:
                    if lazy:
                        self._step_tx = held
                    else:
                        held.enter_context(self._transaction())
                    self._deferred, self._deferred_thread = {}, threading.get_ident()
                    try:
                        yield
                        self._flush_deferred()
                    finally:
                        self._step_tx = None
                        self._deferred = self._deferred_thread = None
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
        return build_report(self)

    def export(self, fmt: str) -> str:
        return export_session(self, fmt)

    def run_headless(
        self, answers: Mapping[str, Any] | None = None, on_progress: Callable[[Event], None] | None = None
    ) -> Summary:
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
