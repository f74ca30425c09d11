"""An out-of-force text is swapped for its successor (with its detailing decree) or the sentence dropped."""

from __future__ import annotations

import pytest

from assistant.legal_basis import LegalBasis
from index.registry import Registry
from index.settings import SAMPLE_CORPUS

REPORT = ("Thực hiện Pháp lệnh số 34/2007/PL-UBTVQH11 ngày 20/4/2007 của Ủy ban Thường vụ Quốc hội về thực hiện dân "
          "chủ ở xã, phường, thị trấn.\nThực hiện Chỉ thị số 14/CT-TTg ngày 18/5/2012 của Thủ tướng Chính phủ.\n")
LAW_FILE = "phapdien/thuc-hien-dan-chu-o-co-so.md"


@pytest.fixture(scope="module")
def registry():
    """The real Pháp điển topic of Luật 10/2022/QH15 (its Điều 90 repeals Pháp lệnh 34/2007) and one report."""
    reg = Registry()
    reg.update_text(LAW_FILE, (SAMPLE_CORPUS / LAW_FILE).read_text(encoding="utf-8"))
    reg.update_text("seeds/a.txt", REPORT)
    return reg


def test_the_repealed_ordinance_is_swapped_for_the_law_and_its_decree(registry):
    assert registry.get("34/2007/PL-UBTVQH11").status == "repealed"
    basis = LegalBasis(registry, 2025)
    current = basis.apply("Tiếp tục thực hiện Pháp lệnh số 34/2007/PL-UBTVQH11 ngày 20/4/2007 của Ủy ban Thường vụ "
                          "Quốc hội về thực hiện dân chủ ở xã, phường, thị trấn; tổ chức tốt hội nghị.")
    assert "34/2007" not in current.text and "10/2022/QH15" in current.text and "59/2023/NĐ-CP" in current.text
    assert current.text.endswith("; tổ chức tốt hội nghị.")
    assert "thị trấn" not in current.text          # the old title went with the old number
    change = current.changes[0]
    assert change.old_id == "34/2007/PL-UBTVQH11" and "hết hiệu lực" in change.note
    assert change.evidence and all(source == LAW_FILE for source, _ in change.evidence)
    named = basis.apply("Việc bầu trưởng thôn đúng quy định của pháp lệnh dân chủ.").text
    assert named == "Việc bầu trưởng thôn đúng quy định của Luật Thực hiện dân chủ ở cơ sở."
    # a text repealed after the report's year is still in force for that report
    assert LegalBasis(registry, 2022).apply("Thực hiện Pháp lệnh số 34/2007/PL-UBTVQH11.").changes == ()


def test_texts_in_force_and_verbs_are_left_alone(registry):
    basis = LegalBasis(registry, 2025)
    for text in ("Thực hiện Chỉ thị số 14/CT-TTg ngày 18/5/2012 của Thủ tướng Chính phủ.",
                 "Cấp có thẩm quyền quyết định việc xây dựng, bổ sung quy ước."):
        assert basis.apply(text).text == text and basis.apply(text).changes == ()
    assert LegalBasis(None, 2025).apply("Pháp lệnh số 34/2007/PL-UBTVQH11.").text == "Pháp lệnh số 34/2007/PL-UBTVQH11."


def test_a_variant_number_is_written_as_the_texts_own_number():
    """A precedent's typo ("11-QĐi/TW", kept by the registry as an alias of 11-QĐ/TW) is not copied into a draft."""
    reg = Registry()
    reg.update_text("seeds/a.txt", "Thực hiện Quy định số 11-QĐ/TW ngày 18/02/2019 của Bộ Chính trị về trách nhiệm "
                                   "của người đứng đầu.\nQuy định số 11-QĐ/TW ngày 18/02/2019 của Bộ Chính trị.\n")
    reg.update_text("seeds/b.txt", "Triển khai Quy định số 11-QĐi/TW ngày 18/02/2019 của Bộ Chính trị.\n")
    assert reg.resolve("11-QĐi/TW") == "11-QĐ/TW"
    current = LegalBasis(reg, 2025).apply("Triển khai Quy định số 11-QĐi/TW ngày 18/02/2019 của Bộ Chính trị về "
                                          "trách nhiệm của người đứng đầu.")
    assert current.text == ("Triển khai Quy định số 11-QĐ/TW ngày 18/02/2019 của Bộ Chính trị về trách nhiệm của "
                            "người đứng đầu.")
    assert [(c.old, c.new) for c in current.changes] == [("11-QĐi/TW", "11-QĐ/TW")]
    same = "Thực hiện Quy định số 11-QĐ/TW ngày 18/02/2019 của Bộ Chính trị."
    assert LegalBasis(reg, 2025).apply(same).text == same and LegalBasis(reg, 2025).apply(same).changes == ()
