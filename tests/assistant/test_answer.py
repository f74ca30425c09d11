"""The answer line of a lookup, per question type, and the readable notes that replace raw conflict JSON."""

from __future__ import annotations

import pytest

from assistant.answer import answer_line, record_notes


@pytest.fixture(scope="module")
def registry(corpus_registry):
    return corpus_registry


def test_effective_and_issuing_dates(registry):
    law = registry.get("10/2022/QH15")
    line = answer_line("effective", law, registry)
    assert line.text.startswith("Luật số 10/2022/QH15 có hiệu lực thi hành từ ngày 01/07/2023 (phapdien/")
    assert line.directive == "10/2022/QH15" and line.source and line.line
    assert "ban hành ngày 26/11/2021" in answer_line("issued", registry.get("33/CT-TTg"), registry).text
    cited = answer_line("effective", registry.get("33/CT-TTg"), registry).text
    assert cited == "Kho văn bản không ghi ngày có hiệu lực của Chỉ thị số 33/CT-TTg. Ngày ban hành: 26/11/2021."


def test_status_and_successor(registry):
    old = registry.get("34/2007/PL-UBTVQH11")
    status = answer_line("status", old, registry).text
    assert "đã hết hiệu lực từ ngày 01/07/2023 (theo Điều 90 Luật số 10/2022/QH15)" in status
    assert "còn hiệu lực" not in status
    successor = answer_line("successor", registry.get("07/2011/TT-TTCP"), registry).text
    assert "văn bản thay thế: Thông tư số 06/2014/TT-TTCP" in successor
    in_force = answer_line("status", registry.get("42/2013/QH13"), registry).text
    assert "còn hiệu lực" in in_force and "hết hiệu lực" not in in_force
    unknown = answer_line("status", registry.get("33/CT-TTg"), registry).text
    assert "không có căn cứ" in unknown and "còn hiệu lực" not in unknown and "hết hiệu lực" not in unknown


def test_issuer_content_and_which(registry):
    assert answer_line("issuer", registry.get("114-KL/TW"), registry).text == "Kết luận số 114-KL/TW do Ban Bí thư ban hành."
    assert "hương ước, quy ước" in answer_line("content", registry.get("61/2023/NĐ-CP"), registry).text
    rec = registry.get("217-QĐ/TW")
    assert answer_line("which", rec, registry).text == rec.citation + "."


def test_notes_say_conflicts_and_aliases_in_words(registry):
    (date_note,) = record_notes(registry.get("26/CT-TTg"))
    assert date_note.startswith("Kho văn bản ghi nhiều ngày ban hành khác nhau: 05/09/2016 (seeds/002")
    assert "{" not in date_note
    assert record_notes(registry.get("11-QĐ/TW")) == ["Cùng một văn bản, có nơi ghi số hiệu là 11-QĐi/TW."]
    assert "có thể một trong hai bị ghi nhầm" in record_notes(registry.get("04/2014/NĐ-CP"))[0]


def test_issuing_date_in_conflict_says_so(registry):
    text = answer_line("issued", registry.get("26/CT-TTg"), registry).text
    assert "ban hành ngày 05/09/2017" in text and "cũng ghi ngày 05/09/2016, cần đối chiếu bản gốc" in text
    assert registry.get("59/2023/NĐ-CP").citation.endswith("của Chính phủ quy định chi tiết một số điều của Luật "
                                                           "thực hiện dân chủ ở cơ sở")
