"""Warm search latency: the project's hybrid search vs the floor vs a plain LlamaIndex retriever.

- project: ``Retriever.search(q, k=5)`` (query encoding, FAISS, two-field BM25, RRF,
  de-duplication) on the loaded index;
- floor: the least any dense search must do — encode the query (same embedder) and one
  raw ``faiss_index.search`` of the same vectors;
- LlamaIndex: ``VectorStoreIndex`` over the same chunk nodes and the same vectors, default
  in-memory ``SimpleVectorStore``, ``as_retriever(similarity_top_k=5)``, same embedder.

The three are timed round-robin query by query (the order rotates), so a burst of load
from other processes hits all three alike. Target (issue 3/9): project p50 and p95 ≤ 1.5×
the floor's.
"""

from __future__ import annotations

import logging
import time
from typing import Any, Callable

import numpy as np

from bench.common import BenchContext, BenchResult, LatencyStats, ratio, verdict

logger = logging.getLogger(__name__)

NAME = "search"
TARGET_RATIO = 1.5
ROUNDS = 3
QUICK_ROUNDS = 1
K = 5


def llama_retriever(retriever: Any, embedder: Any, vectors: np.ndarray):
    """A default LlamaIndex ``VectorStoreIndex`` retriever over the same nodes and vectors."""
    from llama_index.core import VectorStoreIndex

    from index.chunk import chunk_to_node
    from index.embed import LlamaIndexEmbedding

    nodes = []
    for i, chunk in enumerate(retriever.index.chunks):
        node = chunk_to_node(chunk)
        node.embedding = vectors[i].tolist()
        nodes.append(node)
    index = VectorStoreIndex(nodes, embed_model=LlamaIndexEmbedding(embedder), show_progress=False)
    return index.as_retriever(similarity_top_k=K)


def interleaved_timings(systems: dict[str, Callable[[str], Any]], queries: list[str], rounds: int) -> dict[str, list[float]]:
    """Seconds per call of each system on each query; the order of systems rotates per query."""
    names = list(systems)
    timings: dict[str, list[float]] = {name: [] for name in names}
    turn = 0
    for _ in range(rounds):
        for query in queries:
            order = names[turn % len(names):] + names[:turn % len(names)]
            turn += 1
            for name in order:
                started = time.perf_counter()
                systems[name](query)
                timings[name].append(time.perf_counter() - started)
    return timings


def run(ctx: BenchContext) -> BenchResult:
    from assistant.retrieve import Retriever
    from eval.datasets import load_retrieval
    from index.store import IndexStore

    result = BenchResult(NAME)
    settings = ctx.index_settings()
    embedder = ctx.embedder()
    retriever = Retriever(settings, embedder)
    faiss_index = retriever.index.faiss_index
    vectors = np.asarray(IndexStore(settings).load_vectors(), dtype=np.float32)
    li_retriever = llama_retriever(retriever, embedder, vectors)
    queries = [q.query for q in load_retrieval()]

    def floor(query: str) -> Any:
        vector = np.asarray(embedder.embed_query(query), dtype=np.float32).reshape(1, -1)
        return faiss_index.search(vector, K)

    systems = {
        "project hybrid": lambda q: retriever.search(q, k=K),
        "floor (encode + FAISS)": floor,
        "LlamaIndex VectorStoreIndex": li_retriever.retrieve,
        "query encoding only": embedder.embed_query,
        "BM25 two-field only": lambda q: retriever.index.lexical.search(q, 50),
    }
    for query in queries[:5]:                               # warm every path once
        for call in systems.values():
            call(query)
    timings = interleaved_timings(systems, queries, QUICK_ROUNDS if ctx.quick else ROUNDS)
    stats = {name: LatencyStats.from_seconds(secs) for name, secs in timings.items()}
    base = stats["floor (encode + FAISS)"]
    for name, st in stats.items():
        target = f"≤ {TARGET_RATIO}×" if name == "project hybrid" else ""
        for pct, value, base_value in (("p50", st.p50_ms, base.p50_ms), ("p95", st.p95_ms, base.p95_ms)):
            r = ratio(value, base_value)
            result.add(f"{name} {pct}", value, "ms", baseline=f"floor {base_value:.1f} ms", ratio=r,
                       target=target, verdict=verdict(r, TARGET_RATIO) if target else "")
    result.data = {
        "chunks": faiss_index.ntotal,
        "faiss_index": type(faiss_index).__name__,
        "queries": len(queries),
        "calls_per_system": stats["floor (encode + FAISS)"].n,
        "stats_ms": {name: st.__dict__ for name, st in stats.items()},
    }
    result.notes.append(
        f"{faiss_index.ntotal} chunks, {len(queries)} eval queries × {stats['floor (encode + FAISS)'].n // len(queries)} "
        "rounds, k=5, timed round-robin in one process."
    )
    return result
