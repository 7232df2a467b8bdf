"""Listeners, the "Mark as solution" menu, ``/faq``, and the button handlers of the questions capability."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.checks import audience_of
from bot.discord_utils import jump_link, safe_text, send_once
from bot.errors import UserError
from bot.health import CheckItem
from bot.i18n import lang_from_locale, t
from bot.services.guild_settings import GuildSettingsService
from bot.services.outbox import Outbox
from bot.services.questions import (
    IndexRegistry,
    KnowledgeService,
    QuestionInfo,
    QuestionService,
    SpaceInfo,
    SpaceService,
    SuggestionInfo,
)
from bot.tree import reply_ephemeral
from cogs.questions.render import faq_embed, question_title, suggestions_embed
from cogs.questions.views import DuplicateButton, may_act_on_question, suggestion_view
from models import QuestionState, SpaceKind

if TYPE_CHECKING:
    from bot.app import LCMBot

log = logging.getLogger(__name__)

UNPOSTED_SUGGESTIONS_WINDOW = timedelta(days=1)  # older ones would arrive too late to help the asker
TAG_NAMES = {"solved": ("Solved", "Résolu", "Resolu"), "duplicate": ("Duplicate", "Doublon")}
SPACE_PERMISSIONS = {
    SpaceKind.FORUM: (
        "view_channel",
        "send_messages_in_threads",
        "embed_links",
        "read_message_history",
        "manage_threads",
    ),
    SpaceKind.TEXT: (
        "view_channel",
        "send_messages",
        "send_messages_in_threads",
        "create_public_threads",
        "embed_links",
        "read_message_history",
        "manage_threads",
    ),
}


class Questions(commands.Cog):
    """Capture every question, catch duplicates as they are asked, keep the answers."""

    def __init__(
        self,
        bot: LCMBot,
        *,
        spaces: SpaceService,
        questions: QuestionService,
        knowledge: KnowledgeService,
        indexes: IndexRegistry,
        guild_settings: GuildSettingsService,
        outbox: Outbox,
    ) -> None:
        self.bot = bot
        self.spaces = spaces
        self.questions = questions
        self.knowledge = knowledge
        self.indexes = indexes
        self.guild_settings = guild_settings
        self.outbox = outbox
        self.solution_menu = app_commands.ContextMenu(name="Mark as solution", callback=self.mark_solution)

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(DuplicateButton)
        self.bot.tree.add_command(self.solution_menu)
        self.bot.check_providers.append(self.space_checks)
        await self.indexes.load()

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(DuplicateButton)
        self.bot.tree.remove_command(self.solution_menu.name, type=self.solution_menu.type)
        if self.space_checks in self.bot.check_providers:
            self.bot.check_providers.remove(self.space_checks)

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        """Post suggestions that were found but whose post was never confirmed (a stop in between)."""
        since = self.bot.clock.now() - UNPOSTED_SUGGESTIONS_WINDOW
        for question, suggestions in await self.questions.suggestion_batches(since):
            if await self.outbox.message_id(self.suggestion_key(question, suggestions)) is not None:
                continue
            thread = self.bot.get_channel(question.thread_id or 0)
            if isinstance(thread, discord.Thread):
                log.info("question %s: posting suggestions left unposted by a stop", question.id)
                await self.post_suggestions(thread, question, suggestions)

    async def guild_lang(self, guild_id: int) -> str:
        return (await self.guild_settings.get(guild_id)).language

    # ----- capturing questions

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        if message.guild is None or message.author.bot or message.webhook_id is not None:
            return
        if message.type not in (discord.MessageType.default, discord.MessageType.reply):
            return
        channel = message.channel
        if isinstance(channel, discord.Thread):
            space = await self.spaces.get(channel.parent_id)
            if space is not None and space.kind is SpaceKind.FORUM and message.id == channel.id:
                await self.new_question(message, space, channel, title=channel.name)
            else:
                replied = await self.questions.replied(channel.id, message.author.id, message.id)
                if replied is not None and replied.first_answer:
                    self.bot.dispatch("question_changed", replied.question.id)
                if replied is not None:
                    self.bot.dispatch("question_reply", replied.question.id, message)
            return
        space = await self.spaces.get(channel.id)
        if space is not None and space.kind is SpaceKind.TEXT and isinstance(channel, discord.TextChannel):
            title = question_title(message.content) or t(
                "question.thread_name",
                await self.guild_lang(message.guild.id),
                title=message.author.display_name,
            )
            try:
                thread = await message.create_thread(name=title[:100], auto_archive_duration=10080)
            except discord.HTTPException:
                log.warning("could not open a thread on question message %s in %s", message.id, channel.id)
                thread = None
            await self.new_question(message, space, thread, title=title)

    async def new_question(
        self, message: discord.Message, space: SpaceInfo, thread: discord.Thread | None, *, title: str
    ) -> None:
        assert message.guild is not None
        outcome = await self.questions.record(
            guild_id=message.guild.id,
            space_id=space.id,
            channel_id=space.channel_id,
            thread_id=thread.id if thread else None,
            message_id=message.id,
            author_id=message.author.id,
            title=title,
            body=message.content,
        )
        if outcome.created:
            self.bot.dispatch("question_changed", outcome.question.id)
        if outcome.created and outcome.suggestions and thread is not None:
            await self.post_suggestions(thread, outcome.question, outcome.suggestions)

    @staticmethod
    def suggestion_key(question: QuestionInfo, suggestions: list[SuggestionInfo]) -> str:
        """The outbox key of one batch of suggestions: the same batch is never posted twice."""
        return f"q:{question.id}:suggest:" + "-".join(sorted(s.key for s in suggestions))

    async def post_suggestions(
        self, thread: discord.Thread, question: QuestionInfo, suggestions: list[SuggestionInfo]
    ) -> None:
        lang = await self.guild_lang(question.guild_id)
        intro = "dup.intro.one" if len(suggestions) == 1 else "dup.intro.many"
        await send_once(
            self.outbox,
            self.suggestion_key(question, suggestions),
            thread,
            content=t(intro, lang, asker=f"<@{question.author_id}>"),
            embed=suggestions_embed(suggestions, lang),
            view=suggestion_view(question.id, [s.key for s in suggestions], lang),
            allowed_mentions=discord.AllowedMentions.none(),
        )

    @commands.Cog.listener()
    async def on_raw_message_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        content = payload.data.get("content")
        if content is None or payload.data.get("author", {}).get("bot"):
            return
        # In a text space the title came from the message's first line: remake it (a forum keeps its own).
        space = await self.spaces.get(payload.channel_id)
        title = (
            question_title(content) or None if space is not None and space.kind is SpaceKind.TEXT else None
        )
        outcome = await self.questions.edited(payload.message_id, title=title, body=content)
        if outcome and outcome.suggestions and outcome.question.thread_id:
            thread = self.bot.get_channel(outcome.question.thread_id)
            if isinstance(thread, discord.Thread):
                await self.post_suggestions(thread, outcome.question, outcome.suggestions)

    @commands.Cog.listener()
    async def on_thread_update(self, before: discord.Thread, after: discord.Thread) -> None:
        if before.name == after.name or (await self.spaces.get(after.parent_id)) is None:
            return
        question = await self.questions.by_place(after.id)
        if question is None or question.message_id != after.id:
            return
        outcome = await self.questions.edited(after.id, title=after.name)
        if outcome and outcome.suggestions:
            await self.post_suggestions(after, outcome.question, outcome.suggestions)

    @commands.Cog.listener()
    async def on_raw_message_delete(self, payload: discord.RawMessageDeleteEvent) -> None:
        result = await self.questions.message_deleted(payload.message_id)
        if result is None:
            return
        kind, question = result
        self.bot.dispatch("question_changed", question.id)
        if kind == "solution" and question.thread_id:
            thread = self.bot.get_channel(question.thread_id)
            space = await self.spaces.get(question.channel_id)
            if isinstance(thread, discord.Thread) and space and space.solved_tag_id:
                await self.set_tag(thread, space.solved_tag_id, present=False)

    @commands.Cog.listener()
    async def on_raw_thread_delete(self, payload: discord.RawThreadDeleteEvent) -> None:
        question = await self.questions.thread_deleted(payload.thread_id)
        if question is not None:
            self.bot.dispatch("question_changed", question.id)

    # ----- suggestions' buttons

    async def on_duplicate_button(
        self, interaction: discord.Interaction[LCMBot], question_id: int, target: str
    ) -> None:
        question = await self.questions.get(question_id)
        user_lang = lang_from_locale(str(interaction.locale))
        if question is None or question.deleted:
            raise UserError("question.gone")
        if not await may_act_on_question(interaction, question.author_id):
            return
        if question.state not in (QuestionState.OPEN, QuestionState.ANSWERED, QuestionState.SOLVED):
            await reply_ephemeral(interaction, t("dup.already_handled", user_lang))
            return
        await interaction.response.defer()
        lang = await self.guild_lang(question.guild_id)
        if target == "no":
            await self.questions.reject_suggestions(question.id, by=interaction.user.id)
            note = t("dup.rejected", lang)
        else:
            closed = await self.questions.close_as_duplicate(question.id, target)
            self.bot.dispatch("question_changed", closed.id)
            if closed.duplicate_of_id:
                original = await self.questions.get(closed.duplicate_of_id)
                link = jump_link(closed.guild_id, original.place_id) if original else target
                note = t("dup.closed", lang, target=link)
            else:
                note = t("dup.closed.kb", lang)
        if interaction.message is not None:
            await interaction.message.edit(view=None)
        channel = interaction.channel
        if isinstance(channel, discord.Thread):
            await send_once(self.outbox, f"q:{question.id}:dup:{target}", channel, content=note)
            if target != "no":
                await self.close_thread(channel, question, "duplicate")

    async def close_thread(self, thread: discord.Thread, question: QuestionInfo, tag: str) -> None:
        """Tag (forum) and archive a finished question's thread; a missing permission is logged, not fatal."""
        space = await self.spaces.get(question.channel_id)
        tag_id = None
        if space and space.kind is SpaceKind.FORUM:
            space = (
                await self.ensure_tags(thread.parent, space)
                if isinstance(thread.parent, discord.ForumChannel)
                else space
            )
            tag_id = space.duplicate_tag_id if tag == "duplicate" else space.solved_tag_id
        try:
            kwargs: dict = {"archived": True}
            if tag_id and isinstance(thread.parent, discord.ForumChannel):
                applied = [*[t_.id for t_ in thread.applied_tags if t_.id != tag_id][:4], tag_id]
                kwargs["applied_tags"] = [discord.Object(id=i) for i in applied]
            await thread.edit(**kwargs)
        except discord.HTTPException:
            log.warning("could not close thread %s of question %s", thread.id, question.id, exc_info=True)

    # ----- solutions

    async def mark_solution(self, interaction: discord.Interaction[LCMBot], message: discord.Message) -> None:
        lang = lang_from_locale(str(interaction.locale))
        thread = message.channel
        question = await self.questions.by_place(thread.id) if isinstance(thread, discord.Thread) else None
        if question is None or question.deleted:
            raise UserError("solution.not_a_question")
        if not await may_act_on_question(interaction, question.author_id):
            return
        await interaction.response.defer(ephemeral=True)
        author = message.author
        if isinstance(author, discord.User) and interaction.guild:
            author = interaction.guild.get_member(author.id) or author
        by_trainer = (await audience_of(self.bot, author)).is_trainer if not author.bot else False
        outcome = await self.questions.mark_solution(
            thread.id,
            message_id=message.id,
            answer_author_id=author.id,
            answer_text=message.content,
            by_trainer=by_trainer,
            by=interaction.user.id,
        )
        self.bot.dispatch("question_changed", question.id)
        guild_lang = await self.guild_lang(question.guild_id)
        key = "solution.marked.trainer" if by_trainer else "solution.marked"
        reply = t("solution.done", lang)
        if outcome.changed:
            await send_once(
                self.outbox,
                f"q:{question.id}:solution:{message.id}",
                thread,
                content=t(key, guild_lang, by=interaction.user.mention, link=message.jump_url),
                allowed_mentions=discord.AllowedMentions.none(),
            )
        space = await self.spaces.get(question.channel_id)
        if space and space.kind is SpaceKind.FORUM and isinstance(thread.parent, discord.ForumChannel):
            space = await self.ensure_tags(thread.parent, space)
            if space.solved_tag_id and not await self.set_tag(thread, space.solved_tag_id, present=True):
                reply = t("solution.tag_failed", lang)
        await interaction.followup.send(reply, ephemeral=True)

    async def set_tag(self, thread: discord.Thread, tag_id: int, *, present: bool) -> bool:
        current = [tag.id for tag in thread.applied_tags]
        if (tag_id in current) == present:
            return True
        wanted = [i for i in current if i != tag_id]
        if present:
            wanted = [*wanted[:4], tag_id]
        try:
            if thread.archived:
                await thread.edit(archived=False)
            await thread.edit(applied_tags=[discord.Object(id=i) for i in wanted])
        except discord.HTTPException:
            log.warning("could not change the tags of thread %s", thread.id, exc_info=True)
            return False
        return True

    async def ensure_tags(self, forum: discord.ForumChannel, space: SpaceInfo) -> SpaceInfo:
        """Find or create the forum's solved and duplicate tags and remember their ids."""
        existing = {tag.id for tag in forum.available_tags}
        if space.solved_tag_id in existing and space.duplicate_tag_id in existing:
            return space
        lang = await self.guild_lang(space.guild_id)
        ids: dict[str, int | None] = {}
        for kind, names in TAG_NAMES.items():
            found = next(
                (tag for tag in forum.available_tags if tag.name.casefold() in {n.casefold() for n in names}),
                None,
            )
            if found is None and forum.permissions_for(forum.guild.me).manage_channels:
                try:
                    found = await forum.create_tag(name=t(f"tag.{kind}", lang), moderated=True)
                except discord.HTTPException:
                    log.warning("could not create the %s tag in forum %s", kind, forum.id, exc_info=True)
            ids[kind] = found.id if found else None
        return (
            await self.spaces.set_tags(space.channel_id, solved=ids["solved"], duplicate=ids["duplicate"])
            or space
        )

    # ----- knowledge base

    @app_commands.command(name="faq", description="Search the course's knowledge base")
    @app_commands.describe(query="What you are looking for")
    @app_commands.guild_only()
    async def faq(
        self, interaction: discord.Interaction[LCMBot], query: app_commands.Range[str, 1, 300]
    ) -> None:
        assert interaction.guild is not None
        lang = lang_from_locale(str(interaction.locale))
        hits = await self.knowledge.search(interaction.guild.id, query)
        if not hits:
            await interaction.response.send_message(t("faq.search.none", lang), ephemeral=True)
            return
        await interaction.response.send_message(
            embed=faq_embed(query, hits, interaction.guild.id, lang), ephemeral=True
        )

    # ----- /lcm check

    async def space_checks(self, guild: discord.Guild) -> list[CheckItem]:
        items: list[CheckItem] = []
        for space in await self.spaces.list(guild.id):
            channel = guild.get_channel(space.channel_id)
            if channel is None:
                items.append(
                    CheckItem.of(
                        False, "check.space.gone", fix="check.space.gone.fix", channel_id=space.channel_id
                    )
                )
                continue
            perms = channel.permissions_for(guild.me)
            missing = [p for p in SPACE_PERMISSIONS[space.kind] if not getattr(perms, p)]
            items.append(CheckItem.missing_permissions("check.space", missing, channel=channel.mention))
            if isinstance(channel, discord.ForumChannel):
                space = await self.ensure_tags(channel, space)
                items.append(
                    CheckItem.of(
                        bool(space.solved_tag_id and space.duplicate_tag_id),
                        "check.solved_tags",
                        fix="check.solved_tags.fix",
                        channel=channel.mention,
                    )
                )
        return items

    def safe(self, text: str, limit: int = 200) -> str:
        return safe_text(text, limit)
