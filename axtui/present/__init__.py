"""Presentation shared by the CLI, ``--batch`` and the TUI: formats and tables, no I/O of their own."""
