"""``/topic``, ``/close``, idle rules and their timers, and the organizing capability's ``/lcm check``."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.checks import staff_only
from bot.discord_utils import safe_text, send_once
from bot.errors import UserError
from bot.health import CheckItem
from bot.i18n import lang_from_locale, t
from bot.services.organizing import (
    FollowUpService,
    IdleAction,
    PendingOp,
    PendingOperations,
    TopicService,
)
from bot.services.outbox import Outbox
from bot.services.questions import QuestionService, SpaceService
from bot.services.questions.closing import QuestionClosing
from cogs.topics.discord_side import ORGANIZING_PERMISSIONS, missing
from cogs.topics.followups import FinishedQuestions
from cogs.topics.operations import TopicOperations
from cogs.topics.views import KeepOpenButton, SolvedButton, keep_open_view
from models import TopicState

if TYPE_CHECKING:
    from bot.app import LCMBot

log = logging.getLogger(__name__)

RECONCILE_SECONDS = 600
ChannelArg = discord.TextChannel | discord.ForumChannel


class Topics(FinishedQuestions, commands.Cog):
    """Open topic channels, archive what is finished, close idle questions."""

    topic = app_commands.Group(
        name="topic",
        description="Open, archive and reopen topic channels",
        default_permissions=discord.Permissions(manage_guild=True),
        guild_only=True,
    )

    def __init__(
        self,
        bot: LCMBot,
        *,
        topics: TopicService,
        followups: FollowUpService,
        pending: PendingOperations,
        closing: QuestionClosing,
        questions: QuestionService,
        spaces: SpaceService,
        outbox: Outbox,
        recover_moves: Callable[[PendingOp], Awaitable[None]] | None = None,
    ) -> None:
        self.bot = bot
        self.recover_moves = recover_moves
        self.topics = topics
        self.followups = followups
        self.pending = pending
        self.closing = closing
        self.questions = questions
        self.spaces = spaces
        self.outbox = outbox
        self.ops = TopicOperations(bot, topics, pending, outbox)
        self._recovered = False

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(KeepOpenButton, SolvedButton)
        self.bot.check_providers.append(self.organizing_checks)
        self.bot.scheduler.every("org:reconcile", RECONCILE_SECONDS, self.reconcile)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(KeepOpenButton, SolvedButton)
        if self.organizing_checks in self.bot.check_providers:
            self.bot.check_providers.remove(self.organizing_checks)
        self.bot.scheduler.cancel("org:reconcile")

    # ----- start-up: finish what was in flight, then rebuild every timer from the database

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        await self.reconcile()

    async def reconcile(self) -> None:
        if not self._recovered:
            for op in await self.pending.unfinished():
                if op.kind in ("open", "archive", "reopen"):
                    await self.ops.recover(op)
                elif op.kind in ("move", "question") and self.recover_moves is not None:
                    await self.recover_moves(op)
            self._recovered = True
        for topic in await self.topics.with_deadlines():
            if topic.next_due is not None:
                self.bot.scheduler.at(
                    f"topic:{topic.channel_id}", topic.next_due, self.fire_topic, topic.channel_id
                )
        for question_id in await self.followups.candidates():
            await self.schedule_question(question_id)

    # ----- /topic

    def target_channel(
        self, interaction: discord.Interaction[LCMBot], channel: ChannelArg | None
    ) -> ChannelArg:
        resolved = channel or interaction.channel
        if isinstance(resolved, app_commands.AppCommandChannel):
            resolved = interaction.guild.get_channel(resolved.id) if interaction.guild else None
        if not isinstance(resolved, discord.TextChannel | discord.ForumChannel):
            raise UserError("topic.need_channel")
        return resolved

    @topic.command(name="open", description="Create a topic channel with its welcome message")
    @app_commands.describe(
        name="The channel's name",
        description="What the topic is for (the channel's description)",
        category="The category to put it in",
        kind="A text channel or a forum",
        visible_to="Only this role (and staff) will see it",
    )
    @app_commands.choices(
        kind=[
            app_commands.Choice(name="text", value="text"),
            app_commands.Choice(name="forum", value="forum"),
        ]
    )
    @staff_only()
    async def topic_open(
        self,
        interaction: discord.Interaction[LCMBot],
        name: app_commands.Range[str, 1, 100],
        description: app_commands.Range[str, 1, 1024] | None = None,
        category: discord.CategoryChannel | None = None,
        kind: str = "text",
        visible_to: discord.Role | None = None,
    ) -> None:
        assert interaction.guild is not None
        lang = lang_from_locale(str(interaction.locale))
        await interaction.response.defer(ephemeral=True)
        channel = await self.ops.open(
            interaction.guild,
            name=name,
            description=description,
            category=category,
            kind=kind,
            visible_to=visible_to,
            by=interaction.user.id,
        )
        topic = await self.topics.get(channel.id)
        if topic is not None and topic.next_due is not None:
            self.bot.scheduler.at(f"topic:{channel.id}", topic.next_due, self.fire_topic, channel.id)
        await interaction.followup.send(t("topic.opened", lang, channel=channel.mention), ephemeral=True)

    @topic.command(name="archive", description="Archive a topic channel with a summary and a transcript")
    @app_commands.describe(channel="The channel (default: this one)", reason="Why it is archived")
    @staff_only()
    async def topic_archive(
        self,
        interaction: discord.Interaction[LCMBot],
        channel: ChannelArg | None = None,
        reason: app_commands.Range[str, 1, 500] | None = None,
    ) -> None:
        assert interaction.guild is not None
        lang = lang_from_locale(str(interaction.locale))
        target = self.target_channel(interaction, channel)
        await interaction.response.defer(ephemeral=True)
        if not await self.topics.is_registered(target.id):
            await self.topics.register(
                guild_id=interaction.guild.id,
                channel_id=target.id,
                name=target.name,
                kind="forum" if isinstance(target, discord.ForumChannel) else "text",
                by=interaction.user.id,
                opened_at=target.created_at,
            )
        await self.ops.archive(target, by=interaction.user.id, reason=reason)
        self.bot.scheduler.cancel(f"topic:{target.id}")
        await interaction.followup.send(t("topic.archived", lang, channel=target.mention), ephemeral=True)

    @topic.command(name="reopen", description="Reopen an archived topic channel exactly as it was")
    @app_commands.describe(channel="The archived channel (default: this one)")
    @staff_only()
    async def topic_reopen(
        self, interaction: discord.Interaction[LCMBot], channel: ChannelArg | None = None
    ) -> None:
        lang = lang_from_locale(str(interaction.locale))
        target = self.target_channel(interaction, channel)
        await interaction.response.defer(ephemeral=True)
        info = await self.ops.reopen(target, by=interaction.user.id)
        if info.next_due is not None:
            self.bot.scheduler.at(f"topic:{target.id}", info.next_due, self.fire_topic, target.id)
        await interaction.followup.send(
            t("topic.reopened.done", lang, channel=target.mention), ephemeral=True
        )

    @topic.command(name="register", description="Bring an existing channel under the topic rules")
    @app_commands.describe(channel="The channel (default: this one)")
    @staff_only()
    async def topic_register(
        self, interaction: discord.Interaction[LCMBot], channel: ChannelArg | None = None
    ) -> None:
        assert interaction.guild is not None
        lang = lang_from_locale(str(interaction.locale))
        target = self.target_channel(interaction, channel)
        last = getattr(target, "last_message_id", None)
        info = await self.topics.register(
            guild_id=interaction.guild.id,
            channel_id=target.id,
            name=target.name,
            kind="forum" if isinstance(target, discord.ForumChannel) else "text",
            by=interaction.user.id,
            opened_at=target.created_at,
            last_activity_at=discord.utils.snowflake_time(last) if last else None,
        )
        if info.next_due is not None:
            self.bot.scheduler.at(f"topic:{target.id}", info.next_due, self.fire_topic, target.id)
        await interaction.response.send_message(
            t("topic.registered", lang, channel=target.mention), ephemeral=True
        )

    @topic.command(name="exempt", description="Keep a topic channel from being archived when idle")
    @app_commands.describe(channel="The channel (default: this one)", exempt="False: idle rules apply again")
    @staff_only()
    async def topic_exempt(
        self, interaction: discord.Interaction[LCMBot], channel: ChannelArg | None = None, exempt: bool = True
    ) -> None:
        lang = lang_from_locale(str(interaction.locale))
        target = self.target_channel(interaction, channel)
        info = await self.topics.set_exempt(target.id, exempt)
        if info.next_due is None:
            self.bot.scheduler.cancel(f"topic:{target.id}")
        else:
            self.bot.scheduler.at(f"topic:{target.id}", info.next_due, self.fire_topic, target.id)
        key = "topic.exempted" if exempt else "topic.unexempted"
        await interaction.response.send_message(t(key, lang, channel=target.mention), ephemeral=True)

    # ----- idle channels

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        if message.guild is None or message.author.bot or message.webhook_id is not None:
            return
        channel_id = message.channel.id
        if isinstance(message.channel, discord.Thread) and message.channel.parent_id:
            channel_id = message.channel.parent_id
        if await self.topics.is_registered(channel_id):
            await self.topics.activity(channel_id)

    @commands.Cog.listener()
    async def on_guild_channel_delete(self, channel: discord.abc.GuildChannel) -> None:
        if await self.topics.is_registered(channel.id):
            await self.topics.unregister(channel.id)
            self.bot.scheduler.cancel(f"topic:{channel.id}")
            log.info("topic channel %s was deleted; no longer watched", channel.id)

    async def fire_topic(self, channel_id: int) -> None:
        """An idle timer rang: warn, archive, or wait more (re-checked from the row)."""
        decision = await self.topics.decide(channel_id)
        topic = decision.topic
        if decision.action is IdleAction.WAIT and decision.due is not None:
            self.bot.scheduler.at(f"topic:{channel_id}", decision.due, self.fire_topic, channel_id)
            return
        if topic is None or decision.action is IdleAction.NONE:
            return
        channel = self.bot.get_channel(channel_id)
        if not isinstance(channel, discord.TextChannel | discord.ForumChannel):
            log.warning("topic channel %s is gone; its idle rule is skipped", channel_id)
            return
        lang = await self.guild_lang(topic.guild_id)
        if decision.action is IdleAction.WARN:
            where: discord.abc.Messageable | None = (
                channel if isinstance(channel, discord.TextChannel) else None
            )
            if where is None:
                config = await self.bot.services.guild_settings.get(topic.guild_id)
                log_channel = self.bot.get_channel(config.log_channel_id or 0)
                where = log_channel if isinstance(log_channel, discord.abc.Messageable) else None
            message = None
            if where is not None:
                due = self.topics.rules.archive_due(self.bot.clock.now())
                message = await send_once(
                    self.outbox,
                    f"topic:{topic.id}:warn:{int(topic.last_activity_at.timestamp())}",
                    where,
                    content=t(
                        "topic.idle.warning",
                        lang,
                        channel=channel.mention,
                        when=discord.utils.format_dt(due, "R"),
                    ),
                    view=keep_open_view(channel_id, lang),
                )
            info = await self.topics.warned(channel_id, message.id if message else None)
            if info is not None and info.next_due is not None:
                self.bot.scheduler.at(f"topic:{channel_id}", info.next_due, self.fire_topic, channel_id)
            return
        try:
            await self.ops.archive(channel, by=None, reason=None)
        except UserError as exc:
            log.warning("idle archive of %s refused: %s %s", channel_id, exc.key, exc.values)
        except discord.HTTPException:
            log.warning(
                "idle archive of %s failed; the next reconciliation retries", channel_id, exc_info=True
            )

    async def on_keep_open(self, interaction: discord.Interaction[LCMBot], channel_id: int) -> None:
        lang = lang_from_locale(str(interaction.locale))
        info = await self.topics.keep_open(channel_id)
        if info is None:
            await interaction.response.send_message(t("topic.idle.not_warned", lang), ephemeral=True)
            return
        guild_lang = await self.guild_lang(info.guild_id)
        await interaction.response.edit_message(
            content=t("topic.idle.kept", guild_lang, channel=f"<#{channel_id}>", by=interaction.user.mention),
            view=None,
        )
        if info.next_due is not None:
            self.bot.scheduler.at(f"topic:{channel_id}", info.next_due, self.fire_topic, channel_id)

    # ----- /lcm check

    async def organizing_checks(self, guild: discord.Guild) -> list[CheckItem]:
        items = [
            CheckItem.missing_permissions(
                "check.organizing", missing(guild.me.guild_permissions, ORGANIZING_PERMISSIONS)
            )
        ]
        for topic in await self.topics.list(guild.id):
            channel = guild.get_channel(topic.channel_id)
            if channel is None:
                items.append(
                    CheckItem.of(
                        False, "check.topic.gone", fix="check.topic.gone.fix", name=safe_text(topic.name, 100)
                    )
                )
            elif topic.state is not TopicState.ARCHIVED:
                lacking = missing(
                    channel.permissions_for(guild.me), ("view_channel", "manage_channels", "manage_roles")
                )
                if lacking:
                    items.append(
                        CheckItem.missing_permissions("check.topic", lacking, channel=channel.mention)
                    )
        return items
