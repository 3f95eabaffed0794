"""The axtui Textual app: one shell shared by ``axtui`` and the tests.

The app keeps the first paint cheap: it imports neither DuckDB, polars,
scipy nor litellm. The store and the workflow engine are opened lazily by the
first worker that needs them (``AxtuiApp.store()`` / ``engine()`` are called
from worker threads only), and every worker reports back with a message.
"""

from __future__ import annotations

import os
import threading
import time
import traceback
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual.app import App
from textual.message import Message
from textual.message_pump import MessagePump
from textual.worker import Worker

from axtui.config import Settings
from axtui.errors import AxtuiError
from axtui.tui import keymap
from axtui.tui.messages import Notice, UserFacingError, WorkerCrashed

if TYPE_CHECKING:
    from axtui.core.store import Store

# Set by bench/startup.py: note the time of the first paint of the home screen in a file,
# and exit right after it.
FIRST_PAINT_FILE = "AXTUI_FIRST_PAINT_FILE"
EXIT_AFTER_FIRST_PAINT = "AXTUI_EXIT_AFTER_FIRST_PAINT"
DEFAULT_THEME = "textual-dark"


def _axtui_commands() -> type:
    """The palette provider, imported when the palette first opens (``textual.command`` is not light)."""
    from axtui.tui.palette import AxtuiCommands

    return AxtuiCommands


