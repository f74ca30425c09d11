"""The unit-drafting judges: fidelity (hand label or strict rule), coverage, contradictions, broken sentences,
out-of-date legal basis. Each is checked on cases a draft really produces."""

from __future__ import annotations

from eval.datasets import ExpectedFact, load_sentence_kinds
from eval.metrics.broken_sentence import broken_count, broken_reason
from eval.metrics.contradiction import contradictions
from eval.metrics.fact_coverage import fact_coverage, fact_found
from eval.metrics.legal_basis import TextStatus, outdated_references
from eval.metrics.unit_fact_fidelity import best_label, fidelity, is_question, is_unit_fact_strict, supported_by_facts

FACTS = ("tiếp công dân định kỳ 24 buổi, tiếp 31 lượt công dân; tiếp nhận 9 đơn (7 kiến nghị, phản ánh về đất đai và 2 "
         "đơn khiếu nại), đã giải quyết 8 đơn, còn 1 đơn đang xác minh; không có đơn tố cáo. Tổ chức 2 hội nghị đối "
         "thoại với Nhân dân tại thôn Đông và thôn Đoài.")
EXPECTED = [ExpectedFact("value", "24", "buổi"), ExpectedFact("value", "31", "lượt"), ExpectedFact("value", "9", "đơn"),
            ExpectedFact("value", "2", "đơn", "khiếu nại"), ExpectedFact("pending", "1", "đơn"),
            ExpectedFact("none", what="đơn tố cáo"), ExpectedFact("place", what="thôn Đoài")]
DRAFT = ("Trong năm 2025, UBND xã Đại Đồng đã tiếp công dân định kỳ 24 buổi, tiếp 31 lượt công dân [3]. Đã tiếp nhận "
         "9 đơn (7 kiến nghị, phản ánh về đất đai và 2 đơn khiếu nại), đã giải quyết 8 đơn, còn 1 đơn đang xác minh; "
         "không có đơn tố cáo [3]. Đã tổ chức 2 hội nghị đối thoại với Nhân dân tại thôn Đông và thôn Đoài [3].")


def test_strict_rule_flags_every_hand_labelled_unit_fact_it_can_see():
    labels = [l for l in load_sentence_kinds() if l.label == "unit_fact"]
    found = sum(is_unit_fact_strict(l.text) for l in labels)
    assert found / len(labels) >= 0.85
    assert is_unit_fact_strict("Trong năm đã tiếp [số đơn] đơn.")
    assert not is_unit_fact_strict("Tiếp tục quán triệt Chỉ thị số 33/CT-TTg ngày 26/11/2021 của Thủ tướng Chính phủ.")


def test_support_by_the_clerks_facts():
    assert supported_by_facts("Trong năm 2025, UBND xã Đại Đồng đã tiếp công dân định kỳ 24 buổi, tiếp 31 lượt công dân.",
                              FACTS, ["2025"])
    assert not supported_by_facts("Trong năm đã tiếp 16 đơn.", FACTS)              # a figure the clerk did not give
    assert not supported_by_facts("Các đơn đều được giải quyết, nhân dân đồng tình.", FACTS)   # words the clerk did not write
    assert not supported_by_facts("Đã tiếp [số đơn] đơn.", FACTS)
    assert not supported_by_facts("Đã tiếp 31 lượt công dân.", None)


def test_fidelity_and_labels():
    assert fidelity([(True, True), (True, False), (False, False)]) == 0.5
    assert fidelity([(False, False)]) is None
    labelled = [("Các đơn thư đã được xem xét giải quyết, không có đơn thư tồn đọng.", "unit_fact"),
                ("Công tác tiếp dân được quan tâm lãnh đạo.", "formula")]
    assert best_label("Các đơn thư đã được xem xét giải quyết, không có đơn thư tồn đọng [2].", labelled) == "unit_fact"
    assert best_label("Một câu khác hẳn.", labelled) is None
    assert is_question("[Trong năm có đơn thư tồn đọng không?]") and not is_question("Trong năm [số] đơn.")


def test_fact_coverage():
    assert fact_coverage(EXPECTED, DRAFT) == 1.0
    assert fact_coverage([], DRAFT) is None
    assert not fact_found(ExpectedFact("value", "16", "đơn"), DRAFT)
    assert not fact_found(ExpectedFact("value", "2", "đơn", "tố cáo"), DRAFT)
    assert fact_coverage(EXPECTED, "Trong năm đã tiếp 31 lượt công dân.") == 1 / len(EXPECTED)


def test_contradictions():
    assert contradictions("Các đơn thư đã được xem xét giải quyết, không có đơn thư tồn đọng.", EXPECTED)
    assert contradictions("Trong năm đã tiếp 16 đơn.", EXPECTED) == ["16 đơn"]
    assert contradictions("UBND xã tiếp nhận 3 đơn tố cáo.", EXPECTED)
    assert contradictions("Trong năm không có đơn khiếu nại.", EXPECTED)
    assert all(contradictions(s + ".", EXPECTED, FACTS) == [] for s in DRAFT.split(". "))
    assert contradictions("Đã giải quyết 8 đơn.", EXPECTED) == ["8 đơn"]        # not a listed figure…
    assert contradictions("Đã giải quyết 8 đơn.", EXPECTED, FACTS) == []        # …but the clerk wrote it
    assert contradictions("[Trong năm có đơn thư tồn đọng không?]", EXPECTED) == []


def test_broken_sentences():
    headings = ["4. Công tác tiếp dân, giải quyết đơn thư khiếu nại, tố cáo"]
    assert broken_reason("Thực hiện tốt các nhiệm vụ được [6]", headings) == "no final stop"
    assert broken_reason("Thực hiện tốt các nhiệm vụ được.", headings) == "ends on “được”"
    assert broken_reason("hành dân chủ ở cơ sở.", headings) == "starts mid-sentence"
    assert broken_reason("UBND xã đã tổ chức triển khai các văn bản như:.", headings) == "ends on a colon"
    assert broken_reason("Công tác tiếp dân, giải quyết đơn thư khiếu nại, tố cáo [2].", headings) == "a heading"
    assert broken_reason("Không để đơn thư vượt cấp.", headings) is None
    assert broken_reason("[Trong năm có tổ chức hội nghị không?]", headings) is None
    assert broken_count(["Câu đủ.", "Câu thiếu"], headings) == 1


def test_outdated_legal_basis():
    statuses = {"34/2007/PL-UBTVQH11": TextStatus("repealed", "2023-07-01", "Pháp lệnh",
                                                  "thực hiện dân chủ ở xã, phường, thị trấn"),
                "22/2018/QĐ-TTg": TextStatus("repealed", "2023-08-16", "Quyết định", "xây dựng, thực hiện hương ước, quy ước"),
                "10/2022/QH15": TextStatus("in_force", "2023-07-01", "Luật", "thực hiện dân chủ ở cơ sở")}
    assert outdated_references("Thực hiện Pháp lệnh số 34/2007/PL-UBTVQH11.", statuses, 2025) == ["34/2007/PL-UBTVQH11"]
    assert outdated_references("Đúng quy định của pháp lệnh thực hiện dân chủ ở xã.", statuses, 2025) == ["34/2007/PL-UBTVQH11"]
    assert outdated_references("Thực hiện Pháp lệnh số 34/2007/PL-UBTVQH11.", statuses, 2022) == []
    assert outdated_references("Cấp có thẩm quyền quyết định việc xây dựng, bổ sung quy ước.", statuses, 2025) == []
    assert outdated_references("Thực hiện Luật số 10/2022/QH15.", statuses, 2025) == []
