"""Plain-text formatting for the memory browser: TTLs, relative expiry, and query-error carets.

Pure functions (no widgets, no database), so they are tested directly and the screen stays a
thin layer.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from axtui.present.format import duration  # the app's one duration style (the screen uses it too)

_COLUMN = re.compile(r"(?:column|col\.?|position|pos\.?|char(?:acter)?)\s*(\d+)", re.I)


def ttl_text(ttl: float | timedelta | None) -> str:
    """A namespace's default TTL as shown in the list."""
    from axtui.present.format import ttl as ttl_style

    if isinstance(ttl, timedelta):
        ttl = ttl.total_seconds()
    return ttl_style(ttl)


def expiry_text(expires_at: datetime | None, now: datetime) -> str:
    """``expires in 6 d``, ``expired 2 h ago`` or ``never expires``."""
    if expires_at is None:
        return "never expires"
    delta = (expires_at - now).total_seconds()
    if delta <= 0:
        return f"expired {duration(-delta)} ago"
    return f"expires in {duration(delta)}"


def age_text(when: datetime | None, now: datetime, *, short: bool = False) -> str:
    """``3 d ago`` (or ``just now``); ``short`` keeps only the largest unit."""
    if when is None:
        return ""
    delta = (now - when).total_seconds()
    if delta < 1:
        return "now" if short else "just now"
    return f"{duration(delta, units=1 if short else 2)} ago"


def error_column(error: Any, query: str) -> int | None:
    """The 1-based column a query error points at, if the error says (attribute or text)."""
    for attr in ("column", "col", "position", "pos", "offset"):
        value = getattr(error, attr, None)
        if isinstance(value, int):
            return value + 1 if attr in ("pos", "offset", "position") else value
    for text in (getattr(error, "where", None), getattr(error, "message", None), str(error)):
        if text:
            match = _COLUMN.search(str(text))
            if match:
                return int(match.group(1))
    return None


def caret_lines(query: str, column: int | None, message: str = "") -> list[str]:
    """The query, then a rule ending in a caret under the offending column (1-based) and the message.

    The rule (``────^``) rather than blank space keeps the caret in place wherever the text is
    shown, including viewers that collapse leading spaces.
    """
    if column is None:
        return [query, message] if message else [query]
    column = max(1, min(column, len(query) + 1))
    return [query, "─" * (column - 1) + "^" + (f" {message}" if message else "")]


def query_error_text(error: Any, query: str) -> str:
    """What shows under the search box: the query, a caret, the message and the hint."""
    message = getattr(error, "problem", None) or getattr(error, "message", None) or str(error)
    hint = getattr(error, "hint", None)
    if "^" in message and "\n" in message:
        lines = [message]  # the parser already drew its own caret
    else:
        lines = caret_lines(query, error_column(error, query), message)
    if hint:
        lines.append(f"hint: {hint}")
    return "\n".join(lines)
