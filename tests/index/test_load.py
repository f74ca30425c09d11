"""Loader tests on real files written inside each test (txt in three encodings, docx, pdf, bad inputs)."""

from __future__ import annotations

import hashlib
import shutil
import unicodedata
from pathlib import Path

import pytest

from index.errors import UnreadableFileError
from index.load import (
    SUPPORTED_EXTENSIONS,
    decode_text,
    iter_corpus_files,
    load_file,
    load_many,
)

VIETNAMESE = "Cộng hòa xã hội chủ nghĩa Việt Nam\nĐộc lập - Tự do - Hạnh phúc\nỦy ban nhân dân xã Song Vân"
DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def to_cp1258_form(text: str) -> str:
    """Windows-1258 has precomposed â ê ô ơ ư ă đ but puts most tones as combining marks.

    Python's codec only maps what the code page has, so split each letter into its
    base (with circumflex/breve/horn) plus a combining tone mark.
    """
    tones = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
    out = []
    for ch in text:
        parts = unicodedata.normalize("NFD", ch)
        base = unicodedata.normalize("NFC", "".join(p for p in parts if p not in tones))
        out.append(base + "".join(p for p in parts if p in tones))
    return "".join(out)


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


# --- encodings -------------------------------------------------------------------------------


def test_utf8_text_is_loaded_with_relative_source_and_raw_hash(tmp_path):
    data = VIETNAMESE.encode("utf-8")
    (tmp_path / "seeds").mkdir()
    path = write(tmp_path / "seeds", "bao-cao.txt", data)
    loaded = load_file(path, tmp_path)
    assert loaded.text == VIETNAMESE
    assert loaded.encoding == "utf-8"
    assert loaded.source == "seeds/bao-cao.txt"
    assert loaded.content_hash == hashlib.sha256(data).hexdigest()


def test_utf8_bom_is_dropped(tmp_path):
    path = write(tmp_path, "bom.md", b"\xef\xbb\xbf" + "# Tiêu đề\nNội dung".encode("utf-8"))
    loaded = load_file(path, tmp_path)
    assert loaded.text == "# Tiêu đề\nNội dung"
    assert loaded.encoding == "utf-8"


def test_utf16_with_bom_and_crlf(tmp_path):
    path = write(tmp_path, "utf16.txt", VIETNAMESE.replace("\n", "\r\n").encode("utf-16"))
    loaded = load_file(path, tmp_path)
    assert loaded.encoding == "utf-16"
    assert loaded.text == VIETNAMESE        # BOM gone, CRLF → LF


def test_windows_1258_round_trip(tmp_path):
    cp_form = to_cp1258_form(VIETNAMESE)
    data = cp_form.encode("cp1258")
    assert data.decode("cp1258") == cp_form                       # the codec itself round-trips
    path = write(tmp_path, "cp1258.txt", data)
    loaded = load_file(path, tmp_path)
    assert loaded.encoding == "cp1258"
    assert loaded.text == cp_form                                  # not normalized here …
    assert not unicodedata.is_normalized("NFC", loaded.text)
    assert unicodedata.normalize("NFC", loaded.text) == VIETNAMESE  # … normalize makes it NFC


