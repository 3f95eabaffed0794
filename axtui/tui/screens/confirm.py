"""A yes/no modal for actions that cannot be undone (deleting a memory entry, discarding work).

The screen is dismissed with ``True`` (confirmed) or ``False`` (cancelled), so callers use
``self.app.push_screen(ConfirmScreen(...), callback)`` or ``await push_screen_wait`` in a worker.
Cancel is the focused button, so a stray Enter never destroys anything.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from axtui.tui import keymap


class ConfirmScreen(ModalScreen[bool]):
    """Ask one question; ``y`` confirms, ``n``/``escape`` cancels; the mouse works on both buttons."""

    BINDINGS: ClassVar[list[BindingType]] = keymap.bindings("confirm.yes", "confirm.no")

    def __init__(
        self,
        title: str,
        message: str,
        *,
        confirm_label: str = "Delete",
        cancel_label: str = "Cancel",
        danger: bool = True,
    ) -> None:
        super().__init__(classes="confirm-screen")
        self.title_text = title
        self.message = message
        self.confirm_label = confirm_label
        self.cancel_label = cancel_label
        self.danger = danger

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-dialog"):
            yield Static(self.title_text, id="confirm-title", markup=False)
            yield Static(self.message, id="confirm-message", markup=False)
            with Horizontal(id="confirm-buttons"):
                yield Button(
                    f"{self.confirm_label} (y)",
                    id="confirm-yes",
                    variant="error" if self.danger else "primary",
                )
                yield Button(f"{self.cancel_label} (n)", id="confirm-no", variant="default")

    def on_mount(self) -> None:
        self.query_one("#confirm-no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "confirm-yes")

    def action_confirm(self) -> None:
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)
