"""How feed items and feed states look in Discord."""

from __future__ import annotations

from datetime import datetime

import discord

from bot.discord_utils import safe_text
from bot.i18n import t
from bot.services.feeds.entries import FeedEntry, is_http_url
from bot.services.feeds.outcomes import FeedInfo, ItemToPost

EMBED_COLOUR = discord.Colour.from_rgb(238, 130, 45)  # the RSS orange
FOOTER_LIMIT = 200


def item_embed(
    *,
    title: str,
    summary: str,
    link: str | None,
    image: str | None,
    published: datetime | None,
    source: str | None,
) -> discord.Embed:
    """The embed of one item. ``title``, ``summary`` and ``source`` must already be Discord-safe."""
    embed = discord.Embed(
        title=title or None,
        url=link if is_http_url(link) else None,
        description=summary or None,
        colour=EMBED_COLOUR,
        timestamp=published,
    )
    if source:
        embed.set_footer(text=source[:FOOTER_LIMIT])
    if image and is_http_url(image):
        embed.set_image(url=image)
    return embed


def embed_for_item(item: ItemToPost) -> discord.Embed:
    source = safe_text(item.source, FOOTER_LIMIT) if item.source else None
    return item_embed(
        title=item.title,
        summary=item.summary,
        link=item.link,
        image=item.image,
        published=item.published,
        source=source,
    )


def embed_for_entry(entry: FeedEntry, source: str | None) -> discord.Embed:
    return item_embed(
        title=entry.safe_title,
        summary=entry.safe_summary,
        link=entry.link,
        image=entry.image,
        published=entry.published,
        source=safe_text(source, FOOTER_LIMIT) if source else None,
    )


def when(moment: datetime | None, lang: str) -> str:
    """A Discord timestamp that each reader sees in their own time zone, or "never"."""
    if moment is None:
        return t("resources.never", lang)
    return f"<t:{int(moment.timestamp())}:R>"


def feed_label(feed: FeedInfo, limit: int = 80) -> str:
    return safe_text(feed.label, limit)


def feed_lines(feed: FeedInfo, lang: str) -> str:
    """One feed in ``/feed list``: channel, state, last success, last error, next poll, items posted."""
    lines = [
        t(
            "resources.list.head",
            lang,
            id=feed.id,
            label=feed_label(feed),
            channel=f"<#{feed.channel_id}>",
            state=t(f"resources.state.{feed.state.value}", lang),
        ),
        t(
            "resources.list.times",
            lang,
            success=when(feed.last_success_at, lang),
            next=t("resources.list.paused", lang) if feed.paused else when(feed.next_poll_at, lang),
            posted=feed.items_posted,
        ),
    ]
    if feed.last_error is not None and feed.consecutive_failures:
        lines.append(
            t(
                "resources.list.error",
                lang,
                error=feed.last_error.message(lang),
                fix=feed.last_error.fix(lang),
                count=feed.consecutive_failures,
            )
        )
    if feed.last_warning:
        lines.append(t("resources.list.warning", lang, warning=t("feeds.warning.malformed", lang)))
    if feed.include or feed.exclude:
        lines.append(
            t(
                "resources.list.keywords",
                lang,
                include=safe_text(", ".join(feed.include) or "—", 300),
                exclude=safe_text(", ".join(feed.exclude) or "—", 300),
            )
        )
    return "\n".join(lines)
