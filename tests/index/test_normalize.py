"""Normalizer tests on the real seeds and on synthetic damage."""

from __future__ import annotations

import unicodedata

import pytest

from index.load import iter_corpus_files, load_file
from index.normalize import GlyphRepairSettings, normalize_vietnamese
from index.syllables import SyllableInventory, default_inventory

SEED_004 = "seeds/004_bf2fac1579fa6850.txt"

# (original line, damaged span as written, repaired span) — read off the file by hand.
SEED_004_REPAIRS = {
    (3, "CH  NG Ĩ", "CHỦ NGHĨA"),
    (45, "C Ỉ", "CHỈ"),
    (132, "oạt", "Hoạt"),
    (191, "oạt", "Hoạt"),
    (217, "T ỰC  IỆN", "THỰC HIỆN"),
    (217, "C", "CHỦ"),
    (219, "C Ế", "CHẾ"),
    (219, "C", "CHỦ"),
    (442, "ĐÁN", "ĐÁNH"),
    (470, "ạn", "Hạn"),
    (509, "P ƯƠNG  ƯỚNG, N IỆM V", "PHƯƠNG HƯỚNG, NHIỆM VỤ"),
    (612, "NG Ị,", "NGHỊ,"),
    (612, "UẤT", "XUẤT"),
    (626, "CH", "CHỦ"),
    (628, "CH", "CHỦ"),
}
SEED_004_LINES = {
    3: "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    45: "II - CÔNG TÁC LÃNH ĐẠO, CHỈ ĐẠO TRIỂN KHAI",
    132: "3. Hoạt động của Mặt trận Tổ quốc Việt Nam và các tổ chức chính trị -",
    191: "4. Hoạt động của Ban Chỉ đạo thực hiện QCDC ở cơ sở",
    217: "III- KẾT QUẢ THỰC HIỆN PHÁP LUẬT VỀ DÂN CHỦ TRỰC",
    219: "TIẾP VÀ QUY CHẾ DÂN CHỦ Ở CƠ SỞ",
    442: "IV- ĐÁNH GIÁ CHUNG",
    470: "2. Hạn chế và nguyên nhân",
    509: "V- PHƯƠNG HƯỚNG, NHIỆM VỤ NĂM 2024",
    612: "VI - KIẾN NGHỊ, ĐỀ XUẤT",
    626: "KT. CHỦ TỊCH",
    628: "PHÓ CHỦ TỊCH",
}


@pytest.fixture(scope="module")
def corpus_results(sample_corpus):
    """Every bundled file, loaded and normalized once: source -> (loaded, normalized)."""
    results = {}
    for path in iter_corpus_files(sample_corpus, ignore_names=("SOURCES.md",)):
        loaded = load_file(path, sample_corpus)
        results[loaded.source] = (loaded, normalize_vietnamese(loaded.text, loaded.source))
    return results


def glyph_repairs(normalized):
    return {(c.line, c.before, c.after) for c in normalized.changes if c.reason == "dropped-glyph"}


# --- real seeds ------------------------------------------------------------------------------


def test_every_file_keeps_its_line_count(corpus_results):
    assert len(corpus_results) == 10
    for source, (loaded, normalized) in corpus_results.items():
        assert len(normalized.lines) == len(loaded.text.split("\n")), source
        assert normalized.source == source


def test_no_pdf_glyph_and_all_nfc(corpus_results):
    for source, (_, normalized) in corpus_results.items():
        assert "ƣ" not in normalized.text and "Ƣ" not in normalized.text, source
        assert unicodedata.is_normalized("NFC", normalized.text), source


def test_seed_004_dropped_glyph_repairs_exact(corpus_results):
    loaded, normalized = corpus_results[SEED_004]
    assert glyph_repairs(normalized) == SEED_004_REPAIRS
    for line, expected in SEED_004_LINES.items():
        assert normalized.lines[line - 1] == expected, line
    # every recorded 'before' really is on that original line (after the ƣ fix)
    original = loaded.text.replace("ƣ", "ư").replace("Ƣ", "Ư").split("\n")
    for line, before, _ in SEED_004_REPAIRS:
        assert before in original[line - 1]


