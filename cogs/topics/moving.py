"""The "Move to..." and "Turn into a question" message menus: repost under the author's name, leave a pointer.

A message is reposted through a webhook (one per channel, created once and reused) with its author's name
and avatar, attachments re-uploaded when small enough (else linked); the original is then deleted and a
short pointer left in its place. Each step is recorded as a pending operation, so a restart finishes it.
"""

from __future__ import annotations

import contextlib
import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.checks import audience_of
from bot.discord_utils import send_once
from bot.errors import UserError
from bot.i18n import lang_from_locale, t
from bot.services.organizing import PendingOp, PendingOperations
from bot.services.outbox import Outbox
from bot.services.questions import QuestionService, SpaceService
from bot.tree import handle_interaction_error
from cogs.questions.render import question_title, suggestions_embed
from cogs.questions.views import suggestion_view
from cogs.topics.discord_side import require
from models import SpaceKind

if TYPE_CHECKING:
    from bot.app import LCMBot

log = logging.getLogger(__name__)

WEBHOOK_NAME = "lcm-bot relay"
Destination = discord.TextChannel | discord.Thread


async def fetch_file(attachment: discord.Attachment) -> discord.File:
    """Download an attachment to upload it again (replaced in tests, which never reach the network)."""
    return await attachment.to_file()


class DestinationSelect(discord.ui.ChannelSelect):
    def __init__(self, cog: Moving, message: discord.Message, lang: str) -> None:
        super().__init__(
            placeholder=t("move.select", lang),
            channel_types=[discord.ChannelType.text, discord.ChannelType.public_thread],
            custom_id=f"lcm:move:{message.id}",
        )
        self.cog = cog
        self.message = message

    async def callback(self, interaction: discord.Interaction[LCMBot]) -> None:
        try:
            # Read the raw ids: they are there whether or not Discord resolved the channels.
            raw = (interaction.data or {}).get("values") or []
            await self.cog.move(interaction, self.message, int(raw[0]))
        except Exception as exc:
            await handle_interaction_error(interaction, exc)


class SpaceSelect(discord.ui.Select):
    def __init__(
        self, cog: Moving, message: discord.Message, options: list[discord.SelectOption], lang: str
    ) -> None:
        super().__init__(
            placeholder=t("toq.select", lang), options=options, custom_id=f"lcm:toq:{message.id}"
        )
        self.cog = cog
        self.message = message

    async def callback(self, interaction: discord.Interaction[LCMBot]) -> None:
        try:
            await self.cog.turn_into_question(interaction, self.message, int(self.values[0]))
        except Exception as exc:
            await handle_interaction_error(interaction, exc)


