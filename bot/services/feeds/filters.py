"""Include and exclude keywords of a feed (pure): which entries the LCM wants posted."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

MAX_KEYWORDS = 25


def fold(text: str) -> str:
    """Lowercase without accents, so "Économie" matches "economie"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def parse_keywords(text: str | None) -> tuple[str, ...]:
    """Comma-separated keywords, trimmed, folded, without duplicates or empties (order kept)."""
    if not text:
        return ()
    seen: dict[str, None] = {}
    for part in text.split(","):
        word = " ".join(fold(part).split())
        if word:
            seen.setdefault(word, None)
    return tuple(seen)[:MAX_KEYWORDS]


def keywords_text(words: Sequence[str]) -> str | None:
    """The stored form of a keyword list (None when empty)."""
    return ", ".join(words) or None


def wanted(title: str, summary: str, include: Sequence[str], exclude: Sequence[str]) -> bool:
    """True when the entry mentions at least one ``include`` keyword (if any) and no ``exclude`` keyword."""
    if not include and not exclude:
        return True
    text = fold(f"{title} {summary}")
    if any(word in text for word in exclude):
        return False
    return not include or any(word in text for word in include)
