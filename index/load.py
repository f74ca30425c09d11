"""Load stage: turn a file on disk into decoded text (``LoadedFile``), or refuse it clearly.

Plain text is decoded by trying, in order: a byte-order mark (UTF-8, UTF-16,
UTF-32), strict UTF-8, then Windows-1258 (the legacy Vietnamese code page).
Word files are read with python-docx (paragraphs and table rows in document
order), PDFs with pypdf. Nothing is normalized here: cp1258 text keeps its
combining tone marks and PDF text keeps its ``ƣ``; ``index.normalize`` fixes both.

Example:
    >>> from index.settings import SAMPLE_CORPUS
    >>> f = load_file(SAMPLE_CORPUS / "seeds/000_ad1bc2404d8aad29.txt", SAMPLE_CORPUS)
    >>> f.source, f.encoding
    ('seeds/000_ad1bc2404d8aad29.txt', 'utf-8')
"""

from __future__ import annotations

import codecs
import logging
import unicodedata
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from index.errors import UnreadableFileError
from index.schema import LoadedFile, content_hash

logger = logging.getLogger(__name__)

TEXT_EXTENSIONS = frozenset({".txt", ".md"})
SUPPORTED_EXTENSIONS = frozenset(TEXT_EXTENSIONS | {".docx", ".pdf"})

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
) -> LoadedFile:
    """Read and decode one file.

    Args:
        path: the file (``.txt``, ``.md``, ``.docx``, ``.pdf``).
        corpus_root: folder that ``source`` is made relative to.
        max_bytes: larger files are refused (protects memory and the index).
        max_line_chars: a longer single line means a minified or binary-like file.

    Returns:
        The decoded text with ``\\n`` line ends, its encoding and the raw-bytes hash.

    Raises:
        UnreadableFileError: unknown extension, empty, too large, binary,
            undecodable, damaged docx/pdf, or a PDF without a text layer.
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

    if suffix in TEXT_EXTENSIONS:
        text, encoding = decode_text(raw, path)
    elif suffix == ".docx":
        text, encoding = _read_docx(path), "docx"
    else:
        text, encoding = _read_pdf(path), "pdf"

    text = text.replace("\r\n", "\n").replace("\r", "\n")
    _check_text(text, path, max_line_chars)
    loaded = LoadedFile(
        path=path.resolve(),
        source=source_name(path, corpus_root),
        text=text,
        encoding=encoding,
        content_hash=content_hash(raw),
    )
    logger.debug("loaded %s (%s, %d chars)", loaded.source, encoding, len(text))
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
        lines: list[str] = []
        for item in document.iter_inner_content():
            if isinstance(item, Table):
                lines.extend(_table_lines(item))
            else:
                lines.append(item.text)
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, XMLSyntaxError, EOFError) as err:
        raise UnreadableFileError(
            path,
            f"tệp Word bị hỏng hoặc không trọn vẹn ({type(err).__name__}: {err})",
            f"damaged or truncated Word file ({type(err).__name__}: {err})",
        ) from err
    return "\n".join(lines)


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


def _read_pdf(path: Path) -> str:
    """Text of every page, pages separated by a line break."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted and not reader.decrypt(""):
            raise UnreadableFileError(path, "PDF có mật khẩu", "password-protected PDF")
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, KeyError, TypeError, zipfile.BadZipFile, EOFError) as err:
        raise UnreadableFileError(
            path,
            f"tệp PDF bị hỏng hoặc không trọn vẹn ({type(err).__name__}: {err})",
            f"damaged or truncated PDF ({type(err).__name__}: {err})",
        ) from err
    text = "\n".join(pages)
    if not text.strip():
        raise UnreadableFileError(
            path,
            f"PDF không có lớp chữ ({len(pages)} trang) — bản scan? Hãy nhận dạng chữ (OCR) trước",
            f"PDF has no extractable text ({len(pages)} pages) — scanned PDF? Run OCR first",
        )
    return text


def load_many(paths: Iterable[Path], corpus_root: Path) -> tuple[list[LoadedFile], list[RejectedFile]]:
    """Load a batch; a bad file is recorded as rejected and never stops the others."""
    loaded: list[LoadedFile] = []
    rejected: list[RejectedFile] = []
    for path in paths:
        try:
            loaded.append(load_file(Path(path), corpus_root))
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
