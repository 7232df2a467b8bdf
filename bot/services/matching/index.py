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

DEFAULT_THRESHOLD = 0.42  # chosen by benchmarks/duplicates_eval.py on the training splits
MAX_SUGGESTIONS = 3


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
        threshold = max(threshold, _MIN_SCORE)  # a score of 0 shares nothing: never a match
        with self._lock:
            if not self._docs:
                return []
            query = self._prepare(analysis, self._neighbours)
            weights = _Weights(self._postings, len(self._docs))
            candidates, terms, assumed = self._candidates(query, threshold)
            docs = self._docs
            if len(candidates) > _BEST_FIRST_FROM:
                return self._best_first(query, weights, candidates, terms, assumed, limit, threshold, exclude)
            scored = [
                (s, key)
                for key in candidates
                if key not in exclude and (s := score(query, docs[key], weights)) >= threshold
            ]
        return _top(scored, limit)

    def _best_first(
        self,
        query: PreparedQuery,
        weights: _Weights,
        candidates: set[str],
        terms: list[tuple[float, set[str]]],
        assumed: float,
        limit: int,
        threshold: float,
        exclude: Collection[str],
    ) -> list[Match]:
        """Score many candidates in order of their best possible score, stopping once none can enter the top.

        The bound is F1 with perfect precision and the query weight the candidate holds; exact, only faster.
        """
        total = query.total
        bounded: list[tuple[float, str]] = []
        for key in candidates:
            if key in exclude:
                continue
            held = assumed
            for weight, posting in terms:
                if key in posting:
                    held += weight
            r = min(held / total, 1.0)
            bounded.append((2 * r / (1 + r), key))
        bounded.sort(key=lambda item: (-item[0], item[1]))
        docs = self._docs
        top: list[tuple[float, str]] = []
        floor = threshold
        for bound, key in bounded:
            if bound < floor - 1e-9:
                break
            s = score(query, docs[key], weights)
            if s >= floor:
                top.append((s, key))
                top.sort(key=lambda item: (-item[0], item[1]))
                del top[limit:]
                if len(top) == limit:
                    floor = max(threshold, top[-1][0])
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
            query = self._prepare(analysis, self._scan_neighbours)
            weights = _Weights(self._postings, len(self._docs))
            scored = [
                (s, key)
                for key, doc in self._docs.items()
                if key not in exclude and (s := score(query, doc, weights)) >= threshold
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

    def _candidates(
        self, query: PreparedQuery, threshold: float
    ) -> tuple[set[str], list[tuple[float, set[str]]], float]:
        """Stored questions holding enough of the query's weight to possibly reach `threshold`.

        A question can only score `threshold` if the query terms it contains (exactly or through a typo)
        carry at least `upper_bound_recall(threshold)` of the query's weight. The set of such questions is
        built from intersections of postings, heaviest terms first, so common words never get scanned alone.
        Returns the candidates, the (weight, posting) of the terms used, and the weight assumed present.
        """
        needed = upper_bound_recall(threshold) * query.total - 1e-9
        postings = self._postings
        terms: list[tuple[float, set[str]]] = []
        for term, weight in query.weights.items():
            variants = query.variants[term]
            if not variants:
                continue
            if len(variants) == 1:
                posting = postings[next(iter(variants))]
            else:
                posting = set().union(*(postings[v] for v in variants))
            terms.append((weight, posting))
        terms.sort(key=lambda item: -item[0])
        # Past a dozen terms the search tree grows too wide: the lightest are assumed present (a superset).
        assumed = sum(weight for weight, _ in terms[_MAX_TREE_TERMS:])
        terms = terms[:_MAX_TREE_TERMS]
        needed -= assumed
        if needed <= 0:
            return (set().union(*(posting for _, posting in terms)) if terms else set()), terms, assumed
        suffix = [0.0] * (len(terms) + 1)
        for i in range(len(terms) - 1, -1, -1):
            suffix[i] = suffix[i + 1] + terms[i][0]

        def gather(i: int, need: float, within: set[str] | None) -> set[str]:
            if i >= len(terms) or suffix[i] < need:
                return set()
            weight, posting = terms[i]
            holding = posting if within is None else (within & posting)
            if need - weight <= 0:
                found = set(holding) if within is None else holding
            elif holding:
                found = gather(i + 1, need - weight, holding)
            else:
                found = set()
            found |= gather(i + 1, need, within)
            return found

        return gather(0, needed, None), terms, assumed


_MAX_TREE_TERMS = 12
_MIN_SCORE = 1e-9
_BEST_FIRST_FROM = 1000


def _top(scored: list[tuple[float, str]], limit: int) -> list[Match]:
    scored.sort(key=lambda item: (-item[0], item[1]))
    return [Match(key, round(min(max(s, 0.0), 1.0), 4)) for s, key in scored[:limit]]
