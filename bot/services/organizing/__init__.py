"""Organizing: topic channels, idle rules, closing finished questions, and operations in flight."""

from bot.services.organizing.followups import FollowUpAction, FollowUpDecision, FollowUpService
from bot.services.organizing.overwrites import OverwriteSpec
from bot.services.organizing.pending import PendingOp, PendingOperations
from bot.services.organizing.rules import IdleRules
from bot.services.organizing.topics import ChannelFigures, IdleAction, IdleDecision, TopicInfo, TopicService
from bot.services.organizing.transcript import (
    ConversationFigures,
    TranscriptMessage,
    TranscriptPlace,
    figures,
    render_markdown,
)

__all__ = [
    "ChannelFigures",
    "ConversationFigures",
    "FollowUpAction",
    "FollowUpDecision",
    "FollowUpService",
    "IdleAction",
    "IdleDecision",
    "IdleRules",
    "OverwriteSpec",
    "PendingOp",
    "PendingOperations",
    "TopicInfo",
    "TopicService",
    "TranscriptMessage",
    "TranscriptPlace",
    "figures",
    "render_markdown",
]
