"""The organizing capability on Discord: topic channels, idle rules, /close, and moving messages."""

from cogs.topics.cog import Topics
from cogs.topics.moving import Moving

__all__ = ["Moving", "Topics"]
