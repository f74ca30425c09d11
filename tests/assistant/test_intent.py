"""Chat routing is deterministic: each message below always lands on the same tool."""

from __future__ import annotations

import pytest

from assistant.intent import fold, parse_draft_request, route


@pytest.mark.parametrize(
    ("message", "intent"),
    [
        ("Soạn mục Công tác tiếp dân cho báo cáo năm 2025 của xã Ngọc Kỳ", "draft"),
        ("soan muc cai cach hanh chinh cho bao cao nam 2024 cua phuong Lam Son", "draft"),
        ("Viết phần đánh giá chung cho kế hoạch năm 2025", "draft"),
        ("Dự thảo báo cáo dân vận chính quyền năm 2025 của xã Hòa Bình", "draft"),
        ("Văn bản nào quy định về giám sát, phản biện xã hội của Mặt trận?", "lookup"),
        ("Chỉ thị 33/CT-TTg ban hành ngày nào?", "lookup"),
        ("Pháp lệnh 34/2007 còn hiệu lực không?", "lookup"),
        ("Tra cứu nghị định về tiếp công dân", "lookup"),
        ("So sánh mục tiếp dân của xã Quang Khải năm 2023 với xã Quang Trung năm 2024", "compare"),
        ("Cách diễn đạt qua các năm của phần Dân vận khéo khác nhau thế nào?", "compare"),
        ("thêm ý về chuyển đổi số", "refine"),
        ("bỏ câu 3", "refine"),
        ("tiếp công dân giải quyết khiếu nại", "search"),
    ],
)
def test_route(message, intent):
    assert route(message) == intent


def test_fold_strips_diacritics_and_d():
    assert fold("  Đảng   ỦY  xã ") == "dang uy xa"


def test_parse_draft_request_fields():
    req = parse_draft_request("Soạn mục Công tác tiếp dân cho báo cáo năm 2025 của xã Ngọc Kỳ")
    assert req.section == "Công tác tiếp dân"
    assert req.kind == "báo cáo"
    assert req.year == 2025
    assert req.unit == "xã Ngọc Kỳ"
    assert req.unit_level == "xã"


def test_parse_draft_request_with_parents_and_ward():
    req = parse_draft_request(
        "Viết phần cải cách hành chính cho kế hoạch năm 2026 của phường Lam Sơn, thị xã Bỉm Sơn, tỉnh Thanh Hóa"
    )
    assert (req.section, req.kind, req.year) == ("cải cách hành chính", "kế hoạch", 2026)
    assert req.unit == "phường Lam Sơn" and req.unit_level == "phường"
    assert req.parent_units == ("thị xã Bỉm Sơn", "tỉnh Thanh Hóa")


def test_parse_draft_request_missing_fields_stay_none():
    req = parse_draft_request("Soạn giúp tôi một đoạn")
    assert req.unit is None and req.year is None and req.kind is None


def test_parse_draft_request_unit_with_ubnd_prefix():
    req = parse_draft_request("Soạn mục công tác dân vận cho báo cáo năm 2024 của UBND xã Quang Khải")
    assert (req.section, req.unit, req.unit_level, req.year) == ("công tác dân vận", "xã Quang Khải", "xã", 2024)
