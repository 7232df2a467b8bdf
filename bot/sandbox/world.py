"""The sandbox's world: users, guilds, roles, channels, threads, messages; and their Discord payloads.

The world is plain state. HTTP handlers and the kit change it, then ask the gateway to echo each change;
payload builders here produce what Discord would send for each object.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bot.sandbox import permissions as perms

DISCORD_EPOCH_MS = 1_420_070_400_000


class ChannelType:
    GUILD_TEXT = 0
    DM = 1
    GUILD_CATEGORY = 4
    GUILD_ANNOUNCEMENT = 5
    PUBLIC_THREAD = 11
    PRIVATE_THREAD = 12
    GUILD_FORUM = 15

    THREADS = (10, 11, 12)


class MessageFlags:
    EPHEMERAL = 1 << 6
    LOADING = 1 << 7


class Snowflakes:
    """Monotonic snowflakes: a millisecond timestamp and an increment, as Discord builds them."""

    def __init__(self) -> None:
        self._counter = itertools.count()
        self._last = 0

    def next(self) -> int:
        ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
        candidate = (ms << 22) | (next(self._counter) & 0xFFF)
        self._last = max(candidate, self._last + 1)
        return self._last


def iso(dt: datetime | None = None) -> str:
    return (dt or datetime.now(UTC)).isoformat()


def snowflake_time(sid: int) -> datetime:
    return datetime.fromtimestamp(((sid >> 22) + DISCORD_EPOCH_MS) / 1000, UTC)


@dataclass
class User:
    id: int
    username: str
    bot: bool = False
    global_name: str | None = None
    locale: str = "en-US"
    accepts_dms: bool = True
    avatar: str | None = None

    def payload(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "username": self.username,
            "discriminator": "0",
            "global_name": self.global_name,
            "avatar": self.avatar,
            "bot": self.bot,
            "public_flags": 0,
            "flags": 0,
            "avatar_decoration_data": None,
            "primary_guild": None,
            "collectibles": None,
        }


@dataclass
class Role:
    id: int
    name: str
    permissions: int = 0
    position: int = 0
    color: int = 0
    hoist: bool = False
    mentionable: bool = False
    managed: bool = False

    def payload(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "name": self.name,
            "description": None,
            "permissions": str(self.permissions),
            "position": self.position,
            "color": self.color,
            "colors": {"primary_color": self.color, "secondary_color": None, "tertiary_color": None},
            "hoist": self.hoist,
            "managed": self.managed,
            "mentionable": self.mentionable,
            "icon": None,
            "unicode_emoji": None,
            "flags": 0,
        }


@dataclass
class Member:
    user: User
    guild_id: int
    roles: list[int] = field(default_factory=list)
    nick: str | None = None
    joined_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def payload(self) -> dict[str, Any]:
        return {
            "user": self.user.payload(),
            "roles": [str(r) for r in self.roles],
            "nick": self.nick,
            "avatar": None,
            "banner": None,
            "joined_at": iso(self.joined_at),
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "pending": False,
            "flags": 0,
            "communication_disabled_until": None,
        }


@dataclass
class Overwrite:
    id: int
    type: int  # 0 role, 1 member
    allow: int = 0
    deny: int = 0

    def payload(self) -> dict[str, Any]:
        return {"id": str(self.id), "type": self.type, "allow": str(self.allow), "deny": str(self.deny)}


@dataclass
class Channel:
    id: int
    type: int
    name: str | None = None
    guild_id: int | None = None
    position: int = 0
    parent_id: int | None = None
    topic: str | None = None
    nsfw: bool = False
    overwrites: dict[int, Overwrite] = field(default_factory=dict)
    available_tags: list[dict[str, Any]] = field(default_factory=list)
    rate_limit_per_user: int = 0
    last_message_id: int | None = None
    # threads
    owner_id: int | None = None
    archived: bool = False
    locked: bool = False
    invitable: bool = True
    auto_archive_duration: int = 4320
    archive_timestamp: datetime | None = None
    applied_tags: list[int] = field(default_factory=list)
    message_count: int = 0
    thread_members: set[int] = field(default_factory=set)
    # DMs
    recipients: list[int] = field(default_factory=list)

    @property
    def is_thread(self) -> bool:
        return self.type in ChannelType.THREADS


@dataclass
class Message:
    id: int
    channel_id: int
    author: User
    content: str = ""
    guild_id: int | None = None
    embeds: list[dict[str, Any]] = field(default_factory=list)
    components: list[dict[str, Any]] = field(default_factory=list)
    attachments: list[dict[str, Any]] = field(default_factory=list)
    flags: int = 0
    type: int = 0
    message_reference: dict[str, Any] | None = None
    mention_users: list[int] = field(default_factory=list)
    mention_roles: list[int] = field(default_factory=list)
    mention_everyone: bool = False
    pinned: bool = False
    webhook_id: int | None = None
    application_id: int | None = None
    interaction_id: int | None = None
    interaction_user_id: int | None = None
    edited_at: datetime | None = None
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    reactions: dict[str, list[int]] = field(default_factory=dict)
    deleted: bool = False
    tts: bool = False

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & MessageFlags.EPHEMERAL)


@dataclass
class Webhook:
    id: int
    token: str
    channel_id: int
    guild_id: int
    name: str
    creator_id: int
    type: int = 1


@dataclass
class Guild:
    id: int
    name: str
    owner_id: int
    roles: dict[int, Role] = field(default_factory=dict)
    members: dict[int, Member] = field(default_factory=dict)
    preferred_locale: str = "fr"

    @property
    def everyone(self) -> Role:
        return self.roles[self.id]


@dataclass
class Interaction:
    id: int
    token: str
    type: int
    user_id: int
    channel_id: int
    guild_id: int | None
    data: dict[str, Any]
    locale: str
    message_id: int | None = None  # the message a component belongs to
    responded: bool = False
    response_type: int | None = None
    original_message_id: int | None = None
    followup_ids: list[int] = field(default_factory=list)
    modal: dict[str, Any] | None = None
    autocomplete_choices: list[dict[str, Any]] | None = None
    created_at: float = field(default_factory=time.monotonic)


class World:
    """All the sandbox's state, and the payloads Discord would give for it."""

    def __init__(self, *, bot_name: str = "lcm-bot") -> None:
        self.ids = Snowflakes()
        self.users: dict[int, User] = {}
        self.guilds: dict[int, Guild] = {}
        self.channels: dict[int, Channel] = {}
        self.messages: dict[int, Message] = {}
        self.channel_messages: dict[int, list[int]] = {}
        self.webhooks: dict[int, Webhook] = {}
        self.interactions: dict[str, Interaction] = {}
        self.global_commands: list[dict[str, Any]] = []
        self.guild_commands: dict[int, list[dict[str, Any]]] = {}
        self.application_id = self.ids.next()
        self.bot_user = self.add_user(bot_name, bot=True, user_id=self.application_id)
        self.token = "sandbox-token"
        self.owner = self.add_user("owner")

    # -- construction ---------------------------------------------------------------------------------

    def add_user(
        self,
        username: str,
        *,
        bot: bool = False,
        locale: str = "en-US",
        user_id: int | None = None,
        accepts_dms: bool = True,
    ) -> User:
        user = User(
            id=user_id or self.ids.next(),
            username=username,
            bot=bot,
            locale=locale,
            global_name=None if bot else username.title(),
            accepts_dms=accepts_dms,
        )
        self.users[user.id] = user
        return user

    def add_guild(self, name: str, *, bot_permissions: int = perms.DEFAULT_BOT) -> Guild:
        gid = self.ids.next()
        guild = Guild(id=gid, name=name, owner_id=self.owner.id)
        guild.roles[gid] = Role(id=gid, name="@everyone", permissions=perms.DEFAULT_EVERYONE)
        self.guilds[gid] = guild
        guild.members[self.owner.id] = Member(user=self.owner, guild_id=gid)
        bot_role = self.add_role(guild, self.bot_user.username, permissions=bot_permissions, managed=True)
        guild.members[self.bot_user.id] = Member(user=self.bot_user, guild_id=gid, roles=[bot_role.id])
        return guild

    def add_role(
        self,
        guild: Guild,
        name: str,
        *,
        permissions: int = 0,
        managed: bool = False,
        mentionable: bool = False,
    ) -> Role:
        role = Role(
            id=self.ids.next(),
            name=name,
            permissions=permissions,
            position=len(guild.roles),
            managed=managed,
            mentionable=mentionable,
        )
        guild.roles[role.id] = role
        return role

    def add_member(self, guild: Guild, user: User, roles: list[Role] | None = None) -> Member:
        member = Member(user=user, guild_id=guild.id, roles=[r.id for r in roles or []])
        guild.members[user.id] = member
        return member

    def add_channel(
        self,
        guild: Guild | None,
        name: str | None,
        type: int = ChannelType.GUILD_TEXT,
        *,
        parent: Channel | None = None,
        channel_id: int | None = None,
        **fields: Any,
    ) -> Channel:
        channel = Channel(
            id=channel_id or self.ids.next(),
            type=type,
            name=name,
            guild_id=guild.id if guild else None,
            parent_id=parent.id if parent else None,
            **fields,
        )
        if guild is not None and not channel.is_thread:
            channel.position = sum(
                1 for c in self.channels.values() if c.guild_id == guild.id and not c.is_thread
            )
        self.channels[channel.id] = channel
        self.channel_messages[channel.id] = []
        return channel

    def add_message(self, message: Message) -> Message:
        self.messages[message.id] = message
        self.channel_messages.setdefault(message.channel_id, []).append(message.id)
        channel = self.channels.get(message.channel_id)
        if channel is not None and not message.ephemeral:
            channel.last_message_id = message.id
            if channel.is_thread:
                channel.message_count += 1
        return message

    # -- look-ups -------------------------------------------------------------------------------------

    def guild_channels(self, guild_id: int, *, threads: bool = False) -> list[Channel]:
        return [c for c in self.channels.values() if c.guild_id == guild_id and c.is_thread == threads]

    def member(self, guild_id: int | None, user_id: int) -> Member | None:
        guild = self.guilds.get(guild_id) if guild_id else None
        return guild.members.get(user_id) if guild else None

    def channel_permissions(self, channel: Channel, user_id: int) -> int:
        if channel.guild_id is None:
            return perms.DM_PERMISSIONS
        guild = self.guilds[channel.guild_id]
        member = guild.members.get(user_id)
        if member is None:
            return 0
        base_channel = (
            self.channels[channel.parent_id] if channel.is_thread and channel.parent_id else channel
        )
        return perms.compute(guild, member, base_channel)

    def history(self, channel_id: int) -> list[Message]:
        return [
            m
            for mid in self.channel_messages.get(channel_id, [])
            if not (m := self.messages[mid]).deleted and not m.ephemeral
        ]

    # -- payloads -------------------------------------------------------------------------------------

    def channel_payload(self, channel: Channel) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(channel.id),
            "type": channel.type,
            "last_message_id": str(channel.last_message_id) if channel.last_message_id else None,
            "flags": 0,
        }
        if channel.type == ChannelType.DM:
            data["recipients"] = [
                self.users[u].payload() for u in channel.recipients if u != self.bot_user.id
            ]
            return data
        data.update(
            {
                "guild_id": str(channel.guild_id),
                "name": channel.name,
                "parent_id": str(channel.parent_id) if channel.parent_id else None,
                "rate_limit_per_user": channel.rate_limit_per_user,
            }
        )
        if channel.is_thread:
            data.update(
                {
                    "owner_id": str(channel.owner_id),
                    "message_count": channel.message_count,
                    "member_count": len(channel.thread_members),
                    "total_message_sent": channel.message_count,
                    "applied_tags": [str(t) for t in channel.applied_tags],
                    "thread_metadata": {
                        "archived": channel.archived,
                        "locked": channel.locked,
                        "auto_archive_duration": channel.auto_archive_duration,
                        "archive_timestamp": iso(channel.archive_timestamp or snowflake_time(channel.id)),
                        "create_timestamp": iso(snowflake_time(channel.id)),
                        "invitable": channel.invitable,
                    },
                }
            )
            return data
        data.update(
            {
                "position": channel.position,
                "permission_overwrites": [o.payload() for o in channel.overwrites.values()],
                "nsfw": channel.nsfw,
            }
        )
        if channel.type in (ChannelType.GUILD_TEXT, ChannelType.GUILD_ANNOUNCEMENT, ChannelType.GUILD_FORUM):
            data["topic"] = channel.topic
            data["default_auto_archive_duration"] = 4320
            data["default_thread_rate_limit_per_user"] = 0
        if channel.type == ChannelType.GUILD_FORUM:
            data.update(
                {
                    "available_tags": channel.available_tags,
                    "default_reaction_emoji": None,
                    "default_sort_order": None,
                    "default_forum_layout": 0,
                    "default_tag_setting": "match_some",
                }
            )
        return data

    def thread_member_payload(self, channel: Channel, user_id: int) -> dict[str, Any]:
        return {"id": str(channel.id), "user_id": str(user_id), "join_timestamp": iso(), "flags": 0}

    def message_payload(self, message: Message, *, content: bool = True) -> dict[str, Any]:
        ref = message.message_reference
        data: dict[str, Any] = {
            "id": str(message.id),
            "channel_id": str(message.channel_id),
            "type": message.type,
            "content": message.content if content else "",
            "author": self.webhook_author(message) if message.webhook_id else message.author.payload(),
            "attachments": message.attachments if content else [],
            "embeds": message.embeds if content else [],
            "components": message.components if content else [],
            "mentions": [self.users[u].payload() for u in message.mention_users if u in self.users],
            "mention_roles": [str(r) for r in message.mention_roles],
            "mention_everyone": message.mention_everyone,
            "pinned": message.pinned,
            "tts": message.tts,
            "timestamp": iso(message.created_at),
            "edited_timestamp": iso(message.edited_at) if message.edited_at else None,
            "flags": message.flags,
        }
        if message.reactions:
            data["reactions"] = [
                {
                    "emoji": _emoji_payload(e),
                    "count": len(users),
                    "count_details": {"burst": 0, "normal": len(users)},
                    "me": self.bot_user.id in users,
                    "me_burst": False,
                    "burst_colors": [],
                }
                for e, users in message.reactions.items()
                if users
            ]
        if ref:
            data["message_reference"] = ref
            target = self.messages.get(int(ref["message_id"])) if ref.get("message_id") else None
            if target is not None:
                data["referenced_message"] = self.message_payload(target, content=content)
        if message.webhook_id:
            data["webhook_id"] = str(message.webhook_id)
        if message.application_id:
            data["application_id"] = str(message.application_id)
        if message.interaction_id and message.interaction_user_id:
            user = self.users[message.interaction_user_id]
            data["interaction_metadata"] = {
                "id": str(message.interaction_id),
                "type": 2,
                "user": user.payload(),
                "authorizing_integration_owners": {},
            }
        channel = self.channels.get(message.channel_id)
        if channel is not None and channel.is_thread and channel.id == message.id:
            data["position"] = 0
        return data

    def webhook_author(self, message: Message) -> dict[str, Any]:
        data = message.author.payload()
        data["bot"] = True
        return data

    def guild_payload(self, guild: Guild) -> dict[str, Any]:
        return {
            "id": str(guild.id),
            "name": guild.name,
            "icon": None,
            "description": None,
            "home_header": None,
            "splash": None,
            "discovery_splash": None,
            "features": [],
            "banner": None,
            "owner_id": str(guild.owner_id),
            "application_id": None,
            "region": "europe",
            "afk_channel_id": None,
            "afk_timeout": 300,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "widget_enabled": False,
            "widget_channel_id": None,
            "verification_level": 0,
            "roles": [r.payload() for r in guild.roles.values()],
            "default_message_notifications": 1,
            "mfa_level": 0,
            "explicit_content_filter": 0,
            "max_presences": None,
            "max_members": 500000,
            "max_stage_video_channel_users": 50,
            "max_video_channel_users": 25,
            "vanity_url_code": None,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": guild.preferred_locale,
            "rules_channel_id": None,
            "safety_alerts_channel_id": None,
            "public_updates_channel_id": None,
            "premium_progress_bar_enabled": False,
            "nsfw": False,
            "nsfw_level": 0,
            "incidents_data": None,
            "emojis": [],
            "stickers": [],
        }

    def guild_create_payload(self, guild: Guild) -> dict[str, Any]:
        data = self.guild_payload(guild)
        data.update(
            {
                "unavailable": False,
                "large": False,
                "member_count": len(guild.members),
                "joined_at": iso(),
                "channels": [self.channel_payload(c) for c in self.guild_channels(guild.id)],
                "threads": [
                    self.channel_payload(c)
                    for c in self.guild_channels(guild.id, threads=True)
                    if not c.archived
                ],
                # Only the bot is sent; discord.py asks the others with REQUEST_GUILD_MEMBERS.
                "members": [guild.members[self.bot_user.id].payload()],
                "presences": [],
                "voice_states": [],
                "stage_instances": [],
                "guild_scheduled_events": [],
                "soundboard_sounds": [],
            }
        )
        return data

    def webhook_payload(self, hook: Webhook, *, with_token: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(hook.id),
            "type": hook.type,
            "name": hook.name,
            "avatar": None,
            "channel_id": str(hook.channel_id),
            "guild_id": str(hook.guild_id),
            "application_id": str(self.application_id),
            "user": self.users[hook.creator_id].payload(),
        }
        if with_token:
            data["token"] = hook.token
        return data

    def application_payload(self) -> dict[str, Any]:
        return {
            "id": str(self.application_id),
            "name": self.bot_user.username,
            "icon": None,
            "description": "",
            "type": None,
            "bot": self.bot_user.payload(),
            "rpc_origins": [],
            "bot_public": False,
            "bot_require_code_grant": False,
            "integration_types_config": {},
            "verify_key": "0" * 64,
            "flags": 0,
            "flags_new": "0",
            "tags": [],
            "redirect_uris": [],
            "interactions_endpoint_url": None,
            "role_connections_verification_url": None,
            "owner": self.owner.payload(),
            "approximate_guild_count": len(self.guilds),
            "approximate_user_install_count": 0,
            "approximate_user_authorization_count": 0,
            "explicit_content_filter": 0,
            "eligible_oauth2_scopes": [],
            "team": None,
        }


def _emoji_payload(emoji: str) -> dict[str, Any]:
    if ":" in emoji:
        name, _, eid = emoji.partition(":")
        return {"id": eid, "name": name, "animated": False}
    return {"id": None, "name": emoji}
