"""A self-contained streaming chat: a list of messages over a prompt box.

Used by the chat screen (free chat with a persona) and by the session screen (prompt steps).
The widget does not know where answers come from: it is given a *turn function*

    async def turn(text: str | None, on_delta: Callable[[str], None]) -> TurnResult

(``text`` is None for a first answer that needs no user message, e.g. a prompt step's task).
When no turn function is given it uses ``ChatService(app.store, app.settings).asend`` with the
persona, conversation, facts and task it was built with.

Streaming goes into Textual's ``MarkdownStream`` (incremental appends, never a full re-render
per token). Unlike elia, an error never locks the chat: the turn ends, a toast explains, the
prompt box stays enabled and focused, and the next message can be sent at once.

Messages posted (all bubble): ``ChatView.Sent``, ``ChatView.TurnComplete``,
``ChatView.TurnFailed``, ``ChatView.TurnStopped``.
"""

from __future__ import annotations

import asyncio
import inspect
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from textual import events
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.reactive import reactive
from textual.timer import Timer
from textual.widgets import Markdown, Static, TextArea
from textual.worker import Worker, WorkerState

from axtui.tui import keymap
from axtui.tui.widgets.clipboard import copy_text

TurnFn = Callable[[str | None, Callable[[str], None]], Awaitable[Any]]

_FENCE = re.compile(r"^(?P<fence>```+|~~~+)[^\n]*\n(?P<body>.*?)^(?P=fence)[ \t]*$", re.M | re.S)
SEND_KEYS = "ctrl+j / alt+enter"
THINKING = "⋯ thinking…"


def code_blocks(markdown: str) -> list[str]:
    """The fenced code blocks of a Markdown text, in order, without their fences."""
    return [m.group("body").rstrip("\n") for m in _FENCE.finditer(markdown)]


def is_offline_model(model: str | None) -> bool:
    return bool(model) and str(model).startswith("axtui/offline")


def model_label(model: str | None, offline: bool | None = None) -> str:
    """The model name as shown everywhere, always with the offline label when it applies."""
    name = model or "axtui/offline"
    offline = is_offline_model(name) if offline is None else offline
    return f"{name} (offline)" if offline else name


def persona_id(persona: Any) -> str:
    for attr in ("id", "agent_id", "agentId"):
        value = getattr(persona, attr, None)
        if value:
            return str(value)
    return str(persona) if persona else "assistant"


def persona_name(persona: Any) -> str:
    for attr in ("display_name", "displayName", "name"):
        value = getattr(persona, attr, None)
        if value:
            return str(value)
    return persona_id(persona)


class PromptArea(TextArea):
    """The prompt box: Enter inserts a newline; ctrl+j or alt+enter sends."""

    BINDINGS: ClassVar[list[BindingType]] = keymap.bindings("chat.send", "chat.send_alt")

    class Submitted(Message):
        def __init__(self, prompt: PromptArea, text: str) -> None:
            super().__init__()
            self.prompt = prompt
            self.text = text

    def action_submit(self) -> None:
        text = self.text.strip()
        if text:
            self.post_message(self.Submitted(self, text))


