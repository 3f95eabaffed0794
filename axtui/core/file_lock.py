"""An inter-process reader/writer lock beside the database file, with a bounded wait.

DuckDB lets one process open a file read-write, or several open it read-only, never
both. axtui processes therefore agree on ``<db>.lock`` first: a POSIX record lock,
shared for a read, exclusive for a write, held only for one unit of work (see
docs/ARCHITECTURE.md, "Many processes, one file"). A writer that cannot get it in
``AXTUI_DB_WAIT`` seconds (default 30) fails with a message naming the holder's PID
and command, which the kernel tells us (``F_GETLK``).

POSIX locks belong to the process, and closing *any* descriptor of the file drops
them, so there is exactly one descriptor per lock file per process (``gate_for``),
never closed; threads of one process are serialised by the gate's ``RLock``.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import random
import struct
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from axtui.errors import StoreError
from axtui.values import env_number

DEFAULT_WAIT_S = 30.0
WAIT_ENV = "AXTUI_DB_WAIT"
_FLOCK = "hhqqi4x"  # struct flock on Linux (x86_64, aarch64): type, whence, start, len, pid
_DB_BYTE = 0  # shared = reading, exclusive = writing
_TURNSTILE_BYTE = 1  # held by the next process in line while it waits for _DB_BYTE
OWN_COUNTERS_KEPT = 4096


def _try(fd: int, op: int, byte: int) -> bool:
    try:
        fcntl.lockf(fd, op | fcntl.LOCK_NB, 1, byte, os.SEEK_SET)
        return True
    except OSError as exc:
        if exc.errno not in (errno.EACCES, errno.EAGAIN):
            raise
        return False


def _unlock(fd: int, byte: int) -> None:
    with contextlib.suppress(OSError):
        fcntl.lockf(fd, fcntl.LOCK_UN, 1, byte, os.SEEK_SET)


def _poll(fd: int, op: int, byte: int, deadline: float, busy: Any) -> None:
    """Take one lock byte, polling with jittered back-off (capped at 10 ms) until ``deadline``."""
    pause = 0.001
    while not _try(fd, op, byte):
        now = time.monotonic()
        if now >= deadline:
            raise busy()
        time.sleep(min(pause * (0.5 + random.random()), max(0.0, deadline - now)))
        pause = min(pause * 2, 0.01)


def wait_seconds(explicit: float | None = None) -> float:
    """The bounded wait for a busy database: the explicit value, else ``AXTUI_DB_WAIT``, else 30 s."""
    if explicit is not None:
        return max(0.0, float(explicit))
    return env_number(
        WAIT_ENV,
        DEFAULT_WAIT_S,
        what="a number of seconds",
        hint=f"e.g. {WAIT_ENV}=30, or unset it for the default of {DEFAULT_WAIT_S:g} s",
        error=StoreError,
    )


def describe_process(pid: int) -> str:
    """``PID n (command line)`` from /proc, or just the PID where /proc is not available."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return f"process {pid}"
    words = [w.decode("utf-8", "replace") for w in raw.split(b"\0") if w]
    if words:
        words[0] = Path(words[0]).name
    command = " ".join(words)
    if len(command) > 100:
        command = command[:97] + "..."
    return f"process {pid} ({command})" if command else f"process {pid}"


