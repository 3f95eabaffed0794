"""Noticing other processes' writes: the change counter and the watcher's rules, without a TUI.

The race behind the home screen missing a write (tests/tui/test_store_refresh.py): the watcher
took the first counter it read as its baseline. Its first look comes on the first 1 s tick after
the store opened; a write landing before that became the baseline and was never reported.
Reproduced in 1 of 3 runs of the home test (the write started 1.45 s after start, the first look
came after it). These tests pin that race and the watcher's other two rules with real writer
processes and a stand-in app that runs workers on the spot.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

from axtui.core import file_lock
from axtui.core.memory import Memory
from axtui.core.store import Store
from axtui.tui.store_watch import SETTLE_NS, StoreChanged, StoreWatcher, settled

REPO = Path(__file__).resolve().parent.parent
WRITER = textwrap.dedent("""
    import sys
    from axtui.core.memory import Memory
    from axtui.core.store import Store
    memory = Memory(Store(sys.argv[1]))
    for key in sys.argv[2:]:
        memory.store("ml-experiments", key, {"by": "another process"})
""")


def write_from_another_process(db: Path, *keys: str) -> None:
    subprocess.run([sys.executable, "-c", WRITER, str(db), *keys], cwd=REPO, check=True, timeout=120)


class Screen:
    def __init__(self) -> None:
        self.posted: list[Any] = []

    def post_message(self, message: Any) -> None:
        self.posted.append(message)


class InlineApp:
    """What the watcher needs of the app: its store, workers (run here at once), the top screen."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self.screen = Screen()

    def run_worker(self, fn: Any, **_options: Any) -> None:
        fn()

    def call_from_thread(self, fn: Any) -> None:
        fn()

    def reloads(self) -> int:
        return sum(isinstance(m, StoreChanged) for m in self.screen.posted)


def test_a_write_before_the_watchers_first_look_is_reported(db_path: Path) -> None:
    """The race: the baseline is the counter at opening, not the first one the watcher reads."""
    store = Store(db_path)
    app = InlineApp(store)
    watcher = StoreWatcher(app)
    write_from_another_process(db_path, "early")  # before the watcher's first tick
    watcher.tick()
    assert app.reloads() == 1
    watcher.tick()  # same signature, nothing new: no second reload
    assert app.reloads() == 1


def test_the_first_look_without_a_write_reports_nothing(db_path: Path) -> None:
    store = Store(db_path)
    Memory(store).store("ml-experiments", "ours", {"by": "this process"})
    app = InlineApp(store)
    watcher = StoreWatcher(app)
    watcher.tick()
    assert app.reloads() == 0


def test_another_processs_write_followed_by_ours_is_still_reported(db_path: Path) -> None:
    """Before: the counter equalled this process's last write, so the other write was skipped."""
    store = Store(db_path)
    app = InlineApp(store)
    watcher = StoreWatcher(app)
    watcher.tick()
    write_from_another_process(db_path, "theirs")
    Memory(store).store("ml-experiments", "ours", {"by": "this process"})
    watcher.tick()
    assert app.reloads() == 1
    Memory(store).store("ml-experiments", "ours-again", {"by": "this process"})
    watcher.tick()
    assert app.reloads() == 1  # our own writes alone never reload


def test_a_failed_counter_read_is_retried_on_the_next_tick(db_path: Path, monkeypatch: Any) -> None:
    """Before: the signature was remembered although the read failed, so the write was lost."""
    store = Store(db_path)
    app = InlineApp(store)
    watcher = StoreWatcher(app)
    watcher.tick()
    write_from_another_process(db_path, "theirs")
    real = store.change_counter
    monkeypatch.setattr(store, "change_counter", lambda: (_ for _ in ()).throw(RuntimeError("busy")))
    watcher.tick()
    assert app.reloads() == 0
    monkeypatch.setattr(store, "change_counter", real)
    watcher.tick()  # the file is unchanged since the failed tick
    assert app.reloads() == 1


def test_a_second_commit_hidden_by_coarse_timestamps_is_noticed(db_path: Path, monkeypatch: Any) -> None:
    """Two commits within one timestamp tick can leave (mtime, size) as they were: a recent
    signature is not remembered, so the next tick reads the counter again."""
    store = Store(db_path)
    app = InlineApp(store)
    watcher = StoreWatcher(app)
    watcher.tick()
    frozen = (time.time_ns(), 12_288, 0, 0)
    monkeypatch.setattr(store, "file_signature", lambda: frozen)
    watcher.now_ns = lambda: frozen[0] + 1  # both commits fall within one timestamp tick
    write_from_another_process(db_path, "first")
    watcher.tick()
    assert app.reloads() == 1
    write_from_another_process(db_path, "second")  # the stat signature does not move
    watcher.tick()
    assert app.reloads() == 2


def test_settled_means_every_mtime_is_old_enough() -> None:
    now = 10 * SETTLE_NS
    assert settled((now - SETTLE_NS, 1, 0, 0), now)
    assert not settled((now - SETTLE_NS, 1, now - 1, 5), now)
    assert not settled((now, 1, 0, 0), now)


def test_writes_by_others_counts_commits_that_were_not_ours(db_path: Path) -> None:
    store = Store(db_path)
    assert store.opened_counter == store.change_counter() == 0
    memory = Memory(store)
    memory.store("ml-experiments", "a", {"n": 1})  # counter 1, ours
    write_from_another_process(db_path, "b", "c")  # 2, 3
    memory.store("ml-experiments", "d", {"n": 4})  # 4, ours
    assert store.change_counter() == 4
    assert store.writes_by_others(0, 4) == 2
    assert store.writes_by_others(3, 4) == 0
    assert store.writes_by_others(1, 3) == 2
    assert store.writes_by_others(4, 2) == 1  # the counter went back: the file was replaced
    assert Store(db_path).opened_counter == 4


def test_a_rolled_back_write_is_not_counted_as_ours(db_path: Path) -> None:
    """The counter of a rolled-back commit is reused by the next writer, who may be another process."""
    store = Store(db_path)
    with pytest.raises(RuntimeError), store.transaction() as con:
        con.execute("INSERT INTO store_changes VALUES (99)")
        raise RuntimeError("abandoned")
    write_from_another_process(db_path, "theirs")  # takes counter 1
    assert store.change_counter() == 1
    assert store.writes_by_others(0, 1) == 1


def test_forgotten_own_writes_count_as_others(db_path: Path, monkeypatch: Any) -> None:
    """Past the bounded list of own counters the watcher errs towards a needless reload."""
    monkeypatch.setattr(file_lock, "OWN_COUNTERS_KEPT", 2)
    monkeypatch.setattr(file_lock, "_GATES", {})
    store = Store(db_path)
    memory = Memory(store)
    for n in range(4):
        memory.store("ml-experiments", f"k{n}", {"n": n})
    assert store.writes_by_others(0, 4) == 2
    assert store.writes_by_others(2, 4) == 0


def test_a_settled_unchanged_file_is_not_read_again(db_path: Path, monkeypatch: Any) -> None:
    """The cheap path: an old, unchanged signature costs a stat per tick and no DuckDB open."""
    store = Store(db_path)
    watcher = StoreWatcher(InlineApp(store))
    frozen = (time.time_ns() - 10 * SETTLE_NS, 12_288, 0, 0)
    monkeypatch.setattr(store, "file_signature", lambda: frozen)
    reads: list[int] = []
    real = store.change_counter
    monkeypatch.setattr(store, "change_counter", lambda: reads.append(1) or real())
    for _ in range(3):
        watcher.tick()
    assert len(reads) == 1
