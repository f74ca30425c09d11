"""Every format a clerk keeps, on real files made here: scans (Tesseract), mixed PDFs, images, .doc/.odt
(LibreOffice), UTF-16 without a mark; page numbers; the OCR cache; a missing tool rejects only its file."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from index.errors import MissingToolError, UnreadableFileError
from index.extract_cache import ExtractionCache, Extracted
from index.load import decode_text, load_file
from index.pages import join_pages, page_label, page_of_line
from index.pipeline import ingest_paths
from index.settings import Settings

DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
REPORT = ["ỦY BAN NHÂN DÂN XÃ SONG VÂN", "BÁO CÁO", "Kết quả thực hiện dân chủ ở cơ sở năm 2024",
          "Thực hiện Chỉ thị số 33/CT-TTg ngày 26/11/2021 của Thủ tướng Chính phủ về công tác dân vận."]
needs_ocr = pytest.mark.skipif(shutil.which("tesseract") is None or shutil.which("pdftoppm") is None,
                               reason="Tesseract/Poppler not installed (make document-tools)")
needs_office = pytest.mark.skipif(shutil.which("soffice") is None,
                                  reason="LibreOffice not installed (make document-tools)")


def page_image(lines: list[str], path: Path, size: int = 36) -> Path:
    """A printed page as a scanner sees it: black text on white, 200 dpi-like letter size."""
    from PIL import Image, ImageDraw, ImageFont

    if not DEJAVU.exists():
        pytest.skip(f"no Unicode TTF font at {DEJAVU}")
    font = ImageFont.truetype(str(DEJAVU), size)
    image = Image.new("L", (1700, 200 + 80 * len(lines)), 255)
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((100, 100 + 80 * i), line, font=font, fill=0)
    image.save(path)
    return path


def text_pdf_page(lines: list[str]):
    fpdf = pytest.importorskip("fpdf")
    pdf = fpdf.FPDF()
    pdf.add_font("DejaVu", fname=str(DEJAVU))
    pdf.set_font("DejaVu", size=12)
    pdf.add_page()
    for line in lines:
        pdf.cell(text=line)
        pdf.ln()
    return pdf


def mixed_pdf(tmp_path: Path) -> Path:
    """Page 1 has a text layer; page 2 is only an image of printed text (a scanned page)."""
    pdf = text_pdf_page(REPORT[:3])
    pdf.add_page()
    pdf.image(str(page_image(REPORT[3:], tmp_path / "scan-page.png")), x=10, y=10, w=190)
    path = tmp_path / "hon-hop.pdf"
    path.write_bytes(bytes(pdf.output()))
    return path


def without(tool: str, monkeypatch) -> None:
    """Run as on a machine where ``tool`` is not installed (PATH holds everything else)."""
    real = shutil.which

    def which(command, *args, **kwargs):
        return None if command == tool else real(command, *args, **kwargs)

    monkeypatch.setattr(shutil, "which", which)


# --- plain text -------------------------------------------------------------------------------


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_byte_order_mark(codec):
    text = "Ủy ban nhân dân xã Song Vân\nBáo cáo năm 2024"
    assert decode_text(text.encode(codec)) == (text, "utf-16")


def test_pages_and_their_labels():
    text, starts = join_pages(["a\nb", "c", "d\ne\nf"])
    assert text == "a\nb\nc\nd\ne\nf" and starts == (1, 3, 4)
    assert [page_of_line(starts, n) for n in (1, 2, 3, 4, 6)] == [1, 1, 2, 3, 3]
    assert page_of_line((), 5) is None
    assert page_label({"page_start": 3, "page_end": 3}) == "trang 3"
    assert page_label({"page_start": 3, "page_end": 4}) == "trang 3–4"
    assert page_label({"year": 2024}) is None


def test_word_heading_styles_become_heading_marks(tmp_path):
    import docx

    document = docx.Document()
    document.add_paragraph("Quan điểm", style="Heading 3")
    document.add_paragraph("Được sự quan tâm chỉ đạo sâu sát của cấp ủy.")
    document.save(tmp_path / "a.docx")
    assert load_file(tmp_path / "a.docx", tmp_path).text == "### Quan điểm\nĐược sự quan tâm chỉ đạo sâu sát của cấp ủy."


# --- OCR ------------------------------------------------------------------------------------------


@needs_ocr
def test_mixed_pdf_reads_the_text_layer_and_ocrs_the_scanned_page(tmp_path):
    loaded = load_file(mixed_pdf(tmp_path), tmp_path)
    assert (loaded.encoding, loaded.ocr_pages) == ("pdf+ocr", (2,))
    lines = loaded.text.split("\n")
    assert lines[:3] == REPORT[:3]
    assert loaded.pages == (1, 4)
    scanned = " ".join(lines[3:])
    assert "Chỉ thị số 33/CT-TTg ngày 26/11/2021" in scanned and "Thủ tướng Chính phủ" in scanned


@needs_ocr
def test_image_files_are_read_by_ocr_page_by_page(tmp_path):
    from PIL import Image

    png = page_image(REPORT[:2], tmp_path / "trang.png")
    loaded = load_file(png, tmp_path)
    assert loaded.encoding == "ocr" and loaded.pages == (1,)
    assert "ỦY BAN NHÂN DÂN XÃ SONG VÂN" in loaded.text
    frames = [Image.open(page_image([line], tmp_path / f"f{i}.png")) for i, line in enumerate(REPORT[1:3])]
    frames[0].save(tmp_path / "hai-trang.tif", save_all=True, append_images=frames[1:])
    tiff = load_file(tmp_path / "hai-trang.tif", tmp_path)
    assert tiff.ocr_pages == (1, 2) and len(tiff.pages) == 2
    second = tiff.text.split("\n")[tiff.pages[1] - 1:]
    assert "Kết quả thực hiện dân chủ" in " ".join(second)


@needs_ocr
def test_ocr_text_is_cached_by_content_hash(tmp_path, monkeypatch):
    cache = ExtractionCache(tmp_path / "cache")
    path = mixed_pdf(tmp_path)
    first = load_file(path, tmp_path, cache=cache)
    without("tesseract", monkeypatch)                  # a second read never runs Tesseract again
    again = load_file(path, tmp_path, cache=cache)
    assert (again.text, again.pages, again.ocr_pages) == (first.text, first.pages, first.ocr_pages)
    assert cache.prune([]) == 1
    with pytest.raises(MissingToolError):
        load_file(path, tmp_path, cache=cache)


def test_extraction_cache_is_keyed_by_extractor(tmp_path):
    cache = ExtractionCache(tmp_path)
    cache.put("ab" * 32, "ocr=1;dpi=300", Extracted("chữ", "ocr", (1,), (1,)))
    assert cache.get("ab" * 32, "ocr=1;dpi=300") == Extracted("chữ", "ocr", (1,), (1,))
    assert cache.get("ab" * 32, "ocr=1;dpi=200") is None and cache.get("cd" * 32, "ocr=1;dpi=300") is None
    assert cache.prune(["ab" * 32]) == 0 and cache.prune([]) == 1


# --- missing tools ----------------------------------------------------------------------------------


def test_missing_tesseract_rejects_only_the_scan_and_names_the_package(tmp_path, monkeypatch):
    pytest.importorskip("fpdf")
    if not DEJAVU.exists():
        pytest.skip("no Unicode font")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    mixed_pdf(corpus)
    (corpus / "bao-cao.txt").write_text("\n".join(REPORT), encoding="utf-8")
    without("tesseract", monkeypatch)
    result = ingest_paths([corpus], corpus, Settings(corpus_dir=corpus, data_dir=tmp_path / "data"))
    entries = {e.source: e for e in result.entries}
    assert entries["bao-cao.txt"].status == "indexed"
    scan = entries["hon-hop.pdf"]
    assert scan.status == "rejected"
    assert "Tesseract OCR" in scan.reason and "apt-get install tesseract-ocr tesseract-ocr-vie" in scan.reason


def test_missing_vietnamese_data_names_its_package(tmp_path, monkeypatch):
    from index import ocr

    monkeypatch.setattr(shutil, "which", lambda command, *a, **k: f"/usr/bin/{command}")
    monkeypatch.setattr(ocr, "tesseract_languages", lambda executable: frozenset({"eng", "osd"}))
    with pytest.raises(MissingToolError, match="apt-get install tesseract-ocr-vie"):
        ocr.require_tesseract(tmp_path / "scan.pdf", "vie")


def test_missing_libreoffice_rejects_a_doc_file_with_the_package_name(tmp_path, monkeypatch):
    (tmp_path / "cu.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504)
    without("soffice", monkeypatch)
    with pytest.raises(MissingToolError, match="apt-get install libreoffice-writer-nogui"):
        load_file(tmp_path / "cu.doc", tmp_path)


# --- LibreOffice -------------------------------------------------------------------------------------


@needs_office
@pytest.mark.parametrize("target", ["doc", "odt"])
def test_doc_and_odt_are_read_like_the_word_file_they_came_from(tmp_path, target):
    import docx

    document = docx.Document()
    for line in REPORT:
        document.add_paragraph(line)
    document.save(tmp_path / "bao-cao.docx")
    (tmp_path / "out").mkdir()
    subprocess.run(["soffice", f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
                    "--convert-to", target, "--outdir", str(tmp_path / "out"), str(tmp_path / "bao-cao.docx")],
                   check=True, capture_output=True, timeout=300)
    cache = ExtractionCache(tmp_path / "cache")
    loaded = load_file(tmp_path / "out" / f"bao-cao.{target}", tmp_path, cache=cache)
    assert loaded.encoding == f"{target}→docx"
    assert loaded.text == load_file(tmp_path / "bao-cao.docx", tmp_path).text
    assert list((tmp_path / "cache").glob("*.json"))           # converted once, kept by content hash


@needs_office
def test_a_damaged_or_fake_doc_is_rejected_with_the_reason(tmp_path):
    (tmp_path / "gia.doc").write_bytes(b"\xd0\xcf\x11\xe0 not really a Word file")
    with pytest.raises(UnreadableFileError, match="not a valid .doc file"):
        load_file(tmp_path / "gia.doc", tmp_path)
    (tmp_path / "a.txt").write_text("\n".join(REPORT * 200), encoding="utf-8")
    subprocess.run(["soffice", f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
                    "--convert-to", "doc", "--outdir", str(tmp_path), str(tmp_path / "a.txt")],
                   check=True, capture_output=True, timeout=300)
    whole = (tmp_path / "a.doc").read_bytes()
    (tmp_path / "cut.doc").write_bytes(whole[:len(whole) // 2])          # a copy that stopped half-way
    with pytest.raises(UnreadableFileError, match="LibreOffice could not open the file"):
        load_file(tmp_path / "cut.doc", tmp_path)
