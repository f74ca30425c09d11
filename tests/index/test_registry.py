"""Registry on the bundled corpus: known conflicts, the repeal of Pháp lệnh 34/2007, persistence, incrementality."""

from __future__ import annotations

import pytest

from index.registry import Registry, build_registry
from index.settings import Settings


@pytest.fixture(scope="module")
def registry(corpus_registry):
    return corpus_registry


def test_conflicting_dates_of_26_ct_ttg_are_kept(registry):
    rec = registry.get("26/CT-TTg")
    (date_conflict,) = [c for c in rec.conflicts if c["field"] == "date"]
    values = {v["value"]: [(m["source"], m["line"]) for m in v["mentions"]] for v in date_conflict["values"]}
    assert values == {
        "2016-09-05": [("seeds/002_2cc0b2eb3d9fdbc1.txt", 113)],
        "2017-09-05": [("seeds/000_ad1bc2404d8aad29.txt", 184)],
    }


def test_near_duplicate_04_2014_beside_04_2015(registry):
    rare, common = registry.get("04/2014/NĐ-CP"), registry.get("04/2015/NĐ-CP")
    assert rare.suspect and not common.suspect
    assert {"field": "id", "kind": "near_duplicate_id", "other_id": "04/2015/NĐ-CP",
            "mentions": 1, "other_mentions": 4} in rare.conflicts
    assert len(common.mentions) == 4 and common.date == "2015-01-09"
    assert registry.nearest("04/2014/NĐ-CP") == "04/2015/NĐ-CP"


def test_phap_lenh_34_2007_repealed_with_evidence(registry):
    rec = registry.get("34/2007/PL-UBTVQH11")
    assert rec.status == "repealed"
    ev = rec.status_evidence
    assert ev["source"] == "phapdien/thuc-hien-dan-chu-o-co-so.md" and ev["line"] == 4848
    assert (ev["by"], ev["article"], ev["effective"]) == ("10/2022/QH15", "Điều 90", "2023-07-01")
    assert "hết hiệu lực" in ev["text"]
    assert rec.date == "2007-04-20" and rec.issuer == "Ủy ban Thường vụ Quốc hội"
    assert rec.title == "thực hiện dân chủ ở xã, phường, thị trấn"


def test_law_in_phapdien_is_in_force_and_party_docs_unknown(registry):
    law = registry.get("10/2022/QH15")
    assert law.status == "in_force" and law.governing and law.date == "2022-11-10" and law.issuer == "Quốc hội"
    assert registry.get("25-NQ/TW").status == "unknown"
    assert registry.get("33/CT-TTg").status_evidence is None


def test_citation_standard_form(registry):
    assert registry.get("33/CT-TTg").citation == (
        "Chỉ thị số 33/CT-TTg ngày 26/11/2021 của Thủ tướng Chính phủ về tiếp tục tăng cường và đổi mới công tác "
        "dân vận của cơ quan hành chính nhà nước, chính quyền các cấp trong tình hình mới")


def test_expected_issuer_reads_a_state_symbol_first_then_the_corpus():
    reg = build_registry([("a.txt", "Chỉ thị số 33/CT-TTg ngày 26/11/2021 của Chính phủ.\n"
                                    "Chỉ thị số 35-CT/TW ngày 26/5/2014 của Bộ Chính trị.\n"
                                    "Quyết định số 1175/QĐ-BTTTT.")])
    assert reg.get("33/CT-TTg").expected_issuer == "Thủ tướng Chính phủ"  # the symbol says TTg, the text "Chính phủ"
    assert reg.get("35-CT/TW").expected_issuer == "Bộ Chính trị"           # a Party symbol states no one
    assert reg.get("1175/QĐ-BTTTT").expected_issuer is None


def test_mentions_carry_section_and_sentence(registry):
    m = next(m for m in registry.get("1533/QĐ-UBND@tỉnh Hải Dương").mentions)
    assert (m.source, m.line) == ("seeds/000_ad1bc2404d8aad29.txt", 187)
    assert m.section.endswith("6. Nâng cao kỷ luật, kỷ cương hành chính, đạo đức công vụ của đội ngũ")
    assert "tiêu chí đánh giá công tác dân vận" in m.sentence


