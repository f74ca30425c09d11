"""Growth with corpus size: FAISS flat vs HNSW vs IVF-PQ, and BM25, on synthetic corpora of 10k/100k/1M chunks.

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
while building; for BM25 also the peak), query p50/p95 (one query at a time, as the app
searches) and, for the approximate indexes, recall@10 against the exact flat results.

The approximate indexes:
- HNSW (``IndexHNSWFlat``, M=32, efConstruction=40), what ``index/store.py`` uses today.
  Its build is the slow part (≈ n·log n); a size whose build, extrapolated from the previous
  size, exceeds ``HNSW_BUDGET_S`` is built with ``HNSW_EF_CONSTRUCTION_CHEAP`` instead when
  that fits, and skipped otherwise — the note then gives the extrapolated time, labelled so.
- IVF-PQ (``IVF<nlist>,PQ48np``: 48 bytes per vector, inner product), trained on the first
  ``IVF_TRAIN_PER_LIST × nlist`` vectors (the synthetic vectors are i.i.d., so they are a
  random sample; the PQ on ``PQ_TRAIN_PER_CENTROID × 256`` of their residuals), searched
  at several ``nprobe``, alone and with an exact re-ranking of
  ``REFINE_K_FACTORS × k`` candidates against the raw vectors (``IndexRefine`` over the flat
  index, which holds exactly those vectors).

A step whose estimated memory exceeds what the machine has free is skipped with the estimate
in the notes.
"""

from __future__ import annotations

import ctypes
import gc
import json
import logging
import math
import os
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
    peak_rss_mb,
    reset_peak_rss,
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
HNSW_EF_SEARCH = (64, 128, 1024)
HNSW_EF_CONSTRUCTION_CHEAP = 20   # tried when efConstruction=40 would not fit HNSW_BUDGET_S
HNSW_BUDGET_S = 600.0             # longest HNSW build one scale step may take (2 shared cores)
IVF_PQ_M = 48                     # PQ sub-quantizers: 48 bytes per 384-d vector (8 dims each)
IVF_TRAIN_PER_LIST = 40           # training vectors per inverted list (FAISS warns below 39)
IVF_NPROBE = (16, 64)
PQ_TRAIN_PER_CENTROID = 64       # PQ k-means sample: 64·256 residuals (FAISS's default 256·256 is
                                  # minutes with the generic, non-AVX2 FAISS build installed here)
PQ_TRAIN_ITERATIONS = 10          # k-means iterations per sub-quantizer (FAISS default 25)
REFINE_K_FACTORS = (16, 64)       # exact re-ranking of 16·k / 64·k PQ candidates (4·k gave recall ≈ 0.7)
BM25_BUDGET_S = 1500.0            # longest BM25 build one scale step may take
BM25_PEAK_MB_PER_CHUNK = 0.05     # LexicalIndex.build's peak without a previous size (3.8 GiB at 100k, string build)
BM25_STREAMED_MB_PER_CHUNK = 0.01 # the streamed build's peak without a previous size (estimate)
NOISE_SIGMA = 0.01            # per dimension; ‖noise‖ ≈ 0.2 for d = 384
SYNTHETIC_QUERIES = 150
K = 10
BATCH = 50_000
MEMORY_HEADROOM = 0.7         # use at most this share of MemAvailable for one step


def _settle() -> None:
    """Collect garbage and hand freed heap memory back to the OS (glibc ``malloc_trim``), so the
    next "RSS growth" reading starts from what is really in use: without it, memory freed by the
    previous index is reused silently and the next index reads as ~0 (or negative) MiB."""
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError) as exc:       # not glibc: later readings may under-count
        logger.debug("malloc_trim unavailable: %s", exc)


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


