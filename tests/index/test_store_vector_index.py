"""The automatic choice of the dense index: exact flat below ``approximate_index_min_chunks``,
HNSW from it on, recorded in the manifest, searched with the right parameters (filters too)."""

from __future__ import annotations

import faiss
import numpy as np
import pytest

from assistant.retrieve import Retriever, SearchFilters
from index.build import IndexBuilder
from index.embed import FakeEmbedder
from index.settings import Settings
from index.store import HNSW_EF_SEARCH, IndexStore, new_vector_index, vector_search_params
from tests.tiny_index import tiny_files

CHUNKS = 7  # tiny_index: 3 + 2 + 2 paragraphs


def _build(tmp_path, min_chunks: int):
    settings = Settings(data_dir=tmp_path / "data", approximate_index_min_chunks=min_chunks)
    embedder = FakeEmbedder()
    IndexBuilder(settings, embedder).build(tiny_files(), pipeline_fingerprint="t")
    return settings, embedder


def test_threshold_picks_the_index_type():
    flat, flat_info = new_vector_index(16, chunk_count=4, approximate_min_chunks=5)
    hnsw, hnsw_info = new_vector_index(16, chunk_count=5, approximate_min_chunks=5)
    assert isinstance(flat, faiss.IndexFlatIP) and flat_info["type"] == "flat"
    assert isinstance(hnsw, faiss.IndexHNSWFlat) and hnsw_info["type"] == "hnsw"
    assert hnsw.metric_type == faiss.METRIC_INNER_PRODUCT
    assert hnsw.hnsw.efSearch == HNSW_EF_SEARCH


def test_a_million_chunks_search_the_graph_wider():
    from index.vector_backends import HNSW_EF_SEARCH_LARGE, HNSW_LARGE_MIN_CHUNKS

    below, below_info = new_vector_index(16, chunk_count=HNSW_LARGE_MIN_CHUNKS - 1, approximate_min_chunks=5)
    large, large_info = new_vector_index(16, chunk_count=1_000_000, approximate_min_chunks=5)
    assert below.hnsw.efSearch == below_info["efSearch"] == HNSW_EF_SEARCH == 128
    assert large.hnsw.efSearch == large_info["efSearch"] == HNSW_EF_SEARCH_LARGE == 1024
    assert vector_search_params(large, 50).efSearch == 1024


def test_small_threshold_builds_and_records_hnsw(tmp_path):
    settings, _ = _build(tmp_path, min_chunks=5)
    loaded = IndexStore(settings).load()
    assert loaded.manifest.chunk_count == CHUNKS
    assert loaded.manifest.extra["vector_index"]["type"] == "hnsw"
    assert loaded.manifest.extra["vector_index"]["approximate_min_chunks"] == 5
    assert isinstance(loaded.faiss_index, faiss.IndexHNSWFlat)
    assert loaded.faiss_index.ntotal == CHUNKS


def test_default_threshold_keeps_the_exact_flat_index(tmp_path):
    settings, _ = _build(tmp_path, min_chunks=Settings().approximate_index_min_chunks)
    loaded = IndexStore(settings).load()
    assert loaded.manifest.extra["vector_index"]["type"] == "flat"
    assert isinstance(loaded.faiss_index, faiss.IndexFlatIP)


def test_hnsw_search_matches_flat_on_a_small_index(tmp_path):
    flat_settings, embedder = _build(tmp_path / "flat", min_chunks=1000)
    hnsw_settings, _ = _build(tmp_path / "hnsw", min_chunks=5)
    query = "tiếp công dân giải quyết khiếu nại"
    flat_hits = Retriever(flat_settings, embedder).search(query, k=3, mode="dense")
    hnsw_hits = Retriever(hnsw_settings, embedder).search(query, k=3, mode="dense")
    # 7 vectors: the graph reaches every node, so the approximate result is the exact one
    assert [h.chunk.chunk_id for h in hnsw_hits] == [h.chunk.chunk_id for h in flat_hits]
    assert [h.score for h in hnsw_hits] == pytest.approx([h.score for h in flat_hits], abs=1e-5)


def test_hnsw_search_honours_metadata_filters(tmp_path):
    settings, embedder = _build(tmp_path, min_chunks=5)
    hits = Retriever(settings, embedder).search(
        "tiếp công dân", k=5, mode="dense", filters=SearchFilters(governing=True)
    )
    assert hits and {h.chunk.source for h in hits} == {"phapdien/luat.md"}


def test_search_params_per_index_type():
    flat = faiss.IndexFlatIP(8)
    assert vector_search_params(flat, 10) is None
    selector = faiss.IDSelectorBatch(np.array([1, 2], dtype=np.int64))
    assert isinstance(vector_search_params(flat, 10, selector), faiss.SearchParameters)
    hnsw = faiss.IndexHNSWFlat(8, 4, faiss.METRIC_INNER_PRODUCT)
    hnsw.hnsw.efSearch = 16
    params = vector_search_params(hnsw, 50, selector)
    assert isinstance(params, faiss.SearchParametersHNSW)
    assert params.efSearch == 50             # at least k, or HNSW returns fewer than k
    assert vector_search_params(hnsw, 8).efSearch == 16
