"""Question cues of a lookup: the fact asked, the kind sought, document numbers, the topic left."""

from __future__ import annotations

import pytest

from assistant.question import analyse_question


@pytest.mark.parametrize("question, asks", [
    ("Luật Thực hiện dân chủ ở cơ sở có hiệu lực từ ngày nào?", "effective"),
    ("luat tiep cong dan bat dau co hieu luc khi nao", "effective"),
    ("Ngày có hiệu lực của Nghị định 59/2023/NĐ-CP?", "effective"),
    ("Chỉ thị 33/CT-TTg ban hành ngày nào?", "issued"),
    ("Luật Hòa giải ở cơ sở được Quốc hội thông qua ngày nào?", "issued"),
    ("Quyết định 217-QĐ/TW do cơ quan nào ban hành?", "issuer"),
    ("Kết luận 114-KL/TW là của ai?", "issuer"),
    ("Pháp lệnh 34/2007/PL-UBTVQH11 còn hiệu lực không?", "status"),
    ("Thông tư 07/2011/TT-TTCP được thay thế bằng văn bản nào?", "successor"),
    ("Văn bản nào thay thế Quyết định 22/2018/QĐ-TTg?", "successor"),
    ("Nghị định 61/2023/NĐ-CP quy định về nội dung gì?", "content"),
    ("Văn bản nào quy định về hòa giải ở cơ sở?", "which"),
])
def test_the_fact_asked(question, asks):
    assert analyse_question(question).asks == asks


@pytest.mark.parametrize("question, kind", [
    ("Nghị định nào quy định chi tiết Luật Thực hiện dân chủ ở cơ sở?", "Nghị định"),
    ("Thông tư nào hướng dẫn quy trình tiếp công dân?", "Thông tư"),
    ("Nghị quyết liên tịch nào hướng dẫn hòa giải?", "Nghị quyết liên tịch"),
    ("Chấn chỉnh công tác tiếp công dân theo chỉ thị của Thủ tướng", "Chỉ thị"),
    ("Văn bản nào quy định về tiếp công dân?", None),
    ("Tổ chức thực hiện theo quy định của pháp luật", None),     # "quy định" the verb, not the kind
    ("Luật nào quy định về tiếp công dân?", "Luật"),
    ("Văn bản pháp luật nào quy định về hòa giải?", None),      # "pháp luật" is not "Luật"
])
def test_the_kind_sought(question, kind):
    assert analyse_question(question).kind == kind


def test_numbers_and_topic():
    cues = analyse_question("Nghị định 15/2014/NĐ-CP về hòa giải có hiệu lực thi hành từ ngày nào?")
    assert cues.numbers == ("15/2014/nd-cp",) and cues.asks == "effective"
    assert cues.topic == "nghi dinh ve hoa giai"
    assert analyse_question("quy dinh 11-qđi/tw ban hanh ngay nao").numbers == ("11-qdi/tw",)
