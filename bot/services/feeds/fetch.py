"""Fetching feed documents over HTTP(S), politely and safely.

Conditional requests (ETag / Last-Modified -> 304), compression, one total timeout, a size cap, redirects
followed by hand so every hop is checked, and no connection to private addresses unless allowed.
"""

from __future__ import annotations

import asyncio
import importlib.util
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING, Self

import aiohttp
from yarl import URL

from bot import __version__
from bot.services.feeds.errors import FeedError, FeedErrorReason
from bot.services.feeds.netguard import AddressPolicy, GuardedResolver, RefusedAddressError, parse_ip

if TYPE_CHECKING:
    from bot.settings import FeedSettings

log = logging.getLogger(__name__)

PROJECT_URL = "https://github.com/lcm-bot/lcm-bot"
DEFAULT_USER_AGENT = f"lcm-bot/{__version__} (+{PROJECT_URL})"
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_CHUNK = 64 * 1024
_KEPT_HEADERS = ("content-type", "content-language", "content-location", "content-encoding")


def _accept_encoding() -> str:
    # aiohttp decodes br only when a brotli module is installed; never advertise what we cannot read.
    if importlib.util.find_spec("brotli") or importlib.util.find_spec("brotlicffi"):
        return "gzip, deflate, br"
    return "gzip, deflate"


ACCEPT_ENCODING = _accept_encoding()
ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, application/xml;q=0.9, "
    "text/xml;q=0.9, */*;q=0.5"
)


@dataclass(frozen=True)
class FetchOptions:
    """How to fetch. ``timeout`` covers the whole fetch (all hops and the body)."""

    timeout: float = 20.0
    max_bytes: int = 5_000_000
    max_redirects: int = 5
    allow_private_addresses: bool = False
    exempt_endpoints: frozenset[tuple[str, int]] = field(default_factory=frozenset)
    user_agent: str = DEFAULT_USER_AGENT
    connections: int = 50
    connections_per_host: int = 0

    @classmethod
    def from_settings(cls, settings: FeedSettings, **overrides: object) -> FetchOptions:
        """Options from the ``[feeds]`` settings."""
        values: dict[str, object] = {
            "timeout": settings.timeout_seconds,
            "max_bytes": settings.max_bytes,
            "max_redirects": settings.max_redirects,
            "allow_private_addresses": settings.allow_private_addresses,
            "connections": settings.concurrency,
        }
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]

    @property
    def policy(self) -> AddressPolicy:
        return AddressPolicy(self.allow_private_addresses, self.exempt_endpoints)


@dataclass(frozen=True, slots=True)
class FetchResult:
    """A fetched document, or ``not_modified`` (304) with an empty body."""

    url: str
    final_url: str
    status: int
    not_modified: bool
    body: bytes
    headers: Mapping[str, str]
    etag: str | None
    last_modified: str | None
    redirects: int = 0
    elapsed: float = 0.0


def check_url(url: str | URL, policy: AddressPolicy) -> URL:
    """Parse and check one hop's URL: http(s) only, a host, and no refused IP literal (names are checked
    by the resolver at connect time). Raise FeedError(BAD_URL / REFUSED_ADDRESS)."""
    try:
        parsed = url if isinstance(url, URL) else URL(url.strip())
        port = parsed.port
    except (ValueError, TypeError) as exc:
        raise FeedError(FeedErrorReason.BAD_URL, f"{url!s}: {exc}") from None
    if parsed.scheme not in ("http", "https"):
        raise FeedError(FeedErrorReason.BAD_URL, f"{url!s}: scheme {parsed.scheme!r} is not http(s)")
    if not parsed.host or port is None:
        raise FeedError(FeedErrorReason.BAD_URL, f"{url!s}: no host")
    ip = parse_ip(parsed.host)
    if ip is not None:
        refused = policy.refusal(ip, port)
        if refused is not None:
            raise FeedError(FeedErrorReason.REFUSED_ADDRESS, f"{parsed.host} is a {refused} address")
    return parsed


def _refused_in(exc: BaseException) -> RefusedAddressError | None:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, RefusedAddressError):
            return current
        inner = getattr(current, "os_error", None)
        if isinstance(inner, RefusedAddressError):
            return inner
        current = current.__cause__ or current.__context__
    return None


