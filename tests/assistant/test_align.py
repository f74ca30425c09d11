"""Section alignment on synthetic documents built from the schema (no parser, no model)."""

from __future__ import annotations

import pytest

from assistant.align import (
    AlignWeights, SectionAligner, TermWeights, _containment, content_sections, heading_words, sections_of,
)
from index.embed import FakeEmbedder
from index.schema import Block, DocumentMeta, Heading, ParsedDocument


def make_doc(doc_id: str, outline: list[tuple[tuple[str, ...], str]]) -> ParsedDocument:
    """outline: (heading path, body text) in reading order."""
    headings, blocks = [], []
    for line, (path, body) in enumerate(outline, start=1):
        headings.append(Heading(number="", title=path[-1], level=len(path), path=path, line_start=line * 10, line_end=line * 10))
        if body:
            blocks.append(Block(kind="paragraph", text=body, section_path=path, line_start=line * 10 + 1, line_end=line * 10 + 2))
    return ParsedDocument(meta=DocumentMeta(doc_id=doc_id, source=f"{doc_id}.txt"), blocks=tuple(blocks), headings=tuple(headings), content_hash=doc_id)


DOC_A = make_doc("a", [
    (("I. ĐẶC ĐIỂM TÌNH HÌNH",), "Xã có 3 thôn, 2.256 hộ với 6.894 nhân khẩu, an ninh trật tự được giữ vững."),
    (("II. KẾT QUẢ THỰC HIỆN",), ""),
    (("II. KẾT QUẢ THỰC HIỆN", "3. Công tác cải cách hành chính"), "Bộ phận một cửa tiếp nhận và trả kết quả hồ sơ thủ tục hành chính đúng hạn."),
    (("II. KẾT QUẢ THỰC HIỆN", "4. Công tác tiếp dân, giải quyết đơn thư"), "Tiếp công dân định kỳ, giải quyết đơn thư khiếu nại tố cáo đúng quy định."),
    (("IV. ĐÁNH GIÁ CHUNG",), ""),
    (("IV. ĐÁNH GIÁ CHUNG", "2. Hạn chế và nguyên nhân"), "Một số cán bộ chưa sâu sát cơ sở, năng lực còn hạn chế."),
    (("V. KIẾN NGHỊ",), "Đề nghị huyện hỗ trợ kinh phí tập huấn."),
])
DOC_B = make_doc("b", [
    (("I. TÌNH HÌNH CHUNG",), "Phường có 8 khu phố, 3.100 hộ, an ninh trật tự ổn định, được giữ vững."),
    (("II. KẾT QUẢ",), ""),
    (("II. KẾT QUẢ", "1. Tiếp công dân, giải quyết đơn thư khiếu nại"), "Tổ chức tiếp công dân định kỳ, giải quyết đơn thư khiếu nại tố cáo kịp thời."),
    (("II. KẾT QUẢ", "2. Kết quả thực hiện công tác cải cách hành chính"), "Bộ phận một cửa giải quyết hồ sơ thủ tục hành chính đúng hạn."),
    (("III. ĐÁNH GIÁ CHUNG",), ""),
    (("III. ĐÁNH GIÁ CHUNG", "2. Khó khăn, hạn chế và nguyên nhân"), "Cán bộ kiêm nhiệm nhiều việc, năng lực còn hạn chế."),
    (("IV. PHƯƠNG HƯỚNG NHIỆM VỤ NĂM 2025",), "Tiếp tục thực hiện tốt quy chế dân chủ ở cơ sở."),
])


def test_heading_words_strip_numbering():
    assert heading_words("IV. ĐÁNH GIÁ CHUNG") == "đánh giá chung"
    assert heading_words("III- KẾT QUẢ") == "kết quả"
    assert heading_words("2.1. Hạn chế") == "hạn chế"
    assert heading_words("a) Công khai") == "công khai"


def test_sections_of_carry_own_text():
    secs = sections_of(DOC_A)
    assert [s.name for s in secs][2] == "II. KẾT QUẢ THỰC HIỆN > 3. Công tác cải cách hành chính"
    assert secs[1].text == ""   # chapter heading without text of its own


def test_alignment_matches_reworded_and_renumbered_sections():
    """Parent headings without own text ("II. KẾT QUẢ THỰC HIỆN") are not listed; their sections are,
    even when renumbered (3 ↔ 2) and reordered (tiếp dân before cải cách hành chính in B)."""
    pairs = SectionAligner(FakeEmbedder()).align(DOC_A, DOC_B)
    got = {(p.a.name if p.a else None, p.b.name if p.b else None) for p in pairs}
    expected = {
        ("I. ĐẶC ĐIỂM TÌNH HÌNH", "I. TÌNH HÌNH CHUNG"),
        ("II. KẾT QUẢ THỰC HIỆN > 3. Công tác cải cách hành chính",
         "II. KẾT QUẢ > 2. Kết quả thực hiện công tác cải cách hành chính"),
        ("II. KẾT QUẢ THỰC HIỆN > 4. Công tác tiếp dân, giải quyết đơn thư",
         "II. KẾT QUẢ > 1. Tiếp công dân, giải quyết đơn thư khiếu nại"),
        ("IV. ĐÁNH GIÁ CHUNG > 2. Hạn chế và nguyên nhân", "III. ĐÁNH GIÁ CHUNG > 2. Khó khăn, hạn chế và nguyên nhân"),
        ("V. KIẾN NGHỊ", None),
        (None, "IV. PHƯƠNG HƯỚNG NHIỆM VỤ NĂM 2025"),
    }
    assert got == expected


