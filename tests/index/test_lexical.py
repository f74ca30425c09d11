"""Vietnamese BM25: syllables, the diacritics-stripped field and whole document-number tokens."""

from __future__ import annotations

import unicodedata

import numpy as np

import pytest

from index.lexical import (
    STOPWORDS_VI,
    LexicalIndex,
    find_document_numbers,
    normalize_document_number,
    strip_diacritics,
    syllables,
    tokenize_fields,
    unify_tone_placement,
)

PASSAGES = [
    "Công tác tiếp công dân được duy trì định kỳ, giải quyết khiếu nại, tố cáo đúng quy định.",   # 0
    "Thực hiện Chỉ thị số 33/CT-TTg ngày 26/11/2021 của Thủ tướng Chính phủ.",                   # 1
    "Đảng ủy ban hành 33 văn bản, CT phối hợp về TTg.",                                           # 2
    "Tổ hòa giải ở cơ sở hòa giải thành 12 vụ việc.",                                              # 3
    "Nghị định số 04/2015/NĐ-CP quy định về thực hiện dân chủ.",                                  # 4
    "Thực hiện Chỉ thị 16/CT TTg ngày 16/5/2016 và Quy định 23- QĐ/TW.",                          # 5
]


@pytest.fixture(scope="module")
def index() -> LexicalIndex:
    return LexicalIndex.build(PASSAGES)


def test_strip_diacritics_maps_d_bar_and_all_tones():
    assert strip_diacritics("Đảng ủy, tiếp công dân, giải quyết khiếu nại") == "Dang uy, tiep cong dan, giai quyet khieu nai"
    assert strip_diacritics(unicodedata.normalize("NFD", "Hòa giải")) == "Hoa giai"


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("33/CT-TTg", "33/ct-ttg"),
        ("04/2015/NĐ-CP", "4/2015/nd-cp"),
        ("25-NQ/TW", "25-nq/tw"),
        ("10/2022/QH15", "10/2022/qh15"),
        ("16/CT TTg", "16/ct-ttg"),
        ("23- QĐ/TW", "23-qd/tw"),
    ],
)
def test_normalize_document_number(raw, expected):
    assert normalize_document_number(raw) == expected


def test_find_document_numbers_in_passages_skips_dates_and_ranges():
    text = ("Chỉ thị 16/CT TTg ngày 16/5/2016, Quy định 23- QĐ/TW, Nghị định 04/2015/NĐ-CP, "
            "Nghị quyết 25-NQ/TW; giai đoạn 2023- 2025; Chỉ thị 33/CT-TTg UBND xã.")
    assert find_document_numbers(text) == ["16/ct-ttg", "23-qd/tw", "4/2015/nd-cp", "25-nq/tw", "33/ct-ttg"]


def test_find_document_numbers_in_lowercase_query():
    assert find_document_numbers("chi thi 33/ct-ttg va nghi dinh 04/2015/nđ-cp", query=True) == [
        "33/ct-ttg", "4/2015/nd-cp"]
    # case-sensitive for passages: lower-case text is not a document number there
    assert find_document_numbers("chi thi 33/ct-ttg") == []


def test_syllables_lowercase_nfc_without_stopwords():
    nfd = unicodedata.normalize("NFD", "Công tác của các Tổ hòa giải và nhân dân")
    assert syllables(nfd) == ["công", "tác", "tổ", "hòa", "giải", "nhân", "dân"]
    assert {"và", "của", "các"} <= STOPWORDS_VI


@pytest.mark.parametrize("syllable, expected", [
    ("hoà", "hòa"), ("hoả", "hỏa"), ("hoá", "hóa"), ("xoã", "xõa"), ("toạ", "tọa"),   # oa
    ("khoẻ", "khỏe"), ("loè", "lòe"),                                               # oe
    ("uỷ", "ủy"), ("thuỷ", "thủy"), ("tuỳ", "tùy"), ("huỵ", "hụy"),                 # uy
    ("quý", "quý"), ("quỹ", "quỹ"),          # qu + y: the tone is on y in every spelling
    ("toàn", "toàn"), ("hoạt", "hoạt"), ("khuyến", "khuyến"),   # closed syllables are fixed
    ("hòa", "hòa"), ("ủy", "ủy"), ("hoa", "hoa"), ("thuế", "thuế"),
])
def test_unify_tone_placement(syllable, expected):
    assert unify_tone_placement(syllable) == expected


