"""Structure parser: golden heading trees of the five seeds and the Cần Thơ decision,
spot-checked block places, and synthetic cases for the line joiner and the heading classifier.

The golden files (tests/index/golden/<stem>.json) hold the heading tree as read from each
source file: number, title as written, level by the numbering scheme, original lines.
"""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest

from index.schema import NormalizedText
from index.structure import StructureParser, classify_numbering, is_phapdien

from tests.index.golden_documents import DOCUMENTS, GOLDEN


@pytest.fixture(scope="module")
def parsed(parsed_document):
    return parsed_document


def lines_of(*lines: str) -> tuple[tuple, tuple]:
    return StructureParser().parse(lines)


# --------------------------------------------------------------------------- golden trees


@pytest.mark.parametrize("source", DOCUMENTS)
def test_heading_tree_matches_golden(parsed, source):
    expected = json.loads((GOLDEN / (Path(source).stem + ".json")).read_text(encoding="utf-8"))["headings"]
    got = [
        {"number": h.number, "title": h.title, "level": h.level, "line_start": h.line_start, "line_end": h.line_end}
        for h in parsed(source).headings
    ]
    assert got == expected


@pytest.mark.parametrize("source", DOCUMENTS)
def test_heading_paths_follow_levels(parsed, source):
    """Each heading's path is its chain of nearest shallower ancestors, itself last."""
    open_titles: list[str] = []
    for heading in parsed(source).headings:
        open_titles = open_titles[: heading.level - 1] + [heading.title]
        assert heading.path == tuple(open_titles)
        assert len(heading.path) == heading.level


def test_001_levels_come_from_numbering_not_hash_count(parsed):
    headings = {h.line_start: h for h in parsed("seeds/001_fbaec8e52927d2a0.txt").headings}
    assert headings[15].level == 1       # "#### I. …"
    assert headings[29].level == 2       # "## 1. …" under "#### II."
    assert headings[49].level == 2       # "### 3. …"
    assert headings[67].level == 2       # bold "4. …" without any hash
    assert headings[93].title == "Quan điểm" and headings[93].level == 2
    assert headings[117].level == 1      # "## NHIỆM VỤ, GIẢI PHÁP …" all capitals, unnumbered
    assert headings[119].path == ("NHIỆM VỤ, GIẢI PHÁP THỰC HIỆN CÔNG TÁC DÂN VẬN NĂM 2025", "1. Nhiệm vụ")


def test_003_keeps_both_iv_headings(parsed):
    roman = [h.title for h in parsed("seeds/003_6c84fea0602fb7f4.txt").headings if h.level == 1]
    assert roman == [
        "I. TÌNH HÌNH CHUNG.",
        "II. CÔNG TÁC CHỈ ĐẠO, TRIỂN KHAI.",
        "III. KẾT QUẢ THỰC HIỆN",
        "IV. ĐÁNH GIÁ CHUNG",
        "IV. NHIỆM VỤ TRỌNG TÂM TRỌNG THỜI GIAN ĐẾN",
    ]


# --------------------------------------------------------------------------- block places
# (source, a line inside the block, kind, section path, line_start, line_end), read off the files.

