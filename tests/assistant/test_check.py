"""Citation checker: each problem kind from a real seed line or a crafted draft; a clean draft has none."""

from __future__ import annotations

import pytest

from assistant.check import check_file, check_text


@pytest.fixture(scope="module")
def registry(corpus_registry):
    return corpus_registry


def _problems(result):
    return [(r.line, r.id, p.code) for r in result.references for p in r.problems]


def test_seed_004_flags(registry, sample_corpus):
    res = check_file(sample_corpus / "seeds" / "004_bf2fac1579fa6850.txt", registry)
    probs = _problems(res)
    assert (478, "04/2014/NĐ-CP", "unknown_id") in probs
    unknown = next(p for r in res.references for p in r.problems if p.code == "unknown_id")
    assert unknown.suggestion.startswith("Nghị định số 04/2015/NĐ-CP ngày 09/01/2015 của Chính phủ")
    # Pháp lệnh 34/2007 still cited for 2023–2024 work after its repeal on 01/07/2023
    assert [ln for ln, i, c in probs if c == "repealed"] == [88, 142, 308, 474, 535]
    rep = next(p for r in res.references for p in r.problems if p.code == "repealed")
    assert "01/07/2023" in rep.message and "Điều 90 Luật số 10/2022/QH15" in rep.message
    assert rep.suggestion.startswith("Luật số 10/2022/QH15")
    assert (541, "145/2020/NĐ-CP", "malformed_symbol") in probs
    assert (571, "217-QĐ/TW", "malformed_symbol") in probs
    assert len(res.references) == 26


def test_seed_000_malformed_and_conflicting(registry, sample_corpus):
    res = check_file(sample_corpus / "seeds" / "000_ad1bc2404d8aad29.txt", registry)
    probs = _problems(res)
    assert (31, "16/CT-TTg", "malformed_symbol") in probs
    ref16 = next(r for r in res.references if r.line == 31)
    assert ref16.problems[0].suggestion == "Chỉ thị số 16/CT-TTg" and "gạch nối" in ref16.problems[0].message
    assert (184, "26/CT-TTg", "conflicting_dates") in probs
    # "217-QĐ/TW và 218-QĐ/TW … về “Quy chế giám sát và phản biện xã hội …”": 217's title given to 218
    assert (169, "218-QĐ/TW", "title_mismatch") in probs
    title = next(p for r in res.references if r.line == 169 and r.id == "218-QĐ/TW" for p in r.problems)
    assert "là tên của Quyết định số 217-QĐ/TW" in title.message
    assert title.suggestion.startswith("Quyết định số 218-QĐ/TW ngày 12/12/2013 của Bộ Chính trị ban hành Quy định về việc")
    # everything else in the report is consistent with the corpus
    assert len(probs) == 3


def test_seed_002_stray_space(registry, sample_corpus):
    probs = _problems(check_file(sample_corpus / "seeds" / "002_2cc0b2eb3d9fdbc1.txt", registry))
    assert (43, "23-QĐ/TW", "malformed_symbol") in probs and (98, "35-CT/TW", "malformed_symbol") in probs


def test_crafted_date_and_issuer_mismatch(registry):
    draft = ("Căn cứ Chỉ thị số 33/CT-TTg ngày 26/11/2020 của Thủ tướng Chính phủ về dân vận.\n"
             "Thực hiện Nghị quyết số 25-NQ/TW ngày 03/6/2013 của Bộ Chính trị về công tác dân vận.\n"
             "Căn cứ Chỉ thị số 14/CT-TTg ngày 18/5/2012 của Chính phủ.\n")
    probs = _problems(check_text(draft, "draft.txt", registry))
    assert probs == [(1, "33/CT-TTg", "date_mismatch"), (2, "25-NQ/TW", "issuer_mismatch"),
                     (3, "14/CT-TTg", "issuer_mismatch")]


def test_crafted_title_mismatch(registry):
    draft = ("Thực hiện Chỉ thị số 33/CT-TTg ngày 26/11/2021 của Thủ tướng Chính phủ về tăng cường sự lãnh đạo của "
             "Đảng đối với công tác tiếp công dân và giải quyết khiếu nại, tố cáo.\n"
             "Thực hiện Chỉ thị số 33/CT-TTg ngày 26/11/2021 của Thủ tướng Chính phủ về phòng, chống dịch bệnh gia súc.\n"
             "Thực hiện Chỉ thị số 33/CT-TTg ngày 26/11/2021 của Thủ tướng Chính phủ về đổi mới công tác dân vận "
             "của cơ quan hành chính nhà nước.\n")
    refs = check_text(draft, "d.txt", registry).references
    assert [[p.code for p in r.problems] for r in refs] == [["title_mismatch"], ["title_mismatch"], []]
    assert "là tên của Chỉ thị số 35-CT/TW" in refs[0].problems[0].message   # another directive's title
    assert "không khớp" in refs[1].problems[0].message                      # unrelated to every known title
    assert refs[1].problems[0].suggestion.startswith("Chỉ thị số 33/CT-TTg ngày 26/11/2021")


