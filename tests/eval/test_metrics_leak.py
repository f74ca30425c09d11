"""Leak rate on toy sentences."""

import pytest

from eval.metrics.leak import find_leaks, leak_rate

NAMES = ["Quang Khải", "Tân Quang", "Nguyễn Đức Thuận"]
FIGURES = ["16", "2.256", "80 triệu"]


def test_find_leaks_whole_tokens_only():
    assert find_leaks("UBND xã Quang Khải đã tiếp 16 đơn.", NAMES, FIGURES) == ["Quang Khải", "16"]
    assert find_leaks("Năm 2016 xã có 2.2560 hộ.", NAMES, FIGURES) == []
    assert find_leaks("Xã có 2.256 hộ.", NAMES, FIGURES) == ["2.256"]
    assert find_leaks("Đã vận động 80 TRIỆU đồng", NAMES, FIGURES) == ["80 triệu"]
    assert find_leaks("Xã có 12.256 hộ; 256 người.", NAMES, ["256"]) == ["256"]


def test_allowed_terms_are_not_leaks():
    assert find_leaks("Trong năm tiếp 16 đơn.", NAMES, FIGURES, allowed=["16"]) == []


def test_leak_rate_and_empty():
    sentences = ["Xã Quang Khải có 3 thôn.", "Trong năm tiếp [số đơn] đơn.", "Xã Hòa Bình tiếp 16 đơn.", "Không có đơn tồn đọng."]
    assert leak_rate(sentences, NAMES, FIGURES) == pytest.approx(2 / 4)
    assert leak_rate([], NAMES, FIGURES) == 0.0
    assert leak_rate(sentences, [], []) == 0.0
