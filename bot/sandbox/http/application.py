"""Log-in, the application, the gateway address, and application command sync with Discord's rules."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.sandbox import errors as E
from bot.sandbox.http.core import ok, sandbox

routes = web.RouteTableDef()
A = "/api/v10/applications/{application_id}"

LOCALES = frozenset(
    {
        "id",
        "da",
        "de",
        "en-GB",
        "en-US",
        "es-ES",
        "es-419",
        "fr",
        "hr",
        "it",
        "lt",
        "hu",
        "nl",
        "no",
        "pl",
        "pt-BR",
        "ro",
        "fi",
        "sv-SE",
        "vi",
        "tr",
        "cs",
        "el",
        "bg",
        "ru",
        "uk",
        "hi",
        "th",
        "zh-CN",
        "ja",
        "zh-TW",
        "ko",
    }
)
CHAT_INPUT, USER, MESSAGE = 1, 2, 3
SUBCOMMAND, SUBCOMMAND_GROUP = 1, 2

Err = tuple[list[Any], str, str]


def valid_chat_name(name: Any) -> bool:
    """Discord's ``^[-_\\p{L}\\p{N}]{1,32}$``, lowercase where a letter has a lowercase form."""
    return (
        isinstance(name, str)
        and 1 <= len(name) <= 32
        and all(c.isalnum() or c in "-_" for c in name)
        and name == name.lower()
    )


def _check_name(name: Any, where: list[Any], chat: bool) -> list[Err]:
    if chat:
        if not valid_chat_name(name):
            return [(where, "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")]
    elif not isinstance(name, str) or not 1 <= len(name) <= 32:
        return [(where, "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 32 in length.")]
    return []


