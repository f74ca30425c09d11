"""Incremental, atomic index build: embed only what is new, drop what is gone, swap in at the end.

Why incremental by chunk id: a chunk id hashes the normalized text plus its identifying
metadata, so an unchanged file yields the same ids and their stored vectors are reused
(``embedder.passages_embedded`` stays 0 on a second run); a changed file re-embeds only
the chunks whose text or place changed; a deleted file's chunks are simply not written
into the new index. The whole new index is written aside and swapped in by
``IndexStore.save``, so a crash or a bad file mid-run leaves the previous index loadable.

The directive registry is part of the same build: each file's registry entry comes out of the
same ingestion pass as its chunks, and the registry of exactly the indexed files is written
into the new index folder before the swap. One run at a time per data folder
(``index.datalock``): a second run waits for the first and starts from its result. An OS
error while writing (disk full, permission) ends the run with ``IndexWriteError``, one line,
and the previous index untouched.

Example:
    >>> report = build_index(Settings(data_dir="/tmp/x"), embedder=FakeEmbedder())  # doctest: +SKIP
    >>> report.chunks_embedded  # doctest: +SKIP
    412
"""

from __future__ import annotations

import errno
import logging
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from index.embed import Embedder
from index.errors import IndexWriteError
from index.registry import Registry, RegistryFormatError, SourceDirectives, registry_path
from index.schema import Chunk
from index.settings import Settings
from index.store import (
    FileRecord,
    IndexFormatError,
    IndexStore,
    Manifest,
    indexed_text,
    make_manifest,
)

logger = logging.getLogger(__name__)

#: Passages embedded per call; the progress bar advances per batch.
EMBED_BATCH = 64


@dataclass(frozen=True)
class IndexedFile:
    """One input file after ingestion: its chunks (maybe none) and content hash."""

    source: str
    path: str
    content_hash: str
    chunks: tuple[Chunk, ...]
    outside_corpus: bool = False
    directives: SourceDirectives | None = None    # its directive mentions (registry entry)


@dataclass(frozen=True)
class RejectedFile:
    """A file that could not be indexed, with the reason (Vietnamese / English)."""

    source: str
    reason: str


@dataclass(frozen=True)
class BuildReport:
    """What a build did. Files are listed by corpus-relative source."""

    index_dir: str
    model_id: str
    added: tuple[str, ...]
    changed: tuple[str, ...]
    removed: tuple[str, ...]
    unchanged: tuple[str, ...]
    rejected: tuple[RejectedFile, ...]
    chunks_total: int
    chunks_embedded: int
    chunks_reused: int
    seconds: float

    def summary(self) -> str:
        """Readable multi-line summary for the command line."""
        lines = [
            f"Chỉ mục / index: {self.index_dir}  (mô hình / model: {self.model_id})",
            f"  thêm / added: {len(self.added)}  đổi / changed: {len(self.changed)}  "
            f"xóa / removed: {len(self.removed)}  giữ nguyên / unchanged: {len(self.unchanged)}",
            f"  đoạn / chunks: {self.chunks_total}  nhúng mới / embedded: {self.chunks_embedded}  "
            f"dùng lại / reused: {self.chunks_reused}  thời gian / seconds: {self.seconds:.1f}",
        ]
        for name, items in (("+", self.added), ("~", self.changed), ("-", self.removed)):
            lines += [f"  {name} {src}" for src in items]
        lines += [f"  ! {rej.source}: {rej.reason}" for rej in self.rejected]
        return "\n".join(lines)


