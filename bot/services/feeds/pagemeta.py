"""A web page's title and description, for a link shared by hand (pure; run it off the event loop)."""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urljoin

from bot.services.feeds.entries import is_http_url
from bot.services.feeds.text import collapse_whitespace

# Only the head matters; a page is read up to here at most.
HEAD_LIMIT = 512 * 1024


@dataclass(frozen=True, slots=True)
class PageMeta:
    title: str
    description: str
    image: str | None
    site_name: str | None
    canonical: str | None


class _HeadParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}
        self.canonical: str | None = None
        self.title_parts: list[str] = []
        self._in_title = False
        self.done = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k.lower(): (v or "") for k, v in attrs}
        if tag == "meta":
            name = (values.get("property") or values.get("name") or "").strip().lower()
            content = values.get("content", "").strip()
            if name and content and name not in self.meta:
                self.meta[name] = content
        elif tag == "link" and "canonical" in values.get("rel", "").lower().split():
            self.canonical = values.get("href", "").strip() or None
        elif tag == "title":
            self._in_title = True
        elif tag == "body":
            self.done = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        elif tag == "head":
            self.done = True

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title_parts.append(data)


def _decode(body: bytes, content_type: str) -> str:
    charset = "utf-8"
    for part in content_type.split(";"):
        key, _, value = part.strip().partition("=")
        if key.lower() == "charset" and value:
            charset = value.strip("\"' ")
    try:
        return body.decode(charset, errors="replace")
    except LookupError:
        return body.decode("utf-8", errors="replace")


def page_meta(body: bytes, content_type: str = "", *, url: str = "") -> PageMeta:
    """Title (og:title, twitter:title, <title>) and description (og:, twitter:, meta description)."""
    parser = _HeadParser()
    text = _decode(body[:HEAD_LIMIT], content_type)
    try:
        # Feed in pieces so that a huge page stops at </head>.
        for start in range(0, len(text), 16384):
            parser.feed(text[start : start + 16384])
            if parser.done:
                break
    except Exception:  # a broken page still gives what was read before the break
        pass
    meta = parser.meta

    def first(*names: str) -> str:
        for name in names:
            if meta.get(name):
                return collapse_whitespace(meta[name])
        return ""

    title = first("og:title", "twitter:title") or collapse_whitespace("".join(parser.title_parts))
    description = first("og:description", "twitter:description", "description")
    image = first("og:image", "og:image:url", "twitter:image", "twitter:image:src") or None
    if image and url and not is_http_url(image):
        image = urljoin(url, image)
    canonical = first("og:url") or parser.canonical
    if canonical and url and not is_http_url(canonical):
        canonical = urljoin(url, canonical)
    return PageMeta(
        title=title,
        description=description,
        image=image if is_http_url(image) else None,
        site_name=first("og:site_name") or None,
        canonical=canonical if is_http_url(canonical) else None,
    )
