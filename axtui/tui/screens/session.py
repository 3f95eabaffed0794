"""A workflow session: checklist on the left, the step on the right, rendered by its type.

Every engine call runs in a thread worker (the engine is synchronous and
writes DuckDB); the worker posts a fresh ``SessionLoaded`` snapshot and only
``on_session_loaded`` changes widgets. Prompt steps stream through the shared
``ChatView`` in an async worker. Because the engine persists each step before
the next starts, quitting anywhere and reopening lands on ``current()``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import (
    Button,
    Footer,
    Header,
    Label,
    ListItem,
    ListView,
    LoadingIndicator,
    ProgressBar,
    Static,
)

from axtui.errors import AxtuiError
from axtui.tui import keymap
from axtui.tui.messages import (
    AutoStepProgress,
    EngineIdle,
    InputRejected,
    Notice,
    SessionLoaded,
    UserFacingError,
)
from axtui.tui.services import app_of
from axtui.tui.session_state import SessionSnapshot, StepView, build_snapshot
from axtui.tui.widgets.input_form import InputForm

DONE_VIEW = "(session complete)"
STATUS_STYLE = {
    "done": "green",
    "current": "bold yellow",
    "failed": "bold red",
    "pending": "dim",
    "skipped": "dim",
    "not_measured": "yellow",
}


class ChecklistItem(ListItem):
    """One step in the sidebar: mark, name; indented when nested in a conditional."""

    def __init__(self, step: StepView) -> None:
        super().__init__(classes=f"check-{step.status}")
        self.step = step

    def compose(self) -> ComposeResult:
        text = Text("  " * self.step.depth, no_wrap=True, overflow="ellipsis")
        text.append(f"{self.step.mark} ", style=STATUS_STYLE.get(self.step.status, ""))
        text.append(self.step.name, style="bold" if self.step.status == "current" else "")
        yield Label(text, classes="check-name")  # a long name ends in "…", never mid-letter


class Checklist(ListView):
    """The steps; arrows move, home/end jump to the first/last step, enter opens the step."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("home", "first", "First step", show=False),
        Binding("end", "last", "Last step", show=False),
    ]

    def action_first(self) -> None:
        if self.children:
            self.index = 0

    def action_last(self) -> None:
        if self.children:
            self.index = len(self.children) - 1


