"""Word export read back with python-docx and as raw XML: header, headings, paragraphs, footnotes, fonts."""

from __future__ import annotations

import html
import re
import zipfile

import docx
import pytest

from assistant.docx_export import FONT, export_docx, export_docx_from_json
from assistant.draft import DraftRequest, draft_report, draft_section, draft_to_json
from tests.assistant.draft_corpus import TIEP_DAN, draft_env

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    return draft_env(tmp_path_factory.mktemp("docx"))


def _parts(path):
    with zipfile.ZipFile(path) as z:
        return {name: z.read(name).decode("utf-8") for name in z.namelist() if name.endswith((".xml", ".rels"))}


def _footnotes(xml: str) -> list[str]:
    notes = re.findall(r'<w:footnote w:id="(\d+)">(.*?)</w:footnote>', xml, flags=re.S)
    return [html.unescape("".join(re.findall(r"<w:t[^>]*>([^<]*)</w:t>", body))) for _, body in notes]


FACTS = "Trong năm tiếp 12 lượt công dân; nhận 5 đơn, giải quyết 5"
OTHER_UNITS = ("Quang Khải", "Quang Trung", "Lam Sơn", "Tân Quang", "657,36", "16 đơn")


def test_submission_copy_quotes_no_other_unit(env, tmp_path):
    settings, retriever, embedder = env
    draft = draft_section(DraftRequest(section=TIEP_DAN, unit="UBND xã Ngọc Kỳ", year=2024, facts=FACTS,
                                       parent_units=("huyện Tứ Kỳ",)), settings, retriever, embedder)
    out = export_docx(draft, tmp_path / "nop.docx")
    parts = _parts(out)
    assert "word/footnotes.xml" not in parts and "<w:footnoteReference" not in parts["word/document.xml"]
    texts = [p.text for p in docx.Document(str(out)).paragraphs]
    body = "\n".join(texts)
    assert "Trong năm 2024, UBND xã Ngọc Kỳ đã tiếp 12 lượt công dân." in body
    assert not re.search(r"\[\d+\]", body)                     # no citation marks
    assert not any(term in body for term in OTHER_UNITS)           # nothing quoted from another unit
    consulted = texts[texts.index("Tài liệu tham khảo khi soạn thảo:") + 1:]
    assert consulted and all(t.startswith("- BÁO CÁO") for t in consulted) and len(consulted) <= len(draft.citations)
    assert not any("highlight" in p for p in parts["word/document.xml"].split("<w:r>") if "12 lượt" in p)


def test_review_copy_keeps_quotes_and_marks_kinds(env, tmp_path):
    settings, retriever, embedder = env
    draft = draft_section(DraftRequest(section=TIEP_DAN, unit="UBND xã Ngọc Kỳ", year=2024, facts=FACTS),
                          settings, retriever, embedder)
    out = export_docx(draft, tmp_path / "ra-soat.docx", review=True)
    document = docx.Document(str(out))
    assert any(p.text.startswith("Bản rà soát — chú giải loại câu") for p in document.paragraphs[:6])
    xml = _parts(out)["word/document.xml"]
    assert xml.count("<w:footnoteReference") == sum(len(s.citations) for s in draft.sentences)
    runs = [r for p in document.paragraphs for r in p.runs]
    clerk = [r for r in runs if "12 lượt công dân" in r.text]
    question = [r for r in runs if r.text.startswith("[Trong năm có tổ chức")]
    formula = [r for r in runs if r.text.startswith("Triển khai thực hiện có hiệu quả Chỉ thị 35-CT/TW")]
    assert clerk and str(clerk[0].font.highlight_color).startswith("BRIGHT_GREEN")
    assert question and str(question[0].font.highlight_color).startswith("YELLOW")
    assert formula and formula[0].font.highlight_color is None
    notes = _footnotes(_parts(out)["word/footnotes.xml"])
    assert any("Quang Trung" in n or "seeds/" in n for n in notes)   # the review copy does quote the precedents


def test_section_draft_to_docx(env, tmp_path):
    settings, retriever, embedder = env
    draft = draft_section(DraftRequest(section=TIEP_DAN, unit="UBND xã Ngọc Kỳ", year=2024,
                                       parent_units=("huyện Tứ Kỳ",)), settings, retriever, embedder)
    out = export_docx(draft, tmp_path / "muc.docx", review=True)
    document = docx.Document(str(out))

    header = [p.text for cell in document.tables[0].rows[0].cells for p in cell.paragraphs]
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in header and "Độc lập - Tự do - Hạnh phúc" in header
    assert "Số: …/BC-UBND" in header and "ỦY BAN NHÂN DÂN XÃ NGỌC KỲ" in header
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings == [TIEP_DAN]
    body = [p for p in document.paragraphs if p.text.startswith(draft.sentences[0].text[:30])]
    assert body and "[1]" not in body[0].text  # markers became footnote references
    assert document.styles["Normal"].font.name == FONT and document.styles["Normal"].font.size.pt == 14
    assert all(r.font.name == FONT for p in document.paragraphs for r in p.runs if r.text.strip())

    parts = _parts(out)
    markers = sum(len(s.citations) for s in draft.sentences)
    assert parts["word/document.xml"].count("<w:footnoteReference") == markers
    assert "footnotes+xml" in parts["[Content_Types].xml"]
    assert 'relationships/footnotes" Target="footnotes.xml"' in parts["word/_rels/document.xml.rels"]
    notes = _footnotes(parts["word/footnotes.xml"])
    assert len(notes) == markers
    first = draft.citations[draft.sentences[0].citations[0] - 1]
    assert notes[0].startswith(f" Nguồn [{first.n}]: {first.source}, mục “{first.section}”")
    assert 'w:type="separator"' in parts["word/footnotes.xml"] and FONT in parts["word/footnotes.xml"]


def test_outline_report_to_docx_and_from_json(env, tmp_path):
    settings, retriever, embedder = env
    draft = draft_report(DraftRequest(section="", outline=True, unit="UBND phường Đông Sơn", year=2024),
                         settings, retriever, embedder)
    for out in (export_docx(draft, tmp_path / "bc.docx", review=True),
                export_docx_from_json(draft_to_json(draft), tmp_path / "bc-json.docx", review=True)):
        document = docx.Document(str(out))
        headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
        assert headings == [s.heading for s in draft.sections]
        texts = [p.text for p in document.paragraphs]
        assert "BÁO CÁO" in texts and any(t.startswith("Kính gửi:") for t in texts)
        closing = [p.text for cell in document.tables[1].rows[0].cells for p in cell.paragraphs]
        assert "Nơi nhận:" in closing and "TM. ỦY BAN NHÂN DÂN" in closing and "[họ và tên]" in closing
        notes = _footnotes(_parts(out)["word/footnotes.xml"])
        assert len(notes) == sum(len(s.citations) for s in draft.sentences)
        assert all(re.match(r" Nguồn \[\d+\]: seeds/", n) for n in notes)
