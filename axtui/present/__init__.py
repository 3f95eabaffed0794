"""Presentation shared by the front ends (CLI, ``--batch``, TUI): output, formats and tables, no domain logic
and no I/O of their own beyond printing."""
