"""A form for an ``input`` step: one widget per field, help under it, errors beside it.

Validation is the engine's own (``axtui.core.workflow.fields.validate_form``,
cross-field rules included): each field is checked as the user types (with the
fields it is ordered against), and the whole form again before it is sent, so the
message shown here is exactly the one ``submit_input`` and ``run --input`` give.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

from rich.markup import escape
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical, VerticalScroll
from textual.css.query import NoMatches
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Button, Input, Label, Select, Static, Switch, TextArea

from axtui.core.workflow.fields import FormError, validate_form
from axtui.core.workflow.form_rules import order_errors, ordered_pairs
from axtui.present.format import label
from axtui.tui import keymap


def _default_text(field: Any) -> str:
    value = field.value if getattr(field, "value", None) is not None else field.default
    if value is None:
        return ""
    if field.type == "list" and isinstance(value, list):
        return "\n".join(str(v) for v in value)  # one item per line: an item may hold commas
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
        parts.append("one item per line")
    if field.type == "path" and field.must_exist:
        parts.append("must exist")
    if not field.required and field.default in (None, "", []):
        parts.append("optional")
    return " · ".join(parts)


def field_label(field: Any) -> str:
    """The ``label:`` attribute, else a readable form of the id ("A/B primary metric", "MDE")."""
    return label(field.name, getattr(field, "label", None))


class InputForm(Widget):
    """Fields of one input step; posts ``InputForm.Submitted`` with the raw values."""

    BINDINGS: ClassVar[list[BindingType]] = [keymap.binding("form.submit")]

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
                        f"{escape(field_label(field))}  [dim]({escape(_kind_label(field))})[/]",
                        classes="field-label",
                    )
                    yield self._editor(field)
                    if field.help:
                        help_text = escape(" ".join(str(field.help).split()))
                        yield Static(help_text, classes="field-help")
                    yield Label("", classes="field-error", id=f"error-{field.name}")
            yield Static("", id="form-error")
            if not self.read_only:
                yield Button(f"Continue  ({self._key('form.submit')})", id="form-submit", variant="primary")

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
        if field.type == "list":
            # One item per line, so a comma inside an item stays in that item.
            area = TextArea(
                _default_text(field),
                id=widget_id,
                classes="list-editor",
                soft_wrap=True,
                show_line_numbers=False,
                tab_behavior="focus",
                read_only=self.read_only,
            )
            area.disabled = self.read_only
            return area
        placeholder = {"json": '{"key": "value"}', "path": "path/to/file"}.get(field.type, "")
        # Numbers are typed as text: a restricted Input silently drops a bad character; here the
        # engine's own check names it ("expected a number, got '1.5x'").
        return Input(_default_text(field), placeholder=placeholder, id=widget_id, disabled=self.read_only)

    def _key(self, binding_id: str) -> str:
        return keymap.key(binding_id, getattr(self.app, "user_keys", None))

    def on_mount(self) -> None:
        if self.fields and not self.read_only:
            # The first required field still empty, else the first field (after a redo the
            # form is filled in: focus its top, never a field further down).
            empty = [
                f
                for f in self.fields
                if f.required and f.value in (None, "") and f.default in (None, "") and not f.has_default
            ]
            target = (empty or self.fields)[0].name
            self.query_one(f"#input-{target}").focus(scroll_visible=False)
            self.call_after_refresh(self.reveal, target)

    def reveal(self, name: str) -> None:
        """Scroll the field (label, editor, help and error) into view once the form is laid out."""
        try:  # called after a refresh: the form may have been replaced meanwhile (a fast ctrl+s)
            box = self.query_one(f"#field-{name}")
            scroll = self.query_one("#form-scroll", VerticalScroll)
        except NoMatches:
            return
        if name == self.fields[0].name:
            scroll.scroll_home(animate=False)
        else:
            scroll.scroll_to_widget(box, animate=False, top=False)

    def on_descendant_focus(self, event: Any) -> None:
        """Whatever takes focus (tab, enter, a click, an error) is scrolled fully into view."""
        widget = event.widget
        for field in self.fields:
            if widget.id == f"input-{field.name}":
                self.call_after_refresh(self.reveal, field.name)
                return

    def focus_problem(self, errors: dict[str, str]) -> None:
        """Focus the first field the engine refused (else the first field): back to fixing it."""
        names = [f.name for f in self.fields]
        target = next((name for name in names if name in errors), names[0] if names else None)
        if target is not None and not self.read_only:
            self.query_one(f"#input-{target}").focus()

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
            elif isinstance(widget, TextArea):
                items = [line.strip() for line in widget.text.splitlines() if line.strip()]
                if items or field.required:
                    out[field.name] = items
            elif isinstance(widget, Input) and widget.value.strip():
                out[field.name] = widget.value
        return out

    def show_errors(self, errors: dict[str, str], general: str = "") -> None:
        for field in self.fields:
            self._show_field(field.name, errors.get(field.name))
        self.query_one("#form-error", Static).update(escape(general))

    def check(self, only: str | None = None) -> dict[str, str]:
        """Problems per field: the engine's validation, then the cross-field rules (threshold order)."""
        fields = [f for f in self.fields if only is None or f.name == only]
        all_values = self.values()
        values = {k: v for k, v in all_values.items() if only is None or k == only}
        problems: dict[str, str] = {}
        try:
            validate_form(self.step_id, fields, values)
        except FormError as exc:
            problems = dict(exc.errors)
        for name, message in order_errors(self.fields, all_values).items():
            if name not in problems and (only is None or name in self._related(only)):
                problems[name] = message
        return problems

    def _related(self, name: str) -> set[str]:
        """The field and those it is ordered against."""
        related = {name}
        for low, high in ordered_pairs(self.fields):
            if name in (low.name, high.name):
                related |= {low.name, high.name}
        return related

    def _show_field(self, name: str, problem: str | None) -> None:
        label_widget = self.query_one(f"#error-{name}", Label)
        label_widget.update(f"✗ {problem}" if problem else "")
        label_widget.set_class(bool(problem), "-shown")
        self.query_one(f"#input-{name}").set_class(bool(problem), "-invalid")

    def _recheck(self, name: str) -> None:
        if not any(f.name == name for f in self.fields):
            return
        for related in sorted(self._related(name)):
            problems = self.check(related)
            self._show_field(related, problems.get(related))

    def on_input_changed(self, event: Input.Changed) -> None:
        self._recheck((event.input.id or "").removeprefix("input-"))

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        self._recheck((event.text_area.id or "").removeprefix("input-"))

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
