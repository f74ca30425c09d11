from assistant.adapt import UnitRef, parse_clerk_facts
from assistant.support import SupportConfig, SupportScorer
from assistant.verify import Citation, CitedSentence, format_markers, parse_cited_text, verify_draft

TARGET = UnitRef.parse("UBND xã Ngọc Kỳ", parents=["huyện Tứ Kỳ"])
SOURCES = [
    Citation(1, "000", "seeds/000.txt", "III > 4. Công tác tiếp dân",
             "Công tác tiếp dân, giải quyết đơn thư được cấp ủy, chính quyền quan tâm lãnh đạo. "
             "Trong năm đã tiếp 16 đơn, các đơn đề nghị đều được giải quyết cơ bản.",
             unit="UBND xã Quang Khải", unit_name="Quang Khải", year=2023),
    Citation(2, "001", "seeds/001.txt", "II > 4. Công tác tiếp dân",
             "Triển khai thực hiện có hiệu quả Chỉ thị 35-CT/TW ngày 26/5/2014 của Bộ Chính trị về tăng cường "
             "sự lãnh đạo của Đảng đối với công tác tiếp công dân. Công tác tiếp công dân thường xuyên và định kỳ "
             "được triển khai thực hiện tại phòng tiếp dân của xã Quang Trung.",
             unit="UBND xã Quang Trung", unit_name="Quang Trung", year=2024),
]
LEXICAL = SupportScorer(None, SupportConfig(threshold=0.6, lexical_weight=1.0))


def run(sentences, strict=False, facts="", registry=None):
    return verify_draft(sentences, SOURCES, None, registry=registry, target_unit=TARGET,
                        clerk_facts=parse_clerk_facts(facts), precedent_units=["UBND phường Lam Sơn"],
                        strict=strict, target_year=2024, scorer=LEXICAL)


def test_parse_cited_text_markers_and_placeholders():
    parsed = parse_cited_text("Xã đã tiếp [số đơn] đơn [1]. Công tác tiếp dân được quan tâm. [2] Câu ba [1, 2].")
    assert parsed == [
        parsed[0].__class__("Xã đã tiếp [số đơn] đơn.", (1,)),
        parsed[0].__class__("Công tác tiếp dân được quan tâm.", (2,)),
        parsed[0].__class__("Câu ba.", (1, 2)),
    ]
    assert format_markers("Câu ba.", (1, 2)) == "Câu ba [1][2]."
    assert format_markers("Câu", ()) == "Câu"


def test_supported_sentence_passes():
    r = run([CitedSentence("Trong năm đã tiếp [số đơn] đơn, các đơn đề nghị đều được giải quyết cơ bản.", (1,))])
    s = r.sentences[0]
    assert s.supported and s.citations == (1,) and s.support == 1.0
    assert r.leaks == () and r.warnings == ()
    assert r.text == "Trong năm đã tiếp [số đơn] đơn, các đơn đề nghị đều được giải quyết cơ bản [1]."


def test_wrong_and_missing_citation_numbers_are_corrected():
    r = run([CitedSentence("Công tác tiếp công dân thường xuyên và định kỳ được triển khai thực hiện tại phòng tiếp dân của xã.", (1,)),
             CitedSentence("Trong năm đã tiếp [số đơn] đơn.", (7,))])
    assert [s.citations for s in r.sentences] == [(2,), (1,)]
    assert all(s.supported for s in r.sentences)
    assert any("[1] → [2]" in w for w in r.warnings)
    assert any("[7] không tồn tại" in w for w in r.warnings)


def test_unsupported_flagged_then_removed_in_strict_mode():
    sent = [CitedSentence("Xã tổ chức tiêm phòng vắc xin cho đàn gia súc trên địa bàn.", (1,))]
    r = run(sent)
    assert not r.sentences[0].supported and "unsupported" in r.sentences[0].problems and not r.sentences[0].removed
    strict = run(sent, strict=True)
    assert strict.sentences[0].removed and strict.text == ""


def test_register_check_flags_first_person():
    r = run([CitedSentence("Chúng tôi đã tiếp [số đơn] đơn, các đơn đề nghị đều được giải quyết cơ bản.", (1,))])
    assert "register:chúng tôi" in r.sentences[0].problems
    assert any("chúng tôi" in w.lower() for w in r.warnings)


def test_leaks_of_other_units_figures_and_names():
    r = run([CitedSentence("Trong năm đã tiếp 16 đơn, các đơn đề nghị đều được giải quyết cơ bản.", (1,)),
             CitedSentence("Công tác tiếp công dân được triển khai tại phòng tiếp dân của xã Quang Trung.", (2,))])
    assert set(r.leaks) == {"16", "Quang Trung"}
    # the clerk's own figure is not a leak, even when a precedent has the same number
    ok = run([CitedSentence("Trong năm đã tiếp 16 đơn, các đơn đề nghị đều được giải quyết cơ bản.", (1,))], facts="nhận 16 đơn")
    assert ok.leaks == ()


