"""Title choice for a cited document: run-on clauses cut, the wording its mentions agree on."""

from __future__ import annotations

import pytest

from index.titles import agreed_title, title_key, trim_run_on

TITLE_11 = ("trách nhiệm của người đứng đầu cấp ủy trong việc tiếp dân, đối thoại trực tiếp với dân và xử lý những "
            "phản ánh, kiến nghị của dân")


@pytest.mark.parametrize("raw, expected", [
    # seed 003 line 61: the sentence runs on into the ward's own report
    (TITLE_11 + " trên địa bàn phường đã đạt được những kết quả quan trọng, thông báo rộng rãi",
     TITLE_11 + " trên địa bàn phường"),
    # seed 002: a local body starts the next clause after a comma
    ("triển khai thực hiện công tác dân vận chính quyền năm 2023 trên địa bàn huyện Tứ Kỳ, UBND xã Ngọc Kỳ xây dựng "
     "Kế hoạch triển khai thực hiện như sau", "triển khai thực hiện công tác dân vận chính quyền năm 2023 trên địa bàn "
     "huyện Tứ Kỳ"),
    ("Quy chế dân chủ ở cơ sở", "Quy chế dân chủ ở cơ sở"),
    ("phối hợp giữa HĐND, UBND các cấp", "phối hợp giữa HĐND, UBND các cấp"),   # "UBND các cấp" is no new clause
])
def test_trim_run_on(raw, expected):
    assert trim_run_on(raw) == expected


def test_agreement_beats_a_lone_longer_variant():
    titles = [TITLE_11.replace("của dân", "của người dân"),
              TITLE_11 + " trên địa bàn phường đã đạt được những kết quả quan trọng",
              TITLE_11]
    assert agreed_title(titles) == TITLE_11


def test_repeated_wording_wins_and_ties_go_to_the_shorter():
    assert agreed_title(["thực hiện dân chủ ở xã, phường, thị trấn", "thực hiện dân chủ ở cơ sở",
                         "thực hiện dân chủ ở xã, phường, thị trấn", "thực hiện dân chủ ở xã"]) == \
        "thực hiện dân chủ ở xã, phường, thị trấn"
    assert agreed_title(["tư vấn pháp luật và các văn bản hướng dẫn",
                         "tư vấn pháp luật và các văn bản hướng dẫn theo mức chi quy định tại Thông tư"]) == \
        "tư vấn pháp luật và các văn bản hướng dẫn"
    assert agreed_title([]) is None and agreed_title(["", "  "]) is None


def test_title_key_folds_case_accents_and_punctuation():
    assert title_key("Quy chế, dân chủ – Ở CƠ SỞ") == "quy che dan chu o co so"