III_000 = "III. KẾT QUẢ THỰC HIỆN"
SPOTS = [
    ("seeds/000_ad1bc2404d8aad29.txt", 7, "paragraph", (), 6, 8),
    ("seeds/000_ad1bc2404d8aad29.txt", 27, "paragraph",
     ("II. CÔNG TÁC LÃNH ĐẠO, CHỈ ĐẠO", "1. Công tác chỉ đạo và triển khai thực hiện của chính quyền"), 25, 33),
    ("seeds/000_ad1bc2404d8aad29.txt", 160, "paragraph",
     (III_000, "4. Công tác tiếp dân, giải quyết đơn thư khiếu nại, tố cáo"), 155, 163),
    ("seeds/000_ad1bc2404d8aad29.txt", 170, "paragraph",
     (III_000, "5. Công tác phối hợp, tạo điều kiện để Mặt trận tổ quốc, các tổ chức chính trị - xã hội "
               "tham gia giám sát, phản biện xã hội, xây dựng chính quyền vững mạnh"), 169, 179),
    ("seeds/000_ad1bc2404d8aad29.txt", 251, "bullet", ("V. PHƯƠNG HƯỚNG, NHIỆM VỤ TRONG NĂM 2024",), 250, 253),
    ("seeds/000_ad1bc2404d8aad29.txt", 278, "closing", (), 278, 279),
    ("seeds/000_ad1bc2404d8aad29.txt", 290, "closing", (), 290, 290),
    ("seeds/001_fbaec8e52927d2a0.txt", 11, "header", (), 11, 11),
    ("seeds/001_fbaec8e52927d2a0.txt", 44, "paragraph",
     ("II. KẾT QUẢ CÔNG TÁC DÂN VẬN CHÍNH QUYỀN",
      "2. Thực hiện các mục tiêu phát triển kinh tế - xã hội, nâng cao đời sống vật chất và tinh thần cho "
      "các tầng lớp Nhân dân"), 43, 45),
    ("seeds/001_fbaec8e52927d2a0.txt", 111, "paragraph",
     ("III. ĐÁNH GIÁ CHUNG", "2. Khó khăn, hạn chế và nguyên nhân"), 111, 111),
    ("seeds/001_fbaec8e52927d2a0.txt", 126, "paragraph",
     ("NHIỆM VỤ, GIẢI PHÁP THỰC HIỆN CÔNG TÁC DÂN VẬN NĂM 2025", "2. Giải pháp"), 125, 127),
    ("seeds/002_2cc0b2eb3d9fdbc1.txt", 3, "title", (), 2, 4),
    ("seeds/002_2cc0b2eb3d9fdbc1.txt", 154, "bullet",
     ("III. TỔ CHỨC THỰC HIỆN", "1. Công chức Văn phòng- Thống kê phụ trách công tác Nội vụ"), 153, 156),
    ("seeds/002_2cc0b2eb3d9fdbc1.txt", 165, "paragraph",
     ("III. TỔ CHỨC THỰC HIỆN", "2. Công chức Văn hóa - xã hội; Đài truyền thanh."), 163, 168),
    ("seeds/002_2cc0b2eb3d9fdbc1.txt", 192, "closing", (), 192, 192),
    ("seeds/003_6c84fea0602fb7f4.txt", 20, "paragraph", ("I. TÌNH HÌNH CHUNG.",), 9, 33),
    ("seeds/003_6c84fea0602fb7f4.txt", 267, "bullet",
     ("III. KẾT QUẢ THỰC HIỆN", "3. Kết quả thực hiện phong trào và xây dựng các mô hình “Dân vận khéo”"), 267, 267),
    ("seeds/003_6c84fea0602fb7f4.txt", 300, "paragraph",
     ("III. KẾT QUẢ THỰC HIỆN",
      "4. Công tác phối hợp, tạo điều kiện để MTTQ, các tổ chức chính trị - xã hội và Nhân dân tham gia "
      "giám sát, phản biện xã hội, góp ý xây dựng Đảng và xây dựng chính quyền."), 291, 309),
    ("seeds/003_6c84fea0602fb7f4.txt", 400, "bullet", ("IV. NHIỆM VỤ TRỌNG TÂM TRỌNG THỜI GIAN ĐẾN",), 394, 408),
    ("seeds/003_6c84fea0602fb7f4.txt", 433, "closing", (), 433, 433),
    ("seeds/004_bf2fac1579fa6850.txt", 9, "header", (), 9, 9),
    ("seeds/004_bf2fac1579fa6850.txt", 17, "title", (), 15, 17),
    ("seeds/004_bf2fac1579fa6850.txt", 480, "paragraph",
     ("IV- ĐÁNH GIÁ CHUNG", "2. Hạn chế và nguyên nhân", "2.1. Hạn chế"), 474, 480),
    ("seeds/004_bf2fac1579fa6850.txt", 540, "bullet", ("V- PHƯƠNG HƯỚNG, NHIỆM VỤ NĂM 2024",), 533, 545),
    ("seeds/004_bf2fac1579fa6850.txt", 614, "paragraph", ("VI - KIẾN NGHỊ, ĐỀ XUẤT",), 614, 614),
    ("seeds/004_bf2fac1579fa6850.txt", 638, "closing", (), 638, 638),
    ("van-ban-dia-phuong/2579-QD-UBND-2025-can-tho.md", 58, "paragraph", ("Điều 1.",), 57, 59),
    ("van-ban-dia-phuong/2579-QD-UBND-2025-can-tho.md", 65, "paragraph", ("Điều 2.",), 62, 71),
    ("van-ban-dia-phuong/2579-QD-UBND-2025-can-tho.md", 220, "bullet",
     ("QUY ĐỊNH", "Chương II. TIÊU CHÍ, THANG ĐIỂM VÀ PHƯƠNG PHÁP ĐÁNH GIÁ, XẾP LOẠI", "Điều 6. Xếp loại hằng năm"),
     217, 223),
    ("van-ban-dia-phuong/2579-QD-UBND-2025-can-tho.md", 295, "bullet",
     ("QUY ĐỊNH", "Chương IV. TỔ CHỨC THỰC HIỆN", "Điều 9. Thẩm quyền, trình tự, thời gian đánh giá, xếp loại",
      "2. Trình tự, thời gian đánh giá, xếp loại"), 294, 296),
]