def test_either_tone_placement_finds_the_other():
    idx = LexicalIndex.build(["Thời gian phát động chậm nhất sau 3 ngày kể từ ngày thiên tai, hoả hoạn.",
                              "Ủy ban nhân dân xã tổ chức hội nghị.", "Phòng cháy chữa cháy rừng."])
    assert syllables("Uỷ ban hoả hoạn") == ["ủy", "ban", "hỏa", "hoạn"]
    assert idx.search("hỏa hoạn", k=1)[0][0] == 0
    assert idx.search("Uỷ ban", k=1)[0][0] == 1
    # the accented field (syllables and pairs) matches across spellings: both spellings score the same
    assert idx.search("hỏa hoạn", k=1)[0][1] == pytest.approx(idx.search("hoả hoạn", k=1)[0][1])


def test_tokenize_fields_adds_pairs_and_number_token_to_both_fields():
    accented, stripped = tokenize_fields("Chỉ thị 33/CT-TTg")
    assert accented == ["chỉ", "thị", "33", "ct", "ttg",
                        "chỉ_thị", "thị_33", "33_ct", "ct_ttg", "33/ct-ttg"]
    assert stripped == ["chi", "thi", "33", "ct", "ttg",
                        "chi_thi", "thi_33", "33_ct", "ct_ttg", "33/ct-ttg"]


def test_query_without_diacritics_finds_its_passage(index):
    hits = index.search("tiep cong dan giai quyet khieu nai", k=3)
    assert hits[0][0] == 0


def test_nfd_query_matches_nfc_passage(index):
    hits = index.search(unicodedata.normalize("NFD", "hòa giải ở cơ sở"), k=2)
    assert hits[0][0] == 3


def test_document_number_query_prefers_the_exact_number(index):
    # passage 2 has "33", "ct" and "ttg" as loose syllables; only passage 1 cites 33/CT-TTg
    hits = index.search("33/CT-TTg", k=6)
    assert hits[0][0] == 1
    assert index.search("chi thi 33/ct-ttg", k=1)[0][0] == 1
    assert index.search("04/2015/NĐ-CP", k=1)[0][0] == 4


def test_spaced_document_number_matches_hyphenated_query(index):
    assert index.search("16/CT-TTg", k=1)[0][0] == 5
    assert index.search("23-QĐ/TW", k=1)[0][0] == 5


def test_mask_filters_and_unknown_words_give_nothing(index):
    mask = [i != 0 for i in range(len(PASSAGES))]
    import numpy as np

    hits = index.search("tiếp công dân", k=3, mask=np.array(mask))
    assert all(pos != 0 for pos, _ in hits)
    assert index.search("zzzz qqqq", k=3) == []


def test_save_load_roundtrip(index, tmp_path):
    index.save(tmp_path / "bm25")
    loaded = LexicalIndex.load(tmp_path / "bm25", size=len(PASSAGES))
    assert loaded.search("tiep cong dan", k=2) == index.search("tiep cong dan", k=2)


def test_empty_index_answers_nothing(tmp_path):
    empty = LexicalIndex.build([])
    assert empty.search("tiếp công dân", k=3) == []
    empty.save(tmp_path / "e")
    assert LexicalIndex.load(tmp_path / "e", size=0).search("x", k=1) == []


def test_k_must_be_positive(index):
    with pytest.raises(ValueError):
        index.search("x", k=0)


