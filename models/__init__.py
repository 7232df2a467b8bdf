"""Every model, imported here so that ``Base.metadata`` is complete (Alembic and tests rely on it)."""

from models.base import Base, UTCDateTime
from models.guild import GuildSettings
from models.meta import BotState

__all__ = ["Base", "BotState", "GuildSettings", "UTCDateTime"]
