"""Sentence diff: one-to-one matching, unit/year-only changes, and the round trip A → B."""

from __future__ import annotations

import pytest

from assistant.sentence_diff import SentenceDiffer, apply_changes, is_unit_or_year_change, word_edits
from index.embed import FakeEmbedder

A = [
    "UBND xã Quang Khải đã tổ chức tiếp công dân định kỳ vào ngày 15 hằng tháng năm 2023.",
    "Công tác cải cách hành chính được quan tâm chỉ đạo thường xuyên.",
    "Bộ phận một cửa tiếp nhận 1.234 hồ sơ, giải quyết đúng hạn 100%.",
    "Hội nghị đối thoại với nhân dân được tổ chức 2 lần trong năm.",
]
B = [
    "UBND xã Ngọc Kỳ đã tổ chức tiếp công dân định kỳ vào ngày 15 hằng tháng năm 2024.",
    "Công tác cải cách hành chính tiếp tục được quan tâm chỉ đạo thường xuyên, quyết liệt.",
    "Ứng dụng chuyển đổi số trong giải quyết thủ tục hành chính được đẩy mạnh.",
    "Bộ phận một cửa tiếp nhận 1.234 hồ sơ, giải quyết đúng hạn 100%.",
]


@pytest.fixture
def changes():
    return SentenceDiffer(FakeEmbedder()).diff(A, B, unit_names=["Quang Khải", "Ngọc Kỳ"])


def test_ops_per_sentence(changes):
    ops = [(c.op, c.a, c.b) for c in changes]
    assert ("same", A[2], B[3]) in ops
    assert ("added", None, B[2]) in ops
    assert ("removed", A[3], None) in ops
    changed = {c.a: c for c in changes if c.op == "changed"}
    assert set(changed) == {A[0], A[1]}
    assert changed[A[0]].b == B[0] and changed[A[0]].kind == "unit_or_year"
    assert changed[A[1]].b == B[1] and changed[A[1]].kind == "reworded"


def test_round_trip_yields_b(changes):
    assert apply_changes(A, changes) == B


def test_order_follows_b_with_removed_after_predecessor(changes):
    kept = [c.b for c in changes if c.op != "removed"]
    assert kept == B
    # A[3] (removed) comes after the pair that consumed A[2], its predecessor in A
    positions = {c.a: n for n, c in enumerate(changes) if c.a is not None}
    assert positions[A[3]] > positions[A[2]]


def test_apply_rejects_script_that_does_not_consume_a(changes):
    with pytest.raises(ValueError):
        apply_changes(A[:-1] + ["một câu khác hẳn"], changes)


def test_unit_or_year_detection():
    edits = word_edits("UBND phường Lam Sơn năm 2023 tổ chức", "UBND xã Quang Trung năm 2024 tổ chức")
    assert is_unit_or_year_change(edits, ["Lam Sơn", "Quang Trung"])
    edits = word_edits("tiếp 12 lượt công dân năm 2023", "tiếp 15 lượt công dân năm 2024")
    assert not is_unit_or_year_change(edits, ["Lam Sơn"])   # a figure changed too
    assert not is_unit_or_year_change(word_edits("giống hệt", "giống hệt"), [])


def test_empty_sides():
    differ = SentenceDiffer(FakeEmbedder())
    assert [c.op for c in differ.diff([], ["Một câu."])] == ["added"]
    assert [c.op for c in differ.diff(["Một câu."], [])] == ["removed"]
    assert differ.diff([], []) == []


def test_threshold_validated():
    with pytest.raises(ValueError):
        SentenceDiffer(FakeEmbedder(), threshold=1.5)


def test_year_inside_a_date_and_unit_name_count_as_unit_or_year():
    a = "Ngày 15/12/2023, UBND xã Quang Khải tổ chức hội nghị đối thoại."
    b = "Ngày 15/12/2024, UBND xã Ngọc Sơn tổ chức hội nghị đối thoại."
    assert is_unit_or_year_change(word_edits(a, b), ["UBND xã Quang Khải", "UBND xã Ngọc Sơn"])
    # the day changed as well: a real edit
    c = "Ngày 16/12/2024, UBND xã Ngọc Sơn tổ chức hội nghị đối thoại."
    assert not is_unit_or_year_change(word_edits(a, c), ["UBND xã Quang Khải", "UBND xã Ngọc Sơn"])
