"""``lcm-bot demo``: the real bot against a local Discord sandbox, with a transcript of what happened."""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import TextIO

from bot.clock import FakeClock
from bot.i18n import t
from bot.sandbox.kit import Kit, run_lcm_bot
from bot.sandbox.record import WaitTimeout
from bot.sandbox.seed import Classroom, seed_classroom
from bot.sandbox.server import Sandbox
from bot.sandbox.transcript import BOLD, RESET, Names, render_transcript

log = logging.getLogger(__name__)


def _note(sandbox: Sandbox, key: str, lang: str) -> None:
    sandbox.record.add("note", data={"text": t(key, lang)})


async def play_scenario(sandbox: Sandbox, room: Classroom, data_dir: Path, lang: str) -> None:
    """Set the server up, then /lcm status and /lcm check, as the LCM would; all of it lands in the record."""
    kit = Kit(sandbox, room)
    _note(sandbox, "sandbox.demo.step.start", lang)
    async with run_lcm_bot(sandbox, data_dir, clock=FakeClock()):
        _note(sandbox, "sandbox.demo.step.config", lang)
        handle = await kit.lcm.slash(
            "lcm config",
            room.general,
            lcm_role=room.lcm_role,
            trainer_role=room.trainer_role,
            log_channel=room.staff,
        )
        await handle.reply(timeout=10)
        _note(sandbox, "sandbox.demo.step.status", lang)
        await (await kit.lcm.slash("lcm status", room.general)).reply(timeout=10)
        _note(sandbox, "sandbox.demo.step.check", lang)
        handle = await kit.lcm.slash("lcm check", room.general)
        await handle.followup(timeout=10)
        try:
            await _space_step(sandbox, kit, room, lang)
        except (LookupError, WaitTimeout) as exc:  # the questions capability is optional in the demo
            log.info("demo: questions step skipped (%s)", exc)
        _note(sandbox, "sandbox.demo.step.learner", lang)
        try:
            await kit.learner(0).slash("lcm status", room.general)
        except PermissionError:
            text = t("sandbox.demo.hidden", lang, user=room.learners[0].username)
            sandbox.record.add("note", data={"text": text, "heading": False})


async def _space_step(sandbox: Sandbox, kit: Kit, room: Classroom, lang: str) -> None:
    _note(sandbox, "sandbox.demo.step.space", lang)
    handle = await kit.lcm.slash("lcm space add", room.general, channel=room.forum)
    await handle.reply(timeout=10)
    await kit.learner(0).open_post(
        room.forum,
        "Comment installer Python sur Windows ?",
        "Bonjour, après l'installation, « python » n'est pas reconnu dans le terminal. Que faire ?",
        tags=["question"],
    )
    mark = sandbox.record.mark()
    thread, _ = await kit.learner(2).open_post(
        room.forum,
        "Python n'est pas reconnu sous Windows",
        "Bonjour, j'ai installé Python mais le terminal dit que « python » n'est pas reconnu. Une idée ?",
        tags=["question"],
    )
    bot_id = sandbox.world.bot_user.id
    await sandbox.record.wait_for(
        lambda e: e.actor_id == bot_id and e.channel_id == thread.id,
        after=mark,
        timeout=5,
        what="the bot's answer to the second question",
    )


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
            await play_scenario(sandbox, room, data_dir / "data", lang)
            names = Names.of(sandbox.world)
            print(render_transcript(sandbox.record.events, names, lang, color=color), file=out)
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
    try:
        return asyncio.run(_run(keep, _use_color(out, color), out, lang))
    except Exception as exc:
        print(t("sandbox.demo.error", lang, error=f"{type(exc).__name__}: {exc}"), file=sys.stderr)
        return 1
