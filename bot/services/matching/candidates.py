"""Candidate generation for the index: which stored questions can still beat the bar, closest first.

Pure functions over postings (term -> keys); `QuestionIndex` holds its lock while calling them.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass

from bot.services.matching.normalize import Analysis
from bot.services.matching.scoring import PreparedQuery, number_factor


@dataclass(frozen=True, slots=True)
class QueryPostings:
    """What candidate generation needs to know of each query term, heaviest first."""

    terms: list[tuple[float, set[str]]]  # (query weight, questions holding the term or a typo of it)
    stored: list[tuple[float, int]]  # per term: weight of all its stored variants, how many there are
    assumed: float  # query weight of the terms past _MAX_TREE_TERMS, assumed held by everyone
    assumed_stored: float
    assumed_count: int


Leaf = tuple[float, float, int, set[str]]
_SMALL_LEAF = 8
_MAX_TREE_TERMS = 12


def ordered_pass(
    query: PreparedQuery,
    docs: Mapping[str, Analysis],
    leaves: list[Leaf],
    postings: QueryPostings,
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


def query_postings(
    query: PreparedQuery, postings: Mapping[str, set[str]], weights: Mapping[str, float]
) -> QueryPostings:
    """Per query term, heaviest first: its weight and the questions holding it or a typo of it.

    Past a dozen terms the search tree grows too wide: the lightest ones are set apart and assumed
    present in every question (a safe over-estimate).
    """
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
    return QueryPostings(
        [(weight, posting) for weight, posting, _, _ in terms[:_MAX_TREE_TERMS]],
        [(doc_weight, count) for _, _, doc_weight, count in terms[:_MAX_TREE_TERMS]],
        sum(item[0] for item in tail),
        sum(item[2] for item in tail),
        sum(item[3] for item in tail),
    )


def partition(postings: QueryPostings, need: float) -> list[Leaf]:
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
    leaves: list[Leaf] = []

    def walk(j: int, within: set[str], held: float, d_held: float, d_count: int) -> None:
        if held + suffix[j] < need:
            return
        if j == k:
            leaves.append((held, d_held, d_count, within))
            return
        if len(within) <= _SMALL_LEAF:
            leaves.append((held + suffix[j], d_held + stored_suffix[j], d_count + count_suffix[j], within))
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
