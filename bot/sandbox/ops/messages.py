"""Messages: posting (limits, permissions, mentions), editing, deleting, pins and reactions."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.sandbox import errors as E
from bot.sandbox import permissions as P
from bot.sandbox.limits import (
    ATTACHMENT_SIZE_LIMIT,
    CONTENT_LIMIT,
    MAX_FILES,
    ROLE_MENTION,
    USER_MENTION,
    check_components,
    check_embeds,
    stored_components,
)
from bot.sandbox.ops.base import OpsBase
from bot.sandbox.world import (
    Channel,
    ChannelType,
    Message,
    MessageFlags,
    User,
)


class MessageOps(OpsBase):
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
        if len(files) > MAX_FILES:
            errs.append(E.too_long(["files"], MAX_FILES))
        if errs:
            raise E.invalid_form(*errs)
        if sum(len(f["data"]) for f in files) > ATTACHMENT_SIZE_LIMIT:
            raise E.DiscordHTTPError(413, 40005, "Request entity too large")
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

    def _record_message(self, kind: str, actor_id: int, message: Message) -> dict[str, Any]:
        """Record a message's creation or edit, with who it pings; return its gateway payload."""
        data = self._message_event(message)
        self.record.add(
            kind,
            actor_id=actor_id,
            guild_id=message.guild_id,
            channel_id=message.channel_id,
            message_id=message.id,
            data=data,
            pinged_users=message.mention_users,
            pinged_roles=message.mention_roles,
            pinged_everyone=message.mention_everyone,
            ephemeral=message.ephemeral,
        )
        return data

    def _emit_message(self, message: Message) -> None:
        data = self._record_message("message.create", message.author.id, message)
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
        data = self._record_message("message.update", actor.id, message)
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
