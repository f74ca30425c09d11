"""The naive LlamaIndex pipeline the project is measured against.

What a developer gets from the LlamaIndex quick-start, with our embedding model so the comparison is
about the pipeline and not the model: the raw corpus files (no normalization, no structure parsing),
``SentenceSplitter`` chunks of 512 cl100k tokens (50 tokens overlap), no metadata in the embedded text,
a ``VectorStoreIndex`` embedded through ``index.embed.LlamaIndexEmbedding``, and dense top-k retrieval.

For drafting, :class:`NaiveDraftRetriever` hands those same top-k chunks to the project's extractive
drafter in place of the project's retriever (the drafter accepts any retriever): the chunks carry no
section path and no unit/year metadata, so the drafter can neither pick the matching section nor know
whose figures it copies. The drafter numbers its sources ``[n]`` in order of first use, as
LlamaIndex's ``CitationQueryEngine`` numbers ``Source n``.

Passage vectors are cached in ``<data_dir>/eval-cache/`` per model fingerprint and text hash, so only
the first run pays for embedding the corpus a second time.

Example:
    >>> naive = NaiveLlamaIndexBaseline(settings, embedder)  # doctest: +SKIP
    >>> [p.source for p in naive.search("tiếp công dân", 5)]  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from eval.suites.retrieval import Passage
from index.embed import Embedder
from index.settings import Settings

logger = logging.getLogger(__name__)

CHUNK_TOKENS = 512
CHUNK_OVERLAP = 50
CACHE_DIRNAME = "eval-cache"


def _text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class _VectorCache:
    """text hash → passage vector, one ``.npz`` per model fingerprint."""

    def __init__(self, folder: Path, fingerprint: str):
        safe = hashlib.sha256(fingerprint.encode("utf-8")).hexdigest()[:16]
        self.path = Path(folder) / f"naive-{safe}.npz"
        self.vectors: dict[str, np.ndarray] = {}
        if self.path.is_file():
            with np.load(self.path) as data:
                self.vectors = {k: data[k] for k in data.files}

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.stem + ".tmp.npz")
        np.savez(tmp, **self.vectors)
        tmp.replace(self.path)


class NaiveLlamaIndexBaseline:
    """Fixed-size chunks of the raw files in a LlamaIndex ``VectorStoreIndex``, dense top-k.

    Args:
        settings: which corpus (``corpus_dir``, ``ignore_names``) and where to cache vectors (``data_dir``).
        embedder: the same embedding model as the project's index.
        files: the files to index (default: every corpus file the project indexes).
        progress: show a progress bar while embedding.
    """

    def __init__(self, settings: Settings, embedder: Embedder, files: Sequence[Path] | None = None,
                 progress: bool = False):
        from llama_index.core import Document, VectorStoreIndex
        from llama_index.core.node_parser import SentenceSplitter

        from index.embed import LlamaIndexEmbedding
        from index.load import iter_corpus_files

        root = Path(settings.corpus_dir).resolve()
        paths = [Path(p).resolve() for p in (files if files is not None else iter_corpus_files(root, settings.ignore_names))]
        documents = []
        for path in paths:
            source = path.relative_to(root).as_posix() if path.is_relative_to(root) else path.name
            documents.append(Document(
                text=path.read_text(encoding="utf-8", errors="replace"), metadata={"source": source},
                excluded_embed_metadata_keys=["source"], excluded_llm_metadata_keys=["source"],
            ))
        splitter = SentenceSplitter(chunk_size=CHUNK_TOKENS, chunk_overlap=CHUNK_OVERLAP)
        self.nodes = splitter.get_nodes_from_documents(documents)
        self._attach_vectors(embedder, Path(settings.data_dir) / CACHE_DIRNAME, progress)
        self.index = VectorStoreIndex(self.nodes, embed_model=LlamaIndexEmbedding(embedder))
        self.embedder = embedder
        logger.info("naive baseline: %d files, %d chunks of ≤%d tokens", len(documents), len(self.nodes), CHUNK_TOKENS)

    def _attach_vectors(self, embedder: Embedder, cache_dir: Path, progress: bool) -> None:
        from llama_index.core.schema import MetadataMode

        cache = _VectorCache(cache_dir, embedder.fingerprint)
        texts = [n.get_content(metadata_mode=MetadataMode.EMBED) for n in self.nodes]
        keys = [_text_key(t) for t in texts]
        missing = sorted({k: t for k, t in zip(keys, texts) if k not in cache.vectors}.items())
        if missing:
            logger.info("naive baseline: embedding %d chunks (cached: %d)", len(missing), len(keys) - len(missing))
            vectors = embedder.embed_passages([t for _, t in missing], show_progress=progress)
            for (key, _), vector in zip(missing, vectors):
                cache.vectors[key] = np.asarray(vector, dtype=np.float32)
            cache.save()
        for node, key in zip(self.nodes, keys):
            node.embedding = cache.vectors[key].astype(float).tolist()

    def search(self, query: str, k: int) -> list[Passage]:
        """Dense top-``k`` chunks for the query (the retrieval suite's searcher interface)."""
        return [Passage(n.node.metadata["source"], n.node.get_content()) for n in self.retrieve(query, k)]

    def retrieve(self, query: str, k: int) -> list[Any]:
        """LlamaIndex ``NodeWithScore`` results, best first."""
        return self.index.as_retriever(similarity_top_k=k).retrieve(query)


class NaiveDraftRetriever:
    """The naive top-k chunks behind the interface the project's drafter expects (``search`` → hits).

    Filters are ignored (the naive pipeline has no metadata), and there is no ``index.chunks``, so the
    drafter works from the retrieved chunks only.
    """

    def __init__(self, baseline: NaiveLlamaIndexBaseline):
        self.baseline = baseline
        self.embedder = baseline.embedder

    def search(self, query: str, k: int = 5, filters: Any = None, **_: Any) -> list[Any]:
        from assistant.retrieve import Hit
        from index.schema import Chunk, doc_id_for

        hits = []
        for rank, result in enumerate(self.baseline.retrieve(query, k), start=1):
            node = result.node
            source = node.metadata["source"]
            chunk = Chunk(chunk_id=node.node_id, doc_id=doc_id_for(source), source=source, text=node.get_content(),
                          section_path=(), line_start=0, line_end=0, meta={})
            hits.append(Hit(chunk=chunk, score=float(result.score or 0.0), rank=rank))
        return hits
