"""lcm-bot end to end through the local Discord sandbox: start-up, message throughput, peak memory.

The bot runs as a process (``lcm-bot run``), as in production; the sandbox runs here. Figures:

- process start to IDENTIFY on the gateway, and to the first answered slash command;
- N learner questions posted in a Q&A text space, each of which the bot turns into a thread: messages/s
  from the first post to the last thread, with the bot's peak RSS;
- the same burst without OpenAPI validation (the cost of checking every request), and the naive way of
  driving a bot (post one message, wait for its thread, then the next), in the same run.

Usage: ``.venv/bin/python -m benchmarks.sandbox_e2e [--messages 1000] [--naive 100]``
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

from bot.sandbox.kit import BotProcess, Kit
from bot.sandbox.record import Event
from bot.sandbox.seed import seed_classroom
from bot.sandbox.server import Sandbox

TOPICS = ["Python", "pandas", "git", "SQL", "Docker", "numpy", "Flask", "pytest", "regex", "asyncio"]
VERBS = ["installer", "configurer", "déboguer", "tester", "déployer", "comprendre", "optimiser", "documenter"]


def question(i: int) -> str:
    topic, verb = TOPICS[i % len(TOPICS)], VERBS[(i // len(TOPICS)) % len(VERBS)]
    return f"Comment {verb} {topic} pour l'exercice {i} ? J'ai une erreur à l'étape {i % 7 + 1}."


@dataclass
class Run:
    label: str
    messages: int
    seconds: float
    peak_rss_mb: float
    start_to_identify: float
    start_to_ready: float
    requests: int
    validated: int

    @property
    def rate(self) -> float:
        return self.messages / self.seconds if self.seconds else 0.0


async def _sample_peak(pid: int, peak: list[float], stop: asyncio.Event) -> None:
    proc = psutil.Process(pid)
    while not stop.is_set():
        with contextlib.suppress(psutil.Error):
            peak[0] = max(peak[0], proc.memory_info().rss)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 0.05)


async def run(label: str, messages: int, *, validate: bool, sequential: bool) -> Run:
    async with Sandbox(openapi="auto" if validate else None) as sandbox:
        room = seed_classroom(sandbox.world, learners=8)
        kit = Kit(sandbox, room)
        with tempfile.TemporaryDirectory(prefix="lcm-bench-") as tmp:
            started = time.perf_counter()
            bot = await BotProcess(sandbox, Path(tmp) / "data", LCM__BOT__LOG_LEVEL="WARNING").start(
                timeout=60
            )
            identified = time.perf_counter() - started
            assert bot.process is not None
            peak = [0.0]
            stop = asyncio.Event()
            sampler = asyncio.create_task(_sample_peak(bot.process.pid, peak, stop))
            try:
                handle = await kit.lcm.slash("lcm space add", room.general, channel=room.questions)
                await handle.reply(timeout=30)
                ready = time.perf_counter() - started
                bot_id = sandbox.world.bot_user.id
                threads = 0

                def counted(e: Event) -> bool:
                    nonlocal threads
                    if e.kind == "thread.create" and e.actor_id == bot_id:
                        threads += 1
                    return threads >= messages

                mark = sandbox.record.mark()
                begin = time.perf_counter()
                for i in range(messages):
                    msg = await kit.learner(i % len(room.learners)).say(room.questions, question(i))
                    if sequential:
                        await kit.wait_event(
                            "thread.create", lambda e, m=msg: e.channel_id == m.id, timeout=30
                        )
                if not sequential:
                    await sandbox.record.wait_for(
                        counted, after=mark, timeout=max(60.0, messages * 0.2), what=f"{messages} threads"
                    )
                elapsed = time.perf_counter() - begin
            finally:
                stop.set()
                await sampler
                await bot.stop()
            failures = sandbox.failures()
            if failures:
                raise SystemExit("sandbox failures:\n  " + "\n  ".join(failures[:10]))
            return Run(
                label,
                messages,
                elapsed,
                peak[0] / 2**20,
                identified,
                ready,
                len(sandbox.record.requests),
                sum(1 for r in sandbox.record.requests if r.validated),
            )


async def main(messages: int, naive: int) -> None:
    runs = [
        await run("burst, every request validated", messages, validate=True, sequential=False),
        await run("burst, no validation", messages, validate=False, sequential=False),
        await run("naive: post, wait for the thread, repeat", naive, validate=True, sequential=True),
    ]
    first = runs[0]
    print(
        f"process start -> IDENTIFY: {first.start_to_identify:.2f} s; "
        f"-> first slash command answered: {first.start_to_ready:.2f} s"
    )
    print(
        f"{'run':44} {'msgs':>6} {'seconds':>8} {'msgs/s':>8} {'peak RSS':>9} "
        f"{'requests':>9} {'validated':>9}"
    )
    for r in runs:
        print(
            f"{r.label:44} {r.messages:6d} {r.seconds:8.2f} {r.rate:8.1f} {r.peak_rss_mb:7.1f}MB "
            f"{r.requests:9d} {r.validated:9d}"
        )
    if runs[1].rate:
        print(
            f"validation costs {100 * (1 - first.rate / runs[1].rate):.0f}% of the throughput; "
            f"the burst is {first.rate / runs[2].rate:.1f}x the naive sequential drive"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--naive", type=int, default=100)
    args = parser.parse_args()
    asyncio.run(main(args.messages, args.naive))
