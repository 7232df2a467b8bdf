"""Fetching against local servers on 127.0.0.1: statuses, validators, compression, limits, redirects."""

from __future__ import annotations

import asyncio
import gzip
import socket
import zlib

import pytest
from aiohttp import web

from bot import __version__
from bot.services.feeds.errors import FeedError, FeedErrorReason
from bot.services.feeds.fetch import FeedFetcher, FetchOptions, check_url
from bot.services.feeds.netguard import AddressPolicy
from bot.services.feeds.poller import FeedRequest, PollStatus, poll_one

from .conftest import fixture_bytes

RSS = fixture_bytes("rss20.xml")
LOCAL = FetchOptions(allow_private_addresses=True, timeout=5.0)


async def fetch(url: str, options: FetchOptions = LOCAL, **kwargs: str | None):
    async with FeedFetcher(options) as fetcher:
        return await fetcher.fetch(url, **kwargs)


async def reason_of(url: str, options: FetchOptions = LOCAL) -> FeedErrorReason:
    with pytest.raises(FeedError) as caught:
        await fetch(url, options)
    return caught.value.reason


def feed_response(body: bytes = RSS, **headers: str) -> web.Response:
    return web.Response(body=body, headers={"Content-Type": "application/rss+xml; charset=utf-8", **headers})


async def test_plain_fetch_sends_user_agent_and_returns_validators(make_server):
    server = await make_server()

    async def handler(request: web.Request) -> web.Response:
        return feed_response(ETag='"v1"', **{"Last-Modified": "Mon, 05 Jan 2026 08:00:00 GMT"})

    server.route("/feed", handler)
    await server.start()
    result = await fetch(server.url("/feed"))
    assert result.status == 200 and not result.not_modified
    assert result.body == RSS
    assert result.etag == '"v1"' and result.last_modified == "Mon, 05 Jan 2026 08:00:00 GMT"
    assert result.headers["content-type"].startswith("application/rss+xml")
    sent = server.hits[0].headers
    assert sent["User-Agent"].startswith(f"lcm-bot/{__version__} (+https://github.com/")
    assert "gzip" in sent["Accept-Encoding"]
    assert "If-None-Match" not in sent


async def test_conditional_request_gives_not_modified(make_server):
    server = await make_server()

    async def handler(request: web.Request) -> web.Response:
        if request.headers.get("If-None-Match") == '"v1"':
            return web.Response(status=304, headers={"ETag": '"v1"'})
        if request.headers.get("If-Modified-Since") == "Mon, 05 Jan 2026 08:00:00 GMT":
            return web.Response(status=304)
        return feed_response(ETag='"v1"')

    server.route("/feed", handler)
    await server.start()
    by_etag = await fetch(server.url("/feed"), etag='"v1"')
    assert by_etag.not_modified and by_etag.status == 304 and by_etag.body == b"" and by_etag.etag == '"v1"'
    by_date = await fetch(server.url("/feed"), last_modified="Mon, 05 Jan 2026 08:00:00 GMT")
    assert by_date.not_modified
    # Without a new validator in the 304, the stored one is kept.
    assert by_date.last_modified == "Mon, 05 Jan 2026 08:00:00 GMT"


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        (404, FeedErrorReason.NOT_FOUND),
        (410, FeedErrorReason.NOT_FOUND),
        (500, FeedErrorReason.SERVER_ERROR),
        (503, FeedErrorReason.SERVER_ERROR),
        (403, FeedErrorReason.HTTP_ERROR),
        (429, FeedErrorReason.HTTP_ERROR),
    ],
)
async def test_error_statuses(make_server, status, reason):
    server = await make_server()

    async def handler(request: web.Request) -> web.Response:
        return web.Response(status=status, text="nope")

    server.route("/feed", handler)
    await server.start()
    assert await reason_of(server.url("/feed")) is reason


