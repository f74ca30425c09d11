"""Load stage: turn a file on disk into decoded text (``LoadedFile``), or refuse it clearly.

Every format a clerk keeps comes in here, and leaves as one ``LoadedFile``:

* plain text (``.txt``, ``.md``) is decoded by trying, in order: a byte-order mark (UTF-8,
  UTF-16, UTF-32), UTF-16 without a mark (recognised by its zero bytes), strict UTF-8, then
  Windows-1258 (the legacy Vietnamese code page);
* Word files (``.docx``) are read with python-docx (paragraphs and table rows in document
  order; a paragraph in a Word heading style gets Markdown ``#`` marks, so the structure
  parser sees the heading the author marked);
* ``.doc`` and ``.odt`` are converted to ``.docx`` by LibreOffice (``index.office``), then read
  the same way;
* PDFs page by page: the text layer with pypdf, OCR for pages without one; images (PNG, JPEG,
  TIFF) by OCR (``index.pages``, ``index.ocr``). Page numbers are kept (``LoadedFile.pages``).

The slow readers (OCR, LibreOffice) keep their result by content hash when given an
``ExtractionCache``, so an unchanged file is never read twice. A file that needs a program this
machine lacks is refused with ``MissingToolError`` naming what to install.
Nothing is normalized here: cp1258 text keeps its combining tone marks and PDF text keeps its
``ƣ``; ``index.normalize`` fixes both, for OCR text too.

Example:
    >>> from index.settings import SAMPLE_CORPUS
    >>> f = load_file(SAMPLE_CORPUS / "seeds/000_ad1bc2404d8aad29.txt", SAMPLE_CORPUS)
    >>> f.source, f.encoding
    ('seeds/000_ad1bc2404d8aad29.txt', 'utf-8')
"""

from __future__ import annotations

import codecs
import logging
import re
import tempfile
import unicodedata
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from index.errors import UnreadableFileError
from index.extract_cache import ExtractionCache, Extracted
from index.ocr import OcrSettings
from index.schema import LoadedFile, content_hash

logger = logging.getLogger(__name__)

TEXT_EXTENSIONS = frozenset({".txt", ".md"})
CONVERTED_EXTENSIONS = frozenset({".doc", ".odt"})                   # LibreOffice → .docx
IMAGE_EXTENSIONS = frozenset({".png", ".jpg", ".jpeg", ".tif", ".tiff"})  # OCR
SUPPORTED_EXTENSIONS = frozenset(TEXT_EXTENSIONS | CONVERTED_EXTENSIONS | IMAGE_EXTENSIONS | {".docx", ".pdf"})

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_LINE_CHARS = 100_000
MAX_CONTROL_RATIO = 0.01
TABLE_CELL_SEPARATOR = " | "

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),   # before UTF-16: its BOM starts with FF FE too
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_ALLOWED_CONTROLS = frozenset("\n\r\t\f\v")


@dataclass(frozen=True)
class RejectedFile:
    """A file the batch loader refused, with the reason (for the manifest)."""

    path: Path
    source: str
    error: UnreadableFileError


def source_name(path: Path, corpus_root: Path) -> str:
    """Corpus-relative POSIX path, or the bare file name when the file lies outside the corpus."""
    try:
        return Path(path).resolve().relative_to(Path(corpus_root).resolve()).as_posix()
    except ValueError:
        return Path(path).name