def test_unaccented_query_tokens_do_not_score_twice_on_unaccented_text():
    # passage 1 holds an unaccented file name; passage 0 is the real Vietnamese answer
    idx = LexicalIndex.build(["Phòng tiếp dân của xã tiếp công dân thường xuyên",
                              "Phu luc tiep cong dan dinh kem theo.doc, Bộ Quốc phòng"])
    assert idx.search("phong tiep dan tiep cong dan", k=2)[0][0] == 0


def test_build_from_token_ids_scores_exactly_like_bm25s_on_token_strings(seed_paths):
    """The id-based build (memory for 1M chunks) must be the same index as bm25s fed the token strings."""
    import bm25s

    from index.lexical import tokenize_fields

    passages = [p for path in seed_paths[:2] for p in path.read_text(encoding="utf-8").split("\n\n") if p.strip()]
    built = LexicalIndex.build(iter(passages))               # a generator is enough
    assert built.size == len(passages) > 50
    queries = {"accented": ("tiếp công dân", "giải quyết đơn thư", "24-CT/TU"),
               "stripped": ("tiep cong dan giai quyet don thu", "hòa giải", "24-CT/TU")}
    for field, position in (("accented", 0), ("stripped", 1)):
        reference = bm25s.BM25(k1=1.5, b=0.75)
        reference.index([tokenize_fields(p)[position] for p in passages], show_progress=False)
        for query in queries[field]:
            tokens = [t for t in tokenize_fields(query, query=True)[position] if t in reference.vocab_dict]
            assert tokens, query
            expected = reference.get_scores(tokens)
            assert expected.max() > 0
            np.testing.assert_allclose(built._fields[field].get_scores(tokens), expected, rtol=1e-6)


def test_words_field_segments_passages_and_matches_query_words():
    """A query with diacritics is scored on words (cut by the index's own vocabulary), not loose syllables."""
    idx = LexicalIndex.build(["Cán bộ còn thiếu kỹ năng giao tiếp với nhân dân.",
                              "Tiếp nhận đơn của công dân, giao cho cán bộ xử lý.",
                              "Thực hiện Chỉ thị số 33/CT-TTg của Thủ tướng."])
    words = idx._fields["words"].vocab_dict
    assert {"cán_bộ", "kỹ_năng", "giao_tiếp", "nhân_dân"} <= set(words)
    assert idx.query_words("kỹ năng giao tiếp của cán bộ") == ["kỹ_năng", "giao_tiếp", "cán_bộ"]
    assert idx.search("kỹ năng giao tiếp", k=1)[0][0] == 0
    assert idx.search("Chỉ thị 33/CT-TTg", k=1)[0][0] == 2        # document numbers are in the words field too
    assert idx.search("ky nang giao tiep", k=1)[0][0] == 0         # unaccented: the syllable fields


def test_words_field_roundtrip_and_version(tmp_path):
    from index.lexical import LEXICAL_VERSION

    idx = LexicalIndex.build(PASSAGES)
    idx.save(tmp_path / "bm25")
    assert sorted(p.name for p in (tmp_path / "bm25").iterdir()) == ["accented", "stripped", "words"]
    loaded = LexicalIndex.load(tmp_path / "bm25", size=len(PASSAGES))
    assert loaded.search("hòa giải ở cơ sở", k=2) == idx.search("hòa giải ở cơ sở", k=2)
    assert LEXICAL_VERSION == "4"


def test_segmentation_cache_is_reused_and_filled(monkeypatch):
    """A passage segmented by an earlier build is not segmented again (an unchanged corpus stays fast)."""
    import index.words as words
    from index.words import text_key

    texts = ["Tổ hòa giải ở cơ sở hòa giải thành 12 vụ việc.", "Cán bộ tiếp công dân định kỳ."]
    cache = {text_key(texts[0]): ["tổ_hòa_giải", "12"]}
    calls = []
    real = words.segment_passage
    monkeypatch.setattr(words, "segment_passage", lambda text, stop: calls.append(text) or real(text, stop))
    idx = LexicalIndex.build(texts, segmented=cache)
    assert calls == [texts[1]] and text_key(texts[1]) in cache
    assert "tổ_hòa_giải" in idx._fields["words"].vocab_dict
