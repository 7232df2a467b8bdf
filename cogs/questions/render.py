"""How questions, suggestions and knowledge entries look on Discord."""

from __future__ import annotations

import discord

from bot.discord_utils import jump_link, safe_text
from bot.i18n import t
from bot.services.questions import SuggestionInfo
from bot.services.questions.knowledge import FaqHit

EMBED_COLOUR = discord.Colour.blurple()


def state_label(suggestion: SuggestionInfo, lang: str) -> str:
    return t(f"state.{suggestion.state.value}", lang) if suggestion.state else t("state.kb", lang)


def suggestions_embed(suggestions: list[SuggestionInfo], lang: str) -> discord.Embed:
    lines: list[str] = []
    for number, item in enumerate(suggestions, 1):
        line = t(
            "dup.item", lang, number=number, title=safe_text(item.title, 150), state=state_label(item, lang)
        )
        if item.place_id:
            line += " · " + t(
                "dup.item.link", lang, link=jump_link(item.guild_id, item.place_id, item.message_id)
            )
        if item.answer_excerpt:
            if item.state is None:
                key = "dup.item.kb"
            else:
                key = "dup.item.answer.trainer" if item.endorsed_by_trainer else "dup.item.answer"
            line += "\n> " + t(key, lang, excerpt=safe_text(item.answer_excerpt, 300))
        lines.append(line)
    embed = discord.Embed(description="\n\n".join(lines), colour=EMBED_COLOUR)
    embed.set_footer(text=t("dup.footer", lang))
    return embed


def faq_embed(query: str, hits: list[FaqHit], guild_id: int, lang: str) -> discord.Embed:
    embed = discord.Embed(title=t("faq.search.title", lang, query=safe_text(query, 200)), colour=EMBED_COLOUR)
    parts: list[str] = []
    for number, hit in enumerate(hits, 1):
        entry = hit.entry
        text = t(
            "faq.search.item",
            lang,
            number=number,
            question=safe_text(entry.question, 200),
            answer=safe_text(entry.answer, 500),
        )
        if entry.endorsed_by_trainer:
            text += " " + t("faq.search.endorsed", lang)
        if entry.source_place_id:
            text += "\n" + t("dup.item.link", lang, link=jump_link(guild_id, entry.source_place_id))
        parts.append(text)
    embed.description = "\n\n".join(parts)[:4000]
    return embed


def question_title(content: str, limit: int = 90) -> str:
    """A thread title from a message: its first non-empty line, cut on a word."""
    for line in content.splitlines():
        line = " ".join(line.split())
        if line:
            return (
                line
                if len(line) <= limit
                else line[: limit - 1].rsplit(" ", 1)[0] + "\N{HORIZONTAL ELLIPSIS}"
            )
    return ""
