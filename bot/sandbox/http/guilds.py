"""Channels, permission overwrites, guilds, roles, members, users and DMs."""

from __future__ import annotations

from aiohttp import web

from bot.sandbox import errors as E
from bot.sandbox import permissions as P
from bot.sandbox.http.core import body, flag, no_content, ok, sandbox

routes = web.RouteTableDef()
C = "/api/v10/channels/{channel_id}"
G = "/api/v10/guilds/{guild_id}"


@routes.get(C)
async def get_channel(request: web.Request) -> web.Response:
    sb = sandbox(request)
    channel = sb.ops.channel(request.match_info["channel_id"])
    if (
        channel.guild_id is not None
        and not sb.world.channel_permissions(channel, sb.world.bot_user.id) & P.VIEW_CHANNEL
    ):
        raise E.missing_access()
    return ok(sb.world.channel_payload(channel))


@routes.patch(C)
async def edit_channel(request: web.Request) -> web.Response:
    sb = sandbox(request)
    channel = sb.ops.channel(request.match_info["channel_id"])
    sb.ops.update_channel(channel, body(request), sb.world.bot_user, check=True)
    return ok(sb.world.channel_payload(channel))


@routes.delete(C)
async def delete_channel(request: web.Request) -> web.Response:
    sb = sandbox(request)
    channel = sb.ops.channel(request.match_info["channel_id"])
    need = P.MANAGE_THREADS if channel.is_thread else P.MANAGE_CHANNELS
    sb.ops.require(channel, sb.world.bot_user.id, need)
    payload = sb.world.channel_payload(channel)
    del sb.world.channels[channel.id]
    sb.record.add(
        "channel.delete",
        actor_id=sb.world.bot_user.id,
        guild_id=channel.guild_id,
        channel_id=channel.id,
        data=payload,
    )
    sb.gateway.dispatch(
        "THREAD_DELETE" if channel.is_thread else "CHANNEL_DELETE", payload, guild_id=channel.guild_id
    )
    return ok(payload)


@routes.put(C + "/permissions/{overwrite_id}")
async def put_overwrite(request: web.Request) -> web.Response:
    sb = sandbox(request)
    channel = sb.ops.channel(request.match_info["channel_id"])
    sb.ops.set_overwrite(
        channel, sb.world.bot_user, int(request.match_info["overwrite_id"]), body(request), check=True
    )
    return no_content()


@routes.delete(C + "/permissions/{overwrite_id}")
async def delete_overwrite(request: web.Request) -> web.Response:
    sb = sandbox(request)
    channel = sb.ops.channel(request.match_info["channel_id"])
    sb.ops.set_overwrite(
        channel, sb.world.bot_user, int(request.match_info["overwrite_id"]), None, check=True
    )
    return no_content()


@routes.get(G)
async def get_guild(request: web.Request) -> web.Response:
    sb = sandbox(request)
    guild = sb.ops.guild(request.match_info["guild_id"])
    data = sb.world.guild_payload(guild)
    if flag(request, "with_counts"):
        data.update(approximate_member_count=len(guild.members), approximate_presence_count=0)
    return ok(data)


@routes.get(G + "/channels")
async def guild_channels(request: web.Request) -> web.Response:
    sb = sandbox(request)
    guild = sb.ops.guild(request.match_info["guild_id"])
    return ok([sb.world.channel_payload(c) for c in sb.world.guild_channels(guild.id)])


@routes.post(G + "/channels")
async def create_channel(request: web.Request) -> web.Response:
    sb = sandbox(request)
    guild = sb.ops.guild(request.match_info["guild_id"])
    channel = sb.ops.create_channel(guild, sb.world.bot_user, body(request), check=True)
    return ok(sb.world.channel_payload(channel), status=201)


@routes.patch(G + "/channels")
async def move_channels(request: web.Request) -> web.Response:
    sb = sandbox(request)
    guild = sb.ops.guild(request.match_info["guild_id"])
    sb.ops.require_guild(guild, sb.world.bot_user.id, P.MANAGE_CHANNELS)
    items = request.get("body") or []
    for item in items:
        channel = sb.ops.channel(item["id"])
        if channel.guild_id != guild.id:
            raise E.unknown("channel")
        change = {k: item[k] for k in ("position", "parent_id", "lock_permissions") if k in item}
        sb.ops.update_channel(channel, change, sb.world.bot_user, check=True)
    return no_content()


@routes.get(G + "/roles")
async def roles(request: web.Request) -> web.Response:
    sb = sandbox(request)
    guild = sb.ops.guild(request.match_info["guild_id"])
    return ok([r.payload() for r in guild.roles.values()])


@routes.post(G + "/roles")
async def create_role(request: web.Request) -> web.Response:
    sb = sandbox(request)
    guild = sb.ops.guild(request.match_info["guild_id"])
    sb.ops.require_guild(guild, sb.world.bot_user.id, P.MANAGE_ROLES)
    data = body(request)
    me = guild.members[sb.world.bot_user.id]
    wanted = int(data.get("permissions") or 0)
    if wanted & ~P.base(guild, me):
        raise E.missing_permissions()
    role = sb.world.add_role(
        guild, data.get("name") or "new role", permissions=wanted, mentionable=bool(data.get("mentionable"))
    )
    role.color = int(data.get("color") or 0)
    role.hoist = bool(data.get("hoist"))
    sb.record.add("role.create", actor_id=sb.world.bot_user.id, guild_id=guild.id, data=role.payload())
    sb.gateway.dispatch(
        "GUILD_ROLE_CREATE", {"guild_id": str(guild.id), "role": role.payload()}, guild_id=guild.id
    )
    return ok(role.payload())


