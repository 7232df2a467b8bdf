"""The feed layer's contract with the rest of the bot: catalog messages, no discord import, settings."""

from __future__ import annotations

import ast
from pathlib import Path

from bot.i18n import LANGUAGES, catalog
from bot.services.feeds.errors import FeedErrorReason
from bot.services.feeds.fetch import FetchOptions
from bot.settings import FeedSettings

from .conftest import REPO


def test_every_error_reason_has_a_message_and_a_fix_in_both_languages():
    cat = catalog()
    assert not [p for p in cat.problems() if p.startswith("feeds.")]
    for reason in FeedErrorReason:
        for lang in LANGUAGES:
            assert cat.raw(reason.message_key, lang), (reason, lang)
            assert cat.raw(reason.fix_key, lang), (reason, lang)
        assert reason.message("fr") != reason.message("en")


def test_feed_services_do_not_import_discord():
    for path in (REPO / "bot" / "services" / "feeds").glob("*.py"):
        tree = ast.parse(Path(path).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            assert not any(n == "discord" or n.startswith("discord.") for n in names), path


def test_fetch_options_from_settings():
    settings = FeedSettings(
        allow_private_addresses=True, timeout_seconds=7.5, max_bytes=1000, max_redirects=2, concurrency=9
    )
    options = FetchOptions.from_settings(settings)
    assert (options.allow_private_addresses, options.timeout, options.max_bytes) == (True, 7.5, 1000)
    assert (options.max_redirects, options.connections) == (2, 9)
    assert options.policy.allow_private_addresses
