"""Why fetching or reading a feed failed, as a small set of reasons with catalog messages."""

from __future__ import annotations

from enum import StrEnum

from bot.i18n import t


class FeedErrorReason(StrEnum):
    """One reason per thing the LCM can do something about; each has a message and a fix in the catalog."""

    NOT_FOUND = "not_found"
    TIMEOUT = "timeout"
    NOT_A_FEED = "not_a_feed"
    REFUSED_ADDRESS = "refused_address"
    TOO_LARGE = "too_large"
    TOO_MANY_REDIRECTS = "too_many_redirects"
    SERVER_ERROR = "server_error"
    HTTP_ERROR = "http_error"
    CONNECTION_FAILED = "connection_failed"
    BAD_URL = "bad_url"

    @property
    def message_key(self) -> str:
        return f"feeds.error.{self.value}"

    @property
    def fix_key(self) -> str:
        return f"feeds.error.{self.value}.fix"

    def message(self, lang: str | None = None) -> str:
        """The reason in plain words."""
        return t(self.message_key, lang)

    def fix(self, lang: str | None = None) -> str:
        """What the LCM can do about it."""
        return t(self.fix_key, lang)


class FeedError(Exception):
    """A feed could not be fetched or read; ``detail`` is technical (for logs), ``reason`` is for people."""

    def __init__(self, reason: FeedErrorReason, detail: str = "") -> None:
        super().__init__(f"{reason.value}: {detail}" if detail else reason.value)
        self.reason = reason
        self.detail = detail

    def __reduce__(self) -> tuple[type[FeedError], tuple[FeedErrorReason, str]]:
        # Raised in a process-pool worker, it must come back with its reason intact.
        return (FeedError, (self.reason, self.detail))
