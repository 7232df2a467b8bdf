"""The compact working-hours syntax, in English and French: ``parse_working_hours`` and its inverse."""

from __future__ import annotations

import re
from functools import cache
from zoneinfo import available_timezones

from bot.services.escalation.hours import (
    ALWAYS,
    DEFAULT_TIMEZONE,
    MINUTES_PER_DAY,
    DayRanges,
    Range,
    WorkingHours,
    WorkingHoursError,
    get_zone,
)

_DAY_NAMES: dict[str, int] = {}
for _index, _names in enumerate(
    (
        ("mon", "monday", "lun", "lundi"),
        ("tue", "tues", "tuesday", "mar", "mardi"),
        ("wed", "wednesday", "mer", "mercredi"),
        ("thu", "thur", "thurs", "thursday", "jeu", "jeudi"),
        ("fri", "friday", "ven", "vendredi"),
        ("sat", "saturday", "sam", "samedi"),
        ("sun", "sunday", "dim", "dimanche"),
    )
):
    for _name in _names:
        _DAY_NAMES[_name] = _index
_DAY_ALIASES: dict[str, tuple[int, ...]] = {
    "daily": tuple(range(7)),
    "everyday": tuple(range(7)),
    "tlj": tuple(range(7)),
    "weekdays": tuple(range(5)),
    "semaine": tuple(range(5)),
    "weekend": (5, 6),
    "week-end": (5, 6),
}
_ALWAYS_WORDS = {"always", "toujours", "24/7", "24h/24", "24/24"}
_SHORT_DAYS = {
    "en": ("mon", "tue", "wed", "thu", "fri", "sat", "sun"),
    "fr": ("lun", "mar", "mer", "jeu", "ven", "sam", "dim"),
}
_TIME_RE = re.compile(r"^(\d{1,2})(?:[:.](\d{2})|h(\d{2})?)?(am|pm)?$")


def _parse_time(text: str) -> int:
    """Minutes since midnight for "9", "9h", "9h30", "09:30", "9.30", "9am", "6:30pm", "24h"."""
    match = _TIME_RE.match(text.lower())
    if not match:
        raise WorkingHoursError("escalation.hours.error.time", value=text)
    hour = int(match[1])
    minute = int(match[2] or match[3] or 0)
    suffix = match[4]
    if suffix:
        if not 1 <= hour <= 12:
            raise WorkingHoursError("escalation.hours.error.time", value=text)
        hour = hour % 12 + (12 if suffix == "pm" else 0)
    if minute >= 60 or hour > 24 or (hour == 24 and minute):
        raise WorkingHoursError("escalation.hours.error.time", value=text)
    return hour * 60 + minute


def _parse_ranges(text: str) -> list[Range]:
    ranges: list[Range] = []
    for part in text.split(","):
        if not part:
            continue
        bounds = part.split("-")
        if len(bounds) != 2 or not all(bounds):
            raise WorkingHoursError("escalation.hours.error.range", value=part)
        start, end = _parse_time(bounds[0]), _parse_time(bounds[1])
        if end == 0:  # "22:00-00:00" and "9pm-12am" mean until midnight
            end = MINUTES_PER_DAY
        if start == MINUTES_PER_DAY or start >= end:
            raise WorkingHoursError("escalation.hours.error.range", value=part)
        ranges.append((start, end))
    return ranges


def _looks_like_ranges(token: str) -> bool:
    try:
        return bool(_parse_ranges(token))
    except WorkingHoursError:
        return False


def _day(name: str) -> int:
    index = _DAY_NAMES.get(name.rstrip(".").lower())
    if index is None:
        raise WorkingHoursError("escalation.hours.error.day", value=name)
    return index


def _parse_days(text: str) -> set[int]:
    days: set[int] = set()
    for part in text.rstrip(":").split(","):
        lowered = part.lower()
        if lowered in _DAY_ALIASES:
            days.update(_DAY_ALIASES[lowered])
        elif "-" in part:
            bounds = part.split("-")
            if len(bounds) != 2:
                raise WorkingHoursError("escalation.hours.error.day", value=part)
            first, last = _day(bounds[0]), _day(bounds[1])
            days.update((first + i) % 7 for i in range((last - first) % 7 + 1))  # "fri-mon" wraps
        elif part:
            days.add(_day(part))
    if not days:
        raise WorkingHoursError("escalation.hours.error.day", value=text)
    return days


