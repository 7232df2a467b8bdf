"""Posting one item: its message (or forum post), its debate thread and the prompt, each step once.

Every step is recorded by the service as soon as it is done, and every message goes through the outbox
with a nonce, so a crash between any two steps resumes at the next one. The one window Discord cannot
close for us (sent, but killed before recording) is covered by looking for our own message before sending
again: the service marks the item ``attempted`` just before the first send.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import discord

from bot.discord_utils import safe_text, send_once
from bot.i18n import t
from bot.services.feeds.debates import DebateService
from bot.services.feeds.outcomes import FailureNotice, ItemToPost
from bot.services.feeds.service import FeedService
from bot.services.guild_settings import GuildSettingsService
from bot.services.outbox import Outbox
from cogs.feeds.render import embed_for_item, when

if TYPE_CHECKING:
    from bot.app import LCMBot

log = logging.getLogger(__name__)

THREAD_ARCHIVE_MINUTES = 10080  # a week: debates run longer than a day
HISTORY_LOOKBACK = 25
NONE = discord.AllowedMentions.none()
# Codes meaning the channel is gone for good (not a passing problem).
GONE = (10003,)


class FeedPoster:
    """Sends items and failure notices; never twice."""

    def __init__(
        self,
        bot: LCMBot,
        *,
        feeds: FeedService,
        debates: DebateService,
        outbox: Outbox,
        guild_settings: GuildSettingsService,
    ) -> None:
        self.bot = bot
        self.feeds = feeds
        self.debates = debates
        self.outbox = outbox
        self.guild_settings = guild_settings
        # One item at a time: items go out oldest first, and a timer and a reconciliation racing for the
        # same item find it already done.
        self._lock = asyncio.Lock()

    async def lang(self, guild_id: int) -> str:
        return (await self.guild_settings.get(guild_id)).language

    async def channel(self, channel_id: int) -> discord.abc.GuildChannel | discord.Thread | None:
        """The channel from the cache, else from the API; None when it no longer exists."""
        channel = self.bot.get_channel(channel_id)
        if channel is not None:
            return channel  # type: ignore[return-value]
        try:
            return await self.bot.fetch_channel(channel_id)  # type: ignore[return-value]
        except discord.NotFound:
            return None

    async def post(self, item_id: int) -> int | None:
        """Post the item (or finish posting it); return its message id, None when it could not be."""
        async with self._lock:
            try:
                return await self._post(item_id)
            except discord.HTTPException as exc:
                if exc.code in GONE:
                    await self.feeds.item_dropped(item_id, "channel_gone")
                else:
                    # Left pending: the next poll or reconciliation tries again from the step it reached.
                    log.warning("feed item %s: could not post (%s)", item_id, exc, exc_info=True)
                return None

    async def _post(self, item_id: int) -> int | None:
        item = await self.feeds.item(item_id)
        if item is None or item.state != "pending":
            return item.message_id if item else None
        channel = await self.channel(item.channel_id)
        if channel is None:
            await self.feeds.item_dropped(item_id, "channel_gone")
            return None
        lang = await self.lang(item.guild_id)
        if isinstance(channel, discord.ForumChannel):
            thread = await self._forum_post(item, channel)
            message_id = thread.id
        elif isinstance(channel, discord.TextChannel):
            message_id = await self._message(item, channel)
            thread = await self._thread(item, channel, message_id)
        else:
            await self.feeds.item_dropped(item_id, "not_a_text_channel")
            return None
        prompt = item.prompt or t("resources.debate.prompt", lang)
        await send_once(self.outbox, item.prompt_key, thread, content=prompt, allowed_mentions=NONE)
        await self.feeds.item_posted(item.id)
        return message_id

    def _content(self, item: ItemToPost, lang: str) -> str | None:
        if item.shared_by is None:
            return None
        text = t("resources.share.by", lang, user=f"<@{item.shared_by}>")
        return f"{text}\n{item.comment}" if item.comment else text

    async def _message(self, item: ItemToPost, channel: discord.TextChannel) -> int:
        if item.message_id is not None:
            return item.message_id
        claim = await self.outbox.claim(item.outbox_key, channel.id)
        if claim.already_sent and claim.message_id is not None:
            await self.feeds.item_sent(item.id, claim.message_id)
            return claim.message_id
        if item.attempted:
            found = await self._find_message(item, channel)
            if found is not None:
                await self.outbox.sent(item.outbox_key, channel.id, found)
                await self.feeds.item_sent(item.id, found)
                return found
        await self.feeds.item_sending(item.id)
        lang = await self.lang(item.guild_id)
        message = await send_once(
            self.outbox,
            item.outbox_key,
            channel,
            content=self._content(item, lang),
            embed=embed_for_item(item),
            allowed_mentions=NONE,
        )
        message_id = message.id if message is not None else await self.outbox.message_id(item.outbox_key)
        assert message_id is not None
        await self.feeds.item_sent(item.id, message_id)
        return message_id

    async def _find_message(self, item: ItemToPost, channel: discord.TextChannel) -> int | None:
        """Our message for this item among the channel's latest, if a killed run sent it."""
        me = self.bot.user
        async for message in channel.history(limit=HISTORY_LOOKBACK):
            if me is None or message.author.id != me.id or not message.embeds:
                continue
            embed = message.embeds[0]
            if (item.link and embed.url == item.link) or (not item.link and embed.title == item.title):
                return message.id
        return None

    async def _thread(
        self, item: ItemToPost, channel: discord.TextChannel, message_id: int
    ) -> discord.Thread:
        if item.thread_id is not None:
            thread = channel.guild.get_thread(item.thread_id)
            if thread is None:
                thread = await self.bot.fetch_channel(item.thread_id)
            return thread  # type: ignore[return-value]
        try:
            thread = await channel.get_partial_message(message_id).create_thread(
                name=item.thread_name, auto_archive_duration=THREAD_ARCHIVE_MINUTES
            )
        except discord.HTTPException as exc:
            if exc.code != 160004:  # "a thread has already been created for this message"
                raise
            thread = await self.bot.fetch_channel(message_id)  # a message's thread has the message's id
        await self.feeds.thread_opened(item.id, thread.id)
        self.debates.thread_added(thread.id)
        return thread  # type: ignore[return-value]

    async def _forum_post(self, item: ItemToPost, forum: discord.ForumChannel) -> discord.Thread:
        """One forum post per item: the embed is its first message, the prompt its first reply."""
        if item.thread_id is not None:
            thread = forum.get_thread(item.thread_id)
            if thread is None:
                thread = await self.bot.fetch_channel(item.thread_id)  # type: ignore[assignment]
            return thread  # type: ignore[return-value]
        claim = await self.outbox.claim(item.outbox_key, forum.id)
        thread_id = claim.message_id if claim.already_sent else None
        if thread_id is None and item.attempted:
            thread_id = await self._find_post(item, forum)
        if thread_id is None:
            # Forum posts take no nonce: the "attempted" mark and the search above stand in for it.
            await self.feeds.item_sending(item.id)
            lang = await self.lang(item.guild_id)
            created = await forum.create_thread(
                name=item.thread_name,
                auto_archive_duration=THREAD_ARCHIVE_MINUTES,
                content=self._content(item, lang),
                embed=embed_for_item(item),
                allowed_mentions=NONE,
            )
            thread_id = created.thread.id
        await self.outbox.sent(item.outbox_key, forum.id, thread_id)
        await self.feeds.item_sent(item.id, thread_id)
        await self.feeds.thread_opened(item.id, thread_id)
        self.debates.thread_added(thread_id)
        thread = forum.get_thread(thread_id) or await self.bot.fetch_channel(thread_id)
        return thread  # type: ignore[return-value]

    async def _find_post(self, item: ItemToPost, forum: discord.ForumChannel) -> int | None:
        me = self.bot.user
        for thread in forum.threads:
            if me is not None and thread.owner_id == me.id and thread.name == item.thread_name:
                return thread.id
        return None

    async def notify_failure(self, notice: FailureNotice) -> None:
        """Tell the LCM's log channel, once, that a feed keeps failing, why, and what to do."""
        config = await self.guild_settings.get(notice.guild_id)
        lang = config.language
        channel = self.bot.get_channel(config.log_channel_id or 0)
        if not isinstance(channel, discord.abc.Messageable):
            log.warning(
                "feed %s is failing but guild %s has no log channel; see /lcm config", notice.feed_id,
                notice.guild_id,
            )  # fmt: skip
            await self.feeds.failure_notified(notice.feed_id)
            return
        text = t(
            "resources.failing.notice",
            lang,
            feed=safe_text(notice.title or notice.url, 200),
            url=notice.url,
            id=notice.feed_id,
            channel=f"<#{notice.channel_id}>",
            since=when(notice.since, lang),
            failures=notice.failures,
            reason=notice.reason.message(lang),
            fix=notice.reason.fix(lang),
        )
        try:
            await send_once(self.outbox, notice.key, channel, content=text, allowed_mentions=NONE)
        except discord.HTTPException:
            log.warning("feed %s: could not tell the LCM it is failing", notice.feed_id, exc_info=True)
            return
        await self.feeds.failure_notified(notice.feed_id)
