"""Entry rules: from one feedparser entry to a clean, stable, Discord-safe ``FeedEntry`` (pure functions)."""

from __future__ import annotations

import calendar
import hashlib
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from html import unescape
from typing import Any
from urllib.parse import unquote_plus, urljoin, urlsplit, urlunsplit

from bot.services.feeds.text import (
    DEFAULT_SUMMARY_LIMIT,
    DESCRIPTION_LIMIT,
    TITLE_LIMIT,
    collapse_whitespace,
    discord_safe,
    html_to_text,
    truncate_words,
)

KEY_MAX_LENGTH = 255

TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid", "ttclid", "li_fat_id",
        "mc_cid", "mc_eid", "igshid", "igsh", "ref_src", "ref_url", "_hsenc", "_hsmi", "__hssc", "__hstc",
        "__hsfp", "hsctatracking", "mkt_tok", "oly_anon_id", "oly_enc_id", "vero_id", "vero_conv",
        "rb_clickid", "s_cid", "_openstat", "wt_mc", "spm", "si", "ncid", "cmpid", "feature", "sr_share",
    }
)  # fmt: skip
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "at_")

_DEFAULT_PORTS = {"http": 80, "https": 443}


def _is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)


def canonicalize_link(link: str) -> str:
    """Canonical form of a link: lowercase scheme and host, no default port, no tracking params or fragment,
    remaining query params sorted. Anything that is not an absolute http(s) URL is returned trimmed."""
    text = link.strip()
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        return text
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return text
    host = parts.hostname.lower().rstrip(".")
    if ":" in host:
        host = f"[{host}]"
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        host = f"{host}:{port}"
    userinfo = parts.netloc.rpartition("@")[0] if "@" in parts.netloc else ""
    netloc = f"{userinfo}@{host}" if userinfo else host
    # Raw segments are kept byte for byte (a re-encode could change "?article" into "?article=").
    segments = [seg for seg in parts.query.split("&") if seg]
    kept = [(unquote_plus(seg.split("=", 1)[0]), seg) for seg in segments]
    query = "&".join(seg for _, seg in sorted(p for p in kept if not _is_tracking(p[0])))
    path = parts.path or "/"
    return urlunsplit((scheme, netloc, path, query, ""))


def is_http_url(value: str | None) -> bool:
    """True for an absolute http(s) URL with a host."""
    if not value:
        return False
    try:
        parts = urlsplit(value.strip())
    except ValueError:
        return False
    return parts.scheme.lower() in _DEFAULT_PORTS and bool(parts.netloc)


def struct_to_datetime(value: time.struct_time | None) -> datetime | None:
    """An aware UTC datetime from feedparser's UTC ``*_parsed`` struct, or None when absent or absurd."""
    if not value:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(value), UTC)
    except (OverflowError, ValueError, OSError, TypeError):
        return None


def entry_date(entry: Mapping[str, Any]) -> datetime | None:
    """The entry's publication date (else its update or creation date), aware UTC."""
    for name in ("published_parsed", "updated_parsed", "created_parsed"):
        # dict.get, not FeedParserDict.get: the latter aliases missing keys and warns about it.
        value = dict.get(entry, name) if isinstance(entry, dict) else entry.get(name)
        found = struct_to_datetime(value)
        if found is not None:
            return found
    return None


def _hash(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:40]


def entry_key(guid: str | None, canonical_link: str | None, title: str, published: datetime | None) -> str:
    """A key that stays the same for the same entry across polls: guid/id, else link, else title+date hash."""
    if guid and guid.strip():
        key = "id:" + guid.strip()
    elif canonical_link:
        key = "link:" + canonical_link
    else:
        return "hash:" + _hash(title, published.isoformat() if published else "")
    if len(key) > KEY_MAX_LENGTH:
        return key.split(":", 1)[0] + ":sha256:" + _hash(key)
    return key


