"""A readable transcript of a sandbox run, rendered only from the record (and the world's names).

``render_transcript`` is a pure function: the same events and names give the same text, so a test can check
the transcript against the record it came from.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.i18n import t
from bot.sandbox.record import Event
from bot.sandbox.world import ChannelType, MessageFlags, World

RESET, BOLD, DIM = "\x1b[0m", "\x1b[1m", "\x1b[2m"
CYAN, MAGENTA, YELLOW, BLUE, GREEN, RED = (
    "\x1b[36m",
    "\x1b[35m",
    "\x1b[33m",
    "\x1b[34m",
    "\x1b[32m",
    "\x1b[31m",
)

SHOWN = frozenset(
    {
        "message.create",
        "message.update",
        "message.delete",
        "message.pin",
        "interaction.create",
        "interaction.response",
        "thread.create",
        "thread.update",
        "channel.create",
        "channel.update",
        "channel.overwrite",
        "member.join",
        "member.leave",
        "member.role_add",
        "member.role_remove",
        "reaction.add",
        "commands.sync",
        "webhook.create",
        "http.429",
        "gateway.resume",
        "note",
    }
)


@dataclass(frozen=True)
class Names:
    """Who and what the ids in the record are."""

    users: Mapping[int, str]
    roles: Mapping[int, str]
    channels: Mapping[int, str]
    bot_id: int
    tags: Mapping[int, str] = field(default_factory=dict)

    @classmethod
    def of(cls, world: World) -> Names:
        channels: dict[int, str] = {}
        for channel in world.channels.values():
            if channel.type == ChannelType.DM:
                others = [world.users[u].username for u in channel.recipients if u != world.bot_user.id]
                channels[channel.id] = "@" + ", @".join(others)
            elif channel.is_thread and channel.parent_id in world.channels:
                channels[channel.id] = f"#{world.channels[channel.parent_id].name} › {channel.name}"
            else:
                channels[channel.id] = f"#{channel.name}"
        roles = {r.id: r.name for g in world.guilds.values() for r in g.roles.values()}
        tags = {int(tag["id"]): tag["name"] for c in world.channels.values() for tag in c.available_tags}
        return cls(
            users={u.id: u.username for u in world.users.values()},
            roles=roles,
            channels=channels,
            bot_id=world.bot_user.id,
            tags=tags,
        )


class _Style:
    def __init__(self, color: bool) -> None:
        self.color = color

    def __call__(self, text: str, *codes: str) -> str:
        return f"{''.join(codes)}{text}{RESET}" if self.color and codes else text


def readable(text: str, names: Names) -> str:
    """Replace mention markup with names: ``<@1>`` -> ``@alice``, ``<@&2>`` -> ``@trainer``, ``<#3>``."""
    text = re.sub(r"<@!?(\d+)>", lambda m: "@" + names.users.get(int(m.group(1)), m.group(1)), text)
    text = re.sub(r"<@&(\d+)>", lambda m: "@" + names.roles.get(int(m.group(1)), m.group(1)), text)
    return re.sub(r"<#(\d+)>", lambda m: names.channels.get(int(m.group(1)), "#" + m.group(1)), text)


def _message_lines(data: dict[str, Any], names: Names, style: _Style) -> list[str]:
    lines = [readable(line, names) for line in (data.get("content") or "").splitlines()]
    for embed in data.get("embeds") or []:
        if embed.get("title"):
            lines.append(style("▌ " + readable(embed["title"], names), BOLD))
        for line in (embed.get("description") or "").splitlines():
            lines.append("▌ " + readable(line, names))
        for fld in embed.get("fields") or []:
            value = readable(fld.get("value") or "", names).replace("\n", " / ")
            lines.append(f"▌ {readable(fld.get('name') or '', names)}: {value}")
        if (embed.get("footer") or {}).get("text"):
            lines.append(style("▌ " + readable(embed["footer"]["text"], names), DIM))
    buttons = [c for row in data.get("components") or [] for c in row.get("components") or []]
    if buttons:
        labels = [f"[{c.get('label') or c.get('placeholder') or c.get('custom_id') or '?'}]" for c in buttons]
        lines.append(" ".join(labels))
    for att in data.get("attachments") or []:
        lines.append(f"📎 {att.get('filename')}")
    return lines or [style("(empty)", DIM)]


