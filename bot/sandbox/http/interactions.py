"""Interaction callbacks, follow-ups and ``@original`` edits; channel webhooks and their execution."""

from __future__ import annotations

import time
from typing import Any

from aiohttp import web

from bot.sandbox import errors as E
from bot.sandbox import permissions as P
from bot.sandbox.http.core import body, files, flag, no_content, ok, sandbox
from bot.sandbox.world import ChannelType, Interaction, Message, MessageFlags, User, Webhook

routes = web.RouteTableDef()
W = "/api/v10/webhooks/{webhook_id}/{webhook_token}"

CHANNEL_MESSAGE, DEFERRED_MESSAGE, DEFERRED_UPDATE, UPDATE_MESSAGE, AUTOCOMPLETE, MODAL = 4, 5, 6, 7, 8, 9


def _interaction(sb: Any, interaction_id: str, token: str) -> Interaction:
    inter = sb.world.interactions.get(token)
    if inter is None or str(inter.id) != interaction_id:
        raise E.unknown("interaction")
    return inter


def _check_modal(data: dict[str, Any]) -> None:
    errs = []
    if not 1 <= len(data.get("title") or "") <= 45:
        errs.append((["data", "title"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 45 in length."))
    if not 1 <= len(data.get("custom_id") or "") <= 100:
        errs.append((["data", "custom_id"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length."))
    if not 1 <= len(data.get("components") or []) <= 5:
        errs.append((["data", "components"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 5 in length."))
    if errs:
        raise E.invalid_form(*errs)


@routes.post("/api/v10/interactions/{interaction_id}/{interaction_token}/callback")
async def callback(request: web.Request) -> web.Response:
    sb = sandbox(request)
    inter = _interaction(sb, request.match_info["interaction_id"], request.match_info["interaction_token"])
    if inter.responded:
        raise E.already_acknowledged()
    if time.monotonic() - inter.created_at > sb.interaction_deadline:
        # Too late: Discord has already told the member "The application did not respond".
        sb.record.add(
            "interaction.expired",
            guild_id=inter.guild_id,
            channel_id=inter.channel_id,
            data={"interaction_id": str(inter.id)},
        )
        raise E.unknown("interaction")
    data = body(request)
    ctype = int(data.get("type") or 0)
    payload = data.get("data") or {}
    channel = sb.ops.channel(inter.channel_id)
    bot = sb.world.bot_user
    message: Message | None = None
    common = {"interaction_id": inter.id, "interaction_user_id": inter.user_id}
    if ctype == CHANNEL_MESSAGE:
        message = sb.ops.create_message(
            channel, bot, payload, files(request), msg_type=20 if inter.type == 2 else 0, **common
        )
    elif ctype == DEFERRED_MESSAGE:
        message = sb.ops.create_message(
            channel,
            bot,
            {"flags": payload.get("flags") or 0},
            allow_empty=True,
            extra_flags=MessageFlags.LOADING,
            msg_type=20 if inter.type == 2 else 0,
            **common,
        )
    elif ctype in (DEFERRED_UPDATE, UPDATE_MESSAGE):
        if inter.message_id is None:
            raise E.DiscordHTTPError(
                400,
                50035,
                "Invalid Form Body",
                {
                    "type": {
                        "_errors": [
                            {
                                "code": "INTERACTION_RESPONSE_TYPE_INVALID",
                                "message": "Interaction has no message",
                            }
                        ]
                    }
                },
            )
        message = sb.world.messages[inter.message_id]
        if ctype == UPDATE_MESSAGE:
            sb.ops.edit_message(message, payload, bot, files=files(request))
    elif ctype == AUTOCOMPLETE:
        choices = payload.get("choices") or []
        if len(choices) > 25:
            raise E.invalid_form(E.too_long(["data", "choices"], 25))
        inter.autocomplete_choices = choices
    elif ctype == MODAL:
        _check_modal(payload)
        inter.modal = payload
    else:
        raise E.invalid_form((["type"], "BASE_TYPE_CHOICES", "Value must be one of (4, 5, 6, 7, 8, 9)."))
    inter.responded = True
    inter.response_type = ctype
    if message is not None:
        inter.original_message_id = message.id
    ephemeral = bool(message.ephemeral) if message is not None else False
    sb.record.add(
        "interaction.response",
        actor_id=bot.id,
        guild_id=inter.guild_id,
        channel_id=inter.channel_id,
        message_id=message.id if message else None,
        ephemeral=ephemeral,
        data={
            "interaction_id": str(inter.id),
            "type": ctype,
            "data": payload,
            "message": sb.world.message_payload(message) if message else None,
        },
    )
    if not flag(request, "with_response"):
        return no_content()
    info: dict[str, Any] = {
        "id": str(inter.id),
        "type": inter.type,
        "response_message_loading": ctype == DEFERRED_MESSAGE,
        "response_message_ephemeral": ephemeral,
    }
    if message is not None and ctype in (CHANNEL_MESSAGE, DEFERRED_MESSAGE, UPDATE_MESSAGE):
        info["response_message_id"] = str(message.id)
    out: dict[str, Any] = {"interaction": info}
    if message is not None and ctype in (CHANNEL_MESSAGE, UPDATE_MESSAGE):
        # Discord describes a resource only for a message sent or updated, not for a deferral.
        out["resource"] = {"type": ctype, "message": sb.world.message_payload(message)}
    return ok(out)


# -- webhooks: follow-ups and execution ---------------------------------------------------------------


def _target(sb: Any, request: web.Request) -> Interaction | Webhook:
    hook_id, token = int(request.match_info["webhook_id"]), request.match_info["webhook_token"]
    if hook_id == sb.world.application_id:
        inter = sb.world.interactions.get(token)
        if inter is None or not inter.responded:
            raise E.unknown("webhook")
        return inter
    hook = sb.world.webhooks.get(hook_id)
    if hook is None or hook.token != token:
        raise E.unknown("webhook")
    return hook


@routes.post(W)
async def execute(request: web.Request) -> web.Response:
    sb = sandbox(request)
    target = _target(sb, request)
    data = body(request)
    if isinstance(target, Interaction):
        channel = sb.ops.channel(target.channel_id)
        message = sb.ops.create_message(
            channel,
            sb.world.bot_user,
            data,
            files(request),
            interaction_id=target.id,
            interaction_user_id=target.user_id,
        )
        target.followup_ids.append(message.id)
        sb.record.add(
            "interaction.followup",
            actor_id=sb.world.bot_user.id,
            guild_id=target.guild_id,
            channel_id=channel.id,
            message_id=message.id,
            ephemeral=message.ephemeral,
            data={"interaction_id": str(target.id), "message": sb.world.message_payload(message)},
        )
    else:
        channel = sb.ops.channel(request.query.get("thread_id") or target.channel_id)
        name = data.get("username") or target.name
        if len(name) > 80:
            raise E.invalid_form(E.too_long(["username"], 80))
        author = User(id=target.id, username=name, bot=True, avatar=None)
        data = {k: v for k, v in data.items() if k != "flags"} | {
            "flags": int(data.get("flags") or 0) & ~MessageFlags.EPHEMERAL
        }
        if channel.type == ChannelType.GUILD_FORUM:
            # A webhook posting to a forum opens a post named ``thread_name`` (Discord: 220001 without one).
            if not data.get("thread_name"):
                raise E.DiscordHTTPError(
                    400, 220001, "Webhooks posted to forum channels must have a thread_name or thread_id"
                )
            post = {k: v for k, v in data.items() if k not in ("thread_name", "applied_tags")}
            _, starter = sb.ops.create_thread(
                channel,
                author,
                {
                    "name": data["thread_name"],
                    "applied_tags": data.get("applied_tags") or [],
                    "message": post,
                },
                files=files(request),
                webhook_id=target.id,
            )
            assert starter is not None
            message = starter
        else:
            message = sb.ops.create_message(channel, author, data, files(request), webhook_id=target.id)
        sb.record.events[-1].data["webhook_avatar_url"] = data.get("avatar_url")
    if not flag(request, "wait"):
        return no_content()
    return ok(sb.world.message_payload(message))


def _webhook_message(sb: Any, target: Interaction | Webhook, raw_id: str) -> Message:
    if raw_id == "@original":
        if not isinstance(target, Interaction) or target.original_message_id is None:
            raise E.unknown("message")
        message_id = target.original_message_id
    else:
        message_id = int(raw_id)
    message = sb.world.messages.get(message_id)
    if message is None or message.deleted:
        raise E.unknown("message")
    if isinstance(target, Webhook) and message.webhook_id != target.id:
        raise E.unknown("message")
    if (
        isinstance(target, Interaction)
        and message.interaction_id != target.id
        and message.id != target.message_id
    ):
        raise E.unknown("message")
    return message


@routes.get(W + "/messages/{message_id}")
async def get_webhook_message(request: web.Request) -> web.Response:
    sb = sandbox(request)
    message = _webhook_message(sb, _target(sb, request), request.match_info["message_id"])
    return ok(sb.world.message_payload(message))


@routes.patch(W + "/messages/{message_id}")
async def edit_webhook_message(request: web.Request) -> web.Response:
    sb = sandbox(request)
    target = _target(sb, request)
    message = _webhook_message(sb, target, request.match_info["message_id"])
    sb.ops.edit_message(message, body(request), sb.world.bot_user, files=files(request))
    return ok(sb.world.message_payload(message))


@routes.delete(W + "/messages/{message_id}")
async def delete_webhook_message(request: web.Request) -> web.Response:
    sb = sandbox(request)
    message = _webhook_message(sb, _target(sb, request), request.match_info["message_id"])
    sb.ops.delete_message(message, sb.world.bot_user)
    return no_content()


@routes.get(W)
async def get_webhook_with_token(request: web.Request) -> web.Response:
    sb = sandbox(request)
    target = _target(sb, request)
    if not isinstance(target, Webhook):
        raise E.unknown("webhook")
    return ok(sb.world.webhook_payload(target, with_token=False))


@routes.post("/api/v10/channels/{channel_id}/webhooks")
async def create_webhook(request: web.Request) -> web.Response:
    sb = sandbox(request)
    channel = sb.ops.channel(request.match_info["channel_id"])
    sb.ops.require(channel, sb.world.bot_user.id, P.MANAGE_WEBHOOKS)
    name = body(request).get("name") or ""
    if not 1 <= len(name) <= 80:
        raise E.invalid_form((["name"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 80 in length."))
    if "clyde" in name.lower() or "discord" in name.lower():
        raise E.invalid_form(
            (["name"], "WEBHOOK_INVALID_NAME", "Webhook names cannot contain 'clyde' or 'discord'")
        )
    hook = Webhook(
        id=sb.world.ids.next(),
        token=sb.ops.new_token(),
        channel_id=channel.id,
        guild_id=channel.guild_id or 0,
        name=name,
        creator_id=sb.world.bot_user.id,
    )
    sb.world.webhooks[hook.id] = hook
    sb.record.add(
        "webhook.create",
        actor_id=sb.world.bot_user.id,
        guild_id=channel.guild_id,
        channel_id=channel.id,
        data=sb.world.webhook_payload(hook, with_token=False),
    )
    sb.gateway.dispatch(
        "WEBHOOKS_UPDATE",
        {"guild_id": str(channel.guild_id), "channel_id": str(channel.id)},
        guild_id=channel.guild_id,
    )
    return ok(sb.world.webhook_payload(hook))


@routes.get("/api/v10/channels/{channel_id}/webhooks")
async def channel_webhooks(request: web.Request) -> web.Response:
    sb = sandbox(request)
    channel = sb.ops.channel(request.match_info["channel_id"])
    sb.ops.require(channel, sb.world.bot_user.id, P.MANAGE_WEBHOOKS)
    return ok([sb.world.webhook_payload(h) for h in sb.world.webhooks.values() if h.channel_id == channel.id])


@routes.get("/api/v10/guilds/{guild_id}/webhooks")
async def guild_webhooks(request: web.Request) -> web.Response:
    sb = sandbox(request)
    guild = sb.ops.guild(request.match_info["guild_id"])
    sb.ops.require_guild(guild, sb.world.bot_user.id, P.MANAGE_WEBHOOKS)
    return ok([sb.world.webhook_payload(h) for h in sb.world.webhooks.values() if h.guild_id == guild.id])


@routes.get("/api/v10/webhooks/{webhook_id}")
async def get_webhook(request: web.Request) -> web.Response:
    sb = sandbox(request)
    hook = sb.world.webhooks.get(int(request.match_info["webhook_id"]))
    if hook is None:
        raise E.unknown("webhook")
    return ok(sb.world.webhook_payload(hook))


@routes.delete("/api/v10/webhooks/{webhook_id}")
async def delete_webhook(request: web.Request) -> web.Response:
    sb = sandbox(request)
    hook = sb.world.webhooks.pop(int(request.match_info["webhook_id"]), None)
    if hook is None:
        raise E.unknown("webhook")
    return no_content()
