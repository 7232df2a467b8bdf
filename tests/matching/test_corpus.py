"""Breadth on the shared labelled pairs (../shared/corpus/duplicates); skipped when the corpus is absent."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.duplicates_eval import CORPUS, load_splits, metrics, run_split
from bot.services.matching import DEFAULT_THRESHOLD

pytestmark = pytest.mark.skipif(
    not Path(CORPUS).is_dir(), reason=f"shared corpus of labelled duplicates not found at {CORPUS}"
)


@pytest.mark.parametrize("name", ["stsb-en", "stsb-fr"])
def test_monolingual_sts_dev_precision_and_recall(name: str) -> None:
    split = next(s for s in load_splits() if s.name == name and s.role == "eval")
    m = metrics(run_split(split, DEFAULT_THRESHOLD), DEFAULT_THRESHOLD)
    assert m["precision"] >= 0.9, m
    assert m["recall"] >= 0.7, m


def test_faq_matching_is_precise() -> None:
    split = next(s for s in load_splits() if s.name == "quebec-user-vs-faq" and s.role == "eval")
    m = metrics(run_split(split, DEFAULT_THRESHOLD), DEFAULT_THRESHOLD)
    assert m["precision"] >= 0.95, m
    assert m["recall"] >= 0.3, m
