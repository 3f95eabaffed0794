"""Messages that workers post to the UI.

Each message is a dataclass (Textual runs ``Message.__post_init__`` for them): its fields are
what it carries, with no ``__init__`` written out to copy them (``eq=False``: a message is an
event, not a value).

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


@dataclass(eq=False)
class HomeDataLoaded(Message):
    """The home-screen worker read sessions, personas and memory counts."""

    summary: HomeSummary


@dataclass(eq=False)
class WorkflowsLoaded(Message):
    """The workflow files were read (loaded off the UI thread: the engine package imports DuckDB)."""

    workflows: list[Any]
    problem: str | None


@dataclass(eq=False)
class WorkerCrashed(Message):
    """A worker hit an unexpected exception (a bug): the app shows the error modal."""

    title: str
    details: str


@dataclass(eq=False)
class UserFacingError(Message):
    """A worker hit an ``AxtuiError`` the user can act on: shown as a toast, nothing is stuck."""

    message: str
    hint: str | None = None
    context: str = field(default="", kw_only=True)


@dataclass(eq=False)
class SessionLoaded(Message):
    """The session worker opened or advanced a session; carries a fresh snapshot of it."""

    snapshot: Any
    focus_step: str | None = field(default=None, kw_only=True)


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


@dataclass(eq=False)
class StreamDelta(Message):
    """A piece of a persona's answer arrived."""

    step_id: str
    text: str


@dataclass(eq=False)
class TurnFinished(Message):
    """A prompt turn ended, complete or not (``result.error`` set on provider failure)."""

    step_id: str
    result: Any


@dataclass(eq=False)
class AutoStepProgress(Message):
    """A tool/compute/conditional step reported progress while running."""

    text: str
    done: float | None = field(default=None, kw_only=True)  # with ``total``: columns (or steps) done
    total: float | None = field(default=None, kw_only=True)


@dataclass(eq=False)
class Notice(Message):
    """Something finished that the user should hear about (an export was written)."""

    text: str
    title: str = ""