_IMG_SRC = re.compile(r"""<img\b[^>]*?\bsrc\s*=\s*(?:"([^"]+)"|'([^']+)'|([^\s>]+))""", re.IGNORECASE)


def _first_img(html: str, base: str) -> str | None:
    for match in _IMG_SRC.finditer(html):
        src = unescape(next(g for g in match.groups() if g)).strip()
        if base and not is_http_url(src):
            src = urljoin(base, src)
        if is_http_url(src):
            return src
    return None


def _looks_like_image(item: Mapping[str, Any]) -> bool:
    kind = str(item.get("type") or "")
    return item.get("medium") == "image" or kind.startswith("image/")


def entry_image(entry: Mapping[str, Any], html_bodies: list[tuple[str, str]]) -> str | None:
    """An image for the entry: media:content, media:thumbnail, an image enclosure, else the first <img>."""
    for item in entry.get("media_content") or []:
        url = item.get("url")
        if is_http_url(url) and (_looks_like_image(item) or not (item.get("type") or item.get("medium"))):
            return str(url).strip()
    for item in entry.get("media_thumbnail") or []:
        if is_http_url(item.get("url")):
            return str(item["url"]).strip()
    for item in entry.get("enclosures") or []:
        if is_http_url(item.get("href")) and _looks_like_image(item):
            return str(item["href"]).strip()
    for html, base in html_bodies:
        found = _first_img(html, base)
        if found:
            return found
    return None


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One feed item, cleaned. ``title``/``summary`` are plain text; ``safe_*`` are ready for Discord."""

    key: str
    title: str
    link: str | None
    summary: str
    published: datetime | None
    image: str | None
    guid: str | None
    raw_link: str | None
    safe_title: str
    safe_summary: str
    position: int = 0


def _html_bodies(entry: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """(value, type, base URL) of the entry's summary and contents, summary first."""
    bodies: list[tuple[str, str, str]] = []
    detail = entry.get("summary_detail") or {}
    if entry.get("summary"):
        bodies.append(
            (str(entry["summary"]), str(detail.get("type") or "text/html"), str(detail.get("base") or ""))
        )
    for content in entry.get("content") or []:
        if content.get("value"):
            kind = str(content.get("type") or "text/html")
            bodies.append((str(content["value"]), kind, str(content.get("base") or "")))
    return bodies


def _to_text(value: str, kind: str) -> str:
    return collapse_whitespace(value) if kind == "text/plain" else html_to_text(value)


def build_entry(
    entry: Mapping[str, Any], *, position: int = 0, summary_limit: int = DEFAULT_SUMMARY_LIMIT
) -> FeedEntry | None:
    """Clean one feedparser entry; None when it has neither a title nor a link (nothing to post)."""
    title_detail = entry.get("title_detail") or {}
    title_text = _to_text(str(entry.get("title") or ""), str(title_detail.get("type") or "text/html"))
    raw_link = str(entry.get("link") or "").strip() or None
    link = canonicalize_link(raw_link) if raw_link else None
    if not title_text and not link:
        return None
    bodies = _html_bodies(entry)
    summary_text = ""
    for value, kind, _ in bodies:
        summary_text = _to_text(value, kind)
        if summary_text:
            break
    published = entry_date(entry)
    guid = str(entry.get("id") or "").strip() or None
    summary_limit = min(summary_limit, DESCRIPTION_LIMIT)
    title = truncate_words(title_text, TITLE_LIMIT)
    summary = truncate_words(summary_text, summary_limit)
    return FeedEntry(
        key=entry_key(guid, link, title_text, published),
        title=title,
        link=link,
        summary=summary,
        published=published,
        image=entry_image(entry, [(value, base) for value, kind, base in bodies if kind != "text/plain"]),
        guid=guid,
        raw_link=raw_link,
        safe_title=discord_safe(title_text, TITLE_LIMIT),
        safe_summary=discord_safe(summary_text, summary_limit),
        position=position,
    )
