"""Growth with corpus size: FAISS flat vs HNSW, and BM25, on synthetic corpora of 10k/100k/1M chunks.

How the synthetic corpora are made (1M real embeddings would take ~14 h on 2 cores):
- text: a synthetic chunk joins the first half of one real chunk's sentences with the
  second half of another's (``recombine``), so BM25 sees the corpus's real vocabulary and
  length distribution;
- vector: the normalized mix ``w·e_p + (1−w)·e_q + noise`` of the same two chunks' real
  e5 vectors (w uniform in [0.3, 0.7], noise N(0, σ²) per dimension), so the dense side has
  the real embeddings' geometry without embedding anything. Vectors are regenerated batch by
  batch from a fixed seed, so each index is filled without holding a second copy.

Queries: the real e5 vectors of the eval queries plus synthetic ones drawn like the corpus.
Per size: build time, disk size (``faiss.write_index`` / bm25s ``save``), RAM (RSS growth
while building), query p50/p95 (one query at a time, as the app searches) and, for HNSW,
recall@10 against the exact flat results. A step whose estimated memory exceeds what the
machine has free is skipped with the estimate in the notes.
"""

from __future__ import annotations

import gc
import logging
import re
import tempfile
import time
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np

from bench.common import (
    BenchContext,
    BenchResult,
    LatencyStats,
    available_memory_mb,
    folder_size_mb,
    ratio,
    recall_at_k,
    rss_mb,
)

logger = logging.getLogger(__name__)

NAME = "scale"
SIZES = (10_000, 100_000, 1_000_000)
QUICK_SIZES = (10_000, 50_000)
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 40
HNSW_EF_SEARCH = (64, 128)
NOISE_SIGMA = 0.01            # per dimension; ‖noise‖ ≈ 0.2 for d = 384
SYNTHETIC_QUERIES = 150
K = 10
BATCH = 50_000
MEMORY_HEADROOM = 0.7         # use at most this share of MemAvailable for one step


def _sentences(text: str) -> list[str]:
    parts = [p.strip() for p in re.split(r"(?<=[.;:!?])\s+|\n+", text) if p.strip()]
    return parts or [text]


