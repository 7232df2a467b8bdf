"""The working-hours syntax: good and bad inputs in French and English, and the round trip."""

from __future__ import annotations

import pytest

from bot.i18n import catalog
from bot.services.escalation import (
    ALWAYS,
    DEFAULT_WORKING_HOURS,
    WorkingHours,
    WorkingHoursError,
    format_working_hours,
    parse_working_hours,
)

NINE_TO_SIX = ((540, 1080),)
WEEKDAYS_9_18 = (NINE_TO_SIX,) * 5 + ((),) * 2
SPLIT_EXPECTED = (((540, 750), (810, 1020)),) * 4 + (((540, 720),), (), ())


@pytest.mark.parametrize(
    ("text", "days", "tz"),
    [
        ("mon-fri 09:00-18:00 Europe/Paris", WEEKDAYS_9_18, "Europe/Paris"),
        ("lun-ven 9h-18h", WEEKDAYS_9_18, "Europe/Paris"),  # default zone
        ("Lundi - Vendredi : 9h - 18h", WEEKDAYS_9_18, "Europe/Paris"),
        ("MON-FRI 9AM-6PM europe/paris", WEEKDAYS_9_18, "Europe/Paris"),  # case-insensitive zone
        ("weekdays 9-18 UTC", WEEKDAYS_9_18, "UTC"),
        ("semaine 9h00-18h00", WEEKDAYS_9_18, "Europe/Paris"),
        ("mon,tue,wed,thu,fri 9.00-18.00", WEEKDAYS_9_18, "Europe/Paris"),
        ("mon-wed 9-18; thu-fri 9-18", WEEKDAYS_9_18, "Europe/Paris"),
        ("mon-fri 9-12,12-18", WEEKDAYS_9_18, "Europe/Paris"),  # touching ranges merge
        ("mon-fri 9-13 12-18", WEEKDAYS_9_18, "Europe/Paris"),  # overlapping ranges merge
        ("mon-fri 9:00–18:00 America/Montreal", WEEKDAYS_9_18, "America/Montreal"),  # en dash
        ("mon-thu 9:00-12:30,13:30-17:00; fri 9:00-12:00 Europe/Paris", SPLIT_EXPECTED, "Europe/Paris"),
        ("lun-jeu 9h-12h30, 13h30-17h ; ven 9h-12h", SPLIT_EXPECTED, "Europe/Paris"),
        ("mon-thu 9:00-12:30,13:30-17:00\nfri 9:00-12:00\nEurope/Paris", SPLIT_EXPECTED, "Europe/Paris"),
        ("sat-sun 10am-4pm", ((),) * 5 + (((600, 960),),) * 2, "Europe/Paris"),
        ("week-end 10h-16h", ((),) * 5 + (((600, 960),),) * 2, "Europe/Paris"),
        ("fri-mon 20:00-24:00", (((1200, 1440),),) + ((),) * 3 + (((1200, 1440),),) * 3, "Europe/Paris"),
        ("daily 22:00-00:00 Asia/Kolkata", (((1320, 1440),),) * 7, "Asia/Kolkata"),
        ("tlj 0h-24h", (((0, 1440),),) * 7, "Europe/Paris"),
        ("dim. 9h-12h", ((),) * 6 + (((540, 720),),), "Europe/Paris"),
    ],
)
def test_parse_good(text, days, tz):
    wh = parse_working_hours(text)
    assert wh == WorkingHours(days=days, tz=tz)


@pytest.mark.parametrize("text", ["always", "toujours", "Always", "TOUJOURS", "24/7", "always Europe/Paris"])
def test_parse_always(text):
    assert parse_working_hours(text) == ALWAYS


def test_default_zone_can_be_given():
    assert parse_working_hours("mon 9-10", default_tz="Asia/Tokyo").tz == "Asia/Tokyo"


