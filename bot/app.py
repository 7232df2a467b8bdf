"""The composition root: settings, engine, sessions, scheduler and services, handed to each cog."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import signal
import sys
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import timedelta

import discord
import yarl
from discord.ext import commands
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import __version__, db
from bot.clock import Clock, SystemClock
from bot.scheduler import Scheduler
from bot.services.escalation.service import EscalationService
from bot.services.feeds import make_parse_pool
from bot.services.feeds.debates import DebateService
from bot.services.feeds.service import FeedService
from bot.services.guild_settings import GuildSettingsService
from bot.services.organizing import FollowUpService, IdleRules, PendingOperations, TopicService
from bot.services.outbox import Outbox
from bot.services.questions import IndexRegistry, KnowledgeService, QuestionService, SpaceService
from bot.services.questions.closing import QuestionClosing
from bot.settings import DiscordSettings, Settings
from bot.translator import CatalogTranslator
from bot.tree import LCMCommandTree
from models import BotState

log = logging.getLogger(__name__)

TOKEN_HELP = (
    "DISCORD_TOKEN is not set: create a bot token at https://discord.com/developers/applications "
    "(your application -> Bot -> Reset Token) and export DISCORD_TOKEN=<token>, or try `lcm-bot demo`."
)
INTENTS_HELP = (
    "Discord refused the privileged intents (close code 4014): in "
    "https://discord.com/developers/applications -> your application -> Bot -> Privileged Gateway Intents, "
    "turn on 'Server Members Intent' and 'Message Content Intent', then start the bot again."
)
SYNC_HASH_KEY = "command_tree_hash"
SHUTDOWN_GRACE_SECONDS = 5.0


def point_discord_at(discord_settings: DiscordSettings) -> None:
    """Send discord.py's HTTP and gateway traffic to the configured base URLs (Discord, or the sandbox)."""
    discord.http.Route.BASE = discord_settings.api_base_url.rstrip("/")
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(discord_settings.gateway_url)


def build_intents() -> discord.Intents:
    intents = discord.Intents.default()
    intents.members = True
    intents.message_content = True
    return intents


@dataclass
class Services:
    """Every service, built once; cogs receive the ones they need."""

    guild_settings: GuildSettingsService
    outbox: Outbox
    spaces: SpaceService
    indexes: IndexRegistry
    questions: QuestionService
    knowledge: KnowledgeService
    escalation: EscalationService
    feeds: FeedService
    debates: DebateService
    topics: TopicService
    followups: FollowUpService
    pending: PendingOperations
    closing: QuestionClosing

    @classmethod
    def build(  # type: ignore[no-untyped-def]
        cls, settings: Settings, sessions, clock: Clock, *, parse_executor: Executor | None = None
    ) -> Services:
        indexes = IndexRegistry(sessions)
        guild_settings = GuildSettingsService(sessions, clock, settings.bot.language)
        org = settings.organizing
        idle_rules = IdleRules(
            solved_close=timedelta(hours=org.solved_idle_hours),
            nudge_after=timedelta(days=org.nudge_after_days),
            channel_warn_after=timedelta(days=org.channel_idle_days),
            archive_after_warning=timedelta(days=org.archive_after_warning_days),
        )
        return cls(
            guild_settings=guild_settings,
            outbox=Outbox(sessions, clock),
            spaces=SpaceService(sessions, clock),
            indexes=indexes,
            questions=QuestionService(sessions, clock, indexes),
            knowledge=KnowledgeService(sessions, clock, indexes),
            escalation=EscalationService(sessions, clock, guild_settings),
            feeds=FeedService(sessions, clock, settings.feeds, parse_executor=parse_executor),
            debates=DebateService(sessions, clock),
            topics=TopicService(sessions, clock, idle_rules),
            followups=FollowUpService(sessions, clock, idle_rules),
            pending=PendingOperations(sessions, clock),
            closing=QuestionClosing(sessions, clock, indexes),
        )


CheckProvider = Callable[[discord.Guild], Awaitable[list]]


