"""Persisting the index: every part together, atomic swap, clear errors on load."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from index.embed import FakeEmbedder
from index.errors import IndexNotFoundError, ModelMismatchError
from index.settings import Settings
from index.store import (
    FORMAT_VERSION,
    FileRecord,
    IndexFormatError,
    IndexStore,
    make_manifest,
)
from tests.tiny_index import tiny_files


def _save(settings: Settings, embedder: FakeEmbedder, files=None):
    files = files or tiny_files()
    chunks = [c for f in files for c in f.chunks]
    vectors = embedder.embed_passages([c.text for c in chunks])
    manifest = make_manifest(
        model_id=embedder.model_id, model_fingerprint=embedder.fingerprint, dim=embedder.dim,
        pipeline_fingerprint="pipe-1",
        files=[FileRecord(f.source, f.path, f.content_hash, tuple(c.chunk_id for c in f.chunks)) for f in files],
        chunk_count=len(chunks),
    )
    IndexStore(settings).save(manifest, chunks, vectors)
    return chunks, vectors


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(data_dir=tmp_path / "data")


def test_save_writes_every_part_and_load_returns_them(settings, fake_embedder):
    chunks, vectors = _save(settings, fake_embedder)
    folder = settings.index_dir
    names = {p.name for p in folder.iterdir()}
    assert {"manifest.json", "chunks.jsonl", "vectors.npy", "llama", "bm25"} <= names
    assert {"default__vector_store.json", "docstore.json", "index_store.json"} <= {
        p.name for p in (folder / "llama").iterdir()}

    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["format_version"] == FORMAT_VERSION
    assert manifest["model_fingerprint"] == "fake-v1" and manifest["dim"] == 64
    assert manifest["pipeline_fingerprint"] == "pipe-1"
    assert manifest["chunk_count"] == len(chunks) == 7
    assert manifest["files"]["seeds/a.txt"]["chunk_ids"] == [c.chunk_id for c in chunks[:3]]

    loaded = IndexStore(settings).load(expected_fingerprint="fake-v1")
    assert loaded.chunks == tuple(chunks)
    assert loaded.faiss_index.ntotal == 7 and loaded.lexical.size == 7
    np.testing.assert_allclose(loaded.faiss_index.reconstruct_n(0, 7), vectors, rtol=1e-6)
    np.testing.assert_allclose(IndexStore(settings).load_vectors(), vectors, rtol=1e-6)
    # position i is the same chunk in FAISS and in BM25
    _, ids = loaded.faiss_index.search(vectors[5:6], 1)
    assert ids[0][0] == 5
    assert loaded.lexical.search("04/2015/NĐ-CP", k=1)[0][0] == 5


def test_docstore_holds_the_nodes_for_llama_index(settings, fake_embedder):
    from llama_index.core.embeddings import MockEmbedding

    chunks, _ = _save(settings, fake_embedder)
    index = IndexStore(settings).as_llama_index(MockEmbedding(embed_dim=64))
    docs = index.docstore.docs
    assert set(docs) == {c.chunk_id for c in chunks}
    node = docs[chunks[0].chunk_id]
    assert node.get_content() == chunks[0].text
    assert node.metadata["source"] == "seeds/a.txt"


def test_missing_index_raises_with_the_fix(settings):
    with pytest.raises(IndexNotFoundError, match="soanthao index"):
        IndexStore(settings).load()


def test_model_mismatch_raises_with_the_fix(settings, fake_embedder):
    _save(settings, fake_embedder)
    with pytest.raises(ModelMismatchError, match="--rebuild"):
        IndexStore(settings).load(expected_fingerprint="another-model", expected_model_id="other")


def test_damaged_manifest_and_wrong_format_are_reported(settings, fake_embedder):
    _save(settings, fake_embedder)
    path = settings.index_dir / "manifest.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["format_version"] = FORMAT_VERSION + 1
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(IndexFormatError, match="--rebuild"):
        IndexStore(settings).load()
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(IndexFormatError, match="damaged"):
        IndexStore(settings).load()


def test_second_save_replaces_the_first_and_leaves_no_temp_folders(settings, fake_embedder):
    _save(settings, fake_embedder)
    files = tiny_files()[:1]
    _save(settings, fake_embedder, files)
    assert IndexStore(settings).load().manifest.chunk_count == 3
    assert sorted(p.name for p in settings.index_dir.parent.iterdir()) == ["index"]


def test_failure_before_swap_keeps_the_previous_index(settings, fake_embedder):
    chunks, _ = _save(settings, fake_embedder)
    files = tiny_files()[:1]
    sub = [c for f in files for c in f.chunks]
    manifest = make_manifest(model_id="m", model_fingerprint="fake-v1", dim=64, pipeline_fingerprint="",
                             files=[], chunk_count=len(sub))

    def boom():
        raise RuntimeError("simulated crash")

    with pytest.raises(RuntimeError, match="simulated"):
        IndexStore(settings).save(manifest, sub, fake_embedder.embed_passages([c.text for c in sub]),
                                  before_swap=boom)
    assert IndexStore(settings).load().chunks == tuple(chunks)
    assert [p.name for p in settings.index_dir.parent.iterdir()] == ["index"]


def test_interrupted_swap_is_undone_on_load(settings, fake_embedder):
    chunks, _ = _save(settings, fake_embedder)
    # a process died between "index → .index-old-…" and "tmp → index"
    os.rename(settings.index_dir, settings.index_dir.parent / ".index-old-99999-1")
    (settings.index_dir.parent / ".index-tmp-99999999-2").mkdir()   # half-written, dead pid
    loaded = IndexStore(settings).load()
    assert loaded.chunks == tuple(chunks)
    assert sorted(p.name for p in settings.index_dir.parent.iterdir()) == ["index"]


def test_manifest_count_must_match_chunks(settings, fake_embedder):
    files = tiny_files()
    chunks = [c for f in files for c in f.chunks]
    manifest = make_manifest(model_id="m", model_fingerprint="f", dim=64, pipeline_fingerprint="",
                             files=[], chunk_count=3)
    with pytest.raises(ValueError, match="3 chunks"):
        IndexStore(settings).save(manifest, chunks, np.zeros((len(chunks), 64), dtype=np.float32))


def test_empty_index_saves_and_loads(settings):
    embedder = FakeEmbedder()
    manifest = make_manifest(model_id="m", model_fingerprint="f", dim=64, pipeline_fingerprint="",
                             files=[], chunk_count=0)
    IndexStore(settings).save(manifest, [], np.zeros((0, 64), dtype=np.float32))
    loaded = IndexStore(settings).load(expected_fingerprint="f")
    assert loaded.chunks == () and loaded.faiss_index.ntotal == 0
    assert embedder.passages_embedded == 0


def test_index_tokenized_by_an_older_bm25_version_asks_for_a_refresh(settings, fake_embedder):
    _save(settings, fake_embedder)
    path = settings.index_dir / "manifest.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["extra"]["lexical_version"] = "0"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(IndexFormatError, match="soanthao index"):
        IndexStore(settings).load()
