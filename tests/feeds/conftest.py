"""Shared helpers for the feed tests: fixture and corpus paths, a local HTTP server on 127.0.0.1."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "feeds"
CORPUS_FEEDS = REPO.parent / "shared" / "corpus" / "feeds"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


class LocalServer:
    """An aiohttp app on 127.0.0.1 with a random port; records every request path it receives."""

    def __init__(self) -> None:
        self.app = web.Application()
        self.hits: list[web.Request] = []
        self._server: TestServer | None = None

        @web.middleware
        async def record(request: web.Request, handler: Handler) -> web.StreamResponse:
            self.hits.append(request)
            return await handler(request)

        self.app.middlewares.append(record)

    def route(self, path: str, handler: Handler) -> None:
        self.app.router.add_get(path, handler)

    async def start(self) -> None:
        self._server = TestServer(self.app, host="127.0.0.1")
        await self._server.start_server()

    async def close(self) -> None:
        if self._server is not None:
            await self._server.close()

    @property
    def port(self) -> int:
        assert self._server is not None and self._server.port is not None
        return self._server.port

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


@pytest.fixture
async def make_server() -> AsyncIterator[Callable[[], Awaitable[LocalServer]]]:
    """Start local servers on demand; routes may be added before or after start (aiohttp freezes the
    router on start, so add them first)."""
    servers: list[LocalServer] = []

    async def factory() -> LocalServer:
        server = LocalServer()
        servers.append(server)
        return server

    yield factory
    for server in servers:
        await server.close()
