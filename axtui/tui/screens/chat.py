"""Free chat with a persona: picked by the user or by the router (shown with its score).

The screen is a thin shell around :class:`~axtui.tui.widgets.chat_view.ChatView`: it owns the
persona picker, the conversation list and the export; the widget owns streaming, stop and copy.
DuckDB reads and the ``ChatService`` construction run in thread workers that post messages;
persistence of every turn (including a stopped or failed one) is the ChatService's job.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

from rich.markup import escape
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Footer, Header, Label, OptionList, Select, Static
from textual.widgets.option_list import Option

from axtui.tui import keymap
from axtui.tui.exports import export_path, write_export
from axtui.tui.messages import UserFacingError
from axtui.tui.screens.overlay import OverlayScreen
from axtui.tui.services import app_of
from axtui.tui.widgets.chat_view import ChatView, model_label, persona_name

AUTO = "__auto__"
WIDE_ENOUGH_FOR_HISTORY = 110


# -- messages posted by this screen's workers ------------------------------------------------
@dataclass(eq=False)
class ChatReady(Message):
    """Personas and the chat service are loaded; ``messages`` is the reopened conversation (if any)."""

    service: Any
    personas: dict[str, Any]
    conversations: list[dict[str, Any]]
    messages: list[dict[str, Any]] | None
    agent_id: str | None


@dataclass(eq=False)
class ConversationsLoaded(Message):
    conversations: list[dict[str, Any]]


@dataclass(eq=False)
class ConversationOpened(Message):
    conversation_id: str
    agent_id: str | None
    messages: list[dict[str, Any]]


@dataclass(eq=False)
class ChatExported(Message):
    path: Path
    count: int


# -- pure helpers (no widgets) -------------------------------------------------------------
def titled(service: Any, conversations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every conversation with a title: its own, else its workflow step, else its first question.

    Session prompt steps open conversations without a title, so the history used to be a
    column of "untitled" (call from a worker thread: reads messages).
    """
    out = []
    for conv in conversations:
        conv = dict(conv)
        if not conv.get("title"):
            if conv.get("step_id"):
                conv["title"] = f"step {conv['step_id']}" + (
                    f" · session {conv['session_id']}" if conv.get("session_id") else ""
                )
            else:
                first = next(
                    (m.get("content") for m in service.messages(conv["id"]) if m.get("role") == "user"),
                    None,
                )
                if first and str(first).strip():
                    conv["title"] = str(first).strip().splitlines()[0][:80]
        out.append(conv)
    return out


def _warm_llm() -> None:
    """Import LiteLLM in a thread now, so the first answer does not freeze the screen for seconds."""
    from axtui.core.llm import litellm_module

    litellm_module()


def _when(value: Any) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return str(value or "")[:16].replace("T", " ")


