"""Changes to the world, each checked as Discord checks it, recorded, and echoed on the gateway.

HTTP handlers call these for the bot (``check=True``: the bot's own permissions apply); the kit calls them
for members. Each method records one event and dispatches what Discord would dispatch.
"""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime
from typing import Any

from bot.sandbox import errors as E
from bot.sandbox import permissions as P
from bot.sandbox.gateway import Gateway
from bot.sandbox.record import Event, Record
from bot.sandbox.world import (
    Channel,
    ChannelType,
    Guild,
    Member,
    Message,
    MessageFlags,
    Overwrite,
    User,
    World,
)

USER_MENTION = re.compile(r"<@!?(\d+)>")
ROLE_MENTION = re.compile(r"<@&(\d+)>")
NAME_LIMIT = 100
CONTENT_LIMIT = 2000
MAX_FORUM_TAGS = 20
MAX_POST_TAGS = 5


def check_embeds(embeds: list[dict[str, Any]]) -> list[tuple[list[Any], str, str]]:
    """Discord's embed limits, with its error codes."""
    errs: list[tuple[list[Any], str, str]] = []
    if len(embeds) > 10:
        errs.append(E.too_long(["embeds"], 10))
    total = 0
    for i, embed in enumerate(embeds):
        where: list[Any] = ["embeds", i]
        for key, limit in (("title", 256), ("description", 4096)):
            text = embed.get(key) or ""
            total += len(text)
            if len(text) > limit:
                errs.append(E.too_long([*where, key], limit))
        fields = embed.get("fields") or []
        if len(fields) > 25:
            errs.append(E.too_long([*where, "fields"], 25))
        for j, fld in enumerate(fields):
            name, value = fld.get("name") or "", fld.get("value") or ""
            total += len(name) + len(value)
            if len(name) > 256:
                errs.append(E.too_long([*where, "fields", j, "name"], 256))
            if len(value) > 1024:
                errs.append(E.too_long([*where, "fields", j, "value"], 1024))
        for key, sub, limit in (("footer", "text", 2048), ("author", "name", 256)):
            text = (embed.get(key) or {}).get(sub) or ""
            total += len(text)
            if len(text) > limit:
                errs.append(E.too_long([*where, key, sub], limit))
    if total > 6000:
        errs.append((["embeds"], "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000"))
    return errs


def check_components(rows: list[dict[str, Any]]) -> list[tuple[list[Any], str, str]]:
    errs: list[tuple[list[Any], str, str]] = []
    seen: set[str] = set()

    def walk(items: list[dict[str, Any]], where: list[Any]) -> None:
        for i, comp in enumerate(items):
            here = [*where, i]
            cid = comp.get("custom_id")
            if cid is not None:
                if len(cid) > 100:
                    errs.append(E.too_long([*here, "custom_id"], 100))
                if cid in seen:
                    errs.append(
                        (
                            [*here, "custom_id"],
                            "COMPONENT_CUSTOM_ID_DUPLICATED",
                            "Component custom id cannot be duplicated",
                        )
                    )
                seen.add(cid)
            if len(comp.get("label") or "") > 80:
                errs.append(E.too_long([*here, "label"], 80))
            if len(comp.get("options") or []) > 25:
                errs.append(E.too_long([*here, "options"], 25))
            if comp.get("type") == 1 and len(comp.get("components") or []) > 5:
                errs.append(E.too_long([*here, "components"], 5))
            if comp.get("components"):
                walk(comp["components"], [*here, "components"])

    if sum(1 for r in rows if r.get("type") == 1) > 5:
        errs.append(E.too_long(["components"], 5))
    walk(rows, ["components"])
    return errs


SELECT_TYPES = (3, 5, 6, 7, 8)


