"""A local Discord-compatible server (gateway and HTTP API) for tests, the demo and benchmarks.

It runs an unmodified discord.py bot on 127.0.0.1, checks every request against Discord's OpenAPI
description and Discord's own limits and permission rules, and records what the bot did.
"""

from __future__ import annotations

from bot.sandbox.record import Event, Record, WaitTimeout
from bot.sandbox.seed import Classroom, seed_classroom
from bot.sandbox.server import Sandbox

__all__ = ["Classroom", "Event", "Record", "Sandbox", "WaitTimeout", "seed_classroom"]
