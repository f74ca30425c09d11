"""Retrieval quality bar (issue 3) on the hand-written set, real model, real index, one run.

Hybrid must reach hit@5 ≥ 0.95 and MRR@10 ≥ 0.8 and is compared with dense-only and
BM25-only measured in the same run; all three are printed.
"""

from __future__ import annotations

import pytest

from eval.datasets import load_retrieval
from eval.suites.retrieval import project_searcher, run_retrieval_suite


@pytest.fixture(scope="module")
def measured(real_index):
    from assistant.retrieve import Retriever

    retriever = Retriever(real_index.settings, real_index.embedder)
    systems = {mode: project_searcher(retriever, mode) for mode in ("hybrid", "dense", "lexical")}
    result = run_retrieval_suite(load_retrieval(), systems)
    for name, system in result["systems"].items():
        print(f"{name:8s} " + "  ".join(f"{split}: hit@5 {system[split]['hit_at_5']:.3f} MRR {system[split]['mrr_at_10']:.3f}"
                                        for split in ("dev", "test", "all")))
    for baseline, d in result["paired"].items():
        print(f"hybrid − {baseline}: ΔMRR {d['mean_delta']:+.3f} [{d['ci_low']:+.3f}, {d['ci_high']:+.3f}] "
              f"wins/losses/ties {d['wins']}/{d['losses']}/{d['ties']} p={d['p_value']:.3f}")
    return {name: system["all"] for name, system in result["systems"].items()}


@pytest.mark.slow
def test_hybrid_reaches_the_floor(measured):
    assert measured["hybrid"]["hit_at_5"] >= 0.95
    assert measured["hybrid"]["mrr_at_10"] >= 0.8


@pytest.mark.slow
def test_hybrid_beats_dense_only_by_a_wide_margin(measured):
    assert measured["hybrid"]["mrr_at_10"] >= measured["dense"]["mrr_at_10"] + 0.2
    assert measured["hybrid"]["hit_at_5"] > measured["dense"]["hit_at_5"]


@pytest.mark.slow
def test_hybrid_keeps_bm25_quality(measured):
    # e5-small is far weaker than BM25 on this set; the fusion must not lose what BM25 finds.
    assert measured["hybrid"]["hit_at_5"] >= measured["lexical"]["hit_at_5"]
    assert measured["hybrid"]["mrr_at_10"] >= measured["lexical"]["mrr_at_10"] - 0.01
