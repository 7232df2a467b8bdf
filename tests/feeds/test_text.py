"""Plain text, truncation and Discord safety (pure)."""

from __future__ import annotations

import re

import pytest

from bot.services.feeds.text import (
    ELLIPSIS,
    discord_safe,
    escape_markdown_text,
    html_to_text,
    neutralize_mentions,
    truncate_words,
)

# What Discord would parse as a ping or a mention, once the text is posted.
PING = re.compile(r"@(everyone|here)|<@[!&]?\d+>|<#\d+>|</[\w -]+:\d+>", re.IGNORECASE)


def test_html_to_text_strips_tags_scripts_styles_and_entities():
    html = (
        "<div><p>Hello&nbsp;<b>world</b> &amp; <i>friends</i>&#8230;</p><script>alert('x')</script>"
        "<style>p { color: red }</style><ul><li>one</li><li>two</li></ul>\n\n  tail</div>"
    )
    assert html_to_text(html) == "Hello world & friends… one two tail"
    assert html_to_text("plain   text\n\twith  spaces") == "plain text with spaces"
    assert html_to_text("a<br>b<br/>c") == "a b c"
    assert html_to_text("<p>unclosed <b>bold") == "unclosed bold"
    assert html_to_text("") == ""


def test_truncate_on_word_boundary_with_ellipsis():
    text = "The quick brown fox jumps over the lazy dog"
    cut = truncate_words(text, 20)
    assert cut == "The quick brown fox" + ELLIPSIS and len(cut) <= 20
    assert truncate_words(text, 100) == text
    one_word = "x" * 50
    assert truncate_words(one_word, 10) == "x" * 9 + ELLIPSIS
    assert truncate_words(text, 0) == ""


@pytest.mark.parametrize(
    "hostile",
    [
        "@everyone free nitro",
        "hey @here",
        "@EVERYONE shouting",
        "<@123456789012345678> you",
        "<@!123456789012345678> nick",
        "<@&987654321> role",
        "<#1122334455> channel",
        "</ban:123456789> slash",
        "mix @everyone <@1> <@&2> <#3> @here",
    ],
)
def test_mentions_never_survive(hostile):
    assert not PING.search(neutralize_mentions(hostile))
    assert not PING.search(discord_safe(hostile, 256))
    # still readable: only invisible characters were added
    assert neutralize_mentions(hostile).replace("\u200b", "") == hostile


def test_escape_markdown():
    assert escape_markdown_text("**bold** __u__ ~~s~~ `c` ||spoil||") == (
        r"\*\*bold\*\* \_\_u\_\_ \~\~s\~\~ \`c\` \|\|spoil\|\|"
    )
    assert escape_markdown_text("[click](https://evil.example)") == r"\[click\](https://evil.example)"
    assert escape_markdown_text("# Title\n> quote\n- item\n-# small\n1. first") == (
        "\\# Title\n\\> quote\n\\- item\n\\-# small\n1\\. first"
    )
    assert escape_markdown_text(r"back\slash") == r"back\\slash"
    assert escape_markdown_text("a > b and 3.5") == "a > b and 3.5"


def test_discord_safe_fits_the_limit_after_escaping():
    text = "*" * 300
    safe = discord_safe(text, 256)
    assert len(safe) <= 256 and safe.endswith(ELLIPSIS)
    words = " ".join(["__init__"] * 200)
    safe = discord_safe(words, 256)
    assert len(safe) <= 256 and safe.endswith(ELLIPSIS)
    assert not safe.endswith("\\" + ELLIPSIS)  # never cut inside an escape
    assert discord_safe("short", 256) == "short"
