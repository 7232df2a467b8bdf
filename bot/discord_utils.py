"""Small Discord helpers shared by the cogs: idempotent sends, links, safe text."""

from __future__ import annotations

import logging
import re

import discord

from bot.services.outbox import Outbox

log = logging.getLogger(__name__)

_MENTION = re.compile(r"@(everyone|here)|<@[!&]?\d+>|<#\d+>")


def jump_link(guild_id: int, channel_id: int, message_id: int | None = None) -> str:
    base = f"https://discord.com/channels/{guild_id}/{channel_id}"
    return f"{base}/{message_id}" if message_id else base


def safe_text(text: str, limit: int | None = None) -> str:
    """Learner or feed text made inert: markdown escaped, mentions unable to render or ping."""
    text = discord.utils.escape_markdown(text)
    text = _MENTION.sub(lambda m: m.group(0).replace("@", "@\u200b").replace("<#", "<#\u200b"), text)
    if limit is not None and len(text) > limit:
        text = text[: limit - 1].rstrip() + "\N{HORIZONTAL ELLIPSIS}"
    return text


async def send_once(
    outbox: Outbox, key: str, channel: discord.abc.Messageable, **kwargs: object
) -> discord.Message | None:
    """Send at most once per ``key``, even across a crash between sending and recording.

    Returns the new message, or None when ``key`` was already sent.
    """
    channel_id = getattr(channel, "id", None)
    claim = await outbox.claim(key, channel_id)
    if claim.already_sent:
        return None
    message = await channel.send(nonce=claim.nonce, **kwargs)  # type: ignore[call-arg]
    await outbox.sent(key, message.channel.id, message.id)
    return message
