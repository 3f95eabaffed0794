"""The engine shared by the TUI, the CLI and ``--batch``. Imports no Textual."""
