"""Resources on Discord: the LCM's ``/feed`` commands, the polling timers and the debate counts.

Timers: one scheduler job per feed, ``feed:{id}``, armed at the row's ``next_poll_at``. Each feed has its
own interval and its own backoff, so a job per feed keeps every change local (an edit, a pause or a
failure re-arms one id) and needs no sweep arithmetic; a job that fires late or twice is harmless because
the service re-reads the row and polls only when it is due. Concurrency across feeds is bounded by the
service (``feeds.concurrency`` fetches at once, one shared connection pool). At start-up and every ten
minutes all jobs are rebuilt from the table (overdue feeds poll at once), unfinished posts are finished
and undelivered failure notices are sent.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.checks import lcm_only
from bot.discord_utils import jump_link, safe_text
from bot.errors import UserError
from bot.health import CheckItem
from bot.i18n import lang_from_locale, t
from bot.services.feeds.debates import DebateService
from bot.services.feeds.errors import FeedError
from bot.services.feeds.outcomes import FeedInfo
from bot.services.feeds.service import FeedService
from bot.services.guild_settings import GuildSettingsService
from bot.services.outbox import Outbox
from cogs.feeds.poster import FeedPoster
from cogs.feeds.render import embed_for_entry, feed_label, feed_lines, when

if TYPE_CHECKING:
    from bot.app import LCMBot

log = logging.getLogger(__name__)

RECONCILE_SECONDS = 600
PREVIEW_ITEMS = 3
LIST_LIMIT = 3900
Url = app_commands.Range[str, 8, 2000]
Keywords = app_commands.Range[str, 1, 500]
Prompt = app_commands.Range[str, 1, 1000]
Minutes = app_commands.Range[int, 1, 10080]
PostChannel = discord.TextChannel | discord.ForumChannel

TEXT_PERMISSIONS = (
    "view_channel",
    "send_messages",
    "embed_links",
    "create_public_threads",
    "send_messages_in_threads",
    "read_message_history",
)
FORUM_PERMISSIONS = ("view_channel", "send_messages", "embed_links", "send_messages_in_threads")


def _lang(interaction: discord.Interaction) -> str:
    return lang_from_locale(str(interaction.locale))


def missing_permissions(channel: discord.abc.GuildChannel) -> list[str]:
    """What the bot lacks in ``channel`` to post items and open their debates."""
    needed = FORUM_PERMISSIONS if isinstance(channel, discord.ForumChannel) else TEXT_PERMISSIONS
    perms = channel.permissions_for(channel.guild.me)
    return [name for name in needed if not getattr(perms, name)]


class Feeds(commands.Cog):
    """Resources from RSS/Atom feeds, each opening a debate."""

    feed = app_commands.Group(
        name="feed",
        description="Post RSS or Atom feeds in channels and open a debate on each item",
        default_permissions=discord.Permissions(manage_guild=True),
        guild_only=True,
    )

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
        self.poster = FeedPoster(
            bot, feeds=feeds, debates=debates, outbox=outbox, guild_settings=guild_settings
        )

    async def cog_load(self) -> None:
        self.bot.check_providers.append(self.feed_checks)
        self.bot.scheduler.every("feed:reconcile", RECONCILE_SECONDS, self.reconcile)

    async def cog_unload(self) -> None:
        self.bot.scheduler.cancel("feed:reconcile")
        if self.feed_checks in self.bot.check_providers:
            self.bot.check_providers.remove(self.feed_checks)

    # ----- timers

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        # Channels are known only once the guilds arrived.
        await self.reconcile()

    async def reconcile(self) -> None:
        """Re-arm every feed's timer from the database, finish unfinished posts, send due notices."""
        for feed_id, due in await self.feeds.schedule():
            self.bot.scheduler.at(f"feed:{feed_id}", due, self.fire, feed_id)
        for item_id in await self.feeds.pending_items():
            await self.poster.post(item_id)
        for notice in await self.feeds.unnotified_failures():
            await self.poster.notify_failure(notice)

    def arm(self, feed: FeedInfo | None, feed_id: int) -> None:
        if feed is None or feed.paused or feed.next_poll_at is None:
            self.bot.scheduler.cancel(f"feed:{feed_id}")
        else:
            self.bot.scheduler.at(f"feed:{feed_id}", feed.next_poll_at, self.fire, feed_id)

    async def fire(self, feed_id: int) -> None:
        """A feed's timer rang: poll it if due, post what it chose, tell the LCM if it is failing."""
        try:
            outcome = await self.feeds.poll(feed_id)
            for item_id in outcome.to_post:
                await self.poster.post(item_id)
            if outcome.notice is not None:
                await self.poster.notify_failure(outcome.notice)
        finally:
            self.arm(await self.feeds.get(feed_id), feed_id)

    # ----- debates

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        channel = message.channel
        if message.guild is None or message.author.bot or not isinstance(channel, discord.Thread):
            return
        if message.type not in (discord.MessageType.default, discord.MessageType.reply):
            return
        if await self.debates.is_debate(channel.id):
            await self.debates.safe_count_reply(channel.id, message.author.id)

    # ----- /lcm check

    async def feed_checks(self, guild: discord.Guild) -> list[CheckItem]:
        items: list[CheckItem] = []
        for feed in await self.feeds.list(guild.id):
            channel = guild.get_channel(feed.channel_id)
            if channel is None:
                items.append(
                    CheckItem.of(
                        False, "check.feed.gone", fix="check.feed.gone.fix", id=feed.id, feed=feed_label(feed)
                    )
                )
                continue
            items.append(
                CheckItem.missing_permissions(
                    "check.feed.permissions",
                    missing_permissions(channel),
                    channel=channel.mention,
                    feed=feed_label(feed),
                )
            )
        return items

    # ----- commands

    async def feed_choices(
        self, interaction: discord.Interaction[LCMBot], current: str
    ) -> list[app_commands.Choice[int]]:
        if interaction.guild is None:
            return []
        needle = current.casefold().strip()
        choices = []
        for feed in await self.feeds.list(interaction.guild.id):
            channel = interaction.guild.get_channel(feed.channel_id)
            where = f"#{channel.name}" if channel is not None else f"#{feed.channel_id}"
            name = f"{feed.id} · {where} · {feed.label}"
            if not needle or needle in name.casefold():
                choices.append(app_commands.Choice(name=name[:100], value=feed.id))
        return choices[:25]

    async def _get(self, interaction: discord.Interaction, feed_id: int) -> FeedInfo:
        assert interaction.guild is not None
        feed = await self.feeds.get(feed_id, interaction.guild.id)
        if feed is None:
            raise UserError("resources.feed.unknown")
        return feed

    @staticmethod
    def _failure(error: FeedError, lang: str, url: str) -> str:
        return t(
            "resources.fetch_failed",
            lang,
            url=safe_text(url, 300),
            reason=error.reason.message(lang),
            fix=error.reason.fix(lang),
        )

    @feed.command(name="add", description="Post a feed's new items in a channel, each with a debate")
    @app_commands.describe(
        url="Address of the RSS or Atom feed",
        channel="Text, announcement or forum channel to post in",
        include="Post only items mentioning one of these words (comma-separated)",
        exclude="Never post items mentioning one of these words (comma-separated)",
        interval="Minutes between two checks (default 15, minimum 5)",
        prompt="Question opening each debate (default: the bot's own)",
        post_latest="Also post the feed's latest item now (default: post only what comes next)",
    )
    @lcm_only()
    async def add(
        self,
        interaction: discord.Interaction[LCMBot],
        url: Url,
        channel: PostChannel,
        include: Keywords | None = None,
        exclude: Keywords | None = None,
        interval: Minutes | None = None,
        prompt: Prompt | None = None,
        post_latest: bool = False,
    ) -> None:
        assert interaction.guild is not None
        lang = _lang(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            added = await self.feeds.add(
                interaction.guild.id,
                channel.id,
                url,
                by=interaction.user.id,
                include=include,
                exclude=exclude,
                poll_minutes=interval,
                prompt=prompt,
                post_latest=post_latest,
            )
        except FeedError as exc:
            await interaction.followup.send(self._failure(exc, lang, url), ephemeral=True)
            return
        feed = added.feed
        self.arm(feed, feed.id)
        posted = [await self.poster.post(item_id) for item_id in added.to_post]
        lines = [
            t(
                "resources.added",
                lang,
                feed=feed_label(feed),
                channel=channel.mention,
                count=added.recorded - len(added.to_post),
                minutes=feed.poll_minutes,
                next=when(feed.next_poll_at, lang),
            )
        ]
        if any(posted):
            lines.append(t("resources.added.latest_posted", lang))
        missing = missing_permissions(channel)
        if missing:
            lines.append(t("resources.added.missing_permissions", lang, permissions=", ".join(missing)))
        await interaction.followup.send("\n".join(lines), ephemeral=True)

    @feed.command(name="list", description="List this server's feeds with their state")
    @lcm_only()
    async def list_feeds(self, interaction: discord.Interaction[LCMBot]) -> None:
        assert interaction.guild is not None
        lang = _lang(interaction)
        feeds = await self.feeds.list(interaction.guild.id)
        if not feeds:
            await interaction.response.send_message(t("resources.list.empty", lang), ephemeral=True)
            return
        blocks, size, hidden = [], 0, 0
        for feed in feeds:
            block = feed_lines(feed, lang)
            if size + len(block) + 2 > LIST_LIMIT:
                hidden += 1
                continue
            blocks.append(block)
            size += len(block) + 2
        if hidden:
            blocks.append(t("resources.list.more", lang, count=hidden))
        embed = discord.Embed(
            title=t("resources.list.title", lang, count=len(feeds)), description="\n\n".join(blocks)
        )
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @feed.command(name="edit", description="Change a feed's keywords, interval, prompt or channel")
    @app_commands.describe(
        feed="The feed to change",
        include="Words an item must mention (comma-separated; - to clear)",
        exclude="Words an item must not mention (comma-separated; - to clear)",
        interval="Minutes between two checks (minimum 5)",
        prompt="Question opening each debate (- for the bot's own)",
        channel="Move the feed to this channel",
    )
    @lcm_only()
    async def edit(
        self,
        interaction: discord.Interaction[LCMBot],
        feed: int,
        include: Keywords | None = None,
        exclude: Keywords | None = None,
        interval: Minutes | None = None,
        prompt: Prompt | None = None,
        channel: PostChannel | None = None,
    ) -> None:
        assert interaction.guild is not None
        await self._get(interaction, feed)
        info = await self.feeds.edit(
            interaction.guild.id,
            feed,
            include=include,
            exclude=exclude,
            poll_minutes=interval,
            prompt=prompt,
            channel_id=channel.id if channel else None,
        )
        self.arm(info, info.id)
        lang = _lang(interaction)
        await interaction.response.send_message(
            t("resources.edited", lang) + "\n\n" + feed_lines(info, lang), ephemeral=True
        )

    @feed.command(name="pause", description="Stop checking a feed for now")
    @app_commands.describe(feed="The feed to pause")
    @lcm_only()
    async def pause(self, interaction: discord.Interaction[LCMBot], feed: int) -> None:
        assert interaction.guild is not None
        await self._get(interaction, feed)
        info = await self.feeds.set_paused(interaction.guild.id, feed, True)
        self.arm(info, feed)
        await interaction.response.send_message(
            t("resources.paused", _lang(interaction), feed=feed_label(info)), ephemeral=True
        )

    @feed.command(name="resume", description="Check a paused feed again, starting now")
    @app_commands.describe(feed="The feed to resume")
    @lcm_only()
    async def resume(self, interaction: discord.Interaction[LCMBot], feed: int) -> None:
        assert interaction.guild is not None
        await self._get(interaction, feed)
        info = await self.feeds.set_paused(interaction.guild.id, feed, False)
        await interaction.response.send_message(
            t("resources.resumed", _lang(interaction), feed=feed_label(info)), ephemeral=True
        )
        self.arm(info, feed)

    @feed.command(name="remove", description="Stop posting a feed (what was posted stays)")
    @app_commands.describe(feed="The feed to remove")
    @lcm_only()
    async def remove(self, interaction: discord.Interaction[LCMBot], feed: int) -> None:
        assert interaction.guild is not None
        await self._get(interaction, feed)
        info = await self.feeds.remove(interaction.guild.id, feed)
        self.bot.scheduler.cancel(f"feed:{feed}")
        await interaction.response.send_message(
            t("resources.removed", _lang(interaction), feed=feed_label(info)), ephemeral=True
        )

    edit.autocomplete("feed")(feed_choices)
    pause.autocomplete("feed")(feed_choices)
    resume.autocomplete("feed")(feed_choices)
    remove.autocomplete("feed")(feed_choices)

    @feed.command(name="preview", description="See how a feed's next items would look (posts nothing)")
    @app_commands.describe(url="Address of the RSS or Atom feed")
    @lcm_only()
    async def preview(self, interaction: discord.Interaction[LCMBot], url: Url) -> None:
        lang = _lang(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            parsed = await self.feeds.fetch_feed(url)
        except FeedError as exc:
            await interaction.followup.send(self._failure(exc, lang, url), ephemeral=True)
            return
        if not parsed.entries:
            await interaction.followup.send(t("feeds.preview.empty", lang), ephemeral=True)
            return
        newest = sorted(
            parsed.entries,
            key=lambda e: (e.published is not None, e.published or 0, -e.position),  # type: ignore[operator]
            reverse=True,
        )[:PREVIEW_ITEMS]
        lines = [t("resources.preview.header", lang, title=safe_text(parsed.title or url, 200),
                   count=len(parsed.entries), shown=len(newest))]  # fmt: skip
        if parsed.warning:
            lines.append(t("feeds.preview.warning", lang, warning=t("feeds.warning.malformed", lang)))
        embeds = [embed_for_entry(entry, parsed.title) for entry in newest]
        await interaction.followup.send("\n".join(lines), embeds=embeds, ephemeral=True)

    @feed.command(name="share", description="Post one link by hand, with a debate, like a feed item")
    @app_commands.describe(
        url="Address of the page to share",
        comment="A word from you, shown above the link",
        channel="Where to post it (default: this channel)",
    )
    @lcm_only()
    async def share(
        self,
        interaction: discord.Interaction[LCMBot],
        url: Url,
        comment: app_commands.Range[str, 1, 1500] | None = None,
        channel: PostChannel | None = None,
    ) -> None:
        assert interaction.guild is not None
        lang = _lang(interaction)
        target = channel or interaction.channel
        if not isinstance(target, discord.TextChannel | discord.ForumChannel):
            raise UserError("resources.share.bad_channel")
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            item_id = await self.feeds.share(
                interaction.guild.id, target.id, url, by=interaction.user.id, comment=comment
            )
        except FeedError as exc:
            await interaction.followup.send(self._failure(exc, lang, url), ephemeral=True)
            return
        message_id = await self.poster.post(item_id)
        if message_id is None:
            await interaction.followup.send(t("resources.share.not_posted", lang), ephemeral=True)
            return
        link = jump_link(interaction.guild.id, target.id, message_id)
        if isinstance(target, discord.ForumChannel):
            link = jump_link(interaction.guild.id, message_id)
        await interaction.followup.send(t("resources.share.done", lang, link=link), ephemeral=True)
