"""The DuckDB store: schema and migrations, transactions, and every way opening a database can fail."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest

from axtui.core.clock import FakeClock
from axtui.core.memory import Memory
from axtui.core.store import SCHEMA_VERSION, Store
from axtui.errors import StoreError

TABLES = {
    "memory_entries",
    "memory_fields",
    "memory_history",
    "sessions",
    "step_results",
    "conversations",
    "chat_messages",
    "schema_version",
}


def test_fresh_database_has_the_schema(store: Store) -> None:
    tables = {r[0] for r in store.query("SELECT table_name FROM information_schema.tables")}
    assert tables >= TABLES
    assert store.schema_version() == SCHEMA_VERSION
    indexes = {r[0] for r in store.query("SELECT index_name FROM duckdb_indexes()")}
    assert {"memory_fields_entry", "memory_fields_hash", "memory_entries_key"} <= indexes


def test_reopening_does_not_migrate_twice(db_path: Path, clock: FakeClock) -> None:
    with Store(db_path, clock=clock) as first:
        Memory(first).store("ns", "k", {"a": 1})
    with Store(db_path, clock=clock) as again:
        assert again.query("SELECT count(*) FROM schema_version")[0][0] == SCHEMA_VERSION
        assert Memory(again).retrieve("ns", "k").value == {"a": 1}


def test_database_from_a_newer_axtui_is_refused(db_path: Path) -> None:
    with Store(db_path) as store:
        store.query("INSERT INTO schema_version VALUES (?, now())", [SCHEMA_VERSION + 5])
    with pytest.raises(StoreError) as err:
        Store(db_path)
    assert "newer axtui" in err.value.message and str(db_path) == err.value.where


def test_transaction_rolls_back_on_error_and_nests(store: Store) -> None:
    with pytest.raises(ValueError), store.transaction() as con:
        con.execute(
            "INSERT INTO memory_history VALUES ('ns', 'k', 1, 'store', NULL, now(), NULL, NULL, NULL)"
        )
        with store.transaction() as inner:  # joins the outer transaction
            inner.execute(
                "INSERT INTO memory_history VALUES ('ns', 'k2', 1, 'store', NULL, now(), NULL, NULL, NULL)"
            )
        raise ValueError("boom")
    assert store.query("SELECT count(*) FROM memory_history")[0][0] == 0
    with store.transaction() as con, store.transaction() as inner:
        inner.execute(
            "INSERT INTO memory_history VALUES ('ns', 'k', 1, 'store', NULL, now(), NULL, NULL, NULL)"
        )
    assert store.query("SELECT count(*) FROM memory_history")[0][0] == 1


def test_missing_parent_folders_are_created(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "axtui.duckdb"
    with Store(path) as store:
        assert store.schema_version() == SCHEMA_VERSION
    assert path.is_file()


def test_a_file_that_is_not_duckdb_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "notes.duckdb"
    path.write_text("my precious notes\n" * 100)
    with pytest.raises(StoreError) as err:
        Store(path)
    assert "not a DuckDB database" in err.value.message
    assert path.read_text() == "my precious notes\n" * 100


def test_a_folder_as_database_path_is_refused(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="is a folder"):
        Store(tmp_path)


def test_an_uncreatable_folder_is_refused(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreError):
        Store(blocker / "sub" / "axtui.duckdb")


def read_only_dir(tmp_path: Path) -> Path:
    """A folder this process cannot write: chmod for normal users; root ignores modes, so use /sys."""
    if os.geteuid() != 0:
        folder = tmp_path / "ro"
        folder.mkdir()
        folder.chmod(0o555)
        return folder
    if not Path("/sys").is_dir():
        pytest.skip("running as root without /sys: no read-only folder to test with")
    return Path("/sys")


def test_a_read_only_folder_gives_a_clear_error(tmp_path: Path) -> None:
    folder = read_only_dir(tmp_path)
    with pytest.raises(StoreError) as err:
        Store(folder / "axtui.duckdb")
    assert (
        err.value.message == "the database cannot be written (permission denied or a read-only file system)"
    )
    assert err.value.hint == "pass --db with a writable location"


HOLDER = textwrap.dedent("""
    import sys, time, duckdb
    con = duckdb.connect(sys.argv[1])
    print("ready", flush=True)
    time.sleep(30)
""")


def hold_lock(path: Path) -> subprocess.Popen:
    """Another process with the database open (DuckDB allows one writer process)."""
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(path)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    return proc


def test_a_database_locked_by_another_process_names_it(db_path: Path) -> None:
    with Store(db_path) as store:
        Memory(store).store("ns", "k", {"kept": True})
    holder = hold_lock(db_path)
    try:
        started = time.monotonic()
        with pytest.raises(StoreError) as err:
            Store(db_path, lock_timeout=0.3)
        assert time.monotonic() - started < 10
        assert "in use" in err.value.message
        assert f"process {holder.pid}" in err.value.message
    finally:
        holder.kill()
        holder.wait()
    with Store(db_path) as store:  # nothing lost once the other process is gone
        assert Memory(store).retrieve("ns", "k").value == {"kept": True}


def test_duckdb_files_written_by_store_are_plain_duckdb(db_path: Path) -> None:
    with Store(db_path) as store:
        Memory(store).store("ns", "k", {"a": 1})
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        assert con.execute("SELECT value::VARCHAR FROM memory_entries").fetchall() == [('{"a":1}',)]
    finally:
        con.close()
