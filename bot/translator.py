"""Localize command, group, option and choice names and descriptions for Discord's French locale."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.app_commands import TranslationContextLocation as Loc

from bot.i18n import Catalog, catalog


def catalog_key(string: app_commands.locale_str, context: app_commands.TranslationContextTypes) -> str | None:
    """Derive the catalog key of a command string from where it stands."""
    loc, data = context.location, context.data
    if loc in (Loc.command_name, Loc.command_description, Loc.group_name, Loc.group_description):
        if isinstance(data, app_commands.ContextMenu):
            return f"menu.{data.name}" if loc is Loc.command_name else None
        part = "name" if loc in (Loc.command_name, Loc.group_name) else "description"
        return f"cmd.{data.qualified_name.replace(' ', '.')}.{part}"
    if loc in (Loc.parameter_name, Loc.parameter_description):
        part = "name" if loc is Loc.parameter_name else "description"
        return f"cmd.{data.command.qualified_name.replace(' ', '.')}.{data.name}.{part}"
    if loc is Loc.choice_name:
        return f"choice.{data.value}"
    return string.extras.get("key")


class CatalogTranslator(app_commands.Translator):
    """Serve the French names and descriptions from the message catalog."""

    def __init__(self, messages: Catalog | None = None) -> None:
        self.messages = messages or catalog()

    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        if locale is not discord.Locale.french:
            return None
        key = catalog_key(string, context)
        return self.messages.raw(key, "fr") if key else None
