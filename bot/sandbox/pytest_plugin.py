"""Pytest fixtures for tests through the sandbox.

Use from a ``conftest.py``: ``from bot.sandbox.pytest_plugin import *  # noqa: F403``. Every test using the
``sandbox`` fixture fails at teardown if any request was invalid or went unvalidated, or a response of the
sandbox did not match Discord's description; tests that cause failures on purpose take them with
``kit.take_failures()``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.clock import FakeClock
from bot.sandbox.kit import Kit
from bot.sandbox.seed import Classroom, seed_classroom
from bot.sandbox.server import Sandbox
from bot.sandbox.validation import OPENAPI_ENV, default_openapi_path

OPENAPI_MISSING = (
    f"Discord's OpenAPI description is absent (../shared/discord/openapi.json from the repository root, "
    f"or ${OPENAPI_ENV})"
)

__all__ = ["classroom", "fake_clock", "kit", "lcm_bot", "openapi_required", "sandbox"]


@pytest.fixture
def openapi_required() -> Path:
    """Skip the test when Discord's OpenAPI description is not available."""
    path = default_openapi_path()
    if path is None:
        pytest.skip(OPENAPI_MISSING)
    return path


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    """A started sandbox (validating requests and responses when the description exists)."""
    sb = Sandbox(validate_responses=True)
    await sb.start()
    try:
        yield sb
    finally:
        await sb.stop()
    failures = sb.failures()
    if failures:
        pytest.fail("sandbox recorded failures:\n  " + "\n  ".join(failures), pytrace=False)


@pytest.fixture
def classroom(sandbox: Sandbox) -> Classroom:
    """The seeded course server (roles LCM, trainer, learner; channels; a tagged forum)."""
    return seed_classroom(sandbox.world)


@pytest.fixture
def kit(sandbox: Sandbox, classroom: Classroom) -> Kit:
    return Kit(sandbox, classroom)


@pytest.fixture
def fake_clock() -> FakeClock:
    """The clock the ``lcm_bot`` fixture's bot reads; advance it to make time pass."""
    return FakeClock()


@pytest.fixture
async def lcm_bot(
    sandbox: Sandbox, classroom: Classroom, tmp_path: Path, fake_clock: FakeClock
) -> AsyncIterator[object]:
    """The real lcm-bot, ready, on an empty database and ``fake_clock`` (skips until bot/app.py exists)."""
    try:
        import bot.app  # noqa: F401
    except ImportError as exc:
        pytest.skip(f"bot.app is not available yet ({exc})")
    from bot.sandbox.kit import run_lcm_bot

    async with run_lcm_bot(sandbox, tmp_path / "data", clock=fake_clock) as client:
        yield client
