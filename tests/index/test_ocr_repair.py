"""OCR repairs touch only OCR'd lines and only what the report's own numbering proves."""

from __future__ import annotations

from index.normalize import normalize_vietnamese
from index.ocr_repair import fix_roman_sequence, fix_symbols
from index.pages import ocr_lines
from index.schema import LoadedFile

OUTLINE = ["I. ĐẶC ĐIỂM TÌNH HÌNH", "Nội dung.", "II. CÔNG TÁC LÃNH ĐẠO", "Nội dung.",
           "II. KẾT QUẢ THỰC HIỆN", "Nội dung.", "IV. ĐÁNH GIÁ CHUNG"]


def test_a_numeral_that_lost_an_i_is_restored_from_the_count():
    assert fix_roman_sequence(OUTLINE, set(range(1, 8))) == [(5, "II. KẾT QUẢ THỰC HIỆN", "III. KẾT QUẢ THỰC HIỆN")]
    last = OUTLINE[:5]                                     # the last heading: nothing after it to confirm, still the count
    assert fix_roman_sequence(last, set(range(1, 6)))[0][2] == "III. KẾT QUẢ THỰC HIỆN"


def test_nothing_is_guessed_without_proof():
    assert fix_roman_sequence(OUTLINE, {1, 2, 3}) == []                          # not an OCR'd line
    assert fix_roman_sequence(["I. A B", "II. Công tác", "II. Kết quả"], {1, 2, 3}) == []  # not caps headings
    assert fix_roman_sequence(["V. KIẾN NGHỊ", "VI. ĐỀ XUẤT"], {1, 2}) == []       # a clean count is kept
    assert fix_roman_sequence(["I. MỤC ĐÍCH", "IV. TỔ CHỨC"], {1, 2}) == []        # a report may skip numbers
    assert fix_roman_sequence(["I. AB CD", "II. EF GH", "II. IJ KL"], {1, 2, 3}) == [(3, "II. IJ KL", "III. IJ KL")]
    assert fix_roman_sequence(["III. AB CD", "IV. EF GH", "IV. IJ KL"], {1, 2, 3}) == []  # repeated by its author
    lines = ["I. A B C D", "II. E F G H", "III. K L M N", "V. NHIỆM VỤ TRỌNG TÂM"]
    assert fix_roman_sequence(lines, {1, 2, 3, 4}) == [(4, "V. NHIỆM VỤ TRỌNG TÂM", "IV. NHIỆM VỤ TRỌNG TÂM")]


def test_look_alike_numerals_and_lost_periods_follow_the_count():
    lines = ["IL. MỤC ĐÍCH, YÊU CẦU", "- Triển khai.", "II NHIỆM VỤ TRỌNG TÂM", "1. Tổ chức quán triệt",
             "II. TỔ CHỨC THỰC HIỆN", "lV - KIẾN NGHỊ ĐỀ XUẤT"]
    assert fix_roman_sequence(lines, set(range(1, 7))) == [
        (1, "IL. MỤC ĐÍCH, YÊU CẦU", "I. MỤC ĐÍCH, YÊU CẦU"), (3, "II NHIỆM VỤ TRỌNG TÂM", "II. NHIỆM VỤ TRỌNG TÂM"),
        (5, "II. TỔ CHỨC THỰC HIỆN", "III. TỔ CHỨC THỰC HIỆN"), (6, "lV - KIẾN NGHỊ ĐỀ XUẤT", "IV - KIẾN NGHỊ ĐỀ XUẤT")]


def test_national_assembly_term_numbers_are_digits():
    assert fix_symbols("Pháp lệnh số 34/2007/PL-UBTVQHI1 và Luật số 10/2022/QHI5") == \
        "Pháp lệnh số 34/2007/PL-UBTVQH11 và Luật số 10/2022/QH15"
    assert fix_symbols("34/2007/PL-UBTVQHII ngày") == "34/2007/PL-UBTVQH11 ngày"
    assert fix_symbols("Quyết định số 12/QĐ-UBND") == "Quyết định số 12/QĐ-UBND"


def test_the_normalizer_applies_it_to_ocr_lines_and_records_the_change():
    text = "\n".join(OUTLINE)
    assert normalize_vietnamese(text).lines[4] == "II. KẾT QUẢ THỰC HIỆN"
    normalized = normalize_vietnamese(text, ocr_lines=frozenset(range(1, 8)))
    assert normalized.lines[4] == "III. KẾT QUẢ THỰC HIỆN"
    assert [(c.line, c.reason) for c in normalized.changes if c.reason == "ocr-roman"] == [(5, "ocr-roman")]


def test_ocr_lines_are_the_lines_of_ocr_pages():
    loaded = LoadedFile(path="/x.pdf", source="x.pdf", text="a\nb\nc\nd\ne", encoding="pdf+ocr", content_hash="h",
                        pages=(1, 3, 5), ocr_pages=(2, 3))
    assert ocr_lines(loaded) == frozenset({3, 4, 5})
    assert ocr_lines(LoadedFile(path="/x.txt", source="x.txt", text="a", encoding="utf-8", content_hash="h")) == frozenset()


def test_a_tone_mark_is_put_right_only_where_word_pairs_prove_it():
    from index.ocr_repair import fix_tones
    from index.syllables import SyllableInventory

    inventory = SyllableInventory.from_texts({str(i): "nhân dân của xã. Tinh thần trách nhiệm. Nguyên nhân chủ yếu. "
                                                     f"Từng bước được cải thiện {i}" for i in range(6)})
    assert fix_tones("phục vụ nhân dần của cán bộ", inventory) == "phục vụ nhân dân của cán bộ"
    assert fix_tones("tỉnh thần trách nhiệm", inventory) == "tinh thần trách nhiệm"
    assert fix_tones("2.2. Nguyên nhần", inventory) == "2.2. Nguyên nhân"
    assert fix_tones("từng bước dần được cải thiện", inventory) == "từng bước dần được cải thiện"  # no proof
    assert fix_tones("tỉnh Bắc Giang", inventory) == "tỉnh Bắc Giang"        # unseen pairs either way
