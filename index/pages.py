"""Documents made of pages — PDFs and scanned images — read page by page, keeping page numbers.

A PDF page with a text layer is read with pypdf; a page without one (a scan, or the scanned
pages of a PDF that mixes both) is rendered to an image with Poppler's ``pdftoppm`` and read
by Tesseract (``index.ocr``). Image files (PNG, JPEG, TIFF — every frame of a multi-page TIFF)
are read by Tesseract directly. Pages are joined with a line break, and the first line of each
page is remembered (``Extracted.pages``), so a chunk — and the citation a clerk pastes — can
say which page it comes from ("trang 3").

Example:
    >>> page_of_line((1, 40, 81), 52)
    2
"""

from __future__ import annotations

import bisect
import logging
import subprocess
import zipfile
from pathlib import Path
from typing import Sequence

from index.errors import UnreadableFileError
from index.extract_cache import Extracted
from index.ocr import OcrSettings, ocr_pages
from index.schema import LoadedFile
from index.tools import PDFTOPPM, tool_env

logger = logging.getLogger(__name__)

#: A PDF page with fewer letters than this in its text layer is treated as scanned and read by OCR
#: (a page number or a stray stamp caption is not a text layer).
MIN_TEXT_LAYER_LETTERS = 20
RENDER_TIMEOUT_SECONDS = 300.0


def join_pages(texts: Sequence[str]) -> tuple[str, tuple[int, ...]]:
    """Pages joined by a line break, and the 1-based line each page starts on."""
    starts, line = [], 1
    for text in texts:
        starts.append(line)
        line += text.count("\n") + 1
    return "\n".join(texts), tuple(starts)


def page_of_line(pages: Sequence[int], line: int) -> int | None:
    """The page (1-based) that original line ``line`` is on; None for a document without pages."""
    if not pages:
        return None
    return max(1, bisect.bisect_right(list(pages), line))


def page_label(meta: dict) -> str | None:
    """"trang 3" / "trang 3–4" for a chunk's metadata, None when the source has no pages."""
    start, end = meta.get("page_start"), meta.get("page_end")
    if not start:
        return None
    return f"trang {start}" if not end or end == start else f"trang {start}–{end}"


def ocr_lines(loaded: LoadedFile) -> frozenset[int]:
    """The (1-based) lines of ``loaded`` whose text was read by OCR."""
    if not loaded.ocr_pages:
        return frozenset()
    ends = [*loaded.pages[1:], loaded.text.count("\n") + 2]
    return frozenset(line for page in loaded.ocr_pages
                     for line in range(loaded.pages[page - 1], ends[page - 1]))


def _letters(text: str) -> int:
    return sum(ch.isalpha() for ch in text)


def read_pdf(path: Path, ocr: OcrSettings, progress: bool = False) -> Extracted:
    """Every page's text: its text layer, or OCR when it has none.

    Raises:
        UnreadableFileError: damaged or password-protected PDF, or a page that cannot be read.
        MissingToolError: a page needs OCR and Poppler or Tesseract is not installed.
    """
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted and not reader.decrypt(""):
            raise UnreadableFileError(path, "PDF có mật khẩu", "password-protected PDF")
        texts = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, KeyError, TypeError, zipfile.BadZipFile, EOFError) as err:
        raise UnreadableFileError(
            path,
            f"tệp PDF bị hỏng hoặc không trọn vẹn ({type(err).__name__}: {err})",
            f"damaged or truncated PDF ({type(err).__name__}: {err})",
        ) from err
    if not texts:
        raise UnreadableFileError(path, "PDF không có trang nào", "PDF has no pages")
    scanned = [n for n, text in enumerate(texts, 1) if _letters(text) < MIN_TEXT_LAYER_LETTERS]
    if scanned:
        PDFTOPPM.locate(path)

        def render(page: int, folder: Path) -> Path:
            return render_pdf_page(path, page, folder, ocr.dpi)

        for page, text in ocr_pages(scanned, render, path, ocr, progress).items():
            texts[page - 1] = text
    text, starts = join_pages(texts)
    encoding = "pdf" if not scanned else ("ocr" if len(scanned) == len(texts) else "pdf+ocr")
    return Extracted(text=text, encoding=encoding, pages=starts, ocr_pages=tuple(scanned))


def render_pdf_page(path: Path, page: int, folder: Path, dpi: int) -> Path:
    """Page ``page`` of a PDF as a grey PNG at ``dpi`` (``pdftoppm -singlefile``).

    Raises:
        MissingToolError: Poppler is not installed.
        UnreadableFileError: the page cannot be rendered.
    """
    executable = PDFTOPPM.locate(path)
    prefix = folder / f"page-{page}"
    command = [executable, "-f", str(page), "-l", str(page), "-r", str(dpi), "-gray", "-png", "-singlefile",
               str(path), str(prefix)]
    try:
        done = subprocess.run(command, capture_output=True, timeout=RENDER_TIMEOUT_SECONDS, env=tool_env())
    except subprocess.TimeoutExpired as err:
        raise UnreadableFileError(path, f"không dựng được ảnh trang {page} (quá thời gian)",
                                  f"rendering page {page} timed out") from err
    image = prefix.with_suffix(".png")
    if done.returncode != 0 or not image.is_file():
        detail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["?"]
        raise UnreadableFileError(path, f"không dựng được ảnh trang {page}: {detail[0]}",
                                  f"cannot render page {page}: {detail[0]}")
    return image


def read_image(path: Path, ocr: OcrSettings, progress: bool = False) -> Extracted:
    """A scanned page (PNG, JPEG) or pages (every frame of a TIFF), read by OCR.

    Raises:
        UnreadableFileError: not an image Pillow can open.
        MissingToolError: Tesseract or its Vietnamese data is not installed.
    """
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            frames = getattr(image, "n_frames", 1)
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as err:
        raise UnreadableFileError(path, f"không mở được ảnh ({type(err).__name__}: {err})",
                                  f"cannot open the image ({type(err).__name__}: {err})") from err

    def render(page: int, folder: Path) -> Path:
        if frames == 1:
            return path
        with Image.open(path) as image:
            image.seek(page - 1)
            target = folder / f"frame-{page}.png"
            image.save(target, format="PNG")
            return target

    texts = ocr_pages(list(range(1, frames + 1)), render, path, ocr, progress)
    text, starts = join_pages([texts[n] for n in range(1, frames + 1)])
    return Extracted(text=text, encoding="ocr", pages=starts, ocr_pages=tuple(range(1, frames + 1)))
