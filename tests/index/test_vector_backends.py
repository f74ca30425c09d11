"""The vector store behind retrieval, swapped by configuration: Qdrant answers as FAISS does."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from assistant.retrieve import Retriever, SearchFilters
from index.build import IndexBuilder
from index.embed import FakeEmbedder
from index.settings import Settings
from index.store import IndexStore, make_manifest
from index.vector_backends import (
    FaissSearch,
    QdrantSearch,
    VectorStoreMismatchError,
    vector_backend,
)
from tests.tiny_index import tiny_files, with_changed_chunk

pytest.importorskip("qdrant_client")

A_TIEP_DAN, A_CHI_THI, A_LOOSE, B_HOA_GIAI, B_TIEP_DAN_COPY, C_NGHI_DINH, C_LUAT = range(7)
QUERIES = ["tiếp công dân định kỳ", "hòa giải ở cơ sở", "Chỉ thị 33/CT-TTg", "Nghị định 04/2015/NĐ-CP",
           "hiệu lực thi hành", "tiep cong dan giai quyet khieu nai"]


def _settings(tmp_path, name: str, store: str) -> Settings:
    return Settings(data_dir=tmp_path / name, vector_store=store)


@pytest.fixture(scope="module")
def pair(tmp_path_factory) -> tuple[Retriever, Retriever]:
    """The tiny corpus indexed twice with the same fake vectors: FAISS flat and embedded Qdrant."""
    root = tmp_path_factory.mktemp("vector-backends")
    retrievers = []
    for store in ("faiss", "qdrant"):
        settings = _settings(root, store, store)
        IndexBuilder(settings, FakeEmbedder()).build(tiny_files())
        retrievers.append(Retriever(settings, FakeEmbedder()))
    return retrievers[0], retrievers[1]


def test_settings_pick_the_backend_from_the_environment(monkeypatch):
    assert Settings().vector_store == "faiss"
    monkeypatch.setenv("SOANTHAO_VECTOR_STORE", "qdrant")
    monkeypatch.setenv("SOANTHAO_QDRANT_URL", "http://qdrant.tinh.local:6333")
    settings = Settings()
    assert (settings.vector_store, settings.qdrant_url) == ("qdrant", "http://qdrant.tinh.local:6333")
    assert vector_backend(settings).name == "qdrant"
    monkeypatch.setenv("SOANTHAO_VECTOR_STORE", "milvus")
    with pytest.raises(ValueError, match="vector_store"):
        Settings()


def test_manifest_records_the_store_that_built_the_index(pair):
    faiss_r, qdrant_r = pair
    assert faiss_r.index.manifest.extra["vector_store"] == "faiss"
    assert faiss_r.index.manifest.extra["vector_index"]["type"] == "flat"
    described = qdrant_r.index.manifest.extra["vector_index"]
    assert qdrant_r.index.manifest.extra["vector_store"] == "qdrant"
    assert described["type"] == "qdrant" and described["url"] is None and described["metric"] == "dot"
    assert described["collection"].startswith("soanthao-")
    assert isinstance(faiss_r.index.dense, FaissSearch) and isinstance(qdrant_r.index.dense, QdrantSearch)
    assert qdrant_r.index.faiss_index is None
    assert (qdrant_r.index.path / "qdrant").is_dir() and not (qdrant_r.index.path / "llama").exists()


def test_qdrant_returns_the_faiss_positions_and_scores_for_the_same_vectors(pair):
    faiss_r, qdrant_r = pair
    vectors = np.asarray(IndexStore(faiss_r.settings).load_vectors())
    # each stored vector finds itself first with inner product 1
    for pos in range(7):
        hits = qdrant_r.index.dense.search(vectors[pos], 3)
        assert hits[0][0] == pos and hits[0][1] == pytest.approx(1.0, abs=1e-5)
    for query in QUERIES:
        vector = FakeEmbedder().embed_query(query)
        expected = faiss_r.index.dense.search(vector, 7)
        got = qdrant_r.index.dense.search(vector, 7)
        assert [p for p, _ in got] == [p for p, _ in expected]
        np.testing.assert_allclose([s for _, s in got], [s for _, s in expected], atol=1e-5)


@pytest.mark.parametrize("allowed", [[B_HOA_GIAI], [A_TIEP_DAN, C_LUAT], [0, 1, 2, 3, 5, 6], []])
def test_allowed_positions_filter_the_same_way(pair, allowed):
    """Few allowed ids are sent as HasId(must), most as HasId(must_not) of the rest: same answers."""
    faiss_r, qdrant_r = pair
    allowed = np.array(allowed, dtype=np.int64)
    vector = FakeEmbedder().embed_query("tiếp công dân định kỳ")
    got = qdrant_r.index.dense.search(vector, 5, allowed)
    assert [p for p, _ in got] == [p for p, _ in faiss_r.index.dense.search(vector, 5, allowed)]
    assert {p for p, _ in got} <= set(allowed.tolist())
    assert len(got) == min(5, allowed.size)


@pytest.mark.parametrize("mode", ["hybrid", "dense", "lexical"])
@pytest.mark.parametrize("filters", [None, SearchFilters(governing=True), SearchFilters(units=("Song Vân",)),
                                     SearchFilters(year_min=2023, kinds=("báo cáo",))])
def test_search_answers_the_same_with_either_store(pair, mode, filters):
    faiss_r, qdrant_r = pair
    for query in QUERIES:
        expected = faiss_r.search(query, k=5, filters=filters, mode=mode)
        got = qdrant_r.search(query, k=5, filters=filters, mode=mode)
        assert [(h.chunk.chunk_id, h.dense_rank, h.lexical_rank) for h in got] == \
               [(h.chunk.chunk_id, h.dense_rank, h.lexical_rank) for h in expected]
        assert [h.score for h in got] == pytest.approx([h.score for h in expected], abs=1e-5)


def test_filtered_dense_search_keeps_to_the_filter(pair):
    _, qdrant_r = pair
    hits = qdrant_r.search("tiếp công dân định kỳ", k=5, filters=SearchFilters(units=("Song Vân",)), mode="dense")
    assert [h.chunk.source for h in hits] == ["seeds/b.txt", "seeds/b.txt"]


def test_incremental_rebuild_and_removal_on_qdrant(tmp_path):
    settings = _settings(tmp_path, "data", "qdrant")
    embedder = FakeEmbedder()
    builder = IndexBuilder(settings, embedder)
    files = tiny_files()
    builder.build(files)
    first = IndexStore(settings).read_manifest().extra["vector_index"]["collection"]

    new_text = "Ủy ban nhân dân xã tổ chức đối thoại với nhân dân về đất đai mỗi quý một lần."
    changed = [with_changed_chunk(files[0], 0, new_text), files[1]]       # law file removed
    report = builder.build(changed)
    assert (report.chunks_embedded, report.chunks_reused, report.chunks_total) == (1, 4, 5)
    assert report.removed == ("phapdien/luat.md",)

    retriever = Retriever(settings, embedder)
    assert retriever.index.dense.size == 5
    assert [c.text for c in retriever.index.chunks][0] == new_text
    stored = np.asarray(IndexStore(settings).load_vectors())
    assert embedder.passages_embedded == 8                  # 7, then only the changed chunk
    hits = retriever.index.dense.search(stored[0], 5)
    assert hits[0][0] == 0 and hits[0][1] == pytest.approx(1.0, abs=1e-5)
    assert all(h.chunk.source != "phapdien/luat.md" for h in retriever.search("Nghị định 04/2015/NĐ-CP", k=5))
    # the embedded store holds only the new build's collection; the old one left with its folder
    second = retriever.index.manifest.extra["vector_index"]["collection"]
    assert second != first
    assert [p.name for p in (settings.index_dir / "qdrant" / "collection").iterdir()] == [second]


def test_a_retriever_opened_after_a_rebuild_sees_the_new_collection(tmp_path):
    """A retriever opened before a rebuild must not keep serving the replaced collection."""
    settings = _settings(tmp_path, "data", "qdrant")
    IndexBuilder(settings, FakeEmbedder()).build(tiny_files())
    before = Retriever(settings, FakeEmbedder())
    IndexBuilder(settings, FakeEmbedder()).build(tiny_files()[:1])
    after = Retriever(settings, FakeEmbedder())
    assert after.index.dense.size == 3 and before.index.dense.size == 7
    assert sorted(p for p, _ in after.index.dense.search(FakeEmbedder().embed_query("hòa giải"), 7)) == [0, 1, 2]


@pytest.mark.parametrize(("built", "configured"), [("faiss", "qdrant"), ("qdrant", "faiss")])
def test_switching_the_store_without_rewriting_gives_the_fix(tmp_path, built, configured):
    IndexBuilder(_settings(tmp_path, "data", built), FakeEmbedder()).build(tiny_files())
    other = _settings(tmp_path, "data", configured)
    with pytest.raises(VectorStoreMismatchError) as err:
        Retriever(other, FakeEmbedder())
    message = str(err.value)
    assert f"'{built}" in message and f"'{configured}" in message
    assert "`soanthao index`" in message and "không nhúng lại" in message and "nothing is re-embedded" in message
    # the fix: an ordinary incremental build writes the stored vectors into the configured store
    embedder = FakeEmbedder()
    report = IndexBuilder(other, embedder).build(tiny_files())
    assert report.chunks_embedded == 0 and embedder.passages_embedded == 0
    assert Retriever(other, FakeEmbedder()).index.manifest.extra["vector_store"] == configured


def test_a_server_url_is_another_store_than_the_embedded_one(tmp_path):
    IndexBuilder(_settings(tmp_path, "data", "qdrant"), FakeEmbedder()).build(tiny_files())
    server = Settings(data_dir=tmp_path / "data", vector_store="qdrant", qdrant_url="http://qdrant.tinh.local:6333")
    with pytest.raises(VectorStoreMismatchError, match=r"qdrant \(embedded\).*qdrant \(http://qdrant.tinh.local"):
        IndexStore(server).load()


def test_indexes_written_before_the_choice_open_as_faiss(tmp_path):
    settings = _settings(tmp_path, "data", "faiss")
    IndexBuilder(settings, FakeEmbedder()).build(tiny_files())
    path = settings.index_dir / "manifest.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    del data["extra"]["vector_store"]
    path.write_text(json.dumps(data), encoding="utf-8")
    assert IndexStore(settings).load().faiss_index.ntotal == 7
    with pytest.raises(VectorStoreMismatchError):
        IndexStore(_settings(tmp_path, "data", "qdrant")).load()


def test_empty_index_on_qdrant(tmp_path):
    settings = _settings(tmp_path, "data", "qdrant")
    manifest = make_manifest(model_id="m", model_fingerprint="f", dim=64, pipeline_fingerprint="",
                             files=[], chunk_count=0)
    IndexStore(settings).save(manifest, [], np.zeros((0, 64), dtype=np.float32))
    loaded = IndexStore(settings).load(expected_fingerprint="f")
    assert loaded.chunks == () and loaded.dense.size == 0
    assert loaded.dense.search(np.ones(64, dtype=np.float32) / 8, 5) == []


def test_qdrant_collection_reads_as_a_llama_index(pair):
    from llama_index.core.embeddings import MockEmbedding

    _, qdrant_r = pair
    index = IndexStore(qdrant_r.settings).as_llama_index(MockEmbedding(embed_dim=64))
    nodes = index.as_retriever(similarity_top_k=7).retrieve("bất kỳ")
    assert {n.node.node_id for n in nodes} == {c.chunk_id for c in qdrant_r.index.chunks}
    by_id = {n.node.node_id: n.node for n in nodes}
    first = qdrant_r.index.chunks[A_CHI_THI]
    assert by_id[first.chunk_id].get_content() == first.text
    assert by_id[first.chunk_id].metadata["source"] == "seeds/a.txt"


@pytest.fixture
def shared_server(monkeypatch):
    """Stands in for a Qdrant server: every QdrantClient(url=…) is one in-memory client."""
    import qdrant_client

    real = qdrant_client.QdrantClient
    server = real(location=":memory:")

    def client(*args, url=None, api_key=None, **kwargs):
        return server if url is not None else real(*args, **kwargs)

    monkeypatch.setattr(qdrant_client, "QdrantClient", client)
    yield server
    server.close()


def test_server_builds_swap_by_manifest_and_drop_the_replaced_collection(tmp_path, shared_server):
    settings = Settings(data_dir=tmp_path / "data", vector_store="qdrant", qdrant_url="http://qdrant.test:6333",
                        qdrant_collection="xa-quang-khai")
    builder = IndexBuilder(settings, FakeEmbedder())
    builder.build(tiny_files())
    first = IndexStore(settings).read_manifest().extra["vector_index"]
    assert first["url"] == "http://qdrant.test:6333" and first["collection"].startswith("xa-quang-khai-")
    assert not (settings.index_dir / "qdrant").exists()

    def crash():
        raise RuntimeError("simulated crash")

    # a crash before the swap: the old manifest still names the old, complete collection
    with pytest.raises(RuntimeError, match="simulated"):
        builder.build(tiny_files()[:1], before_swap=crash)
    assert Retriever(settings, FakeEmbedder()).index.dense.size == 7

    builder.build(tiny_files()[:2])
    second = IndexStore(settings).read_manifest().extra["vector_index"]["collection"]
    names = {c.name for c in shared_server.get_collections().collections}
    assert first["collection"] not in names and second in names
    assert Retriever(settings, FakeEmbedder()).index.dense.size == 5


def test_faiss_search_handles_the_replaced_index_bench_uses(pair):
    """``LoadedIndex.dense`` wraps ``faiss_index`` on each call, so ``dataclasses.replace`` works."""
    import faiss

    faiss_r, _ = pair
    other = faiss.IndexIDMap(faiss.IndexFlatIP(64))
    vectors = np.asarray(IndexStore(faiss_r.settings).load_vectors())
    other.add_with_ids(np.ascontiguousarray(vectors[[C_LUAT]]), np.array([C_LUAT], dtype=np.int64))
    swapped = replace(faiss_r.index, faiss_index=other)
    assert swapped.dense.search(vectors[A_TIEP_DAN], 5) == [(C_LUAT, pytest.approx(float(vectors[0] @ vectors[6])))]


@pytest.mark.slow
def test_real_index_retrieval_is_identical_on_qdrant(real_index, tmp_path):
    """The eval set's hybrid and dense rankings are the same with Qdrant as with FAISS, from the
    same stored vectors (nothing re-embedded)."""
    from eval.datasets import load_retrieval

    source = IndexStore(real_index.settings)
    manifest = source.read_manifest()
    settings = real_index.settings.model_copy(update={"data_dir": tmp_path / "data", "vector_store": "qdrant"})
    IndexStore(settings).save(manifest, source.load_chunks(), np.asarray(source.load_vectors()))
    embedder = _QueryCache(real_index.embedder)        # each query is encoded once for both stores
    faiss_r = Retriever(real_index.settings, embedder)
    qdrant_r = Retriever(settings, embedder)
    assert qdrant_r.index.dense.size == faiss_r.index.dense.size == manifest.chunk_count

    queries = load_retrieval()
    assert len(queries) >= 40
    governing = SearchFilters(governing=True)
    for query in queries:
        for mode, filters in (("hybrid", None), ("dense", None), ("hybrid", governing)):
            expected = faiss_r.search(query.query, k=10, mode=mode, filters=filters)
            got = qdrant_r.search(query.query, k=10, mode=mode, filters=filters)
            assert [h.chunk.chunk_id for h in got] == [h.chunk.chunk_id for h in expected], (query.id, mode)


class _QueryCache:
    """The real embedder with its query vectors memoized."""

    def __init__(self, embedder):
        self.inner, self.fingerprint, self.model_id, self._seen = embedder, embedder.fingerprint, embedder.model_id, {}

    def embed_query(self, text: str) -> np.ndarray:
        if text not in self._seen:
            self._seen[text] = self.inner.embed_query(text)
        return self._seen[text]