@pytest.mark.parametrize(
    ("text", "key", "value"),
    [
        ("", "escalation.hours.error.empty", None),
        ("   ;  ", "escalation.hours.error.empty", None),
        ("mon-fri", "escalation.hours.error.missing_hours", "mon-fri"),
        ("lun-ven Europe/Paris", "escalation.hours.error.missing_hours", "lun-ven"),
        ("9-18", "escalation.hours.error.missing_days", "9-18"),
        ("9h-18h Europe/Paris", "escalation.hours.error.missing_days", "9h-18h"),
        ("foo 9-18", "escalation.hours.error.day", "foo"),
        ("mon-xyz 9-18", "escalation.hours.error.day", "xyz"),
        ("lundi-samdi 9h-18h", "escalation.hours.error.day", "samdi"),
        ("mon 18-9", "escalation.hours.error.range", "18-9"),
        ("lun 9h-9h", "escalation.hours.error.range", "9h-9h"),
        ("mon 9-12-15", "escalation.hours.error.range", "9-12-15"),
        ("mon 9", "escalation.hours.error.range", "9"),
        ("mon 25h-26h", "escalation.hours.error.time", "25h"),
        ("mon 9:60-10", "escalation.hours.error.time", "9:60"),
        ("mon 24:30-10", "escalation.hours.error.time", "24:30"),
        ("mon 13pm-14pm", "escalation.hours.error.time", "13pm"),
        ("mon 9:-18", "escalation.hours.error.time", "9:"),
        ("mon-fri 9-18 Mars/Olympus", "escalation.hours.error.timezone", "Mars/Olympus"),
        ("lun-ven 9h-18h paris", "escalation.hours.error.timezone", "paris"),
        ("always mon 9-18", "escalation.hours.error.syntax", "always mon 9-18"),
    ],
)
def test_parse_bad(text, key, value):
    with pytest.raises(WorkingHoursError) as caught:
        parse_working_hours(text)
    error = caught.value
    assert error.key == key
    assert error.values.get("value") == value
    assert isinstance(error, ValueError)
    assert key in catalog()
    for lang in ("en", "fr"):  # the message renders with the values it carries
        rendered = catalog().t(key, lang, **error.values)
        assert value is None or value in rendered


def test_no_open_time_is_refused():
    with pytest.raises(WorkingHoursError) as caught:
        WorkingHours(days=((),) * 7, tz="Europe/Paris")
    assert caught.value.key == "escalation.hours.error.no_open_time"


def test_unknown_zone_in_the_value_is_refused():
    with pytest.raises(WorkingHoursError) as caught:
        WorkingHours(days=WEEKDAYS_9_18, tz="Nowhere/Land")
    assert caught.value.key == "escalation.hours.error.timezone"


@pytest.mark.parametrize(
    ("wh", "en", "fr"),
    [
        (DEFAULT_WORKING_HOURS, "mon-fri 09:00-18:00 Europe/Paris", "lun-ven 9h-18h Europe/Paris"),
        (ALWAYS, "always", "toujours"),
        (
            WorkingHours(days=SPLIT_EXPECTED, tz="Europe/Paris"),
            "mon-thu 09:00-12:30,13:30-17:00; fri 09:00-12:00 Europe/Paris",
            "lun-jeu 9h-12h30,13h30-17h; ven 9h-12h Europe/Paris",
        ),
        (
            parse_working_hours("mon,wed,fri 9-12; tue,thu 14-18 UTC"),
            "mon,wed,fri 09:00-12:00; tue,thu 14:00-18:00 UTC",
            "lun,mer,ven 9h-12h; mar,jeu 14h-18h UTC",
        ),
        (
            parse_working_hours("daily 0-24 Asia/Tokyo"),
            "mon-sun 00:00-24:00 Asia/Tokyo",
            "lun-dim 0h-24h Asia/Tokyo",
        ),
    ],
)
def test_format_and_round_trip(wh, en, fr):
    assert format_working_hours(wh, "en") == en == wh.format()
    assert wh.format("fr") == fr
    assert parse_working_hours(en) == wh
    assert parse_working_hours(fr) == wh
    assert WorkingHours.parse(en) == wh
