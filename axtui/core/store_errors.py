"""What a DuckDB error about the file means for the person, and what they can do about it.

Opening or using the database can fail for reasons outside axtui: another program holds
the file, it is damaged (truncated, flipped bits), it is not a DuckDB file, the disk is
full, the folder is read-only. Each becomes one ``StoreError`` naming the file and a fix
(exit 2); the stored data is never touched on the way (nothing is repaired or rewritten).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Literal, overload

from axtui.errors import StoreError

_PID_RE = re.compile(r"held in (?P<prog>\S+) \(PID (?P<pid>\d+)\)")
_DAMAGED = (
    "corrupt database file",
    "checksum",
    "could not read enough bytes",
    "failed to read database header",
    "invalid block",
    "the file was truncated",
)
_FULL = ("no space left on device", "disk is full", "could not write all bytes", "disk full")
_READ_ONLY = ("permission denied", "read-only file system", "read-only")


def _any_of(markers: tuple[str, ...]) -> Callable[[str], bool]:
    return lambda low: any(m in low for m in markers)


# What a (lower-cased) DuckDB error says -> our message and the fix; the first match wins.
_KNOWN: tuple[tuple[Callable[[str], bool], str, str], ...] = (
    (
        _any_of(_FULL),
        "the disk is full: the change was not saved (the data stored before it is intact)",
        "free some space on that disk and run the command again",
    ),
    (
        _any_of(_DAMAGED),
        "the database file is damaged (truncated or corrupted); axtui left it untouched",
        "restore it from a backup, or move it aside and start a new one with --db "
        "(`axtui memory export` from a backup copy keeps your entries)",
    ),
    (
        lambda low: (
            "not a valid duckdb database" in low or ("unable to open database" in low and "format" in low)
        ),
        "this file is not a DuckDB database; axtui left it untouched",
        "point --db at an axtui database or at a new file name",
    ),
    (
        lambda low: (
            "newer version" in low
            or "storage version" in low
            or ("serialization" in low and "version" in low)
        ),
        "the database was written by a newer DuckDB than this axtui uses; axtui left it untouched",
        "upgrade axtui (pip install -U axtui) or use another --db",
    ),
    (
        _any_of(_READ_ONLY),
        "the database cannot be written (permission denied or a read-only file system)",
        "pass --db with a writable location",
    ),
)


def is_lock_error(text: str) -> bool:
    """DuckDB's own 'another process has the file' error (a holder outside axtui's lock file)."""
    low = text.lower()
    return "could not set lock" in low or "conflicting lock" in low


@overload
def explain(text: str, path: Path, *, waited: float | None = None) -> StoreError: ...
@overload
def explain(
    text: str, path: Path, *, strict: Literal[True], waited: float | None = None
) -> StoreError | None: ...


def explain(text: str, path: Path, *, strict: bool = False, waited: float | None = None) -> StoreError | None:
    """The StoreError for a DuckDB error text; with ``strict``, None when it is not about the file
    (a bug in a statement must stay a bug, not be dressed up as a database problem)."""
    where = str(path)
    low = text.lower()
    if is_lock_error(text):
        match = _PID_RE.search(text)
        holder = f"process {match['pid']} ({Path(match['prog']).name})" if match else "another process"
        spent = f"; waited {waited:.1f} s for it" if waited is not None else ""
        return StoreError(
            f"the database is in use by {holder}{spent}",
            where=where,
            hint="wait for that process to finish (or stop it), raise AXTUI_DB_WAIT (seconds), "
            "or use another file with --db",
        )
    for matches, message, hint in _KNOWN:
        if matches(low):
            return StoreError(message, where=where, hint=hint)
    if strict and not low.startswith("io error"):
        return None
    return StoreError(
        f"cannot open the database: {text}",
        where=where,
        hint="check the path and the disk, or pass --db with another file",
    )
