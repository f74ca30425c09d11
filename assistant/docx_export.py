"""Export a draft to Word in the usual administrative format, citations as real footnotes.

Format (after Nghị định 30/2020/NĐ-CP on administrative documents): A4, margins
2 cm top/bottom, 3 cm left, 2 cm right; Times New Roman, 14 pt body, 13 pt header;
the issuing body and ``Số: …/BC-UBND`` on the left, quốc hiệu "CỘNG HÒA XÃ HỘI CHỦ
NGHĨA VIỆT NAM" and tiêu ngữ "Độc lập - Tự do - Hạnh phúc" on the right, place and
date in italics; centred title and trích yếu; Roman-numbered headings; the closing
block with ``Nơi nhận`` and the signature.

Two exports of one draft:

* the **submission** copy (default) is what the unit files: no citation marks, no footnotes,
  nothing quoted from another unit; at the end, a short list of the documents consulted, by
  title. Questions left for the clerk stay in brackets, to be answered before filing;
* the **review** copy (``review=True``) keeps the evidence: a real footnote per citation quoting
  the passage used, each sentence highlighted by its kind (formula, the clerk's facts, the unit's
  own earlier document, question for the clerk) with a legend, and the notes (legal basis
  updated, sentences left out) at the end.

python-docx has no footnote API, so the footnotes part is written here: a
``/word/footnotes.xml`` part (separator and continuation separator, then one
``w:footnote`` per citation marker) related to the document part, and a
``w:footnoteReference`` run where each ``[n]`` stood. Each footnote names the
source document and its section, then quotes the passage used.

Example:
    >>> export_docx(draft, Path("bao-cao.docx"))                      # doctest: +SKIP
    >>> export_docx(draft, Path("bao-cao-ra-soat.docx"), review=True) # doctest: +SKIP
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence
from xml.sax.saxutils import escape

from assistant.draft import Draft, DraftRequest, report_frame
from assistant.errors import InvalidRequestError

log = logging.getLogger(__name__)

__all__ = ["export_docx", "export_docx_from_json", "FONT", "BODY_PT", "HEADER_PT", "KIND_MARKS"]

FONT = "Times New Roman"
BODY_PT = 14
HEADER_PT = 13
FOOTNOTE_PT = 10
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_ROMAN_HEADING = re.compile(r"^[IVX]+\.\s+\S")
# Review copy: how each sentence's origin is shown (highlight colour, legend label).
KIND_MARKS: dict[str, tuple[str | None, str]] = {
    "precedent": (None, "công thức (đúng với mọi đơn vị), từ văn bản tham khảo"),
    "clerk": ("BRIGHT_GREEN", "số liệu do đơn vị cung cấp"),
    "own_unit": ("TURQUOISE", "từ văn bản trước đây của chính đơn vị"),
    "question": ("YELLOW", "câu hỏi cho cán bộ: cần trả lời trước khi nộp"),
}


@dataclass(frozen=True)
class _Source:
    n: int
    source: str
    section: str
    quote: str
    title: str = ""
    doc_id: str = ""


@dataclass(frozen=True)
class _Sentence:
    text: str
    citations: tuple[int, ...]
    origin: str = "precedent"


@dataclass(frozen=True)
class _Doc:
    header: tuple[str, ...]
    title: str
    opening: tuple[str, ...]
    sections: tuple[tuple[str, tuple[_Sentence, ...]], ...]
    closing: tuple[str, ...]
    sources: dict[int, _Source]
    notes: tuple[str, ...] = ()


def _sentence(text: str, citations: Any, origin: str | None) -> _Sentence:
    return _Sentence(text, tuple(int(n) for n in citations or ()), origin or "precedent")


def _from_draft(draft: Draft) -> _Doc:
    header, title, opening, closing = report_frame(draft.request)
    if draft.header:
        header, title, closing = draft.header, draft.title or title, draft.closing or closing
        opening = tuple(draft.opening.split("\n")) if draft.opening else opening
    sections = tuple((sec.heading, tuple(_sentence(s.text, s.citations, s.origin) for s in sec.sentences))
                     for sec in draft.sections) or \
        ((draft.request.section, tuple(_sentence(s.text, s.citations, s.origin) for s in draft.sentences)),)
    sources = {c.n: _Source(c.n, c.source, c.section, c.quote or c.text, c.title, c.doc_id) for c in draft.citations}
    notes = tuple(c.note for c in draft.legal_basis)
    return _Doc(header, title, opening, sections, closing, sources, notes)


def _from_json(payload: dict[str, Any]) -> _Doc:
    req = payload.get("request") or {}
    try:
        request = DraftRequest(
            section=req.get("section") or "", unit=req.get("unit") or "", year=int(req.get("year") or 0),
            unit_level=req.get("unit_level"), parent_units=tuple(req.get("parent_units") or ()),
            kind=req.get("kind") or "báo cáo", outline=bool(req.get("outline")),
        )
    except (TypeError, ValueError) as exc:
        raise InvalidRequestError(f"Bản nháp JSON thiếu thông tin yêu cầu / draft JSON has no valid request: {exc}") from exc
    header, title, opening, closing = report_frame(request)
    sources = {int(c["n"]): _Source(int(c["n"]), c.get("source", ""), c.get("section", ""),
                                    c.get("quote") or c.get("text", ""), c.get("title", ""), c.get("doc_id", ""))
               for c in payload.get("citations", [])}
    sentences = [_sentence(s.get("text", ""), s.get("citations"), s.get("origin"))
                 for s in payload.get("sentences", []) if s.get("text")]
    notes = tuple(c.get("note", "") for c in payload.get("legal_basis", []) if c.get("note"))
    report = payload.get("report") or {}
    if not request.outline or not report.get("sections"):
        return _Doc(header, title, opening, ((request.section, tuple(sentences)),), closing, sources, notes)
    sections: list[tuple[str, tuple[_Sentence, ...]]] = []
    pos = 0
    for sec in report["sections"]:
        count = int(sec.get("sentences", 0))
        sections.append((sec.get("heading", ""), tuple(sentences[pos:pos + count])))
        pos += count
    header = tuple(report.get("header") or header)
    title = report.get("title") or title
    opening = tuple((report.get("opening") or "").split("\n")) if report.get("opening") else opening
    closing = tuple(report.get("closing") or closing)
    return _Doc(header, title, opening, tuple(sections), closing, sources, notes)


def _set_run_font(run: Any, size: float | None = None, bold: bool | None = None, italic: bool | None = None) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    run.font.name = FONT
    rpr = run._element.get_or_add_rPr()
    fonts = rpr.get_or_add_rFonts()
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), FONT)
    if size is not None:
        run.font.size = Pt(size)
    if bold is not None:
        run.font.bold = bold
    if italic is not None:
        run.font.italic = italic


def _style_document(document: Any) -> None:
    from docx.enum.section import WD_ORIENT
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt, RGBColor

    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(2), Cm(2)
    section.left_margin, section.right_margin = Cm(3), Cm(2)
    for name, size, bold in (("Normal", BODY_PT, False), ("Heading 1", BODY_PT, True), ("Heading 2", BODY_PT, True)):
        style = document.styles[name]
        style.font.name = FONT
        style.font.size = Pt(size)
        style.font.bold = bold
        style.font.italic = False
        style.font.color.rgb = RGBColor(0, 0, 0)
        rpr = style.element.get_or_add_rPr()
        fonts = rpr.get_or_add_rFonts()
        for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
            fonts.set(qn(attr), FONT)
        for theme_attr in ("w:asciiTheme", "w:hAnsiTheme", "w:cstheme", "w:eastAsiaTheme"):
            fonts.attrib.pop(qn(theme_attr), None)
        style.paragraph_format.space_before = Pt(6)
        style.paragraph_format.space_after = Pt(6)


def _cell_lines(cell: Any, lines: Sequence[tuple[str, bool, bool]], size: float) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    cell.paragraphs[0].text = ""
    for i, (text, bold, italic) in enumerate(lines):
        par = cell.paragraphs[0] if i == 0 else cell.add_paragraph()
        par.alignment = WD_ALIGN_PARAGRAPH.CENTER
        par.paragraph_format.space_after = 0
        _set_run_font(par.add_run(text), size, bold, italic)


def _footnote_text(src: _Source | None, n: int) -> str:
    if src is None:
        return f"Nguồn [{n}]: không xác định."
    quote = re.sub(r"\s+", " ", src.quote).strip()
    if len(quote) > 300:
        quote = quote[:297].rstrip() + "…"
    return f"Nguồn [{n}]: {src.source}, mục “{src.section}”: “{quote}”"


def _add_footnote_ref(paragraph: Any, footnote_id: int) -> None:
    from docx.oxml import parse_xml

    run = paragraph.add_run()
    _set_run_font(run, BODY_PT)
    run._element.append(parse_xml(f'<w:footnoteReference xmlns:w="{W_NS}" w:id="{footnote_id}"/>'))
    rpr = run._element.get_or_add_rPr()
    rpr.append(parse_xml(f'<w:vertAlign xmlns:w="{W_NS}" w:val="superscript"/>'))


def _footnotes_xml(notes: Sequence[str]) -> bytes:
    fonts = f'<w:rFonts w:ascii="{FONT}" w:hAnsi="{FONT}" w:cs="{FONT}" w:eastAsia="{FONT}"/>'
    size = f'<w:sz w:val="{FOOTNOTE_PT * 2}"/><w:szCs w:val="{FOOTNOTE_PT * 2}"/>'
    parts = [
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:footnotes xmlns:w="{W_NS}">',
        '<w:footnote w:type="separator" w:id="-1"><w:p><w:pPr><w:spacing w:after="0" w:line="240" '
        'w:lineRule="auto"/></w:pPr><w:r><w:separator/></w:r></w:p></w:footnote>',
        '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:pPr><w:spacing w:after="0" w:line="240" '
        'w:lineRule="auto"/></w:pPr><w:r><w:continuationSeparator/></w:r></w:p></w:footnote>',
    ]
    for i, text in enumerate(notes, start=1):
        parts.append(
            f'<w:footnote w:id="{i}"><w:p><w:pPr><w:spacing w:after="0"/><w:jc w:val="both"/></w:pPr>'
            f'<w:r><w:rPr>{fonts}{size}<w:vertAlign w:val="superscript"/></w:rPr><w:footnoteRef/></w:r>'
            f'<w:r><w:rPr>{fonts}{size}</w:rPr><w:t xml:space="preserve"> {escape(text)}</w:t></w:r></w:p></w:footnote>'
        )
    parts.append("</w:footnotes>")
    return "".join(parts).encode("utf-8")


def _attach_footnotes(document: Any, notes: Sequence[str]) -> None:
    from docx.opc.constants import CONTENT_TYPE as CT
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part

    part = Part(PackURI("/word/footnotes.xml"), CT.WML_FOOTNOTES, _footnotes_xml(notes), document.part.package)
    document.part.relate_to(part, RT.FOOTNOTES)


def _add_sentence(par: Any, sentence: _Sentence, doc: _Doc, notes: list[str], review: bool) -> None:
    """One sentence into the paragraph: plain for the submission copy; highlighted by its kind,
    with a footnote reference per citation before the final stop, for the review copy."""
    from docx.enum.text import WD_COLOR_INDEX

    text = sentence.text
    stop = re.search(r"([.!?…]+[”\"»)]*)$", text)
    body, end = (text[: stop.start()], stop.group(1)) if stop else (text, "")
    colour = KIND_MARKS.get(sentence.origin, (None, ""))[0] if review else None
    runs = [par.add_run(body)]
    _set_run_font(runs[0], BODY_PT)
    if review:
        for n in sentence.citations:
            notes.append(_footnote_text(doc.sources.get(n), n))
            _add_footnote_ref(par, len(notes))
    tail = par.add_run(end + " ")
    _set_run_font(tail, BODY_PT)
    runs.append(tail)
    if colour:
        for run in runs:
            run.font.highlight_color = getattr(WD_COLOR_INDEX, colour)


def _consulted(doc: _Doc) -> list[str]:
    """Titles of the documents consulted (not their text), once each; the clerk's own facts are not listed."""
    titles: dict[str, str] = {}
    for src in doc.sources.values():
        if src.doc_id == "clerk_facts":
            continue
        title = re.sub(r"\s+", " ", src.title or src.source).strip()
        titles.setdefault(src.doc_id or src.source, title[:1].upper() + title[1:])
    return list(dict.fromkeys(titles.values()))


