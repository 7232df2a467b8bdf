"""The idle rules: how long things may stay quiet before the bot acts, and the deadlines they give."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class IdleRules:
    """Delays of the organizing capability (defaults from the issue; tests and config may shorten them)."""

    solved_close: timedelta = timedelta(hours=24)
    nudge_after: timedelta = timedelta(days=3)
    channel_warn_after: timedelta = timedelta(days=21)
    archive_after_warning: timedelta = timedelta(days=3)

    def close_due(self, solved_at: datetime | None, last_activity_at: datetime) -> datetime:
        """A solved thread closes once quiet for ``solved_close`` since it was solved or last spoken in."""
        base = max(d for d in (solved_at, last_activity_at) if d is not None)
        return base + self.solved_close

    def nudge_due(self, last_activity_at: datetime) -> datetime:
        return last_activity_at + self.nudge_after

    def warn_due(self, last_activity_at: datetime) -> datetime:
        return last_activity_at + self.channel_warn_after

    def archive_due(self, warned_at: datetime) -> datetime:
        return warned_at + self.archive_after_warning
