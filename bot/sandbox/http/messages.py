"""Messages, history, pins, reactions, typing and threads."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from aiohttp import web

from bot.sandbox import errors as E
from bot.sandbox import permissions as P
from bot.sandbox.http.core import body, files, no_content, ok, sandbox
from bot.sandbox.world import ChannelType

routes = web.RouteTableDef()
# Registered first: "/messages/pins" must win over "/messages/{message_id}".
early = web.RouteTableDef()
C = "/api/v10/channels/{channel_id}"
M = C + "/messages/{message_id}"


NONCE_WINDOW_SECONDS = 5 * 60  # Discord checks an enforced nonce "in the past few minutes"


@routes.post(C + "/messages")
async def create_message(request: web.Request) -> web.Response:
    sb = sandbox(request)
    channel = sb.ops.channel(request.match_info["channel_id"])
    data = body(request)
    nonce = data.get("nonce")
    if nonce is not None and data.get("enforce_nonce"):
        # The same author sending the same nonce again gets the message already created, not a new one.
        seen = sb.nonces.get((channel.id, str(nonce)))
        if seen is not None and time.monotonic() - seen[1] < NONCE_WINDOW_SECONDS:
            existing = sb.world.messages.get(seen[0])
            if existing is not None and not existing.deleted:
                sb.record.add(
                    "message.nonce_reused",
                    actor_id=sb.world.bot_user.id,
                    channel_id=channel.id,
                    message_id=existing.id,
                    data={"nonce": str(nonce)},
                )
                return ok(sb.world.message_payload(existing))
    message = sb.ops.create_message(channel, sb.world.bot_user, data, files(request), check=True)
    if nonce is not None:
        sb.nonces[(channel.id, str(nonce))] = (message.id, time.monotonic())
    return ok(sb.world.message_payload(message))


@routes.get(C + "/messages")
async def history(request: web.Request) -> web.Response:
    sb = sandbox(request)
    channel = sb.ops.channel(request.match_info["channel_id"])
    sb.ops.require(channel, sb.world.bot_user.id, P.READ_MESSAGE_HISTORY)
    limit = min(int(request.query.get("limit", 50)), 100)
    messages = sb.world.history(channel.id)
    if "before" in request.query:
        messages = [m for m in messages if m.id < int(request.query["before"])]
    if "after" in request.query:
        messages = [m for m in messages if m.id > int(request.query["after"])][:limit]
    if "around" in request.query:
        around = int(request.query["around"])
        older = [m for m in messages if m.id <= around][-(limit // 2 + 1) :]
        newer = [m for m in messages if m.id > around][: limit - len(older)]
        messages = older + newer
    messages = messages[-limit:]
    return ok([sb.world.message_payload(m) for m in reversed(messages)])


@routes.get(M)
async def get_message(request: web.Request) -> web.Response:
    sb = sandbox(request)
    channel = sb.ops.channel(request.match_info["channel_id"])
    sb.ops.require(channel, sb.world.bot_user.id, P.READ_MESSAGE_HISTORY)
    message = sb.ops.message(channel, request.match_info["message_id"])
    if message.ephemeral:
        raise E.unknown("message")
    return ok(sb.world.message_payload(message))


@routes.patch(M)
async def edit_message(request: web.Request) -> web.Response:
    sb = sandbox(request)
    channel = sb.ops.channel(request.match_info["channel_id"])
    message = sb.ops.message(channel, request.match_info["message_id"])
    sb.ops.edit_message(message, body(request), sb.world.bot_user, check=True, files=files(request))
    return ok(sb.world.message_payload(message))


@routes.delete(M)
async def delete_message(request: web.Request) -> web.Response:
    sb = sandbox(request)
    channel = sb.ops.channel(request.match_info["channel_id"])
    message = sb.ops.message(channel, request.match_info["message_id"])
    sb.ops.delete_message(message, sb.world.bot_user, check=True)
    return no_content()


@routes.post(C + "/typing")
async def typing(request: web.Request) -> web.Response:
    sb = sandbox(request)
    channel = sb.ops.channel(request.match_info["channel_id"])
    sb.ops.require(channel, sb.world.bot_user.id, P.VIEW_CHANNEL)
    return no_content()


# -- pins ---------------------------------------------------------------------------------------------


async def _pin(request: web.Request, pinned: bool) -> web.Response:
    sb = sandbox(request)
    channel = sb.ops.channel(request.match_info["channel_id"])
    message = sb.ops.message(channel, request.match_info["message_id"])
    sb.ops.pin(message, sb.world.bot_user, pinned, check=True)
    return no_content()


@early.put(C + "/messages/pins/{message_id}")
@early.put(C + "/pins/{message_id}")
async def pin(request: web.Request) -> web.Response:
    return await _pin(request, True)


@early.delete(C + "/messages/pins/{message_id}")
@early.delete(C + "/pins/{message_id}")
async def unpin(request: web.Request) -> web.Response:
    return await _pin(request, False)


@early.get(C + "/messages/pins")
async def pins(request: web.Request) -> web.Response:
    sb = sandbox(request)
    channel = sb.ops.channel(request.match_info["channel_id"])
    pinned = [m for m in sb.world.history(channel.id) if m.pinned]
    now = datetime.now(UTC).isoformat()
    return ok(
        {
            "items": [{"pinned_at": now, "message": sb.world.message_payload(m)} for m in reversed(pinned)],
            "has_more": False,
        }
    )


@early.get(C + "/pins")
async def pins_legacy(request: web.Request) -> web.Response:
    sb = sandbox(request)
    channel = sb.ops.channel(request.match_info["channel_id"])
    return ok([sb.world.message_payload(m) for m in reversed(sb.world.history(channel.id)) if m.pinned])


# -- reactions ----------------------------------------------------------------------------------------


@routes.put(M + "/reactions/{emoji_name}/@me")
async def add_reaction(request: web.Request) -> web.Response:
    sb = sandbox(request)
    channel = sb.ops.channel(request.match_info["channel_id"])
    message = sb.ops.message(channel, request.match_info["message_id"])
    sb.ops.react(message, request.match_info["emoji_name"], sb.world.bot_user, check=True)
    return no_content()


@routes.delete(M + "/reactions/{emoji_name}/@me")
async def remove_own_reaction(request: web.Request) -> web.Response:
    sb = sandbox(request)
    channel = sb.ops.channel(request.match_info["channel_id"])
    message = sb.ops.message(channel, request.match_info["message_id"])
    sb.ops.react(message, request.match_info["emoji_name"], sb.world.bot_user, add=False)
    return no_content()


@routes.delete(M + "/reactions/{emoji_name}/{user_id}")
async def remove_reaction(request: web.Request) -> web.Response:
    sb = sandbox(request)
    channel = sb.ops.channel(request.match_info["channel_id"])
    message = sb.ops.message(channel, request.match_info["message_id"])
    sb.ops.require(channel, sb.world.bot_user.id, P.MANAGE_MESSAGES)
    user = sb.world.users.get(int(request.match_info["user_id"]))
    if user is None:
        raise E.unknown("user")
    sb.ops.react(message, request.match_info["emoji_name"], user, add=False)
    return no_content()


@routes.get(M + "/reactions/{emoji_name}")
async def reactors(request: web.Request) -> web.Response:
    sb = sandbox(request)
    channel = sb.ops.channel(request.match_info["channel_id"])
    message = sb.ops.message(channel, request.match_info["message_id"])
    users = message.reactions.get(request.match_info["emoji_name"], [])
    return ok([sb.world.users[u].payload() for u in users])


# -- threads ------------------------------------------------------------------------------------------


@routes.post(M + "/threads")
async def thread_from_message(request: web.Request) -> web.Response:
    sb = sandbox(request)
    channel = sb.ops.channel(request.match_info["channel_id"])
    message = sb.ops.message(channel, request.match_info["message_id"])
    thread, _ = sb.ops.create_thread(
        channel, sb.world.bot_user, body(request), from_message=message, check=True
    )
    return ok(sb.world.channel_payload(thread), status=201)


@routes.post(C + "/threads")
async def thread_in_channel(request: web.Request) -> web.Response:
    sb = sandbox(request)
    channel = sb.ops.channel(request.match_info["channel_id"])
    thread, starter = sb.ops.create_thread(
        channel, sb.world.bot_user, body(request), files=files(request), check=True
    )
    data = sb.world.channel_payload(thread)
    if starter is not None:
        data["message"] = sb.world.message_payload(starter)
    if sb.world.bot_user.id in thread.thread_members:
        data["member"] = sb.world.thread_member_payload(thread, sb.world.bot_user.id)
    return ok(data, status=201)


@routes.put(C + "/thread-members/@me")
async def join_thread(request: web.Request) -> web.Response:
    sb = sandbox(request)
    thread = sb.ops.channel(request.match_info["channel_id"])
    if not thread.is_thread:
        raise E.DiscordHTTPError(400, 50024, "Cannot execute action on this channel type")
    sb.ops.join_thread(thread, sb.world.bot_user)
    return no_content()


@routes.put(C + "/thread-members/{user_id}")
async def add_thread_member(request: web.Request) -> web.Response:
    sb = sandbox(request)
    thread = sb.ops.channel(request.match_info["channel_id"])
    user = sb.world.users.get(int(request.match_info["user_id"]))
    if user is None or not thread.is_thread:
        raise E.unknown("user" if user is None else "channel")
    if thread.archived:
        raise E.thread_archived()
    sb.ops.join_thread(thread, user)
    return no_content()


@routes.delete(C + "/thread-members/@me")
async def leave_thread(request: web.Request) -> web.Response:
    sb = sandbox(request)
    thread = sb.ops.channel(request.match_info["channel_id"])
    thread.thread_members.discard(sb.world.bot_user.id)
    return no_content()


@routes.get(C + "/thread-members")
async def thread_members(request: web.Request) -> web.Response:
    sb = sandbox(request)
    thread = sb.ops.channel(request.match_info["channel_id"])
    return ok([sb.world.thread_member_payload(thread, u) for u in sorted(thread.thread_members)])


@routes.get("/api/v10/guilds/{guild_id}/threads/active")
async def active_threads(request: web.Request) -> web.Response:
    sb = sandbox(request)
    guild = sb.ops.guild(request.match_info["guild_id"])
    threads = [t for t in sb.world.guild_channels(guild.id, threads=True) if not t.archived]
    members = [
        sb.world.thread_member_payload(t, sb.world.bot_user.id)
        for t in threads
        if sb.world.bot_user.id in t.thread_members
    ]
    return ok(
        {"threads": [sb.world.channel_payload(t) for t in threads], "members": members, "has_more": False}
    )


@routes.get(C + "/threads/archived/public")
async def archived_threads(request: web.Request) -> web.Response:
    sb = sandbox(request)
    channel = sb.ops.channel(request.match_info["channel_id"])
    threads = [
        t
        for t in sb.world.channels.values()
        if t.parent_id == channel.id and t.is_thread and t.archived and t.type == ChannelType.PUBLIC_THREAD
    ]
    return ok({"threads": [sb.world.channel_payload(t) for t in threads], "members": [], "has_more": False})


@routes.delete(M + "/reactions/{emoji_name}")
async def clear_emoji(request: web.Request) -> web.Response:
    return await _clear(request, request.match_info["emoji_name"])


@routes.delete(M + "/reactions")
async def clear_reactions(request: web.Request) -> web.Response:
    return await _clear(request, None)


async def _clear(request: web.Request, emoji: str | None) -> web.Response:
    sb = sandbox(request)
    channel = sb.ops.channel(request.match_info["channel_id"])
    message = sb.ops.message(channel, request.match_info["message_id"])
    sb.ops.require(channel, sb.world.bot_user.id, P.MANAGE_MESSAGES)
    data = {"channel_id": str(channel.id), "message_id": str(message.id)}
    if channel.guild_id:
        data["guild_id"] = str(channel.guild_id)
    if emoji is None:
        message.reactions.clear()
        name = "MESSAGE_REACTION_REMOVE_ALL"
    else:
        message.reactions.pop(emoji, None)
        eid = emoji.partition(":")[2]
        data["emoji"] = {"id": eid or None, "name": emoji.partition(":")[0]}
        name = "MESSAGE_REACTION_REMOVE_EMOJI"
    sb.record.add(
        "reaction.clear",
        actor_id=sb.world.bot_user.id,
        guild_id=channel.guild_id,
        channel_id=channel.id,
        message_id=message.id,
        data={"emoji": emoji},
    )
    sb.gateway.dispatch(name, data, guild_id=channel.guild_id, visible_in=channel)
    return no_content()
