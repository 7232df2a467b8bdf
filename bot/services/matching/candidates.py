"""Candidate generation for the index: which stored questions can still beat the bar, closest first.

Pure functions over postings (term -> keys); `QuestionIndex` holds its lock while calling them.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass

from bot.services.matching.normalize import Analysis, is_identifier
from bot.services.matching.scoring import (
    NUMBER_MISMATCH,
    NUMBER_ONE_SIDED,
    NUMBER_PARTIAL,
    OTHER_LANGUAGE,
    SUBSTITUTION,
    PreparedQuery,
    number_factor,
    other_language,
)


@dataclass(frozen=True, slots=True)
class QueryPostings:
    """What candidate generation needs to know of each query term, heaviest first."""

    terms: list[tuple[float, set[str]]]  # (query weight, questions holding the term or a typo of it)
    stored: list[tuple[float, int]]  # per term: weight of all its stored variants, how many there are
    assumed: float  # query weight of the terms past _MAX_TREE_TERMS, assumed held by everyone
    assumed_stored: float
    assumed_count: int
    words: list[tuple[float, int]]  # (weight, bit) of the word terms among `terms` (not numbers)
    loose_gap: float  # heaviest query word that no stored question holds in any spelling
    shared: bool  # some stored term answers two query terms (a word and its typo both in the query)
    ident_bits: int  # bits of the number terms among `terms`
    loose_ident: bool  # the query names a number no stored question names, or one past the tree


# (query weight held, stored weight of the held terms' variants, how many variants, questions, bit mask of
# the terms held or -1 when not known)
Leaf = tuple[float, float, int, set[str], int]
_SMALL_LEAF = 8
_MAX_TREE_TERMS = 12


def best_first(
    query: PreparedQuery,
    docs: Mapping[str, Analysis],
    lengths: Mapping[str, int],
    numbered: set[str],
    postings: QueryPostings,
    need: float,
    least: float,
    exclude: Collection[str],
    consider: Callable[[str], None],
    bar: Callable[[], float],
) -> None:
    """Score the questions holding query weight `need`, best bound first, until no bound reaches the bar.

    A branch-and-bound over the questions split by which query terms they hold (heaviest term first, with
    C-level set operations on postings), opened lazily: the bar only rises as `consider` finds matches,
    so most branches are never split. Bounds never fall below the true score, so stopping early loses
    nothing. A branch is bounded by the query weight it may hold (precision 1); a leaf, whose held terms
    are known, also by the mildest number penalty its questions can earn; a leaf opened into groups of
    equal length, by precision too: with `least` the least weight a stored term can have, at most the
    matched stored weight over that plus the other terms at `least`; when those are all words, the
    heaviest is at least `least` and the substitution penalty applies with the query's heaviest word
    missing. Numbers and language are finally checked question by question.
    """
    terms, stored = postings.terms, postings.stored
    need -= postings.assumed + 1e-9
    total = query.total
    numbers = query.analysis.numbers
    plain_factor = NUMBER_ONE_SIDED if numbers else 1.0
    k = len(terms)
    suffix = [0.0] * (k + 1)
    stored_suffix = [0.0] * (k + 1)
    count_suffix = [0] * (k + 1)
    for i in range(k - 1, -1, -1):
        suffix[i] = suffix[i + 1] + terms[i][0]
        stored_suffix[i] = stored_suffix[i + 1] + stored[i][0]
        count_suffix[i] = count_suffix[i + 1] + stored[i][1]

    heap: list[tuple[float, int, int, tuple]] = []  # (-bound, order, kind, payload)
    counter = iter(range(1 << 62))

    def recall_bound(held: float) -> float:
        r = min((held + postings.assumed) / total, 1.0)
        return 2 * r / (1 + r)

    def push_branch(j: int, within: set[str], held: float, d_held: float, d_count: int, mask: int) -> None:
        if held + suffix[j] < need:
            return
        if j == k:
            leaf: Leaf = (held, d_held, d_count, within, mask)
        elif len(within) <= _SMALL_LEAF:  # too small to split further: every remaining term assumed held
            leaf = (held + suffix[j], d_held + stored_suffix[j], d_count + count_suffix[j], within, -1)
        else:
            payload = (j, within, held, d_held, d_count, mask)
            heapq.heappush(heap, (-recall_bound(held + suffix[j]), next(counter), _BRANCH, payload))
            return
        numbered_factor = _numbered_factor(numbers, leaf[4], postings)
        bound = recall_bound(leaf[0]) * max(plain_factor, numbered_factor or 1.0)
        heapq.heappush(heap, (-bound, next(counter), _LEAF, (leaf, numbered_factor)))

    covered: set[str] = set()
    for i in range(k):
        if suffix[i] < need:
            break
        weight, posting = terms[i]
        fresh = posting - covered if covered else posting  # never mutated: sets are split into new ones
        if i + 1 < k and suffix[i + 1] >= need:
            covered |= posting
        if fresh:
            push_branch(i + 1, fresh, weight, stored[i][0], stored[i][1], 1 << i)

    while heap:
        negative, _, kind, payload = heapq.heappop(heap)
        bound = -negative
        if bound < bar() - 1e-9:
            return  # everything left is bounded lower still
        if kind == _BRANCH:
            j, within, held, d_held, d_count, mask = payload
            weight, posting = terms[j]
            holding = within & posting
            if holding:
                push_branch(
                    j + 1,
                    holding,
                    held + weight,
                    d_held + stored[j][0],
                    d_count + stored[j][1],
                    mask | 1 << j,
                )
                if len(holding) < len(within):
                    push_branch(j + 1, within - holding, held, d_held, d_count, mask)
            else:
                push_branch(j + 1, within, held, d_held, d_count, mask)
        elif kind == _LEAF:
            leaf, numbered_factor = payload
            for group_bound, refine, keys in _open_leaf(
                leaf, numbered_factor, plain_factor, postings, least, lengths, numbered, exclude, total
            ):
                heapq.heappush(heap, (-group_bound, next(counter), _GROUP, (refine, keys)))
        else:
            refine, keys = payload
            for key in keys:
                floor = bar() - 1e-9
                if bound < floor:
                    return
                doc = docs[key]
                own = bound
                if refine and doc.numbers != numbers:
                    own *= number_factor(numbers, doc.numbers)
                if other_language(query.analysis, doc):
                    own *= OTHER_LANGUAGE
                if own >= floor:
                    consider(key)


_BRANCH, _LEAF, _GROUP = 0, 1, 2


def _numbered_factor(numbers: frozenset[str], mask: int, postings: QueryPostings) -> float:
    """The mildest number penalty a question of a leaf can earn if it names numbers (0: not known)."""
    if not numbers:
        return NUMBER_ONE_SIDED
    if mask < 0:
        return 0.0
    held_ident = mask & postings.ident_bits  # numbers are never matched through typos
    if not held_ident:
        return NUMBER_MISMATCH
    if held_ident == postings.ident_bits and not postings.loose_ident:
        return 1.0
    return NUMBER_PARTIAL


def _open_leaf(
    leaf: Leaf,
    numbered_factor: float,
    plain_factor: float,
    postings: QueryPostings,
    least: float,
    lengths: Mapping[str, int],
    numbered: set[str],
    exclude: Collection[str],
    total: float,
) -> list[tuple[float, bool, list[str]]]:
    """Split a leaf into groups of questions sharing a bound: (bound, numbers still to check, keys)."""
    q_held, d_held, d_count, keys, mask = leaf
    if exclude:
        keys = keys.difference(exclude)
    r = min((q_held + postings.assumed) / total, 1.0)
    d_held += postings.assumed_stored
    d_count += postings.assumed_count
    # The substitution bound needs the exact count of matched stored terms: a leaf whose held terms are
    # known, each matched in a single spelling.
    exact = mask >= 0 and d_count == mask.bit_count() and not postings.assumed_count and not postings.shared
    q_gap = postings.loose_gap if exact else 0.0
    for weight, bit in postings.words if exact else ():
        if not bit & mask:
            q_gap = max(q_gap, weight)
            break
    named = keys & numbered
    # Questions naming no number can earn the substitution penalty; those naming one might not.
    parts = [(keys - named, plain_factor, True), (named, numbered_factor, False)] if named else []
    if not named:
        parts = [(keys, plain_factor, True)]
    groups: list[tuple[float, bool, list[str]]] = []
    for part, factor, can_substitute in parts:
        by_length: dict[int, list[str]] = {}
        for key in part:
            bucket = by_length.get(lengths[key])
            if bucket is None:
                by_length[lengths[key]] = [key]
            else:
                bucket.append(key)
        for length, bucket in by_length.items():
            others = length - d_count
            p = d_held / (d_held + others * least) if others > 0 else 1.0
            f = 2 * p * r / (p + r) * (factor or 1.0)
            if can_substitute and others > 0 and q_gap:
                f *= 1.0 - SUBSTITUTION * min(least / (d_held + others * least), q_gap / total)
            groups.append((f, not factor, bucket))
    return groups


def query_postings(
    query: PreparedQuery, postings: Mapping[str, set[str]], weights: Mapping[str, float]
) -> QueryPostings:
    """Per query term, heaviest first: its weight and the questions holding it or a typo of it.

    Past a dozen terms the search tree grows too wide: the lightest ones are set apart and assumed
    present in every question (a safe over-estimate).
    """
    terms: list[tuple[float, set[str], float, int, str]] = []
    for term, weight in query.weights.items():
        variants = query.variants[term]
        if not variants:
            continue
        if len(variants) == 1:
            posting = postings[next(iter(variants))]
        else:
            posting = set().union(*(postings[v] for v in variants))
        terms.append((weight, posting, sum(weights[v] for v in variants), len(variants), term))
    terms.sort(key=lambda item: (-item[0], item[4]))
    tail = terms[_MAX_TREE_TERMS:]
    tree = terms[:_MAX_TREE_TERMS]
    return QueryPostings(
        [(weight, posting) for weight, posting, _, _, _ in tree],
        [(doc_weight, count) for _, _, doc_weight, count, _ in tree],
        sum(item[0] for item in tail),
        sum(item[2] for item in tail),
        sum(item[3] for item in tail),
        [(item[0], 1 << i) for i, item in enumerate(tree) if not is_identifier(item[4])],
        max(
            (w for t, w in query.weights.items() if not query.variants[t] and not is_identifier(t)),
            default=0.0,
        ),
        sum(len(v) for v in query.variants.values()) != len(set().union(*query.variants.values())),
        sum(1 << i for i, item in enumerate(tree) if is_identifier(item[4])),
        any(is_identifier(t) for t in query.weights if not query.variants[t])
        or any(is_identifier(item[4]) for item in tail),
    )