@dataclass
class Gate:
    """Everything one process knows about one database file: its lock and the open connection."""

    path: Path
    lock: threading.RLock = field(default_factory=threading.RLock)
    fd: int | None = None
    fd_tried: bool = False
    con: Any = None  # the DuckDB connection of the unit of work in progress, if any
    mode: str | None = None  # "r" or "w" while a unit of work is open
    depth: int = 0
    last_wait_s: float = 0.0
    # change counters of this process's own commits (bounded: one older than the oldest kept
    # counts as another process's, which costs at most one needless reload)
    own_counters: deque[int] = field(default_factory=lambda: deque(maxlen=OWN_COUNTERS_KEPT))
    # the store lease (core/store_lease.py): open lease scopes, the connection kept between
    # units of work (with the exclusive lock still held), and the keeper thread's stop signal
    leases: int = 0
    held: Any = None
    keeper_stop: threading.Event | None = None
    # under a lease: the open connection has bumped the change counter (core/store.py, ``_run``)
    counted: bool = False

    def lock_path(self) -> Path:
        return self.path.with_name(self.path.name + ".lock")

    def lock_fd(self) -> int | None:
        """The lock file's descriptor (opened on first use); None where it cannot be created."""
        return self._descriptor()

    def _descriptor(self) -> int | None:
        """The lock file, opened once; None where it cannot be created (read-only folder)."""
        if not self.fd_tried:
            self.fd_tried = True
            try:
                self.fd = os.open(self.lock_path(), os.O_RDWR | os.O_CREAT, 0o644)
            except OSError:
                self.fd = None  # fall back to DuckDB's own lock (and its retry)
        return self.fd

    def _conflicting_pid(self, lock_type: int, byte: int) -> int | None:
        """The PID of another process holding a lock on ``byte`` that conflicts with ``lock_type``
        (the kernel knows, ``F_GETLK``; our own locks never conflict); 0 when none, None when unknown."""
        fd = self._descriptor()
        if fd is None:
            return 0
        try:
            query = struct.pack(_FLOCK, lock_type, os.SEEK_SET, byte, 1, 0)
            out = fcntl.fcntl(fd, fcntl.F_GETLK, query)
            l_type, _w, _s, _l, pid = struct.unpack(_FLOCK, out[: struct.calcsize(_FLOCK)])
        except (OSError, struct.error):
            return None
        return 0 if l_type == fcntl.F_UNLCK else max(pid, 0)

    def holder(self, exclusive: bool) -> str | None:
        """Who holds a lock on the database byte that conflicts with ours (the kernel knows), if anyone."""
        pid = self._conflicting_pid(fcntl.F_WRLCK if exclusive else fcntl.F_RDLCK, _DB_BYTE)
        return describe_process(pid) if pid else None

    def someone_waiting(self) -> bool:
        """Whether another process waits for the file: every waiter holds the turnstile byte while
        it waits (``acquire``). Asked with ``F_GETLK``, so it never disturbs a waiter; when the
        kernel cannot tell, assume someone does (the lease is given back: safe, one reopen)."""
        return self._conflicting_pid(fcntl.F_WRLCK, _TURNSTILE_BYTE) != 0

    def acquire(self, exclusive: bool, deadline: float) -> float:
        """Take the file lock before ``deadline`` (monotonic); returns the seconds waited.

        Fair by a turnstile: a waiter first takes the turnstile byte, then the database byte, then
        lets the turnstile go. Whoever holds the turnstile is next in line, so a process writing in
        a tight loop cannot starve the others (measured: without it, 5 of 8 headless runs beside a
        writer loop gave up after 30 s)."""
        fd = self._descriptor()
        started = time.monotonic()
        if fd is None:
            return 0.0
        op = fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH
        if _try(fd, op, _DB_BYTE) and not self._someone_queued(fd):
            return 0.0
        _poll(fd, fcntl.LOCK_EX, _TURNSTILE_BYTE, deadline, lambda: self.busy_error(exclusive, started))
        try:
            _poll(fd, op, _DB_BYTE, deadline, lambda: self.busy_error(exclusive, started))
        finally:
            _unlock(fd, _TURNSTILE_BYTE)
        return time.monotonic() - started

    @staticmethod
    def _someone_queued(fd: int) -> bool:
        """After a lucky first try: if another process holds the turnstile, it was first; yield to it."""
        if _try(fd, fcntl.LOCK_EX, _TURNSTILE_BYTE):
            _unlock(fd, _TURNSTILE_BYTE)
            return False
        _unlock(fd, _DB_BYTE)
        return True

    def release(self) -> None:
        if self.fd is not None:
            _unlock(self.fd, _DB_BYTE)

    def busy_error(self, exclusive: bool, started: float, holder: str | None = None) -> StoreError:
        waited = time.monotonic() - started
        who = holder or self.holder(exclusive) or "another process"
        return StoreError(
            f"the database is in use by {who}; waited {waited:.1f} s for it",
            where=str(self.path),
            hint=f"wait for that process to finish (or stop it), raise {WAIT_ENV} (seconds), "
            "or use another file with --db",
        )


_GATES: dict[str, Gate] = {}
_GATES_LOCK = threading.Lock()


def gate_for(path: Path) -> Gate:
    """The one gate of this process for a database file (every ``Store`` on it shares it)."""
    key = os.path.abspath(path)
    with _GATES_LOCK:
        gate = _GATES.get(key)
        if gate is None:
            gate = _GATES[key] = Gate(Path(key))
        return gate
