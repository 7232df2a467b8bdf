"""Questions: Q&A spaces, duplicate suggestions, solutions and the knowledge base, on Discord."""

from cogs.questions.cog import Questions

__all__ = ["Questions"]
