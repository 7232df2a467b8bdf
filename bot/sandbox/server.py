"""The sandbox server: one aiohttp app on 127.0.0.1, the gateway on ``/`` and the HTTP API on ``/api/v10``."""

from __future__ import annotations

import logging
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

from aiohttp import web

from bot.sandbox.gateway import Gateway, Intents
from bot.sandbox.http import add_routes, middleware
from bot.sandbox.http.core import API_PREFIX, Injection
from bot.sandbox.ops import Ops
from bot.sandbox.record import Record
from bot.sandbox.validation import OpenAPIValidator, default_openapi_path, load_validator
from bot.sandbox.world import World

log = logging.getLogger(__name__)


class Sandbox:
    """A Discord-compatible server with its world, record, gateway and (optionally) OpenAPI validation.

    ``openapi="auto"`` validates against ``$LCM_SANDBOX_OPENAPI`` or ``<repo>/../shared/discord/openapi.json``
    when present; ``None`` turns validation off; a path forces that description.
    """

    def __init__(
        self,
        *,
        openapi: str | Path | Literal["auto"] | None = "auto",
        validate_responses: bool = False,
        privileged_intents: int = Intents.PRIVILEGED,
        heartbeat_interval_ms: int = 41_250,
        bot_name: str = "lcm-bot",
        bucket_limit: int = 10_000,
        interaction_deadline: float = 3.0,
    ) -> None:
        self.world = World(bot_name=bot_name)
        self.record = Record()
        self.gateway = Gateway(
            self.world,
            self.record,
            privileged_intents=privileged_intents,
            heartbeat_interval_ms=heartbeat_interval_ms,
        )
        self.ops = Ops(self.world, self.record, self.gateway)
        path = default_openapi_path() if openapi == "auto" else openapi
        self.openapi_path: Path | None = Path(path) if path else None
        self.validator: OpenAPIValidator | None = load_validator(str(path)) if path else None
        self.validate_responses = validate_responses and self.validator is not None
        # With a description loaded, a request the sandbox could not validate is a failure.
        self.require_validation = self.validator is not None
        self.injections: list[Injection] = []
        # (channel id, nonce) -> (message id, monotonic time): Discord's enforce_nonce de-duplication.
        self.nonces: dict[tuple[int, str], tuple[int, float]] = {}
        # Requests per bucket advertised in X-RateLimit-* headers; 429s come only from inject_429.
        self.bucket_limit = bucket_limit
        # Seconds a bot has to answer (or defer) an interaction before Discord forgets it (10062).
        self.interaction_deadline = interaction_deadline
        self._runner: web.AppRunner | None = None
        self.port = 0

    # -- life cycle -----------------------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> Sandbox:
        app = web.Application(middlewares=[middleware], client_max_size=64 * 1024 * 1024)
        app["sandbox"] = self
        add_routes(app)
        app.router.add_get("/", self.gateway.handle)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        server = site._server
        assert server is not None and server.sockets  # type: ignore[attr-defined]
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        self.gateway.url = f"ws://{host}:{self.port}/"
        log.info("sandbox listening on %s", self.base_url)
        return self

    async def stop(self) -> None:
        await self.gateway.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Sandbox:
        return await self.start()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_base_url(self) -> str:
        return self.base_url + API_PREFIX

    @property
    def gateway_url(self) -> str:
        return self.gateway.url

    @property
    def token(self) -> str:
        return self.world.token

    def bot_env(self, **extra: str) -> dict[str, str]:
        """Environment variables that point lcm-bot at this sandbox."""
        return {
            "DISCORD_TOKEN": self.world.token,
            "LCM__DISCORD__API_BASE_URL": self.api_base_url,
            "LCM__DISCORD__GATEWAY_URL": self.gateway_url,
            "LCM__DISCORD__GUILD_READY_TIMEOUT": "0.05",
            **extra,
        }

    # -- rate limits ----------------------------------------------------------------------------------

    def inject_429(
        self,
        route: str,
        *,
        method: str | None = None,
        times: int = 1,
        retry_after: float = 0.05,
        is_global: bool = False,
    ) -> Injection:
        """Answer the next ``times`` requests on ``route`` with a 429.

        ``route`` is a template as in Discord's description (``/channels/{channel_id}/messages``) or a
        literal path (``/channels/123/messages``).
        """
        injection = Injection(
            method=(method or "*").upper(),
            route=route,
            times=times,
            retry_after=retry_after,
            is_global=is_global,
        )
        self.injections.append(injection)
        return injection

    def take_injection(self, method: str, path: str, route: str | None) -> Injection | None:
        for injection in self.injections:
            if injection.hits >= injection.times:
                continue
            if injection.method not in ("*", method) or injection.route not in (path, route):
                continue
            injection.hits += 1
            return injection
        return None

    def failures(self) -> list[str]:
        return self.record.failures()

    def describe(self) -> dict[str, Any]:
        return {
            "api": self.api_base_url,
            "gateway": self.gateway_url,
            "openapi": str(self.openapi_path) if self.openapi_path else None,
        }
