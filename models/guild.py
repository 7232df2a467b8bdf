"""Per-guild settings that the LCM edits from Discord."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime

DEFAULT_HOURS = "mon-fri 09:00-18:00 Europe/Paris"


class GuildSettings(Base):
    __tablename__ = "guild_settings"

    guild_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    language: Mapped[str] = mapped_column(String(2))
    lcm_role_id: Mapped[int | None] = mapped_column(BigInteger)
    trainer_role_id: Mapped[int | None] = mapped_column(BigInteger)
    log_channel_id: Mapped[int | None] = mapped_column(BigInteger)
    # Escalation: where trainers are asked, when, and after how long (minutes; working time after the ping).
    trainers_channel_id: Mapped[int | None] = mapped_column(BigInteger)
    working_hours: Mapped[str] = mapped_column(
        String(300), default=DEFAULT_HOURS, server_default=text(f"'{DEFAULT_HOURS}'")
    )
    peer_window_minutes: Mapped[int] = mapped_column(Integer, default=24 * 60, server_default=text("1440"))
    reminder_minutes: Mapped[int] = mapped_column(Integer, default=4 * 60, server_default=text("240"))
    lcm_minutes: Mapped[int] = mapped_column(Integer, default=8 * 60, server_default=text("480"))
    escalate_min_age_minutes: Mapped[int] = mapped_column(Integer, default=120, server_default=text("120"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
