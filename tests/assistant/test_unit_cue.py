"""A query naming an indexed document's unit lifts that document's passages."""

from __future__ import annotations

from assistant.unit_cue import UNIT_BOOST, DocumentUnits, lift_named_units

UNITS = DocumentUnits([("s/001.txt", "xã", "Quang Trung"), ("s/004.txt", "xã", "Song Vân"),
                       ("q/ct.md", "tỉnh", "Cần Thơ"), ("p/law.md", "trung ương", None), ("x.txt", "xã", "Kỳ")])


def test_named_with_accents_or_with_the_level_word():
    assert UNITS.named("tồn tại năm 2024 của xã Quang Trung") == {"s/001.txt"}
    assert UNITS.named("Cần Thơ cộng tối đa mấy điểm thưởng") == {"q/ct.md"}
    assert UNITS.named("xa song van kiem tra qcdc") == {"s/004.txt"}
    assert UNITS.named("QUANG TRUNG báo cáo") == {"s/001.txt"}


def test_unaccented_words_that_only_look_like_a_name_do_not_count():
    assert UNITS.named("hoi nghi so ket doi song van hoa nam 2022") == set()     # "đời sống văn hóa"
    assert UNITS.named("Quang Trungx") == set() and UNITS.named("xã Kỳ Sơn") == set()


def test_lift_adds_the_boost_and_resorts():
    ranked = [(0, 0.9), (1, 0.8), (2, 0.75)]
    sources = ["a", "s/001.txt", "b"]
    assert lift_named_units(ranked, sources, {"s/001.txt"}) == [(1, 0.8 + UNIT_BOOST), (0, 0.9), (2, 0.75)]
    assert lift_named_units(ranked, sources, set()) == ranked
