"""Resources: RSS/Atom feeds posted with a debate on each item, and links shared by hand."""

from cogs.feeds.cog import Feeds

__all__ = ["Feeds"]