async def test_timeout_waiting_for_headers_and_for_body(make_server):
    server = await make_server()
    never = asyncio.Event()

    async def no_headers(request: web.Request) -> web.Response:
        await never.wait()
        return feed_response()

    async def stalled_body(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/rss+xml"})
        await response.prepare(request)
        await response.write(RSS[:100])
        await never.wait()
        return response

    server.route("/headers", no_headers)
    server.route("/body", stalled_body)
    await server.start()
    quick = FetchOptions(allow_private_addresses=True, timeout=0.3)
    assert await reason_of(server.url("/headers"), quick) is FeedErrorReason.TIMEOUT
    assert await reason_of(server.url("/body"), quick) is FeedErrorReason.TIMEOUT


async def test_redirects_followed_by_hand(make_server):
    server = await make_server()

    async def hop(request: web.Request) -> web.Response:
        n = int(request.match_info["n"])
        target = "/feed" if n == 0 else f"/hop/{n - 1}"
        raise web.HTTPFound(target) if n % 2 else web.HTTPMovedPermanently(target)

    async def feed(request: web.Request) -> web.Response:
        return feed_response()

    server.route("/hop/{n}", hop)
    server.route("/feed", feed)
    await server.start()
    result = await fetch(server.url("/hop/2"))
    assert result.body == RSS
    assert result.redirects == 3 and result.final_url == server.url("/feed")
    strict = FetchOptions(allow_private_addresses=True, max_redirects=2)
    assert await reason_of(server.url("/hop/2"), strict) is FeedErrorReason.TOO_MANY_REDIRECTS
    assert await reason_of(server.url("/hop/99")) is FeedErrorReason.TOO_MANY_REDIRECTS


async def test_redirect_to_a_refused_address_is_checked_on_the_hop(make_server):
    """Only the first server's endpoint is exempt; its redirects to another local endpoint (by IP and by
    name) must be refused before any request reaches that endpoint."""
    first = await make_server()
    second = await make_server()

    async def feed(request: web.Request) -> web.Response:
        return feed_response()

    second.route("/feed", feed)
    await second.start()

    async def to_ip(request: web.Request) -> web.Response:
        raise web.HTTPFound(second.url("/feed"))

    async def to_name(request: web.Request) -> web.Response:
        raise web.HTTPFound(f"http://localhost:{second.port}/feed")

    async def local(request: web.Request) -> web.Response:
        raise web.HTTPFound("/ok")

    first.route("/to-ip", to_ip)
    first.route("/to-name", to_name)
    first.route("/local", local)
    first.route("/ok", feed)
    await first.start()
    only_first = FetchOptions(timeout=5.0, exempt_endpoints=frozenset({("127.0.0.1", first.port)}))

    # The exemption works: a redirect that stays on the exempt endpoint is followed.
    assert (await fetch(first.url("/local"), only_first)).body == RSS
    assert await reason_of(first.url("/to-ip"), only_first) is FeedErrorReason.REFUSED_ADDRESS
    assert await reason_of(first.url("/to-name"), only_first) is FeedErrorReason.REFUSED_ADDRESS
    assert second.hits == []
    assert [r.path for r in first.hits] == ["/local", "/ok", "/to-ip", "/to-name"]


async def test_loopback_refused_by_default_before_any_request(make_server):
    server = await make_server()

    async def feed(request: web.Request) -> web.Response:
        return feed_response()

    server.route("/feed", feed)
    await server.start()
    default = FetchOptions(timeout=5.0)
    assert await reason_of(server.url("/feed"), default) is FeedErrorReason.REFUSED_ADDRESS
    # A name that resolves to loopback is refused by the resolver, at connect time.
    assert await reason_of(f"http://localhost:{server.port}/feed", default) is FeedErrorReason.REFUSED_ADDRESS
    assert server.hits == []


async def test_gzip_body_is_decoded(make_server):
    server = await make_server()

    async def handler(request: web.Request) -> web.Response:
        assert "gzip" in request.headers["Accept-Encoding"]
        return feed_response(gzip.compress(RSS), **{"Content-Encoding": "gzip"})

    server.route("/feed", handler)
    await server.start()
    assert (await fetch(server.url("/feed"))).body == RSS


async def test_deflate_body_is_decoded(make_server):
    server = await make_server()

    async def handler(request: web.Request) -> web.Response:
        return feed_response(zlib.compress(RSS), **{"Content-Encoding": "deflate"})

    server.route("/feed", handler)
    await server.start()
    assert (await fetch(server.url("/feed"))).body == RSS


async def test_size_cap(make_server):
    server = await make_server()
    big = b"<rss>" + b"x" * 200_000 + b"</rss>"

    async def declared(request: web.Request) -> web.Response:
        return feed_response(big)

    async def streamed(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/rss+xml"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        for _ in range(50):
            await response.write(b"y" * 8192)
        await response.write_eof()
        return response

    async def bomb(request: web.Request) -> web.Response:
        return feed_response(gzip.compress(b"\0" * 5_000_000), **{"Content-Encoding": "gzip"})

    for path, handler in (("/declared", declared), ("/streamed", streamed), ("/bomb", bomb)):
        server.route(path, handler)
    await server.start()
    small = FetchOptions(allow_private_addresses=True, max_bytes=50_000)
    for path in ("/declared", "/streamed", "/bomb"):
        assert await reason_of(server.url(path), small) is FeedErrorReason.TOO_LARGE, path


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/feed",
        "not a url",
        "http://",
        "javascript:alert(1)",
        "file:///etc/passwd",
        "//x.org/a",
    ],
)
async def test_bad_urls(url):
    assert await reason_of(url) is FeedErrorReason.BAD_URL


