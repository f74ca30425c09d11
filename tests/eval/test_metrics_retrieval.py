"""Retrieval metrics on toy rankings with hand-computed values."""

import math

import pytest

from eval.metrics.retrieval import (
    dcg_at_k,
    hit_at_k,
    mean,
    mrr_at_k,
    ndcg_at_k,
    reciprocal_rank,
    relevance_flags,
)


def test_relevance_flags_count_a_repeated_relevant_id_once():
    assert relevance_flags(["a", "g", "g", "b", "h"], {"g", "h"}) == [False, True, False, False, True]


def test_hit_at_k():
    flags = [False, False, True]
    assert hit_at_k(flags, 1) == 0.0
    assert hit_at_k(flags, 2) == 0.0
    assert hit_at_k(flags, 3) == 1.0
    assert hit_at_k(flags, 10) == 1.0  # fewer results than k


def test_reciprocal_rank_and_cutoff():
    assert reciprocal_rank([False, True, True]) == 1 / 2
    assert reciprocal_rank([False, False, True], k=2) == 0.0
    assert reciprocal_rank([False, False, True], k=3) == 1 / 3
    assert mrr_at_k([[True], [False, True], [False, False]], k=10) == pytest.approx((1 / 1 + 1 / 2 + 0) / 3)


def test_ndcg_one_relevant_at_rank_two():
    assert ndcg_at_k([False, True, False], k=10, n_relevant=1) == pytest.approx((1 / math.log2(3)) / (1 / math.log2(2)))


def test_ndcg_fewer_relevant_than_k_uses_ideal_over_relevant_set():
    # 2 relevant items, k = 5: IDCG = 1/log2(2) + 1/log2(3); found at ranks 1 and 4.
    flags = [True, False, False, True, False]
    expected = (1 / math.log2(2) + 1 / math.log2(5)) / (1 / math.log2(2) + 1 / math.log2(3))
    assert ndcg_at_k(flags, k=5, n_relevant=2) == pytest.approx(expected)
    # a relevant item not retrieved still counts in the ideal DCG
    assert ndcg_at_k([True], k=5, n_relevant=2) == pytest.approx(1 / (1 + 1 / math.log2(3)))


def test_ndcg_more_relevant_than_k_caps_ideal_at_k():
    # 3 relevant, k = 2, both top results relevant: perfect score
    assert ndcg_at_k([True, True, False], k=2, n_relevant=3) == pytest.approx(1.0)


def test_empty_inputs():
    assert hit_at_k([], 5) == 0.0
    assert reciprocal_rank([]) == 0.0
    assert dcg_at_k([], 10) == 0.0
    assert ndcg_at_k([], 10, n_relevant=1) == 0.0
    assert ndcg_at_k([False, False], 10, n_relevant=0) == 0.0
    assert mean([]) == 0.0
    assert mrr_at_k([], 10) == 0.0


def test_invalid_arguments_are_refused():
    with pytest.raises(ValueError):
        hit_at_k([True], 0)
    with pytest.raises(ValueError):
        ndcg_at_k([True, True], 10, n_relevant=1)
