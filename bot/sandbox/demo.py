"""``lcm-bot demo``: the real bot against a local Discord sandbox, with a transcript of what happened."""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import sys
import tempfile
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any, TextIO

from bot.clock import FakeClock
from bot.i18n import t
from bot.sandbox.console import Console
from bot.sandbox.feedserver import FeedServer
from bot.sandbox.kit import Kit, custom_ids, run_lcm_bot
from bot.sandbox.record import Event, WaitTimeout
from bot.sandbox.seed import Classroom, seed_classroom
from bot.sandbox.server import Sandbox
from bot.sandbox.transcript import BOLD, RESET, Names, render_transcript
from bot.sandbox.world import Channel

log = logging.getLogger(__name__)


def _note(sandbox: Sandbox, key: str, lang: str) -> None:
    sandbox.record.add("note", data={"text": t(key, lang)})


Afterwards = Callable[[Kit, Any, FakeClock], Awaitable[None]]


async def play_scenario(
    sandbox: Sandbox, room: Classroom, data_dir: Path, lang: str, afterwards: Afterwards | None = None
) -> None:
    """Play one course's story through every capability; all of it lands in the sandbox's record.

    ``afterwards`` runs while the bot is still up (``--keep``'s console).
    """
    kit = Kit(sandbox, room)
    clock = FakeClock()
    _note(sandbox, "sandbox.demo.step.start", lang)
    async with (
        FeedServer() as feeds,
        run_lcm_bot(sandbox, data_dir, clock=clock, LCM__FEEDS__ALLOW_PRIVATE_ADDRESSES="true") as bot,
    ):
        _note(sandbox, "sandbox.demo.step.config", lang)
        handle = await kit.lcm.slash(
            "lcm config",
            room.general,
            lcm_role=room.lcm_role,
            trainer_role=room.trainer_role,
            log_channel=room.staff,
            trainers_channel=room.staff,
        )
        await handle.reply(timeout=10)
        _note(sandbox, "sandbox.demo.step.status", lang)
        await (await kit.lcm.slash("lcm status", room.general)).reply(timeout=10)
        _note(sandbox, "sandbox.demo.step.check", lang)
        await (await kit.lcm.slash("lcm check", room.general)).followup(timeout=10)
        first = await _questions_scene(sandbox, kit, room, lang, bot)
        await _solution_scene(sandbox, kit, room, lang, first)
        await _escalation_scene(sandbox, kit, room, lang, bot, clock)
        await _resources_scene(sandbox, kit, room, lang, bot, clock, feeds)
        await _organizing_scene(sandbox, kit, room, lang)
        _note(sandbox, "sandbox.demo.step.learner", lang)
        try:
            await kit.learner(0).slash("lcm status", room.general)
        except PermissionError:
            text = t("sandbox.demo.hidden", lang, user=room.learners[0].username)
            sandbox.record.add("note", data={"text": text, "heading": False})
        if afterwards is not None:
            await afterwards(kit, bot, clock)


async def _bot_said(
    sandbox: Sandbox, mark: int, channel_id: int | None = None, what: str = "the bot"
) -> Event:
    bot_id = sandbox.world.bot_user.id
    return await sandbox.record.wait_for(
        lambda e: (
            e.kind == "message.create"
            and e.actor_id == bot_id
            and not e.ephemeral
            and (channel_id is None or e.channel_id == channel_id)
        ),
        after=mark,
        timeout=10,
        what=what,
    )


async def _questions_scene(sandbox: Sandbox, kit: Kit, room: Classroom, lang: str, bot: object) -> Channel:
    """A question asked twice in other words: the bot points to the first, the learner confirms."""
    _note(sandbox, "sandbox.demo.step.space", lang)
    await (await kit.lcm.slash("lcm space add", room.general, channel=room.forum)).reply(timeout=10)
    first, _ = await kit.learner(0).open_post(
        room.forum,
        "Comment installer Python sur Windows ?",
        "Bonjour, après l'installation, « python » n'est pas reconnu dans le terminal. Que faire ?",
        tags=["question"],
    )
    await _recorded(bot, first.id)
    mark = sandbox.record.mark()
    second, _ = await kit.learner(2).open_post(
        room.forum,
        "python pas reconnu sous windows",
        "jai installe python mais le terminal dit que python n est pas reconnu, une idee ?",
        tags=["question"],
    )
    suggestion = await _bot_said(sandbox, mark, second.id, "the bot's suggestion")
    _note(sandbox, "sandbox.demo.step.duplicate", lang)
    yes = next(c for c in custom_ids(suggestion) if c.startswith("lcm:dup:") and not c.endswith(":no"))
    mark = sandbox.record.mark()
    await (await kit.learner(2).click(suggestion, yes)).response(timeout=10)
    await _bot_said(sandbox, mark, second.id, "the duplicate's closing message")
    return first


