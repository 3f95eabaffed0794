"""The session screen driven with the keyboard: forms, prompt chat, auto steps, resume, redo, errors."""

from __future__ import annotations

from typing import Any

from textual.widgets import Input

from axtui.tui.messages import InputRejected, SessionLoaded
from axtui.tui.screens.session import DONE_VIEW, ChecklistItem, SessionScreen
from axtui.tui.widgets.chat_view import ChatView, PromptArea
from axtui.tui.widgets.fit_table import FitTable
from axtui.tui.widgets.input_form import InputForm
from tests.fake_openai import Reply, fake_openai  # noqa: F401  (fixture)
from tests.tui.conftest import session_screen, step_rows, viewing, wait_until

START = {"workflow": "tui-demo"}


def record(monkeypatch: Any, cls: type, handler: str) -> list[Any]:
    """Record every message a screen handler receives (the handler still runs)."""
    seen: list[Any] = []
    original = getattr(cls, handler)

    async def spy(self: Any, message: Any) -> Any:
        seen.append(message)
        result = original(self, message)
        if hasattr(result, "__await__"):
            return await result
        return result

    monkeypatch.setattr(cls, handler, spy)
    return seen


async def fill_inputs_and_goal(pilot: Any, target: str = "0.9") -> None:
    app = pilot.app
    await wait_until(pilot, lambda: viewing(app) == "inputs")
    await pilot.press(*"demo", "enter")
    await wait_until(pilot, lambda: viewing(app) == "goal")
    assert app.focused.id == "input-target"  # the empty field gets the focus, not the defaulted choice
    await pilot.press(*target, "enter")


async def test_input_steps_are_saved_in_the_database(make_app, store, monkeypatch) -> None:
    loaded = record(monkeypatch, SessionScreen, "on_session_loaded")
    app = make_app(start=START)
    async with app.run_test(size=(100, 30)) as pilot:
        await fill_inputs_and_goal(pilot)
        await wait_until(pilot, lambda: viewing(app) == "plan")
        session_id = session_screen(app).session_id
    rows = step_rows(store, session_id)
    assert rows["inputs"][0] == "done" and rows["inputs"][1]["result"] == {"project": "demo"}
    assert rows["goal"][0] == "done"
    assert rows["goal"][1]["result"] == {"metric": "f1", "target": 0.9}
    assert rows["plan"][0] in ("pending", "running")
    assert all(isinstance(m, SessionLoaded) for m in loaded)
    assert [m.snapshot.current_id for m in loaded[:3]] == ["inputs", "goal", "plan"]


async def test_invalid_field_is_shown_inline_and_nothing_is_saved(make_app, store, monkeypatch) -> None:
    rejected = record(monkeypatch, SessionScreen, "on_input_rejected")
    app = make_app(start=START)
    async with app.run_test(size=(100, 30)) as pilot:
        await fill_inputs_and_goal(pilot, target="5")
        form = app.screen.query_one(InputForm)
        await wait_until(pilot, lambda: "at most 1" in str(form.query_one("#error-target").render()))
        assert form.query_one("#input-target", Input).has_class("-invalid")
        assert viewing(app) == "goal"
        # The engine is the final judge too: values that pass the form but not submit_input are shown inline.
        session_id = session_screen(app).session_id
    assert step_rows(store, session_id)["goal"][0] != "done"
    assert rejected == []  # caught by the form's own (engine) validation before any worker ran


async def test_engine_rejection_is_shown_next_to_the_field(make_app, monkeypatch) -> None:
    from axtui.core.workflow.fields import FormError
    from axtui.core.workflow.session import Session

    rejected = record(monkeypatch, SessionScreen, "on_input_rejected")

    def refuse(self: Any, step_id: str, values: Any) -> Any:
        raise FormError(step_id, {"project": "already used by another session"})

    monkeypatch.setattr(Session, "submit_input", refuse)
    app = make_app(start=START)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: viewing(app) == "inputs")
        await pilot.press(*"demo", "enter")
        await wait_until(pilot, lambda: bool(rejected))
        error = app.screen.query_one("#error-project")
        assert "already used" in str(error.render())
        assert isinstance(rejected[0], InputRejected) and rejected[0].errors == {
            "project": "already used by another session"
        }
        assert not app.screen.query_one("#input-project", Input).disabled
        # back to fixing it
        await wait_until(pilot, lambda: getattr(app.focused, "id", None) == "input-project")


