"""Messages that workers post to the UI.

Workers (threads for the synchronous engine, async tasks for streaming) never
touch widgets: they compute, then post one of these. Only message handlers on
screens and widgets update what is on screen, so a slow or failing worker can
never leave a widget half-updated.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from textual.message import Message


@dataclass
class HomeSummary:
    """Everything the home screen shows that needs the database or persona files."""

    incomplete: list[dict[str, Any]] = field(default_factory=list)
    recent: list[dict[str, Any]] = field(default_factory=list)
    personas: list[dict[str, str]] = field(default_factory=list)
    namespaces: list[dict[str, Any]] = field(default_factory=list)


class HomeDataLoaded(Message):
    """The home-screen worker read sessions, personas and memory counts."""

    def __init__(self, summary: HomeSummary) -> None:
        super().__init__()
        self.summary = summary


class WorkflowsLoaded(Message):
    """The workflow files were read (loaded off the UI thread: the engine package imports DuckDB)."""

    def __init__(self, workflows: list[Any], problem: str | None) -> None:
        super().__init__()
        self.workflows = workflows
        self.problem = problem


class WorkerCrashed(Message):
    """A worker hit an unexpected exception (a bug): the app shows the error modal."""

    def __init__(self, title: str, details: str) -> None:
        super().__init__()
        self.title = title
        self.details = details


class UserFacingError(Message):
    """A worker hit an ``AxtuiError`` the user can act on: shown as a toast, nothing is stuck."""

    def __init__(self, message: str, hint: str | None = None, *, context: str = "") -> None:
        super().__init__()
        self.message = message
        self.hint = hint
        self.context = context


class SessionLoaded(Message):
    """The session worker opened or advanced a session; carries a fresh snapshot of it."""

    def __init__(self, snapshot: Any, *, focus_step: str | None = None) -> None:
        super().__init__()
        self.snapshot = snapshot
        self.focus_step = focus_step


class EngineIdle(Message):
    """An engine call failed (its message or the error modal follows): the screen is not busy."""


class InputRejected(Message):
    """``submit_input`` refused the values; the form shows the message next to the field."""

    def __init__(
        self,
        step_id: str,
        message: str,
        where: str | None,
        hint: str | None,
        errors: dict[str, str] | None = None,
    ) -> None:
        super().__init__()
        self.step_id = step_id
        self.message = message
        self.where = where
        self.hint = hint
        self.errors = dict(errors or {})


class StreamDelta(Message):
    """A piece of a persona's answer arrived."""

    def __init__(self, step_id: str, text: str) -> None:
        super().__init__()
        self.step_id = step_id
        self.text = text


class TurnFinished(Message):
    """A prompt turn ended, complete or not (``result.error`` set on provider failure)."""

    def __init__(self, step_id: str, result: Any) -> None:
        super().__init__()
        self.step_id = step_id
        self.result = result


class AutoStepProgress(Message):
    """A tool/compute/conditional step reported progress while running."""

    def __init__(self, text: str, *, done: float | None = None, total: float | None = None) -> None:
        super().__init__()
        self.text = text
        self.done = done  # with ``total``: how far a long compute is (columns or rows done)
        self.total = total


class Notice(Message):
    """Something finished that the user should hear about (an export was written)."""

    def __init__(self, text: str, title: str = "") -> None:
        super().__init__()
        self.text = text
        self.title = title
