"""A scrollable, syntax-highlighted view of one JSON value (a memory entry, a step output).

Rendering is Rich's JSON highlighter inside a scroll container: cheap for the sizes memory
entries have, and the text stays copyable through ``action_copy`` (OSC 52).
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

from rich.json import JSON
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import VerticalScroll
from textual.widgets import Static

from axtui.tui import keymap
from axtui.tui.widgets.clipboard import copy_text


def dump_json(value: Any) -> str:
    """Pretty JSON with non-ASCII kept readable and unknown objects shown as strings."""
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False, default=str)


class JsonView(VerticalScroll, can_focus=True):
    """Shows a JSON value; ``c`` copies it; an empty view shows a hint instead."""

    BINDINGS: ClassVar[list[BindingType]] = keymap.bindings("json.copy")

    def __init__(self, value: Any = None, *, placeholder: str = "nothing selected", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._value = value
        self._has_value = value is not None
        self._placeholder = placeholder

    def compose(self) -> ComposeResult:
        yield Static(self._renderable(), classes="json-body")

    @property
    def value(self) -> Any:
        return self._value

    @property
    def text(self) -> str:
        """The JSON as text ('' when nothing is shown)."""
        return dump_json(self._value) if self._has_value else ""

    def show(self, value: Any) -> None:
        """Replace the shown value (``None`` is shown as JSON null; use ``clear`` for nothing)."""
        self._value = value
        self._has_value = True
        self._refresh_body()

    def clear(self, placeholder: str | None = None) -> None:
        self._value = None
        self._has_value = False
        if placeholder is not None:
            self._placeholder = placeholder
        self._refresh_body()

    def _renderable(self) -> JSON | Text:
        if not self._has_value:
            return Text(self._placeholder, style="italic dim")
        return JSON(dump_json(self._value), indent=2, highlight=True)

    def _refresh_body(self) -> None:
        if self.is_mounted:
            self.query_one(".json-body", Static).update(self._renderable())
            self.scroll_home(animate=False)

    def action_copy(self) -> None:
        if not self._has_value:
            self.notify("Nothing to copy", severity="warning")
            return
        copy_text(self.app, self.text, what="JSON value")
