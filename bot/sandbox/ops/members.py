"""Members (join, leave, roles), DM channels and webhook tokens."""

from __future__ import annotations

import secrets
from typing import Any

from bot.sandbox import errors as E
from bot.sandbox import permissions as P
from bot.sandbox.ops.base import OpsBase
from bot.sandbox.record import Event
from bot.sandbox.world import (
    Channel,
    ChannelType,
    Guild,
    Member,
    User,
)


class MemberOps(OpsBase):
    def member_payload_event(self, member: Member) -> dict[str, Any]:
        return member.payload() | {"guild_id": str(member.guild_id)}

    def add_member(self, guild: Guild, user: User) -> Member:
        member = self.world.add_member(guild, user)
        self.record.add("member.join", actor_id=user.id, guild_id=guild.id)
        self.gateway.dispatch("GUILD_MEMBER_ADD", self.member_payload_event(member), guild_id=guild.id)
        return member

    def remove_member(self, guild: Guild, user: User) -> None:
        guild.members.pop(user.id, None)
        self.record.add("member.leave", actor_id=user.id, guild_id=guild.id)
        self.gateway.dispatch(
            "GUILD_MEMBER_REMOVE", {"guild_id": str(guild.id), "user": user.payload()}, guild_id=guild.id
        )

    def set_role(
        self, guild: Guild, member: Member, role_id: int, actor: User, *, add: bool, check: bool = False
    ) -> None:
        role = guild.roles.get(role_id)
        if role is None:
            raise E.unknown("role")
        if check:
            self.require_guild(guild, actor.id, P.MANAGE_ROLES)
            me = guild.members[actor.id]
            top = max((guild.roles[r].position for r in me.roles if r in guild.roles), default=0)
            if (role.position >= top and P.base(guild, me) != P.ALL) or role.managed:
                raise E.missing_permissions()
        if add and role_id not in member.roles:
            member.roles.append(role_id)
        elif not add and role_id in member.roles:
            member.roles.remove(role_id)
        self.record.add(
            "member.role_add" if add else "member.role_remove",
            actor_id=actor.id,
            guild_id=guild.id,
            data={"user_id": str(member.user.id), "role_id": str(role_id), "role": role.name},
        )
        self.gateway.dispatch("GUILD_MEMBER_UPDATE", self.member_payload_event(member), guild_id=guild.id)

    # -- DMs and webhooks -----------------------------------------------------------------------------

    def dm_channel(self, user: User, other: User) -> Channel:
        for channel in self.world.channels.values():
            if channel.type == ChannelType.DM and set(channel.recipients) == {user.id, other.id}:
                return channel
        return self.world.add_channel(None, None, ChannelType.DM, recipients=[user.id, other.id])

    def new_token(self) -> str:
        return secrets.token_urlsafe(48)

    def last(self) -> Event:
        return self.record.events[-1]
