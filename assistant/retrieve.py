"""Hybrid retrieval: dense (FAISS, e5) + lexical (two-field BM25), fused.

Fusion (``Settings.fusion``): ``"convex"`` (default) adds min-max-normalized scores,
``w · dense + (1 − w) · lexical``; ``"rrf"`` is reciprocal rank
fusion, ``Σ 1 / (RRF_K + rank)`` with ``RRF_K = 60`` (Cormack et al., 2009). Convex is the
default because on the hand-written retrieval set (``eval/data/retrieval.jsonl``) e5-small
alone is much weaker than BM25 (MRR 0.49 vs 0.82 on 90 queries): rank fusion gives the weak list an
equal vote and lost to BM25 (MRR 0.72 on the first 50), while a small dense weight keeps BM25's order
and lets the meaning of a paraphrase lift a passage. The weight ``w`` follows the evidence
(``assistant.fusion_weight``): a base calibrated per index on held-in pseudo-queries the index
provides (``fusion.json``, written by ``soanthao index``; ``Settings.dense_weight`` until then), scaled
per query by how sure each list is of its best passage. A query typed without diacritics gets no dense
vote at all: e5 cannot read unaccented Vietnamese (dense MRR 0.12 on the 30 such queries), BM25's
stripped field can.

A query that names an indexed document's unit ("… của xã Quang Trung") lifts that document's
passages after fusion (``assistant.unit_cue``): reports name their unit only in their header.

Each candidate list is cut at ``fetch`` = max(50, 10·k) after the metadata filters are
applied (filters run *before* fusion, so a filter never empties a top-k that had
matching passages further down).

Why de-duplication: reports copy each other, so the same paragraph often appears in
several documents; after fusion, a passage whose normalized text equals or nearly
equals (rapidfuzz ratio ≥ 95) one already kept is dropped — the better-ranked copy stays.

Example:
    >>> retriever = Retriever(Settings(), embedder=load_embedder(Settings()))  # doctest: +SKIP
    >>> [h.chunk.source for h in retriever.search("tiếp công dân định kỳ", k=3)]  # doctest: +SKIP
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal, Sequence

import numpy as np

from assistant.errors import InvalidRequestError
from assistant.fusion_weight import index_key, load_calibration, query_dense_weight
from assistant.unit_cue import DocumentUnits, lift_named_units
from index.embed import Embedder
from index.lexical import strip_diacritics
from index.pages import page_label
from index.schema import Chunk
from index.settings import Settings
from index.store import IndexStore, LoadedIndex

logger = logging.getLogger(__name__)

RRF_K = 60
DEDUP_RATIO = 95.0
Mode = Literal["hybrid", "dense", "lexical"]
MODES: tuple[str, ...] = ("hybrid", "dense", "lexical")
_MASK_CACHE_SIZE = 64   # distinct filter combinations whose passage masks are kept


@dataclass(frozen=True)
class Hit:
    """One retrieved passage.

    ``score`` is the fused score in hybrid mode (convex or RRF, see the module docstring), the cosine in dense mode and the
    BM25 score in lexical mode; ``dense_rank``/``lexical_rank`` are its 1-based ranks in
    each candidate list (None when absent), kept for evaluation and debugging.
    """

    chunk: Chunk
    score: float
    rank: int
    dense_rank: int | None = None
    lexical_rank: int | None = None


def _folded(text: str) -> str:
    return strip_diacritics(unicodedata.normalize("NFC", text)).casefold().strip()


@dataclass(frozen=True)
class SearchFilters:
    """Metadata filters; every field left empty/None lets everything through.

    Args:
        kinds: document kinds (``"báo cáo"``, ``"luật"``, …), matched case/accent-insensitively.
        units: unit names; a passage matches when its unit or unit name contains one of them
            (``"Quang Khải"`` matches ``"UBND xã Quang Khải"``), case/accent-insensitively.
        year_min, year_max: inclusive bounds on the document year (no year → excluded
            when a bound is set).
        governing: True keeps laws/decrees/decisions only, False keeps reports/plans only.
        sources: corpus-relative paths or folder prefixes (``"seeds/"``).
    """

    kinds: tuple[str, ...] = ()
    units: tuple[str, ...] = ()
    year_min: int | None = None
    year_max: int | None = None
    governing: bool | None = None
    sources: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name in ("kinds", "units", "sources"):
            value = getattr(self, name)
            if isinstance(value, str):
                object.__setattr__(self, name, (value,))
            else:
                object.__setattr__(self, name, tuple(value))
        if self.year_min is not None and self.year_max is not None and self.year_min > self.year_max:
            raise InvalidRequestError(
                f"Năm bắt đầu {self.year_min} lớn hơn năm kết thúc {self.year_max}. / "
                f"year_min {self.year_min} is after year_max {self.year_max}."
            )

    @property
    def is_empty(self) -> bool:
        return self == SearchFilters()

    def matches(self, chunk: Chunk) -> bool:
        meta = chunk.meta
        if self.kinds:
            kind = _folded(str(meta.get("kind") or ""))
            if kind not in {_folded(k) for k in self.kinds}:
                return False
        if self.units:
            names = [_folded(str(meta.get(key) or "")) for key in ("unit", "unit_name")]
            if not any(_folded(u) and _folded(u) in name for u in self.units for name in names):
                return False
        year = meta.get("year")
        if self.year_min is not None and (year is None or int(year) < self.year_min):
            return False
        if self.year_max is not None and (year is None or int(year) > self.year_max):
            return False
        if self.governing is not None and bool(meta.get("is_governing", False)) != self.governing:
            return False
        if self.sources and not any(
            chunk.source == s or chunk.source.startswith(s.rstrip("/") + "/") for s in self.sources
        ):
            return False
        return True


def reciprocal_rank_fusion(rankings: Sequence[Sequence[int]], k: int = RRF_K) -> list[tuple[int, float]]:
    """Fuse ranked lists of ids: ``score(d) = Σ_lists 1 / (k + rank_d)`` with 1-based ranks.

    Ties keep the order of first appearance (list by list), so the result is deterministic.

    >>> reciprocal_rank_fusion([[7, 3], [3]], k=60)[0][0]
    3
    """
    if k < 0:
        raise ValueError("k must be >= 0")
    scores: dict[int, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank)
    order = {item: i for i, item in enumerate(scores)}
    return sorted(scores.items(), key=lambda kv: (-kv[1], order[kv[0]]))


def convex_fusion(
    dense: Sequence[tuple[int, float]], lexical: Sequence[tuple[int, float]], dense_weight: float
) -> list[tuple[int, float]]:
    """Fuse scored lists: ``w · minmax(dense) + (1 − w) · minmax(lexical)``; absent = 0.

    Min-max puts cosines and BM25 scores on one [0, 1] scale per query. A list whose
    scores are all equal contributes 1 to each of its items. Ties keep first appearance.

    >>> convex_fusion([(1, 0.9), (2, 0.8)], [(2, 12.0), (3, 4.0)], dense_weight=0.2)[0][0]
    2
    """
    if not 0.0 <= dense_weight <= 1.0:
        raise ValueError("dense_weight must be in [0, 1]")

    def minmax(items: Sequence[tuple[int, float]]) -> dict[int, float]:
        if not items:
            return {}
        values = [score for _, score in items]
        low, high = min(values), max(values)
        span = high - low
        return {item: ((score - low) / span if span > 0 else 1.0) for item, score in items}

    scores: dict[int, float] = {}
    for weight, part in ((dense_weight, minmax(dense)), (1.0 - dense_weight, minmax(lexical))):
        for item, value in part.items():
            scores[item] = scores.get(item, 0.0) + weight * value
    order = {item: i for i, item in enumerate(scores)}
    return sorted(scores.items(), key=lambda kv: (-kv[1], order[kv[0]]))


def has_vietnamese_diacritics(text: str) -> bool:
    """True when any letter carries a diacritic (or is đ): the query was typed with accents."""
    return strip_diacritics(text) != text


_NON_WORD = re.compile(r"[^\w]+")


def dedup_key(text: str) -> str:
    """Text compared for near-duplicates: NFC, lower case, punctuation and spacing removed."""
    return _NON_WORD.sub(" ", unicodedata.normalize("NFC", text).lower()).strip()


def _is_near_duplicate(key: str, kept: list[str]) -> bool:
    from rapidfuzz import fuzz

    return any(key == other or fuzz.ratio(key, other, score_cutoff=DEDUP_RATIO) for other in kept)


class Retriever:
    """Holds the loaded index (and the embedder) and answers searches.

    Args:
        settings: which data folder to read.
        embedder: query embedder; defaults to ``index.embed.load_embedder(settings)``,
            loaded on the first dense/hybrid search. Its fingerprint must match the index.

    Raises:
        IndexNotFoundError: no index yet.
        ModelMismatchError: the index was built with another model.

    Example:
        >>> hits = Retriever(settings, embedder).search("hòa giải ở cơ sở", k=5)  # doctest: +SKIP
    """

    def __init__(self, settings: Settings | None = None, embedder: Embedder | None = None):
        self.settings = settings or Settings()
        store = IndexStore(self.settings)
        self.index: LoadedIndex = store.load(embedder=embedder)
        self._embedder = embedder
        self._mask_cache: dict[SearchFilters, np.ndarray] = {}
        self._units = DocumentUnits.of_chunks(self.index.chunks)
        self._sources = [chunk.source for chunk in self.index.chunks]
        self.refresh_fusion()

    def refresh_fusion(self) -> None:
        """Read the index's calibrated base dense weight (``fusion.json``), else the configured one."""
        calibration = load_calibration(Path(self.settings.index_dir), index_key(self.index.manifest))
        self.base_dense_weight = calibration.dense_weight if calibration else self.settings.dense_weight

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            from index.embed import load_embedder

            embedder = load_embedder(self.settings)
            if embedder.fingerprint != self.index.manifest.model_fingerprint:
                # Same model under an older fingerprint is adopted; anything else raises ModelMismatchError.
                manifest = IndexStore(self.settings).recognise_model(embedder)
                self.index = replace(self.index, manifest=manifest)
            self._embedder = embedder
        return self._embedder

    def _mask(self, filters: SearchFilters | None) -> np.ndarray | None:
        if filters is None or filters.is_empty:
            return None
        if filters not in self._mask_cache:
            if len(self._mask_cache) >= _MASK_CACHE_SIZE:
                self._mask_cache.pop(next(iter(self._mask_cache)))
            self._mask_cache[filters] = np.fromiter(
                (filters.matches(c) for c in self.index.chunks), dtype=bool, count=len(self.index.chunks)
            )
        return self._mask_cache[filters]

    def dense_candidates(self, query: str, fetch: int, mask: np.ndarray | None) -> list[tuple[int, float]]:
        """Top ``fetch`` (position, cosine) among the passages the mask allows, from the
        configured vector store (``Settings.vector_store``, ``index/vector_backends.py``)."""
        dense = self.index.dense
        allowed = None if mask is None else np.flatnonzero(mask).astype(np.int64)
        if dense.size == 0 or (allowed is not None and allowed.size == 0):
            return []
        vector = np.asarray(self.embedder.embed_query(query), dtype=np.float32).reshape(1, -1)
        return dense.search(vector, fetch, allowed)

    def fuse(self, query: str, dense: Sequence[tuple[int, float]],
             lexical: Sequence[tuple[int, float]]) -> list[tuple[int, float]]:
        """Hybrid ranking of the two candidate lists (see the module docstring)."""
        if self.settings.fusion == "rrf":
            return reciprocal_rank_fusion([[p for p, _ in dense], [p for p, _ in lexical]])
        fused = convex_fusion(dense, lexical, self.dense_vote(query, dense, lexical))
        return lift_named_units(fused, self._sources, self._units.named(query))

    def dense_vote(self, query: str, dense: Sequence[tuple[int, float]] | None = None,
                   lexical: Sequence[tuple[int, float]] | None = None) -> float:
        """Dense weight of convex fusion for this query: none for a query typed without diacritics; else the
        index's base weight, scaled by the two lists' confidence once they are known."""
        if not has_vietnamese_diacritics(query):
            return 0.0
        if dense is None or lexical is None:
            return self.base_dense_weight
        return query_dense_weight(dense, lexical, self.base_dense_weight)

    def search(
        self, query: str, k: int = 5, filters: SearchFilters | None = None, mode: Mode = "hybrid"
    ) -> list[Hit]:
        """The ``k`` best distinct passages for ``query``.

        Raises:
            InvalidRequestError: empty query, ``k`` < 1 or an unknown mode.
        """
        if not query or not query.strip():
            raise InvalidRequestError("Câu tìm kiếm trống. / The search query is empty.")
        if k < 1:
            raise InvalidRequestError(f"k phải ≥ 1, nhận {k}. / k must be >= 1, got {k}.")
        if mode not in MODES:
            raise InvalidRequestError(f"Chế độ không hợp lệ '{mode}' / unknown mode '{mode}'; dùng / use {MODES}")
        query = unicodedata.normalize("NFC", query.strip())
        mask = self._mask(filters)
        fetch = max(50, 10 * k)
        use_dense = mode == "dense" or (
            mode == "hybrid" and (self.settings.fusion == "rrf" or self.dense_vote(query) > 0)
        )
        dense = self.dense_candidates(query, fetch, mask) if use_dense else []
        lexical = self.index.lexical.search(query, fetch, mask) if mode in ("hybrid", "lexical") else []
        dense_rank = {pos: r for r, (pos, _) in enumerate(dense, start=1)}
        lexical_rank = {pos: r for r, (pos, _) in enumerate(lexical, start=1)}
        if mode == "hybrid":
            ranked = self.fuse(query, dense, lexical)
        else:
            ranked = dense or lexical
        hits: list[Hit] = []
        kept: list[str] = []
        for pos, score in ranked:
            chunk = self.index.chunks[pos]
            key = dedup_key(chunk.text)
            if _is_near_duplicate(key, kept):
                continue
            kept.append(key)
            hits.append(Hit(chunk=chunk, score=float(score), rank=len(hits) + 1,
                            dense_rank=dense_rank.get(pos), lexical_rank=lexical_rank.get(pos)))
            if len(hits) == k:
                break
        return hits


