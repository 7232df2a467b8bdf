"""The questions capability's LCM commands under `/lcm`: spaces, knowledge base, links, backlog."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot.checks import lcm_only
from bot.discord_utils import jump_link, safe_text
from bot.errors import UserError
from bot.i18n import lang_from_locale, t
from bot.services.escalation import format_duration
from bot.services.questions import KnowledgeService, QuestionService, SpaceService, question_key
from models import SpaceKind

if TYPE_CHECKING:
    from bot.app import LCMBot
    from bot.clock import Clock


def _lang(interaction: discord.Interaction) -> str:
    return lang_from_locale(str(interaction.locale))


class SpaceCommands(app_commands.Group):
    """``/lcm space add|remove|list``."""

    def __init__(self, spaces: SpaceService) -> None:
        super().__init__(name="space", description="Choose the channels whose posts are questions")
        self.spaces = spaces

    @app_commands.command(name="add", description="Make a forum or text channel a Q&A space")
    @app_commands.describe(channel="The forum or text channel")
    @lcm_only()
    async def add(
        self, interaction: discord.Interaction[LCMBot], channel: discord.ForumChannel | discord.TextChannel
    ) -> None:
        assert interaction.guild is not None
        lang = _lang(interaction)
        kind = SpaceKind.FORUM if isinstance(channel, discord.ForumChannel) else SpaceKind.TEXT
        await interaction.response.defer(ephemeral=True)
        space = await self.spaces.add(interaction.guild.id, channel.id, kind, by=interaction.user.id)
        cog = interaction.client.cogs.get("Questions")
        if isinstance(channel, discord.ForumChannel) and cog is not None:
            await cog.ensure_tags(channel, space)  # type: ignore[attr-defined]
        await interaction.followup.send(
            t("space.added", lang, channel=channel.mention, what=t(f"space.added.{kind.value}", lang)),
            ephemeral=True,
        )

    @app_commands.command(name="remove", description="Stop treating a channel as a Q&A space")
    @app_commands.describe(channel="The forum or text channel")
    @lcm_only()
    async def remove(
        self, interaction: discord.Interaction[LCMBot], channel: discord.ForumChannel | discord.TextChannel
    ) -> None:
        assert interaction.guild is not None
        await self.spaces.remove(interaction.guild.id, channel.id)
        await interaction.response.send_message(
            t("space.removed", _lang(interaction), channel=channel.mention), ephemeral=True
        )

    @app_commands.command(name="list", description="List the Q&A spaces")
    @lcm_only()
    async def list_spaces(self, interaction: discord.Interaction[LCMBot]) -> None:
        assert interaction.guild is not None
        lang = _lang(interaction)
        spaces = await self.spaces.list(interaction.guild.id)
        if not spaces:
            await interaction.response.send_message(t("space.list.empty", lang), ephemeral=True)
            return
        lines = [
            t(
                "space.list.item",
                lang,
                channel=f"<#{s.channel_id}>",
                kind=t(f"space.kind.{s.kind.value}", lang),
            )
            for s in spaces
        ]
        embed = discord.Embed(title=t("space.list.title", lang), description="\n".join(lines))
        await interaction.response.send_message(embed=embed, ephemeral=True)


class FaqCommands(app_commands.Group):
    """``/lcm faq add|remove|list``."""

    def __init__(self, knowledge: KnowledgeService) -> None:
        super().__init__(name="faq", description="Write the knowledge base by hand")
        self.knowledge = knowledge

    @app_commands.command(name="add", description="Add a question and its answer to the knowledge base")
    @app_commands.describe(question="The question, as learners would ask it", answer="The answer")
    @lcm_only()
    async def add(
        self,
        interaction: discord.Interaction[LCMBot],
        question: app_commands.Range[str, 1, 1000],
        answer: app_commands.Range[str, 1, 4000],
    ) -> None:
        assert interaction.guild is not None
        entry = await self.knowledge.add(interaction.guild.id, question, answer, interaction.user.id)
        await interaction.response.send_message(
            t("faq.added", _lang(interaction), id=entry.id), ephemeral=True
        )

    @app_commands.command(name="remove", description="Remove an entry from the knowledge base")
    @app_commands.describe(entry="The entry to remove")
    @lcm_only()
    async def remove(self, interaction: discord.Interaction[LCMBot], entry: int) -> None:
        assert interaction.guild is not None
        await self.knowledge.remove(interaction.guild.id, entry)
        await interaction.response.send_message(
            t("faq.removed", _lang(interaction), id=entry), ephemeral=True
        )

    @remove.autocomplete("entry")
    async def entry_autocomplete(
        self, interaction: discord.Interaction[LCMBot], current: str
    ) -> list[app_commands.Choice[int]]:
        if interaction.guild is None:
            return []
        entries = await self.knowledge.entry_choices(interaction.guild.id, current)
        return [app_commands.Choice(name=f"#{e.id} {e.question}"[:100], value=e.id) for e in entries]

    @app_commands.command(name="list", description="List the knowledge base, newest first")
    @lcm_only()
    async def list_entries(self, interaction: discord.Interaction[LCMBot]) -> None:
        assert interaction.guild is not None
        lang = _lang(interaction)
        entries, total = await self.knowledge.list(interaction.guild.id, limit=20)
        if not entries:
            await interaction.response.send_message(t("faq.list.empty", lang), ephemeral=True)
            return
        lines = [f"**#{e.id}** {safe_text(e.question, 120)}\n> {safe_text(e.answer, 150)}" for e in entries]
        embed = discord.Embed(
            title=t("faq.list.title", lang, count=total), description="\n".join(lines)[:4000]
        )
        await interaction.response.send_message(embed=embed, ephemeral=True)


def question_link_command(questions: QuestionService) -> app_commands.Command:
    @lcm_only()
    @app_commands.describe(
        question="The question's thread or post", duplicate_of="The earlier question's thread"
    )
    async def question_link(
        interaction: discord.Interaction[LCMBot], question: discord.Thread, duplicate_of: discord.Thread
    ) -> None:
        lang = _lang(interaction)
        new = await questions.by_place(question.id)
        original = await questions.by_place(duplicate_of.id)
        if new is None or original is None:
            raise UserError("question.not_a_question")
        await questions.close_as_duplicate(new.id, question_key(original.id))
        interaction.client.dispatch("question_changed", new.id)
        await interaction.response.send_message(
            t("link.done", lang, question=question.mention, target=duplicate_of.mention), ephemeral=True
        )

    return app_commands.Command(
        name="question-link",
        description="Mark a question as a duplicate of an earlier one",
        callback=question_link,
    )


def unanswered_command(questions: QuestionService, clock: Clock) -> app_commands.Command:
    @lcm_only()
    async def unanswered(interaction: discord.Interaction[LCMBot]) -> None:
        assert interaction.guild is not None
        lang = _lang(interaction)
        items = await questions.unanswered(interaction.guild.id)
        if not items:
            await interaction.response.send_message(t("unanswered.none", lang), ephemeral=True)
            return
        now = clock.now()
        lines = [
            t(
                "unanswered.item",
                lang,
                link=f"[{safe_text(q.title, 80)}]({jump_link(q.guild_id, q.place_id)})",
                age=format_duration(now - q.created_at, lang),
                channel=f"<#{q.channel_id}>",
            )
            for q in items
        ]
        embed = discord.Embed(
            title=t("unanswered.title", lang, count=len(items)), description="\n".join(lines)[:4000]
        )
        await interaction.response.send_message(embed=embed, ephemeral=True)

    return app_commands.Command(
        name="unanswered",
        description="List open questions nobody answered, oldest first",
        callback=unanswered,
    )
