"""The scheduler only rings: the database holds every deadline, jobs take ids and re-check state.

Deadlines are expressed in the injected clock's time. APScheduler runs on real time, so each job is armed
at ``real now + (deadline - clock now)``; with a fake clock, ``run_due()`` fires whatever the clock has
reached, which lets tests and the demo move time without waiting.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.clock import Clock

log = logging.getLogger(__name__)

JobFunc = Callable[..., Awaitable[object]]


@dataclass
class _Pending:
    due: datetime
    func: JobFunc
    args: tuple[object, ...]


class Scheduler:
    """One-shot jobs with deterministic ids at clock times, plus periodic jobs."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._aps = AsyncIOScheduler(timezone=UTC)
        self._pending: dict[str, _Pending] = {}
        self._running: set[asyncio.Task[None]] = set()

    @property
    def running(self) -> bool:
        return self._aps.running

    def start(self) -> None:
        if not self._aps.running:
            self._aps.start()

    async def shutdown(self) -> None:
        if self._aps.running:
            self._aps.shutdown(wait=False)
        for task in list(self._running):
            task.cancel()
        if self._running:
            await asyncio.gather(*self._running, return_exceptions=True)

    def at(self, job_id: str, due: datetime, func: JobFunc, *args: object) -> None:
        """Run ``func(*args)`` at clock time ``due`` (at once if past); replaces a job of the same id."""
        self._pending[job_id] = _Pending(due, func, args)
        delay = max(0.0, (due - self._clock.now()).total_seconds())
        if delay == 0:
            # Due now: run it as a task. Through APScheduler, a job re-armed by its own run (an overdue
            # reminder right after an overdue ping) would be skipped as a second instance of a running job.
            if self._aps.get_job(job_id) is not None:
                self._aps.remove_job(job_id)
            task = asyncio.get_running_loop().create_task(self._fire(job_id), name=f"job {job_id}")
            self._running.add(task)
            task.add_done_callback(self._running.discard)
            return
        run_at = datetime.now(UTC) + timedelta(seconds=delay)
        self._aps.add_job(
            self._fire,
            DateTrigger(run_date=run_at),
            id=job_id,
            args=(job_id,),
            replace_existing=True,
            misfire_grace_time=None,
            coalesce=True,
        )

    def every(self, job_id: str, seconds: float, func: JobFunc, *args: object) -> None:
        """Run ``func(*args)`` every ``seconds`` of real time (reconciliation, polling loops)."""
        self._aps.add_job(
            self._run_periodic,
            IntervalTrigger(seconds=seconds),
            id=job_id,
            args=(job_id, func, args),
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=None,
        )

    def cancel(self, job_id: str) -> None:
        self._pending.pop(job_id, None)
        if self._aps.get_job(job_id) is not None:
            self._aps.remove_job(job_id)

    def pending(self) -> dict[str, datetime]:
        """Job id -> clock deadline of every one-shot job not yet run."""
        return {job_id: p.due for job_id, p in self._pending.items()}

    async def run_due(self) -> int:
        """Fire every one-shot job whose deadline the clock has reached; return how many ran."""
        now = self._clock.now()
        due = sorted((p.due, job_id) for job_id, p in self._pending.items() if p.due <= now)
        for _, job_id in due:
            if self._aps.get_job(job_id) is not None:
                self._aps.remove_job(job_id)
            await self._fire(job_id)
        return len(due)

    async def _fire(self, job_id: str) -> None:
        pending = self._pending.pop(job_id, None)
        if pending is None:
            return
        try:
            await pending.func(*pending.args)
        except Exception:
            log.exception("scheduled job %s failed", job_id)

    async def _run_periodic(self, job_id: str, func: JobFunc, args: tuple[object, ...]) -> None:
        try:
            await func(*args)
        except Exception:
            log.exception("periodic job %s failed", job_id)