def test_seed_004_pdf_glyph_changes_on_right_lines(corpus_results):
    loaded, normalized = corpus_results[SEED_004]
    expected = {i for i, line in enumerate(loaded.text.split("\n"), 1) if "ƣ" in line or "Ƣ" in line}
    assert expected                                   # the seed does contain them
    assert {c.line for c in normalized.changes if c.reason.startswith("pdf-glyph")} == expected
    assert normalized.lines[16] == "phương hướng, nhiệm vụ năm 2024"      # line 17


def test_no_broken_words_left_in_seed_004(corpus_results):
    _, normalized = corpus_results[SEED_004]
    for fragment in ("C Ỉ", " oạt", "T ỰC", "DÂN C ", "N IỆM", "ĐỀ UẤT", "CH NG", "ĐÁN ", "P ƯƠNG", "NG Ị", " ạn"):
        assert fragment not in normalized.text, fragment


@pytest.mark.parametrize(
    "source",
    [
        "seeds/000_ad1bc2404d8aad29.txt",
        "seeds/001_fbaec8e52927d2a0.txt",
        "seeds/002_2cc0b2eb3d9fdbc1.txt",
        "seeds/003_6c84fea0602fb7f4.txt",
        "phapdien/hoa-giai-o-co-so.md",
        "phapdien/mat-tran-to-quoc-viet-nam.md",
        "phapdien/thuc-hien-dan-chu-o-co-so.md",
        "phapdien/tiep-cong-dan.md",
        "van-ban-dia-phuong/2579-QD-UBND-2025-can-tho.md",
    ],
)
def test_no_glyph_repair_in_undamaged_files(corpus_results, source):
    _, normalized = corpus_results[source]
    assert glyph_repairs(normalized) == set()


def test_seed_003_is_decomposed_and_comes_out_nfc(corpus_results):
    loaded, normalized = corpus_results["seeds/003_6c84fea0602fb7f4.txt"]
    original = loaded.text.split("\n")
    decomposed = {i for i, line in enumerate(original, 1) if not unicodedata.is_normalized("NFC", line)}
    assert decomposed
    nfc_changes = [c for c in normalized.changes if c.reason == "nfc"]
    assert {c.line for c in nfc_changes} == decomposed
    for change in nfc_changes:
        assert change.before == original[change.line - 1]
        assert change.after == unicodedata.normalize("NFC", change.before)


def test_seed_001_markdown_heading_keeps_hashes(corpus_results):
    loaded, normalized = corpus_results["seeds/001_fbaec8e52927d2a0.txt"]
    assert loaded.text.split("\n")[90] == "## **III. ĐÁNH GIÁ CHUNG**"
    assert normalized.lines[90] == "## III. ĐÁNH GIÁ CHUNG"
    assert "*" not in normalized.text


def test_citation_spacing_is_left_alone():
    text = "Quyết định số 23- QĐ/TW ngày 30/7/2021\nNghị định số \n\n04/2015/NĐ-CP"
    assert normalize_vietnamese(text).lines == (
        "Quyết định số 23- QĐ/TW ngày 30/7/2021", "Nghị định số", "", "04/2015/NĐ-CP",
    )


@pytest.mark.parametrize("source", [f"seeds/00{i}" for i in range(5)])
def test_idempotent_on_seeds(corpus_results, source):
    (_, once), = [v for k, v in corpus_results.items() if k.startswith(source)]
    twice = normalize_vietnamese(once.text, once.source)
    assert twice.lines == once.lines
    assert twice.changes == ()


# --- synthetic -------------------------------------------------------------------------------


def test_nfd_input_becomes_nfc_with_change_record():
    nfc = "Tổng kết việc thực hiện pháp luật về dân chủ"
    nfd = unicodedata.normalize("NFD", nfc)
    assert nfd != nfc
    result = normalize_vietnamese("Dòng một\n" + nfd)
    assert result.lines == ("Dòng một", nfc)
    assert [(c.line, c.reason) for c in result.changes] == [(2, "nfc")]


