"""The similarity between a query and one stored question, shared by the index and the full scan."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from rapidfuzz.distance import OSA

from bot.services.matching.normalize import Analysis, is_fuzzy_eligible, opposites

FUZZY_CREDIT = 0.8  # a word matched through a typo counts for less than an exact one
NUMBER_MISMATCH = 0.5  # both name numbers, none in common: "devoir 2" vs "devoir 3"
NUMBER_PARTIAL = 0.75  # both name numbers, some differ
NUMBER_ONE_SIDED = 0.9  # only one of them names a number
OPPOSITE = 0.5  # one says "s'inscrire", the other "se désinscrire"


def idf(df: int, n_docs: int) -> float:
    """Smoothed inverse document frequency: rare words weigh more; never below 1."""
    return 1.0 + math.log((n_docs + 1) / (df + 1))


def is_close(a: str, b: str) -> bool:
    """Whether two different stems are one typo apart (OSA distance 1, same first letter, both long).

    The same first letter keeps negating prefixes apart: "inscrir" never meets "desinscrir".
    """
    return (
        a != b
        and a[0] == b[0]
        and abs(len(a) - len(b)) <= 1
        and is_fuzzy_eligible(a)
        and is_fuzzy_eligible(b)
        and OSA.distance(a, b, score_cutoff=1) <= 1
    )


@dataclass(frozen=True, slots=True)
class PreparedQuery:
    """A query resolved against one vocabulary: each term's weight and the stored terms it matches."""

    analysis: Analysis
    weights: dict[str, float]  # query term -> weight
    variants: dict[str, dict[str, float]]  # query term -> {stored term: credit}
    credit: dict[str, float]  # stored term -> best credit over query terms
    total: float
    opposites: dict[str, frozenset[str]]  # query term -> terms meaning its opposite


def prepare(
    analysis: Analysis,
    df: Callable[[str], int],
    n_docs: int,
    neighbours: Callable[[str], Iterable[str]],
) -> PreparedQuery:
    """Weigh query terms and list the stored terms each one matches (itself, typo neighbours)."""
    weights: dict[str, float] = {}
    variants: dict[str, dict[str, float]] = {}
    credit: dict[str, float] = {}
    for term in analysis.terms:
        matches: dict[str, float] = {}
        if df(term):
            matches[term] = 1.0
        if is_fuzzy_eligible(term):
            for other in neighbours(term):
                if is_close(term, other):
                    matches[other] = FUZZY_CREDIT
        own_df = df(term)
        if own_df or not matches:
            weights[term] = idf(own_df, n_docs)
        else:
            # An unknown spelling of a known word weighs as that word, not as a rare one.
            weights[term] = min(idf(df(other), n_docs) for other in matches)
        variants[term] = matches
        for other, value in matches.items():
            if value > credit.get(other, 0.0):
                credit[other] = value
    contrary = {term: found for term in analysis.terms if (found := opposites(term) - analysis.term_set)}
    return PreparedQuery(analysis, weights, variants, credit, sum(weights.values()), contrary)


def score(query: PreparedQuery, doc: Analysis, weight: Mapping[str, float]) -> float:
    """Weighted soft F1 of shared terms, in [0, 1], lowered when the numbers named differ.

    `weight` gives the current weight of every stored term.
    """
    if not query.total or not doc.terms:
        return 0.0
    credit = query.credit
    doc_total = 0.0
    doc_hit = 0.0
    for term in doc.terms:
        w = weight[term]
        doc_total += w
        c = credit.get(term)
        if c:
            doc_hit += w * c
    if not doc_hit:
        return 0.0
    doc_terms = doc.term_set
    query_hit = 0.0
    for term, matches in query.variants.items():
        best = 0.0
        for other, value in matches.items():
            if value > best and other in doc_terms:
                best = value
                if best == 1.0:
                    break
        if best:
            query_hit += query.weights[term] * best
    p = doc_hit / doc_total
    r = query_hit / query.total
    f = 2 * p * r / (p + r) * number_factor(query.analysis.numbers, doc.numbers)
    for term, contrary in query.opposites.items():
        if term not in doc_terms and not contrary.isdisjoint(doc_terms):
            f *= OPPOSITE
            break
    return f


def number_factor(a: frozenset[str], b: frozenset[str]) -> float:
    """Penalty when the two texts name different numbers (assignment 2 vs assignment 3)."""
    if a == b:
        return 1.0
    if not a or not b:
        return NUMBER_ONE_SIDED
    if a.isdisjoint(b):
        return NUMBER_MISMATCH
    return NUMBER_PARTIAL


def upper_bound_recall(threshold: float) -> float:
    """The least query coverage a stored question needs to reach `threshold` (F1 with precision 1)."""
    if threshold <= 0:
        return 0.0
    return threshold / (2.0 - min(threshold, 1.0))
