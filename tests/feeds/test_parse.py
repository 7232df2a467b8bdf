"""Parsing: formats, malformed documents, not-a-feed, safety, and off-loop parsing."""

from __future__ import annotations

import pytest

from bot.services.feeds.errors import FeedError, FeedErrorReason
from bot.services.feeds.parse import make_parse_pool, parse_feed, parse_feed_async

from .conftest import fixture_bytes


def test_malformed_document_keeps_readable_entries_and_warns():
    feed = parse_feed(fixture_bytes("malformed.xml"))
    assert feed.bozo and feed.warning and feed.bozo_exception_type == "SAXParseException"
    assert [e.key for e in feed.entries] == ["id:broken-1", "id:broken-2"]
    assert feed.entries[0].link == "https://broken.example/one?a=1&b=2"


@pytest.mark.parametrize(
    "body",
    [
        fixture_bytes("not_a_feed.html"),
        b"",
        b"\x00\x01\x02 binary junk",
        b"<note><to>Tove</to></note>",
        b'{"version": "https://jsonfeed.org/version/1.1", "items": []}',
    ],
)
def test_not_a_feed(body):
    with pytest.raises(FeedError) as caught:
        parse_feed(body)
    assert caught.value.reason is FeedErrorReason.NOT_A_FEED


def test_html_detected_from_content_type():
    with pytest.raises(FeedError) as caught:
        parse_feed(b"<p>hello</p>", {"Content-Type": "text/html; charset=utf-8"})
    assert "HTML" in caught.value.detail


def test_charset_from_headers():
    body = fixture_bytes("wrong_encoding.xml")  # latin-1 bytes, no XML declaration
    feed = parse_feed(body, {"Content-Type": "application/rss+xml; charset=iso-8859-1"})
    assert feed.encoding == "iso-8859-1" and not feed.bozo
    assert feed.entries[0].title == "Été à la plage"


def test_bytes_that_look_like_a_path_are_never_opened(tmp_path):
    secret = tmp_path / "secret.xml"
    secret.write_bytes(fixture_bytes("rss20.xml"))
    # feedparser.parse(bytes) would open this path as a local file; the layer must read it as a document.
    with pytest.raises(FeedError):
        parse_feed(str(secret).encode())


def test_keys_are_stable_across_parses():
    body = fixture_bytes("missing_guid.xml")
    assert [e.key for e in parse_feed(body).entries] == [e.key for e in parse_feed(body).entries]


async def test_parse_async_in_threads_and_processes():
    body = fixture_bytes("rss20.xml")
    in_thread = await parse_feed_async(body)
    with make_parse_pool(1) as pool:
        in_process = await parse_feed_async(body, executor=pool)
    assert in_thread == in_process and len(in_thread.entries) == 3


async def test_not_a_feed_survives_a_process_pool():
    with make_parse_pool(1) as pool, pytest.raises(FeedError) as caught:
        await parse_feed_async(fixture_bytes("not_a_feed.html"), executor=pool)
    assert caught.value.reason is FeedErrorReason.NOT_A_FEED and "HTML" in caught.value.detail
