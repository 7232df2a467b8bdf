"""Questions: Q&A spaces, question lifecycle, duplicate suggestions and the knowledge base."""

from bot.services.questions.knowledge import KnowledgeService
from bot.services.questions.registry import IndexRegistry, kb_key, parse_key, question_key
from bot.services.questions.service import (
    AnswerOutcome,
    QuestionInfo,
    QuestionService,
    RecordOutcome,
    SolutionOutcome,
    SuggestionInfo,
)
from bot.services.questions.spaces import SpaceInfo, SpaceService

__all__ = [
    "AnswerOutcome",
    "IndexRegistry",
    "KnowledgeService",
    "QuestionInfo",
    "QuestionService",
    "RecordOutcome",
    "SolutionOutcome",
    "SpaceInfo",
    "SpaceService",
    "SuggestionInfo",
    "kb_key",
    "parse_key",
    "question_key",
]
