"""The test kit: run a bot against the sandbox, act as members, and wait for what the bot did.

::

    async with Sandbox() as sb:
        room = seed_classroom(sb.world)
        kit = Kit(sb, room)
        async with run_client(sb, my_bot):
            msg = await kit.learner(0).say(room.general, "hello")
            reply = await kit.wait_message(channel=room.general, after=msg)
            handle = await kit.lcm.slash("lcm status", room.general)
            event = await handle.reply()
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from bot.sandbox import permissions as P
from bot.sandbox.actors import DEFAULT_TIMEOUT, Actor, InteractionHandle, custom_ids, text_of
from bot.sandbox.record import Event
from bot.sandbox.runner import BotProcess, lcm_settings, pointed_at, run_client, run_lcm_bot
from bot.sandbox.seed import Classroom
from bot.sandbox.server import Sandbox
from bot.sandbox.world import Channel, Message, User

# Actors and runners live in their own modules; they are re-exported here, where tests look for them.
__all__ = [
    "Actor",
    "BotProcess",
    "InteractionHandle",
    "Kit",
    "custom_ids",
    "lcm_settings",
    "pointed_at",
    "run_client",
    "run_lcm_bot",
    "text_of",
]


# -- the kit ------------------------------------------------------------------------------------------


class Kit:
    """Actors for the seeded members, and awaitable assertions on the sandbox's record."""

    def __init__(self, sandbox: Sandbox, classroom: Classroom | None = None) -> None:
        self.sandbox = sandbox
        self.room = classroom

    def actor(self, user: User) -> Actor:
        return Actor(self, user, self.room.guild.id if self.room else None)

    @property
    def lcm(self) -> Actor:
        assert self.room is not None
        return self.actor(self.room.lcm)

    @property
    def trainer(self) -> Actor:
        assert self.room is not None
        return self.actor(self.room.trainer)

    def learner(self, index: int = 0) -> Actor:
        assert self.room is not None
        return self.actor(self.room.learners[index])

    def new_member(self, username: str, *, locale: str = "fr", accepts_dms: bool = True) -> Actor:
        """A user who is not yet in the guild (call ``join``)."""
        return self.actor(self.sandbox.world.add_user(username, locale=locale, accepts_dms=accepts_dms))

    def mark(self) -> int:
        return self.sandbox.record.mark()

    async def wait_event(
        self,
        kind: str,
        predicate: Callable[[Event], bool] | None = None,
        *,
        after: int | Message | None = None,
        timeout: float = DEFAULT_TIMEOUT,  # noqa: ASYNC109
    ) -> Event:
        start = self._after(after)
        return await self.sandbox.record.wait_for(
            lambda e: e.kind == kind and (predicate is None or predicate(e)),
            after=start,
            timeout=timeout,
            what=kind,
        )

    async def wait_message(
        self,
        *,
        channel: Channel | int | None = None,
        author: User | Actor | None = None,
        contains: str | None = None,
        predicate: Callable[[Event], bool] | None = None,
        after: int | Message | None = None,
        ephemeral: bool | None = None,
        timeout: float = DEFAULT_TIMEOUT,  # noqa: ASYNC109
    ) -> Event:
        """The next message (by default from the bot) matching every given condition."""
        author_id = author.id if author is not None else self.sandbox.world.bot_user.id
        channel_id = channel.id if isinstance(channel, Channel) else channel

        def match(e: Event) -> bool:
            return (
                e.kind == "message.create"
                and e.actor_id == author_id
                and (channel_id is None or e.channel_id == channel_id)
                and (ephemeral is None or e.ephemeral == ephemeral)
                and (contains is None or contains in text_of(e))
                and (predicate is None or predicate(e))
            )

        what = (
            f"message from {author_id}"
            + (f" in {channel_id}" if channel_id else "")
            + (f" containing {contains!r}" if contains else "")
        )
        return await self.sandbox.record.wait_for(match, after=self._after(after), timeout=timeout, what=what)

    async def expect_silence(
        self,
        *,
        after: int,
        kinds: tuple[str, ...] = ("message.create",),
        settle: Callable[[], Any] | None = None,
    ) -> None:
        """Assert the bot made no change of ``kinds`` since ``after`` (once a later event proves progress)."""
        found = [
            e
            for e in self.sandbox.record.of_kind(*kinds, after=after)
            if e.actor_id == self.sandbox.world.bot_user.id
        ]
        if found:
            raise AssertionError(f"expected no {kinds} from the bot, got {found}")

    def _after(self, after: int | Message | None) -> int:
        if after is None:
            return 0
        if isinstance(after, Message):
            for event in reversed(self.sandbox.record.events):
                if event.message_id == after.id and event.kind == "message.create":
                    return event.seq
            return 0
        return after

    # -- the state of the world, as the members see it ---------------------------------------------

    def channel(self, channel_id: int | Channel) -> Channel:
        """The sandbox's channel or thread (current state)."""
        cid = channel_id.id if isinstance(channel_id, Channel) else int(channel_id)
        return self.sandbox.world.channels[cid]

    async def auto_archive(self, thread: int | Channel) -> None:
        """Archive a thread as Discord does after its inactivity delay (no one's action)."""
        post = self.channel(thread)
        post.archived = True
        post.archive_timestamp = datetime.now(UTC)
        payload = self.sandbox.world.channel_payload(post)
        self.sandbox.record.add("thread.update", guild_id=post.guild_id, channel_id=post.id, data=payload)
        self.sandbox.gateway.dispatch("THREAD_UPDATE", payload, guild_id=post.guild_id, visible_in=post)
        await asyncio.sleep(0)

    def tag_names(self, thread: int | Channel) -> list[str]:
        """The names of the tags applied to a forum post."""
        post = self.channel(thread)
        forum = self.channel(post.parent_id or 0)
        names = {int(t["id"]): t["name"] for t in forum.available_tags}
        return [names.get(t, str(t)) for t in post.applied_tags]

    def permissions(self, channel: int | Channel, who: User | Actor) -> int:
        """Someone's permissions in a channel, computed as Discord does."""
        return self.sandbox.world.channel_permissions(self.channel(channel), who.id)

    def can(self, who: User | Actor, flag: int, channel: int | Channel) -> bool:
        return P.has(self.permissions(channel, who), flag)

    def pinged(self, event: Event) -> list[str]:
        """Who a message pinged, by name: ``@user``, ``@role``, ``@everyone``."""
        world = self.sandbox.world
        roles = {r.id: r.name for g in world.guilds.values() for r in g.roles.values()}
        out = [f"@{world.users[u].username}" for u in event.pinged_users if u in world.users]
        out += [f"@{roles.get(r, r)}" for r in event.pinged_roles]
        return out + (["@everyone"] if event.pinged_everyone else [])

    def bot_messages(self, channel: Channel | None = None) -> list[Event]:
        bot = self.sandbox.world.bot_user.id
        return [
            e
            for e in self.sandbox.record.of_kind("message.create")
            if e.actor_id == bot and (channel is None or e.channel_id == channel.id)
        ]

    def assert_clean(self) -> None:
        """Fail on any invalid or unvalidated request, or invalid response, seen so far."""
        failures = self.sandbox.failures()
        if failures:
            raise AssertionError("sandbox recorded failures:\n  " + "\n  ".join(failures))

    def take_failures(self) -> list[str]:
        """Return and forget the recorded failures (for tests that cause them on purpose)."""
        out = self.sandbox.failures()
        self.sandbox.record.validation_failures.clear()
        self.sandbox.record.unvalidated.clear()
        return out
