"""`lcm-bot duplicates match`: the bot's duplicate matching over a TSV corpus, one JSON line per query."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import TextIO

from bot.services.matching.index import DEFAULT_THRESHOLD, MAX_SUGGESTIONS, QuestionIndex


class CorpusError(ValueError):
    """The corpus file cannot be used; the message says why, in one line."""


def read_corpus(path: Path) -> list[tuple[str, str]]:
    """Read `key<TAB>question` lines (UTF-8); blank lines are skipped, anything else malformed is an error."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise CorpusError(f"cannot read corpus {path}: {exc.strerror or exc}") from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CorpusError(f"corpus {path} is not UTF-8 (byte {exc.start})") from exc
    items: list[tuple[str, str]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        key, sep, question = line.partition("\t")
        key = key.strip()
        if not sep or not key:
            raise CorpusError(f"corpus {path}, line {number}: expected 'key<TAB>question'")
        items.append((key, question.strip()))
    return items


def match_line(index: QuestionIndex, query: str, threshold: float) -> dict:
    """The JSON object for one query line: the matches the bot would show, best first."""
    matches = index.search(query, limit=MAX_SUGGESTIONS, threshold=threshold)
    return {"query": query, "matches": [{"key": m.key, "score": m.score} for m in matches]}


def _ensure_utf8(stream: TextIO, *, errors: str) -> None:
    """Read and write UTF-8 whatever the locale says; a stray invalid byte in a query never aborts the run."""
    if isinstance(stream, io.TextIOWrapper):
        stream.reconfigure(encoding="utf-8", errors=errors)


def run_match_cli(corpus: Path, stdin: TextIO, stdout: TextIO, *, threshold: float | None = None) -> int:
    """Index `corpus`, then answer each stdin line with one JSON line; return the exit code."""
    try:
        items = read_corpus(corpus)
    except CorpusError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    index = QuestionIndex.build(items)
    limit = DEFAULT_THRESHOLD if threshold is None else threshold
    _ensure_utf8(stdin, errors="replace")
    _ensure_utf8(stdout, errors="strict")
    for line in stdin:
        query = line.rstrip("\r\n")
        stdout.write(json.dumps(match_line(index, query, limit), ensure_ascii=False) + "\n")
        stdout.flush()
    return 0
