"""Ranked-retrieval metrics with binary relevance: hit@k, reciprocal rank (MRR@k), nDCG@k.

Definitions follow trec_eval / pytrec_eval and MTEB (which calls pytrec_eval):

* hit@k = 1 if at least one relevant item is among the first k results, else 0.
* RR@k = 1 / rank of the first relevant item within the first k results, 0 if none; MRR@k is its mean.
* nDCG@k = DCG@k / IDCG@k with DCG@k = sum_{i=1..k} rel_i / log2(i + 1) and the ideal DCG computed over
  the *relevant set*: IDCG@k = sum_{i=1..min(k, R)} 1 / log2(i + 1), R = number of relevant items
  (the LlamaIndex IDCG fix, PR #17126, does the same). A query with R = 0 scores 0.

A relevant item that appears several times in a ranking (e.g. two overlapping chunks of the same gold
passage when relevance is judged per document) is counted once, at its first position, as pytrec_eval
does with distinct document ids; use :func:`relevance_flags` to build the flags that way.

Example:
    >>> flags = relevance_flags(["d3", "d1", "d7"], {"d1", "d9"})
    >>> hit_at_k(flags, 1), reciprocal_rank(flags, 10)
    (0.0, 0.5)
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Sequence


def relevance_flags(ranked: Sequence[str], relevant: Collection[str]) -> list[bool]:
    """Turn a ranking of ids into binary relevance flags, counting each relevant id once.

    Args:
        ranked: result ids, best first.
        relevant: the gold (relevant) ids.

    Returns:
        One flag per ranked result; a repeated relevant id is only True at its first position.
    """
    seen: set[str] = set()
    flags: list[bool] = []
    for item in ranked:
        is_new_relevant = item in relevant and item not in seen
        flags.append(is_new_relevant)
        if is_new_relevant:
            seen.add(item)
    return flags


def _check_k(k: int) -> None:
    if k <= 0:
        raise ValueError(f"k must be positive, got {k}")


def hit_at_k(flags: Sequence[bool], k: int) -> float:
    """1.0 if any of the first ``k`` results is relevant, else 0.0 (empty ranking → 0.0)."""
    _check_k(k)
    return 1.0 if any(flags[:k]) else 0.0


def reciprocal_rank(flags: Sequence[bool], k: int | None = None) -> float:
    """1 / (1-based rank of the first relevant result within the first ``k``), 0.0 if none.

    Args:
        flags: relevance of each result, best first.
        k: cut-off (MRR@k); None means no cut-off.
    """
    if k is not None:
        _check_k(k)
    window = flags if k is None else flags[:k]
    for position, is_relevant in enumerate(window, start=1):
        if is_relevant:
            return 1.0 / position
    return 0.0


def dcg_at_k(flags: Sequence[bool], k: int) -> float:
    """Discounted cumulative gain with binary gains: sum of 1 / log2(i + 1) over relevant i ≤ k."""
    _check_k(k)
    return sum(1.0 / math.log2(i + 1) for i, rel in enumerate(flags[:k], start=1) if rel)


def ndcg_at_k(flags: Sequence[bool], k: int, n_relevant: int) -> float:
    """nDCG@k with the ideal DCG over the relevant set (MTEB / pytrec_eval convention).

    Args:
        flags: relevance of each result, best first (each relevant item counted once).
        k: cut-off.
        n_relevant: size of the relevant set R for this query (not just those retrieved).

    Returns:
        DCG@k / IDCG@k where IDCG@k sums 1/log2(i+1) for i = 1..min(k, R); 0.0 when R = 0.

    Raises:
        ValueError: if k ≤ 0, n_relevant < 0, or more relevant flags than relevant items.
    """
    _check_k(k)
    if n_relevant < 0:
        raise ValueError(f"n_relevant must be ≥ 0, got {n_relevant}")
    if sum(bool(f) for f in flags) > n_relevant:
        raise ValueError("more relevant results flagged than the relevant set holds; use relevance_flags()")
    if n_relevant == 0:
        return 0.0
    ideal = sum(1.0 / math.log2(i + 1) for i in range(1, min(k, n_relevant) + 1))
    return dcg_at_k(flags, k) / ideal


def mean(values: Iterable[float]) -> float:
    """Arithmetic mean; 0.0 for no values (see the package convention on empty inputs)."""
    items = list(values)
    return sum(items) / len(items) if items else 0.0


def mrr_at_k(rankings: Sequence[Sequence[bool]], k: int) -> float:
    """Mean reciprocal rank at cut-off ``k`` over queries (one flag list per query)."""
    return mean(reciprocal_rank(flags, k) for flags in rankings)