async def test_keys_typed_while_a_form_is_saved_never_land_in_it(make_app, store, monkeypatch) -> None:
    """Typeahead after enter: the saved form is frozen, so its field cannot show an unsaved value."""
    import threading

    from axtui.core.workflow.session import Session

    gate = threading.Event()
    original = Session.submit_input

    def slow_submit(self: Any, step_id: str, values: Any) -> Any:
        gate.wait(timeout=30)
        return original(self, step_id, values)

    monkeypatch.setattr(Session, "submit_input", slow_submit)
    app = make_app(start=START)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: viewing(app) == "inputs")
        await pilot.press(*"demo", "enter")
        form = app.screen.query_one(InputForm)
        await wait_until(pilot, lambda: form.disabled, workers=False)  # the save is held
        await pilot.press(*"xyz")  # typed before the next step is on screen
        assert form.query_one("#input-project", Input).value == "demo"
        gate.set()
        await wait_until(pilot, lambda: viewing(app) == "goal")
        assert app.focused.id == "input-target"
        assert app.focused.value == ""
        session_id = session_screen(app).session_id
    assert step_rows(store, session_id)["inputs"][1]["result"] == {"project": "demo"}


async def test_prompt_answer_streams_is_stored_and_accepted(make_app, store, monkeypatch) -> None:
    finished = record(monkeypatch, SessionScreen, "on_chat_view_turn_complete")
    app = make_app(start=START)
    async with app.run_test(size=(100, 30)) as pilot:
        await fill_inputs_and_goal(pilot)
        await wait_until(pilot, lambda: viewing(app) == "plan")
        chat = app.screen.query_one(ChatView)
        await wait_until(pilot, lambda: not chat.generating and bool(chat.last_answer))
        assert "offline" in chat.last_answer
        session_id = session_screen(app).session_id
        # a follow-up question, sent with ctrl+j
        await pilot.click(PromptArea)
        await pilot.press(*"what about recall?", "ctrl+j")
        await wait_until(pilot, lambda: not chat.generating and len(chat.query(".-user")) == 1)
        await pilot.press("ctrl+n")
        await wait_until(pilot, lambda: viewing(app) == "score")
    messages = store.query(
        "SELECT m.role, m.complete FROM chat_messages m JOIN conversations c ON c.id = m.conversation_id "
        "WHERE c.session_id = ? ORDER BY m.id",
        [session_id],
    )
    assert [r[0] for r in messages].count("assistant") == 2
    assert all(r[1] for r in messages if r[0] == "assistant")
    status, outputs = step_rows(store, session_id)["plan"]
    assert status == "done" and outputs["result"]["turns"] == 2
    # the screen heard both turns end (the first answer and the follow-up), each complete
    assert len(finished) == 2
    assert all(event.result.complete for event in finished)


async def run_to_the_end(pilot: Any) -> str:
    app = pilot.app
    await fill_inputs_and_goal(pilot)
    await wait_until(pilot, lambda: viewing(app) == "plan")
    chat = app.screen.query_one(ChatView)
    await wait_until(pilot, lambda: not chat.generating and bool(chat.last_answer))
    await pilot.press("ctrl+n")
    await wait_until(pilot, lambda: viewing(app) == "score")  # the compute result, just run
    await pilot.press("enter")
    await wait_until(pilot, lambda: viewing(app) == "save")  # the tool record, just run
    await pilot.press("enter")
    await wait_until(pilot, lambda: viewing(app) == DONE_VIEW)
    return session_screen(app).session_id


async def test_auto_steps_run_and_show_their_results(make_app, store) -> None:
    app = make_app(start=START)
    async with app.run_test(size=(120, 40)) as pilot:
        await fill_inputs_and_goal(pilot)
        await wait_until(pilot, lambda: viewing(app) == "plan")
        chat = app.screen.query_one(ChatView)
        await wait_until(pilot, lambda: not chat.generating and bool(chat.last_answer))
        await pilot.press("ctrl+n")
        await wait_until(pilot, lambda: viewing(app) == "score")
        text = " ".join(str(w.render()) for w in app.screen.query("Static"))
        assert "1/1 checks passed" in text
        await pilot.press("enter")
        await wait_until(pilot, lambda: viewing(app) == "save")
        table = app.screen.query_one("ToolRecordView FitTable", FitTable)
        row = table.plain_rows()[0]  # op, TTL, expires, version, namespace, key
        assert row[:2] == ["store", "1 h"] and row[4:] == ["ml-experiments", "demo-goal"]
        await pilot.press("enter")
        await wait_until(pilot, lambda: viewing(app) == DONE_VIEW)
        assert app.screen.query_one("#open-report").has_focus
        session_id = session_screen(app).session_id
    entry = store.query(
        "SELECT value FROM memory_entries WHERE namespace = 'ml-experiments' AND key = 'demo-goal'"
    )
    assert entry and '"target":0.9' in entry[0][0].replace(" ", "")
    assert store.query("SELECT status FROM sessions WHERE id = ?", [session_id])[0][0] == "completed"