def test_outside_corpus_root_source_is_file_name(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    path = write(tmp_path / "a", "x.txt", b"Xin chao")
    assert load_file(path, tmp_path / "b").source == "x.txt"


def test_real_seed_loads_as_utf8(sample_corpus, seed_paths):
    loaded = load_file(seed_paths[4], sample_corpus)
    assert loaded.source == "seeds/004_bf2fac1579fa6850.txt"
    assert loaded.encoding == "utf-8"
    assert "C Ỉ ĐẠO" in loaded.text           # damage is left for normalize


# --- docx and pdf ----------------------------------------------------------------------------


def make_docx(path: Path) -> Path:
    import docx

    document = docx.Document()
    document.add_paragraph("BÁO CÁO")
    document.add_paragraph("Kết quả tiếp công dân năm 2024")
    table = document.add_table(rows=2, cols=3)
    for col, text in enumerate(["STT", "Nội dung", "Kết quả"]):
        table.cell(0, col).text = text
    for col, text in enumerate(["1", "Tiếp dân định kỳ", "12 lượt"]):
        table.cell(1, col).text = text
    document.add_paragraph("Trên đây là báo cáo của UBND xã.")
    document.save(str(path))
    return path


def test_docx_paragraphs_and_table_rows_in_order(tmp_path):
    path = make_docx(tmp_path / "bao-cao.docx")
    loaded = load_file(path, tmp_path)
    assert loaded.encoding == "docx"
    assert loaded.text.split("\n") == [
        "BÁO CÁO",
        "Kết quả tiếp công dân năm 2024",
        "STT | Nội dung | Kết quả",
        "1 | Tiếp dân định kỳ | 12 lượt",
        "Trên đây là báo cáo của UBND xã.",
    ]


def make_pdf(path: Path, pages: list[list[str]]) -> Path:
    fpdf = pytest.importorskip("fpdf")
    if not DEJAVU.exists():
        pytest.skip(f"no Unicode TTF font at {DEJAVU}")
    pdf = fpdf.FPDF()
    pdf.add_font("DejaVu", fname=str(DEJAVU))
    pdf.set_font("DejaVu", size=12)
    for lines in pages:
        pdf.add_page()
        if not lines:
            pdf.rect(20, 20, 100, 60)       # a drawing, no text: what a scan looks like
        for line in lines:
            pdf.cell(text=line)
            pdf.ln()
    path.write_bytes(bytes(pdf.output()))
    return path


def test_pdf_vietnamese_text_round_trips(tmp_path):
    path = make_pdf(
        tmp_path / "bao-cao.pdf",
        [["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"], ["Phương hướng, nhiệm vụ năm 2024"]],
    )
    loaded = load_file(path, tmp_path)
    assert loaded.encoding == "pdf"
    assert loaded.text.split("\n") == [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Phương hướng, nhiệm vụ năm 2024",
    ]


@pytest.mark.skipif(shutil.which("tesseract") is None or shutil.which("pdftoppm") is None,
                    reason="Tesseract/Poppler not installed (make document-tools)")
def test_pdf_page_without_text_layer_is_read_by_ocr_and_a_blank_one_refused(tmp_path):
    path = make_pdf(tmp_path / "scan.pdf", [[]])
    with pytest.raises(UnreadableFileError, match="OCR found no text on its 1 page") as info:
        load_file(path, tmp_path)
    assert "scan.pdf" in str(info.value)


# --- bad inputs ------------------------------------------------------------------------------


def assert_refused(path: Path, root: Path, reason_fragment: str) -> UnreadableFileError:
    with pytest.raises(UnreadableFileError) as info:
        load_file(path, root)
    err = info.value
    assert path.name in str(err)
    assert reason_fragment in err.reason_en
    assert err.reason_vi                           # a Vietnamese reason too
    return err


def test_empty_file(tmp_path):
    assert_refused(write(tmp_path, "rong.txt", b""), tmp_path, "empty")
    assert_refused(write(tmp_path, "trang.txt", b"  \n\n \r\n"), tmp_path, "empty")


def test_binary_file(tmp_path):
    assert_refused(write(tmp_path, "anh.txt", bytes(range(256)) * 4), tmp_path, "binary")


def test_control_characters_without_nul_are_binary(tmp_path):
    junk = bytes([1, 2, 3, 4, 5, 6, 7, 8, 14, 15, 16]) * 50 + b"abc"
    assert_refused(write(tmp_path, "junk.md", junk), tmp_path, "binary")


def test_truncated_docx(tmp_path):
    good = make_docx(tmp_path / "good.docx").read_bytes()
    path = write(tmp_path, "cut.docx", good[: len(good) // 2])
    assert_refused(path, tmp_path, "damaged or truncated Word file")


def test_text_renamed_to_docx(tmp_path):
    assert_refused(write(tmp_path, "fake.docx", b"Day khong phai Word"), tmp_path, "Word file")


def test_truncated_pdf(tmp_path):
    good = make_pdf(tmp_path / "good.pdf", [["Báo cáo tổng kết"]]).read_bytes()
    path = write(tmp_path, "cut.pdf", good[: len(good) // 2])
    assert_refused(path, tmp_path, "damaged or truncated PDF")


def test_huge_line(tmp_path):
    path = write(tmp_path, "mot-dong.txt", ("dân chủ " * 20_000).encode("utf-8"))
    assert_refused(path, tmp_path, "huge line")


def test_file_over_size_limit(tmp_path):
    path = write(tmp_path, "lon.txt", ("dòng văn bản\n" * 200).encode("utf-8"))
    with pytest.raises(UnreadableFileError, match="too large"):
        load_file(path, tmp_path, max_bytes=1000)


def test_unknown_extension(tmp_path):
    err = assert_refused(write(tmp_path, "bang.xlsx", b"PK\x03\x04"), tmp_path, "unsupported file type '.xlsx'")
    assert ".docx" in err.reason_en


def test_undecodable_bytes():
    # 0x81 is unassigned in Windows-1258 and invalid as UTF-8 start byte
    with pytest.raises(UnreadableFileError, match="not decodable"):
        decode_text(b"abc \x81 def", "x.txt")


# --- batches and listing ---------------------------------------------------------------------


def test_one_bad_file_does_not_stop_the_batch(tmp_path):
    good1 = write(tmp_path, "a.txt", "Báo cáo một".encode("utf-8"))
    bad = write(tmp_path, "b.txt", b"")
    truncated = write(tmp_path, "c.docx", make_docx(tmp_path / "full.docx").read_bytes()[:500])
    good2 = write(tmp_path, "d.txt", "Báo cáo hai".encode("utf-16"))
    loaded, rejected = load_many([good1, bad, truncated, good2], tmp_path)
    assert [f.source for f in loaded] == ["a.txt", "d.txt"]
    assert [f.text for f in loaded] == ["Báo cáo một", "Báo cáo hai"]
    assert [r.source for r in rejected] == ["b.txt", "c.docx"]
    assert "empty" in rejected[0].error.reason_en
    assert "Word" in rejected[1].error.reason_en


def test_iter_corpus_files_sorted_skips_hidden_ignored_unknown(tmp_path):
    for rel in ["seeds/b.txt", "seeds/a.txt", "phapdien/luat.md", "SOURCES.md", ".git/x.txt",
                "seeds/.hidden.txt", "seeds/bang.xlsx", "van-ban/qd.docx", "van-ban/qd.pdf"]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(b"x")
    found = iter_corpus_files(tmp_path, ignore_names=("SOURCES.md",))
    assert [p.relative_to(tmp_path).as_posix() for p in found] == [
        "phapdien/luat.md", "seeds/a.txt", "seeds/b.txt", "van-ban/qd.docx", "van-ban/qd.pdf",
    ]


def test_bundled_corpus_listing(sample_corpus):
    found = iter_corpus_files(sample_corpus, ignore_names=("SOURCES.md", "README.md", "PROVENANCE.md"))
    names = [p.relative_to(sample_corpus).as_posix() for p in found]
    assert len(names) == 10
    assert names[0] == "phapdien/hoa-giai-o-co-so.md"
    assert "seeds/004_bf2fac1579fa6850.txt" in names
    assert all(Path(n).suffix in SUPPORTED_EXTENSIONS for n in names)
