"""New-item selection and backoff (pure, clock injected)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.clock import FakeClock
from bot.services.feeds.entries import FeedEntry
from bot.services.feeds.select import (
    FeedMemory,
    SelectReason,
    backoff_delay,
    is_failing,
    select_new_items,
)

CLOCK = FakeClock(datetime(2026, 1, 10, 12, 0, tzinfo=UTC))
NOW = CLOCK.now()


def item(
    key: str, *, hours_ago: float | None = None, link: str | None = None, position: int = 0
) -> FeedEntry:
    published = None if hours_ago is None else NOW - timedelta(hours=hours_ago)
    return FeedEntry(
        key=key, title=key, link=link or f"https://ex.org/{key}", summary="", published=published, image=None,
        guid=key, raw_link=None, safe_title=key, safe_summary="", position=position,
    )  # fmt: skip


def keys(entries) -> list[str]:
    return [getattr(e, "entry", e).key for e in entries]


SEEDED = FeedMemory(seen_keys=frozenset({"old"}), seeded=True)


def test_new_feed_is_seeded_silently():
    entries = [item("c", hours_ago=1, position=0), item("b", hours_ago=2, position=1), item("a", position=2)]
    selection = select_new_items(FeedMemory(), entries, now=NOW)
    assert selection.to_post == []
    assert sorted(keys(selection.to_record_only)) == ["a", "b", "c"]
    assert {d.reason for d in selection.to_record_only} == {SelectReason.SEEDING}


def test_new_feed_can_post_its_latest_item():
    entries = [item("c", hours_ago=1), item("b", hours_ago=2), item("old", hours_ago=500)]
    selection = select_new_items(FeedMemory(), entries, now=NOW, post_latest_on_seed=True)
    assert keys(selection.to_post) == ["c"]
    assert sorted(keys(selection.to_record_only)) == ["b", "old"]


def test_only_unseen_entries_oldest_first():
    entries = [item("new2", hours_ago=1), item("new1", hours_ago=5), item("old", hours_ago=10)]
    selection = select_new_items(SEEDED, entries, now=NOW)
    assert keys(selection.to_post) == ["new1", "new2"]
    assert [(d.entry.key, d.reason) for d in selection.skipped] == [("old", SelectReason.ALREADY_SEEN)]


def test_undated_entries_are_new_when_first_seen_after_seeding():
    entries = [item("undated", position=0), item("dated", hours_ago=3, position=1)]
    selection = select_new_items(SEEDED, entries, now=NOW)
    assert keys(selection.to_post) == ["dated", "undated"]


def test_at_most_max_items_and_the_rest_waits_for_the_next_poll():
    entries = [item(f"n{i}", hours_ago=i, position=i) for i in range(5)]
    first = select_new_items(SEEDED, entries, now=NOW, max_items=3)
    assert keys(first.to_post) == ["n4", "n3", "n2"]
    assert keys(first.deferred) == ["n1", "n0"] and not first.to_record_only
    memory = FeedMemory(seen_keys=SEEDED.seen_keys | {e.key for e in first.to_post}, seeded=True)
    second = select_new_items(memory, entries, now=NOW, max_items=3)
    assert keys(second.to_post) == ["n1", "n0"] and not second.deferred


def test_too_old_is_recorded_not_posted():
    entries = [item("fresh", hours_ago=24), item("stale", hours_ago=24 * 8)]
    selection = select_new_items(SEEDED, entries, now=NOW, max_age=timedelta(days=7))
    assert keys(selection.to_post) == ["fresh"]
    assert [(d.entry.key, d.reason) for d in selection.to_record_only] == [("stale", SelectReason.TOO_OLD)]
    # an old item never counts against max_items
    many_old = [item(f"s{i}", hours_ago=24 * 30 + i) for i in range(5)] + [item("fresh", hours_ago=1)]
    assert keys(select_new_items(SEEDED, many_old, now=NOW, max_items=1).to_post) == ["fresh"]


def test_same_link_in_a_channel_is_posted_once():
    shared = "https://news.example/article"
    from_a = [item("a1", hours_ago=2, link=shared)]
    from_b = [
        item("b1", hours_ago=1, link=shared),
        item("b2", hours_ago=1, link="https://news.example/other"),
    ]
    first = select_new_items(SEEDED, from_a, now=NOW, posted_links=set())
    posted = {e.link for e in first.to_post}
    second = select_new_items(SEEDED, from_b, now=NOW, posted_links=posted)
    assert keys(second.to_post) == ["b2"]
    assert [(d.entry.key, d.reason) for d in second.to_record_only] == [("b1", SelectReason.DUPLICATE_LINK)]


def test_same_link_twice_in_one_document_and_repeated_keys():
    entries = [
        item("x", hours_ago=2, link="https://e/1"),
        item("y", hours_ago=1, link="https://e/1"),
        item("x", hours_ago=2),
    ]
    selection = select_new_items(SEEDED, entries, now=NOW)
    assert keys(selection.to_post) == ["x"]
    assert [d.reason for d in selection.to_record_only] == [SelectReason.DUPLICATE_LINK]
    assert [d.reason for d in selection.skipped] == [SelectReason.DUPLICATE_KEY]


def test_future_dates_count_as_now():
    entries = [item("future", hours_ago=-48), item("recent", hours_ago=1)]
    assert keys(select_new_items(SEEDED, entries, now=NOW).to_post) == ["recent", "future"]


def test_backoff_doubles_and_caps_at_a_day():
    interval = timedelta(minutes=15)
    assert backoff_delay(interval, 0) == interval
    assert backoff_delay(interval, 1) == timedelta(minutes=30)
    assert backoff_delay(interval, 3) == timedelta(hours=2)
    assert backoff_delay(interval, 7) == timedelta(days=1)
    assert backoff_delay(interval, 10_000) == timedelta(days=1)
    assert backoff_delay(timedelta(days=2), 3) == timedelta(days=2)


def test_failing_after_threshold_or_three_days():
    clock = FakeClock(NOW)
    started = clock.now()
    assert not is_failing(0, None, clock.now())
    assert not is_failing(9, started, clock.now())
    assert is_failing(10, started, clock.now())
    clock.advance(timedelta(days=3) - timedelta(seconds=1))
    assert not is_failing(2, started, clock.now())
    clock.advance(1)
    assert is_failing(2, started, clock.now())
    assert is_failing(3, started, clock.now(), threshold=3, window=timedelta(days=30))