def test_crafted_unknown_id_not_in_corpus(registry):
    (ref,) = check_text("Theo Chỉ thị số 99/CT-TTg ngày 01/01/2020.", "d.txt", registry).references
    assert [p.code for p in ref.problems] == ["unknown_id"]


def test_clean_draft_has_no_problems(registry, tmp_path):
    draft = tmp_path / "sach.md"
    draft.write_text(
        "Căn cứ Luật Thực hiện dân chủ ở cơ sở số 10/2022/QH15;\n"
        "Thực hiện Chỉ thị số 33/CT-TTg ngày 26/11/2021 của Thủ tướng Chính phủ về tiếp tục tăng cường và đổi mới "
        "công tác dân vận của cơ quan hành chính nhà nước, chính quyền các cấp trong tình hình mới;\n"
        "Quyết định số 217-QĐ/TW ngày 12/12/2013 của Bộ Chính trị ban hành Quy chế giám sát và phản biện xã hội;\n"
        "Nghị định số 04/2015/NĐ-CP ngày 09/01/2015 của Chính phủ.\n", encoding="utf-8")
    res = check_file(draft, registry)
    assert len(res.references) == 4 and res.problem_count == 0
    assert res.to_json()["references"][1] == {"text": "Chỉ thị số 33/CT-TTg", "id": "33/CT-TTg", "line": 2, "problems": []}


def test_sentence_about_the_repeal_is_not_flagged(registry):
    text = "Pháp lệnh số 34/2007/PL-UBTVQH11 đã hết hiệu lực từ ngày 01/7/2023."
    assert _problems(check_text(text, "d.txt", registry)) == []


def test_cli_check_json(tmp_path, sample_corpus, monkeypatch, fake_embedder):
    import json

    from typer.testing import CliRunner

    from assistant.cli import app
    from index.build import build_index
    from index.settings import Settings

    monkeypatch.setenv("SOANTHAO_CORPUS_DIR", str(sample_corpus))
    without_index = CliRunner().invoke(app, ["check", str(sample_corpus / "seeds" / "000_ad1bc2404d8aad29.txt"),
                                             "--data-dir", str(tmp_path / "data")])
    assert without_index.exit_code == 2 and "soanthao index" in without_index.output
    build_index(Settings(corpus_dir=sample_corpus, data_dir=tmp_path / "data"), embedder=fake_embedder,
                progress=False)
    draft = tmp_path / "d.txt"
    draft.write_text("Theo Nghị định số 04/2014/NĐ-CP của Chính phủ.\n", encoding="utf-8")
    out = CliRunner().invoke(app, ["check", str(draft), "--json", "--data-dir", str(tmp_path / "data")])
    assert out.exit_code == 1, out.output     # problems found: a district office's script must see it
    payload = json.loads(out.output)
    (ref,) = payload["references"]
    assert (ref["id"], ref["line"], ref["problems"][0]["code"]) == ("04/2014/NĐ-CP", 1, "unknown_id")
    assert (tmp_path / "data" / "index" / "registry.json").exists()


def test_cli_exit_codes_clean_and_error(tmp_path, sample_corpus, monkeypatch, fake_embedder):
    from typer.testing import CliRunner

    from assistant.cli import app
    from index.build import build_index
    from index.settings import Settings

    monkeypatch.setenv("SOANTHAO_CORPUS_DIR", str(sample_corpus))
    build_index(Settings(corpus_dir=sample_corpus, data_dir=tmp_path / "data"), embedder=fake_embedder,
                progress=False)
    clean = tmp_path / "sach.txt"
    clean.write_text("Căn cứ Luật Thực hiện dân chủ ở cơ sở số 10/2022/QH15.\n", encoding="utf-8")
    data = ["--data-dir", str(tmp_path / "data")]
    assert CliRunner().invoke(app, ["check", str(clean), *data]).exit_code == 0
    assert CliRunner().invoke(app, ["check", str(tmp_path / "missing.txt"), *data]).exit_code == 2


def test_suggestion_only_for_same_kind_and_topic(registry):
    draft = ("Căn cứ Nghị định số 77/2012/NĐ-CP ngày 12/3/2012 của Chính phủ về quản lý đơn thư.\n"
             "Thực hiện Nghị định số 64/2015/NĐ-CP của Chính phủ quy định chi tiết thi hành một số điều của Luật "
             "Tiếp công dân.\n")
    unrelated, related = check_text(draft, "d.txt", registry).references
    (p1,) = unrelated.problems
    assert p1.code == "unknown_id" and p1.suggestion is None and "gần nhất" not in p1.message   # not 77/2008 (tư vấn pháp luật)
    (p2,) = related.problems
    assert p2.suggestion.startswith("Nghị định số 64/2014/NĐ-CP")
