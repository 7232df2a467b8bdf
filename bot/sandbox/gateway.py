"""The sandbox's gateway: sessions, intents, compression, heartbeats, chunking and resume with replay."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
import zlib
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

from bot.sandbox.permissions import VIEW_CHANNEL

if TYPE_CHECKING:
    from bot.sandbox.record import Record
    from bot.sandbox.world import Channel, Message, World

log = logging.getLogger(__name__)


class Intents:
    GUILDS = 1 << 0
    GUILD_MEMBERS = 1 << 1
    GUILD_PRESENCES = 1 << 8
    GUILD_MESSAGES = 1 << 9
    GUILD_MESSAGE_REACTIONS = 1 << 10
    GUILD_MESSAGE_TYPING = 1 << 11
    DIRECT_MESSAGES = 1 << 12
    DIRECT_MESSAGE_REACTIONS = 1 << 13
    MESSAGE_CONTENT = 1 << 15
    PRIVILEGED = GUILD_MEMBERS | GUILD_PRESENCES | MESSAGE_CONTENT


class Op:
    DISPATCH = 0
    HEARTBEAT = 1
    IDENTIFY = 2
    PRESENCE = 3
    VOICE_STATE = 4
    RESUME = 6
    RECONNECT = 7
    REQUEST_MEMBERS = 8
    INVALID_SESSION = 9
    HELLO = 10
    HEARTBEAT_ACK = 11


REPLAY_LIMIT = 20_000


class _Connection:
    """One websocket: an ordered writer with its own compression context."""

    def __init__(self, ws: web.WebSocketResponse, compress: str | None) -> None:
        self.ws = ws
        self.compress = compress
        self.queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()
        self.session: Session | None = None
        self._zlib = zlib.compressobj() if compress == "zlib-stream" else None
        self._zstd: Any = None
        if compress == "zstd-stream":
            import zstandard

            self._zstd = zstandard.ZstdCompressor().compressobj()
            self._zstd_flush = zstandard.COMPRESSOBJ_FLUSH_BLOCK
        self.writer = asyncio.create_task(self._write())

    def send(self, payload: dict[str, Any]) -> None:
        self.queue.put_nowait(payload)

    async def _write(self) -> None:
        while True:
            payload = await self.queue.get()
            if payload is None or self.ws.closed:
                return
            raw = json.dumps(payload, separators=(",", ":")).encode()
            try:
                if self._zlib is not None:
                    await self.ws.send_bytes(self._zlib.compress(raw) + self._zlib.flush(zlib.Z_SYNC_FLUSH))
                elif self._zstd is not None:
                    await self.ws.send_bytes(self._zstd.compress(raw) + self._zstd.flush(self._zstd_flush))
                else:
                    await self.ws.send_str(raw.decode())
            except (ConnectionError, RuntimeError):
                return

    async def close(self, code: int) -> None:
        self.queue.put_nowait(None)
        with contextlib.suppress(Exception):
            await self.ws.close(code=code)


class Session:
    """A gateway session: survives its connection so that RESUME can replay what was missed."""

    def __init__(self, user_id: int, intents: int) -> None:
        self.id = secrets.token_hex(16)
        self.user_id = user_id
        self.intents = intents
        self.seq = 0
        self.buffer: deque[dict[str, Any]] = deque(maxlen=REPLAY_LIMIT)
        self.connection: _Connection | None = None
        self.alive = True

    def dispatch(self, name: str, data: dict[str, Any]) -> None:
        self.seq += 1
        payload = {"op": Op.DISPATCH, "t": name, "s": self.seq, "d": data}
        self.buffer.append(payload)
        if self.connection is not None:
            self.connection.send(payload)


EVENT_INTENTS: dict[str, int] = {
    "GUILD_CREATE": Intents.GUILDS,
    "GUILD_UPDATE": Intents.GUILDS,
    "GUILD_ROLE_CREATE": Intents.GUILDS,
    "GUILD_ROLE_UPDATE": Intents.GUILDS,
    "CHANNEL_CREATE": Intents.GUILDS,
    "CHANNEL_UPDATE": Intents.GUILDS,
    "CHANNEL_DELETE": Intents.GUILDS,
    "CHANNEL_PINS_UPDATE": Intents.GUILDS,
    "THREAD_CREATE": Intents.GUILDS,
    "THREAD_UPDATE": Intents.GUILDS,
    "THREAD_DELETE": Intents.GUILDS,
    "THREAD_MEMBERS_UPDATE": Intents.GUILD_MEMBERS,
    "GUILD_MEMBER_ADD": Intents.GUILD_MEMBERS,
    "GUILD_MEMBER_UPDATE": Intents.GUILD_MEMBERS,
    "GUILD_MEMBER_REMOVE": Intents.GUILD_MEMBERS,
    "WEBHOOKS_UPDATE": 1 << 5,
    "INTERACTION_CREATE": 0,
    "APPLICATION_COMMAND_PERMISSIONS_UPDATE": 0,
}
GUILD_OR_DM: dict[str, tuple[int, int]] = {
    "MESSAGE_CREATE": (Intents.GUILD_MESSAGES, Intents.DIRECT_MESSAGES),
    "MESSAGE_UPDATE": (Intents.GUILD_MESSAGES, Intents.DIRECT_MESSAGES),
    "MESSAGE_DELETE": (Intents.GUILD_MESSAGES, Intents.DIRECT_MESSAGES),
    "MESSAGE_REACTION_ADD": (Intents.GUILD_MESSAGE_REACTIONS, Intents.DIRECT_MESSAGE_REACTIONS),
    "MESSAGE_REACTION_REMOVE": (Intents.GUILD_MESSAGE_REACTIONS, Intents.DIRECT_MESSAGE_REACTIONS),
    "MESSAGE_REACTION_REMOVE_ALL": (Intents.GUILD_MESSAGE_REACTIONS, Intents.DIRECT_MESSAGE_REACTIONS),
    "MESSAGE_REACTION_REMOVE_EMOJI": (Intents.GUILD_MESSAGE_REACTIONS, Intents.DIRECT_MESSAGE_REACTIONS),
    "TYPING_START": (Intents.GUILD_MESSAGE_TYPING, 1 << 14),
}


class Gateway:
    """Serves the websocket and fans each dispatched event out to the sessions whose intents want it."""

    def __init__(
        self,
        world: World,
        record: Record,
        *,
        privileged_intents: int = Intents.PRIVILEGED,
        heartbeat_interval_ms: int = 41_250,
    ) -> None:
        self.world = world
        self.record = record
        self.privileged_intents = privileged_intents
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.sessions: dict[str, Session] = {}
        self.connections: set[_Connection] = set()
        self.url = ""  # set by the server once bound
        self.identified = asyncio.Event()

    # -- fan-out --------------------------------------------------------------------------------------

    def dispatch(
        self,
        name: str,
        data: dict[str, Any] | Callable[[Session], dict[str, Any] | None],
        *,
        guild_id: int | None = None,
        message: Message | None = None,
        visible_in: Channel | None = None,
    ) -> None:
        """Send an event to every live session that its intents allow; content is stripped as Discord does."""
        if name in GUILD_OR_DM:
            guild_intent, dm_intent = GUILD_OR_DM[name]
            needed = guild_intent if guild_id is not None else dm_intent
        else:
            needed = EVENT_INTENTS.get(name, 0)
        for session in list(self.sessions.values()):
            if not session.alive or (needed and not session.intents & needed):
                continue
            if visible_in is not None and not self._can_view(session, visible_in):
                continue
            payload = data(session) if callable(data) else data
            if payload is None:
                continue
            if message is not None and not self._may_read(session, message):
                payload = dict(payload)
                for key in ("content",):
                    if key in payload:
                        payload[key] = ""
                for key in ("embeds", "attachments", "components"):
                    if key in payload:
                        payload[key] = []
                payload.pop("poll", None)
            session.dispatch(name, payload)

    def _can_view(self, session: Session, channel: Channel) -> bool:
        # Discord sends a channel's messages only to those who can see the channel.
        if channel.guild_id is None:
            return session.user_id in channel.recipients
        return bool(self.world.channel_permissions(channel, session.user_id) & VIEW_CHANNEL)

    def _may_read(self, session: Session, message: Message) -> bool:
        if session.intents & Intents.MESSAGE_CONTENT or message.guild_id is None:
            return True
        return message.author.id == session.user_id or session.user_id in message.mention_users

    def wants(self, flag: int) -> bool:
        return any(s.alive and s.intents & flag for s in self.sessions.values())

    # -- test controls --------------------------------------------------------------------------------

    def drop(self, code: int = 4000) -> int:
        """Cut every connection with a resumable close code; events meanwhile wait for RESUME."""
        count = 0
        for conn in list(self.connections):
            if conn.session is not None:
                conn.session.connection = None
            self.connections.discard(conn)
            asyncio.get_running_loop().create_task(conn.close(code))
            count += 1
        self.record.add("gateway.drop", data={"code": code, "connections": count})
        return count

    def send_reconnect(self) -> None:
        """Ask every client to reconnect and resume (op 7), as Discord does before a restart."""
        for conn in list(self.connections):
            conn.send({"op": Op.RECONNECT, "d": None})

    def live_sessions(self) -> list[Session]:
        return [s for s in self.sessions.values() if s.alive]

    async def close(self) -> None:
        for conn in list(self.connections):
            await conn.close(1001)
        self.connections.clear()

    # -- the websocket --------------------------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(max_msg_size=0, autoping=True)
        await ws.prepare(request)
        compress = request.query.get("compress")
        if compress not in (None, "zlib-stream", "zstd-stream"):
            await ws.close(code=4000)
            return ws
        conn = _Connection(ws, compress)
        self.connections.add(conn)
        self.record.add(
            "gateway.connect",
            data={
                "compress": compress,
                "encoding": request.query.get("encoding"),
                "v": request.query.get("v"),
            },
        )
        conn.send(
            {"op": Op.HELLO, "d": {"heartbeat_interval": self.heartbeat_interval_ms}, "s": None, "t": None}
        )
        try:
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    await self._on_payload(conn, json.loads(msg.data))
                elif msg.type == WSMsgType.BINARY:
                    await ws.close(code=4002)
                elif msg.type == WSMsgType.ERROR:
                    break
        finally:
            self.connections.discard(conn)
            session = conn.session
            close_code = ws.close_code
            if session is not None and session.connection is conn:
                session.connection = None
                if close_code in (1000, 1001):
                    session.alive = False  # a client's clean close ends its session, as on Discord
            conn.queue.put_nowait(None)
            self.record.add(
                "gateway.disconnect", data={"code": close_code, "session": session.id if session else None}
            )
        return ws

    async def _on_payload(self, conn: _Connection, payload: dict[str, Any]) -> None:
        op = payload.get("op")
        data = payload.get("d")
        if op == Op.HEARTBEAT:
            conn.send({"op": Op.HEARTBEAT_ACK, "d": None})
        elif op == Op.IDENTIFY:
            await self._identify(conn, data or {})
        elif op == Op.RESUME:
            await self._resume(conn, data or {})
        elif op == Op.REQUEST_MEMBERS:
            self._request_members(conn, data or {})
        elif op in (Op.PRESENCE, Op.VOICE_STATE):
            return
        else:
            await conn.close(4001)

    async def _identify(self, conn: _Connection, data: dict[str, Any]) -> None:
        if conn.session is not None:
            await conn.close(4005)
            return
        if data.get("token", "").removeprefix("Bot ") != self.world.token:
            await conn.close(4004)
            return
        intents = int(data.get("intents", 0))
        if intents & Intents.PRIVILEGED & ~self.privileged_intents:
            await conn.close(4014)
            return
        session = Session(self.world.bot_user.id, intents)
        self.sessions[session.id] = session
        session.connection = conn
        conn.session = session
        user = self.world.bot_user.payload() | {"verified": True, "mfa_enabled": False, "email": None}
        session.dispatch(
            "READY",
            {
                "v": 10,
                "user": user,
                "guilds": [{"id": str(g), "unavailable": True} for g in self.world.guilds],
                "session_id": session.id,
                "resume_gateway_url": self.url,
                "session_type": "normal",
                "application": {"id": str(self.world.application_id), "flags": 0},
                "private_channels": [],
                "relationships": [],
                "user_settings": {},
                "presences": [],
                "guild_join_requests": [],
                "geo_ordered_rtc_regions": [],
                "auth_session_id_hash": "",
            },
        )
        if intents & Intents.GUILDS:
            for guild in self.world.guilds.values():
                session.dispatch("GUILD_CREATE", self.world.guild_create_payload(guild))
        self.record.add(
            "gateway.identify", data={"intents": intents, "compress": conn.compress, "session": session.id}
        )
        self.identified.set()

    async def _resume(self, conn: _Connection, data: dict[str, Any]) -> None:
        session = self.sessions.get(str(data.get("session_id")))
        if (
            session is None
            or not session.alive
            or str(data.get("token", "")).removeprefix("Bot ") != self.world.token
        ):
            conn.send({"op": Op.INVALID_SESSION, "d": False})
            self.record.add("gateway.resume_refused", data={"session": data.get("session_id")})
            return
        if session.connection is not None and session.connection is not conn:
            old = session.connection
            self.connections.discard(old)
            asyncio.get_running_loop().create_task(old.close(4000))
        seq = int(data.get("seq") or 0)
        missed = [p for p in session.buffer if p["s"] > seq]
        session.connection = conn
        conn.session = session
        for payload in missed:
            conn.send(payload)
        session.dispatch("RESUMED", {})
        self.record.add(
            "gateway.resume",
            data={"session": session.id, "seq": seq, "replayed": len(missed), "compress": conn.compress},
        )

    def _request_members(self, conn: _Connection, data: dict[str, Any]) -> None:
        session = conn.session
        if session is None:
            return
        guild = self.world.guilds.get(int(data.get("guild_id", 0)))
        if guild is None:
            return
        members = list(guild.members.values())
        user_ids = data.get("user_ids")
        if user_ids:
            wanted = {int(u) for u in (user_ids if isinstance(user_ids, list) else [user_ids])}
            members = [m for m in members if m.user.id in wanted]
        elif data.get("query"):
            members = [m for m in members if m.user.username.startswith(data["query"])]
        limit = int(data.get("limit") or 0)
        if limit:
            members = members[:limit]
        chunk: dict[str, Any] = {
            "guild_id": str(guild.id),
            "members": [m.payload() for m in members],
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [],
        }
        if data.get("nonce") is not None:
            chunk["nonce"] = data["nonce"]
        session.dispatch("GUILD_MEMBERS_CHUNK", chunk)
