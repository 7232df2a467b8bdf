"""Finished questions: idle solved threads closed, one nudge for answered ones, and ``/close``.

A mixin of the ``Topics`` cog (discord.py collects its listeners and commands through the cog's MRO).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.checks import audience_of
from bot.discord_utils import send_once
from bot.errors import UserError
from bot.i18n import lang_from_locale, t
from bot.services.organizing import FollowUpAction, FollowUpService
from bot.services.outbox import Outbox
from bot.services.questions import QuestionService, SpaceService
from bot.services.questions.closing import QuestionClosing
from cogs.topics.discord_side import require
from cogs.topics.views import nudge_view
from models import QuestionState, SpaceKind

if TYPE_CHECKING:
    from bot.app import LCMBot

log = logging.getLogger(__name__)


class FinishedQuestions:
    """Close what is finished; the cog provides these attributes."""

    bot: LCMBot
    followups: FollowUpService
    closing: QuestionClosing
    questions: QuestionService
    spaces: SpaceService
    outbox: Outbox

    async def guild_lang(self, guild_id: int) -> str:
        return (await self.bot.services.guild_settings.get(guild_id)).language

    @commands.Cog.listener()
    async def on_question_changed(self, question_id: int) -> None:
        await self.schedule_question(question_id)

    @commands.Cog.listener()
    async def on_question_reply(self, question_id: int, message: discord.Message) -> None:
        await self.schedule_question(question_id)

    async def schedule_question(self, question_id: int) -> None:
        decision = await self.followups.plan(question_id)
        job = f"org:q:{question_id}"
        if decision.action is FollowUpAction.NONE or decision.due is None:
            self.bot.scheduler.cancel(job)
        else:
            self.bot.scheduler.at(job, decision.due, self.fire_question, question_id)

    async def fire_question(self, question_id: int) -> None:
        decision = await self.followups.plan(question_id)
        if decision.action is FollowUpAction.WAIT and decision.due is not None:
            self.bot.scheduler.at(f"org:q:{question_id}", decision.due, self.fire_question, question_id)
            return
        if decision.action not in (FollowUpAction.CLOSE, FollowUpAction.NUDGE) or not decision.thread_id:
            return
        thread = self.bot.get_channel(decision.thread_id)
        if thread is None:
            try:
                thread = await self.bot.fetch_channel(decision.thread_id)
            except discord.HTTPException:
                log.warning("question %s: thread %s not found", question_id, decision.thread_id)
                return
        if not isinstance(thread, discord.Thread):
            return
        if decision.action is FollowUpAction.CLOSE:
            try:
                await thread.edit(locked=True, archived=True, reason="lcm-bot: solved and idle")
            except discord.HTTPException:
                log.warning("question %s: could not close thread %s", question_id, thread.id, exc_info=True)
                return
            await self.followups.closed(question_id)
            return
        lang = await self.guild_lang(thread.guild.id)
        await send_once(
            self.outbox,
            f"org:q:{question_id}:nudge",
            thread,
            content=t("nudge.text", lang, asker=f"<@{decision.author_id}>"),
            view=nudge_view(question_id, lang),
            allowed_mentions=discord.AllowedMentions(
                everyone=False, roles=False, users=[discord.Object(decision.author_id or 0)]
            ),
        )
        await self.followups.nudged(question_id)

    async def last_answer(self, thread: discord.Thread, asker_id: int) -> discord.Message | None:
        async for message in thread.history(limit=200):
            if message.author.id != asker_id and not message.author.bot and message.id != thread.id:
                return message
        return None

    async def on_solved_button(self, interaction: discord.Interaction[LCMBot], question_id: int) -> None:
        """The asker (or staff) says the last answer solved it: mark it as the solution."""
        lang = lang_from_locale(str(interaction.locale))
        question = await self.questions.get(question_id)
        if question is None or question.deleted or not question.thread_id:
            raise UserError("question.gone")
        if not await self.asker_or_staff(interaction, question.author_id):
            raise UserError("perm.asker_or_staff")
        if question.state is not QuestionState.ANSWERED:
            raise UserError("nudge.already_handled")
        thread = interaction.channel
        if not isinstance(thread, discord.Thread):
            raise UserError("question.gone")
        answer = await self.last_answer(thread, question.author_id)
        if answer is None:
            raise UserError("nudge.no_answer")
        await interaction.response.defer()
        author = answer.author
        if isinstance(author, discord.User) and interaction.guild:
            author = interaction.guild.get_member(author.id) or author
        outcome = await self.questions.mark_solution(
            thread.id,
            message_id=answer.id,
            answer_author_id=answer.author.id,
            answer_text=answer.content,
            by_trainer=(await audience_of(self.bot, author)).is_trainer,
            by=interaction.user.id,
        )
        self.bot.dispatch("question_changed", question_id)
        guild_lang = await self.guild_lang(question.guild_id)
        if interaction.message is not None:
            await interaction.message.edit(view=None)
        if outcome.changed:
            await send_once(
                self.outbox,
                f"q:{question_id}:solution:{answer.id}",
                thread,
                content=t("solution.marked", guild_lang, by=interaction.user.mention, link=answer.jump_url),
            )
        await self.tag(thread, question.channel_id, "solved")
        await interaction.followup.send(t("nudge.done", lang), ephemeral=True)

    async def asker_or_staff(self, interaction: discord.Interaction[LCMBot], asker_id: int) -> bool:
        return interaction.user.id == asker_id or (await audience_of(self.bot, interaction.user)).is_staff

    async def tag(self, thread: discord.Thread, space_channel_id: int, which: str) -> None:
        space = await self.spaces.get(space_channel_id)
        tag_id = None
        if space is not None and space.kind is SpaceKind.FORUM:
            tag_id = space.solved_tag_id if which == "solved" else space.duplicate_tag_id
        if not tag_id or any(tag.id == tag_id for tag in thread.applied_tags):
            return
        try:
            applied = [*[tag.id for tag in thread.applied_tags][:4], tag_id]
            await thread.edit(applied_tags=[discord.Object(i) for i in applied])
        except discord.HTTPException:
            log.warning("could not tag thread %s", thread.id, exc_info=True)

    # ----- /close

    @app_commands.command(name="close", description="Close this question")
    @app_commands.describe(reason="Why it is closed")
    @app_commands.choices(
        reason=[
            app_commands.Choice(name="solved", value="solved"),
            app_commands.Choice(name="duplicate", value="duplicate"),
            app_commands.Choice(name="no longer needed", value="no_longer_needed"),
        ]
    )
    @app_commands.guild_only()
    async def close(self, interaction: discord.Interaction[LCMBot], reason: str) -> None:
        lang = lang_from_locale(str(interaction.locale))
        thread = interaction.channel
        question = await self.questions.by_place(thread.id) if isinstance(thread, discord.Thread) else None
        if question is None or question.deleted or not isinstance(thread, discord.Thread):
            raise UserError("close.not_a_question")
        if not await self.asker_or_staff(interaction, question.author_id):
            raise UserError("perm.asker_or_staff")
        if question.state in (QuestionState.CLOSED, QuestionState.DUPLICATE):
            raise UserError("close.already_closed")
        require(thread.permissions_for(thread.guild.me), "manage_threads", "send_messages_in_threads")
        await interaction.response.send_message(t("close.done", lang), ephemeral=True)
        closed = await self.closing.close(question.id, reason)
        self.bot.dispatch("question_changed", closed.id)
        guild_lang = await self.guild_lang(question.guild_id)
        await send_once(
            self.outbox,
            f"q:{question.id}:close",
            thread,
            content=t(
                "close.notice",
                guild_lang,
                by=interaction.user.mention,
                reason=t(f"close.reason.{reason}", guild_lang),
            ),
        )
        if reason in ("solved", "duplicate"):
            await self.tag(thread, question.channel_id, reason)
        try:
            await thread.edit(locked=True, archived=True, reason=f"lcm-bot: closed ({reason})")
        except discord.HTTPException:
            log.warning("question %s: could not lock thread %s", question.id, thread.id, exc_info=True)
        await self.followups.closed(question.id)
