"""lcm-bot: a learning community manager for Discord."""

__version__ = "0.1.0"
