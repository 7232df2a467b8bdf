"""Idempotent side effects: one row per thing the bot posts, keyed before it is sent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime


class OutboxEntry(Base):
    """``key`` names the side effect (``q:42:suggest``); ``nonce`` makes Discord drop a resend."""

    __tablename__ = "outbox"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    nonce: Mapped[str] = mapped_column(String(25), unique=True)
    channel_id: Mapped[int | None] = mapped_column(BigInteger)
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
