"""The parse pool's worker leaves when the bot's process is killed (no orphan per crash)."""

from __future__ import annotations

import asyncio
import os
import signal
import sys

import psutil

PARENT = """
import sys
from bot.services.feeds.parse import make_parse_pool
pool = make_parse_pool(1)
print(pool.submit(__import__("os").getpid).result(), flush=True)
sys.stdin.read()  # wait to be killed
"""


async def test_the_worker_exits_after_a_sigkill_of_its_parent() -> None:
    parent = await asyncio.create_subprocess_exec(
        sys.executable, "-c", PARENT, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        cwd=os.getcwd(),
    )  # fmt: skip
    assert parent.stdout is not None
    line = await asyncio.wait_for(parent.stdout.readline(), 60)
    worker = psutil.Process(int(line))
    assert worker.is_running()
    parent.send_signal(signal.SIGKILL)
    await parent.wait()
    try:
        # Bounded wait for the exit; not a timing assertion (the worker checks every second).
        await asyncio.to_thread(worker.wait, 30)
    except psutil.TimeoutExpired:
        worker.kill()
        raise AssertionError("the parse worker outlived its parent") from None
