"""Duplicate-question matching: normalisation, a per-guild in-memory index and the scorer (no Discord, no DB).

Typical use::

    index = await QuestionIndex.abuild([("q:1", "Comment rendre le devoir 2 ?"), ("kb:7", "...")])
    matches = await index.asearch("comment on rend le devoir 2", exclude={"q:1"})
"""

from bot.services.matching.cli import read_corpus, run_match_cli
from bot.services.matching.index import (
    DEFAULT_THRESHOLD,
    MAX_SUGGESTIONS,
    RUNNER_UP_RATIO,
    Match,
    QuestionIndex,
)
from bot.services.matching.normalize import Analysis, analyse

__all__ = [
    "DEFAULT_THRESHOLD",
    "MAX_SUGGESTIONS",
    "RUNNER_UP_RATIO",
    "Analysis",
    "Match",
    "QuestionIndex",
    "analyse",
    "read_corpus",
    "run_match_cli",
]