def recombine(texts: Sequence[str], n: int, seed: int) -> Iterator[str]:
    """``n`` synthetic passages, each the first half of one text plus the second half of another."""
    rng = np.random.default_rng(seed)
    split = [_sentences(t) for t in texts]
    for _ in range(n):
        p, q = rng.integers(0, len(split), size=2)
        a, b = split[p], split[q]
        yield " ".join(a[: max(1, len(a) // 2)] + b[len(b) // 2:])


def synthetic_vectors(base: np.ndarray, n: int, seed: int, batch: int = BATCH) -> Iterator[np.ndarray]:
    """``n`` unit vectors in batches: normalized mixes of two base vectors plus Gaussian noise.

    Deterministic for a given ``seed``: calling it twice yields the same vectors.
    """
    rng = np.random.default_rng(seed)
    dim = base.shape[1]
    done = 0
    while done < n:
        size = min(batch, n - done)
        p = rng.integers(0, len(base), size=size)
        q = rng.integers(0, len(base), size=size)
        w = rng.uniform(0.3, 0.7, size=(size, 1)).astype(np.float32)
        out = w * base[p] + (1 - w) * base[q] + rng.normal(0, NOISE_SIGMA, size=(size, dim)).astype(np.float32)
        out /= np.linalg.norm(out, axis=1, keepdims=True)
        yield np.ascontiguousarray(out, dtype=np.float32)
        done += size


def _query_latencies(index, queries: np.ndarray, k: int = K, params=None) -> tuple[LatencyStats, np.ndarray]:
    ids = np.empty((len(queries), k), dtype=np.int64)
    seconds = []
    for i, q in enumerate(queries):
        started = time.perf_counter()
        _, found = index.search(q.reshape(1, -1), k, params=params) if params is not None else \
            index.search(q.reshape(1, -1), k)
        seconds.append(time.perf_counter() - started)
        ids[i] = found[0]
    return LatencyStats.from_seconds(seconds), ids


def _disk_mb(index) -> float:
    import faiss

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "index.faiss"
        faiss.write_index(index, str(path))
        return path.stat().st_size / 2**20


def dense_step(base: np.ndarray, n: int, queries: np.ndarray, seed: int) -> dict:
    """Flat then HNSW over the same ``n`` synthetic vectors; the flat results are the ground truth."""
    import faiss

    dim = base.shape[1]
    out: dict = {"n": n}
    gc.collect()
    before = rss_mb()
    started = time.perf_counter()
    flat = faiss.IndexFlatIP(dim)
    for chunk in synthetic_vectors(base, n, seed):
        flat.add(chunk)
    out["flat_build_s"] = time.perf_counter() - started
    out["flat_ram_mb"] = rss_mb() - before
    out["flat_disk_mb"] = _disk_mb(flat)
    stats, truth = _query_latencies(flat, queries)
    out["flat_query_ms"] = stats.__dict__
    del flat
    gc.collect()

    before = rss_mb()
    started = time.perf_counter()
    hnsw = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
    hnsw.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
    for chunk in synthetic_vectors(base, n, seed):
        hnsw.add(chunk)
    out["hnsw_build_s"] = time.perf_counter() - started
    out["hnsw_ram_mb"] = rss_mb() - before
    out["hnsw_disk_mb"] = _disk_mb(hnsw)
    for ef in HNSW_EF_SEARCH:
        stats, found = _query_latencies(hnsw, queries, params=faiss.SearchParametersHNSW(efSearch=ef))
        out[f"hnsw_ef{ef}_query_ms"] = stats.__dict__
        out[f"hnsw_ef{ef}_recall@10"] = recall_at_k(found, truth, K)
    del hnsw
    gc.collect()
    return out


def lexical_step(texts: Sequence[str], n: int, queries: Sequence[str], seed: int) -> dict:
    """The project's two-field BM25 (``index.lexical.LexicalIndex``) over ``n`` recombined passages."""
    from index.lexical import LexicalIndex

    corpus = list(recombine(texts, n, seed))
    gc.collect()
    before = rss_mb()
    started = time.perf_counter()
    lexical = LexicalIndex.build(corpus)
    build_s = time.perf_counter() - started
    ram = rss_mb() - before
    del corpus
    gc.collect()
    with tempfile.TemporaryDirectory() as tmp:
        lexical.save(Path(tmp) / "bm25")
        disk = folder_size_mb(Path(tmp) / "bm25")
    seconds = []
    for q in queries:
        started = time.perf_counter()
        lexical.search(q, 50)
        seconds.append(time.perf_counter() - started)
    return {"n": n, "bm25_build_s": build_s, "bm25_ram_mb": ram, "bm25_disk_mb": disk,
            "bm25_query_ms": LatencyStats.from_seconds(seconds).__dict__}


def plot(steps: list[dict], path: Path) -> Path:
    """Query p95 and RAM against corpus size (log-log), flat vs HNSW vs BM25."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    series = (("flat", "flat_query_ms", "flat_ram_mb"), (f"HNSW ef={HNSW_EF_SEARCH[0]}",
              f"hnsw_ef{HNSW_EF_SEARCH[0]}_query_ms", "hnsw_ram_mb"), ("BM25 (2 fields)", "bm25_query_ms", "bm25_ram_mb"))
    for label, latency_key, ram_key in series:
        points = [(s["n"], s[latency_key]["p95_ms"]) for s in steps if latency_key in s]
        if points:
            left.plot(*zip(*points), marker="o", label=label)
        points = [(s["n"], max(s[ram_key], 0.1)) for s in steps if ram_key in s]
        if points:
            right.plot(*zip(*points), marker="o", label=label)
    for axis, title, unit in ((left, "query p95", "ms"), (right, "index RAM (RSS growth)", "MiB")):
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.set_xlabel("chunks")
        axis.set_ylabel(unit)
        axis.set_title(title)
        axis.grid(True, which="both", alpha=0.3)
        axis.legend()
    fig.suptitle("Soạn Thảo retrieval vs corpus size (synthetic corpora, shared 2-core machine)")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def run(ctx: BenchContext) -> BenchResult:
    import faiss

    from eval.datasets import load_retrieval
    from index.store import IndexStore, indexed_text

    result = BenchResult(NAME)
    settings = ctx.index_settings()
    store = IndexStore(settings)
    base = np.asarray(store.load_vectors(), dtype=np.float32)
    texts = [indexed_text(c) for c in store.load_chunks()]
    embedder = ctx.embedder()
    eval_queries = [q.query for q in load_retrieval()]
    real_q = np.stack([embedder.embed_query(q) for q in eval_queries]).astype(np.float32)
    synth_q = next(synthetic_vectors(base, SYNTHETIC_QUERIES, seed=99, batch=SYNTHETIC_QUERIES))
    queries = np.concatenate([real_q, synth_q])
    sizes = ctx.scale_sizes or (QUICK_SIZES if ctx.quick else SIZES)
    result.data["faiss_threads"] = faiss.omp_get_max_threads()
    steps: list[dict] = []
    bytes_per_vector = base.shape[1] * 4
    last_bm25: tuple[int, float] | None = None
    for n in sizes:
        need_mb = n * (bytes_per_vector + HNSW_M * 2 * 4 * 1.1) / 2**20 * 1.3
        free = available_memory_mb()
        if need_mb > free * MEMORY_HEADROOM:
            result.notes.append(f"{n:,} chunks skipped: dense step needs ~{need_mb:,.0f} MiB, {free:,.0f} MiB free")
            continue
        logger.info("scale: dense %d", n)
        step = dense_step(base, n, queries, seed=n)
        bm25_need = last_bm25[1] * n / last_bm25[0] * 1.3 if last_bm25 else 0.0
        free = available_memory_mb()
        if bm25_need > free * MEMORY_HEADROOM:
            result.notes.append(
                f"BM25 at {n:,} chunks skipped: ~{bm25_need:,.0f} MiB estimated from the previous size, "
                f"{free:,.0f} MiB free"
            )
        else:
            logger.info("scale: bm25 %d", n)
            step.update(lexical_step(texts, n, eval_queries, seed=n))
            last_bm25 = (n, max(step["bm25_ram_mb"], 1.0) + n * 1e-3)
        steps.append(step)
        _rows(result, step)
    result.data["steps"] = steps
    result.data["base_chunks"] = len(base)
    result.data["queries"] = {"real": len(real_q), "synthetic": len(synth_q)}
    if steps:
        png = plot(steps, ctx.results_dir / f"scale-{time.strftime('%Y%m%dT%H%M%S')}.png")
        result.data["plot"] = str(png)
        result.notes.append(f"plot: {png}")
    result.notes.append(
        f"synthetic corpora recombined from {len(base)} real chunks; {len(queries)} queries "
        f"({len(real_q)} real eval queries + {len(synth_q)} synthetic); HNSW M={HNSW_M}, "
        f"efConstruction={HNSW_EF_CONSTRUCTION}; FAISS threads {faiss.omp_get_max_threads()}."
    )
    return result


def _rows(result: BenchResult, step: dict) -> None:
    n = step["n"]
    tag = f"{n // 1000}k" if n < 1_000_000 else f"{n // 1_000_000}M"
    flat_p95 = step["flat_query_ms"]["p95_ms"]
    result.add(f"{tag} flat build / RAM / disk",
               f"{step['flat_build_s']:.1f} s / {step['flat_ram_mb']:.0f} / {step['flat_disk_mb']:.0f} MiB")
    result.add(f"{tag} flat query p95", flat_p95, "ms")
    result.add(f"{tag} HNSW build / RAM / disk",
               f"{step['hnsw_build_s']:.1f} s / {step['hnsw_ram_mb']:.0f} / {step['hnsw_disk_mb']:.0f} MiB",
               baseline=f"flat {step['flat_build_s']:.1f} s", ratio=ratio(step["hnsw_build_s"], step["flat_build_s"]))
    for ef in HNSW_EF_SEARCH:
        p95 = step[f"hnsw_ef{ef}_query_ms"]["p95_ms"]
        result.add(f"{tag} HNSW ef={ef} query p95", p95, "ms", baseline=f"flat {flat_p95:.2f} ms",
                   ratio=ratio(p95, flat_p95))
        result.add(f"{tag} HNSW ef={ef} recall@10 vs flat", step[f"hnsw_ef{ef}_recall@10"])
    if "bm25_build_s" in step:
        result.add(f"{tag} BM25 build / RAM / disk",
                   f"{step['bm25_build_s']:.1f} s / {step['bm25_ram_mb']:.0f} / {step['bm25_disk_mb']:.0f} MiB")
        result.add(f"{tag} BM25 query p95", step["bm25_query_ms"]["p95_ms"], "ms")
