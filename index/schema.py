"""Typed records passed between the ingestion stages.

Data flows one way: ``LoadedFile`` (load) → ``NormalizedText`` (normalize) →
``ParsedDocument`` (parse structure + metadata) → ``Chunk`` (chunk) → store.
Every record is a frozen dataclass so a stage cannot quietly mutate what an
earlier one produced; rescoring or re-labelling uses ``dataclasses.replace``.

Line numbers are always 1-based and refer to the *original* file's lines, so a
clerk (or ``verify``/``lookup``) can be sent back to the exact place.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

DocKind = Literal[
    "báo cáo",
    "kế hoạch",
    "quyết định",
    "luật",
    "nghị định",
    "pháp điển",
    "văn bản",
]
UnitLevel = Literal["xã", "phường", "thị trấn", "huyện", "thị xã", "thành phố", "tỉnh", "trung ương"]
BlockKind = Literal[
    "header",      # quốc hiệu, issuing body, Số:, place/date, Kính gửi
    "title",       # BÁO CÁO / KẾ HOẠCH ... and its trích yếu
    "heading",     # I. / 1. / a) / ## ...
    "paragraph",   # body prose
    "bullet",      # - / + items
    "table",       # table rows kept as text
    "closing",     # Trên đây là…, Nơi nhận, TM. UBND, signer
    "provenance",  # Pháp điển: "(Điều 11 Luật số 10/2022/QH15 …)"
]


def content_hash(data: bytes | str) -> str:
    """sha256 hex digest; the one hash used for files and chunks alike."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class LoadedFile:
    """A file decoded to text, before any normalization.

    Args:
        path: absolute path of the file on disk.
        source: path relative to the corpus root, POSIX separators
            (``seeds/000_ad1bc2404d8aad29.txt``); this is the user-facing name.
        text: decoded text; lines are separated by ``\\n``.
        encoding: the encoding that decoded it (``utf-8``, ``utf-16``, ``cp1258``,
            ``docx``, ``doc→docx``, ``pdf``, ``pdf+ocr``, ``ocr``).
        content_hash: sha256 of the raw bytes (the manifest key).
        pages: first line (1-based) of each page, for PDFs and scans; empty otherwise.
        ocr_pages: the pages whose text was read by OCR.
    """

    path: Path
    source: str
    text: str
    encoding: str
    content_hash: str
    pages: tuple[int, ...] = ()
    ocr_pages: tuple[int, ...] = ()


@dataclass(frozen=True)
class TextChange:
    """One repair made by the normalizer, kept so a person can audit it."""

    line: int          # original 1-based line
    before: str
    after: str
    reason: str        # e.g. "nfc", "pdf-glyph ƣ→ư", "dropped-glyph", "markdown"


@dataclass(frozen=True)
class NormalizedText:
    """Character-level normalized text, line-preserving.

    ``lines[i]`` is the normalized form of original line ``i + 1``: the
    normalizer never merges or splits lines, so the map back to the source is the
    index itself. Joining hard-wrapped lines into paragraphs is the structure
    parser's job, which records each block's ``line_start``/``line_end``.
    """

    source: str
    lines: tuple[str, ...]
    changes: tuple[TextChange, ...] = ()

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@dataclass(frozen=True)
class Block:
    """A paragraph-level unit of a document with its place in the heading tree."""

    kind: BlockKind
    text: str                       # normalized, hard wraps rejoined, whitespace collapsed
    section_path: tuple[str, ...]   # headings above it, outermost first ("III. KẾT QUẢ …", "4. Công tác tiếp dân …")
    line_start: int                 # original lines, 1-based, inclusive
    line_end: int


@dataclass(frozen=True)
class Heading:
    """A node of the heading tree."""

    number: str                 # "III", "4", "2.1", "a", "" for unnumbered Markdown headings
    title: str                  # heading text as shown, number included: "III. KẾT QUẢ THỰC HIỆN"
    level: int                  # 1 = outermost
    path: tuple[str, ...]       # titles from the root to this heading, this one last
    line_start: int
    line_end: int


@dataclass(frozen=True)
class LawProvenance:
    """Pháp điển provenance line of one article, parsed."""

    article: str                # "Điều 11"
    law_kind: str               # "Luật", "Nghị định", "Thông tư", "Nghị quyết liên tịch", …
    law_number: str             # "10/2022/QH15"
    law_title: str | None       # "Thực hiện dân chủ ở cơ sở"
    issued: str | None          # ISO date "2022-11-10"
    issuer: str | None          # "Quốc hội"
    effective: str | None       # ISO date "2023-07-01"


@dataclass(frozen=True)
class DocumentMeta:
    """What the parser learned about a document as a whole. Unknown fields stay None."""

    doc_id: str                          # stable: derived from ``source`` (see ``doc_id_for``)
    source: str
    kind: str | None = None              # a DocKind value
    title: str | None = None             # "BÁO CÁO"
    summary: str | None = None           # trích yếu: "Kết quả triển khai, thực hiện Quy chế dân chủ …"
    unit: str | None = None              # issuing unit: "UBND xã Quang Khải"
    unit_name: str | None = None         # bare place name: "Quang Khải"
    unit_level: str | None = None        # a UnitLevel value
    parent_units: tuple[str, ...] = ()   # ("huyện Tứ Kỳ", "tỉnh Hải Dương")
    year: int | None = None              # reporting year
    number: str | None = None            # "04/BC-UBND"
    date: str | None = None              # ISO "2024-01-11"
    place: str | None = None             # "Song Vân"
    recipient: str | None = None         # "Kính gửi: …"
    signer: str | None = None
    is_governing: bool = False           # laws, decrees, decisions vs reports/plans
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ParsedDocument:
    meta: DocumentMeta
    blocks: tuple[Block, ...]
    headings: tuple[Heading, ...]
    content_hash: str
    # Pháp điển: provenance per article heading title ("Điều 44.13.LQ.11. …").
    provenance: dict[str, LawProvenance] = field(default_factory=dict)


@dataclass(frozen=True)
class Chunk:
    """The unit that is embedded, indexed, retrieved and cited.

    ``chunk_id`` hashes the normalized text plus sorted-key JSON of the identifying
    metadata (as Haystack's ``Document`` does), so the same passage in the same
    place always gets the same id and unchanged chunks are never re-embedded.
    """

    chunk_id: str
    doc_id: str
    source: str
    text: str
    section_path: tuple[str, ...]
    line_start: int
    line_end: int
    meta: dict[str, Any] = field(default_factory=dict)   # JSON-safe document metadata (unit, year, kind, …)

    @property
    def section(self) -> str:
        return " > ".join(self.section_path)

    @staticmethod
    def make_id(text: str, ident: dict[str, Any]) -> str:
        return content_hash(text + "\x00" + json.dumps(ident, sort_keys=True, ensure_ascii=False))


def doc_id_for(source: str) -> str:
    """Stable, readable document id from the corpus-relative path.

    ``seeds/000_ad1bc2404d8aad29.txt`` → ``000_ad1bc2404d8aad29``;
    ``phapdien/tiep-cong-dan.md`` → ``tiep-cong-dan``. A collision (same stem in
    two folders) is resolved by the pipeline by prefixing the folder.
    """
    return Path(source).stem