def _write(doc: _Doc, path: Path, review: bool = False) -> Path:
    import docx
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm

    document = docx.Document()
    _style_document(document)

    # Header block: issuing body + number on the left, quốc hiệu + tiêu ngữ + place/date on the right.
    body_name, number, national, motto, place_date = (list(doc.header) + [""] * 5)[:5]
    table = document.add_table(rows=1, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    left, right = table.rows[0].cells
    left.width, right.width = Cm(6.5), Cm(9.5)
    _cell_lines(left, [(body_name, True, False), ("———", False, False), (number, False, False)], HEADER_PT)
    _cell_lines(right, [(national, True, False), (motto, True, False), ("———", False, False),
                        (place_date, False, True)], HEADER_PT)

    title, _, summary = doc.title.partition("\n")
    for text, bold in ((title, True), (summary, True)):
        par = document.add_paragraph()
        par.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _set_run_font(par.add_run(text), BODY_PT, bold)
    for line in doc.opening:
        par = document.add_paragraph()
        if line.startswith("Kính gửi"):
            par.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _set_run_font(par.add_run(line), BODY_PT)

    if review:
        from docx.enum.text import WD_COLOR_INDEX

        legend = document.add_paragraph()
        _set_run_font(legend.add_run("Bản rà soát — chú giải loại câu: "), 12, bold=True)
        for origin, (colour, label) in KIND_MARKS.items():
            run = legend.add_run(f"{label}; ")
            _set_run_font(run, 12)
            if colour:
                run.font.highlight_color = getattr(WD_COLOR_INDEX, colour)

    notes: list[str] = []
    for heading, sentences in doc.sections:
        if heading:
            h = document.add_heading(level=1 if _ROMAN_HEADING.match(heading) else 2)
            _set_run_font(h.add_run(heading), BODY_PT, True)
        if not sentences:
            continue
        par = document.add_paragraph()
        par.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        par.paragraph_format.first_line_indent = Cm(1)
        for sentence in sentences:
            _add_sentence(par, sentence, doc, notes, review)

    closing = list(doc.closing)
    if closing and closing[0].startswith("Trên đây là"):
        par = document.add_paragraph()
        par.paragraph_format.first_line_indent = Cm(1)
        _set_run_font(par.add_run(closing.pop(0)), BODY_PT)
    split = next((i for i, line in enumerate(closing) if line.startswith(("TM.", "KT.", "CHỦ TỊCH"))), len(closing))
    sign = document.add_table(rows=1, cols=2)
    recipients, signature = sign.rows[0].cells
    recipients.paragraphs[0].text = ""
    for i, line in enumerate(closing[:split]):
        par = recipients.paragraphs[0] if i == 0 else recipients.add_paragraph()
        par.paragraph_format.space_after = 0
        _set_run_font(par.add_run(line), 12 if i == 0 else 11, bold=(i == 0), italic=(i == 0))
    _cell_lines(signature, [(line, not line.startswith("["), line.startswith("[")) for line in closing[split:]], BODY_PT)

    consulted = _consulted(doc)
    if consulted:
        par = document.add_paragraph()
        _set_run_font(par.add_run("Tài liệu tham khảo khi soạn thảo:"), 12, bold=True, italic=True)
        for title in consulted:
            item = document.add_paragraph()
            item.paragraph_format.space_after = 0
            _set_run_font(item.add_run(f"- {title}"), 12)
    if review and doc.notes:
        par = document.add_paragraph()
        _set_run_font(par.add_run("Ghi chú khi soạn thảo:"), 12, bold=True, italic=True)
        for note in dict.fromkeys(doc.notes):
            item = document.add_paragraph()
            item.paragraph_format.space_after = 0
            _set_run_font(item.add_run(f"- {note}"), 12)
    if notes:
        _attach_footnotes(document, notes)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))
    log.info("wrote %s with %d footnotes", path, len(notes))
    return path


def export_docx(draft: Draft, path: Path | str, review: bool = False) -> Path:
    """Write ``draft`` (section or whole report) to ``path`` as .docx: the submission copy, or with
    ``review`` the copy with quotes and sentence kinds; returns the path."""
    return _write(_from_draft(draft), Path(path), review)


def export_docx_from_json(payload: dict[str, Any], path: Path | str, review: bool = False) -> Path:
    """Same, from the ``draft --json`` payload (what the app keeps between steps)."""
    return _write(_from_json(payload), Path(path), review)
