"""Static checks of the command tree against Discord's rules and the message catalog.

It checks the payload that a sync would send, so what it checks is what Discord sees. Used by the
structure tests, and at start-up to log problems before Discord rejects a sync.
"""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands

MAX_NAME = 32
MAX_DESCRIPTION = 100
MAX_MENUS = 5
SUBCOMMAND_TYPES = (1, 2)  # option types of a subcommand and a subcommand group


def valid_slash_name(name: str) -> bool:
    """Discord's rule for slash names: lowercase, ``^[-_\\p{L}\\p{N}]{1,32}$``."""
    return (
        0 < len(name) <= MAX_NAME
        and all(ch.isalpha() or ch.isnumeric() or ch in "-_" for ch in name)
        and name == name.lower()
    )


def _named_problems(where: str, item: dict[str, Any], locale: str, *, slash: bool = True) -> list[str]:
    problems: list[str] = []
    name = item.get("name", "")
    local_name = (item.get("name_localizations") or {}).get(locale)
    if slash and not valid_slash_name(name):
        problems.append(f"{where}: invalid name {name!r}")
    if not local_name:
        problems.append(f"{where}: no {locale} name")
    elif slash and not valid_slash_name(local_name):
        problems.append(f"{where}: invalid {locale} name {local_name!r} (lowercase letters, digits, - and _)")
    if not slash:
        return problems
    description = item.get("description") or ""
    if not description.strip() or description in ("…", "..."):
        problems.append(f"{where}: missing description")
    elif len(description) > MAX_DESCRIPTION:
        problems.append(f"{where}: description longer than {MAX_DESCRIPTION} characters")
    local_desc = (item.get("description_localizations") or {}).get(locale)
    if not local_desc:
        problems.append(f"{where}: no {locale} description")
    elif len(local_desc) > MAX_DESCRIPTION:
        problems.append(f"{where}: {locale} description longer than {MAX_DESCRIPTION} characters")
    return problems


def _walk_options(where: str, options: list[dict[str, Any]], locale: str) -> list[str]:
    problems: list[str] = []
    names = [opt["name"] for opt in options]
    for dup in sorted({n for n in names if names.count(n) > 1}):
        problems.append(f"{where} {dup}: defined twice")
    local = [(opt.get("name_localizations") or {}).get(locale) for opt in options]
    for dup in sorted({n for n in local if n and local.count(n) > 1}):
        problems.append(f"{where}: {locale} name {dup!r} used twice")
    for opt in options:
        sub = f"{where} {opt['name']}" if opt.get("type") in SUBCOMMAND_TYPES else f"{where} [{opt['name']}]"
        problems.extend(_named_problems(sub, opt, locale))
        for choice in opt.get("choices") or []:
            if not (choice.get("name_localizations") or {}).get(locale):
                problems.append(f"{sub} choice {choice.get('value')!r}: no {locale} name")
        problems.extend(_walk_options(sub, opt.get("options") or [], locale))
    return problems


async def command_problems(
    tree: app_commands.CommandTree, translator: app_commands.Translator, locale: str = "fr"
) -> list[str]:
    """Every rule the tree breaks: names, descriptions, localizations, duplicates, menu counts."""
    problems: list[str] = []
    payloads = [await cmd.get_translated_payload(tree, translator) for cmd in tree.get_commands()]
    slash = [p for p in payloads if p.get("type", 1) == 1]
    names = [p["name"] for p in slash]
    for dup in sorted({n for n in names if names.count(n) > 1}):
        problems.append(f"/{dup}: defined twice")
    for payload in slash:
        where = f"/{payload['name']}"
        problems.extend(_named_problems(where, payload, locale))
        problems.extend(_walk_options(where, payload.get("options") or [], locale))
    for kind, label in (
        (discord.AppCommandType.message.value, "message"),
        (discord.AppCommandType.user.value, "user"),
    ):
        menus = [p for p in payloads if p.get("type") == kind]
        if len(menus) > MAX_MENUS:
            problems.append(f"{len(menus)} {label} context menus (Discord allows {MAX_MENUS})")
        for menu in menus:
            problems.extend(_named_problems(f"{label} menu {menu['name']!r}", menu, locale, slash=False))
    return problems
