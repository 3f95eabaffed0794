"""The chat screen and the streaming ChatView: stored answers, router, stop, copy, export, errors."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from textual.app import App, ComposeResult
from textual.message import Message
from textual.widgets import OptionList, Select, Static

from axtui.core.chat import ChatService, TurnResult
from axtui.core.llm import LLMClient
from axtui.core.store import Store
from axtui.tui.screens.chat import AUTO, ChatExported, ChatScreen
from axtui.tui.widgets import chat_view as chat_view_module
from axtui.tui.widgets.chat_view import ChatMessage, ChatView, PromptArea, code_blocks, model_label
from tests.fake_openai import FakeOpenAI, Reply
from tests.fake_openai import fake_openai as fake_openai  # the fixture
from tests.tui.conftest import workers_done
from tests.tui.tui_b_support import make_app, open_screen, settle, settle_scroll

QUESTION = "How should I split time-series data for validation?"


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retries still happen (the 500 test counts them) but without waiting between them."""
    monkeypatch.setattr(LLMClient, "backoff", lambda self, attempt, retry_after=None: 0.0)


class Recorder:
    """Collects the ChatView messages the app posts, for assertions."""

    KINDS = (ChatView.Sent, ChatView.TurnComplete, ChatView.TurnFailed, ChatView.TurnStopped, ChatExported)

    def __init__(self) -> None:
        self.messages: list[Message] = []

    def __call__(self, message: Message) -> None:
        if isinstance(message, self.KINDS):
            self.messages.append(message)

    def of(self, kind: type[Message]) -> list[Any]:
        return [m for m in self.messages if isinstance(m, kind)]


def chat_rows(store: Store) -> list[tuple[Any, ...]]:
    return store.query("SELECT role, content, complete, model, error FROM chat_messages ORDER BY id")


async def send(pilot: Any, text: str, key: str = "ctrl+j") -> None:
    prompt = pilot.app.screen.query_one(PromptArea)
    prompt.focus()
    prompt.insert(text)
    await pilot.press(key)
    await settle(pilot)


# -- pure helpers ----------------------------------------------------------------------------
def test_code_blocks_and_model_label() -> None:
    text = "intro\n```python\nprint(1)\n```\nmid\n~~~\nraw\n~~~\n"
    assert code_blocks(text) == ["print(1)", "raw"]
    assert model_label("axtui/offline") == "axtui/offline (offline)"
    assert model_label("openai/gpt-4o-mini") == "openai/gpt-4o-mini"
    assert model_label("openai/x", offline=True) == "openai/x (offline)"


# -- the chat screen with the real ChatService -------------------------------------------------
async def test_streamed_offline_answer_is_stored_and_shown(store: Store) -> None:
    app = make_app(store)
    recorder = Recorder()
    async with app.run_test(size=(100, 30), message_hook=recorder) as pilot:
        screen = await open_screen(pilot, ChatScreen(agent_id="data-scientist"))
        assert screen.query_one("#persona-select", Select).value == "data-scientist"
        assert str(screen.query_one("#chat-model", Static).content) == "axtui/offline (offline)"
        await send(pilot, QUESTION)
        [done] = recorder.of(ChatView.TurnComplete)
        assert done.result.complete and done.result.offline and done.result.text
        rows = chat_rows(store)
        assert [(r[0], r[2]) for r in rows] == [("user", True), ("assistant", True)]
        assert rows[0][1] == QUESTION
        assert rows[1][1] == done.result.text
        answer = [m for m in screen.query(ChatMessage) if m.role == "assistant"][-1]
        assert answer.text == done.result.text  # what was streamed is what was stored
        assert "(offline)" in answer.label
        # the conversation appears in the history list with its persona
        assert screen.conversations[0]["agent_id"] == "data-scientist"


async def test_auto_mode_routes_and_shows_the_score(store: Store) -> None:
    app = make_app(store)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_screen(pilot, ChatScreen())
        assert screen.query_one("#persona-select", Select).value == AUTO
        await send(pilot, "Set up a canary deployment with rollback for the model serving service")
        route = screen.last_route
        assert route is not None and not route.fallback
        shown = str(screen.query_one("#chat-route", Static).content)
        score = next(s.score for s in route.scores if s.agent_id == route.chosen.agent_id)
        assert shown == f"router → {route.chosen.display_name} (score {score:.2f})"
        stored = store.query("SELECT agent_id FROM conversations")
        assert stored == [(route.chosen.agent_id,)]


