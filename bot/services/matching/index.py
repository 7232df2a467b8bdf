"""An in-memory, thread-safe index of one guild's questions: inverted index, then exact re-scoring."""

from __future__ import annotations

import asyncio
import math
import threading
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.services.matching.normalize import Analysis, analyse, is_fuzzy_eligible
from bot.services.matching.scoring import PreparedQuery, prepare, score, upper_bound_recall

DEFAULT_THRESHOLD = 0.59  # chosen by benchmarks/duplicates_eval.py on the training splits
MAX_SUGGESTIONS = 3


@dataclass(frozen=True, slots=True)
class Match:
    """One stored question (or knowledge-base entry) similar to the query."""

    key: str
    score: float


def _deletions(term: str) -> Iterator[str]:
    for i in range(len(term)):
        yield term[:i] + term[i + 1 :]


class _Weights:
    """Current weight of each stored term, read from document frequencies on demand."""

    __slots__ = ("_log_n", "_postings")

    def __init__(self, postings: dict[str, set[str]], n_docs: int) -> None:
        self._postings = postings
        self._log_n = math.log(n_docs + 1)

    def __getitem__(self, term: str) -> float:
        return 1.0 + self._log_n - math.log(len(self._postings[term]) + 1)


class QuestionIndex:
    """Questions of one guild, searchable by meaning-preserving lexical similarity.

    All methods are safe to call from several threads; `asearch`/`abuild` run the work off the event loop.
    """

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._docs: dict[str, Analysis] = {}
        self._postings: dict[str, set[str]] = {}
        self._deletes: dict[str, set[str]] = {}  # one-letter deletion of a stored stem -> stems

    # ----- mutation

    @classmethod
    def build(cls, items: Iterable[tuple[str, str]]) -> QuestionIndex:
        """Index (key, text) pairs; a later duplicate key replaces the earlier one."""
        index = cls()
        for key, text in items:
            index.add(key, text)
        return index

    @classmethod
    async def abuild(cls, items: Iterable[tuple[str, str]]) -> QuestionIndex:
        """`build` in a worker thread."""
        return await asyncio.to_thread(cls.build, list(items))

    def add(self, key: str, text: str) -> None:
        """Store a question under `key`, replacing any text already stored there."""
        analysis = analyse(text)
        with self._lock:
            self._remove(key)
            self._docs[key] = analysis
            for term in analysis.terms:
                posting = self._postings.get(term)
                if posting is None:
                    self._postings[term] = {key}
                    if is_fuzzy_eligible(term):
                        for variant in (term, *_deletions(term)):
                            self._deletes.setdefault(variant, set()).add(term)
                else:
                    posting.add(key)

    update = add

    def remove(self, key: str) -> bool:
        """Forget `key`; return whether it was stored."""
        with self._lock:
            return self._remove(key)

    def _remove(self, key: str) -> bool:
        analysis = self._docs.pop(key, None)
        if analysis is None:
            return False
        for term in analysis.terms:
            posting = self._postings[term]
            posting.discard(key)
            if not posting:
                del self._postings[term]
                if is_fuzzy_eligible(term):
                    for variant in (term, *_deletions(term)):
                        bucket = self._deletes.get(variant)
                        if bucket is not None:
                            bucket.discard(term)
                            if not bucket:
                                del self._deletes[variant]
        return True

    def __len__(self) -> int:
        return len(self._docs)

    def __contains__(self, key: object) -> bool:
        return key in self._docs

    # ----- search

    def search(
        self,
        text: str,
        *,
        limit: int = MAX_SUGGESTIONS,
        threshold: float = DEFAULT_THRESHOLD,
        exclude: Collection[str] = (),
    ) -> list[Match]:
        """Return up to `limit` stored questions scoring at least `threshold`, best first."""
        analysis = analyse(text)
        if analysis.empty or limit <= 0:
            return []
        with self._lock:
            if not self._docs:
                return []
            query = self._prepare(analysis, self._neighbours)
            weights = _Weights(self._postings, len(self._docs))
            scored = [
                (s, key)
                for key in self._candidates(query, threshold)
                if key not in exclude and (s := score(query, self._docs[key], weights)) >= threshold
            ]
        return _top(scored, limit)

    async def asearch(
        self,
        text: str,
        *,
        limit: int = MAX_SUGGESTIONS,
        threshold: float = DEFAULT_THRESHOLD,
        exclude: Collection[str] = (),
    ) -> list[Match]:
        """`search` in a worker thread."""
        return await asyncio.to_thread(self.search, text, limit=limit, threshold=threshold, exclude=exclude)

    def scan(
        self,
        text: str,
        *,
        limit: int = MAX_SUGGESTIONS,
        threshold: float = DEFAULT_THRESHOLD,
        exclude: Collection[str] = (),
    ) -> list[Match]:
        """Reference search: the same scorer applied to every stored question (slow; for checks)."""
        analysis = analyse(text)
        if analysis.empty or limit <= 0:
            return []
        with self._lock:
            if not self._docs:
                return []
            query = self._prepare(analysis, self._scan_neighbours)
            weights = _Weights(self._postings, len(self._docs))
            scored = [
                (s, key)
                for key, doc in self._docs.items()
                if key not in exclude and (s := score(query, doc, weights)) >= threshold and s > 0
            ]
        return _top(scored, limit)

    def _prepare(self, analysis: Analysis, neighbours) -> PreparedQuery:
        postings = self._postings

        def df(term: str) -> int:
            posting = postings.get(term)
            return len(posting) if posting else 0

        return prepare(analysis, df, len(self._docs), neighbours)

    def _neighbours(self, term: str) -> set[str]:
        found: set[str] = set()
        deletes = self._deletes
        for variant in (term, *_deletions(term)):
            bucket = deletes.get(variant)
            if bucket:
                found |= bucket
        return found

    def _scan_neighbours(self, term: str) -> list[str]:
        vocabulary = [t for t in self._postings if is_fuzzy_eligible(t)]
        hits = process.extract(term, vocabulary, scorer=OSA.distance, score_cutoff=1, limit=None)
        return [hit[0] for hit in hits]

    def _candidates(self, query: PreparedQuery, threshold: float) -> set[str]:
        """Stored questions that can reach `threshold`: those holding enough of the query's weight.

        Terms are taken from the lightest; the light ones that together stay under the minimum coverage
        cannot lift a question over the threshold alone, so only postings of the others are read.
        """
        needed = upper_bound_recall(threshold) * query.total
        ordered = sorted(query.weights.items(), key=lambda item: item[1])
        light = 0.0
        essential: list[str] = []
        for term, weight in ordered:
            light += weight
            if light >= needed - 1e-12:
                essential.append(term)
        candidates: set[str] = set()
        postings = self._postings
        for term in essential:
            for other in query.variants[term]:
                candidates |= postings[other]
        return candidates


def _top(scored: list[tuple[float, str]], limit: int) -> list[Match]:
    scored.sort(key=lambda item: (-item[0], item[1]))
    return [Match(key, round(min(max(s, 0.0), 1.0), 4)) for s, key in scored[:limit]]
