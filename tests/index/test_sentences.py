from index.sentences import split_sentences


def texts(text: str) -> list[str]:
    return [s.text for s in split_sentences(text)]


def test_numbers_and_dates_do_not_split():
    assert texts("Xã có 2.256 hộ với 6.894 nhân khẩu. Diện tích 657,36 ha. Ngày 05/12/2023 xã họp.") == [
        "Xã có 2.256 hộ với 6.894 nhân khẩu.",
        "Diện tích 657,36 ha.",
        "Ngày 05/12/2023 xã họp.",
    ]


def test_abbreviations_are_not_boundaries():
    assert texts("ThS. Nguyễn Văn A dự họp tại TP. Hồ Chí Minh. Tp. Huế cũng vậy.") == [
        "ThS. Nguyễn Văn A dự họp tại TP. Hồ Chí Minh.",
        "Tp. Huế cũng vậy.",
    ]
    assert texts("TM. ỦY BAN NHÂN DÂN\nKT. CHỦ TỊCH") == ["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH"]
    assert texts("các hồ sơ, v.v. và các việc khác.") == ["các hồ sơ, v.v. và các việc khác."]


def test_heading_numbers_stay_with_their_sentence():
    assert texts("1. Công tác chỉ đạo. Ngay từ đầu năm, UBND xã đã quán triệt.") == [
        "1. Công tác chỉ đạo.",
        "Ngay từ đầu năm, UBND xã đã quán triệt.",
    ]
    assert texts("a) Nội dung thứ nhất. 2.1. Mục nhỏ. II. KẾT QUẢ") == [
        "a) Nội dung thứ nhất.",
        "2.1. Mục nhỏ.",
        "II. KẾT QUẢ",
    ]


def test_sentence_final_number_still_splits():
    assert texts("Kết quả năm 2023. Trong năm đã tiếp 16 đơn.") == ["Kết quả năm 2023.", "Trong năm đã tiếp 16 đơn."]


def test_quotes_and_ellipses():
    assert texts("Phương châm “Kỷ cương, liêm chính, hiệu quả”. Phối hợp với khối dân vận.") == [
        "Phương châm “Kỷ cương, liêm chính, hiệu quả”.",
        "Phối hợp với khối dân vận.",
    ]
    assert texts("liên quan đến đất đai.... Xác định vai trò. Họp khu dân cư... những nội dung.") == [
        "liên quan đến đất đai....",
        "Xác định vai trò.",
        "Họp khu dân cư... những nội dung.",
    ]
    assert texts("Nhất là cây ổi, cây bưởi… Tiếp tục vận động.") == ["Nhất là cây ổi, cây bưởi…", "Tiếp tục vận động."]


def test_offsets_point_back_into_the_text():
    text = "  Trong năm 2023, xã đạt 95,5% chỉ tiêu.\n\n- Tổ chức 3 hội nghị!  Kết thúc?"
    spans = split_sentences(text)
    assert [s.text for s in spans] == ["Trong năm 2023, xã đạt 95,5% chỉ tiêu.", "- Tổ chức 3 hội nghị!", "Kết thúc?"]
    for span in spans:
        assert text[span.start : span.end] == span.text
    assert spans[0].start == 2


def test_empty_text():
    assert split_sentences("") == []
    assert split_sentences("  \n \n") == []