class AxtuiApp(App[int]):
    """Home, sessions, chat, memory and reports over one DuckDB store."""

    CSS_PATH = "axtui.tcss"
    TITLE = "axtui"
    COMMANDS = App.COMMANDS | {_axtui_commands}
    BINDINGS = keymap.bindings("app.help", "app.quit", "app.chat", "app.memory", "app.home")

    def __init__(
        self, settings: Settings, *, start: dict[str, Any] | None = None, store: Store | None = None
    ) -> None:
        super().__init__()
        self.settings = settings
        self.start = start
        self._store = store
        self._owns_store = store is None
        self._engine: Any = None
        self._open_lock = threading.Lock()
        self.sub_title = f"model: {settings.default_model}"
        theme = settings.config.get("theme")
        self._theme_problem: str | None = None
        if theme:
            if theme in self.available_themes:
                self.theme = theme
            else:
                self._theme_problem = (
                    f"config theme {theme!r} is not a known theme "
                    f"(known: {', '.join(sorted(self.available_themes))})"
                )
        else:
            self.theme = DEFAULT_THEME
        self.user_keys: dict[str, str] = {}  # the config file's keymap (binding id -> keys)
        self.workflows_cache: list[Any] = []
        self.sessions_cache: list[dict[str, Any]] = []
        from axtui.tui.store_watch import StoreWatcher

        self.store_watcher = StoreWatcher(self)

    # -- start-up ------------------------------------------------------------------
    def on_mount(self) -> None:
        from axtui.tui.screens.home import HomeScreen

        user_keys, problems = keymap.user_keymap(self.settings.config)
        self.user_keys = user_keys
        if user_keys:
            self.set_keymap(user_keys)
        if self._theme_problem:
            problems.append(self._theme_problem)
        for problem in problems:
            self.notify(problem, title="config", severity="warning", timeout=8)
        self.push_screen(HomeScreen())  # over Textual's default screen: screen_stack[1] is home
        from axtui.tui.store_watch import WATCH_INTERVAL_S

        self.set_interval(WATCH_INTERVAL_S, self.store_watcher.tick)
        if self.start:
            self.open_start(self.start)

    def first_paint_done(self) -> None:
        """Called by the home screen once it has been painted (used by bench/startup.py)."""
        stamp_file = os.environ.get(FIRST_PAINT_FILE)
        if stamp_file:
            with open(stamp_file, "a", encoding="utf-8") as out:
                out.write(f"{time.time()}\n")
        if os.environ.get(EXIT_AFTER_FIRST_PAINT):
            self.exit(0)

    def open_start(self, start: dict[str, Any]) -> None:
        if "session" in start:
            self.resume_session(str(start["session"]))
        elif "workflow" in start:
            self.start_workflow(str(start["workflow"]), dict(start.get("inputs") or {}))

    # -- the core, opened lazily from worker threads ---------------------------------
    def store(self) -> Store:
        """The shared store; opens the DuckDB file on first use (call from a worker thread)."""
        with self._open_lock:
            if self._store is None:
                from axtui.core.store import Store

                try:
                    self._store = Store(self.settings.db_path)
                except AxtuiError:
                    self.store_watcher.open_failed = True  # retried by the watcher
                    raise
            return self._store

    def engine(self) -> Any:
        """The workflow engine over the shared store (call from a worker thread)."""
        store = self.store()
        with self._open_lock:
            if self._engine is None:
                from axtui.core.workflow import Engine

                self._engine = Engine(store, self.settings)
            return self._engine

    def key(self, binding_id: str) -> str:
        """The key bound to ``binding_id`` now, for hints ("ctrl+s continues")."""
        return keymap.key(binding_id, self.user_keys)

    def on_unmount(self) -> None:
        if self._owns_store and self._store is not None:
            self._store.close()

    # -- workers ---------------------------------------------------------------------
    def run_guarded(
        self,
        target: MessagePump,
        fn: Callable[[], Message | None],
        *,
        name: str,
        group: str = "default",
        exclusive: bool = False,
        context: str = "",
    ) -> Worker[None]:
        """Run ``fn`` in a thread; post its message to ``target``; turn failures into messages.

        An ``AxtuiError`` becomes a toast (the user can act on it); anything else is
        a bug and opens the error modal with the traceback to copy.
        """

        def job() -> None:
            try:
                message = fn()
            except AxtuiError as exc:
                target.post_message(UserFacingError(exc.message, exc.hint, context=context))
            except Exception as exc:  # a bug: show it, never leave the app stuck
                details = "".join(traceback.format_exception(exc))
                self.post_message(WorkerCrashed(f"{name} failed: {type(exc).__name__}: {exc}", details))
            else:
                if message is not None:
                    target.post_message(message)

        return self.run_worker(
            job, name=name, group=group, exclusive=exclusive, thread=True, exit_on_error=False
        )

    def on_user_facing_error(self, message: UserFacingError) -> None:
        text = f"{message.message}\nhint: {message.hint}" if message.hint else message.message
        self.notify(text, title=message.context or "error", severity="error", timeout=10)

    def on_notice(self, message: Notice) -> None:
        self.notify(message.text, title=message.title)

    def on_worker_crashed(self, message: WorkerCrashed) -> None:
        self.show_error(message.title, message.details)

    def show_error(self, title: str, details: str) -> None:
        from axtui.tui.screens.error import ErrorScreen

        self.push_screen(ErrorScreen(title, details))

    def copy_text(self, text: str, what: str = "text") -> None:
        """Copy via OSC 52; terminals without it simply ignore the sequence, so say so."""
        try:
            self.copy_to_clipboard(text)
        except Exception as exc:  # the driver may refuse (e.g. no terminal)
            self.notify(f"could not copy {what}: {exc}; select it with the mouse instead", severity="warning")
            return
        self.notify(
            f"copied {what} to the clipboard (OSC 52; if nothing arrives, your terminal "
            "does not allow it: select with the mouse instead)",
            timeout=4,
        )

    # -- navigation ------------------------------------------------------------------
    def start_workflow(self, workflow_id: str, inputs: dict[str, Any] | None = None) -> None:
        from axtui.tui.screens.session import SessionScreen

        self.push_screen(SessionScreen(workflow_id=workflow_id, inputs=inputs or {}))

    def resume_session(self, session_id: str) -> None:
        from axtui.tui.screens.session import SessionScreen

        self.push_screen(SessionScreen(session_id=session_id))

    def open_report(self, session_id: str) -> None:
        from axtui.tui.screens.report import ReportScreen

        self.push_screen(ReportScreen(session_id))

    def action_help(self) -> None:
        from axtui.tui.screens.help import HelpScreen

        context = getattr(self.screen, "HELP_CONTEXT", None) or type(self.screen).__name__
        if isinstance(self.screen, HelpScreen):
            return
        self.push_screen(HelpScreen(context))

    def action_open_chat(self) -> None:
        from axtui.tui.screens.chat import ChatScreen

        if not isinstance(self.screen, ChatScreen):
            self.push_screen(ChatScreen())

    def action_open_memory(self) -> None:
        from axtui.tui.screens.memory import MemoryScreen

        if not isinstance(self.screen, MemoryScreen):
            self.push_screen(MemoryScreen())

    def action_go_home(self) -> None:
        from axtui.tui.screens.home import HomeScreen

        while len(self.screen_stack) > 2 and not isinstance(self.screen, HomeScreen):
            self.pop_screen()
        if isinstance(self.screen, HomeScreen):
            self.screen.refresh_data()


def create_app(
    settings: Settings, *, start: dict[str, Any] | None = None, store: Store | None = None
) -> AxtuiApp:
    """The one way to build the app, for ``axtui`` and for tests (which pass their own store)."""
    return AxtuiApp(settings, start=start, store=store)
