"""Every model, imported here so that ``Base.metadata`` is complete (Alembic and tests rely on it)."""

from models.base import Base, UTCDateTime
from models.escalation import CategoryOwner, Escalation
from models.feed import Feed, FeedDebateParticipant, FeedItem, FeedItemState
from models.guild import GuildSettings
from models.meta import BotState
from models.outbox import OutboxEntry
from models.question import (
    KnowledgeEntry,
    QASpace,
    Question,
    QuestionState,
    RejectedPair,
    SpaceKind,
    Suggestion,
)
from models.topic import PendingOperation, QuestionFollowUp, TopicChannel, TopicState

__all__ = [
    "Base",
    "BotState",
    "CategoryOwner",
    "Escalation",
    "Feed",
    "FeedDebateParticipant",
    "FeedItem",
    "FeedItemState",
    "GuildSettings",
    "KnowledgeEntry",
    "OutboxEntry",
    "PendingOperation",
    "QASpace",
    "Question",
    "QuestionFollowUp",
    "QuestionState",
    "RejectedPair",
    "SpaceKind",
    "Suggestion",
    "TopicChannel",
    "TopicState",
    "UTCDateTime",
]