@pytest.mark.parametrize(("source", "line", "kind", "path", "start", "end"), SPOTS)
def test_block_place(parsed, source, line, kind, path, start, end):
    [block] = [b for b in parsed(source).blocks if b.line_start <= line <= b.line_end]
    assert (block.kind, block.section_path, block.line_start, block.line_end) == (kind, path, start, end)


@pytest.mark.parametrize("source", DOCUMENTS)
def test_block_text_is_clean_nfc(parsed, source):
    for block in parsed(source).blocks:
        assert unicodedata.is_normalized("NFC", block.text), block
        assert "ƣ" not in block.text and "**" not in block.text
        assert " Ỉ" not in block.text and "C Ế" not in block.text, block
        assert block.text == block.text.strip() and "  " not in block.text


@pytest.mark.parametrize("source", DOCUMENTS)
def test_blocks_are_ordered_and_disjoint(parsed, source):
    blocks = parsed(source).blocks
    for first, second in zip(blocks, blocks[1:]):
        assert first.line_start <= first.line_end < second.line_start or (
            first.kind == "heading" and second.line_start > first.line_start
        )


def test_block_text_comes_from_its_lines(parsed, sample_corpus):
    """A block's first words are on its first original line (000's paragraph at 25-33)."""
    doc = parsed("seeds/000_ad1bc2404d8aad29.txt")
    raw = (sample_corpus / "seeds/000_ad1bc2404d8aad29.txt").read_text(encoding="utf-8").split("\n")
    for block in doc.blocks:
        first_words = " ".join(raw[block.line_start - 1].split()[:3])
        assert block.text.startswith(first_words.lstrip("#* ")), (block, first_words)


# --------------------------------------------------------------------------- joiner


def test_blank_line_inside_sentence_is_bridged():
    blocks, _ = lines_of("I. MỤC ĐÍCH", "UBND xã đã quán triệt tới các cán bộ, công chức về các", "",
                         "nội dung của Nghị quyết số 25-NQ/TW.")
    assert blocks[1].text == "UBND xã đã quán triệt tới các cán bộ, công chức về các nội dung của Nghị quyết số 25-NQ/TW."
    assert (blocks[1].line_start, blocks[1].line_end) == (2, 4)


def test_split_document_number_is_rejoined():
    blocks, _ = lines_of("Tổ chức hội nghị theo Nghị định số", "", "04/2015/NĐ-CP của Chính phủ.")
    assert blocks[0].text == "Tổ chức hội nghị theo Nghị định số 04/2015/NĐ-CP của Chính phủ."


def test_hyphen_split_number_joins_without_space():
    blocks, _ = lines_of("Theo Pháp lệnh số 34/2007/PL-", "", "UBTVQH11 về thực hiện dân chủ.")
    assert blocks[0].text == "Theo Pháp lệnh số 34/2007/PL-UBTVQH11 về thực hiện dân chủ."


def test_heading_continuation_joins_heading():
    blocks, headings = lines_of(
        "III. KẾT QUẢ",
        "2. Thực hiện cơ chế “Đảng lãnh đạo, Nhà nước quản lý, Nhân dân",
        "làm chủ”",
        "",
        "Việc thể chế hóa các chủ trương của Đảng.",
    )
    assert headings[1].title == "2. Thực hiện cơ chế “Đảng lãnh đạo, Nhà nước quản lý, Nhân dân làm chủ”"
    assert (headings[1].line_start, headings[1].line_end) == (2, 3)
    assert blocks[-1].section_path == ("III. KẾT QUẢ", headings[1].title)


def test_heading_followed_by_body_without_blank_line():
    blocks, headings = lines_of(
        "II. CÔNG TÁC LÃNH ĐẠO",
        "1. Công tác chỉ đạo và triển khai thực hiện của chính quyền",
        "Ngay từ đầu năm, UBND xã đã quán triệt tới các cán bộ, công chức về các nội dung",
        "của Nghị quyết.",
    )
    assert headings[1].title == "1. Công tác chỉ đạo và triển khai thực hiện của chính quyền"
    assert blocks[-1].kind == "paragraph" and blocks[-1].line_start == 3 and blocks[-1].line_end == 4


