"""A form for an ``input`` step: one widget per field, help under it, errors beside it.

Validation is the engine's own (``axtui.core.workflow.fields.validate_form``):
each field is checked as the user types, and the whole form again before it is
sent, so the message shown here is exactly the one ``submit_input`` would give.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Button, Input, Label, Select, Static, Switch

from axtui.core.workflow.fields import FormError, validate_form


def _default_text(field: Any) -> str:
    value = field.value if getattr(field, "value", None) is not None else field.default
    if value is None:
        return ""
    if field.type == "list" and isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if field.type == "json" and not isinstance(value, str):
        return json.dumps(value)
    return str(value)


def _kind_label(field: Any) -> str:
    parts = [field.type]
    if field.type in ("number", "integer"):
        if field.min is not None:
            parts.append(f"≥ {field.min:g}")
        if field.max is not None:
            parts.append(f"≤ {field.max:g}")
    if field.type == "list":
        parts.append("comma-separated")
    if field.type == "path" and field.must_exist:
        parts.append("must exist")
    if not field.required or field.has_default:
        parts.append("optional" if not field.has_default else "has default")
    return " · ".join(parts)


class InputForm(Widget):
    """Fields of one input step; posts ``InputForm.Submitted`` with the raw values."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "submit", "Continue", tooltip="Validate and save this step", id="form.submit")
    ]

    class Submitted(Message):
        def __init__(self, step_id: str, values: dict[str, Any]) -> None:
            super().__init__()
            self.step_id = step_id
            self.values = values

    def __init__(self, step_id: str, fields: list[Any], *, intro: str = "", read_only: bool = False) -> None:
        super().__init__()
        self.step_id = step_id
        self.fields = list(fields)
        self.intro = intro
        self.read_only = read_only

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="form-scroll"):
            if self.intro:
                yield Static(self.intro, classes="muted")
            for field in self.fields:
                with Vertical(classes="form-field", id=f"field-{field.name}"):
                    yield Label(
                        f"{field.title if hasattr(field, 'title') else field.name}  "
                        f"[dim]({_kind_label(field)})[/]",
                        classes="field-label",
                    )
                    yield self._editor(field)
                    if field.help:
                        yield Static(" ".join(str(field.help).split()), classes="field-help")
                    yield Label("", classes="field-error", id=f"error-{field.name}")
            yield Static("", id="form-error")
            if not self.read_only:
                yield Button("Continue  (ctrl+s)", id="form-submit", variant="primary")

    def _editor(self, field: Any) -> Widget:
        widget_id = f"input-{field.name}"
        if field.type == "bool":
            value = field.value if field.value is not None else field.default
            return Switch(value=bool(value), id=widget_id, disabled=self.read_only)
        if field.type == "choice" and field.choices:
            options = [(str(c), c) for c in field.choices]
            current = field.value if field.value is not None else field.default
            return Select(
                options,
                value=current if current in field.choices else Select.BLANK,
                allow_blank=current not in field.choices,
                id=widget_id,
                disabled=self.read_only,
            )
        kind = {"integer": "integer", "number": "number"}.get(field.type, "text")
        placeholder = {"list": "a, b, c", "json": '{"key": "value"}', "path": "path/to/file"}.get(
            field.type, ""
        )
        return Input(
            _default_text(field), placeholder=placeholder, type=kind, id=widget_id, disabled=self.read_only
        )

    def on_mount(self) -> None:
        if self.fields and not self.read_only:
            empty = [f for f in self.fields if f.value in (None, "") and f.default in (None, "")]
            self.query_one(f"#input-{(empty or self.fields)[0].name}").focus()

    def _focus_after(self, widget: Widget) -> None:
        editors = [self.query_one(f"#input-{f.name}") for f in self.fields]
        index = editors.index(widget) if widget in editors else -1
        if 0 <= index < len(editors) - 1:
            editors[index + 1].focus()
        elif not self.read_only:
            self.query_one("#form-submit", Button).focus()

    # -- values and validation ------------------------------------------------------------
    def values(self) -> dict[str, Any]:
        """What the user entered, as text (the engine coerces), leaving blanks to defaults."""
        out: dict[str, Any] = {}
        for field in self.fields:
            widget = self.query_one(f"#input-{field.name}")
            if isinstance(widget, Switch):
                out[field.name] = widget.value
            elif isinstance(widget, Select):
                if widget.value is not Select.BLANK:
                    out[field.name] = widget.value
            elif isinstance(widget, Input) and widget.value.strip():
                out[field.name] = widget.value
        return out

    def show_errors(self, errors: dict[str, str], general: str = "") -> None:
        for field in self.fields:
            label = self.query_one(f"#error-{field.name}", Label)
            message = errors.get(field.name, "")
            label.update(f"✗ {message}" if message else "")
            label.set_class(bool(message), "-shown")
            self.query_one(f"#input-{field.name}").set_class(bool(message), "-invalid")
        self.query_one("#form-error", Static).update(general)

    def check(self, only: str | None = None) -> dict[str, str]:
        """Per-field problems according to the engine's validation (all fields, or one)."""
        fields = [f for f in self.fields if only is None or f.name == only]
        values = {k: v for k, v in self.values().items() if only is None or k == only}
        try:
            validate_form(self.step_id, fields, values)
        except FormError as exc:
            return dict(exc.errors)
        return {}

    def on_input_changed(self, event: Input.Changed) -> None:
        name = (event.input.id or "").removeprefix("input-")
        if any(f.name == name for f in self.fields):
            problems = self.check(name)
            label = self.query_one(f"#error-{name}", Label)
            label.update(f"✗ {problems[name]}" if name in problems else "")
            label.set_class(name in problems, "-shown")
            event.input.set_class(name in problems, "-invalid")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input is self.query_one(f"#input-{self.fields[-1].name}"):
            self.action_submit()
        else:
            self._focus_after(event.input)

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.has_focus and not self.read_only:
            self._focus_after(event.select)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "form-submit":
            event.stop()
            self.action_submit()

    def action_submit(self) -> None:
        if self.read_only:
            return
        problems = self.check()
        if problems:
            self.show_errors(problems, f"{len(problems)} field(s) need attention")
            first = next(iter(problems))
            self.query_one(f"#input-{first}").focus()
            return
        self.show_errors({})
        self.post_message(self.Submitted(self.step_id, self.values()))
