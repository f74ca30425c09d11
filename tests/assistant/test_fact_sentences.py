"""The clerk's statements written as report sentences in the precedents' shape."""

from __future__ import annotations

from assistant.adapt import UnitRef
from assistant.clerk_facts import parse_facts
from assistant.fact_sentences import DEFAULT_PATTERNS, FactPatterns, learn_patterns, write_fact_sentences
from tests.assistant.test_clerk_facts import ISSUE

PRECEDENTS = [
    "Trong năm 2023 UBND phường đã tiếp 8 lượt người đến trình bày, kết quả đã kịp thời xử lý.",
    "Trong năm 2023, UBND phường tiếp nhận 6 đơn đề nghị về đất đai đã tổ chức giải quyết xong.",
    "Trong năm đã tiếp 16 đơn, các đơn đề nghị đều được giải quyết cơ bản.",
    "Công tác dân vận chính quyền được quan tâm, chú trọng.",
]


def test_patterns_are_learned_from_sentences_with_counted_figures():
    assert learn_patterns(PRECEDENTS) == FactPatterns("Trong năm {year}", True, True, 3)
    assert learn_patterns(["Không có con số nào ở đây."]) == DEFAULT_PATTERNS


def test_each_statement_becomes_one_sentence_with_the_clerks_words():
    sentences = write_fact_sentences(parse_facts(ISSUE), UnitRef.parse("UBND xã Đại Đồng"), 2025,
                                     learn_patterns(PRECEDENTS))
    assert [s.text for s in sentences] == [
        "Trong năm 2025, UBND xã Đại Đồng đã tiếp công dân định kỳ 24 buổi, tiếp 31 lượt công dân.",
        "Đã tiếp nhận 9 đơn (7 kiến nghị, phản ánh về đất đai và 2 đơn khiếu nại), đã giải quyết 8 đơn, còn 1 đơn "
        "đang xác minh; không có đơn tố cáo.",
        "Đã tổ chức 2 hội nghị đối thoại với Nhân dân tại thôn Đông và thôn Đoài.",
    ]
    assert sorted(i for s in sentences for i in s.facts) == list(range(9))   # every fact is stated


def test_table_rows_and_a_ward():
    kv = "Số buổi tiếp công dân định kỳ: 12\nĐơn tồn đọng: 0\nPhường có 14 tổ dân phố"
    texts = [s.text for s in write_fact_sentences(kv, UnitRef.parse("UBND phường Hòa Bình"), 2025)]
    assert texts == ["Trong năm 2025, UBND phường Hòa Bình đã tổ chức 12 buổi tiếp công dân định kỳ; "
                     "không có đơn tồn đọng.", "Phường có 14 tổ dân phố."]
