"""The one DuckDB file that holds everything, and the schema it must have.

A ``Store`` owns one connection, serialises access from threads (TUI workers)
with a lock, and runs forward migrations on open. A database written by a
newer axtui is refused rather than guessed at; a database locked by another
process is waited for briefly, then reported with the holder's PID.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from axtui.core.clock import Clock, utc_now
from axtui.errors import StoreError

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
]

SCHEMA_VERSION = len(MIGRATIONS)
_PID_RE = re.compile(r"held in (?P<prog>\S+) \(PID (?P<pid>\d+)\)")


class Store:
    """A DuckDB database with axtui's schema, safe to share between threads."""

    def __init__(self, path: str | Path, *, clock: Clock = utc_now, lock_timeout: float = 3.0) -> None:
        self.path = Path(path) if str(path) != ":memory:" else Path(":memory:")
        self.clock = clock
        self._lock = threading.RLock()
        self._depth = 0  # nesting level of transaction() on the thread holding the lock
        self._con = self._connect(lock_timeout)
        self._migrate()

    # -- opening ---------------------------------------------------------------
    def _connect(self, lock_timeout: float) -> duckdb.DuckDBPyConnection:
        if str(self.path) != ":memory:":
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
        deadline = time.monotonic() + lock_timeout
        while True:
            try:
                return duckdb.connect(str(self.path))
            except duckdb.IOException as exc:
                text = str(exc)
                if "lock" in text.lower() and time.monotonic() < deadline:
                    time.sleep(0.1)
                    continue
                raise self._explain_open_error(text) from exc
            except duckdb.Error as exc:
                raise self._explain_open_error(str(exc)) from exc

    def _explain_open_error(self, text: str) -> StoreError:
        where = str(self.path)
        if "lock" in text.lower():
            match = _PID_RE.search(text)
            holder = f" by process {match['pid']} ({Path(match['prog']).name})" if match else ""
            return StoreError(
                f"the database is in use{holder}",
                where=where,
                hint="close the other axtui (or wait for it to finish), or use another file with --db",
            )
        if "not a valid DuckDB database" in text:
            return StoreError(
                "this file is not a DuckDB database",
                where=where,
                hint="point --db at an axtui database or at a new file name",
            )
        if "Permission denied" in text or "Read-only" in text or "read-only" in text:
            return StoreError(
                "the database cannot be written (permission denied)",
                where=where,
                hint="pass --db with a writable location",
            )
        return StoreError(
            f"cannot open the database: {text}",
            where=where,
            hint="check the path, or pass --db with another file",
        )

    def _migrate(self) -> None:
        with self.transaction() as con:
            con.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER, applied_at TIMESTAMP)")
            row = con.execute("SELECT max(version) FROM schema_version").fetchone()
            current = row[0] or 0
            if current > SCHEMA_VERSION:
                raise StoreError(
                    f"the database was written by a newer axtui (schema {current}, this one knows "
                    f"up to {SCHEMA_VERSION})",
                    where=str(self.path),
                    hint="upgrade axtui (pip install -U axtui) or use another --db",
                )
            for version in range(current, SCHEMA_VERSION):
                con.execute(MIGRATIONS[version])
                con.execute("INSERT INTO schema_version VALUES (?, ?)", [version + 1, self.clock()])

    # -- using -----------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """Run a block atomically: all of its writes land, or none do.

        Re-entrant: a transaction opened inside another (same thread) joins the
        outer one, so a caller can group several Memory writes into one commit.
        """
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield self._con
                finally:
                    self._depth -= 1
                return
            self._con.execute("BEGIN TRANSACTION")
            self._depth = 1
            try:
                yield self._con
            except BaseException:
                self._con.execute("ROLLBACK")
                raise
            else:
                self._con.execute("COMMIT")
            finally:
                self._depth = 0

    @contextmanager
    def connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """The connection, held exclusively, for reads that need no transaction."""
        with self._lock:
            yield self._con

    def query(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._con.execute(sql, params or []).fetchall()

    def schema_version(self) -> int:
        return self.query("SELECT max(version) FROM schema_version")[0][0]

    def close(self) -> None:
        with self._lock:
            self._con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