class FeedFetcher:
    """Fetches feeds through one shared session. Use as ``async with FeedFetcher(options) as fetcher``."""

    def __init__(self, options: FetchOptions | None = None) -> None:
        self.options = options or FetchOptions()
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Self:
        await self.open()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def open(self) -> None:
        """Create the session (idempotent)."""
        if self._session is not None:
            return
        opts = self.options
        connector = aiohttp.TCPConnector(
            resolver=GuardedResolver(opts.policy),
            limit=opts.connections,
            limit_per_host=opts.connections_per_host,
            ttl_dns_cache=300,
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            timeout=aiohttp.ClientTimeout(total=opts.timeout),
            cookie_jar=aiohttp.DummyCookieJar(),
            trust_env=False,  # a proxy from the environment would bypass the address checks
            auto_decompress=True,
            headers={"User-Agent": opts.user_agent, "Accept": ACCEPT, "Accept-Encoding": ACCEPT_ENCODING},
        )

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def fetch(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> FetchResult:
        """Fetch ``url``; raise FeedError with a reason on any failure."""
        if self._session is None:
            await self.open()
        started = time.perf_counter()
        try:
            async with asyncio.timeout(self.options.timeout):
                result = await self._fetch(url, etag, last_modified)
        except FeedError:
            raise
        except TimeoutError:
            raise FeedError(
                FeedErrorReason.TIMEOUT, f"no complete answer within {self.options.timeout:g} s"
            ) from None
        except (aiohttp.InvalidURL, ValueError) as exc:  # ValueError: e.g. a host IDNA cannot encode
            raise FeedError(FeedErrorReason.BAD_URL, f"{type(exc).__name__}: {exc}") from None
        except (aiohttp.ClientError, OSError) as exc:
            refused = _refused_in(exc)
            if refused is not None:
                raise FeedError(FeedErrorReason.REFUSED_ADDRESS, str(refused)) from None
            raise FeedError(FeedErrorReason.CONNECTION_FAILED, f"{type(exc).__name__}: {exc}") from None
        return FetchResult(**{**result, "elapsed": time.perf_counter() - started})  # type: ignore[arg-type]

    async def _fetch(self, url: str, etag: str | None, last_modified: str | None) -> dict[str, object]:
        assert self._session is not None
        policy = self.options.policy
        headers: dict[str, str] = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        current = check_url(url, policy)
        for hop in range(self.options.max_redirects + 1):
            async with self._session.get(current, headers=headers, allow_redirects=False) as resp:
                if resp.status in REDIRECT_STATUSES and resp.headers.get("Location"):
                    try:
                        target = current.join(URL(resp.headers["Location"]))
                    except ValueError as exc:
                        raise FeedError(FeedErrorReason.BAD_URL, f"bad redirect target: {exc}") from None
                    log.debug("feed %s: redirect %d -> %s", url, resp.status, target)
                    current = check_url(target, policy)
                    continue
                return await self._finish(url, current, hop, resp, etag, last_modified)
        raise FeedError(
            FeedErrorReason.TOO_MANY_REDIRECTS, f"more than {self.options.max_redirects} redirects"
        )

    async def _finish(
        self,
        url: str,
        final: URL,
        hops: int,
        resp: aiohttp.ClientResponse,
        etag: str | None,
        last_modified: str | None,
    ) -> dict[str, object]:
        status = resp.status
        new_etag = resp.headers.get("ETag") or etag
        new_modified = resp.headers.get("Last-Modified") or last_modified
        common: dict[str, object] = {
            "url": url,
            "final_url": str(final),
            "status": status,
            "etag": new_etag,
            "last_modified": new_modified,
            "redirects": hops,
            "headers": {k: resp.headers[k] for k in _KEPT_HEADERS if k in resp.headers},
        }
        if status == 304:
            return {**common, "not_modified": True, "body": b""}
        if status in (404, 410):
            raise FeedError(FeedErrorReason.NOT_FOUND, f"HTTP {status}")
        if status >= 500:
            raise FeedError(FeedErrorReason.SERVER_ERROR, f"HTTP {status}")
        if status >= 300 or status < 200:
            raise FeedError(FeedErrorReason.HTTP_ERROR, f"HTTP {status}")
        limit = self.options.max_bytes
        if resp.content_length is not None and resp.content_length > limit:
            raise FeedError(
                FeedErrorReason.TOO_LARGE, f"Content-Length {resp.content_length} > {limit} bytes"
            )
        body = bytearray()
        # Counted after decompression, so a small gzip bomb is stopped too.
        async for chunk in resp.content.iter_chunked(_CHUNK):
            body += chunk
            if len(body) > limit:
                raise FeedError(FeedErrorReason.TOO_LARGE, f"more than {limit} bytes")
        return {**common, "not_modified": False, "body": bytes(body)}
