"""Which sessions are open right now: a pid file per session while an app or a headless run drives it.

The database only knows a session is "running" (not finished); after the app quits or crashes
it stays "running" forever, so ``axtui sessions`` said "running" for a session nobody had open.
While a session is driven, ``<database>.live/<session id>.pid`` holds the driving process's pid;
``status_of`` reports "running" only if that process is alive, else "interrupted".
Core, not a front end: the CLI, the headless engine and the TUI all read it.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

RUNNING, INTERRUPTED = "running", "interrupted"


def live_dir(db_path: Path | str) -> Path:
    return Path(f"{db_path}.live")


def _pid_file(db_path: Path | str, session_id: str) -> Path:
    return live_dir(db_path) / f"{session_id}.pid"


def register(db_path: Path | str, session_id: str) -> None:
    """Mark the session as driven by this process (best effort: a read-only folder is not an error)."""
    with contextlib.suppress(OSError):
        live_dir(db_path).mkdir(parents=True, exist_ok=True)
        _pid_file(db_path, session_id).write_text(str(os.getpid()), encoding="utf-8")


def unregister(db_path: Path | str, session_id: str) -> None:
    path = _pid_file(db_path, session_id)
    with contextlib.suppress(OSError, ValueError):
        if int(path.read_text(encoding="utf-8").strip()) == os.getpid():
            path.unlink()


@contextlib.contextmanager
def registered(db_path: Path | str, session_id: str) -> Iterator[None]:
    register(db_path, session_id)
    try:
        yield
    finally:
        unregister(db_path, session_id)


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: it exists
    return True


def is_live(db_path: Path | str, session_id: str) -> bool:
    """True when a living process has the session open."""
    try:
        pid = int(_pid_file(db_path, session_id).read_text(encoding="utf-8").strip())
    except (OSError, ValueError):
        return False
    return _alive(pid)


def status_of(db_path: Path | str, session_id: str, stored: str) -> str:
    """The stored status, with "running" split into running (open somewhere) and interrupted."""
    if stored != RUNNING:
        return stored
    return RUNNING if is_live(db_path, session_id) else INTERRUPTED
