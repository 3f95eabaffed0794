"""One exception family for every user-facing failure.

Front ends (CLI, batch, TUI) turn these into one clear message and an exit
code; anything else that escapes is a bug and shows a traceback only with
``--debug``.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_NEGATIVE = 1
EXIT_USAGE = 2
EXIT_PROVIDER = 3


class AxtuiError(Exception):
    """A failure the user can act on: says what went wrong, where, and what to do."""

    exit_code = EXIT_USAGE

    def __init__(self, message: str, *, hint: str | None = None, where: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.where = where

    def render(self) -> str:
        """The one-paragraph message shown to the user (no traceback)."""
        head = f"{self.where}: {self.message}" if self.where else self.message
        return f"{head}\n  hint: {self.hint}" if self.hint else head

    def to_dict(self) -> dict[str, object]:
        return {
            "error": type(self).__name__,
            "message": self.message,
            "where": self.where,
            "hint": self.hint,
            "exit_code": self.exit_code,
        }


class InputError(AxtuiError):
    """Bad user input: a flag, a value, a data file, a workflow file."""


class StoreError(AxtuiError):
    """The database cannot be opened or used (locked, not DuckDB, newer schema)."""


class NotFoundError(AxtuiError):
    """A lookup came back negative (missing key, unknown session): exit code 1."""

    exit_code = EXIT_NEGATIVE


class ProviderError(AxtuiError):
    """An LLM provider failed after retries: exit code 3."""

    exit_code = EXIT_PROVIDER
