"""Notice other processes' writes to the database, and a store that could not be opened yet.

Every write transaction bumps a counter in the file (``Store.change_counter``). Once a second
the app compares the file's stat signature (no DuckDB open, no lock); only when it moved does a
worker read the counter, and only a counter this process did not write itself posts
``StoreChanged`` to the screen on top, which reloads what it shows (home, sessions, memory).
A store that failed to open (busy, damaged) is retried the same way, so no panel stays on
"loading…" once the file is usable again.
"""

from __future__ import annotations

import contextlib
import time
from typing import TYPE_CHECKING, Any

from textual.message import Message

if TYPE_CHECKING:
    from axtui.core.store import Store

WATCH_INTERVAL_S = 1.0


class StoreChanged(Message):
    """Another process wrote to the database (or it became usable): reload what is shown."""


class StoreWatcher:
    """The app's one watcher; ``tick`` runs on the UI thread, ``_check`` in a thread worker."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.open_failed = False
        self._failures = 0
        self._retry_at = 0.0
        self._signature: tuple[int, ...] | None = None
        self._seen: int | None = None
        self._checking = False

    def tick(self) -> None:
        store: Store | None = getattr(self.app, "_store", None)
        if store is None:
            if self.open_failed:  # let the screen on top try again (it calls app.store()), backing off
                self.open_failed = False
                self._failures += 1
                self._retry_at = time.monotonic() + min(2.0**self._failures, 30.0)
            if self._retry_at and time.monotonic() >= self._retry_at:
                self._retry_at = 0.0
                self._notify()
            return
        self._failures = 0
        signature = store.file_signature()
        if signature == self._signature or self._checking:
            return
        self._signature = signature
        self._checking = True
        self.app.run_worker(lambda: self._check(store), thread=True, group="store-watch", exit_on_error=False)

    def _check(self, store: Store) -> None:
        try:
            with contextlib.suppress(Exception):  # a watcher is silent: screens report real errors
                counter = store.change_counter()
                previous, self._seen = self._seen, counter
                if previous is not None and counter != previous and counter != store.own_counter:
                    self.app.call_from_thread(self._notify)
        finally:
            self._checking = False

    def _notify(self) -> None:
        screen = self.app.screen
        if screen is not None:
            screen.post_message(StoreChanged())
