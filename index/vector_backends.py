"""The dense vector store behind retrieval, chosen by ``Settings.vector_store``: FAISS or Qdrant.

Retrieval needs four things from a vector store, and nothing else: write every vector of
a build, open what was written, search it (optionally only among allowed positions), and
describe itself for the manifest. Position i (row i of ``chunks.jsonl`` and of
``vectors.npy``, document i of BM25) is the id in every store, so swapping the store
changes nothing in chunking, BM25, fusion or drafting.

- ``FaissBackend`` (default): the FAISS index inside the index folder, through
  LlamaIndex's ``FaissVectorStore`` — exact ``IndexFlatIP`` below
  ``Settings.approximate_index_min_chunks``, HNSW from it on (README "Scale plan").
- ``QdrantBackend``: a Qdrant collection, written in LlamaIndex's Qdrant payload format
  (so ``QdrantVectorStore`` reads it as is). Embedded (``<index>/qdrant``, one process at
  a time) unless ``Settings.qdrant_url`` names a server. Point id = position, dot product
  on the normalized vectors, so scores equal FAISS's inner products.

Why filters are sent as allowed point ids (``HasIdCondition``), not as Qdrant payload
filters: ``SearchFilters.matches`` folds accents and matches unit names by substring,
which payload filters cannot express; sending its result keeps one definition of a
filter and the same answers on every store. The shorter of the allowed and the excluded
id lists is sent.

Why every build writes a new collection named in the manifest (``soanthao-<build id>``)
instead of updating one in place: the manifest, chunks and BM25 are swapped in together
(``IndexStore.save``), so the collection they point to changes at the same instant —
a crash before the swap leaves the previous manifest pointing at the previous, complete
collection. The previous build's collection is dropped after the swap. That is what an
alias switch would give, without a second name to keep in sync.

Example:
    >>> backend = vector_backend(Settings(vector_store="faiss"))
    >>> backend.name
    'faiss'
"""

from __future__ import annotations

import atexit
import logging
import sqlite3
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, Sequence, runtime_checkable

import numpy as np

from index.errors import SoanThaoError
from index.schema import Chunk
from index.settings import Settings

if TYPE_CHECKING:
    from llama_index.core.schema import TextNode

logger = logging.getLogger(__name__)

LLAMA_DIR = "llama"
FAISS_FILE = "default__vector_store.json"   # LlamaIndex's name for the persisted FaissVectorStore
QDRANT_DIR = "qdrant"
QDRANT_VECTOR_NAME = "text-dense"           # LlamaIndex QdrantVectorStore's default dense vector name
QDRANT_UPLOAD_BATCH = 256

#: HNSW graph degree, build-time and search-time candidate list sizes (bench/scale.py).
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 40
HNSW_EF_SEARCH = 128
#: From this many chunks the graph is searched wider: at 1M synthetic chunks efSearch 128 found
#: only 0.887 of the exact top 10, 1024 found 0.975 at 7 ms p95 — still far below encoding the query.
HNSW_LARGE_MIN_CHUNKS = 500_000
HNSW_EF_SEARCH_LARGE = 1024


def hnsw_ef_search(chunk_count: int) -> int:
    """Search-time candidate list of the HNSW graph for a corpus of ``chunk_count`` chunks."""
    return HNSW_EF_SEARCH_LARGE if chunk_count >= HNSW_LARGE_MIN_CHUNKS else HNSW_EF_SEARCH


class VectorStoreError(SoanThaoError):
    """The configured vector store cannot be used (package missing, server down, folder busy)."""


class VectorStoreMismatchError(VectorStoreError):
    """The index was built with another vector store than the configured one."""


