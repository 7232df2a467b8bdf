"""What every group of operations shares: look-ups, permission checks, channel echoes."""

from __future__ import annotations

from typing import Any

from bot.sandbox import errors as E
from bot.sandbox import permissions as P
from bot.sandbox.gateway import Gateway
from bot.sandbox.limits import NAME_LIMIT
from bot.sandbox.record import Record
from bot.sandbox.world import (
    Channel,
    ChannelType,
    Guild,
    Message,
    World,
)


class OpsBase:
    """The world, the record and the gateway, and the helpers every operation uses."""

    def __init__(self, world: World, record: Record, gateway: Gateway) -> None:
        self.world = world
        self.record = record
        self.gateway = gateway

    # -- helpers --------------------------------------------------------------------------------------

    def channel(self, channel_id: int | str) -> Channel:
        channel = self.world.channels.get(int(channel_id))
        if channel is None:
            raise E.unknown("channel")
        return channel

    def message(self, channel: Channel, message_id: int | str) -> Message:
        message = self.world.messages.get(int(message_id))
        if message is None or message.channel_id != channel.id or message.deleted:
            raise E.unknown("message")
        return message

    def guild(self, guild_id: int | str) -> Guild:
        guild = self.world.guilds.get(int(guild_id))
        if guild is None:
            raise E.unknown("guild")
        return guild

    def require(self, channel: Channel, user_id: int, flag: int) -> None:
        """403 Missing Permissions unless ``user_id`` has every bit of ``flag`` in ``channel``."""
        value = self.world.channel_permissions(channel, user_id)
        if not value & P.VIEW_CHANNEL:
            raise E.missing_access()
        if not P.has(value, flag):
            raise E.missing_permissions()

    def require_guild(self, guild: Guild, user_id: int, flag: int) -> None:
        member = guild.members.get(user_id)
        if member is None or not P.has(P.base(guild, member), flag):
            raise E.missing_permissions()

    def _thread_payload(self, channel: Channel) -> dict[str, Any]:
        return self.world.channel_payload(channel)

    def _emit_channel(self, channel: Channel, *, created: bool = False) -> dict[str, Any]:
        payload = self.world.channel_payload(channel)
        if channel.type == ChannelType.DM:
            return payload
        if channel.is_thread:
            name = "THREAD_CREATE" if created else "THREAD_UPDATE"
            data = dict(payload, newly_created=True) if created else payload
            if created and self.world.bot_user.id in channel.thread_members:
                data["member"] = self.world.thread_member_payload(channel, self.world.bot_user.id)
        else:
            name = "CHANNEL_CREATE" if created else "CHANNEL_UPDATE"
            data = payload
        self.gateway.dispatch(
            name, data, guild_id=channel.guild_id, visible_in=channel if channel.is_thread else None
        )
        return payload

    def _check_name(self, name: Any, path: list[Any]) -> None:
        if not isinstance(name, str) or not 1 <= len(name) <= NAME_LIMIT:
            raise E.invalid_form(
                (path, "BASE_TYPE_BAD_LENGTH", f"Must be between 1 and {NAME_LIMIT} in length.")
            )