def load_file(
    path: Path,
    corpus_root: Path,
    *,
    max_bytes: int = MAX_FILE_BYTES,
    max_line_chars: int = MAX_LINE_CHARS,
    cache: ExtractionCache | None = None,
    ocr: OcrSettings | None = None,
    progress: bool = False,
) -> LoadedFile:
    """Read and decode one file.

    Args:
        path: the file (any of ``SUPPORTED_EXTENSIONS``).
        corpus_root: folder that ``source`` is made relative to.
        max_bytes: larger files are refused (protects memory and the index).
        max_line_chars: a longer single line means a minified or binary-like file.
        cache: where OCR and LibreOffice results are kept by content hash (None: not kept).
        ocr: language, resolution and parallelism of OCR (default ``OcrSettings()``).
        progress: a tqdm bar while pages are read by OCR.

    Returns:
        The decoded text with ``\\n`` line ends, its encoding, the raw-bytes hash and, for
        paged formats, the first line of each page.

    Raises:
        UnreadableFileError: unknown extension, empty, too large, binary,
            undecodable, damaged docx/pdf/image, or a page that OCR cannot read.
        MissingToolError: the format needs Tesseract, Poppler or LibreOffice and it is not installed.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_EXTENSIONS:
        raise UnreadableFileError(
            path,
            f"định dạng '{suffix or '(không có đuôi)'}' không được hỗ trợ (chỉ nhận {', '.join(sorted(SUPPORTED_EXTENSIONS))})",
            f"unsupported file type '{suffix or '(no extension)'}' (supported: {', '.join(sorted(SUPPORTED_EXTENSIONS))})",
        )
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise UnreadableFileError(
                path,
                f"tệp quá lớn ({size:,} byte, giới hạn {max_bytes:,})",
                f"file too large ({size:,} bytes, limit {max_bytes:,})",
            )
        raw = path.read_bytes()
    except OSError as err:
        raise UnreadableFileError(path, f"không mở được tệp ({err.strerror})", f"cannot open file ({err.strerror})") from err
    if not raw.strip():
        raise UnreadableFileError(path, "tệp rỗng", "file is empty")

    digest = content_hash(raw)
    extracted = _extract(path, suffix, raw, digest, cache, ocr or OcrSettings(), progress)
    text = extracted.text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip() and extracted.ocr_pages:
        raise UnreadableFileError(
            path, f"nhận dạng chữ (OCR) không thấy chữ nào trên {len(extracted.ocr_pages)} trang",
            f"OCR found no text on its {len(extracted.ocr_pages)} page(s)")
    _check_text(text, path, max_line_chars)
    loaded = LoadedFile(
        path=path.resolve(),
        source=source_name(path, corpus_root),
        text=text,
        encoding=extracted.encoding,
        content_hash=digest,
        pages=extracted.pages,
        ocr_pages=extracted.ocr_pages,
    )
    logger.debug("loaded %s (%s, %d chars)", loaded.source, loaded.encoding, len(text))
    return loaded


def decode_text(raw: bytes, path: Path | str = "<bytes>") -> tuple[str, str]:
    """Decode plain-text bytes; returns ``(text, encoding)``.

    Raises:
        UnreadableFileError: binary content (NUL bytes) or bytes no candidate decodes.
    """
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            try:
                text = raw.decode(encoding)
            except UnicodeDecodeError as err:
                raise UnreadableFileError(
                    path,
                    f"có dấu BOM {encoding} nhưng nội dung không giải mã được (byte {err.start})",
                    f"has a {encoding} byte-order mark but does not decode (byte {err.start})",
                ) from err
            return text.lstrip("\ufeff"), ("utf-8" if encoding == "utf-8-sig" else encoding)
    utf16 = _bomless_utf16(raw)
    if utf16 is not None:
        try:
            return raw.decode(utf16), "utf-16"
        except UnicodeDecodeError:
            pass
    if b"\x00" in raw:
        raise UnreadableFileError(
            path,
            "tệp nhị phân (chứa byte NUL), không phải văn bản",
            "binary file (contains NUL bytes), not text",
        )
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1258"), "cp1258"
    except UnicodeDecodeError as err:
        raise UnreadableFileError(
            path,
            f"không giải mã được bằng UTF-8, UTF-16 hay Windows-1258 (byte {err.start})",
            f"not decodable as UTF-8, UTF-16 or Windows-1258 (byte {err.start})",
        ) from err


def _extract(path: Path, suffix: str, raw: bytes, digest: str, cache: ExtractionCache | None,
             ocr: OcrSettings, progress: bool) -> Extracted:
    """The file's text by its format; slow readers go through ``cache``."""
    if suffix in TEXT_EXTENSIONS:
        text, encoding = decode_text(raw, path)
        return Extracted(text, encoding)
    if suffix == ".docx":
        return Extracted(_read_docx(path), "docx")
    if suffix in CONVERTED_EXTENSIONS:
        from index.office import CONVERTER_VERSION

        key = f"office={CONVERTER_VERSION}"
    else:
        key = ocr.cache_key
    cached = cache.get(digest, key) if cache is not None else None
    if cached is not None:
        logger.info("%s: text read earlier (%s), taken from the cache", path.name, cached.encoding)
        return cached
    if suffix in CONVERTED_EXTENSIONS:
        extracted = _read_converted(path, suffix)
    elif suffix == ".pdf":
        from index.pages import read_pdf

        extracted = read_pdf(path, ocr, progress)
    else:
        from index.pages import read_image

        extracted = read_image(path, ocr, progress)
    if cache is not None and (suffix in CONVERTED_EXTENSIONS or extracted.ocr_pages):
        cache.put(digest, key, extracted)
    return extracted


def _read_converted(path: Path, suffix: str) -> Extracted:
    """``.doc``/``.odt``: LibreOffice writes a ``.docx`` into a scratch folder, read like any Word file."""
    from index.office import convert_to_docx

    with tempfile.TemporaryDirectory(prefix="soanthao-convert-") as scratch:
        docx_path = convert_to_docx(path, Path(scratch))
        try:
            text = _read_docx(docx_path)
        except UnreadableFileError as err:
            raise UnreadableFileError(path, err.reason_vi, err.reason_en) from err
    if "\ufffd" in text:   # LibreOffice opened bytes it did not recognise as plain text
        raise UnreadableFileError(path, f"không phải tệp {suffix} hợp lệ (LibreOffice chỉ đọc được như văn bản thô)",
                                  f"not a valid {suffix} file (LibreOffice could only read it as raw text)")
    return Extracted(text, f"{suffix.lstrip('.')}→docx")


