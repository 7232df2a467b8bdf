"""The feed layer: fetch, parse, clean and select feed entries. Discord-free; plain dataclasses in and out."""

from bot.services.feeds.entries import FeedEntry, build_entry, canonicalize_link, entry_key
from bot.services.feeds.errors import FeedError, FeedErrorReason
from bot.services.feeds.fetch import FeedFetcher, FetchOptions, FetchResult
from bot.services.feeds.netguard import AddressCategory, AddressPolicy, classify_address
from bot.services.feeds.parse import ParsedFeed, make_parse_pool, parse_feed, parse_feed_async
from bot.services.feeds.poller import FeedRequest, PollResult, PollStatus, poll_many, poll_one
from bot.services.feeds.preview import run_preview_cli
from bot.services.feeds.select import (
    Decision,
    FeedMemory,
    Selection,
    SelectReason,
    backoff_delay,
    is_failing,
    select_new_items,
)
from bot.services.feeds.text import discord_safe, escape_markdown_text, html_to_text, neutralize_mentions

__all__ = [
    "AddressCategory",
    "AddressPolicy",
    "Decision",
    "FeedEntry",
    "FeedError",
    "FeedErrorReason",
    "FeedFetcher",
    "FeedMemory",
    "FeedRequest",
    "FetchOptions",
    "FetchResult",
    "ParsedFeed",
    "PollResult",
    "PollStatus",
    "SelectReason",
    "Selection",
    "backoff_delay",
    "build_entry",
    "canonicalize_link",
    "classify_address",
    "discord_safe",
    "entry_key",
    "escape_markdown_text",
    "html_to_text",
    "is_failing",
    "make_parse_pool",
    "neutralize_mentions",
    "parse_feed",
    "parse_feed_async",
    "poll_many",
    "poll_one",
    "run_preview_cli",
    "select_new_items",
]
