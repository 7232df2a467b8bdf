"""``lcm-bot demo --keep``: after the story, act as any member of the sandbox's server from the keyboard.

Each line is one action; what the bot does in answer is printed from the sandbox's record, as in the demo.
"""

from __future__ import annotations

import asyncio
import shlex
import sys
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, TextIO

from bot.clock import FakeClock
from bot.i18n import t
from bot.sandbox.kit import Actor, Kit
from bot.sandbox.record import WaitTimeout
from bot.sandbox.transcript import Names, render_transcript
from bot.sandbox.world import Channel

QUIET_SECONDS = 0.2  # no new event for this long: the bot has finished answering
SETTLE_SECONDS = 3.0  # a person's pause for the bot to answer before the next prompt


class Console:
    """Parse and run one command line at a time against the sandbox."""

    def __init__(
        self,
        kit: Kit,
        bot: Any,
        clock: FakeClock,
        lang: str,
        *,
        color: bool,
        out: TextIO = sys.stdout,
        settle: float = SETTLE_SECONDS,
    ) -> None:
        self.settle = settle
        self.kit = kit
        self.bot = bot
        self.clock = clock
        self.lang = lang
        self.color = color
        self.out = out
        self.commands: dict[str, Callable[[list[str]], Awaitable[None]]] = {
            "say": self.say,
            "ask": self.ask,
            "slash": self.slash,
            "click": self.click,
            "wait": self.wait,
            "who": self.who,
        }

    # -- lookups -----------------------------------------------------------------------------------------

    def actor(self, name: str) -> Actor:
        world = self.kit.sandbox.world
        for user in world.users.values():
            if user.username == name.lstrip("@"):
                return self.kit.actor(user)
        raise LookupError(t("sandbox.console.no_user", self.lang, name=name))

    def channel(self, ref: str) -> Channel:
        world = self.kit.sandbox.world
        if ref.isdigit() and int(ref) in world.channels:
            return world.channels[int(ref)]
        for channel in world.channels.values():
            if channel.name == ref.lstrip("#"):
                return channel
        raise LookupError(t("sandbox.console.no_channel", self.lang, name=ref))

    def option(self, value: str) -> Any:
        world = self.kit.sandbox.world
        if value.startswith("#"):
            return self.channel(value)
        if value.startswith("@"):
            for guild in world.guilds.values():
                for role in guild.roles.values():
                    if role.name == value[1:]:
                        return role
            return self.actor(value).user
        if value.lower() in ("true", "false"):
            return value.lower() == "true"
        try:
            return int(value)
        except ValueError:
            return value

    # -- commands ----------------------------------------------------------------------------------------

    async def say(self, args: list[str]) -> None:
        who, where, *words = args
        await self.actor(who).say(self.channel(where), " ".join(words))

    async def ask(self, args: list[str]) -> None:
        who, *words = args
        title, _, body = " ".join(words).partition("|")
        forum = self.kit.room.forum if self.kit.room else self.channel("entraide")
        await self.actor(who).open_post(forum, title.strip(), body.strip() or title.strip())

    async def slash(self, args: list[str]) -> None:
        who, where, *rest = args
        words = [w for w in rest if "=" not in w]
        options = {k: self.option(v) for k, v in (w.split("=", 1) for w in rest if "=" in w)}
        await self.actor(who).slash(" ".join(words), self.channel(where), **options)

    async def click(self, args: list[str]) -> None:
        """``click WHO #channel LABEL``: the newest message there with a button of that label (or id)."""
        who, where, *label_words = args
        label = " ".join(label_words).strip().strip("[]")
        world = self.kit.sandbox.world
        channel = self.channel(where)
        for message in sorted(world.messages.values(), key=lambda m: m.id, reverse=True):
            if message.channel_id != channel.id:
                continue
            for row in message.components:
                for button in row.get("components", []):
                    if label in (button.get("label"), button.get("custom_id")):
                        await self.actor(who).click(message, button["custom_id"])
                        return
        raise LookupError(t("sandbox.console.no_button", self.lang, label=label, channel=where))

    async def wait(self, args: list[str]) -> None:
        hours = float(args[0]) if args else 1.0
        self.clock.advance(timedelta(hours=hours))
        await self.bot.scheduler.run_due()

    async def who(self, _args: list[str]) -> None:
        world = self.kit.sandbox.world
        names = ", ".join(u.username for u in world.users.values() if not u.bot)
        channels = ", ".join(f"#{c.name}" for c in world.channels.values() if c.name and not c.is_thread)
        print(t("sandbox.console.who", self.lang, users=names, channels=channels), file=self.out)

    async def run_line(self, line: str) -> bool:
        """Run one line; return False when the user wants to leave."""
        try:
            parts = shlex.split(line)
        except ValueError:  # a lone apostrophe ("Je m'en occupe") is text, not a quote
            parts = line.split()
        if not parts:
            return True
        name, args = parts[0].lower(), parts[1:]
        if name in ("quit", "exit", "q"):
            return False
        handler = self.commands.get(name)
        if handler is None:
            print(t("sandbox.console.help", self.lang), file=self.out)
            return True
        mark = self.kit.mark()
        try:
            await handler(args)
        except (LookupError, PermissionError, ValueError, WaitTimeout) as exc:
            print(t("sandbox.console.error", self.lang, error=exc), file=self.out)
        await self._settle(mark)
        events = self.kit.sandbox.record.events[mark:]
        if events:
            names = Names.of(self.kit.sandbox.world)
            print(render_transcript(events, names, self.lang, color=self.color), end="", file=self.out)
        return True

    async def _settle(self, mark: int) -> None:
        """Wait for the bot's answer (its first event), then until it goes quiet; bounded by ``settle``."""
        record = self.kit.sandbox.record
        bot_id = self.kit.sandbox.world.bot_user.id
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.settle
        try:
            await record.wait_for(
                lambda e: e.actor_id == bot_id, after=mark, timeout=self.settle, what="answer"
            )
        except WaitTimeout:
            return  # nothing to answer (a plain message, say)
        seen = len(record.events)
        while loop.time() < deadline:
            try:
                await record.wait_for(lambda e: True, after=seen, timeout=QUIET_SECONDS, what="more")
            except WaitTimeout:
                return
            seen = len(record.events)

    async def loop(self, stdin: TextIO = sys.stdin) -> None:
        print(t("sandbox.console.help", self.lang), file=self.out)
        loop = asyncio.get_running_loop()
        while True:
            print("> ", end="", flush=True, file=self.out)
            line = await loop.run_in_executor(None, stdin.readline)
            if not line or not await self.run_line(line):
                return
