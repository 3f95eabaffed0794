"""The modal shown when a worker fails unexpectedly: what happened, and details to copy."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, TextArea

from axtui.tui.services import app_of


class ErrorScreen(ModalScreen[None]):
    """A bug report the user can copy (OSC 52) or select; closing it returns to a working app."""

    HELP_CONTEXT = "error"
    AUTO_FOCUS = "#error-close"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape", "dismiss", "Close", tooltip="Close and go back to where you were", id="error.close"
        ),
        Binding(
            "c", "copy", "Copy details", tooltip="Copy the details to the clipboard (OSC 52)", id="error.copy"
        ),
    ]

    def __init__(self, title: str, details: str) -> None:
        super().__init__()
        self.error_title = title
        self.details = details

    def compose(self) -> ComposeResult:
        with Vertical(id="error-box"):
            yield Label("Something went wrong", id="error-heading")
            yield Label(self.error_title, id="error-title")
            yield Label(
                "Nothing was lost: completed steps are saved. Details for a bug report:", classes="muted"
            )
            yield TextArea(self.details, read_only=True, id="error-details", soft_wrap=False)
            with Horizontal(id="error-buttons"):
                yield Button("Copy details", id="error-copy", variant="primary")
                yield Button("Close", id="error-close")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "error-copy":
            self.action_copy()
        else:
            self.dismiss()

    def action_copy(self) -> None:
        app_of(self).copy_text(f"{self.error_title}\n\n{self.details}", "error details")
