"""Notice other processes' writes to the database, and a store that could not be opened yet.

Every write transaction bumps a counter in the file (``Store.change_counter``). Once a second
the app compares the file's stat signature (no DuckDB open, no lock); only when it moved does a
worker read the counter, and only a commit this process did not make itself posts
``StoreChanged`` to the screen on top, which reloads what it shows (home, sessions, memory).
A store that failed to open (busy, damaged) is retried the same way, so no panel stays on
"loading…" once the file is usable again.

Three rules keep a write from slipping through (docs/ARCHITECTURE.md, "Many processes, one
file"): the first counter compared against is the one read when the store was opened
(``Store.opened_counter``), not the one the watcher happens to read first — a write landing
between the screens' first read and the watcher's first look is a change, not the baseline;
a signature whose newest mtime is under ``SETTLE_NS`` old is not remembered, since a second
commit within the file system's timestamp granularity can leave (mtime, size) unchanged; and a
counter read that fails forgets the signature, so the next tick reads again.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from textual.message import Message

if TYPE_CHECKING:
    from axtui.core.store import Store

WATCH_INTERVAL_S = 1.0
SETTLE_NS = 2_000_000_000  # mtimes younger than this may hide a second commit (coarse timestamps)


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
        self.now_ns = time.time_ns  # the file system's clock (mtimes); tests freeze it

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
        self._signature = signature if settled(signature, self.now_ns()) else None
        self._checking = True
        self.app.run_worker(lambda: self._check(store), thread=True, group="store-watch", exit_on_error=False)

    def _check(self, store: Store) -> None:
        try:
            if self.changed_by_others(store):
                self.app.call_from_thread(self._notify)
        except Exception:  # a watcher is silent (screens report real errors); read again next tick
            self._signature = None
        finally:
            self._checking = False

    def changed_by_others(self, store: Store) -> bool:
        """Read the counter; True when another process committed since the last look."""
        counter = store.change_counter()
        previous = store.opened_counter if self._seen is None else self._seen
        self._seen = counter
        return store.writes_by_others(previous, counter) > 0

    def _notify(self) -> None:
        screen = self.app.screen
        if screen is not None:
            screen.post_message(StoreChanged())


def settled(signature: tuple[int, ...], now_ns: int) -> bool:
    """True once every mtime in a ``Store.file_signature`` is ``SETTLE_NS`` in the past."""
    return max(signature[::2]) <= now_ns - SETTLE_NS
