"""Home: workflows to start, sessions to resume, personas, and what memory holds.

The screen is painted first, empty; then one thread worker reads the workflow
files (posting ``WorkflowsLoaded`` at once: importing the engine package pulls
in DuckDB, ~0.2 s, which is why this is not done before the first paint) and
then sessions, personas and memory counts (posting ``HomeDataLoaded``).
"""

from __future__ import annotations

from typing import Any, ClassVar, cast

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Label, ListItem, ListView, ProgressBar, Static

from axtui.tui import keymap
from axtui.tui.messages import HomeDataLoaded, HomeSummary, UserFacingError, WorkflowsLoaded
from axtui.tui.screens.home_data import cached_workflow_rows, load_home_summary, load_workflows, workflow_row
from axtui.tui.services import app_of
from axtui.tui.store_watch import StoreChanged


class SessionRowItem(ListItem):
    """A list item for one stored session: ``row`` is its row of the home summary (enter opens it)."""

    def __init__(self, row: dict[str, Any]) -> None:
        super().__init__()
        self.row = row


class SessionItem(SessionRowItem):
    """An incomplete session: workflow, progress bar, and where it stopped."""

    DEFAULT_CLASSES = "session-item"

    def compose(self) -> ComposeResult:
        row = self.row
        done, total = int(row.get("steps_done") or 0), int(row.get("steps_total") or 0)
        yield Label(f"[b]{row['workflow_id']}[/b] [dim]{row['id']}[/]", classes="session-name")
        with Horizontal(classes="session-line"):
            yield ProgressBar(
                total=max(total, 1), show_eta=False, show_percentage=False, classes="session-progress"
            )
            yield Label(f" {done}/{total} · at {row.get('current_step') or '-'}", classes="session-count")

    def on_mount(self) -> None:
        self.query_one(ProgressBar).update(progress=int(self.row.get("steps_done") or 0))


class RecentItem(SessionRowItem):
    """A recent session; enter opens it (a completed one read-only, on its summary)."""

    DEFAULT_CLASSES = "recent-item"

    def compose(self) -> ComposeResult:
        row = self.row
        done = row.get("status") in ("completed", "done")
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append("✓ " if done else "▶ ", style="green" if done else "yellow")
        text.append(f"{row['workflow_id']} ")
        text.append(f"{row['id']} {row.get('updated', '')}", style="dim")
        yield Label(text, classes="recent-line")


