"""Entry from the CLI: build the app and run it, returning an exit code."""

from __future__ import annotations

from typing import Any

from axtui.config import Settings

TUI_OFFLINE_PACE = 0.02  # seconds between offline words in the terminal (capped per answer)


def launch_tui(settings: Settings, *, start: dict[str, Any] | None = None) -> int:
    """Run the interactive app; ``start`` opens a workflow or a session on top of home.

    ``start`` is ``{"workflow": id, "inputs": {...}}``, ``{"session": id}`` or ``None``.
    """
    from axtui.core import offline
    from axtui.tui.app import create_app

    offline.set_stream_pace(TUI_OFFLINE_PACE)  # a person watches the offline answer arrive word by word
    app = create_app(settings, start=start)
    result = app.run()
    if app.return_code:
        return app.return_code
    return int(result or 0)