class LCMBot(commands.Bot):
    """lcm-bot's Discord client."""

    def __init__(self, settings: Settings, *, clock: Clock | None = None) -> None:
        point_discord_at(settings.discord)
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=build_intents(),
            tree_cls=LCMCommandTree,
            allowed_mentions=discord.AllowedMentions.none(),
            help_command=None,
            guild_ready_timeout=settings.discord.guild_ready_timeout,
        )
        self.settings = settings
        self.clock: Clock = clock or SystemClock()
        self.version = __version__
        self.started_monotonic = time.monotonic()
        self.engine: AsyncEngine = db.create_engine(settings.database_url)
        self.sessions = db.create_sessionmaker(self.engine)
        self.scheduler = Scheduler(self.clock)
        # Feeds are parsed in a worker process, so a big document never blocks the event loop.
        self.parse_pool = make_parse_pool(1)
        self.services = Services.build(settings, self.sessions, self.clock, parse_executor=self.parse_pool)
        # /lcm check asks every capability what it needs; cogs add their providers when loaded.
        self.check_providers: list[CheckProvider] = []
        # Event handlers still running; closing waits for them so none is cut off in the middle of a write.
        self._event_tasks: set[asyncio.Task] = set()
        self._closed_task: asyncio.Future[None] | None = None

    def build_cogs(self) -> list[commands.Cog]:
        """Every cog, constructed with what it needs (the one place that wires them)."""
        from cogs.escalation import Escalations
        from cogs.escalation.staff import escalations_command, ladder_command, trainer_role_command
        from cogs.feeds import Feeds
        from cogs.lcm import LCM
        from cogs.questions import Questions
        from cogs.questions.staff import FaqCommands, SpaceCommands, question_link_command, unanswered_command

        svc = self.services
        lcm = LCM(self, svc.guild_settings)
        for command in (
            SpaceCommands(svc.spaces),
            FaqCommands(svc.knowledge),
            question_link_command(svc.questions),
            unanswered_command(svc.questions, self.clock),
            escalations_command(svc.escalation, self.clock),
            trainer_role_command(svc.escalation, svc.spaces),
            ladder_command(svc.spaces),
        ):
            lcm.lcm.add_command(command)
        questions = Questions(
            self, spaces=svc.spaces, questions=svc.questions, knowledge=svc.knowledge, indexes=svc.indexes,
            guild_settings=svc.guild_settings, outbox=svc.outbox,
        )  # fmt: skip
        escalations = Escalations(self, escalation=svc.escalation, questions=svc.questions, outbox=svc.outbox)
        feeds = Feeds(
            self, feeds=svc.feeds, debates=svc.debates, outbox=svc.outbox, guild_settings=svc.guild_settings
        )
        from cogs.topics import Moving, Topics

        moving = Moving(
            self, pending=svc.pending, outbox=svc.outbox, questions=svc.questions, spaces=svc.spaces
        )
        topics = Topics(
            self, topics=svc.topics, followups=svc.followups, pending=svc.pending, closing=svc.closing,
            questions=svc.questions, spaces=svc.spaces, outbox=svc.outbox, recover_moves=moving.recover,
        )  # fmt: skip
        return [lcm, questions, escalations, feeds, topics, moving]

    async def setup_hook(self) -> None:
        await db.upgrade(self.engine, backup=self.settings.bot.backup_sqlite_before_migrating)
        await self.tree.set_translator(CatalogTranslator())
        for cog in self.build_cogs():
            await self.add_cog(cog)
        self.scheduler.start()
        if self.settings.bot.sync_commands:
            await self.sync_commands_if_changed()

    async def command_tree_hash(self) -> str:
        translator = self.tree.translator or CatalogTranslator()
        payload = [
            await cmd.get_translated_payload(self.tree, translator) for cmd in self.tree.get_commands()
        ]
        blob = json.dumps({"app": self.application_id, "commands": payload}, sort_keys=True, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()

    async def sync_commands_if_changed(self) -> bool:
        """Sync the command tree only when it differs from the last one synced; return whether it did."""
        digest = await self.command_tree_hash()
        async with self.sessions() as session:
            row = await session.get(BotState, SYNC_HASH_KEY)
        if row is not None and row.value == digest:
            log.info("command tree unchanged since the last sync; not syncing")
            return False
        synced = await self.tree.sync()
        async with self.sessions.begin() as session:
            await session.merge(BotState(key=SYNC_HASH_KEY, value=digest))
        log.info("synced %d application commands", len(synced))
        return True

    async def on_ready(self) -> None:
        log.info("ready as %s (%s) in %d guild(s)", self.user, self.user and self.user.id, len(self.guilds))

    def _schedule_event(self, coro, event_name: str, *args, **kwargs) -> asyncio.Task:  # type: ignore[no-untyped-def]
        task = super()._schedule_event(coro, event_name, *args, **kwargs)
        self._event_tasks.add(task)
        task.add_done_callback(self._event_tasks.discard)
        return task

    async def close(self) -> None:
        # Close may be asked twice (a signal, then the end of ``async with``): the second waits for the first.
        if self._closed_task is None:
            self._closed_task = asyncio.ensure_future(self._close())
        await asyncio.shield(self._closed_task)

    async def _close(self) -> None:
        await self.scheduler.shutdown()
        await self.services.feeds.close()
        self.parse_pool.shutdown(wait=False, cancel_futures=True)
        await super().close()
        pending = {t for t in self._event_tasks if t is not asyncio.current_task()}
        if pending:
            await asyncio.wait(pending, timeout=SHUTDOWN_GRACE_SECONDS)
        await self.engine.dispose()

    @property
    def uptime_seconds(self) -> float:
        return time.monotonic() - self.started_monotonic


async def run_bot(settings: Settings, *, clock: Clock | None = None) -> int:
    """Run until SIGINT or SIGTERM; return the process exit code."""
    if not settings.token:
        print(TOKEN_HELP, file=sys.stderr)
        return 2
    bot = LCMBot(settings, clock=clock)
    loop = asyncio.get_running_loop()
    stopping = False
    closing: list[asyncio.Task[None]] = []  # keep a reference so the task is not garbage-collected

    def _stop() -> None:
        nonlocal stopping
        if not stopping:
            stopping = True
            log.info("stop signal received; shutting down")
            closing.append(loop.create_task(bot.close()))

    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):  # non-Unix platforms
            loop.add_signal_handler(sig, _stop)
    try:
        async with bot:
            await bot.start(settings.token)
    except discord.PrivilegedIntentsRequired:
        print(INTENTS_HELP, file=sys.stderr)
        return 1
    except discord.LoginFailure:
        print(
            "Discord rejected DISCORD_TOKEN (401 Unauthorized): reset the token in the developer portal "
            "and export the new one.",
            file=sys.stderr,
        )
        return 2
    finally:
        await bot.close()
        if closing:
            await asyncio.gather(*closing, return_exceptions=True)
    return 0
