"""The issue's "done when", end to end with the real model, the real OCR and the real app logic:
a directive that exists only in an uploaded Word file, and one only in a scanned PDF, are found by
``lookup`` and known to ``check``; a Windows-1258 corpus file breaks nothing."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from index.settings import SAMPLE_CORPUS, Settings
from bench.formats import libreoffice, missing_tools, scan_pdf
from tests.real_index import real_index  # noqa: F401  (session fixture)

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(bool(missing_tools()), reason=f"needs {missing_tools()} (make document-tools)")]

WORD_TEXT = [
    "ỦY BAN NHÂN DÂN HUYỆN TÂN YÊN",
    "Số: 1187/QĐ-UBND",
    "Tân Yên, ngày 15 tháng 3 năm 2024",
    "QUYẾT ĐỊNH",
    "Ban hành Quy chế quản lý, sử dụng nghĩa trang nhân dân trên địa bàn huyện",
    "Căn cứ Quyết định số 1187/QĐ-UBND ngày 15/3/2024 của UBND huyện Tân Yên ban hành Quy chế quản lý, sử dụng "
    "nghĩa trang nhân dân trên địa bàn huyện;",
    "Điều 1. Ban hành kèm theo Quyết định này Quy chế quản lý, sử dụng nghĩa trang nhân dân, quy hoạch khu "
    "an táng, hỏa táng và trồng cây xanh trong nghĩa trang.",
]
SCAN_TEXT = [
    "ỦY BAN NHÂN DÂN TỈNH BẮC GIANG",
    "Số: 07/CT-UBND",
    "Bắc Giang, ngày 20 tháng 5 năm 2024",
    "CHỈ THỊ",
    "Về tăng cường công tác phòng cháy, chữa cháy rừng mùa khô",
    "Thực hiện Chỉ thị số 07/CT-UBND ngày 20/5/2024 của UBND tỉnh Bắc Giang về tăng cường công tác phòng "
    "cháy, chữa cháy rừng mùa khô, các xã có rừng lập phương án chữa cháy rừng, tổ chức trực canh lửa "
    "trong những ngày nắng nóng kéo dài.",
]


def _cp1258(text: str) -> bytes:
    """How a legacy Windows editor saves Vietnamese: Windows-1258, tones as combining marks."""
    from tests.index.test_load import to_cp1258_form

    return to_cp1258_form(text).encode("cp1258")


def _word_file(lines: list[str], path: Path) -> Path:
    import docx

    document = docx.Document()
    for line in lines:
        document.add_paragraph(line)
    document.save(path)
    return path


@pytest.fixture(scope="module")
def clerk_setup(real_index, tmp_path_factory):  # noqa: F811
    """A copy of the real index and corpus, a cp1258 report added to the corpus folder, then one
    Word file uploaded through the app and one scanned PDF indexed from the command line's path."""
    from assistant.app import AppLogic
    from assistant.services import Services
    from index.build import build_index

    root = tmp_path_factory.mktemp("clerk")
    corpus = root / "corpus"
    shutil.copytree(SAMPLE_CORPUS, corpus)
    shutil.copytree(real_index.settings.data_dir, root / "data", ignore=shutil.ignore_patterns("uploads", "cache"))
    (corpus / "seeds" / "bao-cao-cu-cp1258.txt").write_bytes(_cp1258(
        "UBND XÃ NGỌC CHÂU\nBÁO CÁO\nKết quả hòa giải ở cơ sở năm 2019\n"
        "Thực hiện Chỉ thị số 26/CT-UBND ngày 12/6/2019 của UBND tỉnh Bắc Giang về công tác hòa giải ở cơ sở, "
        "xã đã kiện toàn 9 tổ hòa giải.\n"))
    settings = Settings(corpus_dir=corpus, data_dir=root / "data")
    staging = root / "staging"
    staging.mkdir()
    word = _word_file(WORD_TEXT, staging / "quy-che-nghia-trang.docx")
    text_pdf = libreoffice(_word_file(SCAN_TEXT, staging / "chi-thi-chay-rung.docx"), "pdf", staging)
    scan = scan_pdf(text_pdf, root / "chi-thi-chay-rung-scan.pdf")

    services = Services(settings, embedder=real_index.embedder)
    upload = AppLogic(services).upload([str(word)])
    report = build_index(settings, paths=[scan], embedder=real_index.embedder, progress=False)
    return settings, services, upload, report


