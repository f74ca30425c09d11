"""A ward's draft speaks of tổ dân phố, a commune's of thôn (or what its own documents say)."""

from __future__ import annotations

from assistant.adapt import UnitRef
from assistant.unit_profile import fit_vocabulary, unit_profile

WARD = unit_profile(UnitRef.parse("UBND phường Hòa Bình"))
COMMUNE = unit_profile(UnitRef.parse("UBND xã Tiên Phong"))


def test_profiles_from_the_request_and_from_the_units_documents():
    assert (WARD.sub_unit, WARD.head, WARD.source) == ("tổ dân phố", "tổ trưởng tổ dân phố", "request")
    assert COMMUNE.sub_unit == "thôn"
    own = unit_profile(UnitRef.parse("UBND phường Hòa Bình"), ["Phường có 12 khu phố; các khu phố đều có quy ước."])
    assert (own.sub_unit, own.source) == ("khu phố", "own documents")
    mountain = unit_profile(UnitRef.parse("UBND xã Tiên Phong"), ["Quy ước của thôn bản; bầu trưởng bản ở các thôn, bản."])
    assert mountain.sub_unit == "bản"


def test_rural_words_in_a_wards_draft():
    text = ("Nhân dân được bàn, biểu quyết để cấp có thẩm quyền quyết định việc bổ sung hương ước, quy ước của thôn "
            "bản; bầu, miễn nhiệm trưởng bản.")
    fitted = fit_vocabulary(text, WARD)
    assert fitted.text == ("Nhân dân được bàn, biểu quyết để cấp có thẩm quyền quyết định việc bổ sung quy ước của tổ "
                           "dân phố; bầu, miễn nhiệm tổ trưởng tổ dân phố.")
    assert fitted.changes
    assert fit_vocabulary("Vận động Nhân dân xây dựng nông thôn mới nâng cao.", WARD).text is None
    keep = "Thực hiện cuộc vận động “Toàn dân đoàn kết xây dựng nông thôn mới, đô thị văn minh” ở khu vực nông thôn."
    assert fit_vocabulary(keep, WARD).text == keep            # a quoted title and "nông thôn" are not villages
    assert fit_vocabulary("Văn bản của bản thân.", WARD).text == "Văn bản của bản thân."


def test_urban_words_in_a_communes_draft():
    assert fit_vocabulary("Bầu tổ trưởng tổ dân phố ở các tổ dân phố.", COMMUNE).text == "Bầu trưởng thôn ở các thôn."
