"""``lcm-bot feed preview URL_OR_FILE [--json]``: show a feed's items as the bot would post them."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import TextIO

from bot.i18n import t
from bot.services.feeds.entries import FeedEntry
from bot.services.feeds.errors import FeedError
from bot.services.feeds.fetch import FeedFetcher, FetchOptions
from bot.services.feeds.parse import ParsedFeed, parse_feed, parse_feed_async


def _is_url(text: str) -> bool:
    return "://" in text


async def _load(source: str, allow_private: bool) -> ParsedFeed:
    if _is_url(source):
        async with FeedFetcher(FetchOptions(allow_private_addresses=allow_private)) as fetcher:
            fetched = await fetcher.fetch(source)
        return await parse_feed_async(fetched.body, fetched.headers, url=fetched.final_url)
    body = await asyncio.to_thread(Path(source).read_bytes)
    return await asyncio.to_thread(parse_feed, body)


def entry_json(entry: FeedEntry) -> dict[str, str | None]:
    """One entry as the preview's JSON object."""
    return {
        "key": entry.key,
        "title": entry.title,
        "link": entry.link,
        "summary": entry.summary,
        "published": entry.published.isoformat() if entry.published else None,
    }


def _human(feed: ParsedFeed, lang: str | None) -> list[str]:
    if not feed.entries:
        return [t("feeds.preview.empty", lang)]
    lines = [t("feeds.preview.header", lang, title=feed.title or "—", count=len(feed.entries))]
    if feed.warning:
        lines.append(t("feeds.preview.warning", lang, warning=t("feeds.warning.malformed", lang)))
    for entry in feed.entries:
        when = (
            entry.published.strftime("%Y-%m-%d %H:%M UTC")
            if entry.published
            else t("feeds.preview.no_date", lang)
        )
        lines.append("")
        lines.append(f"• {entry.title or t('feeds.preview.untitled', lang)}  [{when}]")
        if entry.link:
            lines.append(f"  {entry.link}")
        if entry.summary:
            lines.append(f"  {entry.summary}")
        if entry.image:
            lines.append(f"  🖼 {entry.image}")
    return lines


def run_preview_cli(
    url_or_file: str,
    *,
    as_json: bool,
    stdout: TextIO,
    stderr: TextIO,
    allow_private: bool = False,
    lang: str | None = None,
) -> int:
    """Print the items of a feed (URL or local file) as they would be posted; 0 on success, 1 on failure
    with one clear line on ``stderr`` (never a traceback)."""
    try:
        feed = asyncio.run(_load(url_or_file, allow_private))
    except FeedError as exc:
        stderr.write(
            t(
                "feeds.preview.failed",
                lang,
                source=url_or_file,
                message=exc.reason.message(lang),
                fix=exc.reason.fix(lang),
            )
            + "\n"
        )
        return 1
    except OSError as exc:
        stderr.write(
            t("feeds.preview.unreadable_file", lang, source=url_or_file, detail=exc.strerror or exc) + "\n"
        )
        return 1
    except Exception as exc:  # the preview is a diagnostic tool: one line, never a traceback
        stderr.write(
            t("feeds.preview.unreadable_file", lang, source=url_or_file, detail=type(exc).__name__) + "\n"
        )
        return 1
    if as_json:
        for entry in feed.entries:
            stdout.write(json.dumps(entry_json(entry), ensure_ascii=False) + "\n")
    else:
        stdout.write("\n".join(_human(feed, lang)) + "\n")
    return 0