_CACHE: dict[tuple[str, str], tuple[float, Retriever]] = {}
_CACHE_LOCK = threading.Lock()


def get_retriever(settings: Settings | None = None, embedder: Embedder | None = None) -> Retriever:
    """A cached ``Retriever`` per index folder, reloaded when the index was rebuilt."""
    settings = settings or Settings()
    manifest = Path(settings.index_dir) / "manifest.json"
    stamp = manifest.stat().st_mtime if manifest.exists() else -1.0
    key = (str(Path(settings.index_dir).resolve()), embedder.fingerprint if embedder else "")
    with _CACHE_LOCK:
        cached = _CACHE.get(key)
        if cached is None or cached[0] != stamp:
            _CACHE[key] = (stamp, Retriever(settings, embedder))
        return _CACHE[key][1]


def search(
    query: str,
    k: int = 5,
    filters: SearchFilters | None = None,
    settings: Settings | None = None,
    mode: Mode = "hybrid",
    embedder: Embedder | None = None,
) -> list[Hit]:
    """Search the index in ``settings.data_dir`` (the project's Python API for retrieval)."""
    return get_retriever(settings, embedder).search(query, k=k, filters=filters, mode=mode)


def hit_title(chunk: Chunk) -> str:
    """Document title for display: kind word plus trích yếu when known (``BÁO CÁO Kết quả …``)."""
    meta = chunk.meta
    parts = [str(meta[key]).strip() for key in ("title", "summary") if meta.get(key)]
    return " ".join(parts) if parts else chunk.doc_id


def hit_to_json(hit: Hit) -> dict[str, Any]:
    """Exactly the fields of the ``soanthao search --json`` result."""
    chunk = hit.chunk
    year = chunk.meta.get("year")
    return {
        "rank": hit.rank,
        "score": round(float(hit.score), 6),
        "doc_id": chunk.doc_id,
        "source": chunk.source,
        "title": hit_title(chunk),
        "unit": chunk.meta.get("unit"),
        "year": int(year) if year is not None else None,
        "kind": chunk.meta.get("kind"),
        "section": chunk.section,
        "text": chunk.text,
        "line_start": chunk.line_start,
        "line_end": chunk.line_end,
        "page": page_label(chunk.meta),
    }
