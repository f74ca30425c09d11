"""Syllable phonotactics and the corpus inventory."""

from __future__ import annotations

import pytest

from index.syllables import (
    SyllableInventory,
    is_syllable_prefix,
    is_valid_syllable,
    syllable_key,
    syllable_shapes,
)


@pytest.mark.parametrize(
    "word",
    ["chỉ", "CHỦ", "nghĩa", "thực", "hiện", "xuất", "phương", "hướng", "nhiệm", "vụ", "quyết", "giữa",
     "gì", "yên", "khuya", "ương", "ực", "Hoạt", "hoà", "thuý", "đánh", "uất"],
)
def test_valid_syllables(word):
    assert is_valid_syllable(word)


@pytest.mark.parametrize(
    "word",
    ["c", "T", "NG", "ch", "iện", "iệm", "UBND", "qcdc", "ka", "ghe" + "t", "cỉ", "thưcc", "mác" + "à", "tháng1",
     "thàt", "hoạtđộng"],
)
def test_invalid_syllables(word):
    # "thàt": a checked rhyme (-t) cannot carry the huyền tone; "cỉ": c never precedes i
    assert not is_valid_syllable(word)


def test_prefixes():
    assert is_syllable_prefix("ngh") and is_syllable_prefix("NGHĨ") and is_syllable_prefix("c")
    assert not is_syllable_prefix("sởa") and not is_syllable_prefix("hoặca")


def test_tone_placement_variants_share_a_key():
    assert syllable_key("hoà") == syllable_key("hòa") == syllable_key("HÒA")
    assert syllable_key("hoa") != syllable_key("hòa")


def test_generated_shapes_are_all_valid_and_cover_the_examples():
    shapes = set(syllable_shapes())
    assert len(shapes) > 10_000
    assert {"chỉ", "nghĩa", "thực", "hiện", "xuất", "phương"} <= shapes
    assert all(is_valid_syllable(s) for s in list(sorted(shapes))[::97])


def test_counts_bigrams_and_leave_one_out():
    inv = SyllableInventory.from_texts({"a": "Thực hiện, thực hiện\nhiện", "b": "chủ nghĩa"})
    assert inv.count("thực") == 2 and inv.count("HIỆN") == 3
    assert inv.bigram("thực", "hiện") == 2
    assert inv.bigram("hiện", "hiện") == 0            # bigrams never cross a line end
    without_a = inv.excluding("Thực hiện, thực hiện\nhiện")
    assert without_a.count("thực") == 0 and without_a.count("chủ") == 1
    assert inv.excluding("a text not in the inventory") is inv


def test_log_prob_orders_common_rare_and_debris():
    inv = SyllableInventory.from_texts({"a": "chỉ đạo chỉ đạo chỉ huy ực"})
    assert inv.log_prob("chỉ") > inv.log_prob("ực") > inv.log_prob("ụt") > inv.log_prob("iện")
    assert inv.log_prob("đạo", "chỉ") > inv.log_prob("đạo")


def test_from_corpus_is_deterministic_and_cached(tmp_path):
    corpus = tmp_path / "corpus"
    (corpus / "seeds").mkdir(parents=True)
    (corpus / "seeds" / "a.txt").write_text("Hoạt động của Ban Chỉ đạo\nHoạt động tốt", encoding="utf-8")
    (corpus / "seeds" / "b.txt").write_text("3.  oạt động của xã", encoding="utf-8")
    (corpus / "SOURCES.md").write_text("C Ỉ ĐẠO", encoding="utf-8")
    cache = tmp_path / "cache"
    first = SyllableInventory.from_corpus(corpus, cache_dir=cache)
    assert len(list(cache.glob("syllables-*.json"))) == 1
    second = SyllableInventory.from_corpus(corpus, cache_dir=cache)       # read back from the cache
    third = SyllableInventory.from_corpus(corpus)
    assert first.unigrams == second.unigrams == third.unigrams
    assert first.bigrams == second.bigrams == third.bigrams
    assert first.count("ỉ") == 0                   # SOURCES.md ignored
    assert first.count("hoạt") == 3                # b.txt counted after its repair
    assert first.count("oạt") == 0
    assert first.excluding("3.  oạt động của xã").count("hoạt") == 2