@runtime_checkable
class VectorSearch(Protocol):
    """An opened vector store: ``size`` vectors, searched by inner product."""

    @property
    def size(self) -> int: ...

    def search(self, query_vector: np.ndarray, k: int,
               allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Top ``k`` (position, inner product), best first, among ``allowed`` positions (None = all)."""
        ...


@runtime_checkable
class VectorBackend(Protocol):
    """Writes and opens the vectors of one index build."""

    name: str

    def write(self, folder: Path, chunks: Sequence[Chunk], vectors: np.ndarray) -> dict[str, Any]:
        """Store ``vectors`` (row i = ``chunks[i]``) for the index being written in ``folder``;
        returns the description recorded in the manifest (``extra["vector_index"]``)."""
        ...

    def open(self, folder: Path, description: dict[str, Any]) -> VectorSearch:
        """Open what ``write`` stored for the index in ``folder``."""
        ...

    def discard(self, description: dict[str, Any]) -> None:
        """Drop storage that lives outside the index folder once a newer build replaced it."""
        ...


def vector_backend(settings: Settings) -> VectorBackend:
    """The backend ``settings.vector_store`` names."""
    if settings.vector_store == "qdrant":
        return QdrantBackend(settings)
    return FaissBackend(settings)


def backend_label(description: dict[str, Any], name: str) -> str:
    """``faiss`` / ``qdrant`` plus where the data is, for messages."""
    if name == "qdrant":
        return f"qdrant ({description.get('url') or 'embedded'})"
    return name


def vector_store_mismatch_message(index_dir: Path, built: str, configured: str) -> str:
    return (
        f"Chỉ mục {index_dir} được tạo với kho vectơ '{built}', nhưng cấu hình hiện tại là '{configured}' "
        f"(SOANTHAO_VECTOR_STORE / SOANTHAO_QDRANT_URL). Sửa: chạy `soanthao index` để ghi lại vectơ vào kho mới "
        f"(dùng lại vectơ đã lưu, không nhúng lại; `soanthao index --rebuild` cũng được), hoặc đặt lại cấu hình "
        f"cũ. / The index at {index_dir} was built with the '{built}' vector store but '{configured}' is "
        "configured (SOANTHAO_VECTOR_STORE / SOANTHAO_QDRANT_URL). Fix: run `soanthao index` to write the "
        "stored vectors into the configured store (nothing is re-embedded; `soanthao index --rebuild` works "
        "too), or configure the store the index was built with."
    )


def chunk_nodes(chunks: Sequence[Chunk], vectors: np.ndarray) -> list["TextNode"]:
    """LlamaIndex nodes (id = chunk id, metadata, text) carrying their vectors, for either store."""
    from index.chunk import chunk_to_node

    nodes = []
    for chunk, vector in zip(chunks, vectors):
        node = chunk_to_node(chunk)
        node.embedding = vector.tolist()
        nodes.append(node)
    return nodes


# -- FAISS ---------------------------------------------------------------------------------


def new_vector_index(dim: int, chunk_count: int, approximate_min_chunks: int) -> tuple[Any, dict[str, Any]]:
    """An empty FAISS index for ``chunk_count`` normalized vectors, and its manifest description.

    Exact ``IndexFlatIP`` below ``approximate_min_chunks``, ``IndexHNSWFlat`` (inner product)
    from it on.
    """
    import faiss

    if chunk_count < approximate_min_chunks:
        return faiss.IndexFlatIP(dim), {"type": "flat", "metric": "inner_product",
                                        "approximate_min_chunks": approximate_min_chunks}
    index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
    index.hnsw.efSearch = hnsw_ef_search(chunk_count)
    return index, {"type": "hnsw", "metric": "inner_product", "M": HNSW_M, "efConstruction": HNSW_EF_CONSTRUCTION,
                   "efSearch": index.hnsw.efSearch, "approximate_min_chunks": approximate_min_chunks}


def vector_search_params(faiss_index: Any, k: int, selector: Any = None) -> Any:
    """FAISS search parameters for ``faiss_index``: the id filter, and for HNSW an ``efSearch``
    of at least ``k`` (HNSW rejects plain ``SearchParameters``). None when nothing to set."""
    import faiss

    if isinstance(faiss_index, faiss.IndexHNSW):
        params = faiss.SearchParametersHNSW()
        params.efSearch = max(int(faiss_index.hnsw.efSearch), int(k))
        if selector is not None:
            params.sel = selector
        return params
    if selector is not None:
        return faiss.SearchParameters(sel=selector)
    return None


@dataclass(frozen=True)
class FaissSearch:
    """A FAISS index searched in-process; its ids are positions."""

    faiss_index: Any

    @property
    def size(self) -> int:
        return int(self.faiss_index.ntotal)

    def search(self, query_vector: np.ndarray, k: int,
               allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        import faiss

        vector = np.asarray(query_vector, dtype=np.float32).reshape(1, -1)
        if allowed is None:
            want = min(k, self.size)
            params = vector_search_params(self.faiss_index, want)
        else:
            allowed = np.asarray(allowed, dtype=np.int64)
            want = min(k, int(allowed.size))
            params = vector_search_params(self.faiss_index, want, faiss.IDSelectorBatch(allowed))
        if want <= 0:
            return []
        scores, ids = self.faiss_index.search(vector, want, params=params)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i >= 0]


class FaissBackend:
    """FAISS persisted by LlamaIndex's ``FaissVectorStore`` in ``<index>/llama`` with the docstore."""

    name = "faiss"

    def __init__(self, settings: Settings):
        self.approximate_min_chunks = settings.approximate_index_min_chunks

    def write(self, folder: Path, chunks: Sequence[Chunk], vectors: np.ndarray) -> dict[str, Any]:
        from llama_index.core import StorageContext, VectorStoreIndex
        from llama_index.core.embeddings import MockEmbedding
        from llama_index.vector_stores.faiss import FaissVectorStore

        faiss_index, description = new_vector_index(vectors.shape[1], len(chunks), self.approximate_min_chunks)
        context = StorageContext.from_defaults(vector_store=FaissVectorStore(faiss_index=faiss_index))
        # Nodes carry their embeddings, so the (mock) embed model is never called; passing it
        # keeps LlamaIndex from resolving its OpenAI default.
        VectorStoreIndex(chunk_nodes(chunks, vectors), storage_context=context,
                         embed_model=MockEmbedding(embed_dim=vectors.shape[1]), show_progress=False)
        context.persist(persist_dir=str(folder / LLAMA_DIR))
        return description

    def open(self, folder: Path, description: dict[str, Any]) -> FaissSearch:
        import faiss

        return FaissSearch(faiss.read_index(str(folder / LLAMA_DIR / FAISS_FILE)))

    def discard(self, description: dict[str, Any]) -> None:
        """Nothing lives outside the index folder."""


# -- Qdrant --------------------------------------------------------------------------------

# Embedded Qdrant locks its folder per client, so one process keeps one client per folder.
_EMBEDDED: dict[str, Any] = {}
_EMBEDDED_LOCK = threading.Lock()


def _embedded_client(path: Path, collection: str | None = None) -> Any:
    """This process's client of the embedded store at ``path``; reopened when it was opened
    before a rebuild swapped a new folder in (it then lacks ``collection``)."""
    from qdrant_client import QdrantClient

    key = str(path.resolve())
    with _EMBEDDED_LOCK:
        stale = _EMBEDDED.get(key)
        if stale is not None and collection is not None and not stale.collection_exists(collection):
            stale.close()
            del _EMBEDDED[key]
        if key not in _EMBEDDED:
            try:
                _EMBEDDED[key] = QdrantClient(path=key)
            except RuntimeError as exc:   # qdrant_client.local: "already accessed by another instance"
                raise VectorStoreError(
                    f"Kho Qdrant nhúng {key} đang được một tiến trình khác mở ({exc}). Qdrant nhúng chỉ phục vụ "
                    "một tiến trình; dùng máy chủ Qdrant (SOANTHAO_QDRANT_URL) hoặc SOANTHAO_VECTOR_STORE=faiss. "
                    f"/ The embedded Qdrant store {key} is open in another process ({exc}). Embedded Qdrant "
                    "serves one process; use a Qdrant server (SOANTHAO_QDRANT_URL) or SOANTHAO_VECTOR_STORE=faiss."
                ) from exc
        return _EMBEDDED[key]


def close_embedded(path: Path) -> None:
    """Release this process's embedded client of ``path`` (before the folder is deleted or reused)."""
    with _EMBEDDED_LOCK:
        client = _EMBEDDED.pop(str(path.resolve()), None)
    if client is not None:
        client.close()


@atexit.register
def _close_all_embedded() -> None:
    """Close while the interpreter still works (qdrant_client's own ``__del__`` fails at shutdown)."""
    with _EMBEDDED_LOCK:
        clients = list(_EMBEDDED.values())
        _EMBEDDED.clear()
    for client in clients:
        client.close()


def _skip_per_point_fsync(client: Any, collection: str) -> None:
    """Let embedded Qdrant's SQLite skip the fsync it does at each point's commit.

    Embedded Qdrant commits once per point: 3 145 points took ~40 s on disk against ~1 s in
    memory. The folder is written aside and fsynced as a whole before the swap
    (``IndexStore.save``), so per-point durability buys nothing. Reaches into qdrant_client's
    local-mode internals; when they change, writes are only slower (logged), never wrong.
    """
    local = getattr(client, "_client", None)
    storage = getattr(getattr(local, "collections", {}).get(collection), "storage", None)
    connection = getattr(storage, "storage", None)
    if isinstance(connection, sqlite3.Connection):
        connection.execute("PRAGMA synchronous=OFF")
    elif local is not None and type(local).__name__ == "QdrantLocal":
        logger.info("embedded qdrant internals changed: writing with one fsync per point (slow)")


@dataclass(frozen=True)
class QdrantSearch:
    """A Qdrant collection whose point ids are positions."""

    client: Any
    collection: str
    count: int
    on_server: bool = False   # a server searches an HNSW graph (hnsw_ef applies); embedded search is exact

    @property
    def size(self) -> int:
        return self.count

    def search(self, query_vector: np.ndarray, k: int,
               allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        from qdrant_client import models

        query_filter = None
        want = min(k, self.count)
        if allowed is not None:
            allowed = np.asarray(allowed, dtype=np.int64)
            want = min(want, int(allowed.size))
            if 2 * allowed.size <= self.count:
                query_filter = models.Filter(must=[models.HasIdCondition(has_id=allowed.tolist())])
            else:
                excluded = np.setdiff1d(np.arange(self.count, dtype=np.int64), allowed, assume_unique=True)
                if excluded.size:
                    query_filter = models.Filter(must_not=[models.HasIdCondition(has_id=excluded.tolist())])
        if want <= 0:
            return []
        response = self.client.query_points(
            collection_name=self.collection,
            query=np.asarray(query_vector, dtype=np.float32).reshape(-1).tolist(),
            using=QDRANT_VECTOR_NAME,
            query_filter=query_filter,
            search_params=models.SearchParams(hnsw_ef=max(HNSW_EF_SEARCH, want)) if self.on_server else None,
            limit=want,
            with_payload=False,
        )
        return [(int(point.id), float(point.score)) for point in response.points]


class QdrantBackend:
    """Vectors in Qdrant: embedded in ``<index>/qdrant``, or on the server ``settings.qdrant_url``.

    Raises:
        VectorStoreError: ``qdrant-client`` is not installed.
    """

    name = "qdrant"

    def __init__(self, settings: Settings):
        try:
            import qdrant_client  # noqa: F401
        except ImportError as exc:
            raise VectorStoreError(
                "SOANTHAO_VECTOR_STORE=qdrant cần gói qdrant-client: `pip install 'soanthao[qdrant]'`. / "
                "SOANTHAO_VECTOR_STORE=qdrant needs qdrant-client: `pip install 'soanthao[qdrant]'`."
            ) from exc
        self.url = settings.qdrant_url
        self.api_key = settings.qdrant_api_key
        self.prefix = settings.qdrant_collection
        self._server: Any = None

    def _client(self, folder: Path, collection: str | None = None) -> Any:
        if self.url is None:
            return _embedded_client(folder / QDRANT_DIR, collection)
        if self._server is None:
            from qdrant_client import QdrantClient

            self._server = QdrantClient(url=self.url, api_key=self.api_key)
        return self._server

    def write(self, folder: Path, chunks: Sequence[Chunk], vectors: np.ndarray) -> dict[str, Any]:
        collection = f"{self.prefix}-{uuid.uuid4().hex[:12]}"
        try:
            self._upload(self._client(folder), collection, chunks, vectors)
        finally:
            if self.url is None:
                close_embedded(folder / QDRANT_DIR)   # the folder is about to be renamed (or deleted)
        logger.info("wrote %d vectors to qdrant collection %s", len(chunks), collection)
        return {"type": "qdrant", "url": self.url, "collection": collection, "metric": "dot",
                "vector_name": QDRANT_VECTOR_NAME}

    @staticmethod
    def _upload(client: Any, collection: str, chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
        from llama_index.core.vector_stores.utils import node_to_metadata_dict
        from qdrant_client import models

        client.create_collection(
            collection_name=collection,
            vectors_config={QDRANT_VECTOR_NAME: models.VectorParams(size=int(vectors.shape[1]),
                                                                   distance=models.Distance.DOT)},
        )
        _skip_per_point_fsync(client, collection)
        for start in range(0, len(chunks), QDRANT_UPLOAD_BATCH):
            batch = chunks[start:start + QDRANT_UPLOAD_BATCH]
            nodes = chunk_nodes(batch, vectors[start:start + len(batch)])
            client.upsert(collection_name=collection, wait=True, points=[
                models.PointStruct(id=start + i, vector={QDRANT_VECTOR_NAME: node.get_embedding()},
                                   payload=node_to_metadata_dict(node, remove_text=False, flat_metadata=False))
                for i, node in enumerate(nodes)
            ])

    def open(self, folder: Path, description: dict[str, Any]) -> QdrantSearch:
        from qdrant_client.http.exceptions import ResponseHandlingException, UnexpectedResponse

        collection = description["collection"]
        client = self._client(folder, collection)
        try:
            exists = client.collection_exists(collection)
            count = client.count(collection_name=collection, exact=True).count if exists else 0
        except (ResponseHandlingException, UnexpectedResponse) as exc:   # server down / refused the request
            raise VectorStoreError(
                f"Không kết nối được Qdrant {self.url} ({exc}). / Cannot reach Qdrant at {self.url} ({exc})."
            ) from exc
        if not exists:
            raise VectorStoreError(
                f"Không có bộ sưu tập Qdrant '{collection}' ({self.url or folder / QDRANT_DIR}); chạy `soanthao "
                f"index`. / Qdrant collection '{collection}' is missing ({self.url or folder / QDRANT_DIR}); run "
                "`soanthao index`."
            )
        return QdrantSearch(client=client, collection=collection, count=int(count), on_server=self.url is not None)

    def discard(self, description: dict[str, Any]) -> None:
        """Drop a replaced build's collection on the server (embedded ones went with their folder)."""
        if self.url is None or description.get("type") != "qdrant" or description.get("url") != self.url:
            return
        collection = description["collection"]
        client = self._client(Path("."))
        if client.collection_exists(collection):
            client.delete_collection(collection)
            logger.info("dropped replaced qdrant collection %s", collection)
