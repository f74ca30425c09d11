"""A sentence that says the opposite of the clerk's facts is caught."""

from __future__ import annotations

import pytest

from assistant.clerk_facts import parse_facts
from assistant.fact_check import contradictions
from tests.assistant.test_clerk_facts import ISSUE

FACTS = parse_facts(ISSUE)


@pytest.mark.parametrize("sentence,reason", [
    ("Các đơn thư đã được xem xét giải quyết, không có đơn thư tồn đọng.", "pending"),
    ("Trong năm đã tiếp 16 đơn.", "figure"),
    ("Trong năm không có đơn thư khiếu nại.", "none"),
    ("UBND xã tiếp nhận 3 đơn tố cáo.", "exists"),
    ("Các đơn đều được giải quyết dứt điểm.", "pending"),
])
def test_contradictions(sentence, reason):
    assert reason in [c.reason for c in contradictions(sentence, FACTS)]


@pytest.mark.parametrize("sentence", [
    "Trong năm 2025, UBND xã Đại Đồng đã tiếp công dân định kỳ 24 buổi, tiếp 31 lượt công dân [3].",
    "Đã tiếp nhận 9 đơn (7 kiến nghị, phản ánh về đất đai và 2 đơn khiếu nại), đã giải quyết 8 đơn, còn 1 đơn đang "
    "xác minh; không có đơn tố cáo.",
    "[Trong năm có đơn thư tồn đọng không? Nếu có: số đơn, lý do.]",
    "Công tác tiếp công dân được duy trì thường xuyên.",
])
def test_the_clerks_own_sentences_and_questions_are_no_contradiction(sentence):
    assert contradictions(sentence, FACTS) == []


def test_without_facts_nothing_is_contradicted():
    assert contradictions("Không có đơn thư tồn đọng.", None) == []
    all_done = parse_facts("nhận 5 đơn, giải quyết 5")
    assert contradictions("Không có đơn thư tồn đọng.", all_done) == []