def test_every_content_section_appears_exactly_once_and_b_order_kept():
    pairs = SectionAligner(FakeEmbedder()).align(DOC_A, DOC_B)
    a_names = [p.a.name for p in pairs if p.a]
    b_names = [p.b.name for p in pairs if p.b]
    assert sorted(a_names) == sorted(s.name for s in content_sections(DOC_A))
    assert b_names == [s.name for s in content_sections(DOC_B)]
    # the parent headings have no text of their own and are left out on both sides
    assert "II. KẾT QUẢ THỰC HIỆN" not in a_names and "III. ĐÁNH GIÁ CHUNG" not in b_names
    assert len(a_names) == 5 and len(b_names) == 5


def test_validation():
    with pytest.raises(ValueError):
        SectionAligner(FakeEmbedder(), threshold=-0.1)
    with pytest.raises(ValueError):
        SectionAligner(FakeEmbedder(), weights=AlignWeights(heading=0, body_terms=0, body_meaning=0, chapter=0))
    with pytest.raises(ValueError):
        SectionAligner(FakeEmbedder(), weights=AlignWeights(position=-1))


REPORT = make_doc("report", [
    (("I. ĐẶC ĐIỂM TÌNH HÌNH",), "Xã có 3 thôn, 2.256 hộ với 6.894 nhân khẩu."),
    (("III. KẾT QUẢ THỰC HIỆN", "3. Công tác cải cách hành chính"), "Bộ phận một cửa giải quyết hồ sơ thủ tục hành chính đúng hạn."),
    (("III. KẾT QUẢ THỰC HIỆN", "4. Công tác tiếp dân, giải quyết đơn thư khiếu nại, tố cáo"),
     "Tiếp công dân định kỳ, giải quyết đơn thư khiếu nại tố cáo đúng quy định."),
])
PLAN = make_doc("plan", [
    (("I. MỤC ĐÍCH, YÊU CẦU",), "Nâng cao nhận thức, trách nhiệm của cán bộ, công chức về công tác dân vận."),
    (("II. NHIỆM VỤ TRỌNG TÂM", "3. Đẩy mạnh thực hiện Chương trình cải cách hành chính, chuyển đổi số"),
     "Đẩy mạnh cải cách thủ tục hành chính, bộ phận một cửa, chuyển đổi số."),
    (("II. NHIỆM VỤ TRỌNG TÂM", "4. Thực hiện có hiệu quả công tác tiếp xúc, đối thoại, xử lý đơn thư khiếu nại, tố cáo"),
     "Thực hiện nghiêm Luật Tiếp công dân, giải quyết đơn thư khiếu nại tố cáo kịp thời."),
    (("III. TỔ CHỨC THỰC HIỆN", "1. Công chức Văn phòng - Thống kê"), "Theo dõi, đôn đốc, tổng hợp báo cáo định kỳ."),
])


def test_report_sections_match_plan_tasks_across_chapters():
    """The chapters ("KẾT QUẢ THỰC HIỆN" / "NHIỆM VỤ TRỌNG TÂM") share no words: the chapter is a prior, not a gate."""
    # The fake embedder carries no meaning, so only the lexical signals, chapter and position decide here.
    aligner = SectionAligner(FakeEmbedder(), weights=AlignWeights(body_meaning=0.0))
    got = {(p.a.name if p.a else None, p.b.name if p.b else None) for p in aligner.align(REPORT, PLAN)}
    assert ("III. KẾT QUẢ THỰC HIỆN > 3. Công tác cải cách hành chính",
            "II. NHIỆM VỤ TRỌNG TÂM > 3. Đẩy mạnh thực hiện Chương trình cải cách hành chính, chuyển đổi số") in got
    assert ("III. KẾT QUẢ THỰC HIỆN > 4. Công tác tiếp dân, giải quyết đơn thư khiếu nại, tố cáo",
            "II. NHIỆM VỤ TRỌNG TÂM > 4. Thực hiện có hiệu quả công tác tiếp xúc, đối thoại, xử lý đơn thư khiếu nại, tố cáo") in got
    assert ("I. ĐẶC ĐIỂM TÌNH HÌNH", None) in got
    assert (None, "III. TỔ CHỨC THỰC HIỆN > 1. Công chức Văn phòng - Thống kê") in got
    assert (None, "I. MỤC ĐÍCH, YÊU CẦU") in got


def test_heading_containment_ignores_words_every_section_uses():
    weights = TermWeights(sections_of(REPORT) + sections_of(PLAN))
    # "cải cách hành chính" is distinctive; "công tác" appears in several sections and weighs less
    assert weights.idf["cải_cách"] > weights.idf["công_tác"]
    short = weights.vector(heading_words("3. Công tác cải cách hành chính"))
    long = weights.vector(heading_words("3. Đẩy mạnh thực hiện Chương trình cải cách hành chính, chuyển đổi số"))
    assert _containment(short, long) > 0.6
    assert _containment(short, weights.vector("tổ chức thực hiện")) == 0.0