async def _solution_scene(sandbox: Sandbox, kit: Kit, room: Classroom, lang: str, thread: Channel) -> None:
    """A trainer answers; the asker marks it as the solution; later, /faq finds it."""
    _note(sandbox, "sandbox.demo.step.solution", lang)
    answer = await kit.trainer.say(
        thread, "Cochez « Add python.exe to PATH » en réinstallant, puis rouvrez le terminal."
    )
    mark = sandbox.record.mark()
    await (await kit.learner(0).context_menu("Mark as solution", answer)).followup(timeout=10)
    await _bot_said(sandbox, mark, thread.id, "the solution's confirmation")
    _note(sandbox, "sandbox.demo.step.faq", lang)
    await (await kit.learner(1).slash("faq", room.general, query="python non reconnu windows")).reply(
        timeout=10
    )


async def _escalation_scene(
    sandbox: Sandbox, kit: Kit, room: Classroom, lang: str, bot: object, clock: FakeClock
) -> None:
    """Nobody answers for a day: the trainer role (and only it) is pinged, takes it and answers."""
    _note(sandbox, "sandbox.demo.step.escalation", lang)
    thread, _ = await kit.learner(1).open_post(
        room.forum,
        "Le quiz 4 affiche une erreur 403",
        "Impossible d'ouvrir le quiz 4 depuis ce matin.",
        tags=["question"],
    )
    question = await _recorded(bot, thread.id)
    scheduler = bot.scheduler  # type: ignore[attr-defined]
    await _until(lambda: f"esc:{question.id}" in scheduler.pending())
    _note(sandbox, "sandbox.demo.step.day_passes", lang)
    mark = sandbox.record.mark()
    clock.advance(timedelta(hours=24))
    await scheduler.run_due()
    ping = await _bot_said(sandbox, mark, room.staff.id, "the trainers' ping")
    take = next(c for c in custom_ids(ping) if c.endswith(":take"))
    await (await kit.trainer.click(ping, take)).response(timeout=10)
    mark = sandbox.record.mark()
    await kit.trainer.say(thread, "Le quiz 4 est rouvert : réessayez, et dites-nous si l'erreur revient.")
    await _bot_said(sandbox, mark, thread.id, "the learner being told")


async def _resources_scene(
    sandbox: Sandbox, kit: Kit, room: Classroom, lang: str, bot: object, clock: FakeClock, feeds: FeedServer
) -> None:
    """A feed is added (seeded silently), a new article arrives, it is posted with its debate thread."""
    _note(sandbox, "sandbox.demo.step.feed", lang)
    handle = await kit.lcm.slash("feed add", room.general, url=feeds.url, channel=room.announcements)
    await handle.reply(timeout=15)
    feeds.publish(
        "Python 3.14 : quoi de neuf pour les débutants ?",
        "https://blog.example.org/python-314-debutants?utm_source=rss",
        "Les nouveautés de Python 3.14 qui changent la vie quand on apprend : erreurs, REPL, typage.",
    )
    _note(sandbox, "sandbox.demo.step.feed_item", lang)
    mark = sandbox.record.mark()
    clock.advance(timedelta(minutes=16))
    await bot.scheduler.run_due()  # type: ignore[attr-defined]
    await _bot_said(sandbox, mark, room.announcements.id, "the feed item")
    created = await sandbox.record.wait_for(
        lambda e: e.kind == "thread.create" and e.actor_id == sandbox.world.bot_user.id,
        after=mark,
        timeout=10,
        what="the debate thread",
    )
    await _bot_said(sandbox, mark, created.channel_id, "the debate prompt")
    debate = sandbox.world.channels[created.channel_id]
    await kit.learner(2).say(debate, "Les messages d'erreur plus clairs, ça va aider toute la promo !")


async def _organizing_scene(sandbox: Sandbox, kit: Kit, room: Classroom, lang: str) -> None:
    """The LCM opens a topic channel; a trainer moves a misplaced message there."""
    _note(sandbox, "sandbox.demo.step.topic", lang)
    mark = sandbox.record.mark()
    handle = await kit.lcm.slash(
        "topic open",
        room.general,
        name="projet-final",
        description="Le projet final : sujets, équipes, rendu",
        category=room.category,
    )
    await handle.reply(timeout=15)
    created = await sandbox.record.wait_for(
        lambda e: e.kind == "channel.create" and e.actor_id == sandbox.world.bot_user.id,
        after=mark,
        timeout=10,
        what="the topic channel",
    )
    topic = sandbox.world.channels[created.channel_id]
    _note(sandbox, "sandbox.demo.step.move", lang)
    misplaced = await kit.learner(1).say(room.general, "On peut choisir son équipe pour le projet final ?")
    mark = sandbox.record.mark()
    ask = await (await kit.trainer.context_menu("Move to...", misplaced)).reply(timeout=10)
    select = next(c for c in custom_ids(ask) if c.startswith("lcm:move:"))
    await (await kit.trainer.select(ask, select, [str(topic.id)])).reply(timeout=10)
    await _bot_said(sandbox, mark, topic.id, "the author told in the topic channel")


