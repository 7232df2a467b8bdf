"""Reading fetched bytes as a feed, with feedparser, off the event loop."""

from __future__ import annotations

import asyncio
import io
import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Mapping
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass
from functools import partial

import feedparser

from bot.services.feeds.entries import FeedEntry, build_entry
from bot.services.feeds.errors import FeedError, FeedErrorReason
from bot.services.feeds.text import DEFAULT_SUMMARY_LIMIT, TITLE_LIMIT, html_to_text, truncate_words

log = logging.getLogger(__name__)

# Headers feedparser uses: charset and media type, language, and the base for relative links.
_PASSED_HEADERS = ("content-type", "content-language", "content-location")
_HTML_START = (b"<!doctype html", b"<html")


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """What a feed document says, cleaned. ``warning`` is set when the document was malformed (bozo)."""

    title: str
    link: str | None
    version: str
    encoding: str
    bozo: bool
    warning: str | None
    entries: tuple[FeedEntry, ...]
    skipped_without_title_or_link: int = 0
    language: str | None = None
    bozo_exception_type: str | None = None


def _looks_like_html(body: bytes, content_type: str) -> bool:
    if "html" in content_type.lower() and "xhtml+xml" not in content_type.lower():
        return True
    head = body[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith(_HTML_START)


def parse_feed(
    body: bytes,
    headers: Mapping[str, str] | None = None,
    *,
    url: str | None = None,
    summary_limit: int = DEFAULT_SUMMARY_LIMIT,
) -> ParsedFeed:
    """Parse ``body`` (with the response headers, for the charset) into a ParsedFeed.

    Malformed documents give the entries that can be read and a warning. Raise FeedError(NOT_A_FEED) when
    the document is no RSS/Atom at all (an HTML page, an empty body, some other XML). CPU-bound: call it
    through ``parse_feed_async`` from async code.
    """
    lowered = {k.lower(): v for k, v in (headers or {}).items()}
    passed = {name: lowered[name] for name in _PASSED_HEADERS if lowered.get(name)}
    if url and "content-location" not in passed:
        passed["content-location"] = url
    # A stream, never bytes: feedparser would treat bytes that look like a path as a local file to open.
    # The bot shows only plain text, so feedparser's HTML sanitising and link rewriting inside content
    # (two extra HTML parses per body, two thirds of its time) buy nothing; image URLs are resolved here.
    result = feedparser.parse(
        io.BytesIO(body), response_headers=passed, sanitize_html=False, resolve_relative_uris=False
    )
    version = str(result.get("version") or "")
    raw_entries = result.get("entries") or []
    if not version and not raw_entries:
        what = "an HTML page" if _looks_like_html(body, passed.get("content-type", "")) else "no RSS or Atom"
        raise FeedError(FeedErrorReason.NOT_A_FEED, f"{what} ({len(body)} bytes)")
    entries: list[FeedEntry] = []
    skipped = 0
    for position, raw in enumerate(raw_entries):
        try:
            entry = build_entry(raw, position=position, summary_limit=summary_limit)
        except Exception:  # one strange entry must not cost the others
            log.warning("feed %s: entry %d could not be read", url, position, exc_info=True)
            entry = None
        if entry is None:
            skipped += 1
        else:
            entries.append(entry)
    bozo = bool(result.get("bozo"))
    exc = result.get("bozo_exception")
    warning = f"{type(exc).__name__}: {exc}" if bozo and exc is not None else ("malformed" if bozo else None)
    feed = result.get("feed") or {}
    return ParsedFeed(
        title=truncate_words(html_to_text(str(feed.get("title") or "")), TITLE_LIMIT),
        link=str(feed.get("link") or "") or None,
        version=version,
        encoding=str(result.get("encoding") or ""),
        bozo=bozo,
        warning=warning,
        entries=tuple(entries),
        skipped_without_title_or_link=skipped,
        language=str(feed.get("language") or "") or None,
        bozo_exception_type=type(exc).__name__ if bozo and exc is not None else None,
    )


def make_parse_pool(workers: int = 1, *, tasks_per_worker: int = 200) -> ProcessPoolExecutor:
    """A process pool for ``parse_feed_async``: keeps the event loop free while a big feed is parsed.

    Workers are spawned (not forked from a process full of threads) and replaced every ``tasks_per_worker``
    documents so that a leak in a parser cannot grow forever. Shut it down with the bot.
    """
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        max_tasks_per_child=tasks_per_worker,
        initializer=exit_with_parent,
        initargs=(os.getpid(),),
    )


PARENT_CHECK_SECONDS = 1.0


def exit_with_parent(parent_pid: int) -> None:
    """Pool worker initializer: leave when the bot's process is gone.

    A worker holds both ends of its task queue's pipe, so it never sees EOF: after a SIGKILL of the bot it
    would wait for work forever, one orphan per crash.
    """

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(PARENT_CHECK_SECONDS)
        os._exit(0)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


async def parse_feed_async(
    body: bytes,
    headers: Mapping[str, str] | None = None,
    *,
    url: str | None = None,
    summary_limit: int = DEFAULT_SUMMARY_LIMIT,
    executor: Executor | None = None,
) -> ParsedFeed:
    """``parse_feed`` off the event loop: in ``executor`` (a process pool keeps the loop fully free),
    else in the default thread pool."""
    call = partial(parse_feed, body, headers, url=url, summary_limit=summary_limit)
    if executor is None:
        return await asyncio.to_thread(call)
    return await asyncio.get_running_loop().run_in_executor(executor, call)
