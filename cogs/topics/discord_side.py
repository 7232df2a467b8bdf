"""Discord-side helpers of the organizing capability: permissions first, overwrites, transcripts."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterable

import discord

from bot.errors import UserError
from bot.health import permission_labels
from bot.services.organizing import OverwriteSpec, TranscriptMessage, TranscriptPlace

log = logging.getLogger(__name__)

GUILD_CHANNEL_LIMIT = 500
CATEGORY_CHANNEL_LIMIT = 50
ORGANIZING_PERMISSIONS = (
    "manage_channels",
    "manage_roles",
    "manage_threads",
    "manage_messages",
    "manage_webhooks",
)
BOT_CHANNEL_ALLOW = discord.Permissions(
    view_channel=True,
    send_messages=True,
    send_messages_in_threads=True,
    read_message_history=True,
    embed_links=True,
    attach_files=True,
)


def missing(perms: discord.Permissions, names: Iterable[str]) -> list[str]:
    return [name for name in names if not getattr(perms, name)]


def require(perms: discord.Permissions, *names: str) -> None:
    """Refuse before touching anything when the bot lacks a permission; the message names each one."""
    lacking = missing(perms, names)
    if lacking:
        raise UserError("org.bot_missing", permissions=permission_labels(lacking))


def require_room(
    guild: discord.Guild, category: discord.CategoryChannel | None, new_channels: int = 1
) -> None:
    """Discord's limits: 500 channels in a server (categories included), 50 in a category."""
    if len(guild.channels) + new_channels > GUILD_CHANNEL_LIMIT:
        raise UserError("org.limit.guild", limit=GUILD_CHANNEL_LIMIT)
    if category is not None and len(category.channels) + 1 > CATEGORY_CHANNEL_LIMIT:
        raise UserError("org.limit.category", category=category.name, limit=CATEGORY_CHANNEL_LIMIT)


def specs_of(channel: discord.abc.GuildChannel) -> list[OverwriteSpec]:
    """Every overwrite of ``channel`` exactly as Discord holds it, roles and members alike."""
    out = []
    for target, overwrite in channel.overwrites.items():
        allow, deny = overwrite.pair()
        if isinstance(target, discord.Role):
            kind = 0
        elif isinstance(target, discord.Object):
            kind = 0 if target.type is discord.Role else 1
        else:
            kind = 1
        out.append(OverwriteSpec(target.id, kind, allow.value, deny.value))
    return sorted(out)


def overwrites_of(specs: Iterable[OverwriteSpec]) -> dict[discord.Object, discord.PermissionOverwrite]:
    """The mapping ``channel.edit(overwrites=...)`` takes, built from saved values."""
    return {
        discord.Object(spec.target_id, type=discord.Role if spec.type == 0 else discord.Member): (
            discord.PermissionOverwrite.from_pair(
                discord.Permissions(spec.allow), discord.Permissions(spec.deny)
            )
        )
        for spec in specs
    }


def _record(message: discord.Message) -> TranscriptMessage:
    return TranscriptMessage(
        id=message.id,
        created_at=message.created_at,
        author_id=message.author.id,
        author_name=f"{message.author.display_name} ({message.author.id})",
        content=message.content,
        bot=message.author.bot,
        attachments=tuple(a.url for a in message.attachments),
        embeds=tuple(
            "\n".join(p for p in (e.title, e.description) if p)
            for e in message.embeds
            if e.title or e.description
        ),
    )


async def read_place(channel: discord.abc.Messageable, name: str) -> TranscriptPlace:
    """Every message of a channel or thread, however many: history pages back with ``before=``."""
    newest_first = [m async for m in channel.history(limit=None, oldest_first=False)]
    return TranscriptPlace(name=name, messages=[_record(m) for m in reversed(newest_first)])


async def threads_of(channel: discord.TextChannel | discord.ForumChannel) -> list[discord.Thread]:
    """Active and archived public threads of a channel (archived private ones need extra rights)."""
    found = {t.id: t for t in channel.threads}
    try:
        async for thread in channel.archived_threads(limit=None):
            found.setdefault(thread.id, thread)
    except discord.HTTPException:
        log.warning("could not list the archived threads of %s", channel.id, exc_info=True)
    return sorted(found.values(), key=lambda t: t.id)


async def read_conversation(
    channel: discord.TextChannel | discord.ForumChannel,
) -> tuple[list[TranscriptPlace], list[int]]:
    """The channel's messages, then each thread's; and the threads' ids."""
    places: list[TranscriptPlace] = []
    if isinstance(channel, discord.TextChannel):
        places.append(await read_place(channel, f"#{channel.name}"))
    else:
        places.append(TranscriptPlace(name=f"#{channel.name}"))
    threads = await threads_of(channel)
    for thread in threads:
        places.append(await read_place(thread, f"#{channel.name} › {thread.name}"))
    return places, [thread.id for thread in threads]


def transcript_file(text: str, channel_name: str) -> discord.File:
    return discord.File(io.BytesIO(text.encode("utf-8")), filename=f"transcript-{channel_name}.md")
