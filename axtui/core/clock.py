"""An injectable clock, so TTL and timestamps can be tested without sleeping."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """Current time as a naive UTC datetime (DuckDB TIMESTAMP has no zone)."""
    return datetime.now(UTC).replace(tzinfo=None)


def iso(ts: datetime) -> str:
    """ISO-8601 with a Z suffix: the form every exported timestamp takes."""
    return ts.replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


class FakeClock:
    """A clock tests can move forward by hand."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 1, 1, 12, 0, 0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        from datetime import timedelta

        self.now = self.now + timedelta(seconds=seconds)
