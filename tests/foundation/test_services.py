"""Guild settings service and scheduler, against a real database and a fake clock."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.errors import UserError
from bot.scheduler import Scheduler
from bot.services.guild_settings import GuildSettingsService
from models import GuildSettings


async def test_unknown_guild_gets_defaults_and_changes_persist(sessions, clock) -> None:
    service = GuildSettingsService(sessions, clock, "fr")
    config = await service.get(42)
    assert (config.language, config.lcm_role_id, config.trainer_role_id) == ("fr", None, None)

    clock.advance(60)
    await service.update(42, language="en", trainer_role_id=7, log_channel_id=9)
    fresh = GuildSettingsService(sessions, clock, "fr")  # no cache: read back from the database
    config = await fresh.get(42)
    assert (config.language, config.trainer_role_id, config.log_channel_id) == ("en", 7, 9)
    async with sessions() as session:
        row = (await session.execute(select(GuildSettings))).scalar_one()
    assert row.updated_at == clock.now()
    assert row.updated_at.tzinfo is not None


async def test_clearing_a_setting(sessions, clock) -> None:
    service = GuildSettingsService(sessions, clock, "en")
    await service.update(1, lcm_role_id=5, language="fr")
    config = await service.update(1, lcm_role_id=None, language=None)
    assert config.lcm_role_id is None
    assert config.language == "en"


async def test_bad_values_are_refused(sessions, clock) -> None:
    service = GuildSettingsService(sessions, clock, "fr")
    with pytest.raises(UserError):
        await service.update(1, language="de")
    with pytest.raises(ValueError):
        await service.update(1, colour="blue")


async def test_scheduler_runs_due_jobs_by_the_injected_clock(clock) -> None:
    scheduler = Scheduler(clock)
    scheduler.start()
    fired: list[str] = []

    async def job(name: str) -> None:
        fired.append(name)

    try:
        scheduler.at("archive:1", clock.now() + timedelta(hours=24), job, "a")
        scheduler.at("archive:2", clock.now() + timedelta(hours=48), job, "b")
        scheduler.at("archive:1", clock.now() + timedelta(hours=25), job, "a2")  # same id replaces
        assert await scheduler.run_due() == 0
        clock.advance(timedelta(hours=25))
        assert await scheduler.run_due() == 1
        assert fired == ["a2"]
        assert set(scheduler.pending()) == {"archive:2"}
        scheduler.cancel("archive:2")
        clock.advance(timedelta(days=3))
        assert await scheduler.run_due() == 0
        assert fired == ["a2"]
    finally:
        await scheduler.shutdown()


async def test_scheduler_survives_a_failing_job(clock) -> None:
    scheduler = Scheduler(clock)
    ran: list[int] = []

    async def boom() -> None:
        raise RuntimeError("boom")

    async def ok() -> None:
        ran.append(1)

    scheduler.start()
    try:
        scheduler.at("x:1", clock.now(), boom)
        scheduler.at("x:2", clock.now(), ok)
        await scheduler.run_due()
        assert ran == [1]
    finally:
        await scheduler.shutdown()


async def test_a_job_that_arms_its_next_step_due_now_runs_it(clock) -> None:
    """An overdue chain (ping, then an overdue reminder) runs each step, none skipped."""
    import asyncio

    scheduler = Scheduler(clock)
    scheduler.start()
    steps: list[int] = []
    done = asyncio.Event()

    async def step(n: int) -> None:
        steps.append(n)
        if n < 3:
            scheduler.at("chain:1", clock.now(), step, n + 1)  # the same id, re-armed from inside its run
        else:
            done.set()

    try:
        scheduler.at("chain:1", clock.now(), step, 1)
        await asyncio.wait_for(done.wait(), 5)
        assert steps == [1, 2, 3]
    finally:
        await scheduler.shutdown()