class HomeScreen(Screen[None]):
    """The first screen: start a workflow in two keystrokes (digit, enter) or resume one."""

    HELP_CONTEXT = "home"
    BINDINGS: ClassVar[list[BindingType]] = [
        *keymap.bindings("home.start", "home.resume", "home.chat", "home.memory", "home.refresh"),
        *[Binding(str(n), f"jump({n})", f"workflow {n}", show=False) for n in range(1, 10)],
    ]

    def __init__(self) -> None:
        super().__init__()
        self.summary = HomeSummary()
        self._painted = False
        self._first_paint_scheduled = False
        self.workflows: list[Any] = []
        self.rows: list[dict[str, str]] = []  # the table's rows: from the index first, then the files

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="home-body"):
            with Vertical(id="home-workflows"):
                yield Label("Workflows  [dim](1-9 jump · enter start)[/]", classes="section-title")
                yield DataTable(id="workflow-table", cursor_type="row", zebra_stripes=True)
                yield Static("", id="workflow-description")
            with VerticalScroll(id="home-side"):
                yield Label("Resume  [dim](r)[/]", classes="section-title")
                yield ListView(id="resume-list")
                yield Static("loading sessions…", id="resume-empty", classes="muted")
                yield Label("Recent sessions  [dim](enter opens)[/]", classes="section-title")
                yield ListView(id="recent-list")
                yield Static("loading…", id="recent-sessions", classes="muted")
                yield Label("Personas", classes="section-title")
                yield Static("loading…", id="persona-list")
                yield Label("Memory", classes="section-title", id="memory-title")
                yield Static("loading…", id="memory-summary")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#workflow-table", DataTable)
        table.add_column("#", key="n", width=2)
        table.add_column("Workflow", key="name")
        table.add_column("Time", key="duration", width=7)
        table.add_column("Level", key="complexity", width=6)
        table.focus()
        self.query_one("#workflow-description", Static).update("loading workflows…")
        if not self.rows and (cached := cached_workflow_rows()):
            self._fill(cached)  # names on the first screen; the worker re-reads the files
        # The worker starts after the first paint, so its imports never delay it.
        if not self._first_paint_scheduled:
            self._first_paint_scheduled = True
            self.call_after_refresh(self._after_first_paint)

    def _after_first_paint(self) -> None:
        if self._painted:
            return
        self._painted = True
        app_of(self).first_paint_done()
        self.refresh_data()

    def on_screen_resume(self) -> None:
        if self._painted:
            self.refresh_data()
        elif not self._first_paint_scheduled:  # first shown after a screen opened on top at start-up
            self._first_paint_scheduled = True
            self.call_after_refresh(self._after_first_paint)

    def refresh_data(self) -> None:
        """Re-read sessions, personas and memory counts in a worker."""
        axtui_app = cast("Any", self.app)
        first_time = not self.workflows

        def load() -> HomeDataLoaded:
            if first_time:
                self.post_message(WorkflowsLoaded(*load_workflows()))
            return HomeDataLoaded(load_home_summary(axtui_app))

        axtui_app.run_guarded(self, load, name="home data", group="home", exclusive=True, context="home")

    def on_workflows_loaded(self, message: WorkflowsLoaded) -> None:
        self.workflows = message.workflows
        app_of(self).workflows_cache = self.workflows
        self._fill([workflow_row(wf) for wf in self.workflows])
        if message.problem:
            self.notify(message.problem, title="workflows", severity="warning", timeout=10)

    def _fill(self, rows: list[dict[str, str]]) -> None:
        table = self.query_one("#workflow-table", DataTable)
        cursor = table.cursor_row
        self.rows = rows
        table.clear()
        for n, row in enumerate(rows, start=1):
            table.add_row(
                str(n) if n < 10 else "", row["name"], row["duration"], row["complexity"], key=row["id"]
            )
        if rows:
            table.move_cursor(row=min(max(cursor, 0), len(rows) - 1))
        self._describe(table.cursor_row)

    def action_refresh(self) -> None:
        self.refresh_data()

    def on_store_changed(self, _message: StoreChanged) -> None:
        """Another process wrote to the database (or it can be opened now): re-read it."""
        self.refresh_data()

    def on_user_facing_error(self, message: UserFacingError) -> None:
        """The data could not be read: say so where "loading…" was (the app still shows the toast)."""
        if message.context != "home" or getattr(self, "_loaded", False):
            return
        text = f"not available: {message.message} (retrying)"
        for panel in ("#resume-empty", "#recent-sessions", "#memory-summary"):
            self.query_one(panel, Static).update(text)

    # -- filling in --------------------------------------------------------------------
    def on_home_data_loaded(self, message: HomeDataLoaded) -> None:
        summary = self.summary = message.summary
        self._loaded = True
        app_of(self).sessions_cache = summary.recent
        resume = self.query_one("#resume-list", ListView)
        resume.clear()
        resume.extend(SessionItem(row) for row in summary.incomplete)
        empty = self.query_one("#resume-empty", Static)
        empty.update("no session to resume" if not summary.incomplete else "")
        empty.display = not summary.incomplete
        resume.display = bool(summary.incomplete)
        recent = self.query_one("#recent-list", ListView)
        recent.clear()
        recent.extend(RecentItem(row) for row in summary.recent[:6])
        recent.display = bool(summary.recent)
        none_yet = self.query_one("#recent-sessions", Static)
        none_yet.update("no sessions yet" if not summary.recent else "")
        none_yet.display = not summary.recent
        personas = Text(", ".join(p["id"] for p in summary.personas))
        self.query_one("#persona-list", Static).update(personas if summary.personas else "no personas found")
        memory = Table.grid(padding=(0, 1))
        memory.add_column()
        memory.add_column(justify="right")
        memory.add_column(style="dim")
        total = sum(int(ns["count"]) for ns in summary.namespaces)
        for ns in sorted(summary.namespaces, key=lambda ns: (int(ns["count"]) == 0, ns["name"])):
            memory.add_row(ns["name"], str(ns["count"]), ns.get("ttl", ""))
        entries = "1 entry" if total == 1 else f"{total} entries"
        self.query_one("#memory-title", Label).update(
            f"Memory  [dim]{entries} · (m) browse[/]" if summary.namespaces else "Memory"
        )
        self.query_one("#memory-summary", Static).update(memory if summary.namespaces else "memory is empty")

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._describe(event.cursor_row)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self._start(event.cursor_row)

    def on_list_view_selected(self, event: ListView.Selected) -> None:
        item = event.item
        if isinstance(item, SessionRowItem):
            app_of(self).resume_session(item.row["id"])

    def _describe(self, index: int) -> None:
        if not self.rows or index >= len(self.rows):
            text = "no workflows found" if not self.rows else ""
        else:
            row = self.rows[index]
            text = f"[b]{row['id']}[/b] v{row['version']} · {row['steps']} steps\n{row['description']}"
        self.query_one("#workflow-description", Static).update(text)

    def _start(self, index: int) -> None:
        if 0 <= index < len(self.rows):
            app_of(self).start_workflow(self.rows[index]["id"])

    # -- actions -------------------------------------------------------------------------
    def action_jump(self, n: int) -> None:
        table = self.query_one("#workflow-table", DataTable)
        if n <= table.row_count:
            table.focus()
            table.move_cursor(row=n - 1)

    def action_start_selected(self) -> None:
        focused = self.focused
        if isinstance(focused, ListView):
            item = focused.highlighted_child
            if isinstance(item, SessionRowItem):
                app_of(self).resume_session(item.row["id"])
            return
        self._start(self.query_one("#workflow-table", DataTable).cursor_row)

    def action_resume_selected(self) -> None:
        resume = self.query_one("#resume-list", ListView)
        if not self.summary.incomplete:
            self.notify("no session to resume", severity="information")
            return
        item = resume.highlighted_child or resume.children[0]
        if isinstance(item, SessionItem):
            app_of(self).resume_session(item.row["id"])

    def action_open_memory(self) -> None:
        app_of(self).action_open_memory()

    def action_open_chat(self) -> None:
        app_of(self).action_open_chat()