async def _recorded(bot: object, place_id: int):  # type: ignore[no-untyped-def]
    """The bot's record of the question in ``place_id`` (waiting for it, bounded)."""
    service = bot.services.questions  # type: ignore[attr-defined]
    return await _until_value(lambda: service.by_place(place_id))


async def _until(check, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]  # noqa: ASYNC109
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not check():
        if loop.time() > deadline:
            raise WaitTimeout("the bot did not get there in time")
        await asyncio.sleep(0.01)


async def _until_value(fetch, timeout: float = 10.0):  # type: ignore[no-untyped-def]  # noqa: ASYNC109
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while (value := await fetch()) is None:
        if loop.time() > deadline:
            raise WaitTimeout("the bot did not get there in time")
        await asyncio.sleep(0.01)
    return value


def _use_color(stream: TextIO, color: bool | None) -> bool:
    if color is not None:
        return color
    return stream.isatty() and not os.environ.get("NO_COLOR")


def _demo_lang() -> str:
    return "fr" if os.environ.get("LANG", "").lower().startswith("fr") else "en"


async def _run(keep: bool, color: bool, out: TextIO, lang: str) -> int:
    data_dir = Path(tempfile.mkdtemp(prefix="lcm-demo-"))
    try:
        async with Sandbox() as sandbox:
            room = seed_classroom(sandbox.world)
            bold = BOLD if color else ""
            reset = RESET if color else ""
            print(f"{bold}{t('sandbox.demo.title', lang, address=sandbox.base_url)}{reset}", file=out)
            roles = ", ".join(r.name for r in room.guild.roles.values() if r.id != room.guild.id)
            members = ", ".join(m.user.username for m in room.guild.members.values())
            channels = len(sandbox.world.guild_channels(room.guild.id))
            print(
                t(
                    "sandbox.demo.server",
                    lang,
                    guild=room.guild.name,
                    channels=channels,
                    roles=roles,
                    members=members,
                ),
                file=out,
            )
            key = "sandbox.demo.validation_on" if sandbox.validator else "sandbox.demo.validation_off"
            print(t(key, lang), file=out)
            shown = 0

            def show_story() -> None:
                nonlocal shown
                names = Names.of(sandbox.world)
                print(render_transcript(sandbox.record.events[shown:], names, lang, color=color), file=out)
                shown = len(sandbox.record.events)

            async def console(kit: Kit, bot: Any, clock: FakeClock) -> None:
                show_story()
                await Console(kit, bot, clock, lang, color=color, out=out).loop()
                nonlocal shown
                shown = len(sandbox.record.events)

            await play_scenario(sandbox, room, data_dir / "data", lang, console if keep else None)
            if shown < len(sandbox.record.events):
                show_story()
            failures = sandbox.failures()
            validated = sum(1 for r in sandbox.record.requests if r.validated)
            sent = sum(s.seq for s in sandbox.gateway.sessions.values())
            print(
                t(
                    "sandbox.demo.summary",
                    lang,
                    requests=len(sandbox.record.requests),
                    validated=validated,
                    events=sent,
                    failures=len(failures),
                ),
                file=out,
            )
            for failure in failures:
                print(t("sandbox.demo.failure", lang, detail=failure), file=out)
            return 1 if failures else 0
    finally:
        if keep:
            print(t("sandbox.demo.kept", lang, path=data_dir), file=out)
        else:
            shutil.rmtree(data_dir, ignore_errors=True)


def run_demo(keep: bool = False, color: bool | None = None) -> int:
    """Run the sandbox and the bot on a temporary SQLite database, play the scenario, print a transcript."""
    out = sys.stdout
    lang = _demo_lang()
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("discord").setLevel(logging.ERROR)  # voice-support warnings mean nothing here
    try:
        return asyncio.run(_run(keep, _use_color(out, color), out, lang))
    except Exception as exc:
        print(t("sandbox.demo.error", lang, error=f"{type(exc).__name__}: {exc}"), file=sys.stderr)
        return 1
