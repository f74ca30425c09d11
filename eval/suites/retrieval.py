"""Retrieval suite: hit@1, hit@5, MRR@10, nDCG@10 overall, per query type and per split, for several
systems measured on the same queries (the project's hybrid search, its BM25-only and dense-only modes,
and the naive LlamaIndex baseline).

Relevance is judged the same way for every system, from the returned text alone: a passage is relevant
when it comes from a gold source and its text contains the gold span (both normalized with
``eval.datasets.normalize_for_match``). Each query has one gold passage, so R = 1 and several relevant
passages count once, at the first (``relevance_flags``).

Example:
    >>> result = run_retrieval_suite(load_retrieval(), {"hybrid": project_searcher(retriever, "hybrid")})  # doctest: +SKIP
    >>> result["systems"]["hybrid"]["all"]["hit_at_5"]  # doctest: +SKIP
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from eval.datasets import BLIND_RETRIEVAL_IDS, QUERY_TYPES, SPLITS, RetrievalQuery, span_in_text
from eval.metrics.paired import paired_difference
from eval.metrics.retrieval import hit_at_k, mean, ndcg_at_k, reciprocal_rank, relevance_flags

logger = logging.getLogger(__name__)

K = 10
METRICS = ("hit_at_1", "hit_at_5", "mrr_at_10", "ndcg_at_10")


@dataclass(frozen=True)
class Passage:
    """A returned passage as every system can give it: where it comes from and its text."""

    source: str
    text: str


Searcher = Callable[[str, int], Sequence[Passage]]


def project_searcher(retriever: Any, mode: str) -> Searcher:
    """The project's ``Retriever.search`` in one mode ("hybrid", "dense", "lexical") as a searcher."""

    def search(query: str, k: int) -> list[Passage]:
        return [Passage(h.chunk.source, h.chunk.text) for h in retriever.search(query, k=k, mode=mode)]

    return search


def is_relevant(query: RetrievalQuery, passage: Passage) -> bool:
    """True when the passage is from a gold source and contains the gold span."""
    return passage.source in query.gold_sources and span_in_text(query.gold_span, passage.text)


def score_query(query: RetrievalQuery, passages: Sequence[Passage]) -> dict[str, float]:
    """The four metrics of one query (one gold passage: every relevant result shares one id)."""
    ids = ["gold" if is_relevant(query, p) else f"other-{i}" for i, p in enumerate(passages)]
    flags = relevance_flags(ids, {"gold"})
    return {
        "hit_at_1": hit_at_k(flags, 1),
        "hit_at_5": hit_at_k(flags, 5),
        "mrr_at_10": reciprocal_rank(flags, K),
        "ndcg_at_10": ndcg_at_k(flags, K, 1),
    }


def _aggregate(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {m: mean(r["scores"][m] for r in rows) for m in METRICS}
    out["n"] = len(rows)
    return out


def _subsets(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """dev, test, the blind queries and the blind ones that are also test, each aggregated apart."""
    blind = [r for r in rows if r["query"].id in BLIND_RETRIEVAL_IDS]
    return {"dev": _aggregate([r for r in rows if r["query"].split == "dev"]),
            "test": _aggregate([r for r in rows if r["query"].split == "test"]),
            "blind": _aggregate(blind), "blind_test": _aggregate([r for r in blind if r["query"].split == "test"])}


def run_retrieval_suite(queries: Sequence[RetrievalQuery], systems: Mapping[str, Searcher],
                        project: str = "hybrid") -> dict[str, Any]:
    """Run every query through every system and aggregate.

    Args:
        queries: the retrieval dataset.
        systems: name → searcher; ``project`` names the system whose misses are listed as failures.
        project: the project's own system (headline figures and failures come from it).

    Returns:
        ``{"systems": {name: {"all"|"dev"|"test": {metric: value, "n"}, "per_type": {type: {...}},
        "per_type_split": {type: {"dev"|"test"|"blind"|"blind_test": {...}}},
        "seconds": float}}, "headline": {split: {metric: value}}, "failures": [...], "per_query": {...},
        "paired": {baseline: PairedDifference.as_dict() of the project's MRR@10 minus the baseline's}}``
    """
    if project not in systems:
        raise ValueError(f"project system {project!r} is not among {sorted(systems)}")
    result: dict[str, Any] = {"systems": {}, "failures": [], "per_query": {}}
    for name, search in systems.items():
        started = time.perf_counter()
        rows = []
        for q in queries:
            passages = list(search(q.query, K))
            rows.append({"query": q, "scores": score_query(q, passages), "passages": passages})
        seconds = time.perf_counter() - started
        logger.info("retrieval %s: %d queries in %.1f s", name, len(rows), seconds)
        figures: dict[str, Any] = {"all": _aggregate(rows)}
        for split in SPLITS:
            figures[split] = _aggregate([r for r in rows if r["query"].split == split])
        figures["per_type"] = {t: _aggregate([r for r in rows if r["query"].type == t]) for t in QUERY_TYPES}
        figures["per_type_split"] = {t: _subsets([r for r in rows if r["query"].type == t]) for t in QUERY_TYPES}
        figures["seconds"] = round(seconds, 2)
        result["systems"][name] = figures
        result["per_query"][name] = {r["query"].id: r["scores"] for r in rows}
        if name == project:
            for r in rows:
                if r["scores"]["hit_at_5"] < 1.0 or r["scores"]["hit_at_1"] < 1.0:
                    q: RetrievalQuery = r["query"]
                    top = r["passages"][:3]
                    result["failures"].append({
                        "id": q.id, "split": q.split, "type": q.type, "query": q.query,
                        "gold_sources": list(q.gold_sources), "gold_span": q.gold_span,
                        "rank_of_gold": _rank(r["scores"]["mrr_at_10"]),
                        "severity": "miss@5" if r["scores"]["hit_at_5"] < 1.0 else "not first",
                        "top_sources": [f"{p.source}: {p.text[:120]}" for p in top],
                    })
    result["paired"] = _paired_mrr(queries, result["per_query"], project)
    own = result["systems"][project]
    result["headline"] = {s: {m: own[s][m] for m in METRICS} for s in ("all", *SPLITS) if own[s]["n"]}
    return result


def _paired_mrr(queries: Sequence[RetrievalQuery], per_query: Mapping[str, Mapping[str, Mapping[str, float]]],
                project: str) -> dict[str, dict[str, float | int]]:
    """Project vs each baseline on per-query reciprocal rank: is the MRR difference more than noise?"""
    if not queries:
        return {}
    ids = [q.id for q in queries]
    own = [per_query[project][i]["mrr_at_10"] for i in ids]
    return {name: paired_difference(own, [scores[i]["mrr_at_10"] for i in ids]).as_dict()
            for name, scores in per_query.items() if name != project}


def _rank(rr: float) -> int | None:
    return round(1 / rr) if rr > 0 else None