def _looks_like_days(token: str) -> bool:
    try:
        _parse_days(token)
    except WorkingHoursError:
        return False
    return True


@cache
def _zone_keys_by_lower() -> dict[str, str]:
    return {key.lower(): key for key in available_timezones()}


def _resolve_zone(text: str) -> str:
    try:
        get_zone(text)
        return text
    except WorkingHoursError:
        key = _zone_keys_by_lower().get(text.lower())
        if key is None:
            raise
        return key


def _merge(ranges: list[Range]) -> DayRanges:
    merged: list[Range] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return tuple(merged)


def parse_working_hours(text: str, default_tz: str = DEFAULT_TIMEZONE) -> WorkingHours:
    """Parse the compact syntax, in English or French.

    ``"always"`` / ``"toujours"``; or groups separated by ``;``, each a day spec then one or more ranges,
    with an optional time zone at the very end (``default_tz`` otherwise)::

        mon-fri 09:00-18:00 Europe/Paris
        lun-ven 9h-18h
        mon-thu 9:00-12:30,13:30-17:00; fri 9:00-12:00 Europe/Paris

    Raise :class:`WorkingHoursError` (a catalog key and the offending value) on bad input.
    """
    normalized = re.sub(r"[\u2010-\u2015\u2212]", "-", text.strip())
    normalized = re.sub(r"\s*([-,])\s*", r"\1", normalized)
    groups = [[token for token in g.split() if token != ":"] for g in re.split(r"[;\n]", normalized)]
    groups = [g for g in groups if g]
    if not groups:
        raise WorkingHoursError("escalation.hours.error.empty")

    tz = default_tz
    last = groups[-1]
    candidate = last[-1]
    if candidate[0].isalpha() and not _looks_like_days(candidate) and candidate.lower() not in _ALWAYS_WORDS:
        tz = _resolve_zone(last.pop())
        if not last:
            groups.pop()
    if not groups:
        raise WorkingHoursError("escalation.hours.error.empty")

    if len(groups) == 1 and len(groups[0]) == 1 and groups[0][0].lower() in _ALWAYS_WORDS:
        return ALWAYS

    per_day: list[list[Range]] = [[] for _ in range(7)]
    for group in groups:
        if any(token.lower() in _ALWAYS_WORDS for token in group):
            raise WorkingHoursError("escalation.hours.error.syntax", value=" ".join(group))
        if _looks_like_ranges(group[0]):
            raise WorkingHoursError("escalation.hours.error.missing_days", value=" ".join(group))
        days = _parse_days(group[0])
        if len(group) == 1:
            raise WorkingHoursError("escalation.hours.error.missing_hours", value=group[0])
        ranges = [r for token in group[1:] for r in _parse_ranges(token)]
        for day in days:
            per_day[day].extend(ranges)
    return WorkingHours(days=tuple(_merge(r) for r in per_day), tz=_resolve_zone(tz))


def _format_time(minutes: int, lang: str) -> str:
    hour, minute = divmod(minutes, 60)
    if lang == "fr":
        return f"{hour}h{minute:02d}" if minute else f"{hour}h"
    return f"{hour:02d}:{minute:02d}"


def _format_days(days: list[int], lang: str) -> str:
    names = _SHORT_DAYS.get(lang, _SHORT_DAYS["en"])
    runs: list[list[int]] = []
    for day in days:
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    return ",".join(names[r[0]] if len(r) == 1 else f"{names[r[0]]}-{names[r[-1]]}" for r in runs)


def format_working_hours(wh: WorkingHours, lang: str = "en") -> str:
    """Render ``wh`` compactly: "mon-fri 09:00-18:00 Europe/Paris" (en), "lun-ven 9h-18h ..." (fr)."""
    if wh.always:
        return "toujours" if lang == "fr" else "always"
    by_ranges: dict[DayRanges, list[int]] = {}
    for day, ranges in enumerate(wh.days):
        if ranges:
            by_ranges.setdefault(ranges, []).append(day)
    groups = [
        f"{_format_days(days, lang)} "
        + ",".join(f"{_format_time(s, lang)}-{_format_time(e, lang)}" for s, e in ranges)
        for ranges, days in by_ranges.items()
    ]
    return f"{'; '.join(groups)} {wh.tz}"