async def test_redirect_to_another_scheme_is_a_bad_url(make_server):
    server = await make_server()

    async def handler(request: web.Request) -> web.Response:
        raise web.HTTPFound("file:///etc/passwd")

    server.route("/feed", handler)
    await server.start()
    assert await reason_of(server.url("/feed")) is FeedErrorReason.BAD_URL


async def test_connection_refused():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    assert await reason_of(f"http://127.0.0.1:{port}/feed") is FeedErrorReason.CONNECTION_FAILED


async def test_html_instead_of_a_feed_is_not_a_feed(make_server):
    server = await make_server()

    async def handler(request: web.Request) -> web.Response:
        return web.Response(body=fixture_bytes("not_a_feed.html"), content_type="text/html")

    server.route("/page", handler)
    await server.start()
    async with FeedFetcher(LOCAL) as fetcher:
        result = await poll_one(fetcher, FeedRequest(1, server.url("/page"), etag='"old"'))
    assert result.status is PollStatus.ERROR and result.error_reason is FeedErrorReason.NOT_A_FEED
    assert result.etag == '"old"'  # an error keeps the stored validators


async def test_wrong_declared_encoding_still_reads_the_entries(make_server):
    server = await make_server()

    async def handler(request: web.Request) -> web.Response:
        # latin-1 bytes announced as UTF-8
        return web.Response(
            body=fixture_bytes("wrong_encoding.xml"), headers={"Content-Type": "text/xml; charset=utf-8"}
        )

    server.route("/feed", handler)
    await server.start()
    async with FeedFetcher(LOCAL) as fetcher:
        result = await poll_one(fetcher, FeedRequest(7, server.url("/feed")))
    assert result.status is PollStatus.CHANGED
    assert [e.title for e in result.entries] == ["Été à la plage"]
    assert result.warning and "CharacterEncodingOverride" in result.warning


def test_check_url_accepts_public_and_refuses_private_literals():
    policy = AddressPolicy()
    assert str(check_url("https://Example.org/feed", policy)) == "https://example.org/feed"
    for url in (
        "http://10.0.0.1/",
        "http://[::1]/",
        "http://169.254.169.254/latest",
        "http://[::ffff:127.0.0.1]/",
    ):
        with pytest.raises(FeedError) as caught:
            check_url(url, policy)
        assert caught.value.reason is FeedErrorReason.REFUSED_ADDRESS
