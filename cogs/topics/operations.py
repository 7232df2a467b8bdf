"""Opening, archiving and reopening topic channels on Discord, each step recorded so none is left half done.

Every operation checks what it needs first, records a pending operation before its first change, undoes
what it did when a later step fails, and can be finished (or undone) at start-up by ``recover``.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING

import discord

from bot.discord_utils import safe_text, send_once
from bot.errors import UserError
from bot.i18n import t
from bot.services.escalation import format_duration
from bot.services.organizing import (
    OverwriteSpec,
    PendingOp,
    PendingOperations,
    TopicInfo,
    TopicService,
    figures,
    render_markdown,
)
from bot.services.organizing.overwrites import read_only
from bot.services.outbox import Outbox
from cogs.topics.discord_side import (
    BOT_CHANNEL_ALLOW,
    overwrites_of,
    read_conversation,
    require,
    require_room,
    specs_of,
    transcript_file,
)
from models import TopicState

if TYPE_CHECKING:
    from bot.app import LCMBot

log = logging.getLogger(__name__)

ARCHIVE_NAMES = ("Archives", "Archive")
TopicChannel = discord.TextChannel | discord.ForumChannel


class TopicOperations:
    """The Discord side of ``/topic open|archive|reopen`` and of the idle archive."""

    def __init__(self, bot: LCMBot, topics: TopicService, pending: PendingOperations, outbox: Outbox) -> None:
        self.bot = bot
        self.topics = topics
        self.pending = pending
        self.outbox = outbox

    async def guild_lang(self, guild_id: int) -> str:
        return (await self.bot.services.guild_settings.get(guild_id)).language

    # ----- open

    async def open(
        self,
        guild: discord.Guild,
        *,
        name: str,
        description: str | None,
        category: discord.CategoryChannel | None,
        kind: str,
        visible_to: discord.Role | None,
        by: int,
    ) -> TopicChannel:
        me = guild.me
        needed = ["manage_channels"] + (["manage_roles"] if visible_to else [])
        needed += ["manage_threads"] if kind == "forum" else ["manage_messages"]  # to pin the welcome
        require(me.guild_permissions, *needed)
        if category is not None:
            require(category.permissions_for(me), "view_channel", "manage_channels")
        require_room(guild, category)
        overwrites: dict = {}
        if visible_to is not None:
            overwrites = {
                guild.default_role: discord.PermissionOverwrite(view_channel=False),
                visible_to: discord.PermissionOverwrite(view_channel=True),
                me: discord.PermissionOverwrite.from_pair(BOT_CHANNEL_ALLOW, discord.Permissions.none()),
            }
        op = await self.pending.start(guild.id, "open", {"name": name})
        channel: TopicChannel | None = None
        try:
            if kind == "forum":
                channel = await guild.create_forum(
                    name=name, topic=description or None, category=category, overwrites=overwrites
                )
            else:
                channel = await guild.create_text_channel(
                    name=name, topic=description or None, category=category, overwrites=overwrites
                )
            await self.pending.advance(op, "created", channel_id=channel.id)
            await self.welcome(channel, description, by)
            await self.topics.register(
                guild_id=guild.id, channel_id=channel.id, name=channel.name, kind=kind, by=by
            )
        except Exception:
            if channel is not None:
                await self._delete_quietly(channel)
            await self.pending.finish(op)
            raise
        await self.pending.finish(op)
        log.info("guild %s: topic channel %s opened by %s", guild.id, channel.id, by)
        return channel

    async def _delete_quietly(self, channel: discord.abc.GuildChannel) -> None:
        try:
            await channel.delete(reason="lcm-bot: undoing an unfinished /topic open")
        except discord.HTTPException:
            log.warning("could not delete channel %s while undoing", channel.id, exc_info=True)

    async def welcome(self, channel: TopicChannel, description: str | None, by: int) -> None:
        """Post and pin what the topic is for, how to ask, and where resources are."""
        lang = await self.guild_lang(channel.guild.id)
        spaces = await self.bot.services.spaces.list(channel.guild.id)
        ask = (
            t("topic.welcome.ask_spaces", lang, spaces=", ".join(f"<#{s.channel_id}>" for s in spaces))
            if spaces
            else t("topic.welcome.ask_here", lang)
        )
        text = t(
            "topic.welcome",
            lang,
            name=channel.name,
            description=safe_text(description or t("topic.welcome.no_description", lang), 1000),
            ask=ask,
        )
        key = f"topic:{channel.id}:welcome"
        if isinstance(channel, discord.ForumChannel):
            claim = await self.outbox.claim(key, channel.id)
            if claim.already_sent:
                return
            post = await channel.create_thread(name=t("topic.welcome.post_title", lang), content=text)
            await self.outbox.sent(key, post.thread.id, post.message.id)
            try:
                await post.thread.edit(pinned=True)
            except discord.HTTPException:
                log.warning("could not pin the welcome post of forum %s", channel.id, exc_info=True)
            return
        message = await send_once(self.outbox, key, channel, content=text)
        if message is not None:
            await message.pin(reason="lcm-bot: topic welcome")

    # ----- archive

    def writers(self, guild: discord.Guild, lcm_role: int | None, trainer_role: int | None) -> dict[int, int]:
        """Who still writes in an archived channel: the staff roles and the bot (id -> overwrite type)."""
        out = {guild.me.id: 1}
        for role_id in (lcm_role, trainer_role):
            if role_id and guild.get_role(role_id) is not None:
                out[role_id] = 0
        return out

    async def archive_category(self, guild: discord.Guild, lang: str) -> tuple[discord.CategoryChannel, bool]:
        names = {n.casefold() for n in (*ARCHIVE_NAMES, t("topic.archive.category", lang))}
        for category in guild.categories:
            if category.name.casefold() in names:
                return category, False
        require_room(guild, None)
        category = await guild.create_category(t("topic.archive.category", lang), reason="lcm-bot: archives")
        return category, True

    async def archive(self, channel: TopicChannel, *, by: int | None, reason: str | None) -> TopicInfo:
        """Move to the archive category, make it read-only, post a summary and the whole transcript."""
        guild = channel.guild
        require(
            channel.permissions_for(guild.me),
            "view_channel",
            "read_message_history",
            "manage_channels",
            "manage_roles",
        )
        require(guild.me.guild_permissions, "manage_channels")
        topic = await self.topics.get(channel.id)
        if topic is None:
            raise UserError("topic.not_registered")
        if topic.state is TopicState.ARCHIVED:
            raise UserError("topic.already_archived")
        config = await self.bot.services.guild_settings.get(guild.id)
        lang = config.language
        before = specs_of(channel)
        previous_category = channel.category_id
        writers = self.writers(guild, config.lcm_role_id, config.trainer_role_id)
        target = read_only(before, everyone_id=guild.id, writers=set(writers), writer_type=writers)
        category, created = await self.archive_category(guild, lang)
        if category.id != previous_category:
            require_room(guild, category, new_channels=0)
        await self.topics.save_before_archive(
            channel.id, previous_category_id=previous_category, overwrites=before
        )
        op = await self.pending.start(
            guild.id,
            "archive",
            {
                "channel_id": channel.id,
                "previous_category_id": previous_category,
                "category_id": category.id,
                "by": by,
                "reason": reason,
                "created_category": created,
            },
        )
        try:
            await channel.edit(category=category, overwrites=overwrites_of(target), reason="lcm-bot: archive")
            await self.pending.advance(op, "moved")
            info = await self.summarize(channel, topic, by=by, reason=reason, lang=lang)
        except Exception:
            await self._restore(channel, previous_category, before)
            if created:
                await self._delete_quietly(category)
            await self.pending.finish(op)
            raise
        await self.pending.finish(op)
        return info

    async def summarize(
        self, channel: TopicChannel, topic: TopicInfo, *, by: int | None, reason: str | None, lang: str
    ) -> TopicInfo:
        """Post the closing summary with the transcript (once per archive), then record the archive."""
        places, thread_ids = await read_conversation(channel)
        counted = figures(places)
        numbers = await self.topics.figures(channel.id, thread_ids)
        now = self.bot.clock.now()
        duration = format_duration(max(now - topic.opened_at, timedelta(0)), lang)
        lines = [
            t("topic.archive.summary.title", lang, name=channel.name),
            t("topic.archive.summary.duration", lang, duration=duration),
            t(
                "topic.archive.summary.messages",
                lang,
                messages=counted.messages,
                participants=counted.participants,
            ),
            t(
                "topic.archive.summary.questions",
                lang,
                asked=numbers.questions_asked,
                solved=numbers.questions_solved,
            ),
        ]
        if numbers.resources_posted is not None:
            lines.append(t("topic.archive.summary.resources", lang, count=numbers.resources_posted))
        lines.append(
            t("topic.archive.summary.by", lang, by=f"<@{by}>")
            if by
            else t("topic.archive.summary.idle", lang)
        )
        if reason:
            lines.append(t("topic.archive.summary.reason", lang, reason=safe_text(reason, 500)))
        header = [
            f"{channel.guild.name} / #{channel.name} ({channel.id})",
            t("topic.archive.summary.duration", lang, duration=duration),
            f"{counted.messages} messages, {counted.participants} participants",
            f"exported {now:%Y-%m-%d %H:%M} UTC",
        ]
        text = render_markdown(f"#{channel.name}", header, places)
        content = "\n".join(lines)
        key = f"topic:{topic.id}:archive:{topic.archive_count + 1}"
        if isinstance(channel, discord.ForumChannel):
            claim = await self.outbox.claim(key, channel.id)
            if not claim.already_sent:
                post = await channel.create_thread(
                    name=t("topic.archive.post_title", lang),
                    content=content,
                    file=transcript_file(text, channel.name),
                )
                await self.outbox.sent(key, post.thread.id, post.message.id)
        else:
            await send_once(
                self.outbox, key, channel, content=content, file=transcript_file(text, channel.name)
            )
        info = await self.topics.archived(channel.id, by=by, reason=reason)
        assert info is not None
        return info

    async def _restore(
        self, channel: TopicChannel, category_id: int | None, overwrites: list[OverwriteSpec]
    ) -> None:
        category = channel.guild.get_channel(category_id) if category_id else None
        try:
            await channel.edit(
                category=category if isinstance(category, discord.CategoryChannel) else None,
                overwrites=overwrites_of(overwrites),
                reason="lcm-bot: restore",
            )
        except discord.HTTPException:
            log.error(
                "could not restore channel %s; check its category and permissions", channel.id, exc_info=True
            )
            raise

    # ----- reopen

    async def reopen(self, channel: TopicChannel, *, by: int) -> TopicInfo:
        """Back to its previous category with every overwrite exactly as it was before the archive."""
        guild = channel.guild
        require(channel.permissions_for(guild.me), "view_channel", "manage_channels", "manage_roles")
        topic = await self.topics.get(channel.id)
        if topic is None:
            raise UserError("topic.not_registered")
        if topic.state is not TopicState.ARCHIVED:
            raise UserError("topic.not_archived")
        category = guild.get_channel(topic.previous_category_id) if topic.previous_category_id else None
        if isinstance(category, discord.CategoryChannel):
            require_room(guild, category, new_channels=0)
        op = await self.pending.start(guild.id, "reopen", {"channel_id": channel.id, "by": by})
        try:
            await self._restore(channel, topic.previous_category_id, topic.saved_overwrites)
        except Exception:
            await self.pending.finish(op)  # one PATCH: nothing was changed
            raise
        info = await self.topics.reopened(channel.id)
        await self.pending.finish(op)
        lang = await self.guild_lang(guild.id)
        if isinstance(channel, discord.TextChannel):
            await send_once(
                self.outbox,
                f"topic:{topic.id}:reopen:{topic.archive_count}",
                channel,
                content=t("topic.reopened", lang, by=f"<@{by}>"),
            )
        assert info is not None
        return info

    # ----- start-up

    async def recover(self, op: PendingOp) -> None:
        """Finish or undo an operation the bot stopped in the middle of."""
        payload = op.payload
        channel = self.bot.get_channel(int(payload.get("channel_id") or 0))
        try:
            if op.kind == "open":
                topic = await self.topics.get(channel.id) if channel else None
                if channel is not None and topic is None:
                    await self._delete_quietly(channel)  # created, never registered: undo
            elif op.kind == "archive" and isinstance(channel, TopicChannel):
                topic = await self.topics.get(channel.id)
                if topic is not None and topic.state is not TopicState.ARCHIVED:
                    if op.state == "moved":  # the channel is archived on Discord: finish
                        lang = await self.guild_lang(op.guild_id)
                        await self.summarize(
                            channel, topic, by=payload.get("by"), reason=payload.get("reason"), lang=lang
                        )
                    else:  # it may have been moved: put it back exactly
                        await self._restore(channel, topic.previous_category_id, topic.saved_overwrites)
            elif op.kind == "reopen" and isinstance(channel, TopicChannel):
                topic = await self.topics.get(channel.id)
                if topic is not None and topic.state is TopicState.ARCHIVED:
                    await self._restore(channel, topic.previous_category_id, topic.saved_overwrites)
                    await self.topics.reopened(channel.id)
        except discord.HTTPException:
            log.warning("could not recover operation %s (%s); will retry", op.id, op.kind, exc_info=True)
            return
        await self.pending.finish(op.id)
        log.info("operation %s (%s) recovered from state %s", op.id, op.kind, op.state)
