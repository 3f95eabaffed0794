"""``python -m axtui`` is the same as ``axtui`` (the console script's start-up path, ``axtui.entry``:
``--batch`` and the bare TUI skip Typer and the command groups)."""

from axtui.entry import main

main()
