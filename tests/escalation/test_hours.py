"""Working-hours arithmetic on fixed dates: weekends, a whole week, both DST changes, multi-range days."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.services.escalation import (
    ALWAYS,
    DEFAULT_WORKING_HOURS,
    add_working_time,
    is_open,
    next_opening,
    open_intervals,
    parse_working_hours,
    working_time_between,
)
from tests.escalation.helpers import paris, utc

H = timedelta(hours=1)
DEFAULT = DEFAULT_WORKING_HOURS
SPLIT = parse_working_hours("mon-thu 9:00-12:30,13:30-17:00; fri 9:00-12:00 Europe/Paris")
NIGHT_WINDOW = parse_working_hours("daily 02:00-03:00 Europe/Paris")
FULL_DAYS = parse_working_hours("daily 00:00-24:00 Europe/Paris")
NEW_YORK = parse_working_hours("mon-fri 9-17 America/New_York")

# 2026: Europe/Paris springs forward on Sunday 29 March (02:00 -> 03:00) and falls back on Sunday
# 25 October (03:00 -> 02:00); America/New_York springs forward on Sunday 8 March.


@pytest.mark.parametrize(
    ("hours", "start", "delta", "expected"),
    [
        # across a weekend: Friday 17:00 + 4 working hours = Monday 12:00
        (DEFAULT, paris(2026, 11, 27, 17), 4 * H, paris(2026, 11, 30, 12)),
        # landing exactly on a closing time stays there
        (DEFAULT, paris(2026, 11, 27, 14), 4 * H, paris(2026, 11, 27, 18)),
        # starting outside hours counts from the next opening
        (DEFAULT, paris(2026, 11, 28, 15), 4 * H, paris(2026, 11, 30, 13)),
        (DEFAULT, paris(2026, 11, 24, 7), 2 * H, paris(2026, 11, 24, 11)),
        # a whole week is 45 working hours: Monday 09:00 + 45 h = Friday 18:00; one minute more = next Monday
        (DEFAULT, paris(2026, 11, 23, 9), 45 * H, paris(2026, 11, 27, 18)),
        (DEFAULT, paris(2026, 11, 23, 9), 45 * H + timedelta(minutes=1), paris(2026, 11, 30, 9, 1)),
        (DEFAULT, paris(2026, 11, 23, 9), 90 * H, paris(2026, 12, 4, 18)),
        # Friday before the spring change + 8 working hours (Friday 14-18, Monday 9-13)
        (DEFAULT, paris(2026, 3, 27, 14), 8 * H, paris(2026, 3, 30, 13)),
        # Friday before the autumn change + 8 working hours
        (DEFAULT, paris(2026, 10, 23, 14), 8 * H, paris(2026, 10, 26, 13)),
        # "always" across the autumn change: 24 h of open time = 24 real hours (11:00 local, not 12:00)
        (ALWAYS, paris(2026, 10, 24, 12), 24 * H, paris(2026, 10, 25, 11)),
        (FULL_DAYS, paris(2026, 10, 24, 12), 24 * H, paris(2026, 10, 25, 11)),
        # and across the spring change: 13:00 local the next day
        (ALWAYS, paris(2026, 3, 28, 12), 24 * H, paris(2026, 3, 29, 13)),
        (FULL_DAYS, paris(2026, 3, 28, 12), 24 * H, paris(2026, 3, 29, 13)),
        # multi-range days: the lunch break and Friday's short day are skipped
        (SPLIT, paris(2026, 11, 23, 11), 3 * H, paris(2026, 11, 23, 15)),
        (SPLIT, paris(2026, 11, 26, 16), 4 * H, paris(2026, 11, 27, 12)),
        (SPLIT, paris(2026, 11, 27, 11), 2 * H, paris(2026, 11, 30, 10)),
        (SPLIT, paris(2026, 11, 23, 12, 30), 30 * timedelta(minutes=1), paris(2026, 11, 23, 14)),
        # a 02:00-03:00 window: absent on the spring Sunday, two real hours on the autumn Sunday
        (NIGHT_WINDOW, paris(2026, 3, 28, 12), H, paris(2026, 3, 30, 3)),
        (NIGHT_WINDOW, paris(2026, 10, 25, 2), 90 * timedelta(minutes=1), utc(2026, 10, 25, 1, 30)),
        (NIGHT_WINDOW, paris(2026, 10, 25, 2), 2 * H, utc(2026, 10, 25, 2)),
        # another zone, another DST date
        (NEW_YORK, datetime(2026, 3, 6, 16, tzinfo=ZoneInfo("America/New_York")), 2 * H, utc(2026, 3, 9, 14)),
    ],
)
def test_add_working_time(hours, start, delta, expected):
    result = add_working_time(hours, start, delta)
    assert result == expected
    assert result.tzinfo is UTC
    assert working_time_between(hours, start, result) == delta


def test_spring_friday_plus_eight_hours_is_seventy_real_hours():
    result = add_working_time(DEFAULT, paris(2026, 3, 27, 14), 8 * H)
    assert result == utc(2026, 3, 30, 11)
    assert result - paris(2026, 3, 27, 14) == 70 * H


@pytest.mark.parametrize(
    ("hours", "at", "expected"),
    [
        (DEFAULT, paris(2026, 11, 23, 9), paris(2026, 11, 23, 9)),  # at the opening minute: itself
        (DEFAULT, paris(2026, 11, 23, 17, 59), paris(2026, 11, 23, 17, 59)),
        (DEFAULT, paris(2026, 11, 23, 18), paris(2026, 11, 24, 9)),  # exactly the closing minute: closed
        (DEFAULT, paris(2026, 11, 27, 18), paris(2026, 11, 30, 9)),  # Friday closing -> Monday
        (DEFAULT, paris(2026, 11, 28, 10), paris(2026, 11, 30, 9)),
        (DEFAULT, paris(2026, 11, 24, 3), paris(2026, 11, 24, 9)),
        (SPLIT, paris(2026, 11, 23, 12, 30), paris(2026, 11, 23, 13, 30)),  # lunch break
        (SPLIT, paris(2026, 11, 27, 12), paris(2026, 11, 30, 9)),
        (DEFAULT, paris(2026, 3, 28, 10), paris(2026, 3, 30, 9)),  # weekend of the spring change
        (NIGHT_WINDOW, paris(2026, 3, 29, 0), paris(2026, 3, 30, 2)),  # 02:00 does not exist on the 29th
        (NIGHT_WINDOW, paris(2026, 10, 25, 2, 30, fold=1), utc(2026, 10, 25, 1, 30)),  # repeated hour: open
        # (a local time in a gap or a fold never compares equal across zones: compare in UTC)
        (ALWAYS, paris(2026, 10, 25, 2, 30), utc(2026, 10, 25, 0, 30)),  # first 02:30
        (FULL_DAYS, paris(2026, 3, 29, 2, 30), utc(2026, 3, 29, 1, 30)),  # nonexistent 02:30 = 03:30 CEST
    ],
)
def test_next_opening(hours, at, expected):
    result = next_opening(hours, at)
    assert result == expected
    assert result.tzinfo is UTC
    assert is_open(hours, result)


@pytest.mark.parametrize(
    ("hours", "at", "expected"),
    [
        (DEFAULT, paris(2026, 11, 23, 9), True),
        (DEFAULT, paris(2026, 11, 23, 8, 59), False),
        (DEFAULT, paris(2026, 11, 23, 18), False),
        (DEFAULT, paris(2026, 11, 28, 12), False),
        (SPLIT, paris(2026, 11, 23, 13), False),
        (SPLIT, paris(2026, 11, 27, 14), False),
        (NIGHT_WINDOW, paris(2026, 10, 25, 2, 30, fold=0), True),
        (NIGHT_WINDOW, paris(2026, 10, 25, 2, 30, fold=1), True),
        (NIGHT_WINDOW, utc(2026, 3, 29, 1, 30), False),  # 03:30 local after the skipped hour
        (ALWAYS, utc(2026, 1, 1), True),
        (FULL_DAYS, utc(2026, 10, 25, 1, 30), True),
    ],
)
def test_is_open(hours, at, expected):
    assert is_open(hours, at) is expected


@pytest.mark.parametrize(
    ("hours", "a", "b", "expected"),
    [
        (DEFAULT, paris(2026, 11, 23), paris(2026, 11, 30), 45 * H),  # a whole week
        (DEFAULT, paris(2026, 11, 2), paris(2026, 11, 30), 4 * 45 * H),  # four weeks
        (DEFAULT, paris(2026, 11, 27, 17), paris(2026, 11, 30, 12), 4 * H),
        (DEFAULT, paris(2026, 11, 28), paris(2026, 11, 29, 23), timedelta(0)),
        (DEFAULT, paris(2026, 3, 23), paris(2026, 3, 30), 45 * H),  # the spring-change week
        (DEFAULT, paris(2026, 10, 19), paris(2026, 10, 26), 45 * H),  # the autumn-change week
        (SPLIT, paris(2026, 11, 23), paris(2026, 11, 30), 4 * 7 * H + 3 * H),
        (FULL_DAYS, paris(2026, 3, 29), paris(2026, 3, 30), 23 * H),
        (FULL_DAYS, paris(2026, 10, 25), paris(2026, 10, 26), 25 * H),
        (ALWAYS, paris(2026, 10, 25), paris(2026, 10, 26), 25 * H),
        (NIGHT_WINDOW, paris(2026, 3, 29), paris(2026, 3, 30), timedelta(0)),
        (NIGHT_WINDOW, paris(2026, 10, 25), paris(2026, 10, 26), 2 * H),
        (NIGHT_WINDOW, paris(2026, 3, 23), paris(2026, 3, 30), 6 * H),
        # reversed bounds give the opposite
        (DEFAULT, paris(2026, 11, 30, 12), paris(2026, 11, 27, 17), -4 * H),
    ],
)
def test_working_time_between(hours, a, b, expected):
    assert working_time_between(hours, a, b) == expected


def test_always_is_plain_arithmetic():
    start = utc(2026, 10, 24, 22, 17)
    assert add_working_time(ALWAYS, start, 5 * H) == start + 5 * H
    assert working_time_between(ALWAYS, start, start + 5 * H) == 5 * H
    assert next_opening(ALWAYS, start) == start


def test_zero_delta_returns_start_even_when_closed():
    saturday = paris(2026, 11, 28, 10)
    assert add_working_time(DEFAULT, saturday, timedelta(0)) == saturday


def test_bad_arguments():
    with pytest.raises(ValueError, match="non-negative"):
        add_working_time(DEFAULT, paris(2026, 11, 23, 10), -H)
    with pytest.raises(ValueError, match="aware"):
        is_open(DEFAULT, datetime(2026, 11, 23, 10))
    with pytest.raises(ValueError, match="aware"):
        next_opening(DEFAULT, datetime(2026, 11, 23, 10))


def test_open_intervals_are_maximal_in_utc():
    week = open_intervals(DEFAULT, paris(2026, 3, 27), paris(2026, 3, 31))
    assert week == [
        (utc(2026, 3, 27, 8), utc(2026, 3, 27, 17)),  # CET
        (utc(2026, 3, 30, 7), utc(2026, 3, 30, 16)),  # CEST
    ]
    # a full-day schedule merges into one interval across the DST change and week windows
    assert open_intervals(FULL_DAYS, utc(2026, 10, 1), utc(2026, 11, 1)) == [
        (utc(2026, 10, 1), utc(2026, 11, 1))
    ]
    assert open_intervals(NIGHT_WINDOW, paris(2026, 10, 25), paris(2026, 10, 26)) == [
        (utc(2026, 10, 25, 0), utc(2026, 10, 25, 2))
    ]
