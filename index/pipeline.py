"""The ingestion pipeline: load → normalize → parse → chunk → directives, one file at a time, with a manifest.

Each file is read once, whatever its format (``index.load``: text in any encoding, Word,
legacy Word through LibreOffice, PDFs, scans through OCR), and everything the index holds
about it comes out of that one pass: its chunks (with the page they are on, for paged
formats) and its directive mentions for the registry (``index.registry.directives_of``). A file whose registry entry is already known for its content hash
(``known_directives``, from the previous index) reuses it.

Each file is isolated: an ``UnreadableFileError`` from the loader, or any failure
of a later stage on that file, becomes a *rejected* manifest entry with the reason
(logged with its traceback), and the batch goes on. Nothing a bad file does can
stop or alter the other files' results.

Timing per stage is summed over the batch (``IngestResult.timings``) for the
benchmark. ``pipeline_fingerprint(settings)`` names everything that changes the
chunks (normalizer, parser and chunker versions, chunk size and overlap,
tokenizer); the index builder stores it so a change forces re-chunking.

Example:
    >>> from index.settings import Settings
    >>> result = ingest_corpus(Settings())            # doctest: +SKIP
    >>> sum(e.status == "indexed" for e in result.entries), len(result.chunks)  # doctest: +SKIP
    (10, 1708)
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Sequence

from index.chunk import CHUNKER_VERSION, TOKENIZER, Chunker
from index.errors import UnreadableFileError
from index.extract_cache import ExtractionCache
from index.manifest import ManifestEntry
from index.pages import ocr_lines, page_of_line
from index.registry import Registry, SourceDirectives, directives_of
from index.schema import Chunk, LoadedFile, NormalizedText, ParsedDocument, content_hash
from index.settings import Settings

logger = logging.getLogger(__name__)

__all__ = [
    "PIPELINE_VERSION",
    "STAGES",
    "IngestResult",
    "IngestPipeline",
    "ingest_paths",
    "ingest_corpus",
    "expand_paths",
    "pipeline_fingerprint",
]

PIPELINE_VERSION = "2"   # 2: registry entries derived here (OCR'd text after its repairs); page numbers on chunks
STAGES = ("load", "normalize", "parse", "chunk", "directives")


@dataclass(frozen=True)
class IngestResult:
    """Everything one ingestion run produced.

    Args:
        documents: parsed documents of the indexed files, in input order.
        chunks: all their chunks, document by document.
        entries: one manifest entry per input file (indexed or rejected).
        timings: seconds spent per stage (``load``, ``normalize``, ``parse``, ``chunk``,
            ``directives``), summed.
        directives: the registry entry of every indexed file, by source.
    """

    documents: tuple[ParsedDocument, ...]
    chunks: tuple[Chunk, ...]
    entries: tuple[ManifestEntry, ...]
    timings: dict[str, float] = field(default_factory=dict)
    directives: dict[str, SourceDirectives] = field(default_factory=dict)

    @property
    def rejected(self) -> tuple[ManifestEntry, ...]:
        return tuple(e for e in self.entries if e.status == "rejected")

    @property
    def indexed(self) -> tuple[ManifestEntry, ...]:
        return tuple(e for e in self.entries if e.status == "indexed")

    def registry(self) -> Registry:
        """The directive registry of the indexed files (what ``soanthao index`` stores with them)."""
        registry = Registry()
        for source, entry in self.directives.items():
            registry.add(source, entry)
        return registry


def pipeline_fingerprint(settings: Settings) -> str:
    """A readable cache key of everything that decides the chunks (named fields, no object reprs)."""
    from index import normalize

    normalizer = getattr(normalize, "NORMALIZER_VERSION", "?")
    return (
        f"pipeline={PIPELINE_VERSION};normalizer={normalizer};chunker={CHUNKER_VERSION};"
        f"tokenizer={TOKENIZER};chunk_tokens={settings.chunk_tokens};overlap={settings.chunk_overlap_tokens}"
    )


def expand_paths(paths: Sequence[Path], ignore_names: Sequence[str] = ()) -> list[Path]:
    """Files named directly are kept as they are (even unsupported ones, so they are reported);
    folders are expanded to their supported files (``index.load.iter_corpus_files``)."""
    from index.load import iter_corpus_files

    out: list[Path] = []
    for path in paths:
        path = Path(path)
        if path.is_dir():
            out.extend(iter_corpus_files(path, ignore_names))
        else:
            out.append(path)
    seen: set[Path] = set()
    unique = []
    for path in out:
        key = path.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(path)
    return unique


class IngestPipeline:
    """Runs the four stages over a batch of files.

    Example:
        >>> pipeline = IngestPipeline(Settings())                      # doctest: +SKIP
        >>> result = pipeline.ingest([Path("corpus/seeds")], Path("corpus"))  # doctest: +SKIP
    """

    def __init__(self, settings: Settings, known_directives: dict[str, SourceDirectives] | None = None):
        self.settings = settings
        self.chunker = Chunker(settings)  # validates chunk_tokens / overlap
        self.cache = ExtractionCache.for_data_dir(settings.data_dir)
        self.ocr = settings.ocr_settings()
        self.known_directives = dict(known_directives or {})
        self.progress = False

    def ingest(self, paths: Sequence[Path], corpus_root: Path, progress: bool = False) -> IngestResult:
        """Ingest ``paths`` (files or folders); see ``ingest_paths``."""
        files = expand_paths(paths, self.settings.ignore_names)
        self.progress = progress
        timings = {stage: 0.0 for stage in STAGES}
        documents: list[ParsedDocument] = []
        chunks_per_doc: list[list[Chunk]] = []
        pages_per_doc: list[tuple[int, ...]] = []
        entries: list[ManifestEntry] = []
        doc_entry_index: list[int] = []
        directives: dict[str, SourceDirectives] = {}

        iterator = files
        if progress:
            from tqdm import tqdm

            iterator = tqdm(files, desc="Đọc tài liệu / ingesting", unit="tệp")
        for path in iterator:
            outcome = self._one(Path(path), Path(corpus_root), timings)
            if isinstance(outcome, ManifestEntry):
                entries.append(outcome)
                continue
            doc, chunks, entry, pages, found = outcome
            documents.append(doc)
            chunks_per_doc.append(chunks)
            pages_per_doc.append(pages)
            doc_entry_index.append(len(entries))
            entries.append(entry)
            directives[entry.source] = found

        documents, chunks_per_doc = _resolve_duplicate_ids(documents, chunks_per_doc, self.chunker)
        chunks_per_doc = [_with_pages(chunks, pages) for chunks, pages in zip(chunks_per_doc, pages_per_doc)]
        for i, doc in enumerate(documents):
            k = doc_entry_index[i]
            entries[k] = replace(entries[k], doc_id=doc.meta.doc_id, chunk_count=len(chunks_per_doc[i]))
        all_chunks = tuple(c for chunks in chunks_per_doc for c in chunks)
        rejected = sum(1 for e in entries if e.status == "rejected")
        logger.info(
            "ingested %d files: %d indexed, %d rejected, %d chunks (%s)",
            len(entries), len(entries) - rejected, rejected, len(all_chunks),
            ", ".join(f"{k} {v:.2f}s" for k, v in timings.items()),
        )
        return IngestResult(tuple(documents), all_chunks, tuple(entries), timings, directives)

    def _one(
        self, path: Path, corpus_root: Path, timings: dict[str, float]
    ) -> ManifestEntry | tuple[ParsedDocument, list[Chunk], ManifestEntry, tuple[int, ...], SourceDirectives]:
        """One file through all stages, or its rejected entry."""
        from index.load import load_file, source_name
        from index.normalize import normalize_vietnamese

        source = source_name(path, corpus_root)
        started = time.perf_counter()
        try:
            loaded = load_file(path, corpus_root, cache=self.cache, ocr=self.ocr, progress=self.progress)
        except UnreadableFileError as err:
            timings["load"] += time.perf_counter() - started
            logger.warning("rejected %s: %s", source, err)
            return ManifestEntry(source, _hash_if_readable(path), "rejected",
                                 f"{err.reason_vi} / {err.reason_en}", None, 0, str(path.resolve()))
        timings["load"] += time.perf_counter() - started

        stage = "normalize"
        try:
            started = time.perf_counter()
            normalized = normalize_vietnamese(loaded.text, loaded.source, ocr_lines=ocr_lines(loaded))
            timings["normalize"] += time.perf_counter() - started

            stage = "parse"
            started = time.perf_counter()
            doc = parse(normalized, loaded.content_hash)
            timings["parse"] += time.perf_counter() - started

            stage = "chunk"
            started = time.perf_counter()
            chunks = self.chunker.chunk(doc)
            timings["chunk"] += time.perf_counter() - started

            stage = "directives"
            started = time.perf_counter()
            found = self._directives(loaded, normalized)
            timings["directives"] += time.perf_counter() - started
        except Exception as err:  # noqa: BLE001 — batch isolation: any failure on one file rejects only that file
            timings[stage] += time.perf_counter() - started
            logger.exception("rejected %s at stage %s", loaded.source, stage)
            reason = (f"lỗi ở bước {_STAGE_VI[stage]}: {type(err).__name__}: {err} / "
                      f"failed at stage {stage}: {type(err).__name__}: {err}")
            return ManifestEntry(loaded.source, loaded.content_hash, "rejected", reason, None, 0, str(loaded.path))
        if not chunks:
            reason = "không có nội dung để lập chỉ mục / no indexable text after parsing"
            logger.warning("rejected %s: %s", loaded.source, reason)
            return ManifestEntry(loaded.source, loaded.content_hash, "rejected", reason, None, 0, str(loaded.path))
        entry = ManifestEntry(loaded.source, loaded.content_hash, "indexed", None, doc.meta.doc_id,
                              len(chunks), str(loaded.path))
        return doc, chunks, entry, loaded.pages, found

    def _directives(self, loaded: LoadedFile, normalized: NormalizedText) -> SourceDirectives:
        """The file's registry entry: reused when known for these bytes, else read from its text.

        The registry reads the decoded text, as it always has (it applies its own NFC and glyph fix,
        and directive lookup is tuned on what that gives); text read by OCR is taken after the OCR
        repairs (document symbols, tone marks), without which its directive numbers would be wrong.
        """
        known = self.known_directives.get(loaded.source)
        if known is not None and known.content_hash == loaded.content_hash:
            return known
        text = normalized.text if loaded.ocr_pages else loaded.text
        return directives_of(loaded.source, text, loaded.content_hash)


_STAGE_VI = {"load": "đọc tệp", "normalize": "chuẩn hóa", "parse": "phân tích cấu trúc", "chunk": "chia đoạn",
             "directives": "tìm văn bản được trích dẫn"}


def _with_pages(chunks: list[Chunk], pages: tuple[int, ...]) -> list[Chunk]:
    """Chunks of a paged document carry the pages they span (``page_start``/``page_end``); ids do not change."""
    if not pages:
        return chunks
    return [replace(c, meta={**c.meta, "page_start": page_of_line(pages, c.line_start),
                             "page_end": page_of_line(pages, c.line_end)}) for c in chunks]


def parse(normalized: NormalizedText, file_hash: str) -> ParsedDocument:
    """Structure stage: ``index.structure.parse_document`` dispatches Pháp điển files itself."""
    from index.structure import parse_document

    return parse_document(normalized, file_hash)


def _hash_if_readable(path: Path) -> str:
    """Hash of the raw bytes for the manifest of a rejected file ("" when it cannot be opened)."""
    try:
        return content_hash(path.read_bytes())
    except OSError:
        return ""


def _resolve_duplicate_ids(
    documents: list[ParsedDocument], chunks_per_doc: list[list[Chunk]], chunker: Chunker
) -> tuple[list[ParsedDocument], list[list[Chunk]]]:
    """Same stem in two folders → every document with that id gets its folder as prefix.

    ``a/bao-cao.txt`` and ``b/bao-cao.txt`` become ``a-bao-cao`` and ``b-bao-cao``;
    both change, so the id does not depend on which file was read first. Their
    chunks are rebuilt (the doc id is part of each chunk id).
    """
    counts = Counter(doc.meta.doc_id for doc in documents)
    if all(n == 1 for n in counts.values()):
        return documents, chunks_per_doc
    prefixed = Counter("-".join(Path(d.meta.source).with_suffix("").parts) for d in documents)
    out_docs, out_chunks = [], []
    for doc, chunks in zip(documents, chunks_per_doc):
        if counts[doc.meta.doc_id] > 1:
            new_id = "-".join(Path(doc.meta.source).with_suffix("").parts)
            if prefixed[new_id] > 1:  # a.txt and a.md in the same folder: keep the extension too
                new_id = "-".join(Path(doc.meta.source).parts)
            logger.info("duplicate doc_id %s: %s becomes %s", doc.meta.doc_id, doc.meta.source, new_id)
            doc = replace(doc, meta=replace(doc.meta, doc_id=new_id))
            chunks = chunker.chunk(doc)
        out_docs.append(doc)
        out_chunks.append(chunks)
    return out_docs, out_chunks


def ingest_paths(
    paths: Sequence[Path], corpus_root: Path, settings: Settings, progress: bool = False,
    known_directives: dict[str, SourceDirectives] | None = None,
) -> IngestResult:
    """Ingest files and folders; every input file gets a manifest entry.

    Args:
        paths: files (any extension: unsupported ones are reported as rejected) or
            folders (expanded to their supported files, ``settings.ignore_names`` skipped).
        corpus_root: the folder ``source`` names are relative to.
        settings: chunk budget and overlap, ignore list.
        progress: show a tqdm progress bar (files, and the pages of scans being read by OCR).
        known_directives: registry entries of the previous index by source, reused for unchanged files.

    Returns:
        ``IngestResult`` with the parsed documents, chunks, registry entries, manifest entries and
        stage timings.
    """
    return IngestPipeline(settings, known_directives).ingest(paths, corpus_root, progress)


def ingest_corpus(settings: Settings, progress: bool = False) -> IngestResult:
    """Ingest the whole ``settings.corpus_dir``."""
    root = Path(settings.corpus_dir)
    return ingest_paths([root], root, settings, progress)
