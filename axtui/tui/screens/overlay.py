"""A screen opened over another one (chat, report): its ``back`` action, written once."""

from __future__ import annotations

from textual.screen import Screen


class OverlayScreen(Screen[None]):
    """``back`` pops the screen; it is offered (key and footer) only when the screen was pushed over
    another one, not when the app started on it (then there is nothing to go back to)."""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "back":
            return len(self.app.screen_stack) > 2
        return True

    def action_back(self) -> None:
        self.app.pop_screen()
