"""The similarity between a query and one stored question, shared by the index and the full scan."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from rapidfuzz.distance import OSA

from bot.services.matching.normalize import Analysis, is_fuzzy_eligible, is_identifier, opposites

FUZZY_CREDIT = 0.8  # a word matched through a typo counts for less than an exact one
NUMBER_MISMATCH = 0.5  # both name numbers, none in common: "devoir 2" vs "devoir 3"
NUMBER_PARTIAL = 0.75  # both name numbers, some differ
NUMBER_ONE_SIDED = 0.9  # only one of them names a number
OPPOSITE = 0.5  # one says "s'inscrire", the other "se désinscrire"
OTHER_LANGUAGE = 0.98  # an equal match in the learner's own language comes first
# Each side keeping a weighty word of its own is a substitution ("module réseaux" vs "module sécurité"),
# worse than words added on one side only: lower the score by this share of the smaller such word.
SUBSTITUTION = 1.5


_ELIDED = frozenset("cdjlmnst")
_VOWELS = frozenset("aeiouyh")


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
    # Fast path: stored term -> (credit, query weight it earns, bit of its query term); AMBIGUOUS when
    # the stored term answers several query terms and the full computation is needed.
    gain: dict[str, tuple[float, float, int]]
    any_opposite: frozenset[str]
    by_weight: tuple[tuple[float, int], ...]  # (weight, bit) of the query's word terms, heaviest first


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
            # An elision typed without its apostrophe ("lexercice", "dinscription") glues a letter on.
            if not matches and term[0] in _ELIDED and term[1] in _VOWELS and df(term[1:]):
                matches[term[1:]] = 1.0
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
    owners: dict[str, list[int]] = {}
    for i, matches in enumerate(variants.values()):
        for other in matches:
            owners.setdefault(other, []).append(i)
    names = list(variants)
    gain: dict[str, tuple[float, float, int]] = {}
    for other, owned_by in owners.items():
        if len(owned_by) == 1:
            value = variants[names[owned_by[0]]][other]
            gain[other] = (value, weights[names[owned_by[0]]] * value, 1 << owned_by[0])
        else:
            gain[other] = AMBIGUOUS
    any_opposite = frozenset().union(*contrary.values()) if contrary else frozenset()
    by_weight = tuple(
        sorted(((weights[t], 1 << i) for i, t in enumerate(names) if not is_identifier(t)), reverse=True)
    )
    return PreparedQuery(
        analysis, weights, variants, credit, sum(weights.values()), contrary, gain, any_opposite, by_weight
    )


AMBIGUOUS = (-1.0, 0.0, 0)


def score(query: PreparedQuery, doc: Analysis, weight: Mapping[str, float]) -> float:
    """Weighted soft F1 of shared terms, in [0, 1], lowered when numbers differ or meanings are opposite.

    `weight` gives the current weight of every stored term.
    """
    if not query.total or not doc.terms:
        return 0.0
    gain = query.gain
    doc_total = doc_hit = query_hit = doc_gap = 0.0
    seen = 0
    simple = True
    for term in doc.terms:
        w = weight[term]
        doc_total += w
        g = gain.get(term)
        if g is None:
            if w > doc_gap and not is_identifier(term):
                doc_gap = w
        elif g[2] & seen or g is AMBIGUOUS:
            simple = False  # two stored terms answer one query term (a word and its typo)
        else:
            seen |= g[2]
            doc_hit += w * g[0]
            query_hit += g[1]
    doc_terms = doc.term_set
    if not simple:
        doc_hit, query_hit, seen = _soft_hits(query, doc, weight)
    if not doc_hit:
        return 0.0
    p = doc_hit / doc_total
    r = query_hit / query.total
    f = 2 * p * r / (p + r)
    if doc_gap:
        for w, bit in query.by_weight:
            if not bit & seen:
                f *= 1.0 - SUBSTITUTION * min(doc_gap / doc_total, w / query.total)
                break
    if other_language(query.analysis, doc):
        f *= OTHER_LANGUAGE
    if query.analysis.numbers != doc.numbers:
        f *= number_factor(query.analysis.numbers, doc.numbers)
    if query.any_opposite and not query.any_opposite.isdisjoint(doc_terms):
        for term, contrary in query.opposites.items():
            if term not in doc_terms and not contrary.isdisjoint(doc_terms):
                f *= OPPOSITE
                break
    return f


def _soft_hits(query: PreparedQuery, doc: Analysis, weight: Mapping[str, float]) -> tuple[float, float, int]:
    """Matched weight on each side, and the query terms matched, when pairings compete (typos)."""
    credit = query.credit
    doc_hit = 0.0
    for term in doc.terms:
        c = credit.get(term)
        if c:
            doc_hit += weight[term] * c
    doc_terms = doc.term_set
    query_hit = 0.0
    seen = 0
    for i, (term, matches) in enumerate(query.variants.items()):
        best = 0.0
        for other, value in matches.items():
            if value > best and other in doc_terms:
                best = value
        if best:
            query_hit += query.weights[term] * best
            seen |= 1 << i
    return doc_hit, query_hit, seen


def other_language(a: Analysis, b: Analysis) -> bool:
    """Whether two texts are known to be in different languages."""
    return a.lang != b.lang and a.lang_known and b.lang_known


def number_factor(a: frozenset[str], b: frozenset[str]) -> float:
    """Penalty when the two texts name different numbers or days (assignment 2 vs assignment 3)."""
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
