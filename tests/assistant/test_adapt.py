import pytest

from assistant.adapt import UnitRef, adapt_sentence, find_figures, parse_clerk_facts, parse_unit

TARGET = UnitRef.parse("UBND xã Ngọc Kỳ", parents=["huyện Tứ Kỳ"])
QUANG_KHAI = UnitRef.parse("UBND xã Quang Khải", parents=["huyện Tứ Kỳ", "tỉnh Hải Dương"])
LAM_SON = UnitRef.parse("UBND phường Lam Sơn", parents=["thị xã Bỉm Sơn", "tỉnh Thanh Hóa"])
OTHERS = ["Song Vân", "Quang Trung", "Lam Sơn", "Quang Khải"]


def adapt(sentence, precedent=QUANG_KHAI, facts=(), year=2024, precedent_year=2023, target=TARGET):
    return adapt_sentence(sentence, precedent, target, precedent_year, year, facts, other_names=OTHERS)


def test_parse_unit_forms():
    assert parse_unit("UBND xã Ngọc Kỳ") == UnitRef("Ngọc Kỳ", "xã", "UBND xã Ngọc Kỳ", ())
    u = parse_unit("phường Lam Sơn", parents=["thị xã Bỉm Sơn"])
    assert (u.name, u.level, u.parent("thị xã")) == ("Lam Sơn", "phường", "Bỉm Sơn")
    assert parse_unit("Ngọc Kỳ", level="xã").full == "UBND xã Ngọc Kỳ"
    with pytest.raises(ValueError):
        parse_unit("UBND xã")


def test_clerk_facts_are_typed_and_inherit_the_noun():
    facts = parse_clerk_facts("Trong năm tiếp 12 lượt công dân; nhận 5 đơn, giải quyết 5")
    assert [(f.quantity, f.key) for f in facts] == [("12", "lượt"), ("5", "đơn"), ("5", "đơn")]
    assert facts[1].verb == "nhận" and facts[2].verb == "giải quyết"
    assert parse_clerk_facts("") == ()
    # the reporting year is a period, not a figure
    assert [f.quantity for f in parse_clerk_facts("Năm 2024 tiếp 3 lượt")] == ["3"]


def test_unit_year_and_figure_become_target_or_placeholder():
    a = adapt("Năm 2023, xã Quang Khải đã tiếp 16 đơn.")
    assert a.text == "Năm 2024, xã Ngọc Kỳ đã tiếp [số đơn] đơn."
    assert a.placeholders == ("[số đơn]",)
    assert {r.kind for r in a.replacements} == {"year", "unit", "placeholder"}


def test_clerk_fact_fills_the_matching_figure():
    facts = parse_clerk_facts("Trong năm tiếp 12 lượt công dân; nhận 5 đơn, giải quyết 5")
    a = adapt("Trong năm đã tiếp 16 đơn, các đơn đề nghị đều được giải quyết cơ bản.", facts=facts)
    assert a.text == "Trong năm đã tiếp 5 đơn, các đơn đề nghị đều được giải quyết cơ bản."
    assert a.placeholders == () and a.facts_used[0].quantity == "5"
    b = adapt("Trong năm 2023 UBND phường đã tiếp 8 lượt người đến trình bày.", precedent=LAM_SON, facts=facts)
    assert b.text == "Trong năm 2024 UBND xã đã tiếp 12 lượt người đến trình bày."


