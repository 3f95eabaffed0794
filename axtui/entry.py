"""The ``axtui`` console script.

With no arguments it opens the interactive app directly: resolving settings
(environment and config file, exactly as the CLI's root callback does) and
launching the TUI without importing Typer or the command groups, which would
add a noticeable share to the time to first screen (bench/startup.md). Any
argument hands over to the full CLI in ``axtui.cli``.
"""

from __future__ import annotations

import os
import sys

COMPLETE_VAR = "_AXTUI_COMPLETE"  # set by the shell completion script: the CLI answers, never the TUI


def main() -> None:
    if sys.argv[1:] or os.environ.get(COMPLETE_VAR):
        from axtui.cli import entry

        entry()
        return
    sys.exit(_open_home())


def _open_home() -> int:
    from axtui.config import Settings
    from axtui.errors import AxtuiError

    try:
        settings = Settings.resolve()
        from axtui.tui.launch import launch_tui

        return launch_tui(settings)
    except AxtuiError as exc:  # e.g. a broken config file: the CLI's one error format
        from axtui.cli import _fail

        return _fail(exc, None)
    except KeyboardInterrupt:
        return 130
