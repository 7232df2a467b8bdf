"""Speed of duplicate lookup: the inverted index against a full scan with the same scorer.

Prints, for 1,000, 10,000 and 100,000 stored questions: build time, memory, lookup latency (p50, p95) of
`QuestionIndex.search`, of the full scan with the same scorer (`QuestionIndex.scan`) and of a plain rapidfuzz
`process.extract` over every normalised question, plus how often the index's top three equal the full scan's.
Questions are synthetic learner questions (French and English templates, typos, missing accents) mixed with
real sentences from ../shared/corpus/duplicates when present.
Run: `.venv/bin/python -m benchmarks.matching_speed [--sizes 1000,10000,100000]`.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

from rapidfuzz import fuzz, process

from bot.services.matching import DEFAULT_THRESHOLD, QuestionIndex
from bot.services.matching.normalize import clean, strip_accents

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "duplicates"
RESULTS = Path(__file__).resolve().parent / "results" / "matching_speed.md"


def _words(text: str) -> list[str]:
    return text.split()


FR_TEMPLATES = [
    "Comment {verb_fr} le {noun_fr} {n} du cours de {topic} ?",
    "Bonjour, j'ai un problème avec l'{noun_fr} {n} en {topic}, quelqu'un peut m'aider ?",
    "Où est-ce qu'on trouve le {noun_fr} de la semaine {n} ({topic}) ?",
    "Est-ce que le {noun_fr} {n} de {topic} est noté ?",
    "Je n'arrive pas à {verb_fr} mon {noun_fr} pour le module {topic}",
    "Quelle est la date limite pour {verb_fr} le {noun_fr} {n} ?",
    "svp c'est quand qu'on doit {verb_fr} le {noun_fr} de {topic}",
    "Pourquoi mon {noun_fr} de {topic} ne marche pas après l'étape {n} ?",
]
EN_TEMPLATES = [
    "How do I {verb_en} the {noun_en} {n} for the {topic} course?",
    "Hi, I have a problem with {noun_en} {n} in {topic}, can anyone help?",
    "Where can I find the {noun_en} for week {n} of {topic}?",
    "Is the {topic} {noun_en} {n} graded?",
    "I can't {verb_en} my {noun_en} for the {topic} module",
    "When is the deadline to {verb_en} {noun_en} {n}?",
    "why does my {topic} {noun_en} fail at step {n}",
    "pls how to {verb_en} {noun_en} {n} asap",
]
VOCAB = {
    "verb_fr": _words(
        "rendre télécharger installer configurer soumettre ouvrir compiler corriger exporter importer "
        "déployer tester valider partager modifier supprimer lancer finir comprendre relire "
    ),
    "verb_en": _words(
        "submit download install configure open compile fix export import deploy test validate share edit "
        "delete run finish understand review upload "
    ),
    "noun_fr": _words(
        "devoir exercice projet fichier rapport quiz examen TP TD diaporama vidéo corrigé énoncé script "
        "notebook dépôt formulaire certificat serveur environnement compte tableau graphe modèle "
    ),
    "noun_en": _words(
        "assignment exercise project file report quiz exam lab tutorial slides video solution statement "
        "script notebook repository form certificate server environment account table graph model "
    ),
    "topic": _words(
        "python java statistiques algèbre réseaux docker linux sql git excel marketing comptabilité "
        "probabilités analyse chimie biologie physique rust javascript html css react pandas numpy "
        "kubernetes sécurité cryptographie électronique mécanique thermodynamique économie droit "
    ),
}


def corpus_sentences(limit: int = 40_000) -> list[str]:
    """Real questions and sentences from the labelled pairs, when the shared corpus is present."""
    if not CORPUS.is_dir():
        return []
    found: dict[str, None] = {}
    for path in sorted(CORPUS.glob("*/*.pairs.tsv")):
        for line in path.read_text(encoding="utf-8").splitlines():
            parts = line.split("\t")
            for text in parts[1:3]:
                if 10 < len(text) < 300:
                    found[text] = None
    return list(found)[:limit]


def typo(word: str, rng: random.Random) -> str:
    if len(word) < 5:
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.random()
    if kind < 0.4:
        return word[:i] + word[i + 1 :]
    if kind < 0.7:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    return word[:i] + rng.choice("aeiourstln") + word[i + 1 :]


def perturb(text: str, rng: random.Random) -> str:
    """A learner's rewording: dropped accents, typos, a dropped or moved word."""
    if rng.random() < 0.5:
        text = strip_accents(text)
    words = text.split()
    words = [typo(w, rng) if rng.random() < 0.15 else w for w in words]
    if len(words) > 4 and rng.random() < 0.3:
        del words[rng.randrange(len(words))]
    if len(words) > 4 and rng.random() < 0.3:
        words.insert(rng.randrange(len(words)), words.pop(rng.randrange(len(words))))
    return " ".join(words).lower() if rng.random() < 0.3 else " ".join(words)


def synthetic(rng: random.Random, extra_words: list[str]) -> str:
    template = rng.choice(FR_TEMPLATES if rng.random() < 0.5 else EN_TEMPLATES)
    values = {k: rng.choice(v) for k, v in VOCAB.items()}
    text = template.format(n=rng.randint(1, 30), **values)
    if extra_words:
        text += " " + " ".join(rng.choice(extra_words) for _ in range(rng.randint(0, 3)))
    return text


