"""Turn a learner's message into matching terms: pure functions, no state beyond caches."""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import Stemmer
from rapidfuzz.distance import OSA

from bot.services.matching.lexicon import (
    ABBREVIATIONS,
    CALENDAR,
    CONCEPTS,
    EN_CUES,
    FR_CUES,
    NEGATING_PREFIXES,
    NUMBER_WORDS,
    OPPOSITE_CONCEPTS,
    PHRASES,
    STOP_WORDS,
)

MAX_CHARS = 2000  # longer messages are cut: the question is almost always at the start
MAX_TOKEN_LEN = 30  # hashes, base64 and keyboard mashing carry no meaning
CONCEPT_PREFIX = "#"

_CODE_BLOCK = re.compile(r"```.*?(?:```|$)", re.DOTALL)
_DISCORD_MARKUP = re.compile(r"<(?:@[!&]?\d+|#\d+|a?:\w+:\d+|t:\d+(?::\w)?|/[\w -]+:\d+)>")
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_SHORTCODE = re.compile(r":[a-z0-9_+-]+:")
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'", "ʼ": "'", "′": "'"})
_SPECIAL_LETTERS = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss", "ø": "o", "đ": "d", "ł": "l"})
_FR_ELISION = re.compile(r"\b(?:jusqu|lorsqu|puisqu|quoiqu|qu|[cdjlmnst])'(?=[a-z])")
_EN_NOT = re.compile(r"n't\b")
_EN_CLITIC = re.compile(r"'(?:s|re|ll|ve|d|m)\b")
_ORDINAL = re.compile(r"\b(\d+)(?:er|ere|eme|em|e|nd|st|rd|th)\b")
_NON_WORD = re.compile(r"[^a-z0-9.,]+")
_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|[a-z]+")
_ACCENTED = re.compile(r"[àâäçéèêëîïôöùûüÿœ]")
_PHRASE = re.compile(r"\b(?:" + "|".join(sorted(map(re.escape, PHRASES), key=len, reverse=True)) + r")\b")

_ELIDED = frozenset("cdjlmnst")
_VOWELS = frozenset("aeiouyh")
_local = threading.local()


@dataclass(frozen=True, slots=True)
class Analysis:
    """A text as matching sees it: unique terms in order, identifiers named (numbers, days), language."""

    terms: tuple[str, ...]
    numbers: frozenset[str]
    lang: str
    term_set: frozenset[str] = frozenset()
    lang_known: bool = True  # False when nothing in the text pointed to either language

    @property
    def empty(self) -> bool:
        return not self.terms


def _stemmers() -> dict[str, Stemmer.Stemmer]:
    # PyStemmer objects are not thread-safe: one pair per thread.
    stemmers = getattr(_local, "stemmers", None)
    if stemmers is None:
        stemmers = {"fr": Stemmer.Stemmer("french"), "en": Stemmer.Stemmer("english")}
        _local.stemmers = stemmers
    return stemmers


def strip_accents(text: str) -> str:
    """Lowercase-preserving removal of diacritics (é -> e, œ -> oe)."""
    text = text.translate(_SPECIAL_LETTERS)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def clean(text: str) -> str:
    """Drop what is not prose: code blocks, URLs, Discord mentions and emoji; lowercase; unify apostrophes."""
    text = _CODE_BLOCK.sub(" ", text)
    text = _DISCORD_MARKUP.sub(" ", text)
    text = _URL.sub(" ", text)
    if len(text) > MAX_CHARS:
        cut = text.rfind(" ", 0, MAX_CHARS)
        text = text[: cut if cut > 0 else MAX_CHARS]
    text = text.lower().translate(_APOSTROPHES)
    return _SHORTCODE.sub(" ", text)


def detect_language(cleaned: str) -> str:
    """Guess "fr" or "en" from function words, elisions and accents; cheap and good enough for stemming."""
    return _detect(cleaned)[0]


def _detect(cleaned: str) -> tuple[str, bool]:
    """The language guess, and whether any evidence backs it (a bare "docker erreur" has none)."""
    plain = strip_accents(cleaned)
    words = _TOKEN.findall(plain)
    fr = sum(1 for w in words if w in FR_CUES) + len(_FR_ELISION.findall(plain))
    en = sum(1 for w in words if w in EN_CUES) + len(_EN_CLITIC.findall(plain)) + len(_EN_NOT.findall(plain))
    fr += min(len(_ACCENTED.findall(cleaned)), 3)
    if fr > en:
        return "fr", True
    if en > fr:
        return "en", True
    return "en", False


_ENGLISH_ER = frozenset({"teacher", "trainer", "learner", "computer", "folder", "register", "user", "server"})


def _english_inflections(form: str) -> list[str]:
    """Past and -ing forms ("submitted", "closing"); junk for French forms, which never occur as words."""
    stem = form[:-1] if form.endswith("e") else form
    return [stem + "ed", stem + "ing", form + form[-1] + "ed", form + form[-1] + "ing"]


@lru_cache(maxsize=1)
def _concept_table() -> dict[str, str]:
    # Keyed by surface forms, plurals and French verb stems only: keying on every stem would send
    # "courant" to "cours" (stem "cour") and "record" to "recording".
    table: dict[str, str] = {}
    fr = Stemmer.Stemmer("french")
    for concept, forms in CONCEPTS.items():
        for form in forms:
            keys = [form, form + "s", *_english_inflections(form)]
            if form.endswith("er") and len(form) >= 6 and form not in _ENGLISH_ER:
                keys.append(fr.stemWord(form))  # French verbs: "activez", "activé" share "activ"
            for key in keys:
                table.setdefault(key, CONCEPT_PREFIX + concept)
    return table