class ChatScreen(OverlayScreen):
    """Chat with a persona; ``Auto`` lets the router choose per message and shows its score."""

    HELP_CONTEXT = "chat"
    BINDINGS: ClassVar[list[BindingType]] = keymap.bindings(
        "chat.new",
        "chat.history",
        "chat.persona",
        "chat.export",
        "chat.back",
    )

    def __init__(
        self,
        agent_id: str | None = None,
        conversation_id: str | None = None,
        session_id: str | None = None,
        step_id: str | None = None,
    ) -> None:
        super().__init__()
        self.agent_id = agent_id
        self.conversation_id = conversation_id
        self.session_id = session_id
        self.step_id = step_id
        self.service: Any = None
        self.personas: dict[str, Any] = {}
        self.conversations: list[dict[str, Any]] = []
        self.last_route: Any = None

    # -- layout --------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="chat-bar"):
            yield Select(
                [("Auto (router)", AUTO)],
                value=AUTO,
                allow_blank=False,
                compact=True,
                id="persona-select",
                tooltip="Who answers (ctrl+t)",
            )
            yield Static("", id="chat-route", markup=False)
            yield Static(model_label(self._settings_model()), id="chat-model", markup=False)
        with Horizontal(id="chat-body"):
            with Vertical(id="chat-history"):
                yield Label("Conversations [dim](ctrl+o)[/]", classes="section-title")
                yield OptionList(id="conversation-list")
            yield ChatView(turn=self._turn, model=self._settings_model(), id="chat-view")
        yield Footer()

    def _settings_model(self) -> str:
        settings = getattr(self.app, "settings", None)
        return getattr(settings, "default_model", None) or "axtui/offline"

    @property
    def chat_view(self) -> ChatView:
        return self.query_one("#chat-view", ChatView)

    def on_mount(self) -> None:
        self.sub_title = "Chat"
        self.query_one("#chat-history").display = self.app.size.width >= WIDE_ENOUGH_FOR_HISTORY
        self.query_one("#chat-route", Static).update("loading personas…")
        self.chat_view.prompt.focus()
        self._in_thread(self._load, name="chat-load")

    # -- workers (threads; they return a message, never touch widgets) ---------------------
    def _in_thread(self, fn: Callable[[], Message | None], *, name: str) -> None:
        """Run ``fn`` in a thread worker; the app posts its message back and turns failures into toasts."""
        app_of(self).run_guarded(self, fn, name=name, group=name, exclusive=True, context="chat")

    def _store(self) -> Any:
        return app_of(self).store()

    def _load(self) -> Message:
        from axtui.core.chat import ChatService
        from axtui.core.personas import load_personas

        personas = load_personas()
        service = ChatService(self._store(), app_of(self).settings, personas=personas)
        conversations = titled(service, service.list_conversations())
        messages = None
        agent_id = self.agent_id
        if self.conversation_id:
            messages = service.messages(self.conversation_id)
            row = next((c for c in conversations if c.get("id") == self.conversation_id), None)
            agent_id = agent_id or (row or {}).get("agent_id")
        return ChatReady(service, personas, conversations, messages, agent_id)

    def _reload_conversations(self) -> None:
        service = self.service
        if service is not None:
            self._in_thread(
                lambda: ConversationsLoaded(titled(service, service.list_conversations())), name="chat-list"
            )

    # -- message handlers (the only code that touches widgets) ----------------------------
    async def on_chat_ready(self, message: ChatReady) -> None:
        self.service = message.service
        self.personas = message.personas
        named = sorted(
            ((f"{persona_name(p)} ({pid})", pid) for pid, p in self.personas.items()),
            key=lambda option: option[0].lower(),
        )
        options = [("Auto (router)", AUTO), *named]
        select = self.query_one("#persona-select", Select)
        select.set_options(options)
        if message.agent_id and message.agent_id in self.personas:
            select.value = message.agent_id
            self.chat_view.persona = self.personas[message.agent_id]
        else:
            select.value = AUTO
        self._show_route(None)
        self._fill_conversations(message.conversations)
        if message.messages is not None:
            await self.chat_view.load_history(message.messages)
            self._scroll_to_latest()
        self._in_thread(_warm_llm, name="chat-warm")

    def on_user_facing_error(self, message: UserFacingError) -> None:
        # Not stopped: it bubbles on to the app, which shows the toast.
        if self.service is None:
            self.query_one("#chat-route", Static).update(f"chat unavailable: {message.message}")

    def on_conversations_loaded(self, message: ConversationsLoaded) -> None:
        self._fill_conversations(message.conversations)

    async def on_conversation_opened(self, message: ConversationOpened) -> None:
        self.conversation_id = message.conversation_id
        if message.agent_id in self.personas:
            self.query_one("#persona-select", Select).value = message.agent_id
            self.chat_view.persona = self.personas[message.agent_id]
        await self.chat_view.load_history(message.messages)
        self._scroll_to_latest()
        self.chat_view.prompt.focus()
        self.notify(f"Reopened conversation ({len(message.messages)} messages)", timeout=3)

    def _scroll_to_latest(self) -> None:
        """A reopened conversation opens at its end (the latest answer), once it is laid out."""
        log = self.chat_view.message_log
        log.call_after_refresh(log.scroll_end, animate=False)

    def on_chat_exported(self, message: ChatExported) -> None:
        self.notify(f"Exported {message.count} messages to {message.path}", title="Chat exported", timeout=8)

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id != "persona-select":
            return
        if event.value in self.personas:
            self.chat_view.persona = self.personas[event.value]
        self._show_route(None)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option_list.id != "conversation-list" or event.option.id is None:
            return
        if self.chat_view.generating:
            self.notify("Still answering — press esc to stop it first", severity="warning")
            return
        conversation_id = event.option.id
        agent_id = next(
            (c.get("agent_id") for c in self.conversations if c.get("id") == conversation_id), None
        )
        service = self.service

        def open_conversation() -> Message:
            return ConversationOpened(conversation_id, agent_id, service.messages(conversation_id))

        self._in_thread(open_conversation, name="chat-open")

    def on_chat_view_turn_complete(self, event: ChatView.TurnComplete) -> None:
        self._show_model(event.result)
        self._reload_conversations()

    def on_chat_view_turn_failed(self, event: ChatView.TurnFailed) -> None:
        if event.result is not None:
            self._show_model(event.result)
        self._reload_conversations()

    def on_chat_view_turn_stopped(self, event: ChatView.TurnStopped) -> None:
        self.notify("Stopped; the partial answer is kept and marked incomplete", timeout=4)
        self._reload_conversations()

    def _fill_conversations(self, conversations: list[dict[str, Any]]) -> None:
        self.conversations = conversations
        options = self.query_one("#conversation-list", OptionList)
        options.clear_options()
        for conv in conversations:
            title = escape((conv.get("title") or "untitled").replace("\n", " "))
            label = f"{title[:40]}\n[dim]{conv.get('agent_id') or '?'} · {_when(conv.get('updated_at'))}[/]"
            options.add_option(Option(label, id=conv.get("id")))
        if not conversations:
            options.add_option(Option("[dim]no conversations yet[/]", disabled=True))

    def _show_route(self, route: Any) -> None:
        widget = self.query_one("#chat-route", Static)
        select = self.query_one("#persona-select", Select)
        if select.value != AUTO:
            widget.update("chosen by you")
            return
        if route is None:
            widget.update("the router picks a persona for each message")
            return
        chosen = route.chosen
        if getattr(route, "fallback", False):
            widget.update(f"router → {persona_name(chosen)} (fallback: no persona matched)")
            return
        score = next((s.score for s in route.scores if s.agent_id == chosen.agent_id), None)
        score_text = f" (score {score:.2f})" if isinstance(score, int | float) else ""
        widget.update(f"router → {persona_name(chosen)}{score_text}")

    def _show_model(self, result: Any) -> None:
        model = getattr(result, "model", None)
        if model:
            self.query_one("#chat-model", Static).update(model_label(model, getattr(result, "offline", None)))

    # -- the turn (runs in ChatView's async worker) ----------------------------------------
    def _persona_for(self, text: str | None) -> Any:
        from axtui.core.router import route

        value = self.query_one("#persona-select", Select).value
        if value in self.personas:
            return self.personas[value]
        result = route(text or "", self.personas)
        self.last_route = result
        self._show_route(result)
        return result.chosen

    async def _turn(self, text: str | None, on_delta: Callable[[str], None]) -> Any:
        if self.service is None:
            raise RuntimeError("the chat is still loading; try again in a moment")
        persona = self._persona_for(text)
        view = self.chat_view
        view.set_persona(persona)
        if self.conversation_id is None:
            title = (text or "").strip().splitlines()[0][:80] if text else None
            self.conversation_id = await asyncio.to_thread(
                self.service.new_conversation,
                persona.agent_id,
                session_id=self.session_id,
                step_id=self.step_id,
                title=title,
            )
        view.conversation_id = self.conversation_id
        return await self.service.asend(self.conversation_id, text or "", persona=persona, on_delta=on_delta)

    # -- actions -------------------------------------------------------------------------
    async def action_new_chat(self) -> None:
        if self.chat_view.generating:
            self.notify("Still answering — press esc to stop it first", severity="warning")
            return
        self.conversation_id = None
        self.chat_view.conversation_id = None
        await self.chat_view.clear()
        self._show_route(None)
        self.chat_view.prompt.focus()

    def action_history(self) -> None:
        panel = self.query_one("#chat-history")
        options = self.query_one("#conversation-list", OptionList)
        if panel.display and options.has_focus:
            panel.display = False
            self.chat_view.prompt.focus()
            return
        panel.display = True
        if options.highlighted is None and options.option_count:
            options.highlighted = 0
        options.focus()

    def action_pick_persona(self) -> None:
        select = self.query_one("#persona-select", Select)
        select.focus()
        select.action_show_overlay()

    def action_export(self) -> None:
        if self.service is None or self.conversation_id is None:
            self.notify("Nothing to export yet: send a message first", severity="warning")
            return
        service, conversation_id = self.service, self.conversation_id

        def export() -> Message:
            text = service.export(conversation_id, "md")
            count = sum(1 for m in service.messages(conversation_id) if m.get("role") != "system")
            path = write_export(export_path("chat", conversation_id), text)
            return ChatExported(path, count)

        self._in_thread(export, name="chat-export")