def _options(options: list[dict[str, Any]], names: Names) -> tuple[list[str], list[str]]:
    path: list[str] = []
    values: list[str] = []
    for opt in options:
        if opt.get("type") in (1, 2):
            sub_path, sub_values = _options(opt.get("options") or [], names)
            path += [opt["name"], *sub_path]
            values += sub_values
        else:
            value = opt.get("value")
            if opt.get("type") == 6:
                value = "@" + names.users.get(int(value), str(value))
            elif opt.get("type") == 7:
                value = names.channels.get(int(value), str(value))
            elif opt.get("type") == 8:
                value = "@" + names.roles.get(int(value), str(value))
            values.append(f"{opt['name']}:{value}")
    return path, values


def render_event(event: Event, names: Names, lang: str = "en", *, color: bool = False) -> list[str]:
    """The transcript lines for one event (none for plumbing events)."""
    style = _Style(color)
    kind, data = event.kind, event.data
    if kind not in SHOWN:
        return []
    fallback = data.get("author", {}).get("username") or ("Discord" if event.actor_id is None else "?")
    actor_name = names.users.get(event.actor_id or 0, fallback)
    is_bot = event.actor_id == names.bot_id
    who = style(actor_name, MAGENTA if is_bot else CYAN, BOLD)
    where = style(names.channels.get(event.channel_id or 0, ""), BLUE)
    prefix = f"{where} " if where else ""
    if kind == "message.create":
        if int(data.get("flags") or 0) & MessageFlags.LOADING:
            return []  # the "thinking" state is told by the interaction response
        if data.get("webhook_id"):
            who = style(data["author"]["username"], MAGENTA, BOLD) + style(" (webhook)", DIM)
        head = f"{prefix}{who}"
        if event.ephemeral:
            viewer = (data.get("interaction_metadata") or {}).get("user", {}).get("username", "?")
            head += " " + style(t("sandbox.transcript.only_visible_to", lang, user=viewer), DIM)
        body = _message_lines(data, names, style)
        lines = [f"{head}: {body[0]}"] + [f"    {line}" for line in body[1:]]
        pings = [f"@{names.users.get(u, str(u))}" for u in event.pinged_users]
        pings += [f"@{names.roles.get(r, str(r))}" for r in event.pinged_roles]
        if event.pinged_everyone:
            pings.append("@everyone")
        if pings:
            lines.append("    " + style(t("sandbox.transcript.pings", lang, who=", ".join(pings)), YELLOW))
        return lines
    if kind == "message.update":
        body = _message_lines(data, names, style)
        note = t("sandbox.transcript.edited", lang)
        return [f"{prefix}{who} {style(note, DIM)}: {body[0]}"] + [f"    {line}" for line in body[1:]]
    if kind == "message.delete":
        return [f"{prefix}{who} " + style(t("sandbox.transcript.deleted", lang, id=event.message_id), DIM)]
    if kind == "message.pin":
        return [f"{prefix}{who} " + t("sandbox.transcript.pinned", lang, id=event.message_id)]
    if kind == "interaction.create":
        inner = data.get("data") or {}
        if data.get("type") == 2 and inner.get("type", 1) == 1:
            path, values = _options(inner.get("options") or [], names)
            command = "/" + " ".join([inner.get("name", "?"), *path])
            text = style(command, GREEN, BOLD) + ("  " + " ".join(values) if values else "")
            return [
                f"{prefix}{who} "
                + t("sandbox.transcript.uses", lang, command=text, locale=data.get("locale"))
            ]
        if data.get("type") == 2:
            return [
                f"{prefix}{who} "
                + t(
                    "sandbox.transcript.menu",
                    lang,
                    command=style(inner.get("name", "?"), GREEN),
                    id=inner.get("target_id"),
                )
            ]
        if data.get("type") == 3:
            values = inner.get("values")
            extra = f" → {', '.join(values)}" if values else ""
            return [
                f"{prefix}{who} " + t("sandbox.transcript.clicks", lang, id=inner.get("custom_id")) + extra
            ]
        return [f"{prefix}{who} " + t("sandbox.transcript.submits", lang, id=inner.get("custom_id"))]
    if kind == "interaction.response":
        if data.get("type") == 5:
            key = "sandbox.transcript.thinking_private" if event.ephemeral else "sandbox.transcript.thinking"
            return [f"{prefix}{who} " + style(t(key, lang), DIM)]
        if data.get("type") == 9:
            return [
                f"{prefix}{who} "
                + t("sandbox.transcript.modal", lang, title=(data.get("data") or {}).get("title"))
            ]
        return []
    if kind == "thread.create":
        tags = ", ".join(names.tags.get(int(x), str(x)) for x in data.get("applied_tags") or [])
        parent = names.channels.get(int(data.get("parent_id") or 0), "?")
        line = f"{style(parent, BLUE)} {who} " + t(
            "sandbox.transcript.thread_opened", lang, name=data.get("name")
        )
        return [line + (f" [{tags}]" if tags else "")]
    if kind == "thread.update":
        meta = data.get("thread_metadata") or {}
        state = [k for k in ("archived", "locked") if meta.get(k)]
        return [
            f"{prefix}{who} "
            + t(
                "sandbox.transcript.thread_updated",
                lang,
                name=data.get("name"),
                state=", ".join(state) or "open",
                tags=len(data.get("applied_tags") or []),
            )
        ]
    if kind in ("channel.create", "channel.update"):
        key = (
            "sandbox.transcript.channel_created"
            if kind == "channel.create"
            else "sandbox.transcript.channel_updated"
        )
        return [f"{who} " + t(key, lang, name=data.get("name"))]
    if kind == "channel.overwrite":
        target = int(data.get("target_id") or 0)
        label = names.roles.get(target) or names.users.get(target) or str(target)
        return [f"{prefix}{who} " + t("sandbox.transcript.overwrite", lang, target=label)]
    if kind in ("member.join", "member.leave"):
        return [f"{who} " + t(f"sandbox.transcript.{kind.split('.')[1]}", lang)]
    if kind in ("member.role_add", "member.role_remove"):
        user = names.users.get(int(data.get("user_id") or 0), "?")
        return [
            f"{who} " + t(f"sandbox.transcript.{kind.split('.')[1]}", lang, role=data.get("role"), user=user)
        ]
    if kind == "reaction.add":
        return [f"{prefix}{who} " + t("sandbox.transcript.reacted", lang, emoji=data.get("emoji"))]
    if kind == "commands.sync":
        return [
            f"{who} "
            + style(
                t(
                    "sandbox.transcript.synced",
                    lang,
                    count=len(data.get("commands") or []),
                    scope=data.get("scope"),
                ),
                DIM,
            )
        ]
    if kind == "webhook.create":
        return [f"{prefix}{who} " + t("sandbox.transcript.webhook", lang, name=data.get("name"))]
    if kind == "http.429":
        return [style(t("sandbox.transcript.rate_limited", lang, path=data.get("path")), RED)]
    if kind == "gateway.resume":
        return [style(t("sandbox.transcript.resumed", lang, count=data.get("replayed")), DIM)]
    if kind == "note":
        if data.get("heading", True):
            return ["", style("── " + str(data.get("text")), BOLD)]
        return [style(str(data.get("text")), DIM)]
    return []


def render_transcript(events: Iterable[Event], names: Names, lang: str = "en", *, color: bool = False) -> str:
    """The whole transcript: one or more lines per shown event, in the record's order."""
    lines: list[str] = []
    for event in events:
        lines += render_event(event, names, lang, color=color)
    return "\n".join(lines) + "\n"