def make_questions(count: int, rng: random.Random, real: list[str]) -> list[str]:
    extra = [w for s in real[:5000] for w in s.split() if w.isalpha() and len(w) > 3]
    questions: list[str] = []
    pool = list(real)
    rng.shuffle(pool)
    for i in range(count):
        if pool and i % 3 == 0:
            questions.append(pool[(i // 3) % len(pool)])
        else:
            questions.append(synthetic(rng, extra))
    return questions


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def timed(fn, queries: list[str]) -> tuple[list[float], list, list[float]]:
    """Wall-clock and CPU milliseconds per query (CPU time is what the code costs on a busy machine)."""
    latencies, results, cpu = [], [], []
    for query in queries:
        started, started_cpu = time.perf_counter(), time.thread_time()
        results.append(fn(query))
        cpu.append((time.thread_time() - started_cpu) * 1000)
        latencies.append((time.perf_counter() - started) * 1000)
    return latencies, results, cpu


def run_size(size: int, rng: random.Random, real: list[str], n_queries: int, n_scan: int) -> dict[str, str]:
    questions = make_questions(size, rng, real)
    items = [(f"q:{i}", text) for i, text in enumerate(questions)]
    gc.collect()
    started = time.perf_counter()
    index = QuestionIndex.build(items)
    build_s = time.perf_counter() - started
    del index
    gc.collect()
    tracemalloc.start()
    index = QuestionIndex.build(items)
    memory_mb = tracemalloc.get_traced_memory()[0] / 1e6
    tracemalloc.stop()

    queries = [
        perturb(rng.choice(questions), rng) if rng.random() < 0.75 else synthetic(rng, [])
        for _ in range(n_queries)
    ]
    for query in queries[:20]:  # warm caches (stemmer, term cache) as a running bot would have them
        index.search(query)
    lat_index, res_index, cpu_index = timed(lambda q: index.search(q), queries)
    scan_queries = queries[:n_scan]
    lat_scan, res_scan, _ = timed(lambda q: index.scan(q), scan_queries)
    agree = sum(a == b for a, b in zip(res_index, res_scan, strict=False))
    nonempty = [(a, b) for a, b in zip(res_index, res_scan, strict=False) if a or b]
    low = 0.3
    agree_low = sum(
        index.search(q, threshold=low) == index.scan(q, threshold=low)
        for q in scan_queries[: max(1, n_scan // 2)]
    )
    normalised = [" ".join(strip_accents(clean(t)).split()) for t in questions]
    lat_rf, _, _ = timed(
        lambda q: process.extract(strip_accents(clean(q)), normalised, scorer=fuzz.token_set_ratio, limit=3),
        scan_queries,
    )
    shown = sum(1 for r in res_index if r)
    return {
        "size": f"{size:,}",
        "build s": f"{build_s:.2f}",
        "memory MB": f"{memory_mb:.0f}",
        "index p50 ms": f"{statistics.median(lat_index):.2f}",
        "index p95 ms": f"{percentile(lat_index, 0.95):.2f}",
        "index CPU p95 ms": f"{percentile(cpu_index, 0.95):.2f}",
        "scan p50 ms": f"{statistics.median(lat_scan):.1f}",
        "scan p95 ms": f"{percentile(lat_scan, 0.95):.1f}",
        "rapidfuzz p50 ms": f"{statistics.median(lat_rf):.1f}",
        "top3 agree": f"{agree}/{len(scan_queries)} ({agree / len(scan_queries):.1%})",
        f"agree @{low}": f"{agree_low}/{max(1, n_scan // 2)}",
        "non-empty pairs agree": f"{sum(a == b for a, b in nonempty)}/{len(nonempty)}",
        "queries shown >=1": f"{shown / len(queries):.0%}",
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--queries", type=int, default=1000, help="index lookups timed per size")
    parser.add_argument("--scan", type=int, default=200, help="full-scan lookups (a quarter at 100k)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-write", action="store_true", help=f"do not write results/{RESULTS.name}")
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    real = corpus_sentences()
    print(
        f"threshold {DEFAULT_THRESHOLD}; {len(real)} real sentences mixed in; python {sys.version.split()[0]}"
    )
    rows = []
    for size in (int(s) for s in args.sizes.split(",")):
        n_scan = args.scan if size < 50_000 else max(20, args.scan // 4)
        rows.append(run_size(size, rng, real, args.queries, n_scan))
        print("  " + "  ".join(f"{k}={v}" for k, v in rows[-1].items()), flush=True)
    headers = list(rows[0])
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(row[h] for h in headers) + " |" for row in rows]
    table = "\n".join(lines)
    print("\n" + table)
    if not args.no_write:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(
            "# Duplicate lookup speed (benchmarks/matching_speed.py)\n\n"
            f"threshold {DEFAULT_THRESHOLD}; {args.queries} timed lookups per size; seed {args.seed}; "
            f"{os.cpu_count()} CPUs; load average at the end {os.getloadavg()[0]:.2f}\n\n"
            + table
            + "\n\nindex = `QuestionIndex.search`; scan = the same scorer on every stored question "
            "(`QuestionIndex.scan`); rapidfuzz = `process.extract` with `token_set_ratio` over every "
            "normalised question (naive baseline, different ranking). "
            "CPU = thread time, robust to a busy machine.\n",
            encoding="utf-8",
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