@lru_cache(maxsize=1)
def _concept_deletes() -> dict[str, set[str]]:
    """One-deletion variants of the longer concept forms, so a misspelt "pasword" still finds its concept."""
    table: dict[str, set[str]] = {}
    for forms in CONCEPTS.values():
        for form in forms:
            if len(form) >= 6:
                for variant in (form, *(form[:i] + form[i + 1 :] for i in range(len(form)))):
                    table.setdefault(variant, set()).add(form)
    return table


def _fuzzy_concept(word: str) -> str | None:
    if len(word) < 6:
        return None
    table = _concept_deletes()
    forms: set[str] = set()
    for variant in (word, *(word[:i] + word[i + 1 :] for i in range(len(word)))):
        forms |= table.get(variant, set())
    concepts = _concept_table()
    for form in sorted(forms):
        if form[0] == word[0] and OSA.distance(form, word, score_cutoff=1) <= 1:
            return concepts[form]
    return None


_term_cache: dict[tuple[str, str], str] = {}


def term_for(word: str, lang: str) -> str:
    """Map one accent-free token to its matching term: a concept, a number or a stem ("" to drop it)."""
    cached = _term_cache.get((word, lang))
    if cached is not None:
        return cached
    term = _term_for(word, lang)
    if len(_term_cache) < 500_000:
        _term_cache[(word, lang)] = term
    return term


def _term_for(word: str, lang: str) -> str:
    if word[0].isdigit():
        return word.replace(",", ".")
    word = ABBREVIATIONS.get(word, word)
    if not word:
        return ""
    if word in NUMBER_WORDS:
        return NUMBER_WORDS[word]
    if word in CALENDAR:
        return CALENDAR[word]
    if word in STOP_WORDS or len(word) < 2 or len(word) > MAX_TOKEN_LEN:
        return ""
    concepts = _concept_table()
    if word in concepts:
        return concepts[word]
    if len(word) > 4 and word[0] in _ELIDED and word[1] in _VOWELS and word[1:] in concepts:
        return concepts[word[1:]]  # an elision typed without its apostrophe: "linscription"
    if lang == "fr" and word.endswith("ee"):
        word = word[:-1]  # "publiee": the stemmer knows "-ée" only with its accent
    elif lang == "fr" and word.endswith("ees"):
        word = word[:-2]
    stem = _stemmers()[lang].stemWord(word)
    if lang == "fr" and len(stem) > 3 and stem.endswith("s") and not stem.endswith("ss"):
        stem = stem[:-1]  # short plurals the stemmer keeps: "skis", "bleus", "individus"
    if stem in concepts:
        return concepts[stem]
    return _fuzzy_concept(word) or stem


def analyse(text: str | None) -> Analysis:
    """Normalise a question into terms; never raises, returns an empty analysis for meaningless input."""
    if not text or not isinstance(text, str):
        return Analysis((), frozenset(), "en")
    cleaned = clean(text)
    lang, lang_known = _detect(cleaned)
    plain = strip_accents(cleaned)
    plain = _FR_ELISION.sub("", plain)
    plain = _EN_NOT.sub(" not", plain)
    plain = _EN_CLITIC.sub("", plain)
    plain = _ORDINAL.sub(r"\1", plain)
    plain = " " + " ".join(_NON_WORD.sub(" ", plain).split()) + " "
    plain = _PHRASE.sub(lambda m: PHRASES[m.group(0)], plain)
    terms: dict[str, None] = {}
    numbers: set[str] = set()
    for word in _TOKEN.findall(plain):
        term = term_for(word, lang)
        if not term:
            continue
        if is_identifier(term):
            numbers.add(term)
        terms[term] = None
    return Analysis(tuple(terms), frozenset(numbers), lang, frozenset(terms), lang_known)


def is_identifier(term: str) -> bool:
    """Numbers, days and months: terms that must agree for two questions to be the same."""
    return term[0].isdigit() or term[0] == "@"


def is_fuzzy_eligible(term: str) -> bool:
    """Only real word stems get typo tolerance: not numbers, concepts or short stems."""
    return len(term) >= 5 and term.isalpha()


_OPPOSITES: dict[str, str] = {}
for _a, _b in OPPOSITE_CONCEPTS:
    _OPPOSITES[CONCEPT_PREFIX + _a] = CONCEPT_PREFIX + _b
    _OPPOSITES[CONCEPT_PREFIX + _b] = CONCEPT_PREFIX + _a


def opposites(term: str) -> frozenset[str]:
    """Terms meaning the opposite of `term`: its paired concept, or the stem +/- a negating prefix."""
    if term.startswith(CONCEPT_PREFIX):
        other = _OPPOSITES.get(term)
        return frozenset((other,)) if other else frozenset()
    if not term.isalpha():
        return frozenset()
    found: set[str] = set()
    for prefix in NEGATING_PREFIXES:
        base_min = 5 if len(prefix) == 2 else 4
        if len(term) >= base_min:
            found.add(prefix + term)
        if term.startswith(prefix) and len(term) - len(prefix) >= base_min:
            found.add(term[len(prefix) :])
    return frozenset(found)