def test_save_load_roundtrip_and_incremental(tmp_path):
    reg = Registry()
    assert reg.update_text("a.txt", "Chỉ thị số 33/CT-TTg ngày 26/11/2021 của Thủ tướng Chính phủ.")
    assert not reg.update_text("a.txt", "Chỉ thị số 33/CT-TTg ngày 26/11/2021 của Thủ tướng Chính phủ.")
    reg.update_text("b.txt", "Chỉ thị số 33/CT-TTg ngày 26/11/2020 của Thủ tướng Chính phủ.")
    assert [c["field"] for c in reg.get("33/CT-TTg").conflicts] == ["date"]
    reg.save(tmp_path / "registry.json")
    back = Registry.load(tmp_path / "registry.json")
    assert back.get("33/CT-TTg").conflicts == reg.get("33/CT-TTg").conflicts
    back.update_text("b.txt", "Nghị định số 04/2015/NĐ-CP của Chính phủ.")   # changed file: only its mentions replaced
    assert back.get("33/CT-TTg").conflicts == () and len(back.get("33/CT-TTg").mentions) == 1
    back.remove("b.txt")
    assert "04/2015/NĐ-CP" not in back


def test_index_writes_the_registry_into_the_index_and_drops_deleted_files(tmp_path, fake_embedder):
    from index.build import build_index
    from index.registry import load_registry

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "x.txt").write_text("Quyết định số 217-QĐ/TW ngày 12/12/2013 của Bộ Chính trị.", encoding="utf-8")
    (corpus / "y.txt").write_text("Chỉ thị số 33/CT-TTg ngày 26/11/2021 của Thủ tướng Chính phủ.", encoding="utf-8")
    settings = Settings(corpus_dir=corpus, data_dir=tmp_path / "data")
    build_index(settings, embedder=fake_embedder, progress=False)
    assert (settings.index_dir / "registry.json").exists()
    reg = load_registry(settings)
    assert "217-QĐ/TW" in reg and "33/CT-TTg" in reg
    (corpus / "x.txt").unlink()
    build_index(settings, embedder=fake_embedder, progress=False)
    reg = load_registry(settings)
    assert "217-QĐ/TW" not in reg and "33/CT-TTg" in reg


def test_readers_never_build_the_registry(tmp_path):
    from index.errors import IndexNotFoundError
    from index.registry import load_registry

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "x.txt").write_text("Quyết định số 217-QĐ/TW ngày 12/12/2013 của Bộ Chính trị.", encoding="utf-8")
    settings = Settings(corpus_dir=corpus, data_dir=tmp_path / "data")
    with pytest.raises(IndexNotFoundError, match="soanthao index"):
        load_registry(settings)
    assert not (tmp_path / "data").exists()


# --- titles: Pháp điển topic title for the topic's main law ------------------------------------------

TOPIC = """---
title: Mặt trận Tổ quốc Việt Nam
---

## VĂN BẢN
# Mặt trận Tổ quốc Việt Nam

Chương I

NHỮNG QUY ĐỊNH CHUNG

Điều 35.4.LQ.1. Mặt trận Tổ quốc Việt Nam

(Điều 1 Luật số 75/2015/QH13, có hiệu lực thi hành kể từ ngày 01/01/2016, có nội dung được sửa đổi, \
có nội dung được bổ sung bởi Điều 1 Luật số 97/2025/QH15 có hiệu lực thi hành kể từ ngày 01/07/2025)

Mặt trận Tổ quốc Việt Nam là tổ chức liên minh chính trị.

Điều 35.4.LQ.2. Quyền và trách nhiệm của Mặt trận

(Điều 2 Luật số 75/2015/QH13, có hiệu lực thi hành kể từ ngày 01/01/2016)

Mặt trận có quyền và trách nhiệm theo quy định của Luật này.

Điều 35.4.NĐ.2.1. Phạm vi điều chỉnh

(Điều 1 Nghị định số 64/2008/NĐ-CP Về vận động, tiếp nhận, phân phối và sử dụng các nguồn đóng góp tự nguyện \
ngày 14/05/2008 của Chính phủ, có hiệu lực thi hành kể từ ngày 04/06/2008)

Nghị định này quy định việc vận động, tiếp nhận các nguồn đóng góp tự nguyện.
"""


