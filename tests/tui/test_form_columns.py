"""The session form checks a data file's columns at once: inline error listing what the file has."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
from textual.app import App, ComposeResult
from textual.widgets import Input

from axtui.core.workflow.model import Field
from axtui.tui.widgets.input_form import InputForm
from tests.tui.conftest import wait_until

EVENTS = Path(__file__).resolve().parent.parent.parent / "examples" / "data" / "ab_events.csv"


class FormApp(App[None]):
    def __init__(self, fields: list[Field]) -> None:
        super().__init__()
        self.fields = fields
        self.submitted: list[dict[str, Any]] = []

    def compose(self) -> ComposeResult:
        yield InputForm("inputs", self.fields)

    def on_input_form_submitted(self, message: InputForm.Submitted) -> None:
        self.submitted.append(message.values)


def _fields() -> list[Field]:
    return [
        Field(name="events_path", type="path", must_exist=True, columns=["{{variant_col}}", "converted"]),
        Field(name="variant_col", type="text", default="variant", has_default=True),
    ]


def _error(app: App[None], name: str) -> str:
    return str(app.query_one(InputForm).query_one(f"#error-{name}").render())


async def test_missing_column_folder_and_missing_file_are_shown_inline(tmp_path: Path) -> None:
    no_variant = tmp_path / "events.csv"
    pl.read_csv(EVENTS).rename({"variant": "arm"}).write_csv(no_variant)
    app = FormApp(_fields())
    async with app.run_test(size=(100, 30)) as pilot:
        form = app.query_one(InputForm)
        path_input = form.query_one("#input-events_path", Input)

        path_input.value = str(tmp_path)  # a folder: refused as you type
        await wait_until(pilot, lambda: "is a folder" in _error(app, "events_path"))
        path_input.value = str(tmp_path / "nope.csv")
        await wait_until(pilot, lambda: "file not found" in _error(app, "events_path"))

        path_input.value = str(no_variant)
        form.action_submit()  # the whole form: {{variant_col}} resolves to the other field
        await wait_until(pilot, lambda: "has no column 'variant'" in _error(app, "events_path"))
        assert "(the file has: user_id, arm, converted, revenue, latency_ms)" in _error(app, "events_path")
        assert app.submitted == []

        form.query_one("#input-variant_col", Input).value = "arm"
        form.action_submit()
        await wait_until(pilot, lambda: bool(app.submitted))
        assert _error(app, "events_path") == ""