@routes.get(G + "/members")
async def list_members(request: web.Request) -> web.Response:
    sb = sandbox(request)
    guild = sb.ops.guild(request.match_info["guild_id"])
    after = int(request.query.get("after", 0))
    limit = int(request.query.get("limit", 1))
    members = sorted((m for m in guild.members.values() if m.user.id > after), key=lambda m: m.user.id)
    return ok([m.payload() for m in members[:limit]])


@routes.get(G + "/members/{user_id}")
async def get_member(request: web.Request) -> web.Response:
    sb = sandbox(request)
    guild = sb.ops.guild(request.match_info["guild_id"])
    member = guild.members.get(int(request.match_info["user_id"]))
    if member is None:
        raise E.unknown("member")
    return ok(member.payload())


@routes.patch(G + "/members/{user_id}")
async def edit_member(request: web.Request) -> web.Response:
    sb = sandbox(request)
    guild = sb.ops.guild(request.match_info["guild_id"])
    member = guild.members.get(int(request.match_info["user_id"]))
    if member is None:
        raise E.unknown("member")
    data = body(request)
    if "roles" in data:
        wanted = {int(r) for r in data["roles"] or []}
        for role_id in wanted - set(member.roles):
            sb.ops.set_role(guild, member, role_id, sb.world.bot_user, add=True, check=True)
        for role_id in set(member.roles) - wanted:
            sb.ops.set_role(guild, member, role_id, sb.world.bot_user, add=False, check=True)
    if "nick" in data:
        sb.ops.require_guild(guild, sb.world.bot_user.id, 1 << 27)
        member.nick = data["nick"]
    return ok(member.payload())


@routes.put(G + "/members/{user_id}/roles/{role_id}")
async def add_role(request: web.Request) -> web.Response:
    return await _role(request, add=True)


@routes.delete(G + "/members/{user_id}/roles/{role_id}")
async def remove_role(request: web.Request) -> web.Response:
    return await _role(request, add=False)


async def _role(request: web.Request, *, add: bool) -> web.Response:
    sb = sandbox(request)
    guild = sb.ops.guild(request.match_info["guild_id"])
    member = guild.members.get(int(request.match_info["user_id"]))
    if member is None:
        raise E.unknown("member")
    sb.ops.set_role(guild, member, int(request.match_info["role_id"]), sb.world.bot_user, add=add, check=True)
    return no_content()


@routes.get("/api/v10/users/{user_id}")
async def get_user(request: web.Request) -> web.Response:
    sb = sandbox(request)
    raw = request.match_info["user_id"]
    user = sb.world.bot_user if raw == "@me" else sb.world.users.get(int(raw))
    if user is None:
        raise E.unknown("user")
    data = user.payload()
    if raw == "@me":
        data.update(verified=True, mfa_enabled=False, email=None, locale="en-US", premium_type=0)
    return ok(data)


@routes.post("/api/v10/users/@me/channels")
async def open_dm(request: web.Request) -> web.Response:
    sb = sandbox(request)
    user = sb.world.users.get(int(body(request).get("recipient_id") or 0))
    if user is None:
        raise E.unknown("user")
    channel = sb.ops.dm_channel(sb.world.bot_user, user)
    sb.record.add(
        "dm.open", actor_id=sb.world.bot_user.id, channel_id=channel.id, data={"recipient_id": str(user.id)}
    )
    return ok(sb.world.channel_payload(channel))


@routes.patch(G + "/roles/{role_id}")
async def edit_role(request: web.Request) -> web.Response:
    sb = sandbox(request)
    guild = sb.ops.guild(request.match_info["guild_id"])
    role = guild.roles.get(int(request.match_info["role_id"]))
    if role is None:
        raise E.unknown("role")
    bot_id = sb.world.bot_user.id
    sb.ops.require_guild(guild, bot_id, P.MANAGE_ROLES)
    me = guild.members[bot_id]
    mine = P.base(guild, me)
    top = max((guild.roles[r].position for r in me.roles if r in guild.roles), default=0)
    if mine != P.ALL and (role.position >= top or role.managed):
        raise E.missing_permissions()
    data = body(request)
    if data.get("permissions") is not None:
        wanted = int(data["permissions"])
        if mine != P.ALL and (wanted ^ role.permissions) & ~mine:
            raise E.missing_permissions()
        role.permissions = wanted
    if data.get("name") is not None:
        if not 1 <= len(data["name"]) <= 100:
            raise E.invalid_form(E.too_long(["name"], 100))
        role.name = data["name"]
    for key in ("hoist", "mentionable"):
        if data.get(key) is not None:
            setattr(role, key, bool(data[key]))
    if data.get("color") is not None:
        role.color = int(data["color"])
    sb.record.add("role.update", actor_id=bot_id, guild_id=guild.id, data=role.payload())
    sb.gateway.dispatch(
        "GUILD_ROLE_UPDATE", {"guild_id": str(guild.id), "role": role.payload()}, guild_id=guild.id
    )
    return ok(role.payload())
