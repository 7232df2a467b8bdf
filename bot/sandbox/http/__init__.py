"""The sandbox's HTTP API, one module per resource."""

from __future__ import annotations

from aiohttp import web

from bot.sandbox.http import application, guilds, interactions, messages
from bot.sandbox.http.core import API_PREFIX, middleware

__all__ = ["API_PREFIX", "add_routes", "middleware"]


def add_routes(app: web.Application) -> None:
    app.add_routes(messages.early)
    for module in (application, messages, guilds, interactions):
        app.add_routes(module.routes)