async def test_provider_error_leaves_the_input_usable(
    store: Store, fake_openai: FakeOpenAI, monkeypatch: pytest.MonkeyPatch, notices
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-real-key")
    fake_openai.default = Reply(status=500, error_message="upstream exploded")
    app = make_app(store, model="openai/fake-model", api_base=fake_openai.url)
    recorder = Recorder()
    async with app.run_test(size=(100, 30), message_hook=recorder) as pilot:
        screen = await open_screen(pilot, ChatScreen(agent_id="data-scientist"))
        await send(pilot, "first question")
        [failed] = recorder.of(ChatView.TurnFailed)
        assert failed.result.error is not None and not failed.result.complete, failed
        prompt = screen.query_one(PromptArea)
        assert not prompt.disabled and prompt.has_focus and not screen.chat_view.generating
        assert any(n.severity == "error" for n in notices)
        # a second message can be sent at once (and fails again: the server always says 500)
        await send(pilot, "second question")
        assert len(recorder.of(ChatView.TurnFailed)) == 2
        assert len(recorder.of(ChatView.Sent)) == 2
        rows = chat_rows(store)
        assert [r[1] for r in rows if r[0] == "user"] == ["first question", "second question"]
        assert all(r[2] is False and r[4] for r in rows if r[0] == "assistant")
        assert len(fake_openai.requests) >= 2
        # the server recovers: the next message streams normally
        fake_openai.default = Reply(text="Recovered answer.")
        await send(pilot, "third question", key="alt+enter")
        [done] = recorder.of(ChatView.TurnComplete)
        assert done.result.text == "Recovered answer."
        assert str(screen.query_one("#chat-model", Static).content) == "openai/fake-model"


async def test_export_writes_markdown_in_the_data_dir(store: Store, isolated_home: Path, notices) -> None:
    app = make_app(store)
    recorder = Recorder()
    async with app.run_test(size=(100, 30), message_hook=recorder) as pilot:
        screen = await open_screen(pilot, ChatScreen(agent_id="writer"))
        await pilot.press("ctrl+s")  # nothing to export yet: a warning, no file
        await settle(pilot)
        assert not recorder.of(ChatExported)
        await send(pilot, "Draft a one-line summary of the churn model")
        await pilot.press("ctrl+s")
        await settle(pilot)
        [exported] = recorder.of(ChatExported)
        exports = isolated_home / "data" / "axtui" / "exports"
        assert exported.path == exports / f"chat-{screen.conversation_id}.md"
        text = exported.path.read_text(encoding="utf-8")
        assert "Draft a one-line summary of the churn model" in text
        assert any(str(exported.path) in n.message for n in notices)


async def test_history_reopens_a_previous_conversation(store: Store) -> None:
    service = ChatService(store)
    old = service.new_conversation("ml-engineer", title="feature store design")
    await service.asend(old, "How do I design a feature store?", persona="ml-engineer")
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_screen(pilot, ChatScreen())
        assert screen.query_one("#chat-history").display  # wide enough: shown by default
        options = screen.query_one("#conversation-list", OptionList)
        assert options.get_option_at_index(0).id == old
        await pilot.press("ctrl+o")
        assert options.has_focus
        await pilot.press("enter")
        await settle(pilot)
        assert screen.conversation_id == old
        assert screen.query_one("#persona-select", Select).value == "ml-engineer"
        roles = [m.role for m in screen.query(ChatMessage)]
        assert roles == ["user", "assistant"]
        # continuing it adds to the same conversation
        await send(pilot, "And how do I version it?")
        assert store.query("SELECT count(*) FROM chat_messages WHERE conversation_id = ?", [old])[0][0] == 4
        # ctrl+n starts a new one
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert screen.conversation_id is None and not list(screen.query(ChatMessage))


async def test_copy_a_message_and_its_code_block(store: Store) -> None:
    service = ChatService(store)
    conv = service.new_conversation("python-pro")
    service.conversations.add_message(conv, "user", "show me")
    answer_text = "Here:\n```python\nprint('hi')\n```\nand\n```\nx = 1\n```"
    service.conversations.add_message(conv, "assistant", answer_text, model="axtui/offline")
    app = make_app(store)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_screen(pilot, ChatScreen(conversation_id=conv))
        answer = next(m for m in screen.query(ChatMessage) if m.role == "assistant")
        answer.focus()
        await pilot.press("c")
        assert app.clipboard == answer.text
        await pilot.press("k")
        assert app.clipboard == "print('hi')"
        await pilot.press("k")
        assert app.clipboard == "x = 1"
        screen.chat_view.prompt.focus()
        await pilot.press("f8")
        assert app.clipboard == answer.text


# -- the widget alone: stop keeps the partial answer ----------------------------------------------
class StopApp(App[None]):
    """A ChatView over a turn that streams two pieces, then waits until it is stopped."""

    def __init__(self) -> None:
        super().__init__()
        self.events: list[Message] = []
        self.release = asyncio.Event()

    def compose(self) -> ComposeResult:
        async def turn(text: str | None, on_delta: Any) -> TurnResult:
            on_delta("Partial ")
            on_delta("answer")
            await self.release.wait()
            return TurnResult("Partial answer and the rest", True, "axtui/offline", True)

        yield ChatView(turn=turn)

    def on_chat_view_turn_stopped(self, event: ChatView.TurnStopped) -> None:
        self.events.append(event)

    def on_chat_view_turn_complete(self, event: ChatView.TurnComplete) -> None:
        self.events.append(event)


async def test_stop_keeps_the_partial_answer_marked_incomplete() -> None:
    app = StopApp()
    async with app.run_test(size=(80, 24)) as pilot:
        view = app.query_one(ChatView)
        view.prompt.insert("tell me everything")
        await pilot.press("ctrl+j")
        await pilot.pause()
        assert view.generating
        await pilot.press("ctrl+c")  # stop has its own key: escape stays "back"
        await workers_done(app)
        await pilot.pause()
        [stopped] = app.events
        assert isinstance(stopped, ChatView.TurnStopped)
        assert stopped.partial == "Partial answer"
        answer = next(m for m in app.query(ChatMessage) if m.role == "assistant")
        assert not answer.complete and answer.has_class("-incomplete")
        assert "stopped" in str(answer.query_one(".chat-message-status", Static).content)
        assert not view.generating and view.prompt.has_focus
        # the stop key while idle does nothing to the view (it falls through: copy in the prompt box)
        await pilot.press("ctrl+c")
        assert not view.generating and not answer.has_class("-thinking")


async def test_stop_through_the_chat_service_stores_the_partial_text(store: Store) -> None:
    """Cancelling a real ChatService turn: the user message and the partial answer are stored."""
    service = ChatService(store)
    conv = service.new_conversation("data-scientist")
    started = asyncio.Event()

    async def on_delta(piece: str) -> None:
        started.set()
        await asyncio.Event().wait()  # the UI is slow: the user presses stop meanwhile

    task = asyncio.create_task(service.asend(conv, QUESTION, persona="data-scientist", on_delta=on_delta))
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    rows = chat_rows(store)
    assert [(r[0], r[2]) for r in rows] == [("user", True), ("assistant", False)]
    assert rows[1][1]  # the piece that arrived before the stop


# -- pictures ----------------------------------------------------------------------------------
FIXED_ANSWER = """Split by **time**, never at random:

1. Train on the oldest 70 %, validate on the next 15 %, test on the newest 15 %.
2. Use walk-forward validation when you tune:

```python
from sklearn.model_selection import TimeSeriesSplit
splits = TimeSeriesSplit(n_splits=5)
```

Fit scalers and encoders on the training window only."""


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_chat_snapshot(
    snap_compare: Any, store: Store, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The picture streams a fixed answer through the real offline path (its wording may evolve)."""
    from axtui.core import offline

    monkeypatch.setattr(offline, "offline_answer", lambda messages: FIXED_ANSWER)
    app = make_app(store)

    async def run_before(pilot: Any) -> None:
        await open_screen(pilot, ChatScreen(agent_id="data-scientist"))
        await send(pilot, QUESTION)
        app.screen.query_one(PromptArea).cursor_blink = False  # a blinking cursor makes pictures flaky
        app.clear_notifications()
        await settle_scroll(pilot, app.screen.query_one(ChatView).message_log)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


# -- a chat that feels alive: thinking, word-by-word streaming, the sent message in view ----------
class GateApp(App[None]):
    """A ChatView over a turn that waits at a gate before its first token, then streams words."""

    CSS_PATH = str(Path(chat_view_module.__file__).parents[1] / "axtui.tcss")  # the app's own layout

    def __init__(self, history: list[dict[str, Any]] | None = None) -> None:
        super().__init__()
        self.gate = asyncio.Event()
        self.history = history or []

    def compose(self) -> ComposeResult:
        async def turn(text: str | None, on_delta: Any) -> TurnResult:
            await self.gate.wait()
            for word in ("One ", "word ", "at ", "a ", "time."):
                on_delta(word)
                await asyncio.sleep(0)
            return TurnResult("One word at a time.", True, "axtui/offline", True)

        yield ChatView(turn=turn, history=self.history)


async def test_thinking_shows_from_send_to_the_first_token() -> None:
    app = GateApp()
    async with app.run_test(size=(80, 24)) as pilot:
        view = app.query_one(ChatView)
        view.prompt.insert("why?")
        await pilot.press("ctrl+j")
        await pilot.pause()
        answer = next(m for m in app.query(ChatMessage) if m.role == "assistant")
        status = answer.query_one(".chat-message-status", Static)
        assert answer.thinking and "thinking" in str(status.content) and status.display
        app.gate.set()
        await workers_done(app)
        await pilot.pause()
        assert not answer.thinking and answer.text == "One word at a time."
        assert not status.display and not view.generating


async def test_the_sent_message_is_in_view_at_once_after_a_long_history() -> None:
    history = [
        {"role": "user" if n % 2 == 0 else "assistant", "content": f"message {n}\n\n" + "line\n\n" * 6}
        for n in range(16)
    ]
    app = GateApp(history)
    async with app.run_test(size=(80, 24)) as pilot:
        view = app.query_one(ChatView)
        await pilot.pause()
        view.prompt.insert("the newest question")
        await pilot.press("ctrl+j")
        await pilot.pause()
        await pilot.pause()
        sent = [m for m in app.query(ChatMessage) if m.role == "user"][-1]
        assert sent.text == "the newest question"
        log = view.message_log
        assert log.max_scroll_y > 0 and log.scroll_y == log.max_scroll_y
        assert sent.region.y < log.region.bottom  # on screen before any token has arrived
        app.gate.set()
        await workers_done(app)


async def test_the_offline_answer_streams_word_by_word(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    from axtui.core import offline

    pieces: list[str] = []
    original = ChatMessage.feed

    def counting_feed(self: ChatMessage, delta: str) -> None:
        pieces.append(delta)
        original(self, delta)

    monkeypatch.setattr(ChatMessage, "feed", counting_feed)
    monkeypatch.delenv(offline.PACE_ENV, raising=False)
    offline.set_stream_pace(0.001)
    try:
        app = make_app(store)
        recorder = Recorder()
        async with app.run_test(size=(100, 30), message_hook=recorder) as pilot:
            await open_screen(pilot, ChatScreen(agent_id="data-scientist"))
            await send(pilot, QUESTION)
            [done] = recorder.of(ChatView.TurnComplete)
    finally:
        offline.set_stream_pace(0.0)
    assert len(pieces) > 30 and "".join(pieces) == done.result.text
    assert max(len(p) for p in pieces) <= offline.CHUNK_CHARS


async def test_the_key_hint_follows_a_remapped_stop_key() -> None:
    app = GateApp()
    async with app.run_test(size=(80, 24)) as pilot:
        app.set_keymap({"chat.stop": "f9"})
        view = app.query_one(ChatView)
        await pilot.pause()
        assert "f9 stop" in view._hint() and view.stop_key == "f9"


async def test_history_titles_and_a_reopened_conversation_opens_at_its_end(store: Store) -> None:
    service = ChatService(store)
    step = service.new_conversation("data-scientist", session_id="s0042", step_id="plan")
    asked = service.new_conversation("ml-engineer")
    for n in range(6):  # long enough to scroll
        await service.asend(
            asked, f"Question {n}: how do I monitor drift in feature {n}?", persona="ml-engineer"
        )
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_screen(pilot, ChatScreen())
        options = screen.query_one("#conversation-list", OptionList)
        labels = {
            options.get_option_at_index(i).id: str(options.get_option_at_index(i).prompt) for i in range(2)
        }
        assert labels[step].startswith("step plan · session s0042")
        assert labels[asked].startswith("Question 0: how do I monitor drift")
        assert not any("untitled" in text for text in labels.values())
        await pilot.press("ctrl+o")
        options.highlighted = next(i for i in range(2) if options.get_option_at_index(i).id == asked)
        await pilot.press("enter")
        await settle(pilot)
        log = screen.chat_view.message_log
        for _ in range(10):  # Markdown blocks lay out over a few refreshes
            await pilot.pause()
        assert log.max_scroll_y > 0 and log.scroll_y == log.max_scroll_y
