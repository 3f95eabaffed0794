"""Presentation shared by the front ends (CLI, ``--batch``, TUI): output and formatting, no domain logic."""