class ChatMessage(Vertical, can_focus=True):
    """One message; focus it (click or tab) and press ``c`` to copy it or ``k`` for its code blocks."""

    BINDINGS: ClassVar[list[BindingType]] = keymap.bindings("chat.copy_message", "chat.copy_code")

    status: reactive[str] = reactive("")

    def __init__(
        self, role: str, text: str = "", *, label: str = "", complete: bool = True, thinking: bool = False
    ) -> None:
        super().__init__(classes=f"chat-message -{role}")
        self.role = role
        self.text = text
        self.label = label or ("You" if role == "user" else role)
        self.complete = complete
        self.thinking = thinking  # sent, no token yet: the status line says so
        self._code_index = 0
        self._stream: Any = None
        self._writes: list[asyncio.Future[Any]] = []

    def compose(self) -> ComposeResult:
        yield Static(self.label, classes="chat-message-label", markup=False)
        if self.role == "user":  # what the user typed, line breaks and all
            yield Static(self.text, classes="chat-message-text", markup=False)
        else:
            yield Markdown(self.text, classes="chat-message-body")
        yield Static("", classes="chat-message-status", markup=False)

    def on_mount(self) -> None:
        if not self.complete:
            self.status = "⚠ incomplete"
        elif self.thinking:
            self.status = THINKING

    def on_resize(self, event: events.Resize) -> None:
        # Markdown blocks lay out over several refreshes: keep the newest text in view as it grows.
        for node in self.ancestors:
            if isinstance(node, ChatView):
                node.keep_following()
                break

    def watch_status(self, status: str) -> None:
        line = self.query_one(".chat-message-status", Static)
        line.update(status)
        line.display = bool(status)
        self.set_class(bool(status) and not self.complete, "-incomplete")

    @property
    def body(self) -> Markdown:
        return self.query_one(".chat-message-body", Markdown)

    # -- streaming ---------------------------------------------------------------
    def start_stream(self) -> None:
        self._stream = Markdown.get_stream(self.body)

    def feed(self, delta: str) -> None:
        """Append a fragment (called on the event loop, in order); the first one ends "thinking"."""
        if not delta:
            return
        if self.thinking:
            self.thinking = False
            self.status = ""
        if self._stream is None:
            self.start_stream()
        self.text += delta
        if self._stream is not None:
            self._writes.append(asyncio.ensure_future(self._stream.write(delta)))

    async def end_stream(self, final_text: str | None = None) -> None:
        if self.thinking:
            self.thinking = False
            self.status = ""
        if self._writes:
            await asyncio.gather(*self._writes, return_exceptions=True)
            self._writes.clear()
        if self._stream is not None:
            await self._stream.stop()
            self._stream = None
        if final_text is not None and final_text != self.text:
            self.text = final_text
            await self.body.update(final_text)

    # -- copying -----------------------------------------------------------------
    def action_copy_message(self) -> None:
        copy_text(self.app, self.text, what="message")

    def action_copy_code(self) -> None:
        blocks = code_blocks(self.text)
        if not blocks:
            self.notify("This message has no code block", severity="warning")
            return
        index = self._code_index % len(blocks)
        self._code_index += 1
        copy_text(self.app, blocks[index], what=f"code block {index + 1}/{len(blocks)}")


@dataclass(eq=False)
class ChatViewMessage(Message):
    """A message about one chat view, which is its ``control`` (so ``@on(..., "#id")`` matches)."""

    chat_view: ChatView

    @property
    def control(self) -> ChatView:
        return self.chat_view