class SessionScreen(Screen[None]):
    """Guides a person through one session, step by step, resumable at any point."""

    HELP_CONTEXT = "session"
    BINDINGS: ClassVar[list[BindingType]] = [
        *keymap.bindings(
            "session.accept",
            "session.redo",
            "session.report",
            "session.current",
            "session.checklist",
            "session.back",
        ),
        Binding("pagedown", "scroll_step(1)", "Scroll down", show=False),
        Binding("pageup", "scroll_step(-1)", "Scroll up", show=False),
    ]

    def __init__(
        self,
        *,
        session_id: str | None = None,
        workflow_id: str | None = None,
        inputs: dict[str, Any] | None = None,
    ) -> None:
        super().__init__()
        self.session_id = session_id
        self.workflow_id = workflow_id
        self.start_inputs = inputs or {}
        self.session: Any = None
        self.snapshot: SessionSnapshot | None = None
        self.viewing: str | None = None
        self.busy = False

    # -- layout ---------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="session-body"):
            with Vertical(id="checklist"):
                yield Label(self.workflow_id or self.session_id or "", id="checklist-title")
                yield ProgressBar(total=1, show_eta=False, show_percentage=False, id="checklist-progress")
                yield Checklist(id="checklist-list")
            with Vertical(id="step-area"):
                yield Label("", id="step-header")
                yield Label("opening the session…", id="step-status")
                yield Vertical(LoadingIndicator(), id="step-view")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = self.session_id or self.workflow_id or ""
        self._run(self._open, "open session")

    def on_unmount(self) -> None:
        if self.session is not None:
            from axtui.core import live

            live.unregister(app_of(self).settings.db_path, self.session.id)

    # -- worker plumbing --------------------------------------------------------------------
    def _run(self, fn: Any, what: str) -> bool:
        """Run an engine call in a thread worker: the one gate, so only one runs at a time.

        Thread workers of a group run side by side, so "busy" is what keeps them in order: a
        call asked for while another runs is refused (returns False). Two accepts from a double
        key press each posted a snapshot, and the second re-rendered the next prompt step from a
        stale one, asking for its first answer again ("a follow-up needs text").
        """
        if self.busy:
            return False
        self.busy = True

        def call() -> Any:
            try:
                return fn()
            except Exception:
                self.post_message(EngineIdle())  # whatever the failure, the screen is usable again
                raise

        app_of(self).run_guarded(self, call, name=what, group="session", context=what)
        return True

    def _run_on_step(self, act: Callable[[str], Any], step_id: str, what: str) -> None:
        """Run ``act(step_id)`` (a session call such as accept or redo) in the worker, then post the
        session's fresh snapshot."""

        def call() -> SessionLoaded:
            act(step_id)
            return self._snapshot()

        self._run(call, f"{what} {step_id}")

    def _open(self) -> SessionLoaded:
        engine = app_of(self).engine()
        if self.session_id:
            session = engine.open(self.session_id)
        else:
            session = engine.start(self.workflow_id, self.start_inputs, strict=False)
        self.session = session
        from axtui.core import live

        live.register(app_of(self).settings.db_path, session.id)  # `axtui sessions` says "running"
        return SessionLoaded(build_snapshot(session))

    def _snapshot(self, focus: str | None = None) -> SessionLoaded:
        return SessionLoaded(build_snapshot(self.session, with_details_for=focus), focus_step=focus)

    # -- messages from workers ------------------------------------------------------------
    async def on_session_loaded(self, message: SessionLoaded) -> None:
        # Still busy while the new view is built: a second key press (enter on the old
        # "Continue" button) must not start a second render of the same step.
        snap = self.snapshot = message.snapshot
        self.session_id = snap.id
        self.sub_title = f"{snap.workflow_id} · {snap.id}"
        self.query_one("#checklist-title", Label).update(Text(snap.workflow_name, style="bold"))
        bar = self.query_one("#checklist-progress", ProgressBar)
        bar.update(total=max(snap.total, 1), progress=snap.done_count)
        checklist = self.query_one("#checklist-list", ListView)
        await checklist.clear()
        await checklist.extend(ChecklistItem(step) for step in snap.steps)
        target = message.focus_step or snap.current_id
        index = next((i for i, s in enumerate(snap.steps) if s.id == target), None)
        if index is not None:
            checklist.index = index
        self.busy = False
        await self._show(target)

    def on_input_rejected(self, message: InputRejected) -> None:
        self.busy = False
        self._release_forms()
        general = f"✗ {message.message}" + (f"\n  hint: {message.hint}" if message.hint else "")
        for form in self.query(InputForm):
            form.show_errors(message.errors, general)
            form.focus_problem(message.errors)

    def on_user_facing_error(self, message: UserFacingError) -> None:
        self.busy = False  # let the app show the toast; the screen stays usable
        self._release_forms()

    def on_engine_idle(self, message: EngineIdle) -> None:
        self.busy = False
        self._release_forms()

    def on_auto_step_progress(self, message: AutoStepProgress) -> None:
        self.query_one("#step-status", Label).update(message.text)
        if message.total:
            for bar in self.query("#auto-progress").results(ProgressBar):
                bar.update(total=message.total, progress=message.done or 0)

    # -- rendering a step ---------------------------------------------------------------------
    async def _show(self, step_id: str | None) -> None:
        K = self._key  # the key bound now (user keymap first), for hints
        snap = self.snapshot
        assert snap is not None
        self.viewing = None  # set again once the step's view is mounted (tests wait on it)
        self.busy = True
        view_area = self.query_one("#step-view", Vertical)
        await view_area.remove_children()
        header = self.query_one("#step-header", Label)
        status = self.query_one("#step-status", Label)
        step = snap.step(step_id)
        self.refresh_bindings()
        if step is None:
            header.update(Text(f"✓ {snap.workflow_name}: session complete", style="bold green"))
            status.update(
                f"{snap.done_count}/{snap.total} steps done · {K('session.report')} opens the report"
            )
            await view_area.mount(self._done_view(snap))
            self.query_one("#open-report", Button).focus()
            self.viewing = DONE_VIEW
            self.busy = False
            self.refresh_bindings()
            return
        number = snap.number(step)
        who = (
            f" · {step.agent}"
            if step.agent
            else f" · {step.fn}"
            if step.fn
            else f" · {step.tool}"
            if step.tool
            else ""
        )
        counted = (
            f"Step {number}/{snap.total}" if number is not None else f"Inputs ({snap.total} steps follow)"
        )
        header.update(Text(f"{counted} · {step.type} · {step.name}{who}"))
        reviewing = step.id != snap.current_id
        if step.status == "failed":
            status.update(
                Text(
                    f"✗ failed · {K('session.redo')} retries it · to change an input: "
                    f"{K('session.checklist')}, pick the step, {K('session.redo')}",
                    style="bold red",
                )
            )
        elif reviewing and snap.read_only:
            status.update(
                Text(
                    f"{step.mark} {step.status} · read-only · {K('session.current')}: the summary",
                    style="dim",
                )
            )
        elif reviewing:
            where = (
                "enter: next step"
                if message_focus_is_fresh(step, snap)
                else f"{K('session.current')}: back to the current step"
            )
            status.update(
                Text(
                    f"{step.mark} {step.status} · {where} · {K('session.redo')}: redo from here", style="dim"
                )
            )
        else:
            status.update(self._current_hint(step))
        widget = self._step_widget(step, reviewing)
        await view_area.mount(widget)
        self.viewing = step.id
        self.busy = False
        self.refresh_bindings()
        from axtui.tui.widgets.chat_view import ChatView

        if step.type == "prompt" and not reviewing and isinstance(widget, ChatView):
            # Focus the message box at once: a stray enter must not land on the checklist.
            widget.prompt.focus()
        if getattr(self, "_first_answer_needed", False) and isinstance(widget, ChatView):
            self._first_answer_needed = False
            widget.send(None)
        buttons = [b for b in widget.query(Button) if b.id == "continue"]
        if buttons:
            buttons[0].focus()
        if not reviewing and step.is_auto and step.status not in ("done", "failed", "not_measured"):
            self._run(lambda: self._run_auto(step.id), f"run {step.id}")

    def _key(self, binding_id: str) -> str:
        """The key bound to ``binding_id`` now (the user's keymap first), for hints and buttons."""
        return keymap.key(binding_id, getattr(self.app, "user_keys", None))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Show only the step actions that apply to what is on screen (others leave the footer)."""
        snap = self.snapshot
        viewing = snap.step(self.viewing) if snap else None
        if action == "accept":  # offered once an answer is there (not while it is being written)
            from axtui.tui.widgets.chat_view import ChatView

            generating = any(chat.generating for chat in self.query(ChatView))
            return bool(
                viewing and viewing.type == "prompt" and viewing.id == snap.current_id and not generating
            )  # type: ignore[union-attr]
        if action == "scroll_step":
            return True
        if action == "redo":
            return bool(
                viewing
                and viewing.status in ("done", "failed", "skipped", "not_measured")
                and not snap.read_only  # type: ignore[union-attr]
            )
        if action == "goto_current":
            return bool(snap and snap.current_id and self.viewing != snap.current_id)
        return True

    def _current_hint(self, step: StepView) -> Text:
        K = self._key  # the key bound now (user keymap first), for hints
        hints = {
            "input": f"fill in the form · enter moves to the next field · {K('form.submit')} continues",
            "prompt": f"{K('chat.send')} / {K('chat.send_alt')} send a follow-up · "
            f"{K('session.accept')} accepts the answer and continues",
            "tool": "running the memory operation…",
            "compute": "computing…",
            "conditional": "evaluating the condition…",
            "parallel": "running the block's steps at the same time…",
            "discuss": "the personas are discussing in rounds…",
            "loop": "running the loop…",
            "delegate": "handing the task to another persona…",
        }
        return Text(hints.get(step.type, ""), style="dim")

    def _step_widget(self, step: StepView, reviewing: bool) -> Widget:
        K = self._key  # the key bound now (user keymap first), for hints
        snap = self.snapshot
        assert snap is not None
        if step.error and step.status == "failed":
            return self._failed_view(step)
        if step.type == "input":
            fields = snap.fields.get(step.id)
            if fields is None:
                return Vertical(LoadingIndicator())
            return InputForm(
                step.id,
                fields,
                read_only=reviewing,
                intro=""
                if not reviewing
                else "Submitted values:"
                if snap.read_only
                else f"Submitted values ({K('session.redo')} to change them):",
            )
        if step.status == "not_measured":
            why = "; ".join((step.result or {}).get("missing") or [])
            return Static(f"⊘ not measured: {why} (the decisions say what they decide without it)")
        if step.type == "prompt":
            return self._prompt_view(step, reviewing)
        if step.status in ("done", "skipped") and step.result is not None:
            return self._result_view(step, reviewing)
        if step.status == "skipped":
            return Static("this step was skipped (its branch was not taken)", classes="muted")
        return Vertical(
            Static(f"running {step.type} step {step.name}…", classes="muted"),
            # Indeterminate until the compute reports how far it is (done/total).
            ProgressBar(total=None, show_eta=False, id="auto-progress"),
            classes="step-running",
        )

    def _prompt_view(self, step: StepView, reviewing: bool) -> Widget:
        from axtui.tui.widgets.chat_view import ChatView

        snap = self.snapshot
        assert snap is not None
        history = snap.conversations.get(step.id, [])
        session = self.session
        step_id = step.id

        async def turn(text: str | None, on_delta: Any) -> Any:
            if text is None:
                # The view was built from a snapshot; a first answer may have been stored since
                # (a turn that ended while the user looked elsewhere): show it, never ask twice.
                stored = await asyncio.to_thread(stored_answer, session, step_id)
                if stored is not None:
                    on_delta(stored.text)
                    return stored
            # LiteLLM takes seconds to import: do it in a thread, never on the UI's event loop.
            await asyncio.to_thread(warm_llm)
            return await session.prompt_turn(step_id, text, on_delta=on_delta)

        chat = ChatView(
            persona=_Persona(step.agent),
            turn=turn,
            history=history,
            model=app_of(self).settings.default_model,
            id="prompt-chat",
        )
        chat.disabled = reviewing
        # No complete answer yet (none, or one cut off by a quit): ask for the first answer again.
        self._first_answer_needed = not reviewing and not any(
            m.get("role") == "assistant" and m.get("complete") for m in history
        )
        return chat

    def _result_view(self, step: StepView, reviewing: bool) -> Widget:
        box = Vertical(classes="step-body")
        if step.type == "tool":
            from axtui.tui.widgets.tool_record import ToolRecordView

            inner: Widget = ToolRecordView(step.tool or "", step.result, step.config)
        elif step.type == "compute":
            from axtui.tui.widgets.results import ComputeResultView

            inner = ComputeResultView(step.fn or "", step.result, title=step.name)
        elif step.type == "parallel" and self.snapshot is not None:
            from axtui.tui.widgets.parallel_view import ParallelView

            block = self.session.workflow.step(step.id)
            ids = {c.id for c in block.parallel} if block is not None else set()
            inner = ParallelView(step.name, [s for s in self.snapshot.steps if s.id in ids])
        else:
            from axtui.tui.widgets.results import ComputeResultView

            inner = ComputeResultView(step.type, step.result, title=step.name)
        box.compose_add_child(inner)
        fresh = not reviewing or (self.snapshot is not None and message_focus_is_fresh(step, self.snapshot))
        label = "Continue ▸  (enter)" if fresh else "Back to the current step ▸  (enter)"
        box.compose_add_child(Button(label, id="continue", variant="primary"))
        return box

    def _failed_view(self, step: StepView) -> Widget:
        K = self._key  # the key bound now (user keymap first), for hints
        return VerticalScroll(
            Static(Text(f"✗ {step.name} failed", style="bold red")),
            Static(step.error or ""),
            Static(
                f"{K('session.redo')} retries this step "
                "(fix the input it needs first if the message says so)",
                classes="muted",
            ),
            classes="step-body",
        )

    def _done_view(self, snap: SessionSnapshot) -> Widget:
        K = self._key  # the key bound now (user keymap first), for hints
        from axtui.tui.widgets.outcome import outcome

        lines = outcome(snap)
        parts: list[Widget] = []
        if lines:
            parts.append(Static(Text("\n").join(lines), id="session-outcome"))
        parts += [
            Static(
                Text(
                    f"All {snap.total} steps are done · read-only: "
                    f"{K('session.checklist')} and enter on a step "
                    "shows its tables and plots",
                    style="dim",
                )
            ),
            Horizontal(
                Button(f"Open the report  ({K('session.report')})", id="open-report", variant="success"),
                Button(f"Back to home  ({K('session.back')})", id="go-home"),
                id="session-done-buttons",
            ),
        ]
        return VerticalScroll(*parts, id="session-done")

    # -- engine actions (in workers) ------------------------------------------------------------
    def _run_auto(self, step_id: str) -> SessionLoaded:
        def on_event(event: Any) -> None:
            data = getattr(event, "data", None) or {}
            done, total = data.get("done"), data.get("total")
            numeric = isinstance(done, int | float) and isinstance(total, int | float)
            self.post_message(
                AutoStepProgress(
                    event_text(event), done=done if numeric else None, total=total if numeric else None
                )
            )

        try:
            self.session.run_auto(step_id, on_event=on_event)
        except AxtuiError:
            # The engine recorded the failure: show the failed step (no spinner left running);
            # the app still shows the message as a toast.
            self.post_message(self._snapshot(focus=step_id))
            raise
        except Exception:
            self.post_message(self._snapshot(focus=step_id))
            raise  # a bug: the error modal opens over the failed step
        return self._snapshot(focus=step_id)

    def on_input_form_submitted(self, message: InputForm.Submitted) -> None:
        if self.busy:
            return
        step_id, values = message.step_id, message.values

        def submit() -> SessionLoaded | InputRejected:
            from axtui.core.workflow.fields import FormError

            try:
                self.session.submit_input(step_id, values)
            except FormError as exc:
                return InputRejected(step_id, exc.message, exc.where, exc.hint, exc.errors)
            except AxtuiError as exc:
                return InputRejected(step_id, exc.message, exc.where, exc.hint)
            return self._snapshot()

        if self._run(submit, f"save {step_id}"):
            self._hold_form(message.step_id)

    def _hold_form(self, step_id: str) -> None:
        """Freeze the submitted form while it is saved.

        Keys typed ahead of the next step would otherwise land in the old form's field: a value
        that looks changed on screen but was never saved. They are dropped instead; the next
        step's view focuses its own first field. A rejected or failed save unfreezes the form.
        """
        for form in self.query(InputForm):
            if form.step_id == step_id:
                self.set_focus(None)
                form.disabled = True

    def _release_forms(self) -> None:
        for form in self.query(InputForm):
            if form.disabled and not form.read_only:
                form.disabled = False

    def on_chat_view_sent(self, event: Any) -> None:
        self.call_after_refresh(self.refresh_bindings)  # "Accept" leaves the footer while it answers

    def on_chat_view_turn_complete(self, event: Any) -> None:
        self.refresh_bindings()  # "Stop" leaves the footer, "Accept" applies

    def on_chat_view_turn_failed(self, event: Any) -> None:
        self.refresh_bindings()

    def on_chat_view_turn_stopped(self, event: Any) -> None:
        self.refresh_bindings()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if self.busy:
            return
        if event.button.id == "continue":
            event.stop()
            self.action_goto_current()
        elif event.button.id == "open-report":
            self.action_report()
        elif event.button.id == "go-home":
            self.app.pop_screen()

    def on_list_view_selected(self, event: ListView.Selected) -> None:
        item = event.item
        if isinstance(item, ChecklistItem) and not self.busy:
            step = item.step
            if step.id == self.viewing:
                return  # already on screen (re-rendering would restart a prompt step's chat)
            if step.status == "pending":
                self.notify("that step has not been reached yet", severity="information")
                return
            self._run(lambda: self._snapshot(focus=step.id), f"review {step.id}")

    def action_accept(self) -> None:
        snap = self.snapshot
        step = snap.step(self.viewing) if snap else None
        if step is None or step.type != "prompt" or step.id != snap.current_id:  # type: ignore[union-attr]
            self.notify("accept applies to the current prompt step", severity="warning")
            return
        from axtui.tui.widgets.chat_view import ChatView

        chats = list(self.query(ChatView))
        if self.busy:  # a second press while the first accept runs: it is already on its way
            self.notify("still saving the previous step…", severity="information", timeout=2)
            return
        if chats and (chats[0].generating or not chats[0].last_answer):
            self.notify("wait for an answer before accepting it", severity="warning")
            return
        self._run_on_step(self.session.accept, step.id, "accept")

    def action_redo(self) -> None:
        snap = self.snapshot
        step = snap.step(self.viewing) if snap else None
        if snap is not None and snap.read_only:
            self.notify(
                "this session is complete and read-only; start a new run to change it", severity="warning"
            )
            return
        if step is None or step.status not in ("done", "failed", "skipped", "not_measured"):
            self.notify("open a completed step in the checklist to redo it", severity="warning")
            return
        from axtui.tui.screens.confirm import ConfirmScreen

        def confirmed(ok: bool | None) -> None:
            if not ok:
                return
            self._run_on_step(self.session.redo, step.id, "redo")

        self.app.push_screen(
            ConfirmScreen(
                f"Redo “{step.name}”?",
                "Its result and those of the steps after it are reset; earlier steps are kept.",
                confirm_label="Redo",
                danger=False,
            ),
            confirmed,
        )

    def action_goto_current(self) -> None:
        if self.snapshot is None or self.busy:
            return
        self._run(lambda: self._snapshot(), "current step")

    def action_report(self) -> None:
        if self.session_id:
            app_of(self).open_report(self.session_id)

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_scroll_step(self, direction: int) -> None:
        """page up / page down: scroll the step's view by half a page, wherever the focus is."""
        from textual.containers import ScrollableContainer

        views = [
            w
            for w in self.query_one("#step-view").query(ScrollableContainer)
            if w.allow_vertical_scroll and not isinstance(w, ListView)
        ]
        if views:
            view = views[0]
            view.scroll_relative(y=direction * max(1, view.size.height // 2), animate=False)

    def action_focus_checklist(self) -> None:
        """The checklist's own key: focus it on the step shown (home/end jump to the ends)."""
        checklist = self.query_one("#checklist-list", ListView)
        checklist.focus()
        if checklist.index is not None:
            checklist.scroll_to_widget(checklist.children[checklist.index], animate=False)

    # -- palette -------------------------------------------------------------------------------------
    def palette_commands(self) -> list[tuple[str, Any, str]]:
        K = self._key  # the key bound now (user keymap first), for hints
        commands: list[tuple[str, Any, str]] = []
        if self.session_id:
            commands += [
                ("export: report as Markdown", lambda: self._export("md"), "write the report to a .md file"),
                ("export: session as JSON", lambda: self._export("json"), "write the full record"),
                ("export: replay file", lambda: self._export("replay"), "a file `axtui --batch` can run"),
                ("session: open report", self.action_report, "the Markdown report viewer"),
                ("session: jump to current step", self.action_goto_current, K("session.current")),
            ]
        return commands

    def _export(self, fmt: str) -> None:
        from pathlib import Path

        suffix = {"md": "md", "json": "json", "replay": "replay.yaml"}[fmt]
        path = Path.cwd() / f"axtui-{self.session_id}.{suffix}"

        def export() -> Notice:
            path.write_text(self.session.export(fmt), encoding="utf-8")
            return Notice(f"exported to {path}", "export")

        app_of(self).run_guarded(self, export, name="export", group="export", context="export")


EVENT_WORDS = {
    "started": "running",
    "retry": "retrying",
    "done": "✓ done",
    "failed": "✗ failed",
    "skipped": "skipped",
    "completed": "✓",
}


def event_text(event: Any) -> str:
    """An engine progress event as a sentence for the status line (never a Python repr)."""
    kind = str(getattr(event, "kind", "") or "")
    message = str(getattr(event, "message", "") or "")
    data = getattr(event, "data", None) or {}
    done, total = data.get("done"), data.get("total")
    if isinstance(done, int | float) and isinstance(total, int | float) and total:
        unit = f" {data['unit']}" if data.get("unit") else ""
        return f"{message or 'computing'}: {done:,.0f} of {total:,.0f}{unit} done"
    if kind == "retry":
        return f"retrying: {message}"
    word = EVENT_WORDS.get(kind, kind)
    if kind == "started":
        return f"running {message}…"
    return f"{word}: {message}" if word and message else (message or word)


def message_focus_is_fresh(step: StepView, snap: SessionSnapshot) -> bool:
    """True when the step shown is the one that has just finished (the last one run before the
    current step; skipped branches in between do not count)."""
    ids = [s.id for s in snap.steps]
    end = ids.index(snap.current_id) if snap.current_id is not None else len(ids)
    before = [s for s in snap.steps[:end] if s.status != "skipped"]
    return bool(before) and before[-1].id == step.id


def stored_answer(session: Any, step_id: str) -> Any:
    """The step's latest complete answer as a ``TurnResult`` (None when it has none yet)."""
    from axtui.core.chat import TurnResult
    from axtui.core.offline import OFFLINE_MODEL

    answers = [m for m in session.messages(step_id) if m["role"] == "assistant" and m["complete"]]
    if not answers:
        return None
    last = answers[-1]
    model = last.get("model") or ""
    return TurnResult(
        text=last["content"] or "",
        complete=True,
        model=model,
        offline=model.startswith(OFFLINE_MODEL),
        message_id=last.get("id"),
        agent_id=last.get("agent_id"),
    )


def warm_llm() -> None:
    """Import LiteLLM (once per process); safe to call from any thread."""
    from axtui.core.llm import litellm_module

    litellm_module()


class _Persona:
    """What ChatView needs to label answers when only the persona id is known."""

    def __init__(self, agent_id: str | None) -> None:
        self.agent_id = agent_id or "assistant"
        self.display_name = self.agent_id
