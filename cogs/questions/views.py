"""Buttons on duplicate suggestions; their custom ids carry the question, so they survive restarts."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import discord

from bot.checks import audience_of
from bot.i18n import lang_from_locale, t
from bot.tree import handle_interaction_error, reply_ephemeral

if TYPE_CHECKING:
    from bot.app import LCMBot
    from cogs.questions.cog import Questions


class DuplicateButton(
    discord.ui.DynamicItem[discord.ui.Button], template=r"lcm:dup:(?P<qid>\d+):(?P<target>(?:q|kb):\d+|no)"
):
    """ "That answers my question" (target = the suggested key) or "Not the same question" (target = no)."""

    def __init__(self, question_id: int, target: str, label: str, style: discord.ButtonStyle) -> None:
        super().__init__(
            discord.ui.Button(label=label[:80], style=style, custom_id=f"lcm:dup:{question_id}:{target}")
        )
        self.question_id = question_id
        self.target = target

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> DuplicateButton:
        return cls(int(match["qid"]), match["target"], item.label or "", item.style)

    async def callback(self, interaction: discord.Interaction[LCMBot]) -> None:
        cog: Questions | None = interaction.client.cogs.get("Questions")  # type: ignore[assignment]
        if cog is None:
            return
        try:
            await cog.on_duplicate_button(interaction, self.question_id, self.target)
        except Exception as exc:  # one place answers the user and logs with an error id
            await handle_interaction_error(interaction, exc)


def suggestion_view(question_id: int, keys: list[str], lang: str) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for number, key in enumerate(keys, 1):
        label = t("dup.button.yes", lang) if len(keys) == 1 else t("dup.button.yes_n", lang, number=number)
        view.add_item(DuplicateButton(question_id, key, label, discord.ButtonStyle.success))
    view.add_item(DuplicateButton(question_id, "no", t("dup.button.no", lang), discord.ButtonStyle.secondary))
    return view


async def may_act_on_question(interaction: discord.Interaction[LCMBot], asker_id: int) -> bool:
    """The asker, a trainer or the LCM may; anyone else is told so, privately."""
    if interaction.user.id == asker_id or (await audience_of(interaction.client, interaction.user)).is_staff:
        return True
    await reply_ephemeral(interaction, t("perm.asker_or_staff", lang_from_locale(str(interaction.locale))))
    return False