def ivf_nlist(n: int) -> int:
    """Inverted lists for ``n`` vectors: the power of two nearest ``4·√n``, at most 4096 and at
    most ``n / IVF_TRAIN_PER_LIST`` (each list needs that many training vectors), at least 16.

    >>> [ivf_nlist(n) for n in (10_000, 100_000, 1_000_000)]
    [128, 1024, 4096]
    """
    nearest = 2 ** round(math.log2(4 * math.sqrt(n)))
    trainable = 2 ** math.floor(math.log2(max(1, n // IVF_TRAIN_PER_LIST)))
    return int(max(16, min(4096, nearest, trainable)))


def hnsw_build_estimate_s(previous: tuple[int, float] | None, n: int) -> float | None:
    """HNSW build time for ``n`` vectors extrapolated (``n·log n``) from ``(n_prev, seconds)``.

    >>> round(hnsw_build_estimate_s((10, 1.0), 100), 1)
    20.0
    """
    if previous is None:
        return None
    n_prev, seconds = previous
    return seconds * (n / n_prev) * (math.log(n) / math.log(n_prev))


def _first_vectors(base: np.ndarray, n: int, seed: int, count: int) -> np.ndarray:
    """The first ``count`` of the ``n`` synthetic vectors drawn with ``seed`` (a training sample)."""
    parts, have = [], 0
    for chunk in synthetic_vectors(base, n, seed):
        parts.append(chunk[: count - have])
        have += len(parts[-1])
        if have >= count:
            break
    return np.ascontiguousarray(np.concatenate(parts))


def _flat_part(base: np.ndarray, n: int, queries: np.ndarray, seed: int, out: dict):
    import faiss

    _settle()
    before = rss_mb()
    started = time.perf_counter()
    flat = faiss.IndexFlatIP(base.shape[1])
    for chunk in synthetic_vectors(base, n, seed):
        flat.add(chunk)
    out["flat_build_s"] = time.perf_counter() - started
    _settle()                                      # drop the generator's freed temporaries
    out["flat_ram_mb"] = rss_mb() - before
    out["flat_disk_mb"] = _disk_mb(flat)
    stats, truth = _query_latencies(flat, queries)
    out["flat_query_ms"] = stats.__dict__
    return flat, truth


def _ivfpq_part(base: np.ndarray, n: int, queries: np.ndarray, seed: int, flat, truth: np.ndarray,
                out: dict) -> None:
    """IVF-PQ alone and re-ranked against ``flat`` (same vectors, same order)."""
    import faiss

    nlist = ivf_nlist(n)
    train_n = min(n, IVF_TRAIN_PER_LIST * nlist)
    out["ivfpq"] = {"factory": f"IVF{nlist},PQ{IVF_PQ_M}np", "nlist": nlist, "train_vectors": train_n,
                    "refine_k_factors": list(REFINE_K_FACTORS)}
    _settle()
    before = rss_mb()
    started = time.perf_counter()
    # "np": no polysemous training (a code reordering only used by Hamming filtering; minutes to train)
    ivfpq = faiss.index_factory(base.shape[1], f"IVF{nlist},PQ{IVF_PQ_M}np", faiss.METRIC_INNER_PRODUCT)
    pq = faiss.downcast_index(ivfpq).pq                  # a view: ivfpq owns the index
    pq.cp.max_points_per_centroid = PQ_TRAIN_PER_CENTROID
    pq.cp.niter = PQ_TRAIN_ITERATIONS
    sample = _first_vectors(base, n, seed, train_n)
    ivfpq.train(sample)
    out["ivfpq_train_s"] = time.perf_counter() - started
    del sample
    for chunk in synthetic_vectors(base, n, seed):
        ivfpq.add(chunk)
    out["ivfpq_build_s"] = time.perf_counter() - started
    _settle()
    out["ivfpq_ram_mb"] = rss_mb() - before
    out["ivfpq_disk_mb"] = _disk_mb(ivfpq)
    refined = faiss.IndexRefine(ivfpq, flat)       # borrows both; re-ranks with the raw vectors
    for nprobe in IVF_NPROBE:
        ivf_params = faiss.SearchParametersIVF(nprobe=nprobe)
        stats, found = _query_latencies(ivfpq, queries, params=ivf_params)
        out[f"ivfpq_nprobe{nprobe}_query_ms"] = stats.__dict__
        out[f"ivfpq_nprobe{nprobe}_recall@10"] = recall_at_k(found, truth, K)
        for k_factor in REFINE_K_FACTORS:
            refine_params = faiss.IndexRefineSearchParameters(k_factor=k_factor, base_index_params=ivf_params)
            stats, found = _query_latencies(refined, queries, params=refine_params)
            out[f"ivfpq_refine{k_factor}_nprobe{nprobe}_query_ms"] = stats.__dict__
            out[f"ivfpq_refine{k_factor}_nprobe{nprobe}_recall@10"] = recall_at_k(found, truth, K)
    del refined, ivfpq
    gc.collect()


def _hnsw_part(base: np.ndarray, n: int, queries: np.ndarray, seed: int, truth: np.ndarray,
               ef_construction: int, out: dict) -> None:
    import faiss

    _settle()
    before = rss_mb()
    started = time.perf_counter()
    hnsw = faiss.IndexHNSWFlat(base.shape[1], HNSW_M, faiss.METRIC_INNER_PRODUCT)
    hnsw.hnsw.efConstruction = ef_construction
    for chunk in synthetic_vectors(base, n, seed):
        hnsw.add(chunk)
    out["hnsw_ef_construction"] = ef_construction
    out["hnsw_build_s"] = time.perf_counter() - started
    _settle()
    out["hnsw_ram_mb"] = rss_mb() - before
    out["hnsw_disk_mb"] = _disk_mb(hnsw)
    for ef in HNSW_EF_SEARCH:
        stats, found = _query_latencies(hnsw, queries, params=faiss.SearchParametersHNSW(efSearch=ef))
        out[f"hnsw_ef{ef}_query_ms"] = stats.__dict__
        out[f"hnsw_ef{ef}_recall@10"] = recall_at_k(found, truth, K)
    del hnsw
    gc.collect()


def dense_step(base: np.ndarray, n: int, queries: np.ndarray, seed: int,
               previous_hnsw: tuple[int, float] | None = None) -> dict:
    """Flat, IVF-PQ, then HNSW over the same ``n`` synthetic vectors; flat results are the ground truth.

    Args:
        previous_hnsw: ``(n, build seconds)`` of the last HNSW build at efConstruction 40, to
            decide (``HNSW_BUDGET_S``) whether HNSW is affordable at ``n``.
    """
    out: dict = {"n": n}
    flat, truth = _flat_part(base, n, queries, seed, out)
    _ivfpq_part(base, n, queries, seed, flat, truth, out)
    del flat
    gc.collect()
    logger.info("scale partial (before HNSW) %s", json.dumps(out))
    estimate = hnsw_build_estimate_s(previous_hnsw, n)
    if estimate is not None:
        out["hnsw_build_s_extrapolated"] = estimate
    if estimate is None or estimate <= HNSW_BUDGET_S:
        _hnsw_part(base, n, queries, seed, truth, HNSW_EF_CONSTRUCTION, out)
    elif estimate * HNSW_EF_CONSTRUCTION_CHEAP / HNSW_EF_CONSTRUCTION <= HNSW_BUDGET_S:
        _hnsw_part(base, n, queries, seed, truth, HNSW_EF_CONSTRUCTION_CHEAP, out)
    return out


def lexical_step(texts: Sequence[str], n: int, queries: Sequence[str], seed: int, builder: str = "project") -> dict:
    """The project's two-field BM25 (``index.lexical.LexicalIndex``) over ``n`` recombined passages.

    Args:
        builder: ``"project"`` hands ``LexicalIndex.build`` the passages as a list (as
            ``soanthao index`` does with its chunks); ``"streamed"`` hands it a generator, so the
            passages' text is never all in memory — the same build, for the largest sizes.

    ``bm25_peak_mb`` is the peak RSS growth while building, ``bm25_ram_mb`` the growth left once
    built (the allocator keeps arenas pinned by the vocabulary, so it exceeds the index), and
    ``bm25_loaded_ram_mb`` what loading the saved index costs — what the app pays.
    """
    from index.lexical import LexicalIndex

    if builder not in ("project", "streamed"):
        raise ValueError("builder must be 'project' or 'streamed'")
    corpus = list(recombine(texts, n, seed)) if builder == "project" else None
    _settle()
    before = rss_mb()
    peak_ok = reset_peak_rss()
    started = time.perf_counter()
    if corpus is not None:
        lexical = LexicalIndex.build(corpus)
    else:      # passages generated as they are tokenized (the same ones: same seed)
        lexical = LexicalIndex.build(recombine(texts, n, seed))
    build_s = time.perf_counter() - started
    peak = peak_rss_mb() - before if peak_ok else None
    _settle()                                      # the token lists are garbage now
    ram = rss_mb() - before
    del corpus
    seconds = []
    for q in queries:
        started = time.perf_counter()
        lexical.search(q, 50)
        seconds.append(time.perf_counter() - started)
    with tempfile.TemporaryDirectory() as tmp:
        lexical.save(Path(tmp) / "bm25")
        disk = folder_size_mb(Path(tmp) / "bm25")
        del lexical
        _settle()
        before = rss_mb()
        loaded = LexicalIndex.load(Path(tmp) / "bm25", size=n)
        _settle()
        loaded_ram = rss_mb() - before
        del loaded
    return {"n": n, "bm25_builder": builder, "bm25_build_s": build_s, "bm25_ram_mb": ram, "bm25_peak_mb": peak,
            "bm25_loaded_ram_mb": loaded_ram, "bm25_disk_mb": disk,
            "bm25_query_ms": LatencyStats.from_seconds(seconds).__dict__}


def bm25_plan(previous: dict | None, n: int, free_mb: float) -> tuple[str | None, str]:
    """Which BM25 build to run at ``n`` — ``"project"``, ``"streamed"`` or None (skip) — and why.

    The project's build is extrapolated linearly (postings and token lists grow with the
    corpus) from the previous size it ran at, or from ``BM25_PEAK_MB_PER_CHUNK`` without one.

    >>> bm25_plan({"n": 10, "bm25_build_s": 1.0, "bm25_peak_mb": 10.0, "bm25_disk_mb": 1.0}, 100, 1000)[0]
    'project'
    >>> bm25_plan({"n": 10, "bm25_build_s": 1.0, "bm25_peak_mb": 10.0, "bm25_disk_mb": 1.0}, 100, 150)[0]
    'streamed'
    """
    budget = free_mb * MEMORY_HEADROOM
    if previous is None:
        need_mb, need_s, streamed_mb, base = BM25_PEAK_MB_PER_CHUNK * n, 0.0, BM25_STREAMED_MB_PER_CHUNK * n, ""
    else:
        scale = n / previous["n"]
        need_mb = (previous["bm25_peak_mb"] or previous["bm25_ram_mb"]) * scale * 1.3
        need_s = previous["bm25_build_s"] * scale
        streamed_mb = previous["bm25_disk_mb"] * scale * 4     # ids of both fields + one field's COO/CSC copies
        base = f" from {previous['n']:,}"
    why = f"the project's build extrapolated{base} (linear, not measured) to ~{need_mb:,.0f} MiB peak"
    if need_s:
        why += f" and ~{need_s:,.0f} s"
    if need_mb <= budget and need_s <= BM25_BUDGET_S:
        return "project", why
    if streamed_mb <= budget:
        return "streamed", why + f"; {free_mb:,.0f} MiB free, so the passages are generated as they are indexed"
    return None, why + f"; even the streamed build (~{streamed_mb:,.0f} MiB) exceeds {free_mb:,.0f} MiB free"


#: (label, latency key, RAM key) of each line of the plot.
PLOT_SERIES = (
    ("flat (exact)", "flat_query_ms", "flat_ram_mb"),
    (f"HNSW ef={HNSW_EF_SEARCH[-1]}", f"hnsw_ef{HNSW_EF_SEARCH[-1]}_query_ms", "hnsw_ram_mb"),
    (f"IVF-PQ nprobe={IVF_NPROBE[-1]} + refine {REFINE_K_FACTORS[-1]}·k (RAM: codes; + raw vectors)",
     f"ivfpq_refine{REFINE_K_FACTORS[-1]}_nprobe{IVF_NPROBE[-1]}_query_ms", "ivfpq_ram_mb"),
    ("BM25, 2 fields (RAM: loaded index)", "bm25_query_ms", "bm25_ram_mb"),
)


def plot(steps: list[dict], path: Path) -> Path:
    """Query p95 and RAM against corpus size (log-log), flat vs HNSW vs IVF-PQ vs BM25.

    IVF-PQ's RAM line is the PQ index alone; its re-ranking also reads the raw vectors (the
    flat line). BM25's RAM line is the loaded index (what the app holds).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    for label, latency_key, ram_key in PLOT_SERIES:
        if latency_key == "bm25_query_ms":
            ram_key = "bm25_loaded_ram_mb"
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
        axis.legend(fontsize=8)
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
    parts = set(ctx.scale_parts or ("dense", "bm25"))
    result.data["parts"] = sorted(parts)
    result.data["faiss_threads"] = faiss.omp_get_max_threads()
    # With the default (spinning) OpenMP wait policy on a loaded machine, IVF-PQ training was 15×
    # slower (56 s vs 3.6 s on 5k vectors); the run records which policy was in effect.
    result.data["omp_wait_policy"] = os.environ.get("OMP_WAIT_POLICY", "default")
    steps: list[dict] = []
    bytes_per_vector = base.shape[1] * 4
    last_bm25: dict | None = None
    last_hnsw: tuple[int, float] | None = None
    for n in sizes:
        # flat + IVF-PQ alive together (then HNSW alone, smaller than both), plus the training sample
        need_mb = n * (2 * bytes_per_vector + IVF_PQ_M + 8 + HNSW_M * 2 * 4 * 1.1) / 2**20 * 1.3
        free = available_memory_mb()
        if "dense" in parts and need_mb > free * MEMORY_HEADROOM:
            result.notes.append(f"{n:,} chunks skipped: dense step needs ~{need_mb:,.0f} MiB, {free:,.0f} MiB free")
            continue
        step: dict = {"n": n}
        builder, why = bm25_plan(last_bm25, n, available_memory_mb()) if "bm25" in parts else (None, "")
        if builder:
            logger.info("scale: bm25 %d (%s build)", n, builder)
            step.update(lexical_step(texts, n, eval_queries, seed=n, builder=builder))
            if builder == "project":
                last_bm25 = step
        if builder != "project" and "bm25" in parts:
            result.notes.append(f"BM25 at {n:,} chunks: {why}")
            step["bm25_plan"] = why
        if "dense" not in parts:
            logger.info("scale step %s", json.dumps(step))
            steps.append(step)
            _rows(result, step)
            continue
        logger.info("scale: dense %d", n)
        step.update(dense_step(base, n, queries, seed=n, previous_hnsw=last_hnsw))
        if step.get("hnsw_ef_construction") == HNSW_EF_CONSTRUCTION:
            last_hnsw = (n, step["hnsw_build_s"])
        if "hnsw_build_s_extrapolated" in step and step.get("hnsw_ef_construction") != HNSW_EF_CONSTRUCTION:
            what = ("built with efConstruction=" + str(step["hnsw_ef_construction"])
                    if "hnsw_ef_construction" in step else "not built")
            result.notes.append(
                f"HNSW at {n:,} chunks {what}: efConstruction={HNSW_EF_CONSTRUCTION} extrapolated (n·log n, "
                f"not measured) to ~{step['hnsw_build_s_extrapolated']:,.0f} s > budget {HNSW_BUDGET_S:,.0f} s"
            )
        logger.info("scale step %s", json.dumps(step))
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
        f"efConstruction={HNSW_EF_CONSTRUCTION}; IVF-PQ PQ{IVF_PQ_M}, nlist≈4·√n, trained on "
        f"{IVF_TRAIN_PER_LIST}·nlist vectors, refine = exact re-ranking of {REFINE_K_FACTORS}·k PQ candidates; "
        f"FAISS threads {faiss.omp_get_max_threads()}."
    )
    return result


def _rows(result: BenchResult, step: dict) -> None:
    n = step["n"]
    tag = f"{n // 1000}k" if n < 1_000_000 else f"{n // 1_000_000}M"
    if "flat_query_ms" in step:
        _dense_rows(result, step, tag)
    if "bm25_build_s" in step:
        peak = step["bm25_peak_mb"]
        result.add(f"{tag} BM25 ({step['bm25_builder']} build) build / RAM / peak / loaded RAM / disk",
                   f"{step['bm25_build_s']:.1f} s / {step['bm25_ram_mb']:.0f} / "
                   f"{'?' if peak is None else f'{peak:.0f}'} / {step['bm25_loaded_ram_mb']:.0f} / "
                   f"{step['bm25_disk_mb']:.0f} MiB")
        result.add(f"{tag} BM25 query p50 / p95",
                   f"{step['bm25_query_ms']['p50_ms']:.1f} / {step['bm25_query_ms']['p95_ms']:.1f}", "ms")


def _dense_rows(result: BenchResult, step: dict, tag: str) -> None:
    flat_p95 = step["flat_query_ms"]["p95_ms"]
    result.add(f"{tag} flat build / RAM / disk",
               f"{step['flat_build_s']:.1f} s / {step['flat_ram_mb']:.0f} / {step['flat_disk_mb']:.0f} MiB")
    result.add(f"{tag} flat query p95", flat_p95, "ms")
    if "hnsw_build_s" in step:
        result.add(f"{tag} HNSW efC={step['hnsw_ef_construction']} build / RAM / disk",
                   f"{step['hnsw_build_s']:.1f} s / {step['hnsw_ram_mb']:.0f} / {step['hnsw_disk_mb']:.0f} MiB",
                   baseline=f"flat {step['flat_build_s']:.1f} s",
                   ratio=ratio(step["hnsw_build_s"], step["flat_build_s"]))
        for ef in HNSW_EF_SEARCH:
            p95 = step[f"hnsw_ef{ef}_query_ms"]["p95_ms"]
            result.add(f"{tag} HNSW ef={ef} query p95", p95, "ms", baseline=f"flat {flat_p95:.2f} ms",
                       ratio=ratio(p95, flat_p95))
            result.add(f"{tag} HNSW ef={ef} recall@10 vs flat", step[f"hnsw_ef{ef}_recall@10"])
    ivf = step["ivfpq"]
    result.add(f"{tag} {ivf['factory']} build / RAM / disk",
               f"{step['ivfpq_build_s']:.1f} s (train {step['ivfpq_train_s']:.1f}) / {step['ivfpq_ram_mb']:.0f}"
               f" / {step['ivfpq_disk_mb']:.0f} MiB",
               baseline=f"flat {step['flat_build_s']:.1f} s", ratio=ratio(step["ivfpq_build_s"], step["flat_build_s"]))
    for nprobe in IVF_NPROBE:
        variants = [(f"ivfpq_nprobe{nprobe}", "IVF-PQ")] + [
            (f"ivfpq_refine{f}_nprobe{nprobe}", f"IVF-PQ+refine {f}·k") for f in REFINE_K_FACTORS]
        for key, label in variants:
            p95 = step[f"{key}_query_ms"]["p95_ms"]
            result.add(f"{tag} {label} nprobe={nprobe} query p95", p95, "ms", baseline=f"flat {flat_p95:.2f} ms",
                       ratio=ratio(p95, flat_p95))
            result.add(f"{tag} {label} nprobe={nprobe} recall@10 vs flat", step[f"{key}_recall@10"])
