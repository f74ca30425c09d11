"""Sentence kinds: the signals of a unit fact, recurrence across units, and recall on the hand labels."""

from __future__ import annotations

import pytest

from assistant.sentence_kinds import CrossUnitRecurrence, classify_sentence
from eval.datasets import load_sentence_kinds


@pytest.mark.parametrize("sentence,reason", [
    ("Các đơn thư đã được xem xét giải quyết, không có đơn thư tồn đọng.", "outcome"),
    ("Trong năm đã tiếp 16 đơn, các đơn đề nghị đều được giải quyết cơ bản.", "figure"),
    ("Người đứng đầu cấp ủy, chính quyền xã đã tổ chức hội nghị tiếp xúc, đối thoại với Nhân dân.", "event"),
    ("Xã có 3 thôn là Tân Quang, Nhũ Tỉnh và Vũ Xá.", "name"),
    ("Nội dung đơn phản ánh kiến nghị chủ yếu liên quan đến tranh chấp đất đai.", "trait"),
    ("Thực hiện Chỉ thị số 28-CT/TU ngày 19/5/2022 của Tỉnh ủy Hải Dương về công tác dân vận.", "local_document"),
    ("Tình hình an ninh trật tự được giữ vững, đời sống nhân dân ổn định.", "outcome"),
])
def test_unit_facts_are_recognised_with_their_reason(sentence, reason):
    decision = classify_sentence(sentence)
    assert decision.kind == "unit_fact" and reason in decision.reasons


@pytest.mark.parametrize("sentence", [
    "Triển khai thực hiện có hiệu quả Chỉ thị 35-CT/TW ngày 26/5/2014 của Bộ Chính trị về tăng cường sự lãnh đạo "
    "của Đảng đối với công tác tiếp công dân và giải quyết khiếu nại, tố cáo.",
    "Tiếp tục quán triệt Chỉ thị số 33/CT-TTg ngày 26/11/2021 của Thủ tướng Chính phủ.",
    "Đẩy mạnh cải cách hành chính, các hồ sơ được giải quyết kịp thời đúng hạn, không để tồn đọng.",  # an aim
    "Tổ chức tuyên truyền, phổ biến các quy định của pháp luật về đạo đức nghề nghiệp trong năm 2025.",
])
def test_formulas_are_true_of_any_unit(sentence):
    assert classify_sentence(sentence).kind == "formula"


def test_the_writers_own_name_is_no_signal_but_another_units_is():
    text = "Quy chế thực hiện dân chủ cơ sở trên địa bàn xã Quang Trung tiếp tục được thực hiện tốt."
    assert classify_sentence(text, own_names=["Quang Trung"]).kind == "formula"
    assert classify_sentence(text).kind == "unit_fact"


def test_plans_set_tasks_reports_tell_events():
    text = "Tổ chức hội nghị đối thoại giữa người đứng đầu cấp ủy với Nhân dân."
    assert classify_sentence(text, report=True).kind == "unit_fact"
    assert classify_sentence(text, report=False).kind == "formula"


def test_recurrence_in_other_units_makes_weak_signals_a_formula():
    text = "Ngay từ đầu năm UBND xã đã kiện toàn bộ phận tiếp nhận và trả kết quả theo quy định."
    rec = CrossUnitRecurrence([("xã a", text), ("xã b", text.replace("Ngay từ đầu năm ", "")), ("xã c", "Khác hẳn câu này.")])
    assert rec.count(text, "xã a") == 1 and rec.count(text, "xã c") == 2
    assert classify_sentence(text).kind == "unit_fact"
    assert classify_sentence(text, recurs=1).kind == "formula"
    figures = "Trong năm đã tiếp 16 đơn, các đơn đều được giải quyết."   # strong signals outweigh recurrence
    assert classify_sentence(figures, recurs=3).kind == "unit_fact"


def test_recall_on_the_hand_labelled_precedent_sentences():
    """The labelled set (eval/data/sentence_kinds.jsonl): recall on unit facts is what matters."""
    labels = [l for l in load_sentence_kinds() if l.label != "heading"]
    rec = CrossUnitRecurrence([(l.source, l.text) for l in labels])
    for split, floor in (("dev", 0.95), ("test", 0.9)):
        rows = [l for l in labels if l.split == split and l.label == "unit_fact"]
        found = sum(classify_sentence(l.text, recurs=rec.count(l.text, l.source)).kind == "unit_fact" for l in rows)
        assert found / len(rows) >= floor, (split, found, len(rows))
