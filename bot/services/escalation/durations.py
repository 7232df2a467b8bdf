"""Durations for people and reports: "2 h 15 min" / "3 j", and the median response time."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from bot.i18n import t

_UNITS: tuple[tuple[str, int], ...] = (
    ("escalation.duration.days", 86_400),
    ("escalation.duration.hours", 3_600),
    ("escalation.duration.minutes", 60),
)


def format_duration(td: timedelta, lang: str) -> str:
    """Render ``td`` with its two largest units ("2 h 15 min", "1 d 4 h", "3 j"); seconds below 1 min.

    Rounded to the nearest minute from one minute up; a negative duration gets a leading minus sign.
    """
    if td < timedelta(0):
        return "-" + format_duration(-td, lang)
    seconds = int(td.total_seconds())
    if seconds < 60:
        return t("escalation.duration.seconds", lang, n=seconds)
    rest = (seconds + 30) // 60 * 60
    parts: list[str] = []
    for key, size in _UNITS:
        count, rest = divmod(rest, size)
        if count:
            parts.append(t(key, lang, n=count))
        elif parts:
            break  # "1 d 0 h 5 min" reads as "1 d": keep units adjacent
        if len(parts) == 2:
            break
    return " ".join(parts)


def median_response_time(durations: Iterable[timedelta]) -> timedelta | None:
    """Return the median of ``durations`` (mean of the two middle ones for an even count), None when empty."""
    ordered = sorted(durations)
    if not ordered:
        return None
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2
