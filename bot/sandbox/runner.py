"""Running a bot against the sandbox: in this process (``run_client``, ``run_lcm_bot``) or as a process."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from bot.sandbox.record import WaitTimeout
from bot.sandbox.server import Sandbox

if TYPE_CHECKING:
    import discord

    from bot.clock import Clock
    from bot.settings import Settings


@contextlib.contextmanager
def pointed_at(sandbox: Sandbox) -> Iterator[None]:
    """Redirect discord.py's HTTP base and gateway address to the sandbox, and restore them after."""
    import discord.gateway
    import discord.http
    import yarl

    old_base, old_gateway = discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    discord.http.Route.BASE = sandbox.api_base_url
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(sandbox.gateway_url)
    try:
        yield
    finally:
        discord.http.Route.BASE = old_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = old_gateway


@contextlib.asynccontextmanager
async def run_client(
    sandbox: Sandbox,
    client: discord.Client,
    *,
    timeout: float = 15.0,  # noqa: ASYNC109
    wait_ready: bool = True,
    token: str | None = None,
) -> AsyncIterator[discord.Client]:
    """Start ``client`` against the sandbox, wait for on_ready, and close it cleanly afterwards."""
    with pointed_at(sandbox):
        task = asyncio.create_task(client.start(token or sandbox.token), name="sandbox-bot")
        try:
            if wait_ready:
                ready = asyncio.create_task(client.wait_until_ready())
                done, _ = await asyncio.wait(
                    {task, ready}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
                )
                if task in done:
                    ready.cancel()
                    task.result()
                    raise RuntimeError("the bot stopped before it was ready")
                if ready not in done:
                    ready.cancel()
                    raise WaitTimeout(f"the bot was not ready within {timeout}s")
            yield client
        finally:
            if not client.is_closed():
                await client.close()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(task, 10)


def lcm_settings(sandbox: Sandbox, data_dir: Path, **env: str) -> Settings:
    """lcm-bot's settings for a run against ``sandbox`` with an empty SQLite database in ``data_dir``."""
    from bot.settings import load_settings

    data_dir.mkdir(parents=True, exist_ok=True)
    values = sandbox.bot_env(
        LCM__BOT__DATABASE_URL=f"sqlite+aiosqlite:///{data_dir / 'lcm-bot.sqlite3'}",
        LCM__BOT__DATA_DIR=str(data_dir),
        **env,
    )
    return load_settings(path=None, env=values)


@contextlib.asynccontextmanager
async def run_lcm_bot(
    sandbox: Sandbox,
    data_dir: Path,
    *,
    clock: Clock | None = None,
    timeout: float = 30.0,  # noqa: ASYNC109
    **env: str,
) -> AsyncIterator[discord.Client]:
    """The real lcm-bot (bot.app.LCMBot), in this process, against the sandbox."""
    from bot.app import LCMBot  # type: ignore[import-not-found]
    from bot.clock import FakeClock

    bot = LCMBot(lcm_settings(sandbox, data_dir, **env), clock=clock or FakeClock())
    async with run_client(sandbox, bot, timeout=timeout) as client:
        yield client


class BotProcess:
    """lcm-bot as a separate process (``lcm-bot run``), for restart and crash tests and benchmarks."""

    def __init__(
        self, sandbox: Sandbox, data_dir: Path, *, command: list[str] | None = None, **env: str
    ) -> None:
        self.sandbox = sandbox
        self.data_dir = data_dir
        script = Path(sys.executable).with_name("lcm-bot")
        self.command = command or (
            [str(script), "run"] if script.exists() else [sys.executable, "-m", "bot.cli", "run"]
        )
        self.env = sandbox.bot_env(
            LCM__BOT__DATABASE_URL=f"sqlite+aiosqlite:///{data_dir / 'lcm-bot.sqlite3'}",
            LCM__BOT__DATA_DIR=str(data_dir),
            **env,
        )
        self.process: asyncio.subprocess.Process | None = None
        self.log_path = data_dir / "bot-process.log"

    async def start(self, timeout: float = 30.0) -> BotProcess:  # noqa: ASYNC109
        """Spawn the process and wait until it has identified on the gateway."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        mark = self.sandbox.record.mark()
        log = self.log_path.open("ab")
        env = {k: v for k, v in os.environ.items() if not k.startswith("LCM__")} | self.env
        self.process = await asyncio.create_subprocess_exec(
            *self.command, env=env, stdout=log, stderr=log, cwd=str(self.data_dir)
        )
        log.close()
        waiter = asyncio.create_task(
            self.sandbox.record.wait_for(
                lambda e: e.kind == "gateway.identify", after=mark, timeout=timeout, what="the bot's IDENTIFY"
            )
        )
        exited = asyncio.create_task(self.process.wait())
        done, _ = await asyncio.wait({waiter, exited}, return_when=asyncio.FIRST_COMPLETED)
        if exited in done:
            waiter.cancel()
            raise RuntimeError(f"lcm-bot exited with {self.process.returncode}; log:\n{self.log()}")
        exited.cancel()
        waiter.result()
        return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    async def kill(self) -> int:
        """SIGKILL: no goodbye, as in a crash."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        return await self.process.wait()

    async def stop(self, timeout: float = 15.0) -> int:  # noqa: ASYNC109
        """SIGINT, as Ctrl-C: the bot closes its connections and exits."""
        assert self.process is not None
        if self.process.returncode is not None:
            return self.process.returncode
        self.process.send_signal(signal.SIGINT)
        try:
            return await asyncio.wait_for(self.process.wait(), timeout)
        except TimeoutError:
            return await self.kill()
