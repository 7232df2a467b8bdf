"""Hand-written property checks with a seeded random: the arithmetic against a minute-by-minute oracle.

Every schedule below has its boundaries and its zone's offset changes on whole minutes, so openness is
constant within each minute and counting open minutes one by one gives the exact answer.
"""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime, timedelta

import pytest

from bot.services.escalation import (
    ALWAYS,
    add_working_time,
    is_open,
    next_opening,
    open_intervals,
    parse_working_hours,
    working_time_between,
)

MINUTE = timedelta(minutes=1)
SCHEDULES = {
    "default": parse_working_hours("mon-fri 09:00-18:00 Europe/Paris"),
    "split": parse_working_hours("mon-thu 9:00-12:30,13:30-17:00; fri 9:00-12:00 Europe/Paris"),
    "night": parse_working_hours("daily 02:00-03:00 Europe/Paris"),
    "midnight": parse_working_hours("fri-mon 23:00-24:00; tue 0:00-1:30 Europe/Paris"),
    "full": parse_working_hours("daily 0:00-24:00 Europe/Paris"),
    "new_york": parse_working_hours("mon-fri 9-17 America/New_York"),
    "lord_howe": parse_working_hours("daily 1:30-2:45 Australia/Lord_Howe"),  # a 30-minute DST shift
    "kolkata": parse_working_hours("mon,wed,fri 22:00-24:00 Asia/Kolkata"),
    "always": ALWAYS,
}
# Instants near both Paris changes, New York's and Lord Howe's (April and October), and a plain week.
HOTSPOTS = [
    datetime(2026, 3, 26, tzinfo=UTC),
    datetime(2026, 10, 22, tzinfo=UTC),
    datetime(2026, 3, 5, tzinfo=UTC),
    datetime(2026, 4, 2, tzinfo=UTC),
    datetime(2026, 10, 1, tzinfo=UTC),
    datetime(2026, 11, 23, tzinfo=UTC),
]


def random_instant(rng: random.Random, *, whole_minute: bool = False) -> datetime:
    base = rng.choice(HOTSPOTS)
    offset = timedelta(minutes=rng.randrange(6 * 24 * 60))
    if not whole_minute:
        offset += timedelta(seconds=rng.randrange(60), microseconds=rng.randrange(1_000_000))
    return base + offset


def brute_between(wh, a: datetime, b: datetime) -> timedelta:
    minutes = int((b - a) / MINUTE)
    return sum((MINUTE for i in range(minutes) if is_open(wh, a + i * MINUTE)), timedelta(0))


@pytest.mark.parametrize("name", SCHEDULES)
def test_between_matches_minute_by_minute_count(name):
    wh = SCHEDULES[name]
    rng = random.Random(f"between-{name}")
    for _ in range(12):
        a = random_instant(rng, whole_minute=True)
        b = a + timedelta(minutes=rng.randrange(4 * 24 * 60))
        assert working_time_between(wh, a, b) == brute_between(wh, a, b), (a, b)


@pytest.mark.parametrize("name", SCHEDULES)
def test_add_is_the_inverse_of_between_and_lands_on_open_time(name):
    wh = SCHEDULES[name]
    rng = random.Random(f"add-{name}")
    for _ in range(200):
        start = random_instant(rng)
        delta = timedelta(seconds=rng.randrange(60 * 3600))
        end = add_working_time(wh, start, delta)
        assert end.tzinfo is UTC
        assert end >= start
        assert working_time_between(wh, start, end) == delta, (start, delta)
        if delta:  # earliest such instant: the moment just before it was open time being counted
            assert is_open(wh, end - timedelta(microseconds=1)), (start, delta, end)


@pytest.mark.parametrize("name", SCHEDULES)
def test_next_opening_is_open_and_nothing_open_is_skipped(name):
    wh = SCHEDULES[name]
    rng = random.Random(f"next-{name}")
    for _ in range(200):
        at = random_instant(rng)
        opening = next_opening(wh, at)
        assert opening >= at
        assert is_open(wh, opening)
        assert working_time_between(wh, at, opening) == timedelta(0)
        assert (opening == at) is is_open(wh, at)
        assert next_opening(wh, opening) == opening


@pytest.mark.parametrize("name", SCHEDULES)
def test_is_open_agrees_with_open_intervals(name):
    wh = SCHEDULES[name]
    rng = random.Random(f"intervals-{name}")
    start = rng.choice(HOTSPOTS)
    intervals = open_intervals(wh, start, start + timedelta(days=7))
    for lo, hi in itertools.pairwise(intervals):
        assert lo[1] < hi[0]  # sorted, disjoint, maximal
    for _ in range(300):
        at = start + timedelta(seconds=rng.randrange(7 * 86400))
        assert is_open(wh, at) == any(lo <= at < hi for lo, hi in intervals), at


def test_additivity():
    wh = SCHEDULES["split"]
    rng = random.Random("additivity")
    for _ in range(200):
        start = random_instant(rng)
        d1 = timedelta(minutes=rng.randrange(3000))
        d2 = timedelta(minutes=rng.randrange(3000))
        mid = add_working_time(wh, start, d1)
        assert add_working_time(wh, mid, d2) == add_working_time(wh, start, d1 + d2)
