"""Pháp điển parser on the four bundled files, through the real loader and normalizer.

Expected article counts were checked by hand: each file ends with a
``## Danh sách điều khoản`` index listing every article once (41, 173, 348, 229);
only part of them start a line in the body (41, 133, 220, 213 by
``grep -c '^Điều [0-9]'`` above the index) — the others are glued to the end of the
previous paragraph and must still be found.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from index.load import load_file
from index.normalize import normalize_vietnamese
from index.phapdien import ARTICLE_CODE, TopicLaw, is_phapdien, main_law, parse_phapdien, parse_provenance
from index.schema import LawProvenance, NormalizedText, ParsedDocument

FILES = {
    "hoa-giai-o-co-so.md": 41,
    "mat-tran-to-quoc-viet-nam.md": 173,
    "thuc-hien-dan-chu-o-co-so.md": 348,
    "tiep-cong-dan.md": 229,
}


@pytest.fixture(scope="module")
def parsed(sample_corpus: Path) -> dict[str, tuple[NormalizedText, ParsedDocument, list[str]]]:
    out = {}
    for name in FILES:
        path = sample_corpus / "phapdien" / name
        loaded = load_file(path, sample_corpus)
        normalized = normalize_vietnamese(loaded.text, loaded.source)
        raw_lines = path.read_text(encoding="utf-8").split("\n")
        out[name] = (normalized, parse_phapdien(normalized, loaded.content_hash), raw_lines)
    return out


def _articles(doc: ParsedDocument):
    return [h for h in doc.headings if ARTICLE_CODE.match(h.title)]


def _index_codes(raw_lines: list[str]) -> list[str]:
    """Article codes listed in the trailing index, read independently of the parser."""
    start = raw_lines.index("## Danh sách điều khoản")
    return [m.group(1) for line in raw_lines[start:] if (m := re.match(r"Điều (\S+)\.(?: |$)", line))]


@pytest.mark.parametrize("name", sorted(FILES))
def test_every_listed_article_is_found_once(parsed, name):
    _, doc, raw = parsed[name]
    codes = [h.number for h in _articles(doc)]
    assert len(codes) == FILES[name]
    assert codes == _index_codes(raw)  # same articles, same order, no extras from cross-references


@pytest.mark.parametrize("name", sorted(FILES))
def test_every_article_has_a_parsed_provenance_with_dates(parsed, name):
    _, doc, _ = parsed[name]
    for heading in _articles(doc):
        provenance = doc.provenance[heading.title]
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", provenance.effective), heading.title
        assert provenance.article.startswith(("Điều ", "Khoản ", "Điểm "))


@pytest.mark.parametrize("name", sorted(FILES))
def test_index_debris_is_dropped_and_blocks_are_in_order(parsed, name):
    _, doc, raw = parsed[name]
    index_line = raw.index("## Danh sách điều khoản") + 1
    assert max(b.line_end for b in doc.blocks) < index_line
    starts = [b.line_start for b in doc.blocks]
    assert starts == sorted(starts)


def test_is_phapdien_only_for_phapdien_files(parsed, seed_paths):
    for normalized, _, _ in parsed.values():
        assert is_phapdien(normalized)
    for path in seed_paths:
        lines = tuple(path.read_text(encoding="utf-8").split("\n"))
        assert not is_phapdien(NormalizedText(path.name, lines))


def test_article_91_of_the_democracy_law(parsed):
    _, doc, _ = parsed["thuc-hien-dan-chu-o-co-so.md"]
    title = "Điều 44.13.LQ.91. Áp dụng pháp luật và quy định chuyển tiếp"
    assert doc.provenance[title] == LawProvenance(
        article="Điều 91",
        law_kind="Luật",
        law_number="10/2022/QH15",
        law_title="Luật thực hiện dân chủ ở cơ sở",
        issued="2022-11-10",
        issuer="Quốc hội",
        effective="2023-07-01",
    )
    heading = next(h for h in doc.headings if h.title == title)
    assert heading.path[0] == "Chương VI. ĐIỀU KHOẢN THI HÀNH"
    assert heading.level == 2


def test_document_metadata(parsed):
    _, doc, _ = parsed["hoa-giai-o-co-so.md"]
    meta = doc.meta
    assert (meta.doc_id, meta.kind, meta.title, meta.number, meta.date, meta.is_governing) == (
        "hoa-giai-o-co-so", "pháp điển", "Hòa giải ở cơ sở", "35/2013/QH13", "2013-06-20", True)
    assert meta.extra["Ngày hiệu lực"] == "01/01/2014"
    assert meta.extra["Trạng thái"] == "Còn hiệu lực"
    # "Đang cập nhật" table: the number comes from the main law's provenance.
    _, doc, _ = parsed["thuc-hien-dan-chu-o-co-so.md"]
    assert (doc.meta.number, doc.meta.date, doc.meta.unit) == ("10/2022/QH15", "2022-11-10", "Quốc hội")
    assert "Số hiệu" not in doc.meta.extra
    _, doc, _ = parsed["tiep-cong-dan.md"]
    assert doc.meta.number == "42/2013/QH13"


def test_chapter_and_section_tree(parsed):
    _, doc, _ = parsed["hoa-giai-o-co-so.md"]
    structure = [(h.title, h.level, h.line_start, h.line_end) for h in doc.headings if not ARTICLE_CODE.match(h.title)]
    assert structure[:4] == [
        ("Chương I. NHỮNG QUY ĐỊNH CHUNG", 1, 29, 31),
        ("Chương II. HÒA GIẢI VIÊN, TỔ HÒA GIẢI", 1, 141, 143),
        ("Mục 1. HÒA GIẢI VIÊN", 2, 145, 147),
        ("Mục 2. TỔ HÒA GIẢI", 2, 247, 249),
    ]
    article = next(h for h in doc.headings if h.number == "37.1.LQ.7")  # first article of Mục 1
    assert article.path == ("Chương II. HÒA GIẢI VIÊN, TỔ HÒA GIẢI", "Mục 1. HÒA GIẢI VIÊN", article.title)
    assert article.level == 3


def test_glued_article_and_chapter_are_split_from_the_paragraph(parsed):
    _, doc, _ = parsed["mat-tran-to-quoc-viet-nam.md"]
    on_248 = [(b.kind, b.text, b.section_path[-1]) for b in doc.blocks if b.line_start == 248]
    assert on_248 == [
        ("paragraph", "7. Thực hiện hoạt động đối ngoại nhân dân.",
         "Điều 35.4.LQ.3. Quyền và trách nhiệm của Mặt trận Tổ quốc Việt Nam"),
        ("heading", "Điều 35.4.LQ.4. Nguyên tắc tổ chức và hoạt động của Mặt trận Tổ quốc Việt Nam",
         "Điều 35.4.LQ.4. Nguyên tắc tổ chức và hoạt động của Mặt trận Tổ quốc Việt Nam"),
    ]
    chapter = next(h for h in doc.headings if h.number == "II")
    assert (chapter.title, chapter.line_start, chapter.line_end) == (
        "Chương II. TẬP HỢP, XÂY DỰNG KHỐI ĐẠI ĐOÀN KẾT TOÀN DÂN TỘC", 334, 336)


def test_circular_subsections_are_not_part_of_the_tree(parsed):
    _, doc, _ = parsed["thuc-hien-dan-chu-o-co-so.md"]
    # "Mục 2 / TRÁCH NHIỆM … TRẠM CÔNG AN" (lines 4313-4316) belongs to a Thông tư, not to Chương V.
    assert not any(h.line_start == 4313 for h in doc.headings)
    block = next(b for b in doc.blocks if b.line_start == 4313)
    assert block.kind == "paragraph" and block.line_end == 4316 and block.text.startswith("Mục 2 TRÁCH NHIỆM")
    article = next(h for h in doc.headings if h.number == "44.13.TT.11.8")
    assert article.line_start == 4316 and article.path[0].startswith("Chương V.")


def test_wrapped_provenance_with_glued_text(parsed):
    _, doc, _ = parsed["tiep-cong-dan.md"]
    title = "Điều 18.4.TT.13.1. Phạm vi điều chỉnh"
    p = doc.provenance[title]
    assert (p.law_kind, p.law_number, p.issued, p.issuer, p.effective) == (
        "Thông tư", "03/2016/TT-TTCP", "2016-12-29", "Thanh tra Chính phủ", "2017-02-15")
    assert p.law_title == ("Quy định về trang phục đối với cán bộ, công chức làm nhiệm vụ tiếp công dân "
                           "thường xuyên tại Trụ sở tiếp công dân")
    kinds = [(b.kind, b.line_start, b.line_end) for b in doc.blocks if b.section_path[-1:] == (title,)]
    assert kinds[:3] == [("heading", 221, 221), ("provenance", 223, 224), ("paragraph", 224, 224)]


def test_cross_reference_notes_are_paragraphs_not_headings(parsed):
    _, doc, _ = parsed["hoa-giai-o-co-so.md"]
    note = "(Điều này có nội dung liên quan đến Điều 8.5.LQ.18. Chủ thể tiến hành hòa giải)"
    block = next(b for b in doc.blocks if b.text == note)
    assert block.kind == "paragraph"
    assert block.section_path[-1] == "Điều 37.1.LQ.1. Phạm vi điều chỉnh"
    assert not any(h.number == "8.5.LQ.18" for h in doc.headings)
    # A note wrapped over two lines with the next article glued after it.
    _, doc, _ = parsed["tiep-cong-dan.md"]
    block = next(b for b in doc.blocks if b.line_start == 2423)
    assert (block.kind, block.line_end) == ("paragraph", 2424)
    assert block.text.endswith("ban hành ngày 12/09/2014)")
    assert next(h for h in doc.headings if h.number == "18.4.TT.6.12").line_start == 2424


def test_short_form_provenance_borrows_title_from_the_long_form(parsed):
    _, doc, _ = parsed["thuc-hien-dan-chu-o-co-so.md"]
    p = doc.provenance["Điều 44.13.NĐ.1.2. Đối tượng áp dụng"]
    assert (p.article, p.law_number, p.effective) == ("Điều 2", "59/2023/NĐ-CP", "2023-08-15")
    assert (p.issued, p.issuer) == ("2023-08-14", "Chính phủ")


def test_amended_articles_keep_their_own_effective_date(parsed):
    _, doc, _ = parsed["mat-tran-to-quoc-viet-nam.md"]
    p = doc.provenance["Điều 35.4.LQ.1. Mặt trận Tổ quốc Việt Nam"]
    assert (p.law_number, p.effective, p.law_title) == ("75/2015/QH13", "2016-01-01", None)
    law = next(item for item in doc.meta.extra["laws"] if item["number"] == "75/2015/QH13")
    assert law["amended_by"] == ["Điều 1 Luật số 97/2025/QH15"]


@pytest.mark.parametrize(
    "line, expected",
    [
        (
            "(Điều 1 Luật số 35/2013/QH13 Hòa giải ở cơ sở ngày 20/06/2013 của Quốc hội, "
            "có hiệu lực thi hành kể từ ngày 01/01/2014 )",
            ("Điều 1", "Luật", "35/2013/QH13", "Hòa giải ở cơ sở", "2013-06-20", "Quốc hội", "2014-01-01"),
        ),
        (
            "(Điều 15 Nghị quyết liên tịch số 01/2014/NQLT/CP-UBTƯMTTQVN, có hiệu lực thi hành kể từ ngày 10/01/2015)",
            ("Điều 15", "Nghị quyết liên tịch", "01/2014/NQLT/CP-UBTƯMTTQVN", None, None, None, "2015-01-10"),
        ),
        (
            "(Điều 1 Thông tư số liên tịch 02/2002/TTLT/BTC-MTTW, có hiệu lực thi hành kể từ ngày 25/01/2002, "
            "có nội dung được sửa đổi bởi Điều 1 Thông tư số 160/2010/TT-BTC có hiệu lực thi hành kể từ ngày 03/12/2010)",
            ("Điều 1", "Thông tư liên tịch", "02/2002/TTLT/BTC-MTTW", None, None, None, "2002-01-25"),
        ),
        (
            # A title that itself contains "ngày … của …": the issue date is the last one.
            "(Điều 1 Thông tư số 151/2015/TT-BTC Hướng dẫn thực hiện Quyết định số 81/2014/QĐ-TTg ngày 31/12/2014 "
            "của Thủ tướng Chính phủ ngày 02/10/2015 của Bộ Tài chính, có hiệu lực thi hành kể từ ngày 16/11/2015)",
            ("Điều 1", "Thông tư", "151/2015/TT-BTC",
             "Hướng dẫn thực hiện Quyết định số 81/2014/QĐ-TTg ngày 31/12/2014 của Thủ tướng Chính phủ",
             "2015-10-02", "Bộ Tài chính", "2015-11-16"),
        ),
    ],
)
def test_parse_provenance_variants(line, expected):
    p = parse_provenance(line)
    assert (p.article, p.law_kind, p.law_number, p.law_title, p.issued, p.issuer, p.effective) == expected


def test_parse_provenance_rejects_other_text():
    assert parse_provenance("(Điều này có nội dung liên quan đến Điều 8.5.LQ.18. Chủ thể)") is None
    assert parse_provenance("Luật số 35/2013/QH13") is None


def test_hand_built_minimal_file_without_index():
    lines = (
        "## VĂN BẢN",
        "# Thử",
        "Chương I",
        "",
        "QUY ĐỊNH",
        "CHUNG",
        "",
        "Điều 1.1.LQ.1. Phạm vi",
        "",
        "(Điều 1 Luật số 1/2020/QH14, có hiệu lực thi hành kể từ ngày 01/01/2021)",
        "",
        "Nội dung một.Điều 1.1.LQ.2. Đối tượng",
        "(Điều 2 Luật số 1/2020/QH14, có hiệu lực thi hành kể từ ngày 01/01/2021)",
        "Nội dung hai",
    )
    doc = parse_phapdien(NormalizedText("phapdien/thu.md", lines), "h")
    assert [(h.title, h.line_start, h.line_end) for h in doc.headings] == [
        ("Chương I. QUY ĐỊNH CHUNG", 3, 6),
        ("Điều 1.1.LQ.1. Phạm vi", 8, 8),
        ("Điều 1.1.LQ.2. Đối tượng", 12, 12),
    ]
    assert [(b.kind, b.text, b.line_start) for b in doc.blocks if b.kind != "heading"] == [
        ("title", "Thử", 2),
        ("provenance", "(Điều 1 Luật số 1/2020/QH14, có hiệu lực thi hành kể từ ngày 01/01/2021)", 10),
        ("paragraph", "Nội dung một.", 12),
        ("provenance", "(Điều 2 Luật số 1/2020/QH14, có hiệu lực thi hành kể từ ngày 01/01/2021)", 13),
        ("paragraph", "Nội dung hai", 14),
    ]
    assert doc.meta.title == "Thử" and doc.meta.number == "1/2020/QH14"


def test_text_without_articles_is_refused():
    with pytest.raises(ValueError, match="no Pháp điển article"):
        parse_phapdien(NormalizedText("x.md", ("# Tiêu đề", "Chỉ có một đoạn.")), "h")


def _prov(number: str, kind: str = "Luật") -> LawProvenance:
    return LawProvenance("Điều 1", kind, number, None, None, None, None)


def test_main_law_is_the_majority_source_of_the_lq_articles():
    provenance = {
        "Điều 35.4.NĐ.1.1. Phạm vi": _prov("64/2008/NĐ-CP", "Nghị định"),   # not an LQ article: ignored
        "Điều 35.4.LQ.1. Mặt trận": _prov("75/2015/QH13"),
        "Điều 35.4.LQ.2. Quyền": _prov("75/2015/QH13"),
        "Điều 35.4.LQ.3. Tổ chức": _prov("97/2025/QH15"),
    }
    assert main_law(provenance) == TopicLaw("Luật", "75/2015/QH13", 2, 3, "35.4.LQ.1")
    # one against one: no law holds a majority, so none is the topic's law
    del provenance["Điều 35.4.LQ.2. Quyền"]
    assert main_law(provenance) is None
    assert main_law({"Điều 35.4.NĐ.1.1. Phạm vi": _prov("64/2008/NĐ-CP", "Nghị định")}) is None


def test_main_law_of_the_bundled_topics(parsed):
    laws = {name: main_law(doc.provenance) for name, (_, doc, _) in parsed.items()}
    assert {n: (t.law_number, t.articles, t.of_articles) for n, t in laws.items()} == {
        "hoa-giai-o-co-so.md": ("35/2013/QH13", 33, 33),
        "mat-tran-to-quoc-viet-nam.md": ("75/2015/QH13", 41, 41),
        "thuc-hien-dan-chu-o-co-so.md": ("10/2022/QH15", 91, 91),
        "tiep-cong-dan.md": ("42/2013/QH13", 36, 36),
    }
