"""OCR of page images with Tesseract and its Vietnamese data, page by page, several pages at once.

Why one single-threaded ``tesseract`` process per page, run side by side: with its default
OpenMP threads a page took ~13 s on a shared 2-core machine (the threads spin against each
other); with ``OMP_THREAD_LIMIT=1`` a page takes ~2.5 s and two pages run in the same time.
Why the command line and not a binding: the call is one process per page with its own
environment and timeout, which is all a binding would wrap.

The text comes back as Tesseract writes it (one output line per printed line, a blank line
between blocks); ``index.normalize`` repairs it like any other text and the structure parser
rejoins hard-wrapped lines, exactly as for a text PDF.

Example:
    >>> texts = ocr_pages([1, 2], render, "scan.pdf", OcrSettings())   # doctest: +SKIP
    >>> texts[1][:30]                                                   # doctest: +SKIP
    'ỦY BAN NHÂN DÂN CỘNG HOÀ XÃ HỘI'
"""

from __future__ import annotations

import logging
import os
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from index.errors import UnreadableFileError
from index.tools import TESSERACT, tesseract_data, tesseract_languages, tool_env

logger = logging.getLogger(__name__)

#: Bump when the way pages are rendered or read changes: cached OCR text is keyed on it.
OCR_VERSION = "1"

#: Renders page ``n`` into the given folder and returns the image file.
PageRenderer = Callable[[int, Path], Path]


def _default_workers() -> int:
    return max(1, min(4, os.cpu_count() or 1))


@dataclass(frozen=True)
class OcrSettings:
    """How pages are read.

    Args:
        language: Tesseract language data (``vie`` reads Vietnamese with its diacritics).
        dpi: resolution PDF pages are rendered at (Tesseract reads best from about 300 dpi).
        workers: pages read at the same time (one single-threaded process each).
        page_timeout: seconds one page may take before the file is rejected.
    """

    language: str = "vie"
    dpi: int = 300
    workers: int = field(default_factory=_default_workers)
    page_timeout: float = 600.0

    def __post_init__(self) -> None:
        if self.dpi < 50 or self.workers < 1 or self.page_timeout <= 0:
            raise ValueError(f"invalid OCR settings: {self}")

    @property
    def cache_key(self) -> str:
        """What decides the OCR text besides the file's bytes (named fields, for the extraction cache)."""
        return f"ocr={OCR_VERSION};lang={self.language};dpi={self.dpi}"


def require_tesseract(for_file: Path | str, language: str) -> str:
    """The ``tesseract`` executable, once it is known to have ``language``'s data.

    Raises:
        MissingToolError: Tesseract, or its data for ``language``, is not installed.
    """
    executable = TESSERACT.locate(for_file)
    if language not in tesseract_languages(executable):
        raise tesseract_data(language).missing(for_file)
    return executable


def ocr_image(executable: str, image: Path, for_file: Path | str, page: int, settings: OcrSettings) -> str:
    """Text of one page image (``tesseract IMAGE stdout -l vie``).

    Raises:
        UnreadableFileError: Tesseract failed or timed out on the page.
    """
    command = [executable, str(image), "stdout", "-l", settings.language, "--psm", "3"]
    try:
        done = subprocess.run(command, capture_output=True, timeout=settings.page_timeout, env=tool_env())
    except subprocess.TimeoutExpired as err:
        raise UnreadableFileError(
            for_file, f"nhận dạng chữ (OCR) trang {page} quá {settings.page_timeout:.0f} giây",
            f"OCR of page {page} took longer than {settings.page_timeout:.0f} s") from err
    if done.returncode != 0:
        detail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["?"]
        raise UnreadableFileError(
            for_file, f"Tesseract không đọc được trang {page}: {detail[0]}",
            f"Tesseract could not read page {page}: {detail[0]}")
    return done.stdout.decode("utf-8", "replace").replace("\f", "").rstrip()


def ocr_pages(
    pages: Sequence[int],
    render: PageRenderer,
    for_file: Path | str,
    settings: OcrSettings,
    progress: bool = False,
) -> dict[int, str]:
    """Render and read ``pages`` (1-based numbers), ``settings.workers`` at a time.

    Args:
        pages: the page numbers to read.
        render: writes page ``n`` as an image into a scratch folder and returns its path.
        for_file: the document (named in errors).
        settings: language, resolution, parallelism, timeout.
        progress: a tqdm bar per document ("OCR <file>"), which the app's progress bar follows.

    Returns:
        Page number → text.

    Raises:
        MissingToolError: Tesseract or its Vietnamese data is missing.
        UnreadableFileError: a page could not be rendered or read.
    """
    if not pages:
        return {}
    executable = require_tesseract(for_file, settings.language)
    from tqdm import tqdm

    with tempfile.TemporaryDirectory(prefix="soanthao-ocr-") as scratch:
        def read(page: int) -> tuple[int, str]:
            folder = Path(scratch) / f"p{page}"
            folder.mkdir()
            return page, ocr_image(executable, render(page, folder), for_file, page, settings)

        texts: dict[int, str] = {}
        with ThreadPoolExecutor(max_workers=min(settings.workers, len(pages))) as pool, \
                tqdm(total=len(pages), desc=f"OCR {Path(for_file).name}", unit="trang", leave=False,
                     disable=not progress) as bar:
            for page, text in pool.map(read, pages):
                texts[page] = text
                bar.update(1)
    logger.info("%s: OCR of %d page(s)", for_file, len(texts))
    return texts
