"""The one DuckDB file that holds everything, and the schema it must have.

A ``Store`` keeps no connection open between units of work: each
``transaction()`` (a write) or ``connection()`` (a read) takes the inter-process
lock (``axtui.core.file_lock``), opens DuckDB, does its work and closes it, so the
TUI, CLI commands, headless runs and ``--batch`` can share one file (see
docs/ARCHITECTURE.md, "Many processes, one file"). The exception is ``lease()``
(``axtui.core.store_lease``): a headless run keeps its connection between units
while no other process waits for the file. Forward migrations run on open;
a database written by a newer axtui, a damaged or foreign file, a full disk each
become one ``StoreError`` naming the file and what to do.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

try:
    # The engine itself. The ``duckdb`` package around it adds the relation and expression API,
    # which nothing here uses, and costs ≈ 0.14 s of CPU to import (as much as ``axtui --version``
    # in all, bench/batch.md); the exceptions and the connection class are the engine's either way.
    # ``full_duckdb()`` loads the package where its Python layer is needed (Arrow scans).
    import _duckdb as duckdb
except ImportError:  # a duckdb without the separate extension module
    import duckdb

from axtui.core import store_lease
from axtui.core.clock import Clock, utc_now
from axtui.core.file_lock import Gate, gate_for, wait_seconds
from axtui.core.store_errors import explain, is_lock_error
from axtui.errors import StoreError

# DuckDB fetches the rows an ART index finds one by one, about 20 us a row and column at a
# million entries, while a scan of memory_fields costs ~10 ms whatever it finds: past a few
# hundred rows the scan wins. DuckDB's default (2048 rows or 0.1% of the table, ~9,400 rows
# of memory_fields) sent a 7,500-row ``fv_hash = ?`` through the index at 150 ms; capped here,
# a rare value still takes the index and everything else scans (bench/memory_search.md).
INDEX_SCAN_MAX_ROWS = 200
_SESSION_SETTINGS = f"SET index_scan_max_count = {INDEX_SCAN_MAX_ROWS}; SET index_scan_percentage = 0"
# A leased connection (a headless run, ``--batch``) carries a stream of one-row statements and
# commits. DuckDB hands each statement to its worker threads; for statements this small the
# hand-over costs more than the second core gives, and on a busy machine a statement waits for a
# worker's turn (wall time 1.5-3x its CPU time). One thread: wall time follows CPU (bench/batch.md).
_LEASED_SETTINGS = "SET threads = 1"

# Each migration brings the schema from version i to i + 1. Append only: a
# released migration is never edited, so every database can walk forward.
MIGRATIONS: list[str] = [
    """
    CREATE SEQUENCE memory_entry_ids START 1;
    -- One row per live key. ``id`` is new on every write, so the field rows of an
    -- older version can never be mistaken for the current one. ``search_text`` is
    -- the key plus every scalar of the value, lower-cased: what bare words match.
    CREATE TABLE memory_entries (
        namespace   VARCHAR NOT NULL,
        key         VARCHAR NOT NULL,
        value       JSON NOT NULL,
        created_at  TIMESTAMP NOT NULL,
        updated_at  TIMESTAMP NOT NULL,
        expires_at  TIMESTAMP,
        version     INTEGER NOT NULL,
        id          BIGINT NOT NULL,
        search_text VARCHAR NOT NULL,
        PRIMARY KEY (namespace, key)
    );
    CREATE INDEX memory_entries_key ON memory_entries (key);
    -- Scalar fields of each entry (dotted paths into nested objects, array elements
    -- one row each), for ``field:value`` and ranges. ``fv_hash`` is md5 of (field,
    -- normalised text), an integer DuckDB scans fast; ``updated_at``/``expires_at`` are
    -- copied from the entry so a one-term search ranks and limits here.
    CREATE TABLE memory_fields (
        entry_id    BIGINT NOT NULL,
        namespace   VARCHAR NOT NULL,
        key         VARCHAR NOT NULL,
        field       VARCHAR NOT NULL,
        text_value  VARCHAR,
        num_value   DOUBLE,
        ts_value    TIMESTAMP,
        fv_hash     UBIGINT NOT NULL,
        updated_at  TIMESTAMP NOT NULL,
        expires_at  TIMESTAMP
    );
    CREATE INDEX memory_fields_entry ON memory_fields (entry_id);
    CREATE INDEX memory_fields_hash ON memory_fields (fv_hash);
    CREATE TABLE memory_history (
        namespace   VARCHAR NOT NULL,
        key         VARCHAR NOT NULL,
        version     INTEGER NOT NULL,
        op          VARCHAR NOT NULL,
        value       JSON,
        changed_at  TIMESTAMP NOT NULL,
        expires_at  TIMESTAMP,
        session_id  VARCHAR,
        step_id     VARCHAR
    );
    CREATE TABLE sessions (
        id               VARCHAR PRIMARY KEY,
        workflow_id      VARCHAR NOT NULL,
        workflow_version VARCHAR NOT NULL,
        title            VARCHAR,
        status           VARCHAR NOT NULL,
        inputs           JSON NOT NULL,
        variables        JSON NOT NULL,
        answers          JSON NOT NULL,
        model            VARCHAR,
        steps_total      INTEGER NOT NULL,
        steps_done       INTEGER NOT NULL,
        current_step     VARCHAR,
        report_path      VARCHAR,
        report           VARCHAR,
        decisions        JSON,
        recorded         JSON,
        workflow_source  VARCHAR,
        error            VARCHAR,
        created_at       TIMESTAMP NOT NULL,
        updated_at       TIMESTAMP NOT NULL
    );
    CREATE TABLE step_results (
        session_id   VARCHAR NOT NULL,
        step_id      VARCHAR NOT NULL,
        seq          INTEGER NOT NULL,
        parent_step  VARCHAR,
        step_type    VARCHAR NOT NULL,
        status       VARCHAR NOT NULL,
        attempts     INTEGER NOT NULL DEFAULT 0,
        inputs       JSON,
        outputs      JSON,
        error        VARCHAR,
        branch       VARCHAR,
        conversation_id VARCHAR,
        started_at   TIMESTAMP,
        finished_at  TIMESTAMP,
        PRIMARY KEY (session_id, step_id)
    );
    CREATE TABLE conversations (
        id          VARCHAR PRIMARY KEY,
        title       VARCHAR,
        agent_id    VARCHAR,
        session_id  VARCHAR,
        step_id     VARCHAR,
        model       VARCHAR,
        created_at  TIMESTAMP NOT NULL,
        updated_at  TIMESTAMP NOT NULL
    );
    CREATE SEQUENCE chat_message_ids START 1;
    CREATE TABLE chat_messages (
        id                BIGINT PRIMARY KEY DEFAULT nextval('chat_message_ids'),
        conversation_id   VARCHAR NOT NULL,
        role              VARCHAR NOT NULL,
        agent_id          VARCHAR,
        content           VARCHAR NOT NULL,
        model             VARCHAR,
        complete          BOOLEAN NOT NULL DEFAULT TRUE,
        error             VARCHAR,
        delegated_from    VARCHAR,
        prompt_tokens     INTEGER NOT NULL DEFAULT 0,
        completion_tokens INTEGER NOT NULL DEFAULT 0,
        cost_usd          DOUBLE NOT NULL DEFAULT 0,
        created_at        TIMESTAMP NOT NULL
    );
    """,
    # 2: a change counter, bumped by every write transaction, so another process (the TUI)
    # can notice writes cheaply (docs/ARCHITECTURE.md, "Many processes, one file").
    """
    CREATE TABLE store_changes (counter BIGINT NOT NULL);
    INSERT INTO store_changes VALUES (0);
    """,
]

SCHEMA_VERSION = len(MIGRATIONS)
_READ_VERBS = ("select", "with", "pragma", "describe", "show", "explain", "from")


def full_duckdb() -> Any:
    """The ``duckdb`` package, for the few callers that need its Python layer: scanning a
    registered Arrow table goes through the package's ``duckdb._sources``, which must be
    loaded before the query runs, never during it."""
    import duckdb as package

    return package


def _counter_of(con: duckdb.DuckDBPyConnection) -> int:
    return int(con.execute("SELECT counter FROM store_changes").fetchone()[0])


class Store:
    """axtui's DuckDB file, opened per unit of work (or leased); safe to share between threads and processes.

    ``lock_timeout`` is the bounded wait for a busy file (default ``AXTUI_DB_WAIT`` or 30 s).
    ``lease=True`` holds a lease (``lease()``) from opening to ``close()``, so that even the
    migration check shares the run's one connection: for ``--batch`` only.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        clock: Clock = utc_now,
        lock_timeout: float | None = None,
        lease: bool = False,
    ) -> None:
        self.path = Path(path) if str(path) != ":memory:" else Path(":memory:")
        self.clock = clock
        self.wait_s = wait_seconds(lock_timeout)
        self._in_memory = str(self.path) == ":memory:"
        if self._in_memory:
            # nothing to share: one private connection for the object's life
            self._gate = Gate(self.path, fd_tried=True)  # no lock file for a private database
            self._memory_con: duckdb.DuckDBPyConnection | None = duckdb.connect(":memory:")
            self._memory_con.execute(_SESSION_SETTINGS)
        else:
            self._check_path()
            self._gate = gate_for(self.path)
            self._memory_con = None
        self._counter_ready = False
        self._lease_scope = contextlib.ExitStack()
        if lease:
            self._lease_scope.enter_context(self.lease())
        try:
            self.opened_counter = self._migrate()
        except BaseException:
            self.close()
            raise
        self._counter_ready = True

    # -- opening ---------------------------------------------------------------
    def _check_path(self) -> None:
        parent = self.path.parent
        if not parent.exists():
            try:
                parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(
                    f"cannot create the folder for the database: {exc.strerror}",
                    where=str(self.path),
                    hint="pass --db with a writable location",
                ) from exc
        if self.path.is_dir():
            raise StoreError(
                "the database path is a folder",
                where=str(self.path),
                hint="pass --db with a file name, e.g. --db ./axtui.duckdb",
            )

    def _connect(self, write: bool, deadline: float) -> duckdb.DuckDBPyConnection:
        """Open DuckDB; a lock held by a process outside our protocol is retried until ``deadline``."""
        if self._memory_con is not None:
            return self._memory_con
        started = time.monotonic()
        while True:
            try:
                con = duckdb.connect(str(self.path), read_only=not write)
                con.execute(_SESSION_SETTINGS)
                if self._gate.leases > 0:
                    con.execute(_LEASED_SETTINGS)
                return con
            except duckdb.Error as exc:
                text = str(exc)
                if is_lock_error(text) and time.monotonic() < deadline:
                    time.sleep(0.02)
                    continue
                if is_lock_error(text):
                    raise explain(text, self.path, waited=time.monotonic() - started) from exc
                raise explain(text, self.path) from exc

    def _migrate(self) -> int:
        """Bring the schema forward; a read first, so an up-to-date file is never opened for writing.

        Returns the change counter as of opening: the baseline against which a watcher tells
        later writes apart (anything read through this store was read at or after it)."""
        if not self._in_memory and self.path.is_file() and self.path.stat().st_size > 0:
            with self.connection() as con:
                current = self._version_of(con)
                if current == SCHEMA_VERSION:
                    return _counter_of(con)
        with self.transaction() as con:
            current = self._version_of(con)
            con.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER, applied_at TIMESTAMP)")
            for version in range(current, SCHEMA_VERSION):
                con.execute(MIGRATIONS[version])
                con.execute("INSERT INTO schema_version VALUES (?, ?)", [version + 1, self.clock()])
            return _counter_of(con)

    def _version_of(self, con: duckdb.DuckDBPyConnection) -> int:
        """The schema version of an open database; refuses a newer or a foreign one."""
        tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        if "schema_version" not in tables:
            if tables:
                raise StoreError(
                    "this DuckDB file belongs to another program (it has tables but no axtui schema)",
                    where=str(self.path),
                    hint="it was left untouched; point --db at an axtui database or at a new file name",
                )
            return 0
        current = con.execute("SELECT max(version) FROM schema_version").fetchone()[0] or 0
        if current > SCHEMA_VERSION:
            raise StoreError(
                f"the database was written by a newer axtui (schema {current}, this one knows "
                f"up to {SCHEMA_VERSION})",
                where=str(self.path),
                hint="it was left untouched; upgrade axtui (pip install -U axtui) or use another --db",
            )
        return int(current)

    # -- units of work -----------------------------------------------------------
    @contextmanager
    def _unit(self, write: bool) -> Iterator[duckdb.DuckDBPyConnection]:
        """Lock, open, yield, (commit,) close, unlock. Nested units on one thread join the open one."""
        gate = self._gate
        with gate.lock:
            if gate.con is not None:
                if write and gate.mode == "r":
                    raise RuntimeError("a write transaction cannot start inside a read-only connection()")
                gate.depth += 1
                try:
                    yield gate.con
                finally:
                    gate.depth -= 1
                return
            yield from self._fresh_unit(gate, write)

    def _fresh_unit(self, gate: Gate, write: bool) -> Iterator[duckdb.DuckDBPyConnection]:
        """An outermost unit of work (caller holds ``gate.lock``): the leased connection if one is
        kept (``core/store_lease.py``), else lock and open; afterwards keep it or close and unlock.

        Under a lease every unit opens read-write with the exclusive lock, so the connection it
        leaves can serve the next unit whatever it is."""
        held = store_lease.take(gate)
        exclusive = True
        if held is not None:
            con, opened = held.con, held.opened
        else:
            exclusive = write or gate.leases > 0
            deadline = time.monotonic() + self.wait_s
            gate.last_wait_s = gate.acquire(exclusive, deadline)
            try:
                con = self._connect(exclusive, deadline)
            except BaseException:
                gate.release()
                raise
            opened = time.monotonic()
            gate.counted = False
        kept = False
        try:
            gate.con, gate.mode, gate.depth = con, ("w" if write else "r"), 1
            try:
                with self._translated():
                    yield from self._run(con, write)
            finally:
                gate.con, gate.mode, gate.depth = None, None, 0
            kept = exclusive and con is not self._memory_con and store_lease.keep(gate, con, opened)
        finally:
            if not kept:
                if con is not self._memory_con:
                    with contextlib.suppress(duckdb.Error):
                        con.close()
                gate.release()

    def _run(self, con: duckdb.DuckDBPyConnection, write: bool) -> Iterator[duckdb.DuckDBPyConnection]:
        """Yield ``con``; a write runs in a transaction that also bumps the change counter.

        Under a lease only the first write of each hold of the file bumps it: no other process can
        read between the writes of one hold (it must take the file, which ends the hold), so the
        counter it reads next can only have moved by the first write of a later hold. One
        ``UPDATE`` saved per step of a headless run (docs/ARCHITECTURE.md, "Many processes, one file")."""
        if not write:
            yield con
            return
        con.execute("BEGIN TRANSACTION")
        counter: int | None = None
        try:
            yield con
            if self._counter_ready and not (self._gate.leases > 0 and self._gate.counted):
                row = con.execute(
                    "UPDATE store_changes SET counter = counter + 1 RETURNING counter"
                ).fetchone()
                counter = int(row[0]) if row else None
            con.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(duckdb.Error):
                con.execute("ROLLBACK")
            raise
        if counter is not None:  # only once committed: a rolled-back number is reused by the next writer
            self._gate.own_counters.append(counter)
            self._gate.counted = True

    @contextmanager
    def _translated(self) -> Iterator[None]:
        """Damage, a full disk or a lost file found mid-statement become a StoreError naming the file."""
        try:
            yield
        except duckdb.Error as exc:
            err = explain(str(exc), self.path, strict=True)
            if err is None:
                raise
            raise err from exc

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """Run a block atomically under the exclusive lock: all of its writes land, or none do.

        Re-entrant: a transaction opened inside another (same thread) joins the outer one,
        so a caller can group several Memory writes into one commit. Never wait on a model
        or a person inside one: the file is locked for every other process meanwhile.
        """
        with self._unit(True) as con:
            yield con

    @contextmanager
    def lease(self) -> Iterator[None]:
        """Keep the connection open across this block's units of work while no other process waits.

        For headless runs and ``--batch`` only (``core/store_lease.py`` has the rules: given back
        when another process queues, after 0.5 s idle or 5 s in all, and at the end of the block).
        Every unit still commits before the next. The TUI must not take one: it waits on people."""
        if self._memory_con is not None or self._gate.lock_fd() is None:
            yield  # a private database, or no lock file to queue on: nothing to keep
            return
        store_lease.begin(self._gate)
        try:
            yield
        finally:
            store_lease.end(self._gate)

    @contextmanager
    def connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-only connection for one unit of reads (shared lock: readers never block each other)."""
        with self._unit(False) as con:
            yield con

    def query(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        """One statement: a read on a read-only connection, anything else in its own transaction."""
        verb = sql.lstrip().split(None, 1)[0].lower() if sql.strip() else ""
        unit = self.connection() if verb in _READ_VERBS else self.transaction()
        with unit as con:
            return con.execute(sql, params or []).fetchall()

    def schema_version(self) -> int:
        return self.query("SELECT max(version) FROM schema_version")[0][0]

    # -- noticing other processes' writes -----------------------------------------
    def file_signature(self) -> tuple[int, ...]:
        """(mtime_ns, size) of the file and its WAL: changes whenever anyone commits. No DuckDB open."""
        sig: list[int] = []
        for p in (self.path, self.path.with_name(self.path.name + ".wal")):
            try:
                st = os.stat(p)
                sig += [st.st_mtime_ns, st.st_size]
            except OSError:
                sig += [0, 0]
        return tuple(sig)

    def change_counter(self) -> int:
        """The number of write transactions ever committed to this file (by any process)."""
        with self.connection() as con:
            return _counter_of(con)

    def writes_by_others(self, since: int, until: int) -> int:
        """How many of the commits that moved the counter from ``since`` to ``until`` were not ours.

        Exact while this process has made fewer than ``OWN_COUNTERS_KEPT`` writes in between; past
        that, forgotten own writes count as others' (a needless reload, never a missed one). A
        counter that went back (the file was replaced) counts as a change."""
        if until < since:
            return 1
        own = sum(1 for c in self._gate.own_counters if since < c <= until)
        return until - since - own

    @property
    def last_wait_s(self) -> float:
        """Seconds the last unit of work waited for the file lock (benchmarks report it)."""
        return self._gate.last_wait_s

    def close(self) -> None:
        """Give back a leased connection (nothing else stays open); an in-memory database is discarded."""
        self._lease_scope.close()
        if self._gate.held is not None:
            with self._gate.lock:
                store_lease.give_back(self._gate)
        if self._memory_con is not None:
            with self._gate.lock:
                self._memory_con.close()
                self._memory_con = None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