def _bomless_utf16(raw: bytes) -> str | None:
    """``utf-16-le``/``-be`` when the bytes look like UTF-16 without a byte-order mark.

    Vietnamese text is mostly ASCII letters and spaces, each one a zero byte beside the
    character in UTF-16; a text file in any 8-bit encoding has no zero byte at all.
    """
    sample = raw[:4096]
    if len(sample) < 4 or len(sample) % 2:
        sample = sample[:len(sample) - len(sample) % 2]
    if len(sample) < 4:
        return None
    even, odd = sample[0::2], sample[1::2]
    zero_even, zero_odd = even.count(0) / len(even), odd.count(0) / len(odd)
    if zero_odd >= 0.3 and zero_even <= 0.05:
        return "utf-16-le"
    if zero_even >= 0.3 and zero_odd <= 0.05:
        return "utf-16-be"
    return None


def _check_text(text: str, path: Path, max_line_chars: int) -> None:
    if not text.strip():
        raise UnreadableFileError(path, "tệp không có nội dung chữ", "file has no text")
    controls = sum(1 for ch in text if unicodedata.category(ch) == "Cc" and ch not in _ALLOWED_CONTROLS)
    if "\x00" in text or controls > MAX_CONTROL_RATIO * len(text):
        raise UnreadableFileError(
            path,
            f"tệp nhị phân ({controls} ký tự điều khiển trên {len(text)})",
            f"binary content ({controls} control characters in {len(text)})",
        )
    longest = max(len(line) for line in text.split("\n"))
    if longest > max_line_chars:
        raise UnreadableFileError(
            path,
            f"có một dòng dài {longest:,} ký tự (giới hạn {max_line_chars:,}): không phải văn bản thường",
            f"huge line of {longest:,} characters (limit {max_line_chars:,}): not ordinary text",
        )


def _read_docx(path: Path) -> str:
    """Paragraphs and table rows in document order; a row becomes one line, cells joined by " | "."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from docx.table import Table
    from lxml.etree import XMLSyntaxError

    try:
        document = docx.Document(str(path))
        heading_levels = _heading_levels(document)
        lines: list[str] = []
        for item in document.iter_inner_content():
            if isinstance(item, Table):
                lines.extend(_table_lines(item))
            else:
                level = heading_levels.get(item._p.style) if item.text.strip() else None
                lines.append("#" * level + " " + item.text if level else item.text)
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, XMLSyntaxError, EOFError) as err:
        raise UnreadableFileError(
            path,
            f"tệp Word bị hỏng hoặc không trọn vẹn ({type(err).__name__}: {err})",
            f"damaged or truncated Word file ({type(err).__name__}: {err})",
        ) from err
    return "\n".join(lines)


_HEADING_STYLE = re.compile(r"^Heading ([1-6])$")


def _heading_levels(document) -> dict[str, int]:
    """Style id → level of Word's built-in "Heading 1"…"Heading 6" styles (read once per document:
    looking a paragraph's style up one by one costs more than reading the whole file)."""
    levels = {}
    for style in document.styles:
        match = _HEADING_STYLE.match(getattr(style, "name", None) or "")
        if match and style.style_id:
            levels[style.style_id] = int(match.group(1))
    return levels


def _table_lines(table) -> list[str]:
    lines = []
    for row in table.rows:
        cells, seen = [], set()
        for cell in row.cells:
            if id(cell._tc) in seen:       # a merged cell is repeated once per grid column
                continue
            seen.add(id(cell._tc))
            cells.append(" ".join(cell.text.split()))
        lines.append(TABLE_CELL_SEPARATOR.join(cells))
    return lines


def load_many(paths: Iterable[Path], corpus_root: Path,
              cache: ExtractionCache | None = None) -> tuple[list[LoadedFile], list[RejectedFile]]:
    """Load a batch; a bad file is recorded as rejected and never stops the others."""
    loaded: list[LoadedFile] = []
    rejected: list[RejectedFile] = []
    for path in paths:
        try:
            loaded.append(load_file(Path(path), corpus_root, cache=cache))
        except UnreadableFileError as err:
            logger.warning("%s", err)
            rejected.append(RejectedFile(Path(path), source_name(Path(path), corpus_root), err))
    return loaded, rejected


def iter_corpus_files(root: Path, ignore_names: Sequence[str] = ()) -> list[Path]:
    """Supported files under ``root``, recursively, in sorted order.

    Hidden files and folders (``.git``, ``.DS_Store``) and names in
    ``ignore_names`` (``Settings.ignore_names``: SOURCES.md, README.md…) are skipped.
    """
    root = Path(root)
    if root.is_file():
        return [root] if root.suffix.lower() in SUPPORTED_EXTENSIONS else []
    ignored = set(ignore_names)
    found = []
    for path in root.rglob("*"):
        relative = path.relative_to(root)
        if any(part.startswith(".") for part in relative.parts):
            continue
        if path.name in ignored or not path.is_file():
            continue
        if path.suffix.lower() in SUPPORTED_EXTENSIONS:
            found.append(path)
    return sorted(found, key=lambda p: p.relative_to(root).as_posix())
