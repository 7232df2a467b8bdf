"""The message catalog: every user-facing string, in French and English.

Messages live in ``bot/i18n/messages/*.toml``, one file per capability, each entry a table with one
string per language::

    ["lcm.status.title"]
    en = "lcm-bot status"
    fr = "État de lcm-bot"

Placeholders use ``str.format`` names (``{count}``) and must be the same in both languages; a structure
test enforces it. This module does not import discord: services, the CLI and the demo use it too.
"""

from __future__ import annotations

import string
import tomllib
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Literal

Lang = Literal["fr", "en"]
LANGUAGES: tuple[Lang, ...] = ("fr", "en")
DEFAULT_LANGUAGE: Lang = "fr"
MESSAGES_DIR = Path(__file__).parent / "messages"


class CatalogError(Exception):
    """The catalog files are inconsistent."""


def placeholders(text: str) -> set[str]:
    """Return the names of the ``str.format`` placeholders in ``text``."""
    return {name.split(".")[0].split("[")[0] for _, name, _, _ in string.Formatter().parse(text) if name}


class Catalog:
    """Every user-facing message, keyed by a dotted name, in each language."""

    def __init__(self, entries: Mapping[str, Mapping[str, str]]) -> None:
        self._entries = {key: dict(value) for key, value in entries.items()}

    @classmethod
    def load(cls, directory: Path = MESSAGES_DIR) -> Catalog:
        """Load and merge every ``*.toml`` file of ``directory``; a key defined twice is an error."""
        entries: dict[str, dict[str, str]] = {}
        origin: dict[str, str] = {}
        for path in sorted(directory.glob("*.toml")):
            with path.open("rb") as fh:
                data = tomllib.load(fh)
            for key, value in data.items():
                if key in entries:
                    raise CatalogError(f"message {key!r} is defined in both {origin[key]} and {path.name}")
                if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
                    raise CatalogError(f"message {key!r} in {path.name} must be a table of strings")
                entries[key] = value
                origin[key] = path.name
        return cls(entries)

    def keys(self) -> Iterable[str]:
        return self._entries.keys()

    def __contains__(self, key: str) -> bool:
        return key in self._entries

    def raw(self, key: str, lang: str) -> str | None:
        """Return the untranslated template of ``key`` in ``lang``, or None when absent."""
        entry = self._entries.get(key)
        return None if entry is None else entry.get(lang)

    def t(self, key: str, lang: str | None = None, /, **values: object) -> str:
        """Render message ``key`` in ``lang`` (falling back to English, then to the key itself)."""
        entry = self._entries.get(key)
        if entry is None:
            return key
        template = entry.get(lang or DEFAULT_LANGUAGE) or entry.get("en") or key
        return template.format(**values) if values else template

    def problems(self) -> list[str]:
        """List the inconsistencies: a language missing, or placeholders that differ."""
        found: list[str] = []
        for key, entry in sorted(self._entries.items()):
            missing = [lang for lang in LANGUAGES if not entry.get(lang)]
            if missing:
                found.append(f"{key}: missing {', '.join(missing)}")
                continue
            extra = set(entry) - set(LANGUAGES)
            if extra:
                found.append(f"{key}: unknown language(s) {', '.join(sorted(extra))}")
            try:
                names = {lang: placeholders(entry[lang]) for lang in LANGUAGES}
            except ValueError as exc:
                found.append(f"{key}: bad template ({exc})")
                continue
            if len({frozenset(v) for v in names.values()}) > 1:
                detail = "; ".join(f"{lang}: {sorted(v)}" for lang, v in names.items())
                found.append(f"{key}: placeholders differ ({detail})")
        return found


@cache
def catalog() -> Catalog:
    """The project's catalog, loaded once."""
    return Catalog.load()


def t(key: str, lang: str | None = None, /, **values: object) -> str:
    """Render ``key`` from the project's catalog."""
    return catalog().t(key, lang, **values)


def lang_from_locale(locale: str | None, fallback: Lang = DEFAULT_LANGUAGE) -> Lang:
    """Map a Discord locale ("fr", "en-US", "en-GB", ...) to a catalog language."""
    if locale:
        prefix = str(locale).split("-")[0].lower()
        if prefix in LANGUAGES:
            return prefix  # type: ignore[return-value]
    return fallback