def test_the_upload_and_the_scan_are_indexed_with_pages(clerk_setup):
    from index.store import IndexStore

    settings, _, upload, report = clerk_setup
    assert upload["stored"] == ["quy-che-nghia-trang.docx"] and "quy-che-nghia-trang.docx" in upload["added"]
    assert "seeds/bao-cao-cu-cp1258.txt" in upload["added"] and not upload["rejected"]
    assert report.added == ("chi-thi-chay-rung-scan.pdf",) and report.chunks_embedded < 20
    chunks = [c for c in IndexStore(settings).load().chunks if c.source == "chi-thi-chay-rung-scan.pdf"]
    assert chunks and all(c.meta["page_start"] == 1 for c in chunks)


@pytest.mark.parametrize("question, directive", [
    ("Quy chế quản lý, sử dụng nghĩa trang nhân dân", "1187/QĐ-UBND@huyện Tân Yên"),
    ("văn bản nào chỉ đạo phòng cháy, chữa cháy rừng mùa khô", "07/CT-UBND@tỉnh Bắc Giang"),
    ("hòa giải ở cơ sở năm 2019 tỉnh Bắc Giang chỉ thị", "26/CT-UBND@tỉnh Bắc Giang"),
])
def test_lookup_finds_directives_known_only_from_the_clerks_files(clerk_setup, question, directive):
    from assistant.lookup import lookup

    settings, services, _, _ = clerk_setup
    found = lookup(question, k=3, settings=settings, registry=services.registry, retriever=services.retriever)
    ids = [d.id for d in found.directives]
    print(f"lookup {question!r}: {ids}")
    assert directive in ids


def test_check_knows_them(clerk_setup, tmp_path):
    from typer.testing import CliRunner

    from assistant.cli import app

    settings, _, _, _ = clerk_setup
    draft = tmp_path / "du-thao.txt"
    draft.write_text("Căn cứ Quyết định số 1187/QĐ-UBND ngày 15/3/2024 của UBND huyện Tân Yên;\n"
                     "Thực hiện Chỉ thị số 07/CT-UBND ngày 21/5/2024 của UBND tỉnh Bắc Giang;\n"
                     "Theo Chỉ thị số 26/CT-UBND ngày 12/6/2019 của UBND tỉnh Bắc Giang.\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["check", str(draft), "--json", "--data-dir", str(settings.data_dir)],
                                env={"SOANTHAO_CORPUS_DIR": str(settings.corpus_dir)})
    assert result.exit_code == 1, result.output      # a problem was found (issue 18: exit 1)
    refs = json.loads(result.output)["references"]
    codes = {r["id"]: [p["code"] for p in r["problems"]] for r in refs}
    assert codes == {"1187/QĐ-UBND@huyện Tân Yên": [], "07/CT-UBND@tỉnh Bắc Giang": ["date_mismatch"],
                     "26/CT-UBND@tỉnh Bắc Giang": []}


def test_a_cp1258_corpus_file_breaks_no_reader(clerk_setup):
    from typer.testing import CliRunner

    from assistant.cli import app

    settings, services, _, _ = clerk_setup
    env = {"SOANTHAO_CORPUS_DIR": str(settings.corpus_dir)}
    for command in (["lookup", "hòa giải ở cơ sở", "--json"],
                    ["check", str(settings.corpus_dir / "seeds" / "bao-cao-cu-cp1258.txt"), "--json"]):
        result = CliRunner().invoke(app, [*command, "--data-dir", str(settings.data_dir)], env=env)
        assert result.exit_code == 0, result.output
        json.loads(result.output)
    mention = services.registry.get("26/CT-UBND@tỉnh Bắc Giang").mentions[0]
    assert mention.source == "seeds/bao-cao-cu-cp1258.txt" and "9 tổ hòa giải" in mention.sentence
