"""An in-memory, thread-safe index of one guild's questions: inverted index, then exact re-scoring."""

from __future__ import annotations

import asyncio
import math
import threading
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.services.matching.normalize import Analysis, analyse, is_fuzzy_eligible
from bot.services.matching.scoring import PreparedQuery, number_factor, prepare, score, upper_bound_recall

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
            return self._search(query, weights, limit, threshold, exclude)

    def _search(
        self,
        query: PreparedQuery,
        weights: _Weights,
        limit: int,
        threshold: float,
        exclude: Collection[str],
    ) -> list[Match]:
        """Exact top `limit`, found by widening rings of candidates while the bar to enter the top rises.

        The bar starts at `threshold` and rises with what is found: the k-th best score once `limit` are
        found, and `RUNNER_UP_RATIO` of the best (lower ones are never shown). A question can only clear
        the bar if it holds `upper_bound_recall(bar)` of the query's weight, so the closest questions are
        scored first and each later ring only adds the questions that can still make it.
        """
        docs = self._docs
        postings = self._query_postings(query, weights)
        least = max(1.0, weights.least(self._max_df))
        top: list[tuple[float, str]] = []
        done: set[str] = set()
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

        for ring in (*_RINGS, 0.0):
            need = max(ring, upper_bound_recall(bar)) * query.total
            leaves = self._partition(postings, need)
            size = sum(len(leaf[3]) for leaf in leaves)
            if ring and size > _BEST_FIRST_FROM:
                continue  # too wide to score in any order: left to the ordered pass below
            if size > _BEST_FIRST_FROM:
                self._ordered_pass(query, leaves, postings, least, done, exclude, consider, lambda: bar)
            else:
                for *_, keys in leaves:
                    for key in keys:
                        if key not in done and key not in exclude:
                            consider(key)
            for *_, keys in leaves:
                done |= keys
        return _top(top, limit)

    def _ordered_pass(
        self,
        query: PreparedQuery,
        leaves: list[_Leaf],
        postings: _QueryPostings,
        least: float,
        done: set[str],
        exclude: Collection[str],
        consider: Callable[[str], None],
        bar: Callable[[], float],
    ) -> None:
        """Score many candidates best bound first, stopping once no bound reaches the bar.

        The bound never falls below the true score, so stopping early loses nothing: recall is at most
        the query weight a question holds; precision at most its matched stored weight over that plus
        its other terms at `least`, the least weight any stored term can have; numbers cost what they cost.
        """
        docs = self._docs
        total = query.total
        numbers = query.analysis.numbers
        groups: dict[float, list[str]] = {}
        for q_held, d_held, d_count, keys in leaves:
            r = min((q_held + postings.assumed) / total, 1.0)
            d_held += postings.assumed_stored
            d_count += postings.assumed_count
            by_length: dict[int, float] = {}
            for key in keys:
                if key in done or key in exclude:
                    continue
                doc = docs[key]
                length = len(doc.terms)
                bound = by_length.get(length)
                if bound is None:
                    others = length - d_count
                    p = d_held / (d_held + others * least) if others > 0 else 1.0
                    bound = by_length[length] = 2 * p * r / (p + r)
                if doc.numbers != numbers:
                    bound *= number_factor(numbers, doc.numbers)
                group = groups.get(bound)
                if group is None:
                    groups[bound] = [key]
                else:
                    group.append(key)
        for bound in sorted(groups, reverse=True):
            if bound < bar() - 1e-9:
                return
            for key in sorted(groups[bound]):
                if bound < bar() - 1e-9:
                    return
                consider(key)

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

    def _query_postings(self, query: PreparedQuery, weights: _Weights) -> _QueryPostings:
        """Per query term, heaviest first: its weight and the questions holding it or a typo of it.

        Past a dozen terms the search tree grows too wide: the lightest ones are set apart and assumed
        present in every question (a safe over-estimate).
        """
        postings = self._postings
        terms: list[tuple[float, set[str], float, int]] = []
        for term, weight in query.weights.items():
            variants = query.variants[term]
            if not variants:
                continue
            if len(variants) == 1:
                posting = postings[next(iter(variants))]
            else:
                posting = set().union(*(postings[v] for v in variants))
            terms.append((weight, posting, sum(weights[v] for v in variants), len(variants)))
        terms.sort(key=lambda item: -item[0])
        tail = terms[_MAX_TREE_TERMS:]
        return _QueryPostings(
            [(weight, posting) for weight, posting, _, _ in terms[:_MAX_TREE_TERMS]],
            [(doc_weight, count) for _, _, doc_weight, count in terms[:_MAX_TREE_TERMS]],
            sum(item[0] for item in tail),
            sum(item[2] for item in tail),
            sum(item[3] for item in tail),
        )

    @staticmethod
    def _partition(postings: _QueryPostings, need: float) -> list[_Leaf]:
        """Questions holding query terms worth at least `need`, split by which terms they hold.

        Each leaf is (query weight held, stored weight of the held terms' variants, how many variants,
        questions), from C-level set operations on postings taken heaviest first: common words are only
        ever intersected with smaller sets. Tiny sets stop splitting early with optimistic totals.
        """
        terms, stored = postings.terms, postings.stored
        need -= postings.assumed + 1e-9
        k = len(terms)
        suffix = [0.0] * (k + 1)
        stored_suffix = [0.0] * (k + 1)
        count_suffix = [0] * (k + 1)
        for i in range(k - 1, -1, -1):
            suffix[i] = suffix[i + 1] + terms[i][0]
            stored_suffix[i] = stored_suffix[i + 1] + stored[i][0]
            count_suffix[i] = count_suffix[i + 1] + stored[i][1]
        leaves: list[_Leaf] = []

        def walk(j: int, within: set[str], held: float, d_held: float, d_count: int) -> None:
            if held + suffix[j] < need:
                return
            if j == k:
                leaves.append((held, d_held, d_count, within))
                return
            if len(within) <= _SMALL_LEAF:
                leaves.append(
                    (held + suffix[j], d_held + stored_suffix[j], d_count + count_suffix[j], within)
                )
                return
            weight, posting = terms[j]
            holding = within & posting
            if holding:
                walk(j + 1, holding, held + weight, d_held + stored[j][0], d_count + stored[j][1])
                walk(j + 1, within - holding, held, d_held, d_count)
            else:
                walk(j + 1, within, held, d_held, d_count)

        covered: set[str] = set()
        for i in range(k):
            if suffix[i] < need:
                break
            weight, posting = terms[i]
            fresh = posting - covered
            if i + 1 < k:
                covered |= posting
            if fresh:
                walk(i + 1, fresh, weight, stored[i][0], stored[i][1])
        return leaves


@dataclass(frozen=True, slots=True)
class _QueryPostings:
    terms: list[tuple[float, set[str]]]  # (query weight, questions holding the term or a typo of it)
    stored: list[tuple[float, int]]  # per term: weight of all its stored variants, how many there are
    assumed: float  # query weight of the terms past _MAX_TREE_TERMS, assumed held by everyone
    assumed_stored: float
    assumed_count: int


_Leaf = tuple[float, float, int, set[str]]
_SMALL_LEAF = 8
_MAX_TREE_TERMS = 12
_MIN_SCORE = 1e-9
_BEST_FIRST_FROM = 1000
_RINGS = (0.75, 0.5)  # shares of the query's weight held, for the first candidate rings


def _top(scored: list[tuple[float, str]], limit: int) -> list[Match]:
    scored.sort(key=lambda item: (-item[0], item[1]))
    if scored:
        # Runner-up suggestions far below the best one are mostly noise next to it.
        floor = scored[0][0] * RUNNER_UP_RATIO
        scored = [item for item in scored[:limit] if item[0] >= floor]
    return [Match(key, round(min(max(s, 0.0), 1.0), 4)) for s, key in scored[:limit]]
