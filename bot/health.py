"""Results of ``/lcm check``: what the bot can and cannot do, each problem with its fix."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from bot.i18n import t

PERMISSION_LABELS = {
    "view_channel": "View Channel",
    "send_messages": "Send Messages",
    "send_messages_in_threads": "Send Messages in Threads",
    "create_public_threads": "Create Public Threads",
    "embed_links": "Embed Links",
    "attach_files": "Attach Files",
    "read_message_history": "Read Message History",
    "manage_threads": "Manage Threads",
    "manage_messages": "Manage Messages",
    "manage_channels": "Manage Channels",
    "manage_roles": "Manage Roles",
    "manage_webhooks": "Manage Webhooks",
    "mention_everyone": "Mention @everyone, @here and All Roles",
    "add_reactions": "Add Reactions",
}

OK_MARK = "\N{WHITE HEAVY CHECK MARK}"
PROBLEM_MARK = "\N{WARNING SIGN}\N{VARIATION SELECTOR-16}"


def permission_labels(names: Iterable[str]) -> str:
    return ", ".join(PERMISSION_LABELS.get(name, name) for name in names)


@dataclass(frozen=True)
class CheckItem:
    """One line of the report: a catalog key, its values, and the fix's key when it is a problem."""

    ok: bool
    key: str
    fix: str | None = None
    values: dict[str, object] = field(default_factory=dict)

    @classmethod
    def of(cls, ok: bool, key: str, *, fix: str | None = None, **values: object) -> CheckItem:
        return cls(ok=bool(ok), key=key, fix=fix, values=values)

    @classmethod
    def missing_permissions(cls, key: str, missing: Sequence[str], **values: object) -> CheckItem:
        """A permissions line: fine when nothing is missing, else it names each missing permission."""
        return cls(
            ok=not missing,
            key=key,
            fix="check.permissions.fix",
            values={**values, "permissions": permission_labels(missing) or "-"},
        )

    def render(self, lang: str) -> str:
        mark = OK_MARK if self.ok else PROBLEM_MARK
        line = f"{mark} {t(self.key + ('.ok' if self.ok else '.problem'), lang, **self.values)}"
        if not self.ok and self.fix:
            line += f"\n\N{RIGHTWARDS ARROW} {t(self.fix, lang, **self.values)}"
        return line


def render_check_items(items: Sequence[CheckItem], lang: str, limit: int = 4000) -> str:
    """Problems first, then what works; cut to fit an embed description."""
    ordered = sorted(items, key=lambda item: item.ok)
    text = "\n".join(item.render(lang) for item in ordered)
    return text if len(text) <= limit else text[: limit - 1] + "\N{HORIZONTAL ELLIPSIS}"
