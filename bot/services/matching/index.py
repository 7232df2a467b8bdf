"""An in-memory, thread-safe index of one guild's questions: inverted index, then exact re-scoring."""

from __future__ import annotations

import asyncio
import math
import threading
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.services.matching.candidates import best_first, query_postings
from bot.services.matching.normalize import Analysis, analyse, is_fuzzy_eligible
from bot.services.matching.scoring import PreparedQuery, prepare, score, upper_bound_recall

DEFAULT_THRESHOLD = 0.41  # chosen by benchmarks/duplicates_eval.py on the training splits
MAX_SUGGESTIONS = 3
RUNNER_UP_RATIO = 0.8  # a second or third suggestion must score at least this share of the best one


@dataclass(frozen=True, slots=True)
class Match:
    """One stored question (or knowledge-base entry) similar to the query."""

    key: str
    score: float


def _deletions(term: str) -> Iterator[str]:
    for i in range(len(term)):
        yield term[:i] + term[i + 1 :]


class _Weights(dict[str, float]):
    """Current weight of each stored term, computed from its document frequency on first use."""

    __slots__ = ("_log_n", "_postings")

    def __init__(self, postings: dict[str, set[str]], n_docs: int) -> None:
        super().__init__()
        self._postings = postings
        self._log_n = math.log(n_docs + 1)

    def least(self, max_df: int) -> float:
        """The least weight a stored term can have when no term is in more than `max_df` questions."""
        return 1.0 + self._log_n - math.log(max_df + 1)

    def __missing__(self, term: str) -> float:
        value = 1.0 + self._log_n - math.log(len(self._postings[term]) + 1)
        self[term] = value
        return value


class QuestionIndex:
    """Questions of one guild, searchable by meaning-preserving lexical similarity.

    All methods are safe to call from several threads; `asearch`/`abuild` run the work off the event loop.
    """

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._docs: dict[str, Analysis] = {}
        self._lengths: dict[str, int] = {}  # key -> number of terms, read in bulk by the search
        self._numbered: set[str] = set()  # keys of questions naming a number, day or month
        self._postings: dict[str, set[str]] = {}
        self._deletes: dict[str, set[str]] = {}  # one-letter deletion of a stored stem -> stems
        self._max_df = 0  # never lowered on removal: an over-estimate keeps the search's bounds safe

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
            self._lengths[key] = len(analysis.terms)
            if analysis.numbers:
                self._numbered.add(key)
            for term in analysis.terms:
                posting = self._postings.get(term)
                if posting is None:
                    self._postings[term] = {key}
                    self._max_df = max(self._max_df, 1)
                    if is_fuzzy_eligible(term):
                        for variant in (term, *_deletions(term)):
                            self._deletes.setdefault(variant, set()).add(term)
                else:
                    posting.add(key)
                    if len(posting) > self._max_df:
                        self._max_df = len(posting)

    update = add

    def remove(self, key: str) -> bool:
        """Forget `key`; return whether it was stored."""
        with self._lock:
            return self._remove(key)

    def _remove(self, key: str) -> bool:
        analysis = self._docs.pop(key, None)
        if analysis is None:
            return False
        del self._lengths[key]
        self._numbered.discard(key)
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
            query, weights = self._query(analysis, self._neighbours)
            return self._search(query, weights, limit, max(threshold, _MIN_SCORE), exclude)

    def _search(
        self,
        query: PreparedQuery,
        weights: _Weights,
        limit: int,
        threshold: float,
        exclude: Collection[str],
    ) -> list[Match]:
        """Exact top `limit`: candidates scored best bound first while the bar to enter the top rises.

        Candidates are the questions holding `upper_bound_recall(threshold)` of the query's weight. The
        bar starts at `threshold` and rises with what is found: the k-th best score once `limit` are
        found, and `RUNNER_UP_RATIO` of the best (lower ones are never shown).
        """
        docs = self._docs
        postings = query_postings(query, self._postings, weights)
        least = max(1.0, weights.least(self._max_df))
        top: list[tuple[float, str]] = []
        bar = threshold

        def consider(key: str) -> None:
            nonlocal bar
            s = score(query, docs[key], weights)
            if s >= bar:
                top.append((s, key))
                top.sort(key=lambda item: (-item[0], item[1]))
                del top[limit:]
                bar = max(threshold, top[0][0] * RUNNER_UP_RATIO)
                if len(top) == limit:
                    bar = max(bar, top[-1][0])

        best_first(
            query,
            docs,
            self._lengths,
            self._numbered,
            postings,
            upper_bound_recall(threshold) * query.total,
            least,
            exclude,
            consider,
            lambda: bar,
        )
        return _top(top, limit)

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
        threshold = max(threshold, _MIN_SCORE)  # a score of 0 shares nothing: never a match
        with self._lock:
            if not self._docs:
                return []
            query, weights = self._query(analysis, self._scan_neighbours)
            scored = [
                (s, key)
                for key, doc in self._docs.items()
                if key not in exclude and (s := score(query, doc, weights)) >= threshold
            ]
        return _top(scored, limit)

    def _query(self, analysis: Analysis, neighbours) -> tuple[PreparedQuery, _Weights]:  # type: ignore[no-untyped-def]
        """The prepared query and the corpus weights it is scored with (under the lock)."""
        return self._prepare(analysis, neighbours), _Weights(self._postings, len(self._docs))

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


_MIN_SCORE = 1e-9


def _top(scored: list[tuple[float, str]], limit: int) -> list[Match]:
    scored.sort(key=lambda item: (-item[0], item[1]))
    if scored:
        # Runner-up suggestions far below the best one are mostly noise next to it.
        floor = scored[0][0] * RUNNER_UP_RATIO
        scored = [item for item in scored[:limit] if item[0] >= floor]
    return [Match(key, round(min(max(s, 0.0), 1.0), 4)) for s, key in scored[:limit]]