async def test_quit_and_reopen_resumes_at_the_same_step(make_app) -> None:
    app = make_app(start=START)
    async with app.run_test(size=(100, 30)) as pilot:
        await fill_inputs_and_goal(pilot)
        await wait_until(pilot, lambda: viewing(app) == "plan")
        session_id = session_screen(app).session_id
        await pilot.press("ctrl+q")
    again = make_app(start={"session": session_id})
    async with again.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: viewing(again) == "plan")
        marks = [item.step.mark for item in again.screen.query(ChecklistItem)]
        assert marks == ["✓", "✓", "▶", "·", "·"]


async def test_review_and_redo_a_completed_step(make_app, store) -> None:
    app = make_app(start=START)
    async with app.run_test(size=(100, 30)) as pilot:
        await fill_inputs_and_goal(pilot)
        await wait_until(pilot, lambda: viewing(app) == "plan")
        session_id = session_screen(app).session_id
        checklist = app.screen.query_one("#checklist-list")
        checklist.focus()
        checklist.index = 1
        await pilot.press("enter")
        await wait_until(pilot, lambda: viewing(app) == "goal")
        form = app.screen.query_one(InputForm)
        assert form.read_only and form.query_one("#input-target", Input).value == "0.9"
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "ConfirmScreen")
        await pilot.press("y")
        await wait_until(pilot, lambda: viewing(app) == "goal")
        assert not app.screen.query_one(InputForm).read_only
    rows = step_rows(store, session_id)
    assert rows["inputs"][0] == "done"
    assert rows["goal"][0] == "pending" and rows["plan"][0] == "pending"


async def test_llm_error_shows_a_toast_and_keeps_the_input_usable(
    make_app,
    store,
    fake_openai,  # noqa: F811
    monkeypatch,
    notices,
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-real-key")
    fake_openai.script(Reply(status=400, error_message="model is not available"))
    app = make_app(start=START, model="openai/fake-model", api_base=fake_openai.url)
    async with app.run_test(size=(100, 30)) as pilot:
        await fill_inputs_and_goal(pilot)
        await wait_until(pilot, lambda: viewing(app) == "plan")
        chat = app.screen.query_one(ChatView)
        await wait_until(pilot, lambda: not chat.generating and len(fake_openai.requests) >= 1, tries=300)
        await wait_until(pilot, lambda: any(n.severity == "error" for n in notices))
        prompt = app.screen.query_one(PromptArea)
        assert not prompt.disabled and prompt.has_focus
        session_id = session_screen(app).session_id
        # the next message goes through once the server answers again
        fake_openai.script(Reply(text="Recovered answer."))
        await pilot.press(*"try again", "ctrl+j")
        await wait_until(pilot, lambda: not chat.generating and "Recovered" in chat.last_answer, tries=300)
    assert step_rows(store, session_id)["plan"][0] in ("running", "pending")


async def test_unexpected_worker_error_opens_the_error_modal(make_app, monkeypatch, notices) -> None:
    from axtui.core.workflow import Engine
    from axtui.tui.screens.error import ErrorScreen

    def broken(self: Any, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(Engine, "start", broken)
    app = make_app(start=START)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, ErrorScreen))
        modal = app.screen
        assert "RuntimeError: disk on fire" in modal.error_title
        assert "Traceback" in modal.details and "disk on fire" in modal.details
        await pilot.press("c")
        assert any("copied error details" in n.message for n in notices)
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, ErrorScreen))
        assert isinstance(app.screen, SessionScreen)
        await pilot.press("escape")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "HomeScreen")


async def test_an_answer_cut_off_by_quitting_is_asked_again_on_resume(make_app, store, demo_session) -> None:
    session_id = demo_session("plan")
    # what a quit in the middle of streaming leaves behind: a started step and an incomplete answer
    from axtui.core.workflow import Engine

    session = Engine(store).open(session_id)
    session._start_row(session._rows["plan"])
    conversation = session.chat.new_conversation("data-scientist", session_id=session_id, step_id="plan")
    session._rows["plan"].conversation_id = conversation
    session._commit(session._rows["plan"])
    with store.transaction() as con:
        con.execute(
            "INSERT INTO chat_messages (conversation_id, role, content, complete, created_at) "
            "VALUES (?, 'assistant', 'half an ans', false, now())",
            [conversation],
        )
    app = make_app(start={"session": session_id})
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: viewing(app) == "plan")
        chat = app.screen.query_one(ChatView)
        await wait_until(pilot, lambda: not chat.generating and "offline" in chat.last_answer, tries=300)
        await pilot.press("ctrl+n")
        await wait_until(pilot, lambda: viewing(app) == "score")
    assert step_rows(store, session_id)["plan"][0] == "done"
