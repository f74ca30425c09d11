"""Alignment accuracy on toy section pairs."""

import pytest

from eval.metrics.alignment import alignment_accuracy, alignment_failures, pair_reproduced, section_key

GOLD = [
    ("I. ĐẶC ĐIỂM TÌNH HÌNH", None),
    ("IV. ĐÁNH GIÁ CHUNG > 2. Hạn chế và nguyên nhân", "III. ĐÁNH GIÁ CHUNG > 2. Khó khăn, hạn chế và nguyên nhân"),
    ("III. KẾT QUẢ THỰC HIỆN > 3. Công tác cải cách hành chính", "II. KẾT QUẢ > 3. Kết quả thực hiện công tác cải cách hành chính"),
    (None, "I. CÔNG TÁC LÃNH ĐẠO"),
]


def test_section_key_normalizes_names():
    assert section_key("## **III. ĐÁNH GIÁ CHUNG.** > 2.  Hạn chế:") == "iii. đánh giá chung > 2. hạn chế"
    assert section_key("1. Công tác phối hợp, tạo điều kiện để Mặt trận tổ quốc") == section_key("1. Công tác phối hợp, tạo điều kiện để Mặt trận tổ quốc.")
    assert section_key("II. PHƯƠNG HƯỚNG") == section_key("II. PH\u01a3\u01a0NG HƯỚNG".replace("\u01a0", "Ơ").replace("\u01a3", "Ư"))


def test_section_key_unifies_numbering_markers():
    assert section_key("III- KẾT QUẢ") == section_key("III. Kết quả") == section_key("III - KẾT QUẢ") == "iii. kết quả"
    assert section_key("IV- A > 2.1. Hạn chế") == "iv. a > 2.1. hạn chế"


def test_all_reproduced():
    assert alignment_accuracy(GOLD, GOLD) == 1.0


def test_partial_alignment():
    predicted = [
        ("I. ĐẶC ĐIỂM TÌNH HÌNH", "I. CÔNG TÁC LÃNH ĐẠO"),  # wrong: gold says unmatched on both sides
        ("IV. Đánh giá chung > 2. Hạn chế và nguyên nhân.", "III. ĐÁNH GIÁ CHUNG > 2. Khó khăn, hạn chế và nguyên nhân"),
        ("III. KẾT QUẢ THỰC HIỆN > 3. Công tác cải cách hành chính", "II. KẾT QUẢ > 3. Kết quả thực hiện công tác cải cách hành chính"),
        ("III. KẾT QUẢ THỰC HIỆN", "II. KẾT QUẢ"),  # parent headings not in gold: ignored
    ]
    assert alignment_accuracy(GOLD, predicted) == pytest.approx(2 / 4)
    assert alignment_failures(GOLD, predicted) == [GOLD[0], GOLD[3]]


def test_one_to_many_is_not_exact():
    predicted = [(GOLD[1][0], GOLD[1][1]), (GOLD[1][0], "III. ĐÁNH GIÁ CHUNG")]
    assert not pair_reproduced(GOLD[1], predicted)


def test_unmatched_must_be_listed_as_unmatched():
    assert not pair_reproduced(("I. ĐẶC ĐIỂM TÌNH HÌNH", None), [])
    assert pair_reproduced(("I. ĐẶC ĐIỂM TÌNH HÌNH", None), [("I. Đặc điểm tình hình", None)])
    assert pair_reproduced((None, "V. X"), [(None, "V. X")])


def test_empty_inputs():
    assert alignment_accuracy([], GOLD) == 0.0
    assert alignment_accuracy(GOLD, []) == 0.0
    with pytest.raises(ValueError):
        pair_reproduced((None, None), [])
