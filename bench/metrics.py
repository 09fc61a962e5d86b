"""Timing summaries and ranking metrics shared by the benchmarks."""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence


def percentile(values: Sequence[float], share: float) -> float:
    """The nearest-rank percentile (share 0.95 → p95) of a non-empty sequence."""
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


def summary(values: Sequence[float]) -> tuple[float, float]:
    """(median, p95) of the values."""
    return statistics.median(values), percentile(values, 0.95)


def dedupe(items: Iterable) -> list:
    return list(dict.fromkeys(items))


def ndcg_at(ranked: Sequence, relevant: set, k: int = 10) -> float:
    """Binary-gain nDCG@k; ranked items are deduplicated first (a body or a class counts once)."""
    if not relevant:
        raise ValueError("no relevant items")
    ranked = dedupe(ranked)[:k]
    dcg = sum(1.0 / math.log2(rank + 2) for rank, item in enumerate(ranked) if item in relevant)
    ideal = sum(1.0 / math.log2(rank + 2) for rank in range(min(k, len(relevant))))
    return dcg / ideal


def recall_at(ranked: Sequence, relevant: set, k: int = 10) -> float:
    """Share of the relevant items found in the top k, out of at most k (so 1.0 is reachable)."""
    if not relevant:
        raise ValueError("no relevant items")
    found = len(set(dedupe(ranked)[:k]) & relevant)
    return found / min(k, len(relevant))
