"""The report viewer: a session's Markdown report, rendered, with a table of contents and export.

The Markdown comes from the engine (``Session.report_markdown()``), read in a thread worker;
the screen only renders it and writes the export file (in a worker too).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.message import Message
from textual.widgets import Footer, Header, MarkdownViewer, Static

from axtui.present.format import markdown_literal
from axtui.tui import keymap
from axtui.tui.exports import export_path, write_export
from axtui.tui.messages import UserFacingError
from axtui.tui.screens.overlay import OverlayScreen
from axtui.tui.services import app_of
from axtui.tui.widgets.clipboard import copy_text

WIDE_ENOUGH_FOR_TOC = 110


@dataclass(eq=False)
class ReportLoaded(Message):
    markdown: str
    title: str


@dataclass(eq=False)
class ReportExported(Message):
    path: Path


class ReportScreen(OverlayScreen):
    """Shows one session's report; ``ctrl+s`` writes it to the data folder, ``c`` copies it."""

    HELP_CONTEXT = "report"
    BINDINGS: ClassVar[list[BindingType]] = keymap.bindings(
        "report.export",
        "report.copy",
        "report.toc",
        "report.back",
    )

    def __init__(self, session_id: str) -> None:
        super().__init__()
        self.session_id = session_id
        self.markdown: str | None = None
        self.failed: str | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(f"Report · session {self.session_id} · loading…", id="report-title", markup=False)
        yield MarkdownViewer("", show_table_of_contents=False, id="report-view")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "Report"
        viewer = self.query_one("#report-view", MarkdownViewer)
        viewer.show_table_of_contents = self.app.size.width >= WIDE_ENOUGH_FOR_TOC
        viewer.document.focus()
        session_id = self.session_id

        def load() -> Message:
            session = self._engine().open(session_id)
            workflow = getattr(session, "workflow", None)
            name = getattr(workflow, "name", None) or getattr(workflow, "id", None) or ""
            title = f"Report · {name} · session {session_id}" if name else f"Report · session {session_id}"
            return ReportLoaded(session.report_markdown(), title)

        self._in_thread(load, name="report-load")

    def _engine(self) -> Any:
        engine = getattr(self.app, "engine", None)
        if callable(engine):
            return engine()
        from axtui.core.workflow import Engine

        return Engine(app_of(self).store(), app_of(self).settings)

    def _in_thread(self, fn: Callable[[], Message | None], *, name: str) -> None:
        """Run ``fn`` in a thread worker; the app posts its message back and turns failures into toasts."""
        app_of(self).run_guarded(self, fn, name=name, group=name, exclusive=True, context="report")

    async def on_report_loaded(self, message: ReportLoaded) -> None:
        self.markdown = message.markdown
        self.query_one("#report-title", Static).update(message.title)
        # Shown with "<name>" kept visible (Markdown would drop it as HTML); copy/export keep the original.
        await self.query_one("#report-view", MarkdownViewer).document.update(
            markdown_literal(message.markdown)
        )

    def on_user_facing_error(self, message: UserFacingError) -> None:
        # Not stopped: it bubbles on to the app, which shows the toast.
        self.failed = message.message
        self.query_one("#report-title", Static).update(
            f"Report · session {self.session_id} · not available: {message.message}"
        )

    def on_report_exported(self, message: ReportExported) -> None:
        self.notify(f"Report written to {message.path}", title="Exported", timeout=8)

    def action_export(self) -> None:
        if self.markdown is None:
            reason = f"no report: {self.failed}" if self.failed else "The report is still loading"
            self.notify(reason, severity="warning")
            return
        text, session_id = self.markdown, self.session_id

        def export() -> Message:
            return ReportExported(write_export(export_path("report", session_id), text))

        self._in_thread(export, name="report-export")

    def action_copy(self) -> None:
        copy_text(self.app, self.markdown or "", what="report")

    def action_toggle_toc(self) -> None:
        viewer = self.query_one("#report-view", MarkdownViewer)
        viewer.show_table_of_contents = not viewer.show_table_of_contents