def stored_components(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Components as Discord stores them: each with a numeric ``id``, selects with their value bounds."""
    counter = iter(range(1, 10_000))
    taken: set[int] = set()

    def walk(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        out = []
        for comp in items:
            comp = dict(comp)
            if comp.get("id") is None:
                comp["id"] = next(i for i in counter if i not in taken)
            taken.add(comp["id"])
            if comp.get("type") in SELECT_TYPES:
                comp.setdefault("min_values", 1)
                comp.setdefault("max_values", 1)
            for key in ("components", "items"):
                if isinstance(comp.get(key), list):
                    comp[key] = walk(comp[key])
            for key in ("component", "accessory"):
                if isinstance(comp.get(key), dict):
                    comp[key] = walk([comp[key]])[0]
            out.append(comp)
        return out

    return walk(rows)


class Ops:
    """The world's mutations, shared by the HTTP API (the bot) and the kit (members)."""

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

    # -- messages -------------------------------------------------------------------------------------

    def mentions(
        self,
        content: str,
        allowed: dict[str, Any] | None,
        author: User,
        channel: Channel,
        reply_to: Message | None,
    ) -> tuple[list[int], list[int], bool]:
        """Who a message really pings, as Discord decides from its content and ``allowed_mentions``."""
        guild = self.world.guilds.get(channel.guild_id) if channel.guild_id else None
        parsed_users = [
            int(u) for u in dict.fromkeys(USER_MENTION.findall(content)) if int(u) in self.world.users
        ]
        parsed_roles = [
            int(r)
            for r in dict.fromkeys(ROLE_MENTION.findall(content))
            if guild is not None and int(r) in guild.roles
        ]
        parsed_everyone = "@everyone" in content or "@here" in content
        can_mention_all = channel.guild_id is None or P.has(
            self.world.channel_permissions(channel, author.id), P.MENTION_EVERYONE
        )
        if allowed is None:
            users, roles, everyone, replied = parsed_users, parsed_roles, parsed_everyone, True
        else:
            parse = allowed.get("parse") or []
            allowed_users = {int(u) for u in allowed.get("users") or []}
            allowed_roles = {int(r) for r in allowed.get("roles") or []}
            if ("users" in parse and allowed_users) or ("roles" in parse and allowed_roles):
                raise E.invalid_form(
                    (
                        ["allowed_mentions", "parse"],
                        "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE",
                        'parse:["users"] and users: [ids...] are mutually exclusive.',
                    )
                )
            users = parsed_users if "users" in parse else [u for u in parsed_users if u in allowed_users]
            roles = parsed_roles if "roles" in parse else [r for r in parsed_roles if r in allowed_roles]
            everyone = parsed_everyone and "everyone" in parse
            replied = bool(allowed.get("replied_user", False))
        if guild is not None:
            roles = [r for r in roles if guild.roles[r].mentionable or can_mention_all]
        everyone = everyone and can_mention_all
        if replied and reply_to is not None and reply_to.author.id not in users and not reply_to.webhook_id:
            users = [*users, reply_to.author.id]
        return users, roles, everyone

    def create_message(
        self,
        channel: Channel,
        author: User,
        body: dict[str, Any],
        files: list[dict[str, Any]] | None = None,
        *,
        check: bool = False,
        msg_type: int = 0,
        webhook_id: int | None = None,
        interaction_id: int | None = None,
        interaction_user_id: int | None = None,
        extra_flags: int = 0,
        allow_empty: bool = False,
    ) -> Message:
        """Post a message: limits, permissions, mentions; MESSAGE_CREATE unless ephemeral."""
        files = files or []
        content = body.get("content") or ""
        embeds = body.get("embeds") or []
        components = body.get("components") or []
        errs: list[tuple[list[Any], str, str]] = []
        if len(content) > CONTENT_LIMIT:
            errs.append(E.too_long(["content"], CONTENT_LIMIT))
        errs += check_embeds(embeds)
        errs += check_components(components)
        if errs:
            raise E.invalid_form(*errs)
        if not (
            content
            or embeds
            or files
            or components
            or body.get("sticker_ids")
            or body.get("poll")
            or allow_empty
        ):
            raise E.empty_message()
        flags = int(body.get("flags") or 0) | extra_flags
        if interaction_id is None:
            # Only interaction responses can be ephemeral; elsewhere Discord ignores the flag.
            flags &= ~MessageFlags.EPHEMERAL
        ephemeral = bool(flags & MessageFlags.EPHEMERAL)
        if check and not ephemeral and webhook_id is None and interaction_id is None:
            self._check_send(channel, author.id, files)
        if channel.is_thread and channel.archived and not ephemeral:
            if channel.locked and not P.has(
                self.world.channel_permissions(channel, author.id), P.MANAGE_THREADS
            ):
                raise E.thread_archived()
            self.update_channel(channel, {"archived": False}, actor=author, check=False)
        reply_to = None
        ref = body.get("message_reference")
        if ref and ref.get("message_id"):
            reply_to = self.world.messages.get(int(ref["message_id"]))
            if reply_to is None and ref.get("fail_if_not_exists", True):
                raise E.invalid_form(
                    (["message_reference"], "MESSAGE_REFERENCE_UNKNOWN_MESSAGE", "Unknown message")
                )
            ref = {
                "type": int(ref.get("type") or 0),
                "message_id": str(ref["message_id"]),
                "channel_id": str(ref.get("channel_id") or channel.id),
                **({"guild_id": str(channel.guild_id)} if channel.guild_id else {}),
            }
        users, roles, everyone = self.mentions(
            content,
            body.get("allowed_mentions"),
            author,
            channel,
            reply_to if reply_to is not None and ref else None,
        )
        attachments = [
            {
                "id": str(self.world.ids.next()),
                "filename": f["filename"],
                "size": len(f["data"]),
                "url": f"https://cdn.sandbox.invalid/attachments/{channel.id}/{f['filename']}",
                "proxy_url": f"https://media.sandbox.invalid/attachments/{channel.id}/{f['filename']}",
                "content_type": f.get("content_type") or "application/octet-stream",
                **({"description": f["description"]} if f.get("description") else {}),
            }
            for f in files
        ]
        message = self.world.add_message(
            Message(
                id=self.world.ids.next(),
                channel_id=channel.id,
                guild_id=channel.guild_id,
                author=author,
                content=content,
                embeds=embeds,
                components=stored_components(components),
                attachments=attachments,
                flags=flags,
                type=19 if reply_to is not None and msg_type == 0 else msg_type,
                message_reference=ref,
                mention_users=users,
                mention_roles=roles,
                mention_everyone=everyone,
                webhook_id=webhook_id,
                application_id=self.world.application_id if interaction_id else None,
                interaction_id=interaction_id,
                interaction_user_id=interaction_user_id,
                tts=bool(body.get("tts")),
            )
        )
        self._emit_message(message)
        return message

    def _check_send(self, channel: Channel, user_id: int, files: list[dict[str, Any]]) -> None:
        if channel.type == ChannelType.DM:
            self._check_dm(channel, user_id)
            return
        if channel.type in (ChannelType.GUILD_FORUM, ChannelType.GUILD_CATEGORY):
            raise E.DiscordHTTPError(400, 50008, "Cannot send messages in a non-text channel")
        need = P.SEND_MESSAGES_IN_THREADS if channel.is_thread else P.SEND_MESSAGES
        if files:
            need |= P.ATTACH_FILES
        self.require(channel, user_id, need)

    def _check_dm(self, channel: Channel, user_id: int) -> None:
        for other in channel.recipients:
            if other != user_id and not self.world.users[other].accepts_dms:
                raise E.cannot_dm()

    def _message_event(self, message: Message) -> dict[str, Any]:
        data = self.world.message_payload(message)
        if message.guild_id is not None:
            data["guild_id"] = str(message.guild_id)
            member = self.world.member(message.guild_id, message.author.id)
            if member is not None and not message.webhook_id:
                data["member"] = {k: v for k, v in member.payload().items() if k != "user"}
        return data

    def _emit_message(self, message: Message) -> None:
        data = self._message_event(message)
        self.record.add(
            "message.create",
            actor_id=message.author.id,
            guild_id=message.guild_id,
            channel_id=message.channel_id,
            message_id=message.id,
            data=data,
            pinged_users=message.mention_users,
            pinged_roles=message.mention_roles,
            pinged_everyone=message.mention_everyone,
            ephemeral=message.ephemeral,
        )
        if not message.ephemeral:
            self.gateway.dispatch(
                "MESSAGE_CREATE",
                data,
                guild_id=message.guild_id,
                message=message,
                visible_in=self.channel(message.channel_id),
            )

    def edit_message(
        self,
        message: Message,
        body: dict[str, Any],
        actor: User,
        *,
        check: bool = False,
        files: list[dict[str, Any]] | None = None,
    ) -> Message:
        """Edit: the author may change anything; others (with Manage Messages) only the flags."""
        channel = self.channel(message.channel_id)
        own = message.author.id == actor.id or (message.interaction_id is not None and actor.bot)
        if check and not own:
            if set(body) - {"flags"}:
                raise E.not_author()
            self.require(channel, actor.id, P.MANAGE_MESSAGES)
        errs: list[tuple[list[Any], str, str]] = []
        if body.get("content") is not None and len(body["content"]) > CONTENT_LIMIT:
            errs.append(E.too_long(["content"], CONTENT_LIMIT))
        errs += check_embeds(body.get("embeds") or [])
        errs += check_components(body.get("components") or [])
        if errs:
            raise E.invalid_form(*errs)
        if "content" in body:
            message.content = body["content"] or ""
            users, roles, everyone = self.mentions(
                message.content, body.get("allowed_mentions"), message.author, channel, None
            )
            message.mention_users, message.mention_roles, message.mention_everyone = users, roles, everyone
        if "embeds" in body:
            message.embeds = body["embeds"] or []
        if "components" in body:
            message.components = stored_components(body["components"] or [])
        if "attachments" in body:
            keep = {str(a.get("id")) for a in body["attachments"] or []}
            message.attachments = [a for a in message.attachments if a["id"] in keep]
        for f in files or []:
            message.attachments.append(
                {
                    "id": str(self.world.ids.next()),
                    "filename": f["filename"],
                    "size": len(f["data"]),
                    "url": f"https://cdn.sandbox.invalid/{f['filename']}",
                    "proxy_url": f"https://media.sandbox.invalid/{f['filename']}",
                }
            )
        if "flags" in body and body["flags"] is not None:
            message.flags = (message.flags & MessageFlags.EPHEMERAL) | int(body["flags"])
        message.flags &= ~MessageFlags.LOADING
        message.edited_at = datetime.now(UTC)
        data = self._message_event(message)
        self.record.add(
            "message.update",
            actor_id=actor.id,
            guild_id=message.guild_id,
            channel_id=message.channel_id,
            message_id=message.id,
            data=data,
            pinged_users=message.mention_users,
            pinged_roles=message.mention_roles,
            pinged_everyone=message.mention_everyone,
            ephemeral=message.ephemeral,
        )
        if not message.ephemeral:
            self.gateway.dispatch(
                "MESSAGE_UPDATE", data, guild_id=message.guild_id, message=message, visible_in=channel
            )
        return message

    def delete_message(self, message: Message, actor: User, *, check: bool = False) -> None:
        channel = self.channel(message.channel_id)
        if check and message.author.id != actor.id and not (message.interaction_id and actor.bot):
            self.require(channel, actor.id, P.MANAGE_MESSAGES)
        message.deleted = True
        data = {
            "id": str(message.id),
            "channel_id": str(message.channel_id),
            **({"guild_id": str(message.guild_id)} if message.guild_id else {}),
        }
        self.record.add(
            "message.delete",
            actor_id=actor.id,
            guild_id=message.guild_id,
            channel_id=message.channel_id,
            message_id=message.id,
            data=data,
            ephemeral=message.ephemeral,
        )
        if not message.ephemeral:
            self.gateway.dispatch("MESSAGE_DELETE", data, guild_id=message.guild_id, visible_in=channel)

    def pin(self, message: Message, actor: User, pinned: bool, *, check: bool = False) -> None:
        channel = self.channel(message.channel_id)
        if check:
            self.require(channel, actor.id, P.MANAGE_MESSAGES)
        message.pinned = pinned
        self.record.add(
            "message.pin" if pinned else "message.unpin",
            actor_id=actor.id,
            guild_id=message.guild_id,
            channel_id=channel.id,
            message_id=message.id,
        )
        data = self._message_event(message)
        self.gateway.dispatch(
            "MESSAGE_UPDATE", data, guild_id=message.guild_id, message=message, visible_in=channel
        )
        self.gateway.dispatch(
            "CHANNEL_PINS_UPDATE",
            {
                "channel_id": str(channel.id),
                "last_pin_timestamp": datetime.now(UTC).isoformat(),
                **({"guild_id": str(channel.guild_id)} if channel.guild_id else {}),
            },
            guild_id=channel.guild_id,
            visible_in=channel,
        )

    def react(
        self, message: Message, emoji: str, actor: User, *, add: bool = True, check: bool = False
    ) -> None:
        channel = self.channel(message.channel_id)
        users = message.reactions.setdefault(emoji, [])
        if check and add:
            need = P.READ_MESSAGE_HISTORY | (0 if users else P.ADD_REACTIONS)
            self.require(channel, actor.id, need)
        if (add and actor.id in users) or (not add and actor.id not in users):
            return
        if add:
            users.append(actor.id)
        else:
            users.remove(actor.id)
        name, _, eid = emoji.partition(":")
        data: dict[str, Any] = {
            "user_id": str(actor.id),
            "channel_id": str(channel.id),
            "message_id": str(message.id),
            "emoji": {"id": eid or None, "name": name},
            "burst": False,
            "type": 0,
        }
        if channel.guild_id:
            data["guild_id"] = str(channel.guild_id)
            member = self.world.member(channel.guild_id, actor.id)
            if add and member is not None:
                data["member"] = member.payload()
            if add:
                data["message_author_id"] = str(message.author.id)
        self.record.add(
            "reaction.add" if add else "reaction.remove",
            actor_id=actor.id,
            guild_id=channel.guild_id,
            channel_id=channel.id,
            message_id=message.id,
            data={"emoji": emoji},
        )
        self.gateway.dispatch(
            "MESSAGE_REACTION_ADD" if add else "MESSAGE_REACTION_REMOVE",
            data,
            guild_id=channel.guild_id,
            visible_in=channel,
        )

    # -- threads --------------------------------------------------------------------------------------

    def _check_name(self, name: Any, path: list[Any]) -> None:
        if not isinstance(name, str) or not 1 <= len(name) <= NAME_LIMIT:
            raise E.invalid_form(
                (path, "BASE_TYPE_BAD_LENGTH", f"Must be between 1 and {NAME_LIMIT} in length.")
            )

    def create_thread(
        self,
        parent: Channel,
        actor: User,
        body: dict[str, Any],
        *,
        from_message: Message | None = None,
        files: list[dict[str, Any]] | None = None,
        check: bool = False,
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
            starter = self.create_message(thread, actor, msg_body, files, check=False)
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

    # -- members --------------------------------------------------------------------------------------

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