def _check_localized(item: dict[str, Any], where: list[Any], chat: bool, described: bool) -> list[Err]:
    errs: list[Err] = []
    errs += _check_name(item.get("name"), [*where, "name"], chat)
    for locale, value in (item.get("name_localizations") or {}).items():
        if locale not in LOCALES:
            errs.append(([*where, "name_localizations", locale], "LOCALE_INVALID", "Invalid locale"))
        errs += _check_name(value, [*where, "name_localizations", locale], chat)
    desc = item.get("description") or ""
    if described:
        if not 1 <= len(desc) <= 100:
            errs.append(
                ([*where, "description"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
            )
    elif desc:
        errs.append(
            (
                [*where, "description"],
                "APPLICATION_COMMAND_CONTEXT_MENU_DESCRIPTION",
                "Context menu commands cannot have a description",
            )
        )
    for locale, value in (item.get("description_localizations") or {}).items():
        if locale not in LOCALES:
            errs.append(([*where, "description_localizations", locale], "LOCALE_INVALID", "Invalid locale"))
        if not isinstance(value, str) or not 1 <= len(value) <= 100:
            errs.append(
                (
                    [*where, "description_localizations", locale],
                    "BASE_TYPE_BAD_LENGTH",
                    "Must be between 1 and 100 in length.",
                )
            )
    return errs


def _check_options(options: list[dict[str, Any]], where: list[Any]) -> list[Err]:
    errs: list[Err] = []
    if len(options) > 25:
        errs.append(E.too_long(where, 25))
    seen: set[str] = set()
    optional_seen = False
    for i, opt in enumerate(options):
        here = [*where, i]
        errs += _check_localized(opt, here, chat=True, described=True)
        if opt.get("name") in seen:
            errs.append(
                (
                    [*here, "name"],
                    "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS",
                    "Option names must be unique",
                )
            )
        seen.add(opt.get("name"))
        if opt.get("type") in (SUBCOMMAND, SUBCOMMAND_GROUP):
            errs += _check_options(opt.get("options") or [], [*here, "options"])
            continue
        if opt.get("required"):
            if optional_seen:
                errs.append(
                    (
                        [*here, "required"],
                        "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                        "Required options must be placed before non-required options",
                    )
                )
        else:
            optional_seen = True
        choices = opt.get("choices") or []
        if len(choices) > 25:
            errs.append(E.too_long([*here, "choices"], 25))
        for j, choice in enumerate(choices):
            errs += _check_localized(
                {
                    "name": choice.get("name"),
                    "description": "x",
                    "name_localizations": choice.get("name_localizations"),
                },
                [*here, "choices", j],
                chat=False,
                described=True,
            )
            if len(choice.get("name") or "") > 100:
                errs.append(E.too_long([*here, "choices", j, "name"], 100))
    return errs


def check_commands(commands: list[dict[str, Any]]) -> list[Err]:
    """Discord's rules for a bulk overwrite: names, localizations, descriptions, counts, uniqueness."""
    errs: list[Err] = []
    counts = {CHAT_INPUT: 0, USER: 0, MESSAGE: 0}
    seen: set[tuple[int, str]] = set()
    for i, cmd in enumerate(commands):
        ctype = int(cmd.get("type") or CHAT_INPUT)
        counts[ctype] = counts.get(ctype, 0) + 1
        chat = ctype == CHAT_INPUT
        errs += _check_localized(cmd, [i], chat=chat, described=chat)
        key = (ctype, cmd.get("name"))
        if key in seen:
            errs.append(
                (
                    [i, "name"],
                    "APPLICATION_COMMANDS_DUPLICATE_NAME",
                    "Application command names must be unique",
                )
            )
        seen.add(key)
        if chat:
            errs += _check_options(cmd.get("options") or [], [i, "options"])
    if counts[CHAT_INPUT] > 100:
        errs.append(
            ([], "APPLICATION_COMMAND_TOO_MANY", "Maximum number of chat input commands (100) reached")
        )
    for ctype, label in ((USER, "user"), (MESSAGE, "message")):
        if counts.get(ctype, 0) > 5:
            errs.append(
                (
                    [],
                    "APPLICATION_COMMAND_TOO_MANY",
                    f"Maximum number of {label} context menu commands (5) reached",
                )
            )
    return errs


def _store(
    sb: Any, incoming: list[dict[str, Any]], existing: list[dict[str, Any]], guild_id: int | None
) -> list[dict[str, Any]]:
    by_key = {(c["type"], c["name"]): c for c in existing}
    out = []
    for cmd in incoming:
        ctype = int(cmd.get("type") or CHAT_INPUT)
        old = by_key.get((ctype, cmd["name"]))
        perms = cmd.get("default_member_permissions")
        stored = {
            "id": old["id"] if old else str(sb.world.ids.next()),
            "application_id": str(sb.world.application_id),
            "version": str(sb.world.ids.next()),
            "type": ctype,
            "name": cmd["name"],
            "name_localizations": cmd.get("name_localizations"),
            "description": cmd.get("description") or "",
            "description_localizations": cmd.get("description_localizations"),
            "default_member_permissions": str(perms) if perms is not None else None,
            "dm_permission": cmd.get("dm_permission", True),
            "contexts": cmd.get("contexts"),
            "integration_types": cmd.get("integration_types") or [0],
            "nsfw": bool(cmd.get("nsfw", False)),
            "options": cmd.get("options") or [],
        }
        if guild_id is not None:
            stored["guild_id"] = str(guild_id)
        out.append(stored)
    return out


def _check_app(sb: Any, request: web.Request) -> None:
    if int(request.match_info["application_id"]) != sb.world.application_id:
        raise E.DiscordHTTPError(403, 50001, "Missing Access")


@routes.put(A + "/commands")
async def sync_global(request: web.Request) -> web.Response:
    sb = sandbox(request)
    _check_app(sb, request)
    return _sync(sb, request, None)


@routes.put(A + "/guilds/{guild_id}/commands")
async def sync_guild(request: web.Request) -> web.Response:
    sb = sandbox(request)
    _check_app(sb, request)
    guild = sb.ops.guild(request.match_info["guild_id"])
    return _sync(sb, request, guild.id)


def _sync(sb: Any, request: web.Request, guild_id: int | None) -> web.Response:
    incoming = request.get("body") or []
    errs = check_commands(incoming)
    if errs:
        raise E.invalid_form(*errs)
    existing = sb.world.global_commands if guild_id is None else sb.world.guild_commands.get(guild_id, [])
    stored = _store(sb, incoming, existing, guild_id)
    if guild_id is None:
        sb.world.global_commands = stored
    else:
        sb.world.guild_commands[guild_id] = stored
    sb.record.add(
        "commands.sync",
        actor_id=sb.world.bot_user.id,
        guild_id=guild_id,
        data={"commands": stored, "scope": "global" if guild_id is None else "guild"},
    )
    return ok(stored)


@routes.get(A + "/commands")
async def list_global(request: web.Request) -> web.Response:
    return ok(sandbox(request).world.global_commands)


@routes.get(A + "/guilds/{guild_id}/commands")
async def list_guild(request: web.Request) -> web.Response:
    sb = sandbox(request)
    return ok(sb.world.guild_commands.get(int(request.match_info["guild_id"]), []))


@routes.get("/api/v10/oauth2/applications/@me")
@routes.get("/api/v10/applications/@me")
async def application(request: web.Request) -> web.Response:
    return ok(sandbox(request).world.application_payload())


@routes.get("/api/v10/gateway")
async def gateway(request: web.Request) -> web.Response:
    return ok({"url": sandbox(request).gateway.url.rstrip("/")})


@routes.get("/api/v10/gateway/bot")
async def gateway_bot(request: web.Request) -> web.Response:
    sb = sandbox(request)
    return ok(
        {
            "url": sb.gateway.url.rstrip("/"),
            "shards": 1,
            "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1},
        }
    )
