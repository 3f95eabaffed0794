"""Writing a file the user named with ``-o``: refuse what would surprise, never leave half a file.

Shared by ``axtui memory export -o`` and ``axtui export -o``: a folder, a missing folder or an
existing file (without ``--force``) is refused before anything is read or written; the text goes
to a temporary file beside the target and is renamed over it, so a full disk leaves the old file
(or no file) rather than a truncated one.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from pathlib import Path

from axtui.errors import InputError


def check_output_path(path: Path, *, force: bool) -> None:
    """Refuse a folder, a missing folder, or an existing file without ``force``."""
    if path.is_dir():
        raise InputError(
            "the output path is a folder", where=str(path), hint="give a file name, e.g. -o out/entries.json"
        )
    parent = path.parent
    if not parent.exists():
        raise InputError(
            "the folder for the output file does not exist",
            where=str(path),
            hint=f"create it first (mkdir -p {parent}) or choose another -o path",
        )
    if not parent.is_dir():
        raise InputError(f"{parent} is a file, not a folder", where=str(path), hint="choose another -o path")
    if path.exists() and not force:
        raise InputError(
            "the output file already exists", where=str(path), hint="pass --force to overwrite it"
        )


def write_atomically(path: Path, write: Callable[[Path], None]) -> None:
    """Call ``write(tmp)`` and rename tmp over ``path``; OSError becomes one clear InputError."""
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        write(tmp)
        os.replace(tmp, path)
    except OSError as exc:
        full = exc.errno in (errno.ENOSPC, errno.EDQUOT)
        raise InputError(
            "the disk is full: the output file was not written"
            if full
            else f"cannot write the output file: {exc.strerror or exc}",
            where=str(path),
            hint="free some space and run it again" if full else "choose a writable -o path",
        ) from exc
    finally:
        tmp.unlink(missing_ok=True)


def write_text(path: Path, text: str, *, force: bool) -> None:
    """Check ``path`` and write ``text`` to it atomically (UTF-8)."""
    check_output_path(path, force=force)
    write_atomically(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