def test_directive_references_are_checked():
    r = run([CitedSentence("Triển khai thực hiện có hiệu quả Chỉ thị 35-CT/TW ngày 26/5/2014 của Bộ Chính trị "
                           "và Chỉ thị số 99/CT-TTg về công tác tiếp công dân.", (2,))])
    by_id = {d.id: d for d in r.directives}
    assert by_id["35-CT/TW"].problems == ()
    assert by_id["99/CT-TTg"].problems[0]["code"] == "unknown_id"
    assert r.leaks == ()  # directive numbers and dates are national, never leaks

    class Registry:
        def get(self, i):
            return None if i == "99/CT-TTg" else object()

        def nearest(self, i):
            return "33/CT-TTg"

    r2 = run([CitedSentence("Thực hiện Chỉ thị số 99/CT-TTg về công tác tiếp công dân.", (2,))], registry=Registry())
    assert r2.directives[0].problems[0]["suggestion"] == "33/CT-TTg"


def test_real_registry_goes_through_the_citation_checker():
    from index.registry import Registry

    registry = Registry()
    registry.update_text("seeds/001.txt", SOURCES[1].text + " Chỉ thị số 33/CT-TTg ngày 26/11/2021 của Thủ tướng Chính phủ.")
    r = run([CitedSentence("Thực hiện Chỉ thị số 99/CT-TTg và Chỉ thị 35-CT/TW ngày 26/5/2014 của Bộ Chính trị.", (2,))],
            registry=registry)
    by_id = {d.id: d for d in r.directives}
    assert by_id["99/CT-TTg"].problems and by_id["35-CT/TW"].problems == ()
    assert by_id["35-CT/TW"].citation.startswith("Chỉ thị số 35-CT/TW ngày 26/05/2014")


def test_a_draft_judged_by_the_lexical_fallback_says_so():
    from index.embed import FakeEmbedder

    uncalibrated = FakeEmbedder(model_id="mô hình chưa hiệu chỉnh", fingerprint="never-calibrated")
    result = verify_draft([CitedSentence("Trong năm đã tiếp [số đơn] đơn.", (1,))], SOURCES, uncalibrated,
                          target_unit=TARGET, target_year=2024)
    assert any("mô hình chưa hiệu chỉnh" in w and "python -m assistant.support" in w for w in result.warnings)
    calibrated_rule = verify_draft([CitedSentence("Trong năm đã tiếp [số đơn] đơn.", (1,))], SOURCES, None,
                                   target_unit=TARGET, target_year=2024)
    assert not any("python -m assistant.support" in w for w in calibrated_rule.warnings)


def test_a_sentence_contradicting_the_clerks_facts_is_removed_even_when_not_strict():
    from assistant.clerk_facts import parse_facts

    facts = "tiếp nhận 9 đơn, đã giải quyết 8 đơn, còn 1 đơn đang xác minh"
    r = verify_draft([CitedSentence("Công tác tiếp dân, giải quyết đơn thư được cấp ủy, chính quyền quan tâm lãnh đạo.", (1,)),
                      CitedSentence("Các đơn đề nghị đều được giải quyết cơ bản.", (1,))],
                     SOURCES, None, target_unit=TARGET, clerk_facts=parse_clerk_facts(facts), target_year=2024,
                     scorer=LEXICAL, typed_facts=parse_facts(facts))
    assert not r.sentences[0].removed
    assert r.sentences[1].removed and "contradiction:pending" in r.sentences[1].problems
    assert any("trái với số liệu của đơn vị" in w for w in r.warnings)
    assert [s.text for s in r.kept] == [r.sentences[0].text]


def test_questions_to_the_clerk_are_not_claims():
    r = run([CitedSentence("[Trong năm có đơn thư tồn đọng không? Nếu có: số đơn, lý do.]", (), "unit_fact", "question")],
            strict=True)
    s = r.sentences[0]
    assert not s.removed and s.problems == () and s.origin == "question" and r.warnings == ()


def test_union_of_cited_passages_supports_and_only_needed_passages_stay():
    law = Citation(3, "law", "phapdien/a.md", "Điều 91", "Luật số 10/2022/QH15 ngày 10/11/2022 của Quốc hội về thực hiện "
                   "dân chủ ở cơ sở có hiệu lực thi hành kể từ ngày 01/07/2023.")
    sentence = ("Triển khai thực hiện có hiệu quả Chỉ thị 35-CT/TW ngày 26/5/2014 của Bộ Chính trị và Luật số 10/2022/QH15 "
                "ngày 10/11/2022 của Quốc hội về thực hiện dân chủ ở cơ sở.")
    r = verify_draft([CitedSentence(sentence, (2, 3, 1))], [*SOURCES, law], None, target_unit=TARGET, target_year=2024,
                     scorer=LEXICAL)
    assert r.sentences[0].supported and r.sentences[0].citations == (2, 3)