class Moving(commands.Cog):
    """Put misplaced messages where they belong."""

    def __init__(
        self,
        bot: LCMBot,
        *,
        pending: PendingOperations,
        outbox: Outbox,
        questions: QuestionService,
        spaces: SpaceService,
    ) -> None:
        self.bot = bot
        self.pending = pending
        self.outbox = outbox
        self.questions = questions
        self.spaces = spaces
        self.fetch_file = fetch_file
        self._webhooks: dict[int, discord.Webhook] = {}
        self.move_menu = app_commands.ContextMenu(name="Move to...", callback=self.move_menu_callback)
        self.question_menu = app_commands.ContextMenu(
            name="Turn into a question", callback=self.question_menu_callback
        )
        for menu in (self.move_menu, self.question_menu):
            menu.guild_only = True

    async def cog_load(self) -> None:
        self.bot.tree.add_command(self.move_menu)
        self.bot.tree.add_command(self.question_menu)

    async def cog_unload(self) -> None:
        for menu in (self.move_menu, self.question_menu):
            self.bot.tree.remove_command(menu.name, type=menu.type)

    async def staff(self, interaction: discord.Interaction[LCMBot]) -> bool:
        return (await audience_of(self.bot, interaction.user)).is_staff

    # ----- Move to...

    async def move_menu_callback(
        self, interaction: discord.Interaction[LCMBot], message: discord.Message
    ) -> None:
        lang = lang_from_locale(str(interaction.locale))
        if not await self.staff(interaction):
            raise UserError("move.refused")
        view = discord.ui.View(timeout=600)
        view.add_item(DestinationSelect(self, message, lang))
        await interaction.response.send_message(t("move.ask", lang), view=view, ephemeral=True)

    async def webhook_for(self, channel: discord.TextChannel) -> discord.Webhook:
        """The bot's relay webhook of ``channel``, created the first time."""
        cached = self._webhooks.get(channel.id)
        if cached is not None:
            return cached
        me = self.bot.user
        hook = next(
            (h for h in await channel.webhooks() if h.user and me and h.user.id == me.id and h.token),
            None,
        )
        if hook is None:
            hook = await channel.create_webhook(name=WEBHOOK_NAME, reason="lcm-bot: reposting moved messages")
        self._webhooks[channel.id] = hook
        return hook

    async def relay(
        self,
        message: discord.Message,
        channel: discord.TextChannel | discord.ForumChannel,
        *,
        thread: discord.Thread | None = None,
        thread_name: str | None = None,
    ) -> discord.WebhookMessage:
        """Repost ``message`` under its author's name and avatar; attachments re-uploaded or linked."""
        limit = channel.guild.filesize_limit
        files: list[discord.File] = []
        links: list[str] = []
        for attachment in message.attachments:
            if attachment.size <= limit:
                try:
                    files.append(await self.fetch_file(attachment))
                    continue
                except (discord.HTTPException, OSError):
                    log.info("attachment %s could not be downloaded; linking it", attachment.id)
            links.append(attachment.url)
        content = "\n".join(p for p in (message.content, *links) if p) or "\N{ZERO WIDTH SPACE}"
        hook = await self.webhook_for(channel)  # type: ignore[arg-type]
        kwargs: dict = {}
        if thread is not None:
            kwargs["thread"] = thread
        if thread_name is not None:
            kwargs["thread_name"] = thread_name
        return await hook.send(
            content=content[:2000],
            username=message.author.display_name[:80],
            avatar_url=message.author.display_avatar.url,
            files=files,
            embeds=[e for e in message.embeds if e.type == "rich"][:10],
            allowed_mentions=discord.AllowedMentions.none(),
            wait=True,
            **kwargs,
        )

    def check_move(self, message: discord.Message, destination: Destination) -> discord.TextChannel:
        source = message.channel
        if not isinstance(source, discord.abc.GuildChannel | discord.Thread):
            raise UserError("move.bad_source")
        parent = destination.parent if isinstance(destination, discord.Thread) else destination
        if not isinstance(parent, discord.TextChannel):
            raise UserError("move.bad_destination")
        me = destination.guild.me
        require(source.permissions_for(me), "view_channel", "manage_messages", "send_messages")
        require(parent.permissions_for(me), "view_channel", "manage_webhooks", "send_messages")
        if isinstance(destination, discord.Thread):
            require(destination.permissions_for(me), "send_messages_in_threads")
        return parent

    async def move(
        self, interaction: discord.Interaction[LCMBot], message: discord.Message, destination_id: int
    ) -> None:
        lang = lang_from_locale(str(interaction.locale))
        guild = interaction.guild
        assert guild is not None
        destination = guild.get_channel_or_thread(destination_id)
        if not isinstance(destination, discord.TextChannel | discord.Thread):
            raise UserError("move.bad_destination")
        if destination.id == message.channel.id:
            raise UserError("move.same_channel")
        parent = self.check_move(message, destination)
        await interaction.response.defer()  # updates the ephemeral prompt when done
        payload = {
            "source_id": message.channel.id,
            "message_id": message.id,
            "destination_id": destination.id,
            "author_id": message.author.id,
            "by": interaction.user.id,
        }
        op = await self.pending.start(guild.id, "move", payload)
        try:
            copy = await self.relay(
                message, parent, thread=destination if isinstance(destination, discord.Thread) else None
            )
        except Exception:
            await self.pending.finish(op)
            raise
        state = await self.pending.advance(op, "reposted", new_message_id=copy.id, jump_url=copy.jump_url)
        try:
            await message.delete()
        except discord.NotFound:
            pass
        except discord.HTTPException:
            await self.undo_repost(parent, copy.id, destination)
            await self.pending.finish(op)
            raise
        assert state is not None
        await self.finish_move(state)
        await interaction.edit_original_response(
            content=t("move.done", lang, channel=destination.mention), view=None
        )

    async def undo_repost(
        self, parent: discord.TextChannel, message_id: int, where: discord.abc.Snowflake
    ) -> None:
        try:
            hook = await self.webhook_for(parent)
            thread = where if isinstance(where, discord.Thread) else discord.utils.MISSING
            await hook.delete_message(message_id, thread=thread)
        except discord.HTTPException:
            log.warning("could not delete the repost %s while undoing a move", message_id, exc_info=True)

    async def finish_move(self, op: PendingOp) -> None:
        """After the repost and the deletion: the pointer where it was, the notice where it went."""
        p = op.payload
        lang = await self.guild_lang(op.guild_id)
        source = self.bot.get_channel(p["source_id"])
        destination = self.bot.get_channel(p["destination_id"])
        if isinstance(source, discord.abc.Messageable):
            await send_once(
                self.outbox,
                f"org:move:{p['message_id']}:pointer",
                source,
                content=t("move.pointer", lang, author=f"<@{p['author_id']}>", link=p["jump_url"]),
            )
        if isinstance(destination, discord.abc.Messageable):
            await send_once(
                self.outbox,
                f"org:move:{p['message_id']}:notice",
                destination,
                content=t(
                    f"{'toq' if op.kind == 'question' else 'move'}.notice",
                    lang,
                    author=f"<@{p['author_id']}>",
                    by=f"<@{p['by']}>",
                    source=f"<#{p['source_id']}>",
                ),
                allowed_mentions=discord.AllowedMentions(
                    everyone=False, roles=False, users=[discord.Object(p["author_id"])]
                ),
            )
        await self.pending.finish(op.id)
        log.info("message %s moved from %s to %s", p["message_id"], p["source_id"], p["destination_id"])

    async def guild_lang(self, guild_id: int) -> str:
        return (await self.bot.services.guild_settings.get(guild_id)).language

    # ----- Turn into a question

    async def question_menu_callback(
        self, interaction: discord.Interaction[LCMBot], message: discord.Message
    ) -> None:
        lang = lang_from_locale(str(interaction.locale))
        assert interaction.guild is not None
        if not await self.staff(interaction):
            raise UserError("toq.refused")
        if await self.questions.by_message(message.id) is not None:
            raise UserError("toq.already")
        spaces = await self.spaces.list(interaction.guild.id)
        options = []
        for space in spaces[:25]:
            channel = interaction.guild.get_channel(space.channel_id)
            if channel is not None:
                options.append(
                    discord.SelectOption(label=f"#{channel.name}"[:100], value=str(space.channel_id))
                )
        if not options:
            raise UserError("toq.no_space")
        view = discord.ui.View(timeout=600)
        view.add_item(SpaceSelect(self, message, options, lang))
        await interaction.response.send_message(t("toq.ask", lang), view=view, ephemeral=True)

    async def turn_into_question(
        self, interaction: discord.Interaction[LCMBot], message: discord.Message, space_channel_id: int
    ) -> None:
        lang = lang_from_locale(str(interaction.locale))
        guild = interaction.guild
        assert guild is not None
        space = await self.spaces.get(space_channel_id)
        channel = guild.get_channel(space_channel_id)
        if space is None or not isinstance(channel, discord.TextChannel | discord.ForumChannel):
            raise UserError("toq.no_space")
        me = guild.me
        require(message.channel.permissions_for(me), "view_channel", "manage_messages", "send_messages")
        needed = ["view_channel", "manage_webhooks"]
        needed += (
            ["create_public_threads", "send_messages_in_threads"] if space.kind is SpaceKind.TEXT else []
        )
        require(channel.permissions_for(me), *needed)
        await interaction.response.defer()  # updates the ephemeral prompt when done
        title = question_title(message.content) or t(
            "question.thread_name", lang, title=message.author.display_name
        )
        op = await self.pending.start(
            guild.id,
            "question",
            {
                "source_id": message.channel.id,
                "message_id": message.id,
                "destination_id": channel.id,
                "author_id": message.author.id,
                "by": interaction.user.id,
            },
        )
        try:
            if isinstance(channel, discord.ForumChannel):
                copy = await self.relay(message, channel, thread_name=title[:100])
                thread = (
                    copy.channel if isinstance(copy.channel, discord.Thread) else guild.get_thread(copy.id)
                )
                thread_id = copy.id
            else:
                copy = await self.relay(message, channel)
                thread = await channel.create_thread(
                    name=title[:100], message=discord.Object(copy.id), auto_archive_duration=10080
                )
                thread_id = thread.id
        except Exception:
            await self.pending.finish(op)
            raise
        state = await self.pending.advance(
            op,
            "reposted",
            new_message_id=copy.id,
            jump_url=copy.jump_url,
            thread_id=thread_id,
            title=title,
            space_id=space.id,
            space_channel_id=space.channel_id,
            body=message.content,
        )
        assert state is not None
        outcome = await self.record_question(state)
        self.bot.dispatch("question_changed", outcome.question.id)
        if outcome.suggestions and isinstance(thread, discord.Thread):
            guild_lang = await self.guild_lang(guild.id)
            intro = "dup.intro.one" if len(outcome.suggestions) == 1 else "dup.intro.many"
            await send_once(
                self.outbox,
                f"q:{outcome.question.id}:suggest",
                thread,
                content=t(intro, guild_lang, asker=f"<@{message.author.id}>"),
                embed=suggestions_embed(outcome.suggestions, guild_lang),
                view=suggestion_view(outcome.question.id, [s.key for s in outcome.suggestions], guild_lang),
            )
        with contextlib.suppress(discord.NotFound):
            await message.delete()
        await self.finish_move(state)
        await interaction.edit_original_response(
            content=t("toq.done", lang, channel=f"<#{thread_id}>"), view=None
        )

    async def record_question(self, op: PendingOp):  # type: ignore[no-untyped-def]
        """Record the reposted message as a question (the questions cog ignores webhook messages)."""
        p = op.payload
        return await self.questions.record(
            guild_id=op.guild_id,
            space_id=p["space_id"],
            channel_id=p["space_channel_id"],
            thread_id=p["thread_id"],
            message_id=p["new_message_id"],
            author_id=p["author_id"],
            title=p["title"],
            body=p["body"],
        )

    # ----- start-up

    async def recover(self, op: PendingOp) -> None:
        """A move stopped halfway: once reposted, finish it (delete the original, post pointer and notice)."""
        if op.state != "reposted":
            await self.pending.finish(op.id)  # nothing reposted that we know of: nothing to undo
            return
        if op.kind == "question":
            outcome = await self.record_question(op)
            if outcome.created:
                self.bot.dispatch("question_changed", outcome.question.id)
        source = self.bot.get_channel(op.payload["source_id"])
        if isinstance(source, discord.TextChannel | discord.Thread):
            try:
                await source.get_partial_message(op.payload["message_id"]).delete()
            except discord.NotFound:
                pass
            except discord.HTTPException:
                log.warning("operation %s: could not delete the original; will retry", op.id, exc_info=True)
                return
        await self.finish_move(op)