class IndexBuilder:
    """Turns the complete list of ingested files into the new index, reusing stored vectors.

    Example:
        >>> builder = IndexBuilder(settings, FakeEmbedder())   # doctest: +SKIP
        >>> builder.build(files, pipeline_fingerprint="p1").chunks_embedded   # doctest: +SKIP
    """

    def __init__(self, settings: Settings, embedder: Embedder):
        if not isinstance(embedder, Embedder):
            raise TypeError(f"embedder must implement index.embed.Embedder, got {type(embedder).__name__}")
        self.settings = settings
        self.embedder = embedder
        self.store = IndexStore(settings)

    def build(
        self,
        files: Sequence[IndexedFile],
        *,
        rejected: Sequence[RejectedFile] = (),
        pipeline_fingerprint: str = "",
        rebuild: bool = False,
        progress: bool = False,
        before_swap: Callable[[], None] | None = None,
    ) -> BuildReport:
        """Write an index holding exactly ``files``.

        Args:
            files: every file the new index must contain (unchanged ones included).
            rejected: files that failed ingestion, reported and left out.
            pipeline_fingerprint: recorded in the manifest.
            rebuild: ignore the previous index and re-embed everything.
            progress: show a tqdm bar while embedding.
            before_swap: test hook, see ``IndexStore.save``.

        Raises:
            ModelMismatchError: the previous index used another model and ``rebuild`` is False.
        """
        started = time.perf_counter()
        old_manifest, old_positions = self._previous(rebuild)

        chunks: list[Chunk] = []
        seen: set[str] = set()
        for file in files:
            for chunk in file.chunks:
                if chunk.chunk_id in seen:
                    logger.debug("duplicate chunk id %s in %s skipped", chunk.chunk_id, file.source)
                    continue
                seen.add(chunk.chunk_id)
                chunks.append(chunk)

        vectors = np.zeros((len(chunks), self.embedder.dim), dtype=np.float32)
        to_embed = [i for i, c in enumerate(chunks) if c.chunk_id not in old_positions]
        reuse = [i for i, c in enumerate(chunks) if c.chunk_id in old_positions]
        if reuse:
            old_vectors = self.store.load_vectors()
            rows = np.array([old_positions[chunks[i].chunk_id] for i in reuse])
            vectors[reuse] = old_vectors[rows]
        if to_embed:
            vectors[to_embed] = self._embed([indexed_text(chunks[i]) for i in to_embed], progress)

        old_files = old_manifest.files if old_manifest else {}
        new_sources = {f.source for f in files}
        added = tuple(f.source for f in files if f.source not in old_files)
        changed = tuple(
            f.source for f in files if f.source in old_files and old_files[f.source].content_hash != f.content_hash
        )
        unchanged = tuple(
            f.source for f in files if f.source in old_files and old_files[f.source].content_hash == f.content_hash
        )
        removed = tuple(src for src in old_files if src not in new_sources)

        seconds = time.perf_counter() - started
        manifest = make_manifest(
            model_id=self.embedder.model_id,
            model_fingerprint=self.embedder.fingerprint,
            dim=self.embedder.dim,
            pipeline_fingerprint=pipeline_fingerprint,
            files=[
                FileRecord(source=f.source, path=f.path, content_hash=f.content_hash,
                           chunk_ids=tuple(c.chunk_id for c in f.chunks), outside_corpus=f.outside_corpus)
                for f in files
            ],
            chunk_count=len(chunks),
            build_seconds=seconds,
        )
        # The app's corpus tab lists the last build's rejected files with their reason.
        history = old_manifest.extra.get("previous_model_fingerprints", []) if old_manifest and old_positions else []
        manifest = replace(manifest, extra={**manifest.extra, "rejected": [
            {"source": rej.source, "reason": rej.reason} for rej in rejected],
            **({"previous_model_fingerprints": history} if history else {})})
        registry = Registry()
        for file in files:
            if file.directives is not None:
                registry.add(file.source, file.directives)
        self.store.save(manifest, chunks, vectors, before_swap=before_swap, registry=registry)
        report = BuildReport(
            index_dir=str(self.store.index_dir),
            model_id=self.embedder.model_id,
            added=added, changed=changed, removed=removed, unchanged=unchanged,
            rejected=tuple(rejected),
            chunks_total=len(chunks),
            chunks_embedded=len(to_embed),
            chunks_reused=len(reuse),
            seconds=time.perf_counter() - started,
        )
        logger.info("index built: %d chunks, %d embedded, %d reused", len(chunks), len(to_embed), len(reuse))
        return report

    def _previous(self, rebuild: bool) -> tuple[Manifest | None, dict[str, int]]:
        """The previous manifest and chunk id → row of its stored vectors (empty on rebuild)."""
        if rebuild:
            try:
                return self.store.read_manifest(), {}
            except IndexFormatError as exc:
                logger.warning("ignoring the damaged previous index on rebuild: %s", exc)
                return None, {}
        manifest = self.store.recognise_model(self.embedder)   # ModelMismatchError: another model's vectors
        if manifest is None:
            return None, {}
        positions = {chunk.chunk_id: i for i, chunk in enumerate(self.store.load_chunks())}
        return manifest, positions

    def _embed(self, texts: list[str], progress: bool) -> np.ndarray:
        from tqdm import tqdm

        out = []
        with tqdm(total=len(texts), desc="Nhúng đoạn / embedding", unit="đoạn", disable=not progress) as bar:
            for start in range(0, len(texts), EMBED_BATCH):
                batch = texts[start:start + EMBED_BATCH]
                out.append(np.asarray(self.embedder.embed_passages(batch), dtype=np.float32))
                bar.update(len(batch))
        return np.concatenate(out) if out else np.zeros((0, self.embedder.dim), dtype=np.float32)


# -- corpus → files ----------------------------------------------------------------------


def _ingest(paths: list[Path], settings: Settings, progress: bool,
            known: dict[str, SourceDirectives]) -> tuple[list[IndexedFile], list[RejectedFile]]:
    """Run the ingestion pipeline and group its chunks per file."""
    from index.pipeline import ingest_paths

    corpus = Path(settings.corpus_dir).resolve()
    result = ingest_paths(paths, corpus, settings, progress=progress, known_directives=known)
    by_source: dict[str, list[Chunk]] = {}
    for chunk in result.chunks:
        by_source.setdefault(chunk.source, []).append(chunk)
    files: list[IndexedFile] = []
    rejected: list[RejectedFile] = []
    for entry in result.entries:
        if entry.status == "indexed":
            path = str(entry.path or "")
            files.append(IndexedFile(source=entry.source, path=path, content_hash=entry.content_hash,
                                     chunks=tuple(by_source.get(entry.source, ())),
                                     outside_corpus=bool(path) and not Path(path).resolve().is_relative_to(corpus),
                                     directives=result.directives.get(entry.source)))
        else:
            rejected.append(RejectedFile(source=entry.source, reason=entry.reason or entry.status))
    return files, rejected


