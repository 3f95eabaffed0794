"""The engine: starts sessions of a workflow and opens stored ones, over one store."""

from __future__ import annotations

import getpass
import os
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from axtui.core.workflow import persist
from axtui.core.workflow.catalog import load_workflow, workflow_from_source
from axtui.core.workflow.fields import validate_form
from axtui.core.workflow.model import INPUTS_STEP_ID, Workflow
from axtui.core.workflow.session import Session, inputs_step
from axtui.core.workflow.state import numbered
from axtui.errors import InputError, NotFoundError

if TYPE_CHECKING:
    from axtui.config import Settings
    from axtui.core.store import Store


def new_session_id() -> str:
    return uuid.uuid4().hex[:12]


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
        steps = ([inputs_step(wf)] if wf.inputs else []) + wf.flat_steps()
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
            "steps_total": len(numbered(s.id for s in steps)),  # the one step count (state.numbered)
            "steps_done": 0,
            "current_step": steps[0].id if steps else None,
            "recorded": dict(recorded or {}),
            "workflow_source": wf.source,
            "created_at": now,
            "updated_at": now,
        }
        step_rows = [
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
        ]
        with self.store.transaction() as con:
            persist.insert_session(con, row)
            persist.insert_steps(con, step_rows)
        # The workflow just loaded, not a second parse of the source stored with the session; the
        # rows as written, not read back.
        saved = persist.as_stored(row)
        session = Session(self, saved, wf, [persist.as_stored(r, steps=True) for r in step_rows])
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
