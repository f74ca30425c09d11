"""The persisted index: manifest, dense FAISS index, BM25, docstore and chunks, saved and loaded together.

Layout of ``settings.index_dir`` (``<data_dir>/index``)::

    manifest.json        format version, embedding model id/fingerprint/dim, pipeline
                         fingerprint, per-file content hash → chunk ids, counts, build time
    chunks.jsonl         one ``Chunk`` per line; line i is position i everywhere below
    vectors.npy          (n, dim) float32 normalized passage vectors, row i = chunk i, so a
                         rebuild reuses the vector of every unchanged chunk id
    llama/               LlamaIndex ``StorageContext``: ``default__vector_store.json`` (the
                         ``FaissVectorStore``, a ``faiss.IndexFlatIP``), ``docstore.json``
                         (the ``TextNode``s with metadata), ``index_store.json``
                         — with ``Settings.vector_store = "faiss"`` (default)
    qdrant/              embedded Qdrant (nodes as payload) — with ``vector_store = "qdrant"``
                         and no ``qdrant_url``; with a server the collection lives there
    bm25/accented/, bm25/stripped/   bm25s indexes of the two lexical fields
    registry.json        the directive registry (``index.registry``): every file's directive
                         mentions, derived by the same ingestion run as the chunks

The dense side is written and opened by the configured ``index.vector_backends`` backend;
the manifest records which one (``extra["vector_store"]``, ``extra["vector_index"]``), and
loading with another one configured fails with the fix (``VectorStoreMismatchError``).

Why a flat index rebuilt on every save, not ``IndexIDMap2`` with removals: adding n
normalized vectors to ``IndexFlatIP`` is a copy (measured ~4 ms for 3 000 × 384), and a
fresh index keeps FAISS position == chunk position == BM25 position with no id maps to
keep in sync.

From ``settings.approximate_index_min_chunks`` chunks on, the FAISS index is an HNSW graph
(``IndexHNSWFlat``, inner product) instead of the exact flat one: exact search grows
linearly with the corpus while HNSW stays nearly flat at a recall@10 near 1 (measured by
``bench/scale.py``; README "Scale plan"). The choice is made at every save from the chunk
count and recorded in the manifest (``extra["vector_index"]``); positions stay the same,
so nothing else changes. Searches pass ``vector_search_params`` so HNSW looks at enough
candidates (``index.vector_backends.FaissSearch``).

Atomic save (txtai writes the config and then one file per part; we do the same, but
aside): everything is written into a sibling temp folder, fsynced, then swapped in by
two renames — current → ``.index-old-…``, temp → ``index`` — and the old folder is
deleted only after the swap. If a process dies between the two renames, ``load``
puts the old folder back, so the previous index is always loadable. That repair is left
alone while another run holds the data folder's index lock (``index.datalock``): there the
missing folder is a swap in progress, not an interrupted one.

Example:
    >>> store = IndexStore(Settings(data_dir="/tmp/st"))    # doctest: +SKIP
    >>> loaded = store.load(expected_fingerprint=embedder.fingerprint)   # doctest: +SKIP
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np

from index.errors import IndexNotFoundError, ModelMismatchError, SoanThaoError
from index.lexical import LEXICAL_VERSION, LexicalIndex
from index.schema import Chunk
from index.settings import Settings
from index.vector_backends import (  # noqa: F401  (HNSW_*, new_vector_index, vector_search_params: re-exported)
    HNSW_EF_CONSTRUCTION,
    HNSW_EF_SEARCH,
    HNSW_M,
    LLAMA_DIR,
    FaissSearch,
    VectorSearch,
    VectorStoreMismatchError,
    backend_label,
    new_vector_index,
    vector_backend,
    vector_search_params,
    vector_store_mismatch_message,
)

logger = logging.getLogger(__name__)

FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"
CHUNKS_NAME = "chunks.jsonl"
VECTORS_NAME = "vectors.npy"
BM25_DIR = "bm25"
REGISTRY_NAME = "registry.json"   # = index.registry.REGISTRY_FILENAME (written by Registry.save)
# Recognising an index of the same model under another fingerprint: this many stored chunks are
# embedded again and must come back at this cosine (the same weights give 1.0 up to float
# rounding; int8 weights of the same model give 0.97-0.99, another model far less).
SAME_MODEL_PROBE = 8
SAME_VECTORS_MIN_COSINE = 0.9999
_OLD_PREFIX = ".index-old-"
_TMP_PREFIX = ".index-tmp-"


class IndexFormatError(SoanThaoError):
    """The index folder is damaged or was written by an incompatible version."""


@dataclass(frozen=True)
class FileRecord:
    """One indexed input file: where it is, its content hash and the chunks it produced."""

    source: str                  # corpus-relative path (the user-facing name)
    path: str                    # absolute path on disk when indexed (to notice deletions)
    content_hash: str
    chunk_ids: tuple[str, ...]
    # Added by path from outside the corpus folder: re-read from ``path`` on later builds.
    # Files inside the corpus are found again under the current corpus folder, so a moved
    # project (or another checkout sharing the data folder) never indexes them twice.
    outside_corpus: bool = False


@dataclass(frozen=True)
class Manifest:
    """What was indexed with what: read first on load, validated before anything else."""

    format_version: int
    model_id: str
    model_fingerprint: str
    dim: int
    pipeline_fingerprint: str
    files: dict[str, FileRecord]          # by source
    chunk_count: int
    built_at: str                         # ISO 8601, UTC
    build_seconds: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["files"] = {src: {**asdict(rec), "chunk_ids": list(rec.chunk_ids)} for src, rec in self.files.items()}
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Manifest":
        files = {
            src: FileRecord(
                source=rec["source"], path=rec["path"], content_hash=rec["content_hash"],
                chunk_ids=tuple(rec["chunk_ids"]),
                outside_corpus=bool(rec.get("outside_corpus", _added_from_outside(rec))),
            )
            for src, rec in data.get("files", {}).items()
        }
        return cls(
            format_version=int(data["format_version"]),
            model_id=data["model_id"],
            model_fingerprint=data["model_fingerprint"],
            dim=int(data["dim"]),
            pipeline_fingerprint=data.get("pipeline_fingerprint", ""),
            files=files,
            chunk_count=int(data["chunk_count"]),
            built_at=data.get("built_at", ""),
            build_seconds=float(data.get("build_seconds", 0.0)),
            extra=dict(data.get("extra", {})),
        )


@dataclass(frozen=True)
class LoadedIndex:
    """Everything a retriever needs, in memory. Position i is the same chunk in every part."""

    manifest: Manifest
    chunks: tuple[Chunk, ...]
    faiss_index: Any                      # IndexFlatIP / IndexHNSWFlat; None when another store holds the vectors
    lexical: LexicalIndex
    path: Path
    vector_search: VectorSearch | None = None   # the opened store when it is not FAISS

    @property
    def dense(self) -> VectorSearch:
        """The dense side, whichever store holds it. FAISS is wrapped on each call, so a caller
        that replaces ``faiss_index`` (``bench/embedding.py`` does) searches its own index."""
        if self.vector_search is not None:
            return self.vector_search
        return FaissSearch(self.faiss_index)


def chunk_to_json(chunk: Chunk) -> dict[str, Any]:
    data = asdict(chunk)
    data["section_path"] = list(chunk.section_path)
    return data


def chunk_from_json(data: dict[str, Any]) -> Chunk:
    return Chunk(
        chunk_id=data["chunk_id"], doc_id=data["doc_id"], source=data["source"], text=data["text"],
        section_path=tuple(data["section_path"]), line_start=int(data["line_start"]),
        line_end=int(data["line_end"]), meta=dict(data.get("meta", {})),
    )


def indexed_text(chunk: Chunk) -> str:
    """What is embedded and BM25-indexed: the section path, a blank line, the passage.

    Headings carry the topic ("4. Công tác tiếp dân, giải quyết đơn thư"), so both the
    dense and the lexical side see them; this is ``index.chunk.embed_text``.
    """
    from index.chunk import embed_text

    return embed_text(chunk)


def model_mismatch_message(index_model: str, index_fp: str, configured_model: str, configured_fp: str) -> str:
    return (
        f"Chỉ mục được tạo bằng mô hình '{index_model}' (dấu vân tay {index_fp[:12]}), nhưng mô hình đang cấu hình "
        f"là '{configured_model}' ({configured_fp[:12]}). Sửa: chạy `soanthao index --rebuild` để tạo lại chỉ mục, "
        f"hoặc cấu hình lại mô hình đã dùng. / The index was built with '{index_model}' "
        f"(fingerprint {index_fp[:12]}) but the configured model is '{configured_model}' ({configured_fp[:12]}). "
        "Fix: rebuild with `soanthao index --rebuild`, or configure the model the index was built with."
    )


def _fsync_tree(folder: Path) -> None:
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            with open(path, "rb") as fh:
                os.fsync(fh.fileno())
    for path in [folder, *sorted(p for p in folder.rglob("*") if p.is_dir())]:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


class IndexStore:
    """Saves and loads the whole index under ``settings.index_dir``.

    Example:
        >>> store = IndexStore(Settings(data_dir="/tmp/x"))
        >>> store.exists()
        False
    """

    def __init__(self, settings: Settings):
        self.settings = settings
        self.index_dir = Path(settings.index_dir)
        self.parent = self.index_dir.parent

    # -- reading -------------------------------------------------------------------------

    def exists(self) -> bool:
        self._recover_interrupted_swap()
        return (self.index_dir / MANIFEST_NAME).is_file()

    def read_manifest(self) -> Manifest | None:
        """The manifest of the current index, or None when there is none yet."""
        self._recover_interrupted_swap()
        path = self.index_dir / MANIFEST_NAME
        if not path.is_file():
            return None
        try:
            manifest = Manifest.from_json(json.loads(path.read_text(encoding="utf-8")))
        except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            raise IndexFormatError(
                f"Tệp {path} hỏng ({exc}); chạy `soanthao index --rebuild`. / "
                f"{path} is damaged ({exc}); run `soanthao index --rebuild`."
            ) from exc
        if manifest.format_version != FORMAT_VERSION:
            raise IndexFormatError(
                f"Chỉ mục {self.index_dir} có định dạng {manifest.format_version}, cần {FORMAT_VERSION}; chạy "
                f"`soanthao index --rebuild`. / Index format {manifest.format_version} at {self.index_dir}, "
                f"expected {FORMAT_VERSION}; run `soanthao index --rebuild`."
            )
        return manifest

    def recognise_model(self, embedder: Any) -> Manifest | None:
        """The manifest, once the index is known to hold ``embedder``'s vectors (None: no index yet).

        An index written under another fingerprint of the same model (the first fingerprint
        scheme, which changed with every library upgrade) is recognised by embedding a few stored
        chunks again: when every vector comes back the same, the manifest takes the new
        fingerprint in place (the old one is kept in ``extra["previous_model_fingerprints"]``)
        and nothing is re-embedded.

        Raises:
            ModelMismatchError: the vectors differ, or the dimension does.
        """
        manifest = self.read_manifest()
        if manifest is None or manifest.model_fingerprint == embedder.fingerprint:
            return manifest
        if manifest.dim == embedder.dim and self._same_vectors(manifest, embedder):
            previous = [*manifest.extra.get("previous_model_fingerprints", []), manifest.model_fingerprint]
            adopted = replace(manifest, model_id=embedder.model_id, model_fingerprint=embedder.fingerprint,
                              extra={**manifest.extra, "previous_model_fingerprints": previous})
            self._rewrite_manifest(adopted)
            logger.info("index %s: same vectors under the new model fingerprint %s (was %s); manifest updated",
                        self.index_dir, embedder.fingerprint[:12], manifest.model_fingerprint[:12])
            return adopted
        raise ModelMismatchError(model_mismatch_message(manifest.model_id, manifest.model_fingerprint,
                                                        embedder.model_id, embedder.fingerprint))

    def _same_vectors(self, manifest: Manifest, embedder: Any) -> bool:
        """Do ``SAME_MODEL_PROBE`` stored chunks, spread over the index, embed to their stored vectors?"""
        if manifest.chunk_count == 0:
            return True
        try:
            chunks = self.load_chunks()
            stored = self.load_vectors()
        except (OSError, ValueError) as exc:
            logger.warning("cannot compare the stored vectors of %s: %s", self.index_dir, exc)
            return False
        positions = sorted({int(p) for p in np.linspace(0, len(chunks) - 1, min(SAME_MODEL_PROBE, len(chunks)))})
        fresh = np.asarray(embedder.embed_passages([indexed_text(chunks[p]) for p in positions]), dtype=np.float32)
        cosines = np.sum(fresh * np.asarray(stored[positions], dtype=np.float32), axis=1)
        logger.info("same-model probe of %s: lowest cosine %.6f over %d chunks", self.index_dir,
                    float(cosines.min()), len(positions))
        return bool(cosines.min() >= SAME_VECTORS_MIN_COSINE)

    def _rewrite_manifest(self, manifest: Manifest) -> None:
        """Replace manifest.json in one rename (the rest of the index is unchanged)."""
        path = self.index_dir / MANIFEST_NAME
        tmp = path.with_name(f".{MANIFEST_NAME}.{os.getpid()}.tmp")
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(manifest.to_json(), fh, ensure_ascii=False, indent=1)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)

    def load(self, expected_fingerprint: str | None = None, expected_model_id: str = "",
             embedder: Any = None) -> LoadedIndex:
        """Load manifest → dense vectors (configured store) → bm25 → chunks.

        Args:
            expected_fingerprint: the configured embedder's fingerprint; None skips the
                check (lexical-only use).
            expected_model_id: for the error message only.
            embedder: the configured embedder; when given, an index of the same model under an
                older fingerprint is recognised (``recognise_model``) instead of refused.

        Raises:
            IndexNotFoundError: no index in the data folder.
            ModelMismatchError: built with another embedding model.
            VectorStoreMismatchError: built with another vector store than the configured one.
            VectorStoreError: the configured store cannot be opened (server down, folder busy).
            IndexFormatError: damaged or incompatible files.
        """
        if embedder is not None:
            self.recognise_model(embedder)
            expected_fingerprint, expected_model_id = embedder.fingerprint, embedder.model_id
        manifest = self.read_manifest()
        if manifest is None:
            raise IndexNotFoundError(
                f"Chưa có chỉ mục trong {self.index_dir}. Sửa: chạy `soanthao index` (hoặc đặt --data-dir / "
                f"SOANTHAO_DATA_DIR tới thư mục đã có chỉ mục). / No index in {self.index_dir}. Fix: run "
                "`soanthao index` (or point --data-dir / SOANTHAO_DATA_DIR at a folder that has one)."
            )
        if expected_fingerprint is not None and expected_fingerprint != manifest.model_fingerprint:
            raise ModelMismatchError(
                model_mismatch_message(
                    manifest.model_id, manifest.model_fingerprint, expected_model_id or "?", expected_fingerprint
                )
            )
        if manifest.extra.get("lexical_version") != LEXICAL_VERSION:
            raise IndexFormatError(
                f"Chỉ mục {self.index_dir} dùng cách tách từ BM25 cũ; chạy `soanthao index` (không nhúng lại). / "
                f"The index at {self.index_dir} was tokenized by an older BM25 version; run `soanthao index` "
                "(nothing is re-embedded)."
            )
        backend = self._backend_for(manifest)
        try:
            dense = backend.open(self.index_dir, manifest.extra.get("vector_index", {}))
            lexical = LexicalIndex.load(self.index_dir / BM25_DIR, size=manifest.chunk_count)
            with open(self.index_dir / CHUNKS_NAME, encoding="utf-8") as fh:
                chunks = tuple(chunk_from_json(json.loads(line)) for line in fh if line.strip())
        except (OSError, RuntimeError, ValueError, KeyError) as exc:
            raise IndexFormatError(
                f"Chỉ mục {self.index_dir} không đọc được ({exc}); chạy `soanthao index --rebuild`. / "
                f"Cannot read the index at {self.index_dir} ({exc}); run `soanthao index --rebuild`."
            ) from exc
        if not (len(chunks) == manifest.chunk_count == dense.size == lexical.size):
            raise IndexFormatError(
                f"Các phần của chỉ mục {self.index_dir} không khớp nhau (chunks {len(chunks)}, {backend.name} "
                f"{dense.size}, manifest {manifest.chunk_count}); chạy `soanthao index --rebuild`. / "
                f"Index parts disagree at {self.index_dir}; run `soanthao index --rebuild`."
            )
        faiss_index = dense.faiss_index if isinstance(dense, FaissSearch) else None
        if faiss_index is not None and faiss_index.ntotal and faiss_index.d != manifest.dim:
            raise IndexFormatError(f"FAISS dim {faiss_index.d} != manifest dim {manifest.dim} in {self.index_dir}")
        logger.info("loaded index %s: %d chunks, model %s, %s", self.index_dir, len(chunks), manifest.model_id,
                    backend.name)
        return LoadedIndex(manifest=manifest, chunks=chunks, faiss_index=faiss_index, lexical=lexical,
                           path=self.index_dir, vector_search=None if faiss_index is not None else dense)

    def _backend_for(self, manifest: Manifest):
        """The configured vector backend, after checking it is the one that built the index."""
        built = manifest.extra.get("vector_store", "faiss")   # manifests from before the choice: FAISS
        built_label = backend_label(manifest.extra.get("vector_index", {}), built)
        configured = self.settings.vector_store
        configured_label = backend_label({"url": self.settings.qdrant_url}, configured)
        if built_label != configured_label:
            raise VectorStoreMismatchError(vector_store_mismatch_message(self.index_dir, built_label,
                                                                         configured_label))
        return vector_backend(self.settings)

    def load_vectors(self) -> np.ndarray:
        """The stored passage vectors (row i = chunk i), memory-mapped read-only."""
        return np.load(self.index_dir / VECTORS_NAME, mmap_mode="r")

    def load_chunks(self) -> tuple[Chunk, ...]:
        with open(self.index_dir / CHUNKS_NAME, encoding="utf-8") as fh:
            return tuple(chunk_from_json(json.loads(line)) for line in fh if line.strip())

    def as_llama_index(self, embed_model: Any):
        """The persisted index as a LlamaIndex ``VectorStoreIndex`` (for LlamaIndex-based callers).

        With Qdrant the nodes come from the collection's payload (there is no separate docstore).
        """
        from llama_index.core import StorageContext, VectorStoreIndex, load_index_from_storage
        from llama_index.vector_stores.faiss import FaissVectorStore

        manifest = self.read_manifest()
        if manifest is not None and manifest.extra.get("vector_store", "faiss") == "qdrant":
            from llama_index.vector_stores.qdrant import QdrantVectorStore

            opened = self._backend_for(manifest).open(self.index_dir, manifest.extra["vector_index"])
            store = QdrantVectorStore(collection_name=opened.collection, client=opened.client)
            return VectorStoreIndex.from_vector_store(store, embed_model=embed_model)

        folder = str(self.index_dir / LLAMA_DIR)
        vector_store = FaissVectorStore.from_persist_dir(folder)
        context = StorageContext.from_defaults(vector_store=vector_store, persist_dir=folder)
        return load_index_from_storage(context, embed_model=embed_model)

    # -- writing -------------------------------------------------------------------------

    def save(
        self,
        manifest: Manifest,
        chunks: Sequence[Chunk],
        vectors: np.ndarray,
        before_swap: Any = None,
        registry: Any = None,
    ) -> Path:
        """Write a complete new index aside, then swap it in.

        Args:
            manifest: its ``chunk_count`` must equal ``len(chunks)``.
            chunks: in index order.
            vectors: (len(chunks), manifest.dim) float32, normalized.
            before_swap: optional callable run after everything is written and fsynced and
                before the swap (tests use it to kill the process at the worst moment).
            registry: the directive registry (``index.registry.Registry``) of the same files,
                written as ``registry.json`` into the same folder.

        Returns:
            The index folder.
        """
        vectors = np.ascontiguousarray(vectors, dtype=np.float32).reshape(len(chunks), manifest.dim)
        if manifest.chunk_count != len(chunks):
            raise ValueError(f"manifest says {manifest.chunk_count} chunks, got {len(chunks)}")
        self._recover_interrupted_swap()
        try:
            replaced = self.read_manifest()     # its external vectors (a server collection) go after the swap
        except IndexFormatError:
            replaced = None
        self.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.parent / f"{_TMP_PREFIX}{os.getpid()}-{time.time_ns()}"
        tmp.mkdir()
        try:
            self._write_parts(tmp, manifest, chunks, vectors)
            if registry is not None:
                registry.save(tmp / REGISTRY_NAME)
            _fsync_tree(tmp)
            if before_swap is not None:
                before_swap()
            self._swap_in(tmp)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp)
        if replaced is not None and replaced.extra.get("vector_store") == self.settings.vector_store:
            vector_backend(self.settings).discard(replaced.extra.get("vector_index", {}))
        return self.index_dir

    def _write_parts(self, folder: Path, manifest: Manifest, chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
        backend = vector_backend(self.settings)
        description = backend.write(folder, chunks, vectors)
        manifest = replace(manifest, extra={**manifest.extra, "vector_store": backend.name,
                                            "vector_index": description})
        (folder / MANIFEST_NAME).write_text(
            json.dumps(manifest.to_json(), ensure_ascii=False, indent=1), encoding="utf-8"
        )
        from index.words import SEGMENTED_NAME, load_segmented, save_segmented, text_key

        texts = [indexed_text(chunk) for chunk in chunks]
        segmented = load_segmented(self.index_dir / BM25_DIR / SEGMENTED_NAME)   # the previous build's words
        LexicalIndex.build(texts, segmented=segmented).save(folder / BM25_DIR)
        save_segmented(folder / BM25_DIR / SEGMENTED_NAME, segmented, {text_key(t) for t in texts})
        with open(folder / CHUNKS_NAME, "w", encoding="utf-8") as fh:
            for chunk in chunks:
                fh.write(json.dumps(chunk_to_json(chunk), ensure_ascii=False) + "\n")
        np.save(folder / VECTORS_NAME, vectors)

    def _swap_in(self, tmp: Path) -> None:
        old = None
        if self.index_dir.exists():
            old = self.parent / f"{_OLD_PREFIX}{os.getpid()}-{time.time_ns()}"
            os.rename(self.index_dir, old)
        os.rename(tmp, self.index_dir)
        fd = os.open(self.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        if old is not None:
            shutil.rmtree(old)
        logger.info("swapped in new index at %s", self.index_dir)

    def _wait_for_swap(self, seconds: float = 5.0) -> None:
        """Another run is swapping its new index in: give its second rename a moment to land."""
        deadline = time.monotonic() + seconds
        while not self.index_dir.exists() and any(self.parent.glob(f"{_OLD_PREFIX}*")) \
                and time.monotonic() < deadline:
            time.sleep(0.05)

    def _recover_interrupted_swap(self) -> None:
        """Undo a swap cut between its two renames; drop leftovers of dead builds."""
        if not self.parent.is_dir():
            return
        from index.datalock import update_in_progress

        if update_in_progress(self.parent):
            self._wait_for_swap()
            return
        olds = sorted(self.parent.glob(f"{_OLD_PREFIX}*"), key=lambda p: p.stat().st_mtime)
        if olds and not self.index_dir.exists():
            logger.warning("restoring the previous index from %s (a swap was interrupted)", olds[-1])
            os.rename(olds[-1], self.index_dir)
            olds = olds[:-1]
        for leftover in olds:
            if self.index_dir.exists():
                shutil.rmtree(leftover)
        for tmp in self.parent.glob(f"{_TMP_PREFIX}*"):
            if not _pid_alive(_pid_of(tmp.name)):
                logger.info("removing %s left by a build that did not finish", tmp)
                shutil.rmtree(tmp)


def _pid_of(name: str) -> int:
    try:
        return int(name.rsplit("-", 2)[-2])
    except (IndexError, ValueError):
        return -1


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _added_from_outside(rec: dict[str, Any]) -> bool:
    """For manifests written before ``outside_corpus`` existed: outside files were named by bare file name."""
    return bool(rec.get("path")) and "/" not in rec["source"] and Path(rec["path"]).name == rec["source"]


def make_manifest(
    *,
    model_id: str,
    model_fingerprint: str,
    dim: int,
    pipeline_fingerprint: str,
    files: Iterable[FileRecord],
    chunk_count: int,
    build_seconds: float = 0.0,
) -> Manifest:
    return Manifest(
        format_version=FORMAT_VERSION,
        model_id=model_id,
        model_fingerprint=model_fingerprint,
        dim=dim,
        pipeline_fingerprint=pipeline_fingerprint,
        files={rec.source: rec for rec in files},
        chunk_count=chunk_count,
        built_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        build_seconds=build_seconds,
        extra={"lexical_version": LEXICAL_VERSION},
    )
