"""Every document of the shared corpus (../shared/corpus/feeds), checked against its INDEX.tsv row.

INDEX.tsv records what feedparser 6.0.14 reads. Differences that are deliberate, and handled here:
- entries with neither title nor link are skipped by the bot (counted in ``skipped_without_title_or_link``);
- documents with no feed version and no entries raise NOT_A_FEED instead of giving an empty feed;
- fixtures that declare HTTP headers were indexed with the header name unnormalised ("Content-type"), which
  feedparser ignores; the bot passes real (case-insensitive) headers, so bozo is not compared there and the
  fixture's own ``Expect:`` line decides. Fixtures with only Content-Language get the media type a test HTTP
  server would send (application/xml).
"""

from __future__ import annotations

import csv
import importlib.util
from pathlib import Path
from typing import Any

import pytest

from bot.services.feeds.errors import FeedError, FeedErrorReason
from bot.services.feeds.parse import ParsedFeed, parse_feed

from .conftest import CORPUS_FEEDS
from .expect import Unsupported, evaluate

pytestmark = pytest.mark.skipif(
    not (CORPUS_FEEDS / "INDEX.tsv").exists(), reason=f"shared corpus not found at {CORPUS_FEEDS}"
)
HAS_CHARDET = importlib.util.find_spec("chardet") is not None


def _rows() -> list[dict[str, str]]:
    index = CORPUS_FEEDS / "INDEX.tsv"
    if not index.exists():
        return []
    with index.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


ROWS = _rows()


def _headers(row: dict[str, str]) -> dict[str, str]:
    declared = row["http_headers_in_fixture"]
    if not declared:
        return {}
    name, _, value = declared.partition(":")
    headers = {name.strip(): value.strip()}
    if name.strip().lower() != "content-type":
        headers["Content-Type"] = "application/xml"
    return headers


def _path(row: dict[str, str]) -> Path:
    return CORPUS_FEEDS.parent / row["local"]


def _parse(row: dict[str, str]) -> ParsedFeed | FeedError:
    try:
        return parse_feed(_path(row).read_bytes(), _headers(row))
    except FeedError as exc:
        return exc


def test_index_lists_the_whole_corpus():
    assert len(ROWS) == 228
    assert all(_path(row).exists() for row in ROWS)


@pytest.mark.parametrize("row", ROWS, ids=[r["local"].removeprefix("feeds/") for r in ROWS])
def test_corpus_document(row):
    result = _parse(row)
    expected = int(row["n_entries"])
    if isinstance(result, FeedError):
        assert result.reason is FeedErrorReason.NOT_A_FEED
        assert expected == 0 and not row["version"], "a document feedparser reads as a feed was refused"
        return
    assert result.version == row["version"]
    assert len(result.entries) + result.skipped_without_title_or_link == expected
    if not row["http_headers_in_fixture"]:
        assert int(result.bozo) == int(row["bozo"])
        assert (result.warning is not None) == result.bozo
    for entry in result.entries:
        assert entry.title or entry.link
        assert entry.published is None or entry.published.utcoffset().total_seconds() == 0
        assert len(entry.title) <= 256 and len(entry.safe_title) <= 256 and len(entry.safe_summary) <= 500
    again = _parse(row)
    assert isinstance(again, ParsedFeed)
    assert [e.key for e in again.entries] == [e.key for e in result.entries]


def _names(result: ParsedFeed | FeedError) -> dict[str, Any]:
    if isinstance(result, FeedError):
        return {"bozo": True, "entries": [], "feed": {}}
    return {
        "bozo": result.bozo,
        "encoding": result.encoding,
        "feed": {"title": result.title},
        "entries": [{"id": e.guid, "guid": e.guid, "link": e.raw_link} for e in result.entries],
    }


def test_fixture_expectations():
    """Evaluate each ``Expect:`` line against what the feed layer exposes; count what cannot be checked."""
    checked: list[str] = []
    unsupported: dict[str, list[str]] = {}
    failures: list[str] = []
    for row in ROWS:
        expression = row["fixture_expect"]
        if not expression:
            continue
        name = row["local"]
        if "/chardet/" in name and not HAS_CHARDET:
            unsupported.setdefault("needs chardet (not installed)", []).append(name)
            continue
        result = _parse(row)
        try:
            ok = evaluate(expression, _names(result))
        except SyntaxError:
            unsupported.setdefault("expression truncated in INDEX.tsv", []).append(name)
            continue
        except Unsupported as exc:
            unsupported.setdefault(f"not exposed: {exc}", []).append(name)
            continue
        except IndexError:
            assert isinstance(result, ParsedFeed) and result.skipped_without_title_or_link, name
            unsupported.setdefault("entry skipped (no title, no link)", []).append(name)
            continue
        (checked if ok else failures).append(f"{name}: {expression}")
    total = len(checked) + len(failures) + sum(map(len, unsupported.values()))
    summary = "; ".join(f"{reason}: {len(names)}" for reason, names in sorted(unsupported.items()))
    print(f"\nExpect lines: {total}, checked {len(checked)}, failed {len(failures)}, skipped: {summary}")
    assert not failures, "\n".join(failures)
    assert len(checked) >= 25
