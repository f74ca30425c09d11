"""Citation parser: every reference in the five seeds (hand-written golden list) plus synthetic variants."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from index.citations import find_citations, line_of, make_canonical_id, normalize_for_citations

GOLDEN = json.loads((Path(__file__).parent / "golden" / "citations_seeds.json").read_text(encoding="utf-8"))
SEED_NAMES = sorted(k for k in GOLDEN if not k.startswith("_"))


def _seed_refs(seed_paths, name):
    path = next(p for p in seed_paths if p.name == name)
    text = normalize_for_citations(path.read_text(encoding="utf-8"))
    return text, find_citations(text)


def test_golden_list_has_over_sixty_references():
    assert sum(len(GOLDEN[n]) for n in SEED_NAMES) == 66


@pytest.mark.parametrize("name", SEED_NAMES)
def test_every_seed_reference_found_and_parsed(seed_paths, name):
    text, refs = _seed_refs(seed_paths, name)
    got = [(line_of(text, r.span[0]), r.canonical_id, r.date, r.issuer) for r in refs]
    expected = [tuple(e[:4]) for e in GOLDEN[name]]
    assert got == expected
    for ref, exp in zip(refs, GOLDEN[name]):
        assert text[ref.span[0]:ref.span[1]] == ref.raw
        if exp[4] is not None:
            assert ref.title is not None and ref.title.startswith(exp[4]), (ref.raw, ref.title)


def test_seed_quirks_are_repaired(seed_paths):
    _, refs0 = _seed_refs(seed_paths, "000_ad1bc2404d8aad29.txt")
    ref16 = next(r for r in refs0 if r.number == "16")
    assert ref16.raw == "Chỉ thị số 16/CT TTg" and ref16.symbol_text == "16/CT-TTg"
    _, refs2 = _seed_refs(seed_paths, "002_2cc0b2eb3d9fdbc1.txt")
    ref23 = next(r for r in refs2 if r.number == "23")
    assert ref23.raw == "Quyết định số \n23- QĐ/TW" and ref23.canonical_id == "23-QĐ/TW"
    _, refs4 = _seed_refs(seed_paths, "004_bf2fac1579fa6850.txt")
    ref145 = next(r for r in refs4 if r.number == "145")
    assert ref145.raw == "Nghị định số145/2020/NĐ-CP" and ref145.year == 2020
    pl = [r for r in refs4 if r.kind == "Pháp lệnh"]
    assert {r.canonical_id for r in pl} == {"34/2007/PL-UBTVQH11"} and len(pl) == 5


def test_both_date_forms_and_line_breaks():
    text = ("Căn cứ Chỉ thị số 33/CT-TTg\nngày 26 tháng 11 năm 2021 của Thủ tướng\nChính phủ về tiếp tục tăng cường"
            " công tác dân vận; Nghị định số 04/2015/NĐ-\nCP, ngày 09/01/2015 của Chính phủ.")
    a, b = find_citations(text)
    assert (a.canonical_id, a.date, a.issuer, a.title) == (
        "33/CT-TTg", "2021-11-26", "Thủ tướng Chính phủ", "tiếp tục tăng cường công tác dân vận")
    assert (b.canonical_id, b.date, b.issuer) == ("04/2015/NĐ-CP", "2015-01-09", "Chính phủ")
    assert b.raw == "Nghị định số 04/2015/NĐ-\nCP"


def test_stray_spaces_and_missing_hyphen():
    refs = find_citations("Chỉ thị số 35- CT/TW, Chỉ thị số 16/CT TTg, Pháp lệnh số 34/2007/PL - UBTVQH11 và Kế hoạch số 26- KH/TU")
    assert [r.canonical_id for r in refs] == ["35-CT/TW", "16/CT-TTg", "34/2007/PL-UBTVQH11", "26-KH/TU@?"]


def test_quoted_title_straight_and_curly():
    (r1,) = find_citations('Nghị quyết số 25-NQ/TW ngày 03/6/2013 của Ban Chấp hành Trung ương Đảng khóa XI về "Tăng cường công tác dân vận"; tiếp')
    assert r1.title == "Tăng cường công tác dân vận" and r1.issuer == "Ban Chấp hành Trung ương"
    (r2,) = find_citations("Quyết định số 217-QĐ/TW ngày 12/12/2013 của Bộ Chính trị ban hành “Quy chế giám sát”; và")
    assert r2.title == "Quy chế giám sát"


def test_reference_without_symbol():
    refs = find_citations("Thực hiện Quyết định số 217 và 218 của Bộ Chính trị.")
    assert [(r.number, r.symbol, r.canonical_id) for r in refs] == [("217", None, None), ("218", None, None)]
    # the same text elsewhere gives the symbol: inferred
    refs = find_citations("Quyết định số 217-QĐ/TW ngày 12/12/2013. Sau đó, Quyết định số 217 và 218 được quán triệt.")
    assert [r.canonical_id for r in refs] == ["217-QĐ/TW", "217-QĐ/TW", None]


def test_local_documents_are_qualified_by_issuer():
    (r,) = find_citations("Quyết định số 1533/QĐ-UBND ngày 22/5/2018 của UBND tỉnh Hải Dương về ban hành quy định")
    assert r.canonical_id == "1533/QĐ-UBND@tỉnh Hải Dương"
    (r,) = find_citations("Quyết định số 1533/QĐ-UBND ngày 22/5/2018")
    assert r.canonical_id == "1533/QĐ-UBND@?"
    assert make_canonical_id("28", "CT/TU", "Tỉnh ủy Hải Dương") == "28-CT/TU@tỉnh Hải Dương"


def test_own_document_number_is_not_a_reference():
    assert find_citations("Số: 04/BC-UBND Song Vân, ngày 11 tháng 01 năm 2024") == []


def test_nfd_input_is_parsed():
    import unicodedata

    text = unicodedata.normalize("NFD", "Nghị định số 04/2015/NĐ-CP của Chính phủ")
    (r,) = find_citations(text)
    assert r.canonical_id == "04/2015/NĐ-CP" and r.issuer == "Chính phủ"


def test_phapdien_provenance_line():
    line = ("(Điều 1 Luật số 10/2022/QH15 Luật thực hiện dân chủ ở cơ sở ngày 10/11/2022 của Quốc hội, "
            "có hiệu lực thi hành kể từ ngày 01/07/2023)")
    (r,) = find_citations(line)
    assert (r.canonical_id, r.kind, r.article, r.date, r.issuer, r.title, r.effective) == (
        "10/2022/QH15", "Luật", "Điều 1", "2022-11-10", "Quốc hội", "thực hiện dân chủ ở cơ sở", "2023-07-01")
    (r,) = find_citations("(Điều 90 Luật số 10/2022/QH15, có hiệu lực thi hành kể từ ngày 01/07/2023)")
    assert (r.article, r.date, r.effective) == ("Điều 90", None, "2023-07-01")


def test_titles_of_phap_lenh_34_are_what_the_seeds_write(seed_paths):
    """The odd titles mentions give Pháp lệnh 34/2007 are the reports' own wording, not a parser slip.

    Seed 003 writes it with the 2022 Law's title across a line break ("… về thực hiện \\n\\ndân chủ ở cơ sở,
    Nghị quyết số 25-NQ/TW"); seed 004 shortens it ("… về thực hiện dân chủ ở xã; Pháp luật về …").
    """
    text3, refs3 = _seed_refs(seed_paths, "003_6c84fea0602fb7f4.txt")
    (r3,) = [r for r in refs3 if r.canonical_id == "34/2007/PL-UBTVQH11" and line_of(text3, r.span[0]) == 398]
    assert r3.title == "thực hiện dân chủ ở cơ sở"
    text4, refs4 = _seed_refs(seed_paths, "004_bf2fac1579fa6850.txt")
    (r4,) = [r for r in refs4 if line_of(text4, r.span[0]) == 535]
    assert (r4.canonical_id, r4.title) == ("34/2007/PL-UBTVQH11", "thực hiện dân chủ ở xã")


def test_title_stops_before_the_repeal_predicate():
    # corpus/phapdien/tiep-cong-dan.md line 3252
    text = ("Những quy định về tiếp công dân tại Chương V của Nghị định số 75/2012/NĐ-CP ngày 03 tháng 10 năm 2012 "
            "quy định chi tiết một số điều của Luật Khiếu nại và Nghị định số 89/CP ngày 07 tháng 8 năm 1997 của "
            "Chính phủ ban hành Quy chế tổ chức tiếp công dân hết hiệu lực thi hành kể từ ngày Nghị định này có "
            "hiệu lực thi hành.")
    ref = next(r for r in find_citations(text) if r.canonical_id == "89/CP")
    assert ref.title == "Quy chế tổ chức tiếp công dân"
    (ref,) = find_citations("2. Pháp lệnh số 34/2007/PL-UBTVQH11 về thực hiện dân chủ ở xã, phường, thị trấn\n"
                            "hết hiệu lực kể từ ngày Luật này có hiệu lực thi hành.")
    assert ref.title == "thực hiện dân chủ ở xã, phường, thị trấn"


def test_title_stops_where_a_local_body_starts_the_next_clause():
    # corpus/seeds/001 line 59: the report goes on with its own clause after the directive's title.
    (ref,) = find_citations("Triển khai thực hiện có hiệu quả Chỉ thị 35-CT/TW ngày 26/5/2014 của Bộ Chính trị về tăng "
                            "cường sự lãnh đạo của Đảng đối với công tác tiếp công dân và giải quyết khiếu nại, tố cáo, "
                            "UBND xã đã ban hành nhiều văn bản lãnh đạo, chỉ đạo các ban, ngành.")
    assert ref.title == ("tăng cường sự lãnh đạo của Đảng đối với công tác tiếp công dân và giải quyết khiếu nại, "
                         "tố cáo")
    # A body named inside a title, with no predicate after it, stays part of the title.
    (ref,) = find_citations("Nghị quyết số 10/NQ-HĐND về chế độ đối với Ủy ban nhân dân, Hội đồng nhân dân cấp xã.")
    assert ref.title == "chế độ đối với Ủy ban nhân dân, Hội đồng nhân dân cấp xã"
