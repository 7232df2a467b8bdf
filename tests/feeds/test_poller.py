"""The poll engine against local servers: statuses, order, validators, bounded concurrency, parse count."""

from __future__ import annotations

import asyncio

import pytest
from aiohttp import web

from bot.services.feeds import poller as poller_module
from bot.services.feeds.errors import FeedErrorReason
from bot.services.feeds.fetch import FeedFetcher, FetchOptions
from bot.services.feeds.poller import FeedRequest, PollStatus, poll_many

from .conftest import fixture_bytes

RSS = fixture_bytes("rss20.xml")
LOCAL = FetchOptions(allow_private_addresses=True, timeout=0.5)


@pytest.fixture
def parse_calls(monkeypatch) -> list[str]:
    calls: list[str] = []
    real = poller_module.parse_feed_async

    async def counting(body, headers=None, **kwargs):
        calls.append(kwargs.get("url") or "")
        return await real(body, headers, **kwargs)

    monkeypatch.setattr(poller_module, "parse_feed_async", counting)
    return calls


async def test_poll_many_mixed_cycle(make_server, parse_calls):
    server = await make_server()
    never = asyncio.Event()

    async def feed(request: web.Request) -> web.Response:
        if request.headers.get("If-None-Match") == '"same"':
            return web.Response(status=304)
        return web.Response(body=RSS, headers={"Content-Type": "application/rss+xml", "ETag": '"new"'})

    async def gone(request: web.Request) -> web.Response:
        return web.Response(status=410)

    async def slow(request: web.Request) -> web.Response:
        await never.wait()
        return web.Response(status=200)

    async def page(request: web.Request) -> web.Response:
        return web.Response(body=fixture_bytes("not_a_feed.html"), content_type="text/html")

    async def broken(request: web.Request) -> web.Response:
        return web.Response(body=fixture_bytes("malformed.xml"), content_type="application/xml")

    for path, handler in [
        ("/feed", feed),
        ("/gone", gone),
        ("/slow", slow),
        ("/page", page),
        ("/broken", broken),
    ]:
        server.route(path, handler)
    await server.start()
    requests = [
        FeedRequest(1, server.url("/feed")),
        FeedRequest(2, server.url("/feed"), etag='"same"', last_modified="Mon, 05 Jan 2026 08:00:00 GMT"),
        FeedRequest(3, server.url("/gone"), etag='"kept"'),
        FeedRequest(4, server.url("/slow")),
        FeedRequest(5, server.url("/page")),
        FeedRequest(6, "gopher://example.org/"),
        FeedRequest(7, server.url("/broken")),
    ]
    results = await poll_many(requests, concurrency=3, options=LOCAL)
    assert [r.feed_id for r in results] == [1, 2, 3, 4, 5, 6, 7]
    changed, same, gone_, slow_, page_, bad, broken_ = results
    assert changed.status is PollStatus.CHANGED and changed.etag == '"new"' and len(changed.entries) == 3
    assert changed.feed_title == "Cours Python & co" and changed.warning is None
    assert same.status is PollStatus.NOT_MODIFIED and same.entries == ()
    assert same.etag == '"same"' and same.last_modified == "Mon, 05 Jan 2026 08:00:00 GMT"
    assert (gone_.status, gone_.error_reason, gone_.etag) == (
        PollStatus.ERROR,
        FeedErrorReason.NOT_FOUND,
        '"kept"',
    )
    assert slow_.error_reason is FeedErrorReason.TIMEOUT
    assert page_.error_reason is FeedErrorReason.NOT_A_FEED
    assert bad.error_reason is FeedErrorReason.BAD_URL and bad.error_detail
    assert broken_.status is PollStatus.CHANGED and broken_.warning and len(broken_.entries) == 2
    # only documents that changed were parsed (the HTML page is parsed to find it is not a feed)
    assert sorted(parse_calls) == sorted([server.url("/feed"), server.url("/page"), server.url("/broken")])


async def test_concurrency_is_bounded(make_server):
    server = await make_server()
    in_flight = 0
    peak = 0

    async def feed(request: web.Request) -> web.Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.01)  # lets other requests overlap; nothing is asserted about time
        in_flight -= 1
        return web.Response(status=304)

    server.route("/feed", feed)
    await server.start()
    requests = [FeedRequest(i, server.url("/feed"), etag='"x"') for i in range(12)]
    results = await poll_many(requests, concurrency=2, options=LOCAL)
    assert all(r.status is PollStatus.NOT_MODIFIED for r in results)
    assert 1 <= peak <= 2


async def test_unexpected_error_for_one_feed_does_not_sink_the_cycle(make_server, monkeypatch):
    server = await make_server()

    async def feed(request: web.Request) -> web.Response:
        return web.Response(status=304)

    server.route("/feed", feed)
    await server.start()
    fetcher = FeedFetcher(LOCAL)
    real_fetch = fetcher.fetch

    async def flaky(url: str, **kwargs):
        if url.endswith("boom"):
            raise RuntimeError("bug")
        return await real_fetch(url, **kwargs)

    monkeypatch.setattr(fetcher, "fetch", flaky)
    try:
        results = await poll_many(
            [FeedRequest(1, server.url("/feed")), FeedRequest(2, server.url("/boom"))],
            concurrency=2,
            fetcher=fetcher,
        )
    finally:
        await fetcher.close()
    assert results[0].status is PollStatus.NOT_MODIFIED
    assert results[1].status is PollStatus.ERROR and "RuntimeError" in (results[1].error_detail or "")


async def test_concurrency_must_be_positive():
    with pytest.raises(ValueError):
        await poll_many([], concurrency=0)