def test_all_caps_heading_wraps_in_capitals():
    _, headings = lines_of("III- KẾT QUẢ THỰC HIỆN PHÁP LUẬT VỀ DÂN CHỦ TRỰC", "", "TIẾP VÀ QUY CHẾ DÂN CHỦ Ở CƠ SỞ",
                           "", "1. Thực hiện dân chủ ở xã", "", "Công khai để Nhân dân biết.")
    assert headings[0].title == "III- KẾT QUẢ THỰC HIỆN PHÁP LUẬT VỀ DÂN CHỦ TRỰC TIẾP VÀ QUY CHẾ DÂN CHỦ Ở CƠ SỞ"
    assert headings[1].path == (headings[0].title, "1. Thực hiện dân chủ ở xã")


def test_dash_starting_a_wrapped_line_is_not_a_bullet():
    blocks, _ = lines_of("Các đoàn thể chính trị", "", "- xã hội, cán bộ, đảng viên tham gia.")
    assert len(blocks) == 1 and blocks[0].kind == "paragraph"
    assert blocks[0].text == "Các đoàn thể chính trị - xã hội, cán bộ, đảng viên tham gia."


# --------------------------------------------------------------------------- heading classifier


@pytest.mark.parametrize(
    ("line", "scheme", "number"),
    [
        ("I. ĐẶC ĐIỂM TÌNH HÌNH", "roman", "I"),
        ("II - CÔNG TÁC LÃNH ĐẠO", "roman", "II"),
        ("III- KẾT QUẢ", "roman", "III"),
        ("IV- ĐÁNH GIÁ CHUNG", "roman", "IV"),
        ("1. Về ưu điểm", "arabic", "1"),
        ("2.1. Hạn chế", "arabic2", "2.1"),
        ("a) Tổ chức triển khai", "letter", "a"),
        ("Chương II", "chuong", "II"),
        ("Điều 3. Nguyên tắc", "dieu", "3"),
    ],
)
def test_classify_numbering(line, scheme, number):
    numbered = classify_numbering(line)
    assert numbered is not None and (numbered.scheme, numbered.number) == (scheme, number)


@pytest.mark.parametrize("line", ["2015 của Chính phủ", "2.256 hộ với 6.894 nhân khẩu", "CỘNG HÒA XÃ HỘI", "Cán bộ xã"])
def test_classify_numbering_ignores_plain_text(line):
    assert classify_numbering(line) is None


def test_numbered_items_without_body_are_list_items():
    blocks, headings = lines_of(
        "V. PHƯƠNG HƯỚNG",
        "1. Tập trung lãnh đạo, chỉ đạo xây dựng và thực hiện có hiệu quả các đề án.",
        "",
        "2. Tiếp tục đẩy mạnh, nâng cao chất lượng hoạt động giám sát của HĐND.",
        "",
        "Trên đây là báo cáo của UBND xã./.",
    )
    assert [h.title for h in headings] == ["V. PHƯƠNG HƯỚNG"]
    assert [b.kind for b in blocks] == ["heading", "bullet", "bullet", "closing"]
    assert blocks[1].section_path == ("V. PHƯƠNG HƯỚNG",)


def test_numbered_items_with_body_are_headings():
    _, headings = lines_of(
        "IV. ĐÁNH GIÁ CHUNG",
        "1. Về ưu điểm",
        "Chính quyền có sự chuyển biến tích cực.",
        "2. Hạn chế và nguyên nhân",
        "Việc cụ thể hóa còn hạn chế.",
    )
    assert [(h.title, h.level) for h in headings] == [
        ("IV. ĐÁNH GIÁ CHUNG", 1), ("1. Về ưu điểm", 2), ("2. Hạn chế và nguyên nhân", 2)
    ]


def test_phapdien_detection(sample_corpus):
    text = (sample_corpus / "phapdien/hoa-giai-o-co-so.md").read_text(encoding="utf-8")
    assert is_phapdien(NormalizedText("phapdien/hoa-giai-o-co-so.md", tuple(text.split("\n"))))
    seed = (sample_corpus / DOCUMENTS[0]).read_text(encoding="utf-8")
    assert not is_phapdien(NormalizedText(DOCUMENTS[0], tuple(seed.split("\n"))))
