"""Where the app writes Markdown exports (chats, reports), and how, with one error message."""

from __future__ import annotations

from pathlib import Path

from axtui.errors import AxtuiError


def export_path(kind: str, ident: str) -> Path:
    """``$XDG_DATA_HOME/axtui/exports/<kind>-<id>.md``: one predictable folder for everything exported."""
    from axtui.config import data_dir

    return data_dir() / "exports" / f"{kind}-{ident}.md"


def write_export(path: Path, text: str) -> Path:
    """Write an export, turning a filesystem failure into a message the user can act on."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise AxtuiError(
            f"cannot write the export: {exc.strerror}",
            where=str(path),
            hint="check that the data folder is writable",
        ) from exc
    return path
