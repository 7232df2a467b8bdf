"""Questions: Q&A spaces, question lifecycle, duplicate suggestions and the knowledge base."""

from bot.services.questions.knowledge import KnowledgeService
from bot.services.questions.registry import IndexRegistry, kb_key, parse_key, question_key
from bot.services.questions.service import QuestionService
from bot.services.questions.spaces import SpaceInfo, SpaceService
from bot.services.questions.types import (
    AnswerOutcome,
    QuestionInfo,
    RecordOutcome,
    SolutionOutcome,
    SuggestionInfo,
)

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
