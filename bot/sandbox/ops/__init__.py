"""Changes to the world, each checked as Discord checks it, recorded, and echoed on the gateway.

HTTP handlers call these for the bot (``check=True``: the bot's own permissions apply); the kit calls them
for members. Each method records one event and dispatches what Discord would dispatch.
"""

from __future__ import annotations

from bot.sandbox.ops.channels import ChannelOps
from bot.sandbox.ops.members import MemberOps
from bot.sandbox.ops.messages import MessageOps

__all__ = ["Ops"]


class Ops(MessageOps, ChannelOps, MemberOps):
    """The world's mutations, shared by the HTTP API (the bot) and the kit (members)."""
