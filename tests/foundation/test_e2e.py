"""The foundation end to end: the real bot through the sandbox (LCM tools, refusals, 429s, errors, sync)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.i18n import t
from bot.sandbox.kit import BotProcess, Kit, run_lcm_bot, text_of

pytestmark = pytest.mark.e2e


async def test_lcm_status_and_config_for_the_lcm_refused_for_a_learner(kit: Kit, lcm_bot) -> None:
    room = kit.room
    status = await (await kit.lcm.slash("lcm status", room.general)).reply()
    assert status.ephemeral and "0.1.0" in text_of(status)
    config = await (
        await kit.lcm.slash("lcm config", room.general, language="en", trainer_role=room.trainer_role)
    ).reply()
    assert config.ephemeral and str(room.trainer_role.id) in text_of(config)
    # The client hides /lcm from learners; an admin may still show it to them: then the bot refuses,
    # privately, in each learner's own language (chloe's client is French, david's English).
    for index, lang in ((0, "fr"), (1, "en")):
        handle = await kit.learner(index).slash(
            "lcm config", room.general, shown_by_admin=True, language="fr"
        )
        refusal = await handle.reply()
        assert refusal.ephemeral and text_of(refusal) == t("perm.lcm_only", lang)
    shown = await (await kit.lcm.slash("lcm config", room.general)).reply()
    assert "English" in text_of(shown) or "anglais" in text_of(shown)  # the learners changed nothing


async def test_the_lcm_role_is_enough(kit: Kit, lcm_bot, sandbox) -> None:
    """A member without Manage Server but with the configured LCM role is the LCM."""
    room = kit.room
    await (await kit.lcm.slash("lcm config", room.general, lcm_role=room.learner_role)).reply()
    handle = await kit.learner(0).slash("lcm status", room.general, shown_by_admin=True)
    assert "0.1.0" in text_of(await handle.reply())


async def test_an_injected_429_is_retried_by_the_real_bot(kit: Kit, lcm_bot, sandbox) -> None:
    room = kit.room
    await (await kit.lcm.slash("lcm space add", room.general, channel=room.questions)).reply()
    injection = sandbox.inject_429("/channels/{channel_id}/messages/{message_id}/threads", times=2)
    mark = kit.mark()
    await kit.learner(0).say(room.questions, "Où sont les consignes du projet final ?")
    created = await kit.wait_event("thread.create", after=mark, timeout=10)
    assert created.channel_id and injection.hits == 2


async def test_an_unexpected_error_gets_a_polite_reply_with_an_error_id(kit: Kit, lcm_bot, caplog) -> None:
    async def broken(_guild_id: int) -> None:
        raise RuntimeError("database on fire")

    lcm_bot.services.guild_settings.get = broken  # type: ignore[method-assign]
    reply = await (await kit.lcm.slash("lcm status", kit.room.general)).reply()
    text = text_of(reply)
    assert reply.ephemeral and "`" in text and "database on fire" not in text
    error_id = text.split("`")[1]
    assert any(error_id in record.getMessage() and record.exc_info for record in caplog.records)


async def test_commands_are_synced_only_when_they_changed(sandbox, classroom, tmp_path: Path) -> None:
    data = tmp_path / "data"
    async with run_lcm_bot(sandbox, data):
        pass
    async with run_lcm_bot(sandbox, data):
        pass
    assert len(sandbox.record.of_kind("commands.sync")) == 1


async def test_sigkill_after_deferring_then_restart_is_consistent(sandbox, kit: Kit, tmp_path: Path) -> None:
    room = kit.room
    data = tmp_path / "data"
    first = await BotProcess(sandbox, data).start()
    await (await kit.lcm.slash("lcm config", room.general, language="en", log_channel=room.staff)).reply(
        timeout=15
    )
    # /lcm check defers, then answers with a follow-up; the follow-up is held back by a long 429...
    sandbox.inject_429("/webhooks/{webhook_id}/{webhook_token}", method="POST", retry_after=60)
    mark = kit.mark()
    await kit.lcm.slash("lcm check", room.general)
    await kit.wait_event("interaction.response", after=mark, timeout=15)  # deferred
    # ... and the bot is killed before it could answer.
    await kit.wait_event("http.429", after=mark, timeout=15)
    assert await first.kill() == -9
    sandbox.injections.clear()

    second = await BotProcess(sandbox, data).start()
    config = await (await kit.lcm.slash("lcm config", room.general)).reply(timeout=15)
    assert "anglais" in text_of(config) and str(room.staff.id) in text_of(config)  # settings kept
    again = await (await kit.lcm.slash("lcm check", room.general)).followup(timeout=15)
    reports = [
        e
        for e in sandbox.record.of_kind("message.create", after=mark)
        if e.actor_id == sandbox.world.bot_user.id and ("corriger" in text_of(e) or "en place" in text_of(e))
    ]
    assert [e.message_id for e in reports] == [again.message_id]  # the killed answer never came
    assert await second.stop() == 0
