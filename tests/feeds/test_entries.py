"""Entry rules on the project's own fixtures: keys, links, summaries, images, dates (pure)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.services.feeds.entries import KEY_MAX_LENGTH, canonicalize_link, entry_key
from bot.services.feeds.parse import parse_feed
from bot.services.feeds.text import DEFAULT_SUMMARY_LIMIT, ELLIPSIS, TITLE_LIMIT

from .conftest import fixture_bytes
from .test_text import PING


def parsed(name: str, **kwargs):
    return parse_feed(fixture_bytes(name), **kwargs)


@pytest.mark.parametrize(
    ("link", "canonical"),
    [
        ("HTTP://Example.COM:80/a?b=2&a=1#frag", "http://example.com/a?a=1&b=2"),
        ("https://example.com:443/", "https://example.com/"),
        ("https://example.com:8443/x", "https://example.com:8443/x"),
        ("https://example.com", "https://example.com/"),
        (
            "https://ex.com/p?utm_source=a&utm_medium=b&utm_campaign=c&fbclid=1&gclid=2&mc_cid=3&mc_eid=4"
            "&igshid=5&ref_src=6&id=7",
            "https://ex.com/p?id=7",
        ),
        ("https://ex.com/p?UTM_Source=x&q=a+b", "https://ex.com/p?q=a+b"),
        ("https://ex.com/p?z=&a=1", "https://ex.com/p?a=1&z="),
        ("https://ex.com/Path/Keeps/Case", "https://ex.com/Path/Keeps/Case"),
        ("mailto:someone@example.com", "mailto:someone@example.com"),
        ("/relative/link", "/relative/link"),
        ("https://[2001:DB8::1]:443/x", "https://[2001:db8::1]/x"),
        ("https://ex.com/page?article", "https://ex.com/page?article"),
        ("https://ex.com/s?q=a%2Fb&utm_term=x&b=%C3%A9", "https://ex.com/s?b=%C3%A9&q=a%2Fb"),
        ("https://ex.com/s?a=2&a=1", "https://ex.com/s?a=1&a=2"),
        ("https://ex.com/s?&&x=1&", "https://ex.com/s?x=1"),
    ],
)
def test_canonicalize_link(link, canonical):
    assert canonicalize_link(link) == canonical


def test_entry_key_order_and_length():
    when = datetime(2026, 1, 1, tzinfo=UTC)
    assert entry_key("guid-1", "https://x/", "t", when) == "id:guid-1"
    assert entry_key(None, "https://x/", "t", when) == "link:https://x/"
    hashed = entry_key(None, None, "t", when)
    assert hashed.startswith("hash:") and hashed == entry_key("  ", None, "t", when)
    assert hashed != entry_key(None, None, "t", None)
    long = entry_key("g" * 1000, None, "t", None)
    assert len(long) <= KEY_MAX_LENGTH and long.startswith("id:sha256:")


def test_rss20_fixture():
    feed = parsed("rss20.xml")
    assert feed.version == "rss20" and not feed.bozo and feed.title == "Cours Python & co"
    first, second, third = feed.entries
    assert first.key == "id:post-3" and first.title == "Les générateurs en Python"
    assert first.published == datetime(2026, 1, 5, 7, 0, tzinfo=UTC)
    assert first.published.tzinfo is UTC
    assert first.summary == "Un générateur produit des valeurs à la demande."  # script and style gone
    assert first.image == "https://cdn.example.org/gen.png"  # media:content
    assert second.summary == "Texte & entités échappées"
    assert second.image == "https://cdn.example.org/deco.jpg"  # image enclosure
    assert third.image == "https://cdn.example.org/thumb.jpg"  # media:thumbnail before <img>
    assert third.summary == "Voir ce schéma."


def test_first_img_when_nothing_else():
    body = fixture_bytes("rss20.xml").replace(
        b'<media:thumbnail url="https://cdn.example.org/thumb.jpg" />', b""
    )
    assert parse_feed(body).entries[2].image == "https://cdn.example.org/comp.gif"


def test_atom10_fixture_and_relative_links():
    feed = parsed("atom10.xml", url="https://example.com/feed.atom")
    week2, week1 = feed.entries
    assert week2.title == "Week 2: recursion" and week2.summary == "Recursion & the call stack."
    assert week2.published == datetime(2026, 1, 4, 18, 30, 2, tzinfo=UTC)
    assert week1.published == datetime(2026, 1, 2, 7, 0, tzinfo=UTC)  # updated, converted to UTC
    assert week1.link == "https://example.com/week-1"  # resolved against the feed URL, tracking dropped
    assert week1.summary == "Names and values."


@pytest.mark.parametrize(("name", "version"), [("atom03.xml", "atom03"), ("rss10.rdf", "rss10"),
                                                ("rss092.xml", "rss092")])  # fmt: skip
def test_other_formats(name, version):
    feed = parsed(name)
    assert feed.version == version and not feed.bozo and feed.entries
    assert all(e.title and e.link for e in feed.entries)


def test_missing_guid_falls_back_to_link_then_hash_and_skips_empty_entries():
    feed = parsed("missing_guid.xml")
    linked, bare = feed.entries
    assert linked.key == "link:https://noguid.example/post?a=1&b=2"
    assert bare.key.startswith("hash:") and bare.link is None
    assert feed.skipped_without_title_or_link == 1
    again = parsed("missing_guid.xml")
    assert [e.key for e in again.entries] == [e.key for e in feed.entries]


def test_missing_and_bad_dates_are_none():
    feed = parsed("missing_date.xml")
    assert [e.published for e in feed.entries] == [None, None]


def test_tracking_link():
    (entry,) = parsed("tracking_link.xml").entries
    assert entry.link == "http://track.example/article?a=1&z=9"
    assert entry.key == "link:http://track.example/article?a=1&z=9"
    assert "utm_source" in (entry.raw_link or "")


def test_latin1_fixture():
    feed = parsed("latin1.xml")
    assert feed.encoding == "iso-8859-1" and not feed.bozo
    assert feed.title == "Café crème"
    assert feed.entries[0].title == "Été à la plage" and feed.entries[0].summary == "Naïve façade, élèves"


def test_hostile_fixture_is_safe_and_bounded():
    hostile, long = parsed("hostile.xml").entries
    assert "@everyone" in hostile.title  # the plain text is kept as is...
    for text in (hostile.safe_title, hostile.safe_summary):  # ...the Discord form is inert
        assert not PING.search(text)
    assert "**" not in hostile.safe_title and "\\*\\*FREE\\*\\*" in hostile.safe_title
    assert "\\[click\\]" in hostile.safe_title
    assert hostile.safe_summary.startswith("\\# Heading")
    assert len(long.title) <= TITLE_LIMIT and long.title.endswith(ELLIPSIS)
    assert len(long.safe_title) <= TITLE_LIMIT
    assert len(long.summary) <= DEFAULT_SUMMARY_LIMIT and long.summary.endswith(ELLIPSIS)
    assert not long.title[:-1].endswith(" ")
    wide = parse_feed(fixture_bytes("hostile.xml"), summary_limit=4096).entries[1]
    assert len(wide.summary) <= 4096 and len(wide.safe_summary) <= 4096