def test_damaged_heading_built_from_another_word():
    # "HOẠT ĐỘNG" and "HÒA GIẢI" do not appear damaged anywhere in the corpus
    result = normalize_vietnamese("IV- KẾT QUẢ  OẠT ĐỘNG\n1.  òa giải ở cơ sở\nCÔNG TÁC  ÒA GIẢI")
    assert result.lines == ("IV- KẾT QUẢ HOẠT ĐỘNG", "1. Hòa giải ở cơ sở", "CÔNG TÁC HÒA GIẢI")
    assert glyph_repairs(result) == {(1, "OẠT", "HOẠT"), (2, "òa", "Hòa"), (3, "ÒA", "HÒA")}


def test_dropped_x_and_a():
    result = normalize_vietnamese("ĐỀ  UẤT KIẾN NGHỊ\nCỘNG HÒA  Ã HỘI CHỦ NG Ĩ  VIỆT NAM")
    assert result.lines == ("ĐỀ XUẤT KIẾN NGHỊ", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")


def test_candidate_glyphs_are_a_parameter():
    only_x = GlyphRepairSettings(glyphs=("X",))
    result = normalize_vietnamese("ĐỀ  UẤT\nC Ỉ ĐẠO", repair=only_x)
    assert result.lines == ("ĐỀ XUẤT", "C Ỉ ĐẠO")     # H is not a candidate: left as is
    with pytest.raises(ValueError):
        GlyphRepairSettings(glyphs=("HH",))


def test_clean_text_with_double_spaces_and_rare_words_is_untouched():
    lines = (
        "Chủ tịch Ủy ban  nhân dân cấp xã ra quyết định công nhận hòa giải viên.",
        "Người bị tạm giam, người bị khám xét  hoặc trốn tránh",
        "tái định cư  ",
        "1.  Phân công, phối hợp hoạt động của các hòa giải viên.",
        "Ban TTND, Ban GSĐTCĐ chưa chủ động; UBND xãquan tâm",
    )
    result = normalize_vietnamese("\n".join(lines))
    assert glyph_repairs(result) == set()
    assert result.lines == tuple(" ".join(line.split()) for line in lines)


def test_inventory_excludes_the_document_being_repaired():
    damaged = "3.  oạt động\n3.  oạt động\n3.  oạt động"
    clean = "Hoạt động của Ban. Hoạt động của Mặt trận. Hoạt động tốt."
    inventory = SyllableInventory.from_texts({"damaged": damaged, "clean": clean})
    assert inventory.count("oạt") == 3
    assert inventory.excluding(damaged).count("oạt") == 0
    assert normalize_vietnamese(damaged, inventory=inventory).lines == ("3. Hoạt động",) * 3


def test_markdown_entities_and_invisible_characters():
    text = "\n".join([
        "|",
        "|---|---|",
        "-------",
        "** **",
        "**ỦY BAN NHÂN DÂN",
        "*Căn cứ Luật Tổ chức chính quyền địa phương; *",
        "### **3. Kết quả**",
        "| **Số hiệu** | 35/2013/QH13 |",
        "* mục một, __gạch dưới__",
        "Ban TG&amp;DVTU&nbsp;và\u200bxã\tSong\u00a0Vân  ",
        "",
        "CTTN&BĐG giữ nguyên",
    ])
    result = normalize_vietnamese(text)
    assert result.lines == (
        "", "", "", "",
        "ỦY BAN NHÂN DÂN",
        "Căn cứ Luật Tổ chức chính quyền địa phương;",
        "### 3. Kết quả",
        "| Số hiệu | 35/2013/QH13 |",
        "* mục một, gạch dưới",
        "Ban TG&DVTU vàxã Song Vân",
        "",
        "CTTN&BĐG giữ nguyên",
    )
    reasons = {(c.line, c.reason) for c in result.changes}
    assert {(1, "markdown"), (4, "markdown"), (10, "html-entity"), (10, "invisible"), (10, "whitespace")} <= reasons


def test_default_inventory_counts_repaired_text(sample_corpus):
    inventory = default_inventory()
    assert inventory.count("chỉ") > 100
    # SOURCES.md (which quotes "C Ỉ ĐẠO") is not counted, and seed 004 is counted after repair
    assert inventory.count("ỉ") == 0
    assert inventory.count("oạt") == 0
    raw = SyllableInventory.from_corpus(sample_corpus, refine=False)
    assert raw.count("oạt") == 2
