"""Fixed, aware datetimes for the escalation tests (no real clock anywhere)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")


def paris(year: int, month: int, day: int, hour: int = 0, minute: int = 0, *, fold: int = 0) -> datetime:
    """A Paris wall-clock time, as an aware datetime."""
    return datetime(year, month, day, hour, minute, tzinfo=PARIS, fold=fold)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)