class ChatView(Vertical):
    """Messages above, prompt box below; runs one turn at a time in an async worker."""

    BINDINGS: ClassVar[list[BindingType]] = keymap.bindings("chat.stop", "chat.copy_last")

    generating: reactive[bool] = reactive(False)

    @dataclass(eq=False)
    class Sent(ChatViewMessage):
        """The user sent a message (or a first answer was requested: ``text`` is None)."""

        text: str | None

    @dataclass(eq=False)
    class TurnComplete(ChatViewMessage):
        """An answer finished streaming; ``result`` is the TurnResult."""

        result: Any

    @dataclass(eq=False)
    class TurnFailed(ChatViewMessage):
        """A turn ended with an error (provider error or a bug); the chat stays usable."""

        message: str
        result: Any = None

    @dataclass(eq=False)
    class TurnStopped(ChatViewMessage):
        """The user stopped the answer; ``partial`` is the text kept (marked incomplete)."""

        partial: str

    class AnswerDelta(Message, bubble=False):
        """A piece of the answer arrived (posted by the worker to the view itself)."""

        def __init__(self, answer: ChatMessage, piece: str) -> None:
            super().__init__()
            self.answer = answer
            self.piece = piece

    class AnswerDone(Message, bubble=False):
        """The turn ended: a result, a crash, or stopped by the user (posted by the worker)."""

        def __init__(
            self,
            answer: ChatMessage,
            *,
            result: Any = None,
            error: BaseException | None = None,
            stopped: bool = False,
        ) -> None:
            super().__init__()
            self.answer = answer
            self.result = result
            self.error = error
            self.stopped = stopped

    def __init__(
        self,
        persona: Any = None,
        conversation_id: str | None = None,
        *,
        facts: dict[str, Any] | None = None,
        task: str | None = None,
        turn: TurnFn | None = None,
        history: list[dict[str, Any]] | None = None,
        model: str | None = None,
        placeholder: str = f"Message… ({SEND_KEYS} to send, Enter for a new line)",
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.persona = persona
        self.conversation_id = conversation_id
        self.facts = facts
        self.step_task = task
        self._turn_fn = turn
        self._history = list(history or [])
        self.model = model
        self._placeholder = placeholder
        self._answer: ChatMessage | None = None
        self._follow = True
        self._worker: Worker[Any] | None = None
        self._thinking_since = 0.0
        self._thinking_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        log = VerticalScroll(classes="chat-log")
        log.can_focus = False  # tab moves between messages and the prompt box
        yield log
        prompt = PromptArea(id="chat-input", classes="chat-input", soft_wrap=True, show_line_numbers=False)
        prompt.placeholder = self._placeholder
        yield prompt
        yield Static(self._hint(), classes="chat-hint", markup=False)

    def _hint(self) -> str:
        """The key line, read from the keymap so it stays right after a remap."""
        key = keymap.key_label
        send = f"{key('chat.send', self.app)} / {key('chat.send_alt', self.app)}"
        return (
            f"{send} send · {key('chat.stop', self.app)} stop · {key('chat.copy_last', self.app)} copy · "
            f"on a message: {key('chat.copy_message', self.app)} copy, {key('chat.copy_code', self.app)} code"
        )

    async def on_mount(self) -> None:
        self.prompt.focus()
        if self._history:
            await self.load_history(self._history)

    # -- public API ----------------------------------------------------------------
    @property
    def prompt(self) -> PromptArea:
        return self.query_one(PromptArea)

    @property
    def message_log(self) -> VerticalScroll:
        return self.query_one(".chat-log", VerticalScroll)

    @property
    def last_answer(self) -> str:
        """Text of the last assistant message ('' if none)."""
        answers = [m for m in self.query(ChatMessage) if m.role == "assistant"]
        return answers[-1].text if answers else ""

    def assistant_label(self, model: str | None = None, offline: bool | None = None) -> str:
        who = persona_name(self.persona) if self.persona is not None else "assistant"
        return f"{who} · {model_label(model or self.model, offline)}"

    def set_persona(self, persona: Any) -> None:
        """Change who answers; relabels the answer being streamed (the router picks inside a turn)."""
        self.persona = persona
        if self._answer is not None and self._answer.is_mounted:
            self._answer.label = self.assistant_label()
            self._answer.query_one(".chat-message-label", Static).update(self._answer.label)

    async def load_history(self, messages: list[dict[str, Any]]) -> None:
        """Show stored messages (dicts with role, content, and optionally model/complete/agent_id)."""
        await self.message_log.remove_children()
        widgets = []
        for msg in messages:
            role = msg.get("role", "assistant")
            if role == "system":
                continue
            label = "You" if role == "user" else self.assistant_label(msg.get("model"))
            widgets.append(
                ChatMessage(
                    role, msg.get("content") or "", label=label, complete=bool(msg.get("complete", True))
                )
            )
        if widgets:
            await self.message_log.mount_all(widgets)
        self._follow = True
        self.message_log.scroll_end(animate=False)

    async def clear(self) -> None:
        await self.message_log.remove_children()

    def send(self, text: str | None) -> Worker[Any] | None:
        """Start a turn (``None`` asks for a first answer without a user message).

        Runs on the event loop: it shows the sent message and a "thinking…" answer at once and
        scrolls to them; the worker only waits on the model and posts what arrives.
        """
        if self.generating:
            self.notify(f"Still answering — press {self.stop_key} to stop it first", severity="warning")
            return None
        self.generating = True
        self.post_message(self.Sent(self, text))
        widgets: list[ChatMessage] = []
        if text:
            widgets.append(ChatMessage("user", text, label="You"))
        answer = ChatMessage("assistant", "", label=self.assistant_label(), thinking=True)
        widgets.append(answer)
        self._answer = answer
        mounting = self.message_log.mount_all(widgets)
        # Follow the answer as it streams, until the user scrolls up or focuses a message to read.
        # (Not Widget.anchor(): it scrolls to a negative offset while the log is shorter than the view.)
        self._follow = True
        self.message_log.scroll_end(animate=False)
        self.call_after_refresh(self.keep_following)  # once the new messages have their height
        self._thinking_since = time.monotonic()
        self._thinking_timer = self.set_interval(1.0, self._tick_thinking)
        self._worker = self.run_worker(
            self._run_turn(text, answer, mounting),
            name="chat-turn",
            group="chat-turn",
            exclusive=True,
            exit_on_error=False,
        )
        return self._worker

    @property
    def stop_key(self) -> str:
        """The key that stops an answer, as the user's keymap has it."""
        return keymap.key_label("chat.stop", self.app)

    def stop(self) -> bool:
        """Cancel the running turn; the partial answer stays, marked incomplete."""
        if self._worker is None or self._worker.is_finished:
            return False
        self._worker.cancel()
        return True

    # -- actions -------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "stop":
            # Not generating: the key falls through (ctrl+c copies in the prompt box).
            return self.generating
        return True

    def action_stop(self) -> None:
        self.stop()

    def action_copy_last(self) -> None:
        copy_text(self.app, self.last_answer, what="last answer")

    def on_prompt_area_submitted(self, event: PromptArea.Submitted) -> None:
        event.stop()
        if self.generating:
            self.notify(f"Still answering — press {self.stop_key} to stop it first", severity="warning")
            return
        event.prompt.clear()
        self.send(event.text)

    def watch_generating(self, generating: bool) -> None:
        # The footer shows "Stop" only while an answer is being generated.
        if self.is_mounted:
            self.app.refresh_bindings()

    def keep_following(self) -> None:
        """Scroll to the newest text unless the user scrolled up to read."""
        if self._follow and self.is_mounted:
            self.message_log.scroll_end(animate=False)

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        self._follow = False  # the user is reading back: stop jumping to the newest text

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        if isinstance(event.widget, ChatMessage):
            self._follow = False

    def on_click(self, event: events.Click) -> None:
        if event.widget is self.message_log:
            self.prompt.focus()

    # -- the turn ------------------------------------------------------------------
    def _default_turn(self) -> TurnFn:
        from axtui.core.chat import ChatService

        app: Any = self.app
        store = app.store() if callable(app.store) else app.store
        service = ChatService(store, app.settings)

        async def turn(text: str | None, on_delta: Callable[[str], None]) -> Any:
            return await service.asend(
                self.conversation_id,
                text or "",
                persona=self.persona,
                facts=self.facts,
                task=self.step_task,
                on_delta=on_delta,
            )

        return turn

    async def _run_turn(self, text: str | None, answer: ChatMessage, mounting: Awaitable[Any]) -> Any:
        """The worker: wait for the model and post each piece and the outcome; touches no widget."""
        await mounting

        def on_delta(delta: str) -> None:
            self.post_message(self.AnswerDelta(answer, delta))  # safe from a provider's thread too

        turn = self._turn_fn or self._default_turn()
        try:
            result = turn(text, on_delta)
            if inspect.isawaitable(result):
                result = await result
        except asyncio.CancelledError:
            self.post_message(self.AnswerDone(answer, stopped=True))
            raise
        except Exception as exc:
            self.post_message(self.AnswerDone(answer, error=exc))
            return None
        self.post_message(self.AnswerDone(answer, result=result))
        return result

    # -- handlers: the widgets change here, on the event loop, in message order ------------
    def on_chat_view_answer_delta(self, event: AnswerDelta) -> None:
        event.stop()
        if event.answer is self._answer:
            self._stop_thinking()
        event.answer.feed(event.piece)
        if self._follow:
            self.message_log.scroll_end(animate=False)

    async def on_chat_view_answer_done(self, event: AnswerDone) -> None:
        event.stop()
        answer = event.answer
        self._stop_thinking()
        if event.stopped:
            await answer.end_stream()
            answer.complete = False
            answer.status = "⏹ stopped — incomplete"
            self._finish()
            self.post_message(self.TurnStopped(self, answer.text))
        elif event.error is not None:
            await self._show_crash(answer, event.error)
        else:
            await self._show_result(answer, event.result)
        if self._follow:
            self.message_log.scroll_end(animate=False)

    async def _show_crash(self, answer: ChatMessage, exc: BaseException) -> None:
        await answer.end_stream()
        answer.complete = False
        message = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
        answer.status = f"✗ {message}"
        self._finish()
        self.notify(message, title="Chat failed", severity="error", timeout=8)
        self.post_message(self.TurnFailed(self, message))

    async def _show_result(self, answer: ChatMessage, result: Any) -> None:
        await answer.end_stream(getattr(result, "text", None) or answer.text)
        model = getattr(result, "model", None) or self.model
        offline = getattr(result, "offline", None)
        answer.label = self.assistant_label(model, offline)
        answer.query_one(".chat-message-label", Static).update(answer.label)
        error = getattr(result, "error", None)
        answer.complete = bool(getattr(result, "complete", True)) and error is None
        if error is not None:
            message = getattr(error, "message", None) or str(error)
            hint = getattr(error, "hint", None)
            answer.status = f"✗ {message}" + (" — partial answer kept" if answer.text else "")
            self._finish()
            self.notify(
                message + (f"\nhint: {hint}" if hint else ""), title="LLM error", severity="error", timeout=8
            )
            self.post_message(self.TurnFailed(self, message, result))
            return
        if not answer.complete:
            answer.status = "⚠ incomplete"
        self._finish()
        self.post_message(self.TurnComplete(self, result))

    def _tick_thinking(self) -> None:
        answer = self._answer
        if answer is not None and answer.thinking and answer.is_mounted:
            seconds = int(time.monotonic() - self._thinking_since)
            answer.status = f"{THINKING} {seconds} s · {self.stop_key} stops"

    def _stop_thinking(self) -> None:
        if self._thinking_timer is not None:
            self._thinking_timer.stop()
            self._thinking_timer = None

    def _finish(self) -> None:
        self.generating = False
        self._answer = None
        prompt = self.prompt
        prompt.disabled = False
        focused = self.app.focused
        # Back to the prompt box, unless the user moved on while it answered (the checklist, a
        # message being read): taking the focus back sent their next key into the box.
        if self.screen.is_active and (
            focused is None or (focused in self.walk_children() and not isinstance(focused, ChatMessage))
        ):
            prompt.focus()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # Safety net: whatever happened in the worker, the chat is usable again.
        if event.worker is self._worker and event.state in (
            WorkerState.ERROR,
            WorkerState.CANCELLED,
            WorkerState.SUCCESS,
        ):
            if self.generating:
                self._finish()
            if event.state == WorkerState.ERROR:
                error = event.worker.error
                self.notify(f"{type(error).__name__}: {error}", title="Chat failed", severity="error")
                self.post_message(self.TurnFailed(self, str(error)))
