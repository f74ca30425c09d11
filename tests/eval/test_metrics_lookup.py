"""Lookup top-k accuracy on toy answers."""

import pytest

from eval.metrics.lookup import top_k_accuracy

PRED = [["33/CT-TTg", "16/CT-TTg", "26/CT-TTg"], ["x", "y", "42/2013/QH13"], ["z"]]
GOLD = [{"33/CT-TTg"}, {"42/2013/QH13", "64/2014/NĐ-CP"}, {"10/2022/QH15"}]


def test_top_1_and_top_3():
    assert top_k_accuracy(PRED, GOLD, k=1) == pytest.approx(1 / 3)
    assert top_k_accuracy(PRED, GOLD, k=3) == pytest.approx(2 / 3)


def test_fewer_predictions_than_k_and_empty():
    assert top_k_accuracy([["a"]], [{"a"}], k=5) == 1.0
    assert top_k_accuracy([], [], k=3) == 0.0
    assert top_k_accuracy([[]], [{"a"}], k=3) == 0.0


def test_mismatched_lengths_are_refused():
    with pytest.raises(ValueError):
        top_k_accuracy([["a"]], [], k=1)
    with pytest.raises(ValueError):
        top_k_accuracy([["a"]], [{"a"}], k=0)
