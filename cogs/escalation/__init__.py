"""Escalation: no question left behind — peers first, then the trainer, then the LCM."""

from cogs.escalation.cog import Escalations

__all__ = ["Escalations"]
