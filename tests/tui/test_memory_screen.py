"""The memory browser: namespaces, keys, search with inline errors, JSON, expiry, history, delete."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from textual.widgets import DataTable, Input, OptionList, Static, TabbedContent

from axtui.core.clock import FakeClock
from axtui.core.memory import Memory
from axtui.core.store import Store
from axtui.tui.screens.confirm import ConfirmScreen
from axtui.tui.screens.memory import EntryDeleted, MemoryScreen, SearchFailed
from axtui.tui.widgets.json_view import JsonView
from axtui.tui.widgets.memory_format import (
    caret_lines,
    duration,
    error_column,
    expiry_text,
    query_error_text,
    ttl_text,
)
from tests.tui.tui_b_support import make_app, open_screen, settle

DAY = 86400


# -- pure formatting ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0 s"),
        (0.5, "0 s"),
        (30, "30 s"),
        (90, "1 min 30 s"),
        (3600, "1 h"),
        (6 * DAY, "6 d"),
        (6 * DAY - 3600, "5 d 23 h"),
        (90 * DAY + 5000, "90 d"),
        (365 * DAY, "365 d"),  # one TTL style: days are the largest unit
        (400 * DAY, "400 d"),
    ],
)
def test_duration_uses_the_largest_whole_unit(seconds: float, text: str) -> None:
    assert duration(seconds) == text


def test_ttl_and_expiry_texts() -> None:
    now = datetime(2026, 1, 1, 12)
    assert ttl_text(None) == "permanent"
    assert ttl_text(30 * DAY) == "30 d"
    assert ttl_text(timedelta(days=7)) == "7 d"
    assert expiry_text(None, now) == "never expires"
    assert expiry_text(now + timedelta(days=6), now) == "expires in 6 d"
    assert expiry_text(now - timedelta(hours=2), now) == "expired 2 h ago"


@given(st.text(alphabet="abc:() ", max_size=30), st.integers(min_value=-5, max_value=40))
def test_caret_always_lands_inside_or_just_after_the_query(query: str, column: int) -> None:
    lines = caret_lines(query, column, "bad")
    assert lines[0] == query
    caret = lines[1]
    assert caret.endswith("^ bad")
    assert set(caret[: caret.index("^")]) <= {"─"}
    assert 0 <= caret.index("^") <= len(query)


def test_query_error_text_points_at_the_parser_position() -> None:
    from axtui.core.query_parser import parse

    query = "model:churn AND (auc:[0.8 TO"
    with pytest.raises(Exception) as info:
        parse(query)
    text = query_error_text(info.value, query)
    lines = text.splitlines()
    assert lines[0] == query
    assert lines[1].index("^") == info.value.position  # type: ignore[attr-defined]
    assert lines[1].endswith("^ " + info.value.problem)  # type: ignore[attr-defined]
    assert lines[2].startswith("hint: ")
    assert error_column(info.value, query) == info.value.position + 1  # type: ignore[attr-defined]


# -- the screen ----------------------------------------------------------------------------
@pytest.fixture
def memory_store(store: Store, clock: FakeClock) -> Store:
    """Entries across namespaces; times come from the fake clock, so relative texts are fixed."""
    memory = Memory(store)
    memory.store("ml-experiments", "exp-2026-001", {"model": "churn", "auc": 0.91, "status": "done"})
    memory.store("ml-experiments", "exp-2026-002", {"model": "fraud", "auc": 0.84, "status": "running"})
    memory.store(
        "ml-model-registry",
        "churn-v3",
        {"model": "churn", "stage": "production", "metrics": {"auc": 0.91, "f1": 0.72}},
    )
    memory.store("ml-alerts", "psi-income", {"model": "churn", "feature": "income", "psi": 0.31}, ttl=6 * DAY)
    clock.advance(3600)
    memory.store("ml-model-registry", "churn-v3", {"stage": "archived"}, merge=True)
    return store


def keys_in_table(screen: MemoryScreen) -> list[str]:
    table = screen.query_one("#memory-keys", DataTable)
    columns = [str(c.label) for c in table.columns.values()]
    index = columns.index("key")
    return [str(table.get_row_at(i)[index]) for i in range(table.row_count)]


async def test_namespaces_show_counts_and_ttls(memory_store: Store) -> None:
    app = make_app(memory_store)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_screen(pilot, MemoryScreen())
        options = screen.query_one("#namespace-list", OptionList)
        labels = {
            options.get_option_at_index(i).id: str(options.get_option_at_index(i).prompt)
            for i in range(options.option_count)
        }
        assert "ml-experiments\n2 entries · TTL 90 d" in labels["ml-experiments"]
        assert "1 entry · permanent" in labels["ml-model-registry"]
        assert labels["__all__"].endswith("4 entries")
        # all namespaces are listed first, with every key
        assert sorted(keys_in_table(screen)) == ["churn-v3", "exp-2026-001", "exp-2026-002", "psi-income"]


async def test_selecting_a_namespace_lists_its_keys_and_shows_value_and_expiry(memory_store: Store) -> None:
    app = make_app(memory_store)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_screen(pilot, MemoryScreen())
        options = screen.query_one("#namespace-list", OptionList)
        options.highlighted = options.get_option_index("ml-alerts")
        await settle(pilot)
        assert keys_in_table(screen) == ["psi-income"]
        assert screen.query_one(JsonView).value == {"model": "churn", "feature": "income", "psi": 0.31}
        meta = str(screen.query_one("#memory-entry-meta", Static).content)
        # stored an hour before the clock's "now": six days minus one hour left
        assert "expires in 5 d 23 h (2026-01-07 12:00 UTC)" in meta
        assert "ml-alerts / psi-income · v1" in meta


async def test_history_shows_every_version(memory_store: Store) -> None:
    app = make_app(memory_store)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_screen(pilot, MemoryScreen(namespace="ml-model-registry"))
        assert keys_in_table(screen) == ["churn-v3"]
        assert screen.query_one(JsonView).value["stage"] == "archived"
        assert screen.query_one(JsonView).value["metrics"]["f1"] == 0.72  # merged, not replaced
        await pilot.press("h")
        assert screen.query_one(TabbedContent).active == "memory-history-tab"
        history = screen.query_one("#memory-history", DataTable)
        versions = [str(history.get_row_at(i)[0]) for i in range(history.row_count)]
        assert versions == ["2", "1"]


async def test_search_finds_entries_with_the_query_language(memory_store: Store) -> None:
    app = make_app(memory_store)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_screen(pilot, MemoryScreen())
        await pilot.press("slash")
        assert isinstance(screen.focused, Input)
        await pilot.press(*"model:churn AND NOT key:psi*", "enter")
        await settle(pilot)
        assert sorted(keys_in_table(screen)) == ["churn-v3", "exp-2026-001"]
        title = str(screen.query_one("#memory-keys-title", Static).content)
        assert title.startswith("2 hits for 'model:churn AND NOT key:psi*'")
        # a range over a numeric field
        search = screen.query_one("#memory-search", Input)
        search.value = "auc:[0.9 TO 1]"
        await pilot.press("enter")
        await settle(pilot)
        assert keys_in_table(screen) == ["exp-2026-001"]


async def test_a_malformed_query_is_shown_inline_with_a_caret(memory_store: Store) -> None:
    app = make_app(memory_store)
    failures: list[SearchFailed] = []
    async with app.run_test(
        size=(80, 24), message_hook=lambda m: isinstance(m, SearchFailed) and failures.append(m)
    ) as pilot:
        screen = await open_screen(pilot, MemoryScreen())
        before = sorted(keys_in_table(screen))
        await pilot.press("slash", *"model:churn AND (", "enter")
        await settle(pilot)
        assert len(failures) == 1
        error = screen.query_one("#memory-search-error", Static)
        assert error.display
        lines = str(error.content).splitlines()
        assert lines[0] == "model:churn AND ("
        assert lines[1] == "─" * len("model:churn AND (") + "^ the query ends where a term was expected"
        assert screen.query_one("#memory-search", Input).has_class("-invalid")
        assert sorted(keys_in_table(screen)) == before  # the listing is untouched
        assert isinstance(app.screen, MemoryScreen)  # no modal, nothing stuck
        # escape clears the search and the error
        await pilot.press("escape")
        await settle(pilot)
        assert not error.display
        assert screen.query_one("#memory-search", Input).value == ""


async def test_delete_asks_first_and_removes_the_row(memory_store: Store) -> None:
    app = make_app(memory_store)
    deleted: list[EntryDeleted] = []
    async with app.run_test(
        size=(80, 24), message_hook=lambda m: isinstance(m, EntryDeleted) and deleted.append(m)
    ) as pilot:
        screen = await open_screen(pilot, MemoryScreen(namespace="ml-experiments"))
        assert keys_in_table(screen) == ["exp-2026-001", "exp-2026-002"]  # a namespace lists by key
        target = screen.selected
        assert target is not None
        # "n" cancels: nothing is deleted
        await pilot.press("d")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await settle(pilot)
        assert Memory(memory_store).get(*target) is not None
        # "y" confirms: the row is gone from the database and from the table
        await pilot.press("d")
        await pilot.press("y")
        await settle(pilot)
        assert [(m.namespace, m.key, m.deleted) for m in deleted] == [(*target, True)]
        rows = memory_store.query(
            "SELECT count(*) FROM memory_entries WHERE namespace = ? AND key = ?", list(target)
        )
        assert rows[0][0] == 0
        assert Memory(memory_store).history(*target)[-1]["op"] == "delete"  # as the dialog promised
        assert target[1] not in keys_in_table(screen)
        assert len(keys_in_table(screen)) == 1


async def test_delete_with_nothing_selected_warns(store: Store, notices) -> None:
    app = make_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_screen(pilot, MemoryScreen())
        assert keys_in_table(screen) == []
        await pilot.press("d")
        assert isinstance(app.screen, MemoryScreen)
        assert any("Select an entry" in n.message for n in notices)


# -- pictures -------------------------------------------------------------------------------
def _snapshot_app(store: Store, search: str | None = None) -> Any:
    app = make_app(store)

    async def run_before(pilot: Any) -> None:
        await open_screen(pilot, MemoryScreen())
        if search is not None:
            await pilot.press("slash", *search, "enter")
        await settle(pilot)

    return app, run_before


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_memory_snapshot(snap_compare: Any, memory_store: Store, size: tuple[int, int]) -> None:
    app, run_before = _snapshot_app(memory_store)
    assert snap_compare(app, terminal_size=size, run_before=run_before)


def test_memory_search_error_snapshot(snap_compare: Any, memory_store: Store) -> None:
    app, run_before = _snapshot_app(memory_store, search="model:churn AND (")
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def test_memory_delete_confirm_snapshot(snap_compare: Any, memory_store: Store) -> None:
    app = make_app(memory_store)

    async def run_before(pilot: Any) -> None:
        await open_screen(pilot, MemoryScreen(namespace="ml-alerts"))
        await pilot.press("d")
        await settle(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
