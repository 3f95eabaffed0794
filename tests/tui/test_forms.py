"""Forms as a person expects them: one list item per line, readable labels, inline errors for a bad
number and for inverted thresholds, the focused field always on screen (also after a redo), and a
checklist with its own key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.containers import VerticalScroll
from textual.widgets import Input, Label, TextArea

from axtui.tui.screens.session import Checklist
from axtui.tui.widgets.input_form import InputForm
from tests.tui.conftest import session_screen, step_rows, viewing, wait_until

FORMS = """\
workflowId: tui-forms
name: TUI forms
description: Fields of every kind, more than fit on one screen.
version: "1.0"
steps:
  - stepId: design
    name: Design the monitoring
    type: input
    fields:
      ab_primary_metric: {type: text, default: converted}
      mde: {type: number, default: 0.02, min: 0}
      nice: {type: text, label: "A label of its own", default: "x"}
      features: {type: list, required: false, help: "One feature per line: name | source <table>"}
      psi_moderate: {type: number, default: 0.1, min: 0}
      psi_significant: {type: number, default: 0.25, min: 0}
      note_1: {type: text, default: "a"}
      note_2: {type: text, default: "b"}
      note_3: {type: text, default: "c"}
      note_4: {type: text, default: "d"}
      start_date: {type: text, default: "", required: false, help: "YYYY-MM-DD"}
  - stepId: after
    name: Look at it
    type: compute
    config:
      fn: checks
      args:
        checks:
          - {id: one, title: "PSI ordered", condition: "psi_moderate < psi_significant", pass: ok, fail: bad}
  - stepId: later
    name: Still to do (keeps the session open, so it can be redone)
    type: input
    fields:
      done: {type: bool, default: true}
"""
START = {"workflow": "tui-forms"}


@pytest.fixture(autouse=True)
def forms_workflow(demo_workflows: Path) -> None:
    (demo_workflows / "tui-forms.yaml").write_text(FORMS, encoding="utf-8")


def form(app: Any) -> InputForm:
    return app.screen.query_one(InputForm)


def error_of(app: Any, name: str) -> str:
    label = form(app).query_one(f"#error-{name}", Label)
    return str(label.render()) if label.has_class("-shown") else ""


def on_screen(app: Any, name: str) -> bool:
    """The field's editor lies inside the visible part of the form's scroll view."""
    scroll = form(app).query_one("#form-scroll", VerticalScroll)
    editor = form(app).query_one(f"#input-{name}")
    return scroll.region.contains_region(editor.region)


async def open_form(pilot: Any) -> None:
    await wait_until(pilot, lambda: viewing(pilot.app) == "design", tries=200)
    await pilot.pause()


async def test_labels_come_from_label_or_a_readable_id(make_app) -> None:
    app = make_app(start=START)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_form(pilot)
        labels = [str(w.render()) for w in form(app).query(".field-label")]
        assert labels[0].startswith("A/B primary metric")
        assert labels[1].startswith("MDE")
        assert labels[2].startswith("A label of its own")
        assert labels[4].startswith("PSI moderate")
        assert not any("has default" in text for text in labels)
        assert "optional" in labels[-1]  # the empty start date says it is optional
        helps = " ".join(str(w.render()) for w in form(app).query(".field-help"))
        assert "source <table>" in helps  # brackets kept, not swallowed as markup


async def test_list_items_one_per_line_keep_their_commas(make_app, store) -> None:
    app = make_app(start=START)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_form(pilot)
        area = form(app).query_one("#input-features", TextArea)
        area.focus()
        await pilot.press(*"plan, monthly | subscriptions", "enter", *"tenure")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: viewing(app) == "after")
        session_id = session_screen(app).session_id
    result = step_rows(store, session_id)["design"][1]["result"]
    assert result["features"] == ["plan, monthly | subscriptions", "tenure"]


async def test_a_bad_character_in_a_number_is_shown_not_dropped(make_app, store) -> None:
    app = make_app(start=START)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_form(pilot)
        box = form(app).query_one("#input-mde", Input)
        box.focus()
        box.value = ""
        await pilot.press(*"0.0x")
        await pilot.pause()
        assert box.value == "0.0x"  # every character typed is kept
        assert "expected a number" in error_of(app, "mde") and "0.0x" in error_of(app, "mde")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert viewing(app) == "design"  # nothing is saved with a bad number
        session_id = session_screen(app).session_id
    assert step_rows(store, session_id)["design"][0] != "done"


async def test_inverted_thresholds_are_refused_at_the_form(make_app, store) -> None:
    app = make_app(start=START)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_form(pilot)
        moderate = form(app).query_one("#input-psi_moderate", Input)
        moderate.focus()
        moderate.value = ""
        await pilot.press(*"0.3")
        await pilot.pause()
        message = error_of(app, "psi_significant")
        assert "must be above psi_moderate (0.3), got 0.25" in message  # the engine's own message
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert viewing(app) == "design"
        # putting the order right clears the message
        moderate.value = ""
        await pilot.press(*"0.2")
        await pilot.pause()
        assert error_of(app, "psi_significant") == ""
        session_id = session_screen(app).session_id
    assert step_rows(store, session_id)["design"][0] != "done"


async def test_the_focused_field_is_scrolled_into_view(make_app) -> None:
    app = make_app(start=START)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_form(pilot)
        assert app.focused is not None and app.focused.id == "input-ab_primary_metric"
        for _ in range(12):
            await pilot.press("tab")
            await pilot.pause()
            await pilot.pause()
            name = (app.focused.id or "").removeprefix("input-")
            if name in {f.name for f in form(app).fields}:
                assert on_screen(app, name), f"{name} is focused but off screen"
        assert on_screen(app, "start_date") or app.focused.id == "form-submit"


async def test_redo_focuses_the_first_field_on_screen(make_app) -> None:
    app = make_app(start=START)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_form(pilot)
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: viewing(app) == "after")
        await pilot.press("ctrl+l")
        checklist = app.screen.query_one(Checklist)
        assert checklist.has_focus
        await pilot.press("home")
        assert checklist.index == 0
        await pilot.press("end")
        assert checklist.index == len(checklist.children) - 1
        await pilot.press("home", "enter")  # the first step: the form
        await wait_until(pilot, lambda: viewing(app) == "design" and form(app).read_only)
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "ConfirmScreen")
        await pilot.press("y")
        await wait_until(pilot, lambda: viewing(app) == "design" and not form(app).read_only)
        await pilot.pause()
        await pilot.pause()
        assert app.focused is not None and app.focused.id == "input-ab_primary_metric"
        assert on_screen(app, "ab_primary_metric")
        await pilot.press(*"x")
        assert form(app).query_one("#input-ab_primary_metric", Input).value.endswith("x")
