"""A store lease: one process keeps its DuckDB connection across units of work while nobody waits.

Opening and closing DuckDB (with the checkpoint on close) costs ≈ 30 ms per unit of work; a
``--batch`` replay does ≈ 25 of them, about half of its run (bench/batch.md). Within
``Store.lease()`` a finished unit leaves its read-write connection and its exclusive lock on
``<db>.lock`` in the gate instead of closing them, and the next unit of the same process reuses
them. Each unit still commits before the next, so nothing committed can be lost by a crash.

The lease is given back (connection closed, lock released) as soon as any of these holds
(docs/ARCHITECTURE.md, "Many processes, one file"):

* another process waits for the file: every waiter holds the turnstile byte of the lock file
  while it waits (``file_lock.Gate.acquire``), which the holder sees with ``F_GETLK``, at the end
  of its unit or, between units, within one ``KEEPER_TICK_S`` tick of the keeper thread;
* the connection has been idle for ``IDLE_S`` (a model call, a long computation);
* it has been held for ``MAX_HOLD_S`` in all (reopening then costs one connect).

Only headless runs and ``--batch`` take a lease; the TUI never does, so nothing is held while a
person or a model is awaited there.
"""

from __future__ import annotations

import contextlib
import threading
import time
from dataclasses import dataclass
from typing import Any

from axtui.core.file_lock import Gate

IDLE_S = 0.5
MAX_HOLD_S = 5.0
KEEPER_TICK_S = 0.02


@dataclass
class Held:
    """A connection kept between units of work, with the lock that goes with it."""

    con: Any
    opened: float  # monotonic time of the open
    last_used: float  # monotonic time the last unit of work ended

    def expired(self, now: float) -> bool:
        return now - self.last_used >= IDLE_S or now - self.opened >= MAX_HOLD_S


def take(gate: Gate) -> Held | None:
    """The kept connection for a unit of work that starts now (caller holds ``gate.lock``)."""
    held, gate.held = gate.held, None
    return held


def keep(gate: Gate, con: Any, opened: float) -> bool:
    """After a unit of work that committed: keep ``con`` (and the lock) if the lease allows it.

    Returns False when the caller must close and unlock as usual (no lease, or someone waits)."""
    now = time.monotonic()
    held = Held(con, opened, now)
    if gate.leases <= 0 or held.expired(now) or gate.someone_waiting():
        return False
    gate.held = held
    return True


def give_back(gate: Gate) -> None:
    """Close the kept connection and release the lock (caller holds ``gate.lock``)."""
    held = take(gate)
    if held is None:
        return
    with contextlib.suppress(Exception):
        held.con.close()
    gate.release()


def _keeper(gate: Gate, stop: threading.Event) -> None:
    """Between units: give the lease back when someone waits, or it has been idle or held too long.

    Never blocks on the gate: a unit of work in progress gives it back itself when it ends."""
    while not stop.wait(KEEPER_TICK_S):
        if gate.held is None or not gate.lock.acquire(blocking=False):
            continue
        try:
            held = gate.held
            if held is not None and (held.expired(time.monotonic()) or gate.someone_waiting()):
                give_back(gate)
        finally:
            gate.lock.release()


def begin(gate: Gate) -> None:
    """Enter a lease scope (re-entrant); the first one starts the keeper thread."""
    with gate.lock:
        gate.leases += 1
        if gate.leases == 1:
            gate.keeper_stop = threading.Event()
            thread = threading.Thread(
                target=_keeper, args=(gate, gate.keeper_stop), name="axtui-store-lease", daemon=True
            )
            thread.start()


def end(gate: Gate) -> None:
    """Leave a lease scope; the last one gives the connection back and stops the keeper."""
    with gate.lock:
        gate.leases -= 1
        if gate.leases > 0:
            return
        gate.leases = 0
        give_back(gate)
        if gate.keeper_stop is not None:
            gate.keeper_stop.set()
            gate.keeper_stop = None
