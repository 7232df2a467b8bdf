"""Trainers' working hours: the value, and open-time arithmetic across weekends and DST changes.

Semantics: an instant is open when its *local wall-clock time* (in the hours' time zone) falls in one of the
ranges of its local weekday. So a local time skipped by a spring-forward change is never open (a 02:00-03:00
window is empty that Sunday in Europe/Paris) and a local hour repeated by a fall-back change is open twice
(the same window lasts two real hours that Sunday); "00:00-24:00" every day behaves exactly like "always".
Every datetime taken must be timezone-aware; every datetime returned is in UTC. The text syntax lives in
``syntax.py`` (``WorkingHours.parse`` / ``.format`` reach it).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.errors import UserError

MINUTES_PER_DAY = 24 * 60
DEFAULT_TIMEZONE = "Europe/Paris"

Range = tuple[int, int]  # [start, end) in minutes since local midnight, 0 <= start < end <= 1440
DayRanges = tuple[Range, ...]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_SECOND = timedelta(seconds=1)
# No time zone changes its offset twice within this span, so sampling at this step finds every change.
_SAMPLE_SECONDS = 3 * 3600
_WINDOW = timedelta(days=7)
# A valid schedule has open time every week; a year with none means a bug, not a long wait.
_MAX_EMPTY_WINDOWS = 60


class WorkingHoursError(UserError, ValueError):
    """A working-hours string that cannot be parsed; ``key`` and ``values`` render it from the catalog."""

    def __str__(self) -> str:
        details = ", ".join(f"{k}={v!r}" for k, v in self.values.items())
        return f"{self.key} ({details})" if details else self.key


@cache
def get_zone(key: str) -> ZoneInfo:
    try:
        return ZoneInfo(key)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise WorkingHoursError("escalation.hours.error.timezone", value=key) from exc


@dataclass(frozen=True)
class WorkingHours:
    """When trainers work: ranges per weekday (Monday = 0) in a time zone, or ``always``."""

    days: tuple[DayRanges, ...] = ((),) * 7
    tz: str = "UTC"
    always: bool = False

    def __post_init__(self) -> None:
        if self.always:
            return
        if len(self.days) != 7:
            raise ValueError("WorkingHours needs exactly 7 days of ranges")
        for ranges in self.days:
            previous_end = -1
            for start, end in ranges:
                if not 0 <= start < end <= MINUTES_PER_DAY or start <= previous_end:
                    raise ValueError(f"invalid or unsorted ranges: {ranges!r}")
                previous_end = end
        if not any(self.days):
            raise WorkingHoursError("escalation.hours.error.no_open_time")
        get_zone(self.tz)  # fail early on an unknown zone

    @property
    def zone(self) -> ZoneInfo:
        return get_zone(self.tz)

    @classmethod
    def parse(cls, text: str, default_tz: str = DEFAULT_TIMEZONE) -> WorkingHours:
        """Parse the compact syntax (see :func:`bot.services.escalation.syntax.parse_working_hours`)."""
        from bot.services.escalation.syntax import parse_working_hours  # the syntax module imports this one

        return parse_working_hours(text, default_tz)

    def format(self, lang: str = "en") -> str:
        """Render in the compact syntax that :meth:`parse` reads back."""
        from bot.services.escalation.syntax import format_working_hours

        return format_working_hours(self, lang)


ALWAYS = WorkingHours(always=True)
DEFAULT_WORKING_HOURS = WorkingHours(days=(((9 * 60, 18 * 60),),) * 5 + ((),) * 2, tz=DEFAULT_TIMEZONE)


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("working-hours arithmetic needs timezone-aware datetimes")
    return value.astimezone(UTC)


# ---------------------------------------------------------------------------------------------------------
# Open intervals


def _offset_at(zone: ZoneInfo, seconds: int) -> timedelta:
    offset = (_EPOCH + timedelta(seconds=seconds)).astimezone(zone).utcoffset()
    assert offset is not None
    return offset


def _segments(zone: ZoneInfo, a: datetime, b: datetime) -> list[tuple[datetime, datetime, timedelta]]:
    """Split the UTC span [a, b) into pieces of constant UTC offset in ``zone``."""
    t = (a - _EPOCH) // _SECOND  # offsets change on whole seconds, so flooring keeps a's offset
    end = -((_EPOCH - b) // _SECOND)
    current = _offset_at(zone, t)
    piece_start = a
    out: list[tuple[datetime, datetime, timedelta]] = []
    while t < end:
        probe = min(t + _SAMPLE_SECONDS, end)
        if _offset_at(zone, probe) == current:
            t = probe
            continue
        lo, hi = t, probe  # offset(lo) == current != offset(hi): find the first changed second
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if _offset_at(zone, mid) == current:
                lo = mid
            else:
                hi = mid
        boundary = _EPOCH + timedelta(seconds=hi)
        if boundary >= b:
            break
        if boundary > piece_start:
            out.append((piece_start, boundary, current))
            piece_start = boundary
        current = _offset_at(zone, hi)
        t = hi
    out.append((piece_start, b, current))
    return out


def _window_intervals(wh: WorkingHours, a: datetime, b: datetime) -> list[tuple[datetime, datetime]]:
    """Open intervals inside the UTC span [a, b), sorted, adjacent ones merged."""
    out: list[tuple[datetime, datetime]] = []
    for seg_start, seg_end, offset in _segments(wh.zone, a, b):
        local_start = seg_start.replace(tzinfo=None) + offset
        local_end = seg_end.replace(tzinfo=None) + offset
        day = local_start.date()
        while (midnight := datetime.combine(day, time())) < local_end:
            for start, end in wh.days[day.weekday()]:
                lo = max(midnight + timedelta(minutes=start), local_start)
                hi = min(midnight + timedelta(minutes=end), local_end)
                if lo < hi:
                    interval = ((lo - offset).replace(tzinfo=UTC), (hi - offset).replace(tzinfo=UTC))
                    if out and out[-1][1] == interval[0]:
                        out[-1] = (out[-1][0], interval[1])
                    else:
                        out.append(interval)
            day += timedelta(days=1)
    return out


def _iter_open(wh: WorkingHours, start: datetime) -> Iterator[tuple[datetime, datetime]]:
    """Yield open intervals from ``start`` on (the first clipped to ``start``), in order, forever.

    Intervals are cut at week boundaries (not maximal): a 24/7 schedule would otherwise never yield.
    """
    window_start = start
    empty = 0
    while True:
        window_end = window_start + _WINDOW
        found = _window_intervals(wh, window_start, window_end)
        empty = 0 if found else empty + 1
        if empty > _MAX_EMPTY_WINDOWS:
            raise RuntimeError(f"no open time in a year from {window_start.isoformat()} for {wh!r}")
        yield from found
        window_start = window_end


def open_intervals(wh: WorkingHours, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """Return the open intervals (UTC, maximal, clipped) within [start, end)."""
    start, end = _utc(start), _utc(end)
    if end <= start:
        return []
    if wh.always:
        return [(start, end)]
    out: list[tuple[datetime, datetime]] = []
    for lo, hi in _iter_open(wh, start):
        if lo >= end:
            break
        if out and out[-1][1] == lo:
            out[-1] = (out[-1][0], min(hi, end))
        else:
            out.append((lo, min(hi, end)))
        if hi >= end:
            break
    return out


def is_open(wh: WorkingHours, at: datetime) -> bool:
    """Tell whether trainers are working at ``at``."""
    at = _utc(at)
    if wh.always:
        return True
    local = at.astimezone(wh.zone).replace(tzinfo=None)
    since_midnight = local - datetime.combine(local.date(), time())
    return any(
        timedelta(minutes=start) <= since_midnight < timedelta(minutes=end)
        for start, end in wh.days[local.weekday()]
    )


def next_opening(wh: WorkingHours, at: datetime) -> datetime:
    """Return ``at`` (in UTC) when open, else the start of the next open interval."""
    at = _utc(at)
    if wh.always:
        return at
    return next(_iter_open(wh, at))[0]


def add_working_time(wh: WorkingHours, start: datetime, delta: timedelta) -> datetime:
    """Return the earliest instant by which ``delta`` of open time has passed since ``start``.

    The result may be a closing instant (Friday 14:00 + 4 h = Friday 18:00); a caller that must act inside
    working hours applies :func:`next_opening` to it.
    """
    start = _utc(start)
    if delta < timedelta(0):
        raise ValueError("add_working_time needs a non-negative delta")
    if wh.always or not delta:
        return start + delta
    remaining = delta
    for lo, hi in _iter_open(wh, start):
        if hi - lo >= remaining:
            return lo + remaining
        remaining -= hi - lo
    raise AssertionError("unreachable: _iter_open never ends")


def working_time_between(wh: WorkingHours, a: datetime, b: datetime) -> timedelta:
    """Return the open time between ``a`` and ``b`` (negative when ``b`` is before ``a``)."""
    a, b = _utc(a), _utc(b)
    if b < a:
        return -working_time_between(wh, b, a)
    if wh.always:
        return b - a
    return sum((hi - lo for lo, hi in open_intervals(wh, a, b)), timedelta(0))
