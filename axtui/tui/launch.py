"""Entry from the CLI: build the app and run it, returning an exit code."""

from __future__ import annotations

from typing import Any

from axtui.config import Settings


def launch_tui(settings: Settings, *, start: dict[str, Any] | None = None) -> int:
    """Run the interactive app; ``start`` opens a workflow or a session on top of home.

    ``start`` is ``{"workflow": id, "inputs": {...}}``, ``{"session": id}`` or ``None``.
    """
    from axtui.tui.app import create_app

    app = create_app(settings, start=start)
    result = app.run()
    if app.return_code:
        return app.return_code
    return int(result or 0)
