"""The tree's error handling: user errors become polite text in the user's language; others get an id."""

from __future__ import annotations

from discord import app_commands

from bot.checks import Refused
from bot.errors import UserError
from bot.i18n import lang_from_locale, t
from bot.tree import describe_error


def test_refusals_and_user_errors_are_localized() -> None:
    assert describe_error(Refused("perm.lcm_only"), "fr") == t("perm.lcm_only", "fr")
    assert describe_error(Refused("perm.lcm_only"), "en") == t("perm.lcm_only", "en")
    assert describe_error(Refused("perm.lcm_only"), "fr") != describe_error(Refused("perm.lcm_only"), "en")
    wrapped = app_commands.CommandInvokeError.__new__(app_commands.CommandInvokeError)
    wrapped.original = UserError("error.cooldown", seconds=3)
    assert describe_error(wrapped, "en") == "Please wait 3 s before trying again."


def test_missing_bot_permissions_are_named() -> None:
    text = describe_error(app_commands.BotMissingPermissions(["manage_channels", "manage_roles"]), "en")
    assert text is not None and "Manage Channels, Manage Roles" in text


def test_unexpected_errors_are_not_described() -> None:
    assert describe_error(ZeroDivisionError(), "en") is None


def test_locale_mapping() -> None:
    assert lang_from_locale("fr") == "fr"
    assert lang_from_locale("en-US") == "en"
    assert lang_from_locale("en-GB") == "en"
    assert lang_from_locale("de", fallback="en") == "en"
    assert lang_from_locale(None) == "fr"