def build_index(
    settings: Settings,
    paths: Sequence[Path] | None = None,
    embedder: Embedder | None = None,
    progress: bool = True,
    *,
    rebuild: bool = False,
    before_swap: Callable[[], None] | None = None,
    on_wait: Callable[[str], None] | None = None,
) -> BuildReport:
    """Index the corpus folder plus ``paths`` (and files added earlier that still exist).

    Args:
        settings: corpus and data folders, chunking and model settings.
        paths: extra files or folders to add to the corpus index.
        embedder: defaults to ``index.embed.load_embedder(settings)``.
        progress: tqdm bars while reading files (OCR pages) and embedding.
        rebuild: re-embed everything (after a model change).
        before_swap: test hook, see ``IndexStore.save``.
        on_wait: told once when another run holds the data folder (``index.datalock.index_lock``).

    Raises:
        ModelMismatchError: the existing index was built with another model (use ``rebuild``).
        IndexBusyError: another run kept the data folder past ``settings.index_lock_timeout``.
        IndexWriteError: the OS refused a read or write of the data folder (disk full, permission);
            the previous index is left as it was.
    """
    from index.datalock import index_lock

    if embedder is None:
        from index.embed import load_embedder

        embedder = load_embedder(settings)
    try:
        with index_lock(settings, on_wait=on_wait):
            return _build_locked(settings, paths, embedder, progress, rebuild, before_swap)
    except OSError as exc:
        raise IndexWriteError(os_error_message(exc, Path(settings.data_dir))) from exc


def os_error_message(exc: OSError, data_dir: Path) -> str:
    """One line for an OS error during a build: what failed, on which file, and that nothing was lost."""
    reason = {errno.ENOSPC: ("ổ đĩa đầy", "the disk is full"),
              errno.EDQUOT: ("hết hạn mức đĩa", "the disk quota is exceeded"),
              errno.EACCES: ("không có quyền ghi", "permission denied"),
              errno.EPERM: ("không được phép", "operation not permitted"),
              errno.EROFS: ("ổ đĩa chỉ đọc", "read-only file system")}.get(
        exc.errno, (exc.strerror or type(exc).__name__, exc.strerror or type(exc).__name__))
    where = f" ({exc.filename})" if exc.filename else ""
    return (f"Không cập nhật được chỉ mục trong {data_dir}: {reason[0]}{where}. Chỉ mục cũ vẫn nguyên vẹn. / "
            f"Cannot update the index in {data_dir}: {reason[1]}{where}. The previous index is intact.")


def _build_locked(settings: Settings, paths: Sequence[Path] | None, embedder: Embedder, progress: bool,
                  rebuild: bool, before_swap: Callable[[], None] | None) -> BuildReport:
    """``build_index`` once the data folder is locked: everything from reading the old manifest to the swap."""
    store = IndexStore(settings)
    try:
        previous = store.read_manifest()
    except IndexFormatError:
        if not rebuild:
            raise
        previous = None
    from index.extract_cache import ExtractionCache
    from index.pipeline import expand_paths, pipeline_fingerprint

    fingerprint = pipeline_fingerprint(settings)
    corpus = Path(settings.corpus_dir)
    wanted = [corpus] if corpus.is_dir() else []
    wanted += [Path(p) for p in paths or ()]
    if previous is not None:
        # Files added earlier from outside the corpus stay indexed while they exist; files that
        # were inside it are found again under the current corpus folder, never by their old path.
        wanted += [Path(rec.path) for rec in previous.files.values()
                   if rec.outside_corpus and rec.path and Path(rec.path).is_file()]
    known = _known_directives(store, previous, fingerprint)
    files, rejected = _ingest(expand_paths(wanted, settings.ignore_names), settings, progress, known)
    for rej in rejected:
        logger.warning("rejected %s: %s", rej.source, rej.reason)
    report = IndexBuilder(settings, embedder).build(
        files, rejected=rejected, pipeline_fingerprint=fingerprint, rebuild=rebuild,
        progress=progress, before_swap=before_swap,
    )
    ExtractionCache.for_data_dir(settings.data_dir).prune(f.content_hash for f in files)
    return report


def _known_directives(store: IndexStore, previous: Manifest | None, fingerprint: str) -> dict[str, SourceDirectives]:
    """Registry entries of the previous index, reusable when it was built by the same pipeline."""
    if previous is None or previous.pipeline_fingerprint != fingerprint:
        return {}
    path = registry_path(store.index_dir)
    if not path.is_file():
        return {}
    try:
        registry = Registry.load(path)
    except (RegistryFormatError, ValueError, KeyError, TypeError) as exc:
        logger.info("previous registry not reused (%s): every file's directives are read again", exc)
        return {}
    return {source: entry for source in registry.sources if (entry := registry.entry(source)) is not None}
