"""The memory browser: namespaces (counts, TTLs), keys, query-language search, JSON, history.

Every database read or write runs in a thread worker that returns a message; only the
message handlers below touch widgets. A malformed query is shown inline under the search box
(the query, a caret at the error, the parser's message) and never as a modal.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import (
    DataTable,
    Footer,
    Header,
    Input,
    Label,
    OptionList,
    Static,
    TabbedContent,
    TabPane,
)
from textual.widgets.option_list import Option

from axtui.errors import InputError
from axtui.tui import keymap
from axtui.tui.messages import UserFacingError
from axtui.tui.screens.confirm import ConfirmScreen
from axtui.tui.services import app_of
from axtui.tui.store_watch import StoreChanged
from axtui.tui.widgets.json_view import JsonView
from axtui.tui.widgets.memory_format import age_text, duration, expiry_text, query_error_text, ttl_text

ALL = "__all__"
LIST_LIMIT = 500
SEARCH_LIMIT = 100
WIDE_KEYS_TABLE = 64
SEARCH_PLACEHOLDER = 'search: words "a phrase" field:value key:prefix* field:[A TO B] AND OR NOT ( )'


# -- messages posted by workers ------------------------------------------------------------
@dataclass(eq=False)
class NamespacesLoaded(Message):
    namespaces: list[Any]


class EntriesLoaded(Message):
    """Keys to list: a namespace's entries, or search hits (``scores`` set) for ``query``.

    Not a dataclass: a field named ``namespace`` would take ``Message.namespace`` as its default."""

    def __init__(
        self,
        entries: list[Any],
        now: datetime,
        *,
        namespace: str | None,
        query: str | None = None,
        scores: list[float] | None = None,
    ) -> None:
        super().__init__()
        self.entries = entries
        self.now = now
        self.namespace = namespace
        self.query = query
        self.scores = scores


@dataclass(eq=False)
class SearchFailed(Message):
    query: str
    error: InputError


@dataclass(eq=False)
class EntryLoaded(Message):
    entry: Any
    history: list[dict[str, Any]]
    now: datetime


class EntryDeleted(Message):
    """Not a dataclass: see ``EntriesLoaded``."""

    def __init__(self, namespace: str, key: str, deleted: bool) -> None:
        super().__init__()
        self.namespace = namespace
        self.key = key
        self.deleted = deleted


def _row_key(namespace: str, key: str) -> str:
    return f"{namespace}\x1f{key}"


def _split_row_key(value: str) -> tuple[str, str]:
    namespace, _, key = value.partition("\x1f")
    return namespace, key


def expiry_cell(expires_at: datetime | None, now: datetime) -> Text:
    """The expires column: the largest unit only ("5 d"), "never" dimmed, expired in red."""
    if expires_at is None:
        return Text("never", style="dim")
    if expires_at <= now:
        return Text("expired", style="bold")
    return Text(duration(max((expires_at - now).total_seconds(), 0), units=1))


def _ttl_label(ttl: Any) -> str:
    text = ttl_text(ttl)
    return text if text == "permanent" else f"TTL {text}"


def _short_time(when: datetime | None) -> str:
    return when.strftime("%Y-%m-%d %H:%M") if isinstance(when, datetime) else str(when or "")


class MemoryScreen(Screen[None]):
    """Browse namespaces and keys, search with the query language, inspect and delete entries."""

    HELP_CONTEXT = "memory"
    BINDINGS: ClassVar[list[BindingType]] = keymap.bindings(
        "memory.search",
        "memory.delete",
        "memory.history",
        "memory.refresh",
        "memory.back",
    )

    def __init__(self, namespace: str | None = None, query: str | None = None) -> None:
        super().__init__()
        self.namespace: str | None = namespace
        self.query_text: str | None = query
        self.entries: dict[str, Any] = {}
        self.selected: tuple[str, str] | None = None
        self.namespace_infos: list[Any] = []

    # -- layout --------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="memory-search-bar"):
            yield Input(value=self.query_text or "", placeholder=SEARCH_PLACEHOLDER, id="memory-search")
            yield Static("", id="memory-search-error", markup=False)
        with Horizontal(id="memory-body"):
            with Vertical(id="memory-namespaces"):
                yield Label("Namespaces", classes="section-title")
                yield OptionList(id="namespace-list")
            with Vertical(id="memory-main"):
                yield Static("loading…", id="memory-keys-title", markup=False)
                yield DataTable(id="memory-keys", cursor_type="row", zebra_stripes=True)
                yield Static("", id="memory-entry-meta", markup=False)
                with TabbedContent(id="memory-detail"):
                    with TabPane("Value", id="memory-value-tab"):
                        yield JsonView(id="memory-json", placeholder="select a key to see its value")
                    with TabPane("History", id="memory-history-tab"):
                        yield DataTable(id="memory-history", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "Memory"
        self.query_one("#memory-search-error").display = False
        history = self.query_one("#memory-history", DataTable)
        history.add_columns("version", "op", "changed", "expires", "session/step")
        self.query_one("#memory-keys", DataTable).focus()
        self.reload()

    # -- workers -------------------------------------------------------------------------
    def _in_thread(self, fn: Callable[[], Message | None], *, name: str) -> None:
        """Run ``fn`` in a thread worker; the app posts its message back and turns failures into toasts."""
        app_of(self).run_guarded(self, fn, name=name, group=name, exclusive=True, context="memory")

    def _store(self) -> Any:
        return app_of(self).store()

    def _memory(self) -> Any:
        from axtui.core.memory import Memory

        return Memory(self._store())

    def _now(self) -> datetime:
        """The store's clock (naive UTC): the same "now" that decides what has expired."""
        return self._store().clock()

    def on_store_changed(self, _message: StoreChanged) -> None:
        """Another process wrote to the database (or it can be opened now): re-read it."""
        self.reload()

    def on_user_facing_error(self, message: UserFacingError) -> None:
        """The keys could not be read: say so instead of "loading…" (the app still shows the toast)."""
        if message.context == "memory":
            self.query_one("#memory-keys-title", Static).update(
                f"not available: {message.message} (retrying)"
            )

    def reload(self) -> None:
        """Reload the namespace list and the current key listing (or search)."""
        self._in_thread(lambda: NamespacesLoaded(self._memory().namespaces()), name="memory-namespaces")
        self._load_entries()

    def _load_entries(self) -> None:
        query, namespace = self.query_text, self.namespace

        def job() -> Message:
            memory = self._memory()
            now = self._now()
            if query:
                try:
                    hits = memory.search(query, namespace=namespace, limit=SEARCH_LIMIT)
                except InputError as exc:
                    return SearchFailed(query, exc)
                return EntriesLoaded(
                    [h.entry for h in hits],
                    now,
                    namespace=namespace,
                    query=query,
                    scores=[h.score for h in hits],
                )
            return EntriesLoaded(memory.list(namespace, limit=LIST_LIMIT), now, namespace=namespace)

        self._in_thread(job, name="memory-entries")

    def _load_entry(self, namespace: str, key: str) -> None:
        def job() -> Message | None:
            memory = self._memory()
            entry = memory.get(namespace, key)
            if entry is None:
                return EntryDeleted(namespace, key, False)
            return EntryLoaded(entry, memory.history(namespace, key), self._now())

        self._in_thread(job, name="memory-entry")

    # -- handlers ------------------------------------------------------------------------
    def on_namespaces_loaded(self, message: NamespacesLoaded) -> None:
        self.namespace_infos = message.namespaces
        options = self.query_one("#namespace-list", OptionList)
        highlighted = ALL if self.namespace is None else self.namespace
        options.clear_options()
        total = sum(int(getattr(info, "count", 0) or 0) for info in message.namespaces)
        options.add_option(Option(Text.assemble(("All namespaces", "bold"), f"\n{total} entries"), id=ALL))
        for info in message.namespaces:
            count = int(getattr(info, "count", 0) or 0)
            label = Text.assemble(
                (info.name, "bold" if count else "dim"),
                (f"\n{count} entr{'y' if count == 1 else 'ies'} · {_ttl_label(info.default_ttl)}", "dim"),
            )
            options.add_option(Option(label, id=info.name))
        try:
            options.highlighted = options.get_option_index(highlighted)
        except Exception:  # the namespace vanished (all its entries were deleted)
            options.highlighted = 0

    def on_entries_loaded(self, message: EntriesLoaded) -> None:
        if message.query != self.query_text or message.namespace != self.namespace:
            return  # a stale answer for a listing the user already left
        self._show_search_error(None)
        table = self.query_one("#memory-keys", DataTable)
        previous = self.selected
        table.clear(columns=True)
        searching = message.scores is not None
        show_namespace = searching or self.namespace is None
        # The version column only when there is room (it is also in the detail line and History).
        show_version = not (searching or show_namespace) or table.size.width >= WIDE_KEYS_TABLE
        columns = [
            *(["score"] if searching else []),
            *(["namespace"] if show_namespace else []),
            "key",
            *(["v"] if show_version else []),
            "age",
            "expires",
        ]
        self.entries = {}
        rows: list[tuple[list[Any], Any]] = []
        for index, entry in enumerate(message.entries):
            row_key = _row_key(entry.namespace, entry.key)
            self.entries[row_key] = entry
            cells: list[Any] = []
            if searching:
                cells.append(f"{message.scores[index]:.2f}")  # type: ignore[index]
            if show_namespace:
                cells.append(entry.namespace)
            cells += [
                entry.key,
                *([str(entry.version)] if show_version else []),
                age_text(entry.updated_at, message.now, short=True),
                expiry_cell(entry.expires_at, message.now),
            ]
            rows.append((cells, row_key))
        # Widths from the content itself: DataTable would otherwise measure new rows on a later
        # Idle event, and a picture (or a fast eye) could catch header-wide columns.
        for i, label in enumerate(columns):
            width = max([len(label), *(len(str(cells[i])) for cells, _ in rows)])
            table.add_column(label, width=width)
        for cells, row_key in rows:
            table.add_row(*cells, key=row_key)
        self._update_title(len(message.entries), message)
        if not message.entries:
            self._clear_detail("no entries here" if not searching else "no entry matches the query")
            return
        target = _row_key(*previous) if previous else None
        if target in self.entries:
            table.move_cursor(row=table.get_row_index(target))
        else:
            table.move_cursor(row=0)
        self._select_row(table)

    def _update_title(self, count: int, message: EntriesLoaded) -> None:
        where = message.namespace or "all namespaces"
        if message.query:
            text = f"{count} hit{'s' if count != 1 else ''} for {message.query!r} in {where}"
            if count == SEARCH_LIMIT:
                text += f" (first {SEARCH_LIMIT})"
        else:
            info = next((i for i in self.namespace_infos if i.name == message.namespace), None)
            ttl = f" · default TTL {ttl_text(info.default_ttl)}" if info is not None else ""
            text = f"{where} · {count} entr{'y' if count == 1 else 'ies'}{ttl}"
        self.query_one("#memory-keys-title", Static).update(text)

    def on_search_failed(self, message: SearchFailed) -> None:
        if message.query != self.query_text:
            return
        self._show_search_error(query_error_text(message.error, message.query))
        self.query_one("#memory-keys-title", Static).update("query error: listing unchanged")

    def on_entry_loaded(self, message: EntryLoaded) -> None:
        entry = message.entry
        if self.selected != (entry.namespace, entry.key):
            return
        self.query_one("#memory-json", JsonView).show(entry.value)
        expiry = expiry_text(entry.expires_at, message.now)
        if entry.expires_at is not None:
            expiry += f" ({_short_time(entry.expires_at)} UTC)"
        meta = (
            f"{entry.namespace} / {entry.key} · v{entry.version} · "
            f"updated {_short_time(entry.updated_at)} · {expiry}"
        )
        self.query_one("#memory-entry-meta", Static).update(meta)
        table = self.query_one("#memory-history", DataTable)
        table.clear()
        for row in reversed(message.history):
            changed = row.get("changed_at")
            changed_dt = changed if isinstance(changed, datetime) else None
            origin = "/".join(str(row[k]) for k in ("session_id", "step_id") if row.get(k))
            expires = row.get("expires_at")
            table.add_row(
                str(row.get("version", "")),
                str(row.get("op", "")),
                _short_time(changed_dt) if changed_dt else str(changed or "")[:16],
                _short_time(expires) if isinstance(expires, datetime) else str(expires or "never")[:16],
                origin or "-",
            )

    def on_entry_deleted(self, message: EntryDeleted) -> None:
        if message.deleted:
            self.notify(f"Deleted {message.namespace} / {message.key}", title="Memory", timeout=4)
        else:
            self.notify(
                f"{message.namespace} / {message.key} no longer exists (expired or deleted)",
                severity="warning",
            )
        if self.selected == (message.namespace, message.key):
            self.selected = None
        self.reload()

    @on(Input.Submitted, "#memory-search")
    def run_search(self, event: Input.Submitted) -> None:
        query = event.value.strip()
        self.query_text = query or None
        self.selected = None
        self._load_entries()
        if query:
            self.query_one("#memory-keys-title", Static).update(f"searching {query!r}…")

    @on(Input.Changed, "#memory-search")
    def clear_error_when_emptied(self, event: Input.Changed) -> None:
        if not event.value.strip():
            self._show_search_error(None)

    @on(OptionList.OptionHighlighted, "#namespace-list")
    def pick_namespace(self, event: OptionList.OptionHighlighted) -> None:
        namespace = None if event.option.id in (None, ALL) else event.option.id
        if namespace == self.namespace:
            return
        self.namespace = namespace
        self.selected = None
        self._load_entries()

    @on(OptionList.OptionSelected, "#namespace-list")
    def enter_namespace(self, event: OptionList.OptionSelected) -> None:
        self.query_one("#memory-keys", DataTable).focus()

    @on(DataTable.RowHighlighted, "#memory-keys")
    def highlight_entry(self, event: DataTable.RowHighlighted) -> None:
        self._select_row(event.data_table)

    def _select_row(self, table: DataTable[Any]) -> None:
        if table.row_count == 0:
            return
        row_key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        if row_key is None or row_key not in self.entries:
            return
        namespace, key = _split_row_key(row_key)
        if self.selected == (namespace, key):
            return
        self.selected = (namespace, key)
        self._load_entry(namespace, key)

    def _show_search_error(self, text: str | None) -> None:
        widget = self.query_one("#memory-search-error", Static)
        widget.update(text or "")
        widget.display = bool(text)
        self.query_one("#memory-search", Input).set_class(bool(text), "-invalid")

    def _clear_detail(self, placeholder: str) -> None:
        self.selected = None
        self.query_one("#memory-json", JsonView).clear(placeholder)
        self.query_one("#memory-entry-meta", Static).update("")
        self.query_one("#memory-history", DataTable).clear()

    # -- actions -------------------------------------------------------------------------
    def action_focus_search(self) -> None:
        self.query_one("#memory-search", Input).focus()

    def action_refresh(self) -> None:
        self.reload()

    def action_toggle_history(self) -> None:
        tabs = self.query_one("#memory-detail", TabbedContent)
        tabs.active = "memory-value-tab" if tabs.active == "memory-history-tab" else "memory-history-tab"

    def action_back(self) -> None:
        search = self.query_one("#memory-search", Input)
        if self.query_text or search.value:
            search.value = ""
            self.query_text = None
            self._show_search_error(None)
            self._load_entries()
            return
        if len(self.app.screen_stack) > 2:
            self.app.pop_screen()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # In the search box, letters are text, not commands.
        return not (action in ("delete", "toggle_history") and isinstance(self.focused, Input))

    def action_delete(self) -> None:
        if self.selected is None:
            self.notify("Select an entry to delete", severity="warning")
            return
        namespace, key = self.selected
        entry = self.entries.get(_row_key(namespace, key))
        version = f" (version {entry.version})" if entry is not None else ""

        def confirmed(yes: bool | None) -> None:
            if yes:
                self._in_thread(
                    lambda: EntryDeleted(namespace, key, self._memory().delete(namespace, key)),
                    name="memory-delete",
                )

        self.app.push_screen(
            ConfirmScreen(
                "Delete memory entry?",
                f"{namespace} / {key}{version}\n\nThe entry and its value are removed; "
                "its history keeps a delete record. This cannot be undone.",
            ),
            confirmed,
        )
