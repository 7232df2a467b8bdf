"""A tiny RSS server on 127.0.0.1 for the demo and tests: publish an item, the next poll sees it."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from email.utils import format_datetime
from xml.sax.saxutils import escape

from aiohttp import web


class FeedServer:
    """Serve one RSS 2.0 feed with ETag support; ``publish`` adds an item at the top."""

    def __init__(self, title: str = "Le blog du cours") -> None:
        self.title = title
        self.items: list[tuple[str, str, str, datetime]] = []
        self._runner: web.AppRunner | None = None
        self.url = ""

    def publish(self, title: str, link: str, summary: str, when: datetime | None = None) -> None:
        self.items.insert(0, (title, link, summary, when or datetime.now(UTC)))

    def document(self) -> bytes:
        entries = "".join(
            f"<item><title>{escape(title)}</title><link>{escape(link)}</link>"
            f'<guid isPermaLink="false">{escape(hashlib.sha1(link.encode()).hexdigest())}</guid>'
            f"<description>{escape(summary)}</description><pubDate>{format_datetime(when)}</pubDate></item>"
            for title, link, summary, when in self.items
        )
        return (
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>{escape(self.title)}</title><link>https://blog.example.org/</link>"
            f"<description>{escape(self.title)}</description>{entries}</channel></rss>"
        ).encode()

    async def _serve(self, request: web.Request) -> web.Response:
        body = self.document()
        etag = '"' + hashlib.sha1(body).hexdigest() + '"'
        if request.headers.get("If-None-Match") == etag:
            return web.Response(status=304, headers={"ETag": etag})
        return web.Response(body=body, headers={"ETag": etag, "Content-Type": "application/rss+xml"})

    async def __aenter__(self) -> FeedServer:
        app = web.Application()
        app.router.add_get("/feed.xml", self._serve)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}/feed.xml"
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