def test_main_law_of_a_topic_takes_the_topic_title_with_evidence():
    reg = build_registry([("phapdien/mt.md", TOPIC)])
    law = reg.get("75/2015/QH13")
    assert law.title == "Mặt trận Tổ quốc Việt Nam"
    assert law.title_evidence == {"from": "phapdien_topic", "source": "phapdien/mt.md", "line": 2,
                                  "text": "title: Mặt trận Tổ quốc Việt Nam", "article": "35.4.LQ.1",
                                  "articles": 2, "of_articles": 2}
    assert law.citation == "Luật số 75/2015/QH13 của Quốc hội về Mặt trận Tổ quốc Việt Nam"
    # the amending law named inside a provenance line gets no title; the decree keeps its own
    assert reg.get("97/2025/QH15").title is None and reg.get("97/2025/QH15").title_evidence is None
    decree = reg.get("64/2008/NĐ-CP")
    assert decree.title.startswith("Về vận động, tiếp nhận") and decree.title_evidence["from"] == "provenance"


def test_topic_title_disagreeing_with_the_provenance_title_is_a_conflict():
    text = TOPIC.replace("title: Mặt trận Tổ quốc Việt Nam", "title: Mặt trận").replace(
        "# Mặt trận Tổ quốc Việt Nam", "# Mặt trận").replace(
        "(Điều 2 Luật số 75/2015/QH13,",
        "(Điều 2 Luật số 75/2015/QH13 Mặt trận Tổ quốc Việt Nam ngày 09/06/2015 của Quốc hội,")
    law = build_registry([("phapdien/mt.md", text)]).get("75/2015/QH13")
    assert law.title == "Mặt trận Tổ quốc Việt Nam" and law.title_evidence["from"] == "provenance"
    (conflict,) = [c for c in law.conflicts if c["field"] == "title"]
    assert [(v["value"], v["from"], v["line"]) for v in conflict["values"]] == [
        ("Mặt trận Tổ quốc Việt Nam", "provenance", 20), ("Mặt trận", "phapdien_topic", 2)]


def test_bundled_topic_laws_have_titles(registry):
    law = registry.get("75/2015/QH13")
    assert law.title == "Mặt trận Tổ quốc Việt Nam"
    ev = law.title_evidence
    assert (ev["source"], ev["line"], ev["articles"], ev["of_articles"]) == (
        "phapdien/mat-tran-to-quoc-viet-nam.md", 3, 41, 41)
    assert registry.get("97/2025/QH15").title is None          # amends 75/2015, never titled by the topic
    assert registry.get("42/2013/QH13").title == "Tiếp công dân"
    assert not [c for r in registry.records().values() for c in r.conflicts if c["field"] == "title"]


def test_title_stated_by_a_governing_text_outranks_reports():
    governing = ("Điều 1.1.LQ.90. Hiệu lực thi hành\n\n(Điều 90 Luật số 10/2022/QH15, có hiệu lực thi hành kể từ "
                 "ngày 01/07/2023)\n\n2. Pháp lệnh số 34/2007/PL-UBTVQH11 về thực hiện dân chủ ở xã, phường, thị "
                 "trấn hết hiệu lực kể từ ngày Luật này có hiệu lực thi hành.\n")
    report = "Thực hiện Pháp lệnh số 34/2007/PL-UBTVQH11 về thực hiện dân chủ ở cơ sở; và tiếp tục.\n"
    reg = build_registry([("a.txt", report), ("b.txt", report), ("phapdien/x.md", governing)])
    rec = reg.get("34/2007/PL-UBTVQH11")
    assert rec.title == "thực hiện dân chủ ở xã, phường, thị trấn"
    assert (rec.title_evidence["from"], rec.title_evidence["source"]) == ("citation", "phapdien/x.md")
    # without the governing text, the reports' (wrong) title is all the corpus says
    assert build_registry([("a.txt", report)]).get("34/2007/PL-UBTVQH11").title == "thực hiện dân chủ ở cơ sở"


