"""Plain text from feed HTML, cut to Discord's limits, and made safe to show in Discord.

Discord-free on purpose: services may not import discord, so escaping is implemented here.
"""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser

ELLIPSIS = "…"
TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
DEFAULT_SUMMARY_LIMIT = 500

_SKIP_TAGS = frozenset(
    {"script", "style", "noscript", "template", "head", "title", "iframe", "object", "svg"}
)
_BLOCK_TAGS = frozenset(
    {
        "p", "div", "br", "li", "ul", "ol", "tr", "td", "th", "table", "h1", "h2", "h3", "h4", "h5", "h6",
        "blockquote", "pre", "section", "article", "header", "footer", "figure", "figcaption", "hr",
        "dd", "dt",
    }
)  # fmt: skip
_WHITESPACE = re.compile(r"\s+")


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self._skip_depth += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append(" ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK_TAGS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self._skip_depth = max(0, self._skip_depth - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._skip_depth:
            self.parts.append(data)


def collapse_whitespace(text: str) -> str:
    """Turn every run of whitespace into one space and trim the ends."""
    return _WHITESPACE.sub(" ", text).strip()


def html_to_text(html: str) -> str:
    """Plain text from HTML: tags, scripts and styles dropped, entities decoded, spaces collapsed."""
    if "<" not in html and "&" not in html:
        return collapse_whitespace(html)
    parser = _TextExtractor()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # html.parser is lenient, but a broken document must never stop a poll
        return collapse_whitespace(unescape(re.sub(r"<[^>]*>", " ", html)))
    return collapse_whitespace("".join(parser.parts))


def truncate_words(text: str, limit: int, ellipsis: str = ELLIPSIS) -> str:
    """Cut ``text`` to at most ``limit`` characters on a word boundary, ending with an ellipsis when cut."""
    if limit <= 0:
        return ""
    if len(text) <= limit:
        return text
    room = limit - len(ellipsis)
    if room <= 0:
        return ellipsis[:limit]
    cut = text[: room + 1]
    space = cut.rfind(" ")
    # A single enormous word has no boundary worth keeping: cut it hard rather than drop everything.
    head = cut[:space] if space > room // 2 else text[:room]
    return head.rstrip(" ,;:.-–—") + ellipsis


# Brackets are enough to break masked links; leaving ":" and "()" alone keeps URLs readable.
_MARKDOWN_INLINE = re.compile(r"([\\*_~`|\[\]])")
_LINE_START = re.compile(r"(?m)^(\s*)(?:([#>\-+])|(\d+)\.(?=\s))")


def escape_markdown_text(text: str) -> str:
    """Escape Discord markdown so that ``text`` shows literally (no bold, links, headings, quotes, code)."""
    escaped = _MARKDOWN_INLINE.sub(r"\\\1", text)
    return _LINE_START.sub(_escape_line_start, escaped)


def _escape_line_start(match: re.Match[str]) -> str:
    if match.group(2):
        return match.group(1) + "\\" + match.group(2)
    return match.group(1) + match.group(3) + "\\."


_ZWSP = "\u200b"
_MENTION_SYNTAX = re.compile(r"<(\\?)([@#/]|a?:)")
_EVERYONE = re.compile(r"@(everyone|here)", re.IGNORECASE)


def neutralize_mentions(text: str) -> str:
    """Make ``@everyone``, ``@here``, ``<@id>``, ``<@&id>``, ``<#id>``, ``</cmd:id>`` inert but readable."""
    text = _EVERYONE.sub(lambda m: "@" + _ZWSP + m.group(1), text)
    return _MENTION_SYNTAX.sub(lambda m: "<" + _ZWSP + m.group(1) + m.group(2), text)


def discord_safe(text: str, limit: int) -> str:
    """Escape and neutralise ``text``, then cut it on a word boundary so the *escaped* form fits ``limit``."""

    def render(plain: str) -> str:
        return neutralize_mentions(escape_markdown_text(plain))

    if len(text) <= limit:
        safe = render(text)
        if len(safe) <= limit:
            return safe
    # Escaping lengthens the text unevenly; shrink the plain text until its rendered form fits.
    lo, hi = 0, min(len(text), limit)
    best = render(truncate_words(text, 0))
    while lo <= hi:
        mid = (lo + hi) // 2
        candidate = render(truncate_words(text, mid))
        if len(candidate) <= limit:
            best, lo = candidate, mid + 1
        else:
            hi = mid - 1
    return best
