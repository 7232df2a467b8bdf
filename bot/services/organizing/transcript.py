"""Transcripts and closing figures of a conversation, from plain message records (no Discord here)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class TranscriptMessage:
    """One message as the transcript shows it."""

    id: int
    created_at: datetime
    author_id: int
    author_name: str
    content: str
    bot: bool = False
    attachments: tuple[str, ...] = ()
    embeds: tuple[str, ...] = ()


@dataclass
class TranscriptPlace:
    """A channel or one of its threads, with its messages oldest first."""

    name: str
    messages: list[TranscriptMessage] = field(default_factory=list)


@dataclass(frozen=True)
class ConversationFigures:
    messages: int
    participants: int


def figures(places: Iterable[TranscriptPlace]) -> ConversationFigures:
    """Messages and distinct participants (people, not bots) across a channel and its threads."""
    count, people = 0, set()
    for place in places:
        for message in place.messages:
            count += 1
            if not message.bot:
                people.add(message.author_id)
    return ConversationFigures(messages=count, participants=len(people))


def _stamp(when: datetime) -> str:
    return when.strftime("%Y-%m-%d %H:%M UTC")


def render_markdown(title: str, header: Sequence[str], places: Sequence[TranscriptPlace]) -> str:
    """The whole conversation as Markdown: the channel first, then each thread, every message in order."""
    lines = [f"# {title}", ""]
    lines += [f"- {line}" for line in header]
    for index, place in enumerate(places):
        lines += ["", f"{'##' if index == 0 else '###'} {place.name}", ""]
        if not place.messages:
            lines.append("_(no messages)_")
        for message in place.messages:
            who = message.author_name + (" [bot]" if message.bot else "")
            lines.append(f"**{who}** — {_stamp(message.created_at)}")
            body = message.content.strip()
            if body:
                lines += [f"> {line}" if line else ">" for line in body.splitlines()]
            for embed in message.embeds:
                lines += [f"> [embed] {line}" for line in embed.splitlines() if line.strip()]
            for url in message.attachments:
                lines.append(f"> [attachment] {url}")
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"
