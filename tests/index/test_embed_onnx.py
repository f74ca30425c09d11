"""The ONNX Runtime int8 backend: chosen by settings, refuses clearly what it cannot run, and
gives the PyTorch model's vectors up to int8 rounding on real corpus text."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import numpy as np
import pytest
from pydantic import ValidationError

from index.embed import Embedder, OnnxEmbedder, SentenceTransformerEmbedder, load_embedder
from index.errors import ModelNotPreparedError
from index.model_build import ONNX_DIRNAME, ONNX_INT8_NAME, onnx_int8_path
from index.settings import Settings

# Lowest cosine accepted between the int8 and the PyTorch vector of one text: on 500 corpus
# passages the lowest measured was 0.972 (mean 0.99); a broken graph or tokenizer gives < 0.9.
MIN_COSINE = 0.95
QUERIES = [
    "Kết quả thực hiện công tác dân vận chính quyền năm 2023",
    "tình hình tiếp công dân và giải quyết đơn thư khiếu nại, tố cáo",
    "Tổ hòa giải có bao nhiêu thành viên",
    "tiep cong dan dinh ky hang thang cua chu tich ubnd xa",
    "Đề xuất, kiến nghị với UBND huyện",
]


def _model_folder(path: Path, pooling: str = "mean") -> Path:
    """A folder that looks like a sentence-transformers model (no weights): enough for the checks
    that run before anything is loaded."""
    modules = [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.base.modules.transformer.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.sentence_transformer.modules.pooling.Pooling"},
    ]
    (path / "1_Pooling").mkdir(parents=True)
    (path / "modules.json").write_text(json.dumps(modules), encoding="utf-8")
    (path / "1_Pooling" / "config.json").write_text(json.dumps({"pooling_mode": pooling}), encoding="utf-8")
    return path


# --------------------------------------------------------------------------- settings, errors


def test_backend_is_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("SOANTHAO_EMBEDDING_BACKEND", "onnx-int8")
    assert Settings().embedding_backend == "onnx-int8"
    monkeypatch.setenv("SOANTHAO_EMBEDDING_BACKEND", "torch")
    assert Settings().embedding_backend == "torch"
    monkeypatch.setenv("SOANTHAO_EMBEDDING_BACKEND", "onnx-fp16")
    with pytest.raises(ValidationError, match="embedding_backend"):
        Settings()


def test_missing_onnx_file_names_the_file_and_the_fix(tmp_path):
    folder = _model_folder(tmp_path / "model")
    with pytest.raises(ModelNotPreparedError) as caught:
        load_embedder(Settings(embedding_model=str(folder), embedding_backend="onnx-int8"))
    message = str(caught.value)
    assert str(folder.resolve() / ONNX_DIRNAME / ONNX_INT8_NAME) in message
    assert "soanthao prepare-models" in message
    assert "Chưa có tệp mô hình ONNX" in message and "is missing" in message


def test_cls_pooling_folder_is_refused_by_the_onnx_backend(tmp_path):
    folder = _model_folder(tmp_path / "model", pooling="cls")
    onnx_int8_path(folder).parent.mkdir()
    onnx_int8_path(folder).write_bytes(b"not loaded: pooling is checked first")
    with pytest.raises(ModelNotPreparedError, match="mean Pooling.*SOANTHAO_EMBEDDING_BACKEND=torch"):
        OnnxEmbedder(folder)


# --------------------------------------------------------------------------- real model


@pytest.fixture(scope="session")
def prepared_folder() -> Path:
    from index.model_build import ensure_embedding_model

    return ensure_embedding_model(Settings(embedding_backend="onnx-int8")).folder


@pytest.fixture(scope="session")
def engines(prepared_folder) -> tuple[SentenceTransformerEmbedder, OnnxEmbedder]:
    return (load_embedder(Settings(embedding_backend="torch")),
            load_embedder(Settings(embedding_backend="onnx-int8")))


def seed_passages(seed_paths: list[Path], per_seed: int = 8) -> list[str]:
    """Paragraphs of every seed report (blank-line split, NFC, 40–1500 characters), evenly spread."""
    passages = []
    for path in seed_paths:
        text = unicodedata.normalize("NFC", path.read_text(encoding="utf-8"))
        blocks = [b.strip() for b in re.split(r"\n\s*\n", text) if 40 <= len(b.strip()) <= 1500]
        picks = np.linspace(0, len(blocks) - 1, min(per_seed, len(blocks))).round().astype(int)
        passages += [blocks[i] for i in sorted(set(picks))]
    return passages


@pytest.mark.slow
def test_settings_select_the_engine(engines):
    torch_engine, onnx_engine = engines
    assert isinstance(torch_engine, SentenceTransformerEmbedder)
    assert isinstance(onnx_engine, OnnxEmbedder) and isinstance(onnx_engine, Embedder)
    assert onnx_engine.model_id.startswith(torch_engine.model_id) and "ONNX Runtime qint8" in onnx_engine.model_id


@pytest.mark.slow
def test_fingerprints_differ_between_engines_and_are_stable(engines):
    torch_engine, onnx_engine = engines
    assert onnx_engine.fingerprint != torch_engine.fingerprint
    assert re.fullmatch(r"[0-9a-f]{64}", onnx_engine.fingerprint)
    assert load_embedder(Settings(embedding_backend="onnx-int8")).fingerprint == onnx_engine.fingerprint


@pytest.mark.slow
def test_int8_vectors_agree_with_torch_on_seed_passages_and_queries(engines, seed_paths):
    torch_engine, onnx_engine = engines
    passages = seed_passages(seed_paths)
    assert len(passages) >= 30
    ours = onnx_engine.embed_passages(passages)
    cos_p = np.sum(ours * torch_engine.embed_passages(passages), axis=1)
    cos_q = np.array([onnx_engine.embed_query(q) @ torch_engine.embed_query(q) for q in QUERIES])
    print(f"\nint8 vs torch: passages n={len(passages)} min={cos_p.min():.4f} mean={cos_p.mean():.4f}; "
          f"queries min={cos_q.min():.4f}")
    assert ours.dtype == np.float32 and ours.shape == (len(passages), 384)
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    assert cos_p.min() >= MIN_COSINE and cos_q.min() >= MIN_COSINE
    # the prefixes are added: a passage and a query of the same text are different vectors
    assert float(onnx_engine.embed_passages([QUERIES[0]])[0] @ onnx_engine.embed_query(QUERIES[0])) < 0.999


@pytest.mark.slow
def test_long_text_is_truncated_like_sentence_transformers(engines, seed_paths):
    torch_engine, onnx_engine = engines
    text = " ".join(seed_passages(seed_paths, per_seed=40))
    assert onnx_engine.count_tokens(text) > 2 * onnx_engine.max_seq_length == 1024
    assert onnx_engine.count_tokens(text) == torch_engine.count_tokens(text)
    assert float(onnx_engine.embed_passages([text])[0] @ torch_engine.embed_passages([text])[0]) >= MIN_COSINE


@pytest.mark.slow
def test_counter_empty_batch_and_llamaindex_adapter(prepared_folder):
    from index.embed import LlamaIndexEmbedding

    embedder = OnnxEmbedder(prepared_folder, batch_size=2)
    vectors = embedder.embed_passages(QUERIES)               # 5 texts in batches of 2, longest first
    assert embedder.passages_embedded == 5
    # rows come back in the caller's order (int8 activations are scaled per batch, so a text
    # embedded alone is close to, not bit-equal with, the same text in a batch)
    alone = np.vstack([OnnxEmbedder(prepared_folder).embed_passages([q]) for q in QUERIES])
    assert list(np.argmax(vectors @ alone.T, axis=1)) == [0, 1, 2, 3, 4]
    assert np.min(np.sum(vectors * alone, axis=1)) > 0.99
    assert embedder.embed_passages([]).shape == (0, 384) and embedder.passages_embedded == 5
    adapter = LlamaIndexEmbedding(embedder)
    assert np.allclose(adapter.get_query_embedding(QUERIES[1]), embedder.embed_query(QUERIES[1]))


@pytest.mark.slow
def test_prepare_reuses_an_up_to_date_onnx_file(prepared_folder):
    from index.model_build import ensure_onnx_int8, read_onnx_info

    path = onnx_int8_path(prepared_folder)
    before = path.stat().st_mtime_ns
    assert ensure_onnx_int8(prepared_folder) is False
    assert path.stat().st_mtime_ns == before
    info = read_onnx_info(prepared_folder)
    assert info["self_check_fp32_min_cosine"] >= 0.999 and info["self_check_int8_min_cosine"] >= MIN_COSINE
