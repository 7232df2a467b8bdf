"""Durations for people and reports, and the escalation catalog entries."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest

from bot.i18n import catalog
from bot.services.escalation import format_duration, median_response_time

SERVICE_DIR = Path(__file__).resolve().parents[2] / "bot" / "services" / "escalation"


@pytest.mark.parametrize(
    ("td", "en", "fr"),
    [
        (timedelta(0), "0 s", "0 s"),
        (timedelta(seconds=45), "45 s", "45 s"),
        (timedelta(minutes=1), "1 min", "1 min"),
        (timedelta(minutes=59, seconds=31), "1 h", "1 h"),  # rounded to the nearest minute
        (timedelta(hours=2, minutes=15), "2 h 15 min", "2 h 15 min"),
        (timedelta(hours=2, minutes=15, seconds=20), "2 h 15 min", "2 h 15 min"),
        (timedelta(hours=5), "5 h", "5 h"),
        (timedelta(days=3), "3 d", "3 j"),
        (timedelta(days=1, hours=4, minutes=30), "1 d 4 h", "1 j 4 h"),  # two units at most
        (timedelta(days=2, minutes=5), "2 d", "2 j"),  # no "0 h" in the middle
        (timedelta(minutes=-90), "-1 h 30 min", "-1 h 30 min"),
    ],
)
def test_format_duration(td, en, fr):
    assert format_duration(td, "en") == en
    assert format_duration(td, "fr") == fr


@pytest.mark.parametrize(
    ("durations", "expected"),
    [
        ([], None),
        ([timedelta(hours=3)], timedelta(hours=3)),
        ([timedelta(hours=5), timedelta(hours=1), timedelta(hours=3)], timedelta(hours=3)),
        (
            [timedelta(hours=4), timedelta(hours=1), timedelta(hours=2), timedelta(hours=8)],
            timedelta(hours=3),
        ),
        ((timedelta(minutes=m) for m in (10, 20)), timedelta(minutes=15)),  # any iterable
    ],
)
def test_median_response_time(durations, expected):
    assert median_response_time(durations) == expected


def test_escalation_entries_are_consistent():
    entries = [key for key in catalog().keys() if key.startswith("escalation.")]  # noqa: SIM118 (no __iter__)
    assert len(entries) > 30
    assert [p for p in catalog().problems() if p.startswith("escalation.")] == []


def test_every_key_the_code_names_exists():
    named: set[str] = set()
    for path in SERVICE_DIR.glob("*.py"):
        named.update(re.findall(r'"(escalation\.[a-z_.]+)"', path.read_text(encoding="utf-8")))
    # keys built from an enum value
    named.update(f"escalation.escalate.refused.{role}" for role in ("trainer", "other"))
    assert named
    missing = sorted(key for key in named if not key.endswith(".") and key not in catalog())
    assert missing == []
