"""Retrieval suite on hand-made queries and fake searchers (values computed by hand)."""

from __future__ import annotations

import math

import pytest

from eval.datasets import RetrievalQuery
from eval.suites.retrieval import Passage, is_relevant, run_retrieval_suite, score_query

Q1 = RetrievalQuery("q1", "tiep dan", "no_diacritics", ("seeds/a.txt",), "tiếp 16 đơn", "dev")
Q2 = RetrievalQuery("q2", "hòa giải", "verbatim", ("seeds/b.txt", "seeds/c.txt"), "hòa giải thành 12 vụ", "test")


def test_relevance_needs_gold_source_and_span_after_normalization():
    assert is_relevant(Q1, Passage("seeds/a.txt", "Trong năm đã\ntiếp  16 đơn."))
    assert not is_relevant(Q1, Passage("seeds/z.txt", "đã tiếp 16 đơn"))          # span, wrong file
    assert not is_relevant(Q1, Passage("seeds/a.txt", "đã tiếp 17 đơn"))          # right file, no span
    assert is_relevant(Q2, Passage("seeds/c.txt", "Tổ hòa giải thành 12 vụ việc"))  # any gold source


def test_score_query_counts_the_gold_passage_once():
    passages = [Passage("seeds/z.txt", "x"), Passage("seeds/a.txt", "tiếp 16 đơn"), Passage("seeds/a.txt", "tiếp 16 đơn")]
    scores = score_query(Q1, passages)
    assert scores["hit_at_1"] == 0.0 and scores["hit_at_5"] == 1.0
    assert scores["mrr_at_10"] == pytest.approx(1 / 2)
    assert scores["ndcg_at_10"] == pytest.approx((1 / math.log2(3)) / 1.0)


def test_suite_aggregates_per_system_split_and_type_and_lists_project_failures():
    def perfect(query, k):
        return [Passage("seeds/a.txt", "tiếp 16 đơn"), Passage("seeds/b.txt", "hòa giải thành 12 vụ")]

    def second(query, k):
        return [Passage("seeds/q.txt", "khác"), *perfect(query, k)][:k]

    result = run_retrieval_suite([Q1, Q2], {"hybrid": second, "lexical": perfect})
    hybrid = result["systems"]["hybrid"]
    # q1: gold at rank 2; q2: gold (seeds/b.txt) at rank 3
    assert hybrid["all"]["hit_at_1"] == 0.0
    assert hybrid["all"]["mrr_at_10"] == pytest.approx((1 / 2 + 1 / 3) / 2)
    assert hybrid["dev"]["n"] == 1 and hybrid["test"]["mrr_at_10"] == pytest.approx(1 / 3)
    assert hybrid["per_type"]["verbatim"]["n"] == 1 and hybrid["per_type"]["paraphrase"]["n"] == 0
    # lexical: q1 gold first, q2 gold (seeds/b.txt) second
    assert result["systems"]["lexical"]["all"]["hit_at_1"] == 0.5
    assert result["systems"]["lexical"]["all"]["mrr_at_10"] == pytest.approx((1 + 1 / 2) / 2)
    assert result["headline"]["all"]["hit_at_5"] == 1.0
    assert [(f["id"], f["rank_of_gold"], f["severity"]) for f in result["failures"]] == [
        ("q1", 2, "not first"), ("q2", 3, "not first")]
    # paired: hybrid − lexical per query = 1/2 − 1 and 1/3 − 1/2, both losses
    paired = result["paired"]["lexical"]
    assert set(result["paired"]) == {"lexical"}
    assert paired["mean_delta"] == pytest.approx(((1 / 2 - 1) + (1 / 3 - 1 / 2)) / 2)
    assert (paired["wins"], paired["losses"], paired["ties"]) == (0, 2, 0)


def test_unknown_project_system_is_rejected():
    with pytest.raises(ValueError, match="hybrid"):
        run_retrieval_suite([Q1], {"dense": lambda q, k: []})
