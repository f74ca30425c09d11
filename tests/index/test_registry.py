"""Registry on the bundled corpus: known conflicts, the repeal of Pháp lệnh 34/2007, persistence, incrementality."""

from __future__ import annotations

import pytest

from index.registry import Registry, build_registry, corpus_files, load_or_build
from index.settings import Settings


@pytest.fixture(scope="module")
def registry(sample_corpus):
    return build_registry(corpus_files(sample_corpus), corpus_root=sample_corpus)


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


def test_load_or_build_persists_next_to_index(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "x.txt").write_text("Quyết định số 217-QĐ/TW ngày 12/12/2013 của Bộ Chính trị.", encoding="utf-8")
    settings = Settings(corpus_dir=corpus, data_dir=tmp_path / "data")
    reg = load_or_build(settings)
    assert (settings.index_dir / "registry.json").exists() and "217-QĐ/TW" in reg
    (corpus / "x.txt").unlink()
    assert len(load_or_build(settings)) == 0