def test_local_facts_of_the_other_unit_are_masked():
    a = adapt("Xã có 3 thôn là Tân Quang, Nhũ Tỉnh và Vũ Xá, xã có 2.256 hộ với 6.894 nhân khẩu.")
    assert a.text == "Xã có [số thôn] thôn là [tên thôn], xã có [số hộ] hộ với [số nhân khẩu] nhân khẩu."
    b = adapt("Quang Khải là xã nằm về phía Tây so với trung tâm huyện Tứ Kỳ, với diện tích đất tự nhiên 657,36 ha.")
    assert b.text == "Ngọc Kỳ là xã nằm về [vị trí] so với trung tâm huyện Tứ Kỳ, với diện tích đất tự nhiên [diện tích] ha."
    c = adapt("Năm 2020, xã được công nhận đạt chuẩn nông thôn mới, ngày 21/3/2023 xã Quang Khải được phân loại lại.")
    assert c.text == "Năm [năm], xã được công nhận đạt chuẩn nông thôn mới, [ngày] xã Ngọc Kỳ được phân loại lại."
    d = adapt("Vận động quỹ trên 80 triệu đồng; 100% cán bộ đăng ký; đã bầu được 03/03 đồng chí trưởng thôn.")
    assert d.text == "Vận động quỹ trên [số tiền] triệu đồng; [tỷ lệ] cán bộ đăng ký; đã bầu được [số lượng] đồng chí trưởng thôn."
    e = adapt("Đối thoại với Nhân dân dọc tuyến đường Lý Thường Kiệt của thôn 5, đồng chí Nguyễn Đức Thuận trả lời.")
    assert e.text == "Đối thoại với Nhân dân dọc [tên đường] của [tên thôn], đồng chí [họ và tên] trả lời."
    f = adapt("Học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh tại xã Song Vân.")
    assert f.text == "Học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh tại [tên xã]."


def test_directive_references_stay_intact():
    s = ("UBND xã đã quán triệt Nghị quyết số 25-NQ/TW ngày 03/6/2013 của Ban chấp hành Trung ương Đảng khóa XI; "
         "Chỉ thị số 33/CT-TTg ngày 26/11/2021 của Thủ tướng Chính phủ và Luật số 10/2022/QH15.")
    a = adapt(s)
    assert a.text == s and a.placeholders == ()


def test_next_year_offset_and_parent_units():
    a = adapt("Báo cáo kết quả năm 2023 và phương hướng, nhiệm vụ năm 2024 của UBND xã Quang Khải.", year=2025)
    assert a.text == "Báo cáo kết quả năm 2025 và phương hướng, nhiệm vụ năm 2026 của UBND xã Ngọc Kỳ."
    b = adapt("UBND tỉnh Hải Dương và UBND huyện Tứ Kỳ chỉ đạo.")
    assert b.text == "UBND [tên tỉnh] và UBND huyện Tứ Kỳ chỉ đạo."


def test_phuong_to_xa_wording():
    a = adapt("Ban Chỉ đạo QCDC phường Lam Sơn đã họp; trên địa bàn Phường tình hình xã hội ổn định.", precedent=LAM_SON)
    assert a.text == "Ban Chỉ đạo QCDC xã Ngọc Kỳ đã họp; trên địa bàn xã tình hình xã hội ổn định."
    ward = UnitRef.parse("UBND phường Đông Sơn")
    b = adapt("UBND xã Quang Khải và thị xã Bỉm Sơn; Xã hội hóa; xã viên.", target=ward)
    assert b.text.startswith("UBND phường Đông Sơn và [tên thị xã]")
    assert "Xã hội hóa; xã viên." in b.text


def test_foreign_local_decision_is_reported():
    a = adapt("Quyết định số 1533/QĐ-UBND ngày 22/5/2018 của UBND tỉnh Hải Dương về ban hành quy định.")
    assert a.foreign_references and "1533/QĐ-UBND" in a.foreign_references[0]
    hd = UnitRef.parse("UBND xã Ngọc Kỳ", parents=["huyện Tứ Kỳ", "tỉnh Hải Dương"])
    assert adapt("Quyết định số 1533/QĐ-UBND ngày 22/5/2018 của UBND tỉnh Hải Dương.", target=hd).foreign_references == ()


def test_find_figures_skips_directives():
    text = "Chỉ thị số 33/CT-TTg ngày 26/11/2021; xã tiếp 16 đơn năm 2023, đạt 95,5%."
    assert [f[2] for f in find_figures(text)] == ["16", "2023", "95,5"]
