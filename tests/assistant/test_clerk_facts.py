"""The clerk's facts typed: running text, key–value lines and a table give the same facts."""

from __future__ import annotations

from assistant.clerk_facts import parse_facts

ISSUE = ("tiếp công dân định kỳ 24 buổi, tiếp 31 lượt công dân; tiếp nhận 9 đơn (7 kiến nghị, phản ánh về đất đai và "
         "2 đơn khiếu nại), đã giải quyết 8 đơn, còn 1 đơn đang xác minh; không có đơn tố cáo. Tổ chức 2 hội nghị đối "
         "thoại với Nhân dân tại thôn Đông và thôn Đoài.")


def rows(text):
    return [(f.count, f.measure, f.what, f.action, f.status) for f in parse_facts(text).facts]


def test_the_issues_facts_text():
    facts = parse_facts(ISSUE)
    assert rows(ISSUE) == [
        ("24", "buổi", "tiếp công dân định kỳ", None, None),
        ("31", "lượt", "công dân", "tiếp", None),
        ("9", "đơn", "", "tiếp nhận", None),
        ("7", "đơn", "kiến nghị, phản ánh về đất đai", None, None),
        ("2", "đơn", "khiếu nại", None, None),
        ("8", "đơn", "", "giải quyết", "done"),
        ("1", "đơn", "", None, "pending"),
        ("0", "đơn", "tố cáo", None, "none"),
        ("2", "hội nghị", "đối thoại với Nhân dân", "tổ chức", None),
    ]
    assert facts.facts[3].part_of == 2 and facts.facts[4].part_of == 2   # the breakdown of the 9 đơn
    assert facts.facts[-1].places == ("thôn Đông", "thôn Đoài")
    assert [s.text for s in facts.statements][2:] == ["không có đơn tố cáo",
                                                      "Tổ chức 2 hội nghị đối thoại với Nhân dân tại thôn Đông và thôn Đoài"]
    assert facts.counts == ("24", "31", "9", "7", "2", "8", "1")


def test_key_value_lines_and_a_table():
    kv = "Số lượt tiếp công dân: 31\nSố buổi tiếp công dân định kỳ: 24\nSố đơn tiếp nhận: 9\nĐơn đang xác minh: 1\nĐơn tố cáo: 0"
    assert [s.text for s in parse_facts(kv).statements] == [
        "tiếp 31 lượt công dân", "24 buổi tiếp công dân định kỳ", "tiếp nhận 9 đơn", "1 đơn đang xác minh",
        "không có đơn tố cáo"]
    assert ("1", "đơn", "", None, "pending") in rows(kv) and ("0", "đơn", "tố cáo", None, "none") in rows(kv)
    table = "| Nội dung | Số lượng |\n|---|---|\n| Tiếp công dân | 31 lượt |\n| Hội nghị đối thoại | 2 |\n| Đơn tố cáo | 0 |"
    assert [s.text for s in parse_facts(table).statements] == ["tiếp 31 lượt công dân", "2 hội nghị đối thoại",
                                                               "không có đơn tố cáo"]


def test_statements_without_figures_and_years_are_kept_apart():
    facts = parse_facts("Năm 2025 không phát sinh khiếu kiện đông người. Phường có 14 tổ dân phố.")
    assert [(f.count, f.measure) for f in facts.facts] == [("0", ""), ("14", "tổ dân phố")]
    assert parse_facts("Không có gì đặc biệt").facts[0].count == "0"
    assert parse_facts("Đã hoàn thành sáp nhập").facts[0].count is None   # a statement: still a fact to state
    assert not parse_facts("") and not parse_facts(None)
