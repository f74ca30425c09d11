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


def test_section_draft_to_docx(env, tmp_path):
    settings, retriever, embedder = env
    draft = draft_section(DraftRequest(section=TIEP_DAN, unit="UBND xã Ngọc Kỳ", year=2024,
                                       parent_units=("huyện Tứ Kỳ",)), settings, retriever, embedder)
    out = export_docx(draft, tmp_path / "muc.docx")
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
    for out in (export_docx(draft, tmp_path / "bc.docx"),
                export_docx_from_json(draft_to_json(draft), tmp_path / "bc-json.docx")):
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
