"""A local feed server on 127.0.0.1 whose items tests change between polls, and RSS building."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime
from xml.sax.saxutils import escape

from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.settings import FeedSettings


@dataclass
class Item:
    title: str
    link: str
    published: datetime
    summary: str = ""
    guid: str | None = None
    image: str | None = None


def rss(title: str, items: list[Item]) -> bytes:
    """An RSS 2.0 document, newest item first as sites publish them."""
    parts = [
        f"<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>{escape(title)}</title>"
    ]
    parts.append("<link>https://example.org/</link><description>test</description>")
    for item in sorted(items, key=lambda i: i.published, reverse=True):
        parts.append("<item>")
        parts.append(f"<title>{escape(item.title)}</title><link>{escape(item.link)}</link>")
        parts.append(f"<guid>{escape(item.guid or item.link)}</guid>")
        parts.append(f"<pubDate>{format_datetime(item.published)}</pubDate>")
        if item.summary:
            parts.append(f"<description>{escape(item.summary)}</description>")
        if item.image:
            parts.append(f"<enclosure url='{escape(item.image)}' type='image/png' length='1'/>")
        parts.append("</item>")
    parts.append("</channel></rss>")
    return "".join(parts).encode()


@dataclass
class Feedish:
    """One path's content: a feed (items), a raw body, or an HTTP status."""

    title: str = "Test feed"
    items: list[Item] = field(default_factory=list)
    body: bytes | None = None
    status: int = 200
    content_type: str = "application/rss+xml; charset=utf-8"


class FeedServer:
    """Serves ``/<name>`` from ``self.feeds[name]``; counts hits per path."""

    def __init__(self) -> None:
        self.feeds: dict[str, Feedish] = {}
        self.hits: dict[str, int] = {}
        app = web.Application()
        app.router.add_get("/{name:.*}", self._handle)
        self._server = TestServer(app, host="127.0.0.1")

    async def _handle(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        self.hits[name] = self.hits.get(name, 0) + 1
        feed = self.feeds.get(name)
        if feed is None:
            return web.Response(status=404)
        if feed.status != 200:
            return web.Response(status=feed.status)
        body = feed.body if feed.body is not None else rss(feed.title, feed.items)
        return web.Response(body=body, headers={"Content-Type": feed.content_type})

    async def start(self) -> FeedServer:
        await self._server.start_server()
        return self

    async def close(self) -> None:
        await self._server.close()

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self._server.port}/{name}"

    def feed(self, name: str, title: str = "Test feed", items: list[Item] | None = None) -> Feedish:
        self.feeds[name] = Feedish(title=title, items=list(items or []))
        return self.feeds[name]


def local_settings(**overrides: object) -> FeedSettings:
    """Feed settings that allow 127.0.0.1 (the test server) and fail fast."""
    values: dict[str, object] = {"allow_private_addresses": True, "timeout_seconds": 5.0}
    values.update(overrides)
    return FeedSettings(**values)  # type: ignore[arg-type]
