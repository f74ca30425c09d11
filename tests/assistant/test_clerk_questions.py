"""Another unit's facts become questions for the clerk, worded without that unit's names or figures."""

from __future__ import annotations

import pytest

from assistant.adapt import UnitRef, adapt_sentence
from assistant.clerk_questions import is_question, question_for

OTHERS = ["Quang Khải", "Quang Trung", "Tứ Kỳ", "Hải Dương", "Lý Thường Kiệt"]


def ask(sentence: str, hint: str | None = None) -> str:
    adapted = adapt_sentence(sentence, UnitRef.parse("UBND xã Quang Trung"), UnitRef.parse("UBND xã Đại Đồng"), 2024,
                             2025, (), OTHERS)
    return question_for(sentence, adapted.text, hint=hint).text


@pytest.mark.parametrize("sentence,question", [
    ("Các đơn thư đã được xem xét giải quyết, không có đơn thư tồn đọng.",
     "[Trong năm có đơn thư tồn đọng không? Nếu có: số đơn, lý do.]"),
    ("Trong năm đã tiếp 16 đơn, các đơn đề nghị đều được giải quyết cơ bản.",
     "[Trong năm đã giải quyết bao nhiêu đơn, còn bao nhiêu chưa giải quyết, vì sao?]"),
    ("Người đứng đầu cấp ủy, chính quyền xã Quang Trung đã tổ chức hội nghị tiếp xúc, đối thoại với Nhân dân dọc "
     "tuyến đường Lý Thường Kiệt của thôn 5 và đã trả lời trực tiếp.",
     "[Trong năm có tổ chức hội nghị tiếp xúc, đối thoại với Nhân dân không? Nếu có: số cuộc, thời gian, địa điểm, "
     "kết quả.]"),
    ("Nội dung đơn phản ánh kiến nghị chủ yếu liên quan đến tranh chấp đất đai, cấp giấy chứng nhận.",
     "[Nội dung đơn phản ánh kiến nghị chủ yếu liên quan đến gì?]"),
])
def test_questions(sentence, question):
    assert ask(sentence) == question


def test_questions_carry_nothing_of_the_other_unit():
    for sentence in ("Xã có 3 thôn là Tân Quang, Nhũ Tỉnh và Vũ Xá, xã có 2.256 hộ với 6.894 nhân khẩu.",
                     "Trong năm 2023 UBND phường đã tiếp 8 lượt người đến trình bày, kết quả đã kịp thời xử lý."):
        q = ask(sentence)
        assert is_question(q)
        assert not any(ch.isdigit() for ch in q) and "Tân Quang" not in q


def test_the_units_own_earlier_report_is_a_hint():
    q = ask("Trong năm đã tiếp 16 đơn, các đơn đề nghị đều được giải quyết cơ bản.",
            hint="Trong năm đã tiếp 16 đơn, các đơn đề nghị đều được giải quyết cơ bản.")
    assert q.endswith("Báo cáo năm trước của đơn vị ghi: «Trong năm đã tiếp 16 đơn, các đơn đề nghị đều được giải "
                      "quyết cơ bản».]")


def test_is_question():
    assert is_question("[Trong năm có đơn thư tồn đọng không?]")
    assert not is_question("Trong năm đã tiếp [số đơn] đơn.")
