"""Logging, configured once for the whole process."""

from __future__ import annotations

import logging
import sys

_configured = False


def configure_logging(level: str = "INFO") -> None:
    """Log to stderr with timestamps; discord.py's chatty loggers stay at WARNING unless DEBUG."""
    global _configured
    root = logging.getLogger()
    root.setLevel(level.upper())
    if not _configured:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
        root.addHandler(handler)
        _configured = True
    noisy = logging.DEBUG if level.upper() == "DEBUG" else logging.WARNING
    for name in (
        "discord",
        "discord.gateway",
        "discord.http",
        "apscheduler",
        "aiosqlite",
        "sqlalchemy.engine",
    ):
        logging.getLogger(name).setLevel(max(noisy, root.level))
    logging.getLogger("alembic").setLevel(logging.WARNING)
