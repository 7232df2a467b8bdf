"""The escalation ladder on Discord: timers, the trainers' message and its buttons, ``/escalate``."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.checks import audience_of
from bot.discord_utils import jump_link, safe_text, send_once
from bot.errors import UserError
from bot.health import CheckItem
from bot.i18n import lang_from_locale, t
from bot.services.escalation import Action, Role, Verdict, format_duration
from bot.services.escalation.service import EscalationInfo, EscalationService
from bot.services.outbox import Outbox
from bot.services.questions import QuestionService
from bot.tree import reply_ephemeral
from cogs.escalation.views import EscalationButton, trainers_view

if TYPE_CHECKING:
    from bot.app import LCMBot

log = logging.getLogger(__name__)

RECONCILE_SECONDS = 600


class Escalations(commands.Cog):
    """Peers first, then the trainer, then the LCM."""

    def __init__(
        self, bot: LCMBot, *, escalation: EscalationService, questions: QuestionService, outbox: Outbox
    ) -> None:
        self.bot = bot
        self.escalation = escalation
        self.questions = questions
        self.outbox = outbox

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(EscalationButton)
        self.bot.scheduler.every("esc:reconcile", RECONCILE_SECONDS, self.reconcile)
        self.bot.check_providers.append(self.escalation_checks)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(EscalationButton)
        self.bot.scheduler.cancel("esc:reconcile")
        if self.escalation_checks in self.bot.check_providers:
            self.bot.check_providers.remove(self.escalation_checks)

    async def escalation_checks(self, guild: discord.Guild) -> list[CheckItem]:
        """Where trainers are asked: the channel is set and the bot can post there."""
        config = await self.bot.services.guild_settings.get(guild.id)
        channel = guild.get_channel(config.trainers_channel_id or 0)
        if channel is None:
            return [
                CheckItem.of(False, "check.trainers_channel.unset", fix="check.trainers_channel.unset.fix")
            ]
        perms = channel.permissions_for(guild.me)
        missing = [p for p in ("view_channel", "send_messages", "embed_links") if not getattr(perms, p)]
        return [CheckItem.missing_permissions("check.trainers_channel", missing, channel=channel.mention)]

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        # Channels (and so categories) are known only once the guilds arrived.
        await self.reconcile()

    async def reconcile(self) -> None:
        """Rebuild every pending timer from the database; overdue steps run at once."""
        for question_id in await self.escalation.in_ladder():
            await self.schedule(question_id)

    def category_of(self, channel_id: int) -> int | None:
        channel = self.bot.get_channel(channel_id)
        return getattr(channel, "category_id", None)

    async def schedule(self, question_id: int) -> None:
        question = await self.questions.get(question_id)
        if question is None:
            self.bot.scheduler.cancel(f"esc:{question_id}")
            return
        step = await self.escalation.plan(question_id, self.category_of(question.channel_id))
        if step is None:
            self.bot.scheduler.cancel(f"esc:{question_id}")
        else:
            self.bot.scheduler.at(f"esc:{question_id}", step.due_at, self.fire, question_id)

    async def fire(self, question_id: int) -> None:
        """A timer rang: re-check, send what is due (at most once each), schedule the next step."""
        question = await self.questions.get(question_id)
        if question is None:
            return
        outcome = await self.escalation.fire(question_id, self.category_of(question.channel_id))
        decision, info = outcome.decision, outcome.info
        if decision.verdict is Verdict.SEND and info is not None and decision.action is not None:
            await self.perform(decision.action, info)
        await self.schedule(question_id)

    @commands.Cog.listener()
    async def on_question_changed(self, question_id: int) -> None:
        await self.schedule(question_id)

    # ----- the steps

    def context(self, info: EscalationInfo, lang: str) -> dict[str, str]:
        return {
            "title": safe_text(info.title, 150),
            "author": f"<@{info.author_id}>",
            "channel": f"<#{info.channel_id}>",
            "age": format_duration(self.bot.clock.now() - info.question_created_at, lang),
            "link": jump_link(info.guild_id, info.place_id),
        }

    async def perform(self, action: Action, info: EscalationInfo) -> None:
        who = info.responsible
        lang = who.language
        ctx = self.context(info, lang)
        key = f"esc:{info.question_id}:{action.value}"
        if action is Action.CLOSE:
            await self.show_closed(info, lang, info.close_reason or "answered")
            await self.escalation.sent(info.question_id, action, channel_id=None, message_id=None)
            return
        if action is Action.NOTIFY_LCM:
            channel = self.bot.get_channel(who.log_channel_id or 0)
            role = f"<@&{who.lcm_role_id}>" if who.lcm_role_id else ""
            if info.sent_back and info.taken_by:
                text = t("escalation.lcm.sent_back", lang, lcm=role, trainer=f"<@{info.taken_by}>", **ctx)
            else:
                text = t("escalation.lcm.notice", lang, lcm=role, **ctx)
            mentions = discord.AllowedMentions(
                everyone=False,
                users=False,
                roles=[discord.Object(who.lcm_role_id)] if who.lcm_role_id else False,
            )
            await self.post(key, channel, info, action, content=text.strip(), allowed_mentions=mentions)
            return
        channel = self.bot.get_channel(who.trainers_channel_id or 0) or self.bot.get_channel(
            who.log_channel_id or 0
        )
        role = f"<@&{who.trainer_role_id}>" if who.trainer_role_id else ""
        if action is Action.PING:
            if info.urgent:
                text = t("escalation.trainers.ping_urgent", lang, role=role, **ctx)
            elif info.requested_by:
                text = t(
                    "escalation.trainers.ping_manual",
                    lang,
                    role=role,
                    requester=f"<@{info.requested_by}>",
                    **ctx,
                )
            else:
                text = t("escalation.trainers.ping", lang, role=role, **ctx)
            if info.reason:
                text += "\n> " + safe_text(info.reason, 500)
            extra = {"view": trainers_view(info.question_id, lang)}
        else:
            text = t("escalation.trainers.reminder", lang, role=role, **ctx)
            extra = {}
        mentions = discord.AllowedMentions(
            everyone=False,
            users=False,
            roles=[discord.Object(who.trainer_role_id)] if who.trainer_role_id else False,
        )
        await self.post(key, channel, info, action, content=text.strip(), allowed_mentions=mentions, **extra)

    async def post(self, key: str, channel, info: EscalationInfo, action: Action, **kwargs) -> None:  # type: ignore[no-untyped-def]
        if not isinstance(channel, discord.abc.Messageable):
            log.warning(
                "question %s: no channel for escalation step %s; check /lcm config", info.question_id, action
            )
            await self.escalation.sent(info.question_id, action, channel_id=None, message_id=None)
            return
        try:
            message = await send_once(self.outbox, key, channel, **kwargs)
        except discord.HTTPException:
            log.warning(
                "question %s: escalation step %s could not be sent", info.question_id, action, exc_info=True
            )
            return  # the timer stays: the next reconciliation tries again
        message_id = message.id if message else await self.outbox.message_id(key)
        await self.escalation.sent(info.question_id, action, channel_id=channel.id, message_id=message_id)

    async def trainers_message(self, info: EscalationInfo) -> discord.PartialMessage | None:
        if not info.trainer_channel_id or not info.trainer_message_id:
            return None
        channel = self.bot.get_channel(info.trainer_channel_id)
        if not isinstance(channel, discord.TextChannel | discord.Thread):
            return None
        return channel.get_partial_message(info.trainer_message_id)

    async def show_closed(self, info: EscalationInfo, lang: str, reason: str) -> None:
        message = await self.trainers_message(info)
        if message is None:
            return
        reason_key = (
            f"escalation.reason.{reason}"
            if reason in ("answered", "solved", "duplicate")
            else "escalation.reason.closed"
        )
        try:
            await message.edit(
                embed=discord.Embed(description=t("escalation.closed", lang, reason=t(reason_key, lang))),
                view=None,
            )
        except discord.HTTPException:
            log.warning(
                "could not update the trainers' message of question %s", info.question_id, exc_info=True
            )

    # ----- people

    async def trainer_roles(self, guild_id: int, question_id: int | None, channel_id: int | None) -> set[int]:
        return await self.escalation.trainer_roles(guild_id, question_id, self.category_of(channel_id or 0))

    @commands.Cog.listener()
    async def on_question_reply(self, question_id: int, message: discord.Message) -> None:
        if message.guild is None or not isinstance(message.author, discord.Member):
            return
        question = await self.questions.get(question_id)
        if question is None:
            return
        extra = await self.trainer_roles(message.guild.id, question_id, question.channel_id)
        if not (await audience_of(self.bot, message.author, extra_trainer_roles=extra)).is_trainer:
            return
        info = await self.escalation.trainer_replied(question_id, message.author.id, message.id)
        if info is None:
            return
        lang = info.responsible.language
        await send_once(
            self.outbox,
            f"esc:{question_id}:learner",
            message.channel,
            content=t(
                "escalation.learner.trainer_answered",
                lang,
                author=f"<@{info.author_id}>",
                trainer=message.author.mention,
            ),
            allowed_mentions=discord.AllowedMentions(
                everyone=False, roles=False, users=[discord.Object(info.author_id)]
            ),
        )
        await self.show_closed(info, lang, "answered")
        await self.schedule(question_id)

    async def on_button(
        self, interaction: discord.Interaction[LCMBot], question_id: int, action: str
    ) -> None:
        lang = lang_from_locale(str(interaction.locale))
        question = await self.questions.get(question_id)
        if question is None or interaction.guild is None:
            raise UserError("question.gone")
        extra = await self.trainer_roles(interaction.guild.id, question_id, question.channel_id)
        if not (await audience_of(self.bot, interaction.user, extra_trainer_roles=extra)).is_staff:
            await reply_ephemeral(interaction, t("perm.staff_only", lang))
            return
        guild_lang = (await self.bot.services.guild_settings.get(interaction.guild.id)).language
        if action == "take":
            info = await self.escalation.take(question_id, interaction.user.id)
            embed = discord.Embed(
                description=t("escalation.taken_by", guild_lang, trainer=interaction.user.mention)
            )
            await interaction.response.edit_message(embed=embed)
        elif action == "answered":
            info = await self.escalation.close(question_id, "answered")
            await interaction.response.defer()
            if info is not None:
                await self.show_closed(info, guild_lang, "answered")
        else:
            await self.escalation.send_back(question_id, interaction.user.id)
            await interaction.response.defer()
        await self.schedule(question_id)
        await self.bot.scheduler.run_due()

    @app_commands.command(name="escalate", description="Ask a trainer to look at this question")
    @app_commands.describe(
        reason="Why a trainer is needed (optional)", urgent="LCM only: ignore working hours"
    )
    @app_commands.guild_only()
    async def escalate(
        self,
        interaction: discord.Interaction[LCMBot],
        reason: app_commands.Range[str, 0, 500] | None = None,
        urgent: bool = False,
    ) -> None:
        lang = lang_from_locale(str(interaction.locale))
        channel = interaction.channel
        question = await self.questions.by_place(channel.id) if isinstance(channel, discord.Thread) else None
        if question is None or question.deleted:
            raise UserError("escalation.escalate.refused.not_question")
        audience = await audience_of(self.bot, interaction.user)
        if audience.is_lcm:
            role = Role.LCM
        elif interaction.user.id == question.author_id:
            role = Role.ASKER
        elif audience.is_trainer:
            role = Role.TRAINER
        else:
            role = Role.OTHER
        check = await self.escalation.request(
            question.id,
            role,
            interaction.user.id,
            reason=reason,
            urgent=urgent and role is Role.LCM,
            category_id=self.category_of(question.channel_id),
        )
        if not check.ok:
            values = {"remaining": format_duration(check.remaining, lang)} if check.remaining else {}
            raise UserError(check.reason_key or "perm.asker_or_staff", **values)
        step = await self.escalation.plan(question.id, self.category_of(question.channel_id))
        if urgent and role is Role.LCM:
            text = t("escalation.escalate.urgent_done", lang)
        elif step is not None and step.due_at > self.bot.clock.now():
            text = t("escalation.escalate.done_later", lang, when=discord.utils.format_dt(step.due_at, "F"))
        else:
            text = t("escalation.escalate.done", lang)
        await interaction.response.send_message(text, ephemeral=True)
        await self.schedule(question.id)
        await self.bot.scheduler.run_due()
