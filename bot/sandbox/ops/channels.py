"""Threads, forum posts and tags, channels, moves, category sync and permission overwrites."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.sandbox import errors as E
from bot.sandbox import permissions as P
from bot.sandbox.limits import MAX_FORUM_TAGS, MAX_POST_TAGS
from bot.sandbox.ops.base import OpsBase
from bot.sandbox.world import (
    Channel,
    ChannelType,
    Guild,
    Message,
    Overwrite,
    User,
)


class ChannelOps(OpsBase):
    def create_thread(
        self,
        parent: Channel,
        actor: User,
        body: dict[str, Any],
        *,
        from_message: Message | None = None,
        files: list[dict[str, Any]] | None = None,
        check: bool = False,
        webhook_id: int | None = None,
    ) -> tuple[Channel, Message | None]:
        """A thread from a message, a thread in a text channel, or a forum post with its first message."""
        self._check_name(body.get("name"), ["name"])
        forum = parent.type == ChannelType.GUILD_FORUM
        if parent.is_thread or parent.type not in (
            ChannelType.GUILD_TEXT,
            ChannelType.GUILD_ANNOUNCEMENT,
            ChannelType.GUILD_FORUM,
        ):
            raise E.DiscordHTTPError(400, 50024, "Cannot execute action on this channel type")
        if from_message is not None and any(c.id == from_message.id for c in self.world.channels.values()):
            raise E.DiscordHTTPError(400, 160004, "A thread has already been created for this message")
        ttype = int(body.get("type") or ChannelType.PUBLIC_THREAD)
        if check:
            if forum:
                self.require(parent, actor.id, P.SEND_MESSAGES)
            else:
                need = (
                    P.CREATE_PRIVATE_THREADS
                    if ttype == ChannelType.PRIVATE_THREAD
                    else P.CREATE_PUBLIC_THREADS
                )
                self.require(parent, actor.id, need)
        tags = [int(t) for t in body.get("applied_tags") or []]
        if forum:
            if not isinstance(body.get("message"), dict):
                raise E.invalid_form((["message"], "BASE_TYPE_REQUIRED", "This field is required"))
            self._check_tags(parent, tags, actor, check=check)
        thread = self.world.add_channel(
            self.world.guilds[parent.guild_id] if parent.guild_id else None,
            body["name"],
            ttype if not forum else ChannelType.PUBLIC_THREAD,
            parent=parent,
            channel_id=from_message.id if from_message is not None else None,
            owner_id=actor.id,
            auto_archive_duration=int(body.get("auto_archive_duration") or 4320),
            rate_limit_per_user=int(body.get("rate_limit_per_user") or 0),
            applied_tags=tags,
            invitable=bool(body.get("invitable", True)),
        )
        thread.thread_members.add(actor.id)
        self.record.add(
            "thread.create",
            actor_id=actor.id,
            guild_id=thread.guild_id,
            channel_id=thread.id,
            data=self.world.channel_payload(thread),
        )
        self._emit_channel(thread, created=True)
        starter = None
        if forum:
            msg_body = body.get("message") or {}
            starter_id = thread.id
            starter = self.create_message(thread, actor, msg_body, files, check=False, webhook_id=webhook_id)
            # Discord gives a forum post's first message the thread's id.
            self.world.messages.pop(starter.id)
            self.world.channel_messages[thread.id].remove(starter.id)
            starter.id = starter_id
            self.world.messages[starter_id] = starter
            self.world.channel_messages[thread.id].insert(0, starter_id)
            thread.last_message_id = starter_id
            last = self.record.events[-1]
            last.message_id = starter_id
            last.data["id"] = str(starter_id)
        return thread, starter

    def _check_tags(self, forum: Channel, tags: list[int], actor: User, *, check: bool) -> None:
        if len(tags) > MAX_POST_TAGS:
            raise E.invalid_form(E.too_long(["applied_tags"], MAX_POST_TAGS))
        known = {int(t["id"]): t for t in forum.available_tags}
        for i, tag in enumerate(tags):
            if tag not in known:
                raise E.invalid_form((["applied_tags", i], "FORUM_TAG_UNKNOWN", "Unknown tag"))
            if (
                check
                and known[tag].get("moderated")
                and not P.has(self.world.channel_permissions(forum, actor.id), P.MANAGE_THREADS)
            ):
                raise E.missing_permissions()

    def join_thread(self, thread: Channel, user: User) -> None:
        thread.thread_members.add(user.id)
        self.record.add("thread.join", actor_id=user.id, guild_id=thread.guild_id, channel_id=thread.id)
        self.gateway.dispatch(
            "THREAD_MEMBERS_UPDATE",
            {
                "id": str(thread.id),
                "guild_id": str(thread.guild_id),
                "member_count": len(thread.thread_members),
                "added_members": [self.world.thread_member_payload(thread, user.id)],
            },
            guild_id=thread.guild_id,
        )

    # -- channels -------------------------------------------------------------------------------------

    def create_channel(
        self, guild: Guild, actor: User, body: dict[str, Any], *, check: bool = False
    ) -> Channel:
        self._check_name(body.get("name"), ["name"])
        if check:
            self.require_guild(guild, actor.id, P.MANAGE_CHANNELS)
        ctype = int(body.get("type") or 0)
        parent = self.channel(body["parent_id"]) if body.get("parent_id") else None
        # Discord does not copy a category's overwrites to a channel created in it: a bot that wants a
        # synced channel passes them (or moves it with lock_permissions).
        ows = self._parse_overwrites(
            body.get("permission_overwrites") or [], guild, actor, check=check, channel=parent
        )
        tags = body.get("available_tags") or []
        channel = self.world.add_channel(
            guild,
            body["name"],
            ctype,
            parent=parent,
            topic=body.get("topic"),
            nsfw=bool(body.get("nsfw")),
            overwrites=ows,
            available_tags=self._tags(tags),
        )
        if body.get("position") is not None:
            channel.position = int(body["position"])
        self.record.add(
            "channel.create",
            actor_id=actor.id,
            guild_id=guild.id,
            channel_id=channel.id,
            data=self.world.channel_payload(channel),
        )
        self._emit_channel(channel, created=True)
        return channel

    def _tags(self, tags: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if len(tags) > MAX_FORUM_TAGS:
            raise E.invalid_form(E.too_long(["available_tags"], MAX_FORUM_TAGS))
        out = []
        for i, tag in enumerate(tags):
            name = tag.get("name") or ""
            if not 1 <= len(name) <= 20:
                raise E.invalid_form(
                    (
                        ["available_tags", i, "name"],
                        "BASE_TYPE_BAD_LENGTH",
                        "Must be between 1 and 20 in length.",
                    )
                )
            out.append(
                {
                    "id": str(tag.get("id") or self.world.ids.next()),
                    "name": name,
                    "moderated": bool(tag.get("moderated", False)),
                    "emoji_id": str(tag["emoji_id"]) if tag.get("emoji_id") else None,
                    "emoji_name": tag.get("emoji_name"),
                }
            )
        return out

    def _parse_overwrites(
        self,
        raw: list[dict[str, Any]],
        guild: Guild,
        actor: User,
        *,
        check: bool,
        channel: Channel | None,
        previous: dict[int, Overwrite] | None = None,
    ) -> dict[int, Overwrite]:
        out: dict[int, Overwrite] = {}
        for item in raw:
            ow = Overwrite(
                int(item["id"]),
                int(item.get("type") or 0),
                int(item.get("allow") or 0),
                int(item.get("deny") or 0),
            )
            if check:
                self._check_overwrite(guild, actor, ow, channel, (previous or {}).get(ow.id))
            out[ow.id] = ow
        return out

    def _check_overwrite(
        self, guild: Guild, actor: User, ow: Overwrite, channel: Channel | None, previous: Overwrite | None
    ) -> None:
        """Manage Roles (Manage Permissions in the channel), and only changing bits the actor has itself."""
        member = guild.members[actor.id]
        base = P.base(guild, member)
        if base == P.ALL:
            return
        have = self.world.channel_permissions(channel, actor.id) if channel is not None else base
        if not P.has(have, P.MANAGE_ROLES):
            raise E.missing_permissions()
        changed = ow.allow | ow.deny
        if previous is not None:
            changed = (ow.allow ^ previous.allow) | (ow.deny ^ previous.deny)
        if changed & ~have:
            raise E.missing_permissions()

    def update_channel(
        self, channel: Channel, body: dict[str, Any], actor: User, *, check: bool = False
    ) -> Channel:
        """PATCH a channel or a thread, with Discord's archived-thread and permission rules."""
        if channel.is_thread:
            return self._update_thread(channel, body, actor, check=check)
        guild = self.world.guilds[channel.guild_id] if channel.guild_id else None
        if guild is None:
            raise E.DiscordHTTPError(400, 50024, "Cannot execute action on a DM channel")
        if check:
            self.require(channel, actor.id, P.MANAGE_CHANNELS)
        # Checked before any change: Discord applies a PATCH entirely or not at all.
        new_overwrites = None
        if body.get("permission_overwrites") is not None:
            new_overwrites = self._parse_overwrites(
                body["permission_overwrites"],
                guild,
                actor,
                check=check,
                channel=channel,
                previous=channel.overwrites,
            )
        if "name" in body:
            self._check_name(body["name"], ["name"])
        if body.get("topic") and len(body["topic"]) > 1024:
            raise E.invalid_form(E.too_long(["topic"], 1024))
        tags = self._tags(body["available_tags"] or []) if "available_tags" in body else None
        parent = self.channel(body["parent_id"]) if body.get("parent_id") else None
        if "name" in body:
            channel.name = body["name"]
        if "topic" in body:
            channel.topic = body["topic"]
        for key in ("nsfw", "rate_limit_per_user"):
            if key in body and body[key] is not None:
                setattr(channel, key, type(getattr(channel, key))(body[key]))
        if tags is not None:
            channel.available_tags = tags
        if "position" in body and body["position"] is not None:
            channel.position = int(body["position"])
        if "parent_id" in body:
            channel.parent_id = parent.id if parent is not None else None
            if body.get("lock_permissions") and parent is not None:
                channel.overwrites = {
                    o.id: Overwrite(o.id, o.type, o.allow, o.deny) for o in parent.overwrites.values()
                }
        if new_overwrites is not None:
            channel.overwrites = new_overwrites
        self.record.add(
            "channel.update",
            actor_id=actor.id,
            guild_id=channel.guild_id,
            channel_id=channel.id,
            data=self.world.channel_payload(channel),
        )
        self._emit_channel(channel)
        return channel

    def _update_thread(self, thread: Channel, body: dict[str, Any], actor: User, *, check: bool) -> Channel:
        unarchiving = body.get("archived") is False
        if thread.archived and not unarchiving:
            raise E.thread_archived()
        perms = self.world.channel_permissions(thread, actor.id)
        manage = P.has(perms, P.MANAGE_THREADS)
        owner = thread.owner_id == actor.id
        if check:
            if not perms & P.VIEW_CHANNEL:
                raise E.missing_access()
            if "locked" in body and body["locked"] != thread.locked and not manage:
                raise E.missing_permissions()
            if thread.locked and not manage:
                raise E.thread_archived() if thread.archived else E.missing_permissions()
            if (
                not owner
                and not manage
                and set(body)
                & {
                    "name",
                    "archived",
                    "auto_archive_duration",
                    "applied_tags",
                    "rate_limit_per_user",
                    "invitable",
                }
            ):
                raise E.missing_permissions()
            if "applied_tags" in body and not manage and not owner:
                raise E.missing_permissions()
        if "name" in body:
            self._check_name(body["name"], ["name"])
            thread.name = body["name"]
        if "applied_tags" in body:
            parent = self.channel(thread.parent_id) if thread.parent_id else None
            tags = [int(t) for t in body["applied_tags"] or []]
            if parent is None or parent.type != ChannelType.GUILD_FORUM:
                raise E.invalid_form((["applied_tags"], "BASE_TYPE_INVALID", "Tags are only for forum posts"))
            self._check_tags(parent, tags, actor, check=check)
            thread.applied_tags = tags
        if body.get("locked") is not None:
            thread.locked = bool(body["locked"])
        if body.get("auto_archive_duration") is not None:
            thread.auto_archive_duration = int(body["auto_archive_duration"])
        if body.get("invitable") is not None:
            thread.invitable = bool(body["invitable"])
        if body.get("rate_limit_per_user") is not None:
            thread.rate_limit_per_user = int(body["rate_limit_per_user"])
        if body.get("archived") is not None and bool(body["archived"]) != thread.archived:
            thread.archived = bool(body["archived"])
            thread.archive_timestamp = datetime.now(UTC)
        self.record.add(
            "thread.update",
            actor_id=actor.id,
            guild_id=thread.guild_id,
            channel_id=thread.id,
            data=self.world.channel_payload(thread),
        )
        self._emit_channel(thread)
        return thread

    def set_overwrite(
        self,
        channel: Channel,
        actor: User,
        target_id: int,
        body: dict[str, Any] | None,
        *,
        check: bool = False,
    ) -> None:
        """PUT (body) or DELETE (None) one permission overwrite."""
        guild = self.guild(channel.guild_id or 0)
        if check:
            self.require(channel, actor.id, P.MANAGE_ROLES)
        if body is None:
            channel.overwrites.pop(target_id, None)
        else:
            ow = Overwrite(
                target_id, int(body.get("type") or 0), int(body.get("allow") or 0), int(body.get("deny") or 0)
            )
            if ow.type == 0 and target_id not in guild.roles:
                raise E.unknown("role")
            if ow.type == 1 and target_id not in guild.members:
                raise E.unknown("member")
            if check:
                self._check_overwrite(guild, actor, ow, channel, channel.overwrites.get(target_id))
            channel.overwrites[target_id] = ow
        self.record.add(
            "channel.overwrite",
            actor_id=actor.id,
            guild_id=guild.id,
            channel_id=channel.id,
            data={
                "target_id": str(target_id),
                "overwrite": body,
                "channel": self.world.channel_payload(channel),
            },
        )
        self._emit_channel(channel)
