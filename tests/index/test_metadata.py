"""Document metadata of the five seeds and the Cần Thơ decision against the golden files,
plus the date parser and unit-mention finder on small hand-made inputs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from index.metadata import find_unit_mentions, parse_vietnamese_date

from tests.index.golden_documents import DOCUMENTS, GOLDEN


@pytest.fixture(scope="module")
def meta_of(parsed_document):
    return lambda source: parsed_document(source).meta


@pytest.mark.parametrize("source", DOCUMENTS)
def test_metadata_matches_golden(meta_of, source):
    expected = json.loads((GOLDEN / (Path(source).stem + ".json")).read_text(encoding="utf-8"))["meta"]
    meta = meta_of(source)
    got = {key: getattr(meta, key) for key in expected}
    got["parent_units"] = list(got["parent_units"])
    assert got == expected


def test_seed_004_header_fields(meta_of):
    meta = meta_of("seeds/004_bf2fac1579fa6850.txt")
    assert (meta.number, meta.date, meta.place, meta.year) == ("04/BC-UBND", "2024-01-11", "Song Vân", 2023)
    assert meta.unit == "UBND xã Song Vân" and meta.parent_units == ("huyện Tân Yên", "tỉnh Bắc Giang")
    assert meta.extra["signing_title"] == "KT. CHỦ TỊCH PHÓ CHỦ TỊCH"


def test_seed_001_placeholder_number_and_date_stay_empty(meta_of):
    meta = meta_of("seeds/001_fbaec8e52927d2a0.txt")
    assert meta.number is None and meta.date is None
    assert meta.extra["number_raw"] == "/BC-UBND"
    assert meta.recipient == "UBND thị xã Bim Sơn"     # as written (the town is Bỉm Sơn)


def test_can_tho_is_a_province_level_governing_decision(meta_of):
    meta = meta_of("van-ban-dia-phuong/2579-QD-UBND-2025-can-tho.md")
    assert meta.kind == "quyết định" and meta.is_governing
    assert (meta.unit, meta.unit_level, meta.parent_units) == ("UBND thành phố Cần Thơ", "tỉnh", ())
    assert (meta.number, meta.date, meta.signer) == ("2579/QĐ-UBND", "2025-11-21", "Trương Cảnh Tuyên")


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("Song Vân, ngày  11 tháng 01 năm 2024", "2024-01-11"),
        ("Cần Thơ, ngày 21 tháng 11 năm 2025", "2025-11-21"),
        ("ban hành ngày 5/9/2017", "2017-09-05"),
        ("Xã Quang Trung, ngày tháng năm 2024", None),     # blank template date
        ("ngày 30 tháng 02 năm 2024", None),               # not on the calendar
        ("không có ngày", None),
    ],
)
def test_parse_vietnamese_date(text, iso):
    assert parse_vietnamese_date(text) == iso


def test_find_unit_mentions():
    text = "Thực hiện chỉ đạo của UBND huyện Tứ Kỳ về việc báo cáo; UBND xã Quang Khải báo cáo kết quả xã hội"
    assert find_unit_mentions(text) == [("huyện", "Tứ Kỳ", True), ("xã", "Quang Khải", True)]
    assert find_unit_mentions("THÀNH PHỐ CẦN THƠ") == [("thành phố", "Cần Thơ", False)]
    assert find_unit_mentions("huyện Tân Yên, tỉnh Bắc Giang") == [
        ("huyện", "Tân Yên", False), ("tỉnh", "Bắc Giang", False)
    ]