def test_registry_of_an_older_format_is_refused_then_rewritten_by_index(tmp_path, fake_embedder):
    import json

    from index.build import build_index
    from index.registry import FORMAT_VERSION, RegistryFormatError, load_registry

    corpus = tmp_path / "corpus"
    (corpus / "phapdien").mkdir(parents=True)
    (corpus / "phapdien" / "mt.md").write_text(TOPIC, encoding="utf-8")
    settings = Settings(corpus_dir=corpus, data_dir=tmp_path / "data")
    path = settings.index_dir / "registry.json"
    build_index(settings, embedder=fake_embedder, progress=False)
    old = json.loads(path.read_text(encoding="utf-8"))
    old["format"] = 1
    for entry in old["sources"].values():
        del entry["topics"]
    path.write_text(json.dumps(old, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(RegistryFormatError, match="soanthao index"):
        load_registry(settings)
    report = build_index(settings, embedder=fake_embedder, progress=False)   # same files: nothing re-embedded,
    assert report.chunks_embedded == 0                                        # the registry read again
    assert load_registry(settings).get("75/2015/QH13").title == "Mặt trận Tổ quốc Việt Nam"
    assert json.loads(path.read_text(encoding="utf-8"))["format"] == FORMAT_VERSION


def test_variant_ids_are_aliases_of_one_record(registry):
    """11-QĐi/TW (seed 004) is the same Quy định as 11-QĐ/TW: one record, the variant noted, found by either id."""
    rec = registry.get("11-QĐi/TW")
    assert rec is registry.get("11-QĐ/TW") and rec.id == "11-QĐ/TW" and rec.aliases == ("11-QĐi/TW",)
    assert "11-QĐi/TW" not in registry.records() and "11-QĐi/TW" in registry
    assert {m.id for m in rec.mentions} == {"11-QĐ/TW", "11-QĐi/TW"} and not rec.conflicts
    assert registry.get("14/2014/TTLT/BTC-BTP").id == "14/2014/TTLT-BTC-BTP"
    assert registry.get("02/TTLT/BTC-MTTW").id == "02/2002/TTLT/BTC-MTTW"    # no year, same date
    # an undated id of another year, and ids one year apart, stay separate documents
    assert registry.get("26/CT-TTg").id != registry.get("26/2001/CT-TTg").id
    assert registry.get("04/2014/NĐ-CP").id == "04/2014/NĐ-CP"


def test_cited_title_is_what_the_mentions_agree_on(registry):
    """Seed 003 line 61 runs 11-QĐ/TW's title into the ward's report; the title is the wording others share."""
    rec = registry.get("11-QĐ/TW")
    assert rec.title.endswith("xử lý những phản ánh, kiến nghị của dân")
    assert "đã đạt được" not in rec.citation and "Bí thư Đảng ủy" not in rec.citation
    assert registry.get("47/KH-UBND@huyện Tứ Kỳ").title.endswith("trên địa bàn huyện Tứ Kỳ")


def test_effective_date_and_governing_family(registry):
    assert registry.get("10/2022/QH15").effective == "2023-07-01"
    assert registry.get("33/CT-TTg").effective is None          # only cited: the corpus does not say
    assert registry.governing_family("64/2014/NĐ-CP") == ("42/2013/QH13", "64/2014/NĐ-CP")
    assert registry.governing_family("35/2013/QH13") == ("35/2013/QH13", "15/2014/NĐ-CP")
    assert registry.governing_family("33/CT-TTg") == ()
