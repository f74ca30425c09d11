"""A model's identity is the vectors it computes: library upgrades that rewrite version strings,
key order or defaults keep it; a changed weight, tokenizer, pooling or length limit changes it.

A tiny BERT sentence-transformers folder is built here with the installed transformers and
sentence-transformers, so the real libraries write (and read) the files whose versions change.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from index.model_identity import (
    CACHE_NAME,
    identity_description,
    legacy_model_fingerprint,
    model_fingerprint,
    safetensors_digest,
)

WORDS = ["tiếp", "công", "dân", "hòa", "giải", "xã", "phường", "báo", "cáo", "năm", "passage", "query", ":"]


def _tiny_folder(target: Path) -> Path:
    """A real sentence-transformers folder: 2-layer BERT (random, seeded) + word-level tokenizer."""
    import torch
    from sentence_transformers import SentenceTransformer
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors
    from transformers import BertConfig, BertModel, PreTrainedTokenizerFast

    from index.model_build import _sentence_transformer_modules

    hf = target.parent / f"{target.name}-hf"
    vocab = {tok: i for i, tok in enumerate(["<pad>", "<unk>", "<s>", "</s>", *WORDS])}
    tok = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.post_processor = processors.TemplateProcessing(single="<s> $A </s>", special_tokens=[("<s>", 2), ("</s>", 3)])
    PreTrainedTokenizerFast(tokenizer_object=tok, pad_token="<pad>", unk_token="<unk>", bos_token="<s>",
                            eos_token="</s>", model_max_length=64).save_pretrained(str(hf))
    torch.manual_seed(0)
    config = BertConfig(vocab_size=len(vocab), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=64, max_position_embeddings=64, pad_token_id=0)
    BertModel(config, add_pooling_layer=False).save_pretrained(str(hf), safe_serialization=True)
    Transformer, Pooling, Normalize = _sentence_transformer_modules()
    transformer = Transformer(str(hf), max_seq_length=64, model_kwargs={"add_pooling_layer": False})
    SentenceTransformer(modules=[transformer, Pooling(32, pooling_mode="mean"), Normalize()], device="cpu",
                        prompts={"query": "query: ", "document": "passage: "}).save(str(target))
    shutil.rmtree(hf)
    return target


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory) -> Path:
    return _tiny_folder(tmp_path_factory.mktemp("identity") / "tiny")


@pytest.fixture
def model(tiny_model, tmp_path) -> Path:
    """A fresh copy of the tiny folder, free to edit."""
    copy = tmp_path / "model"
    shutil.copytree(tiny_model, copy, ignore=shutil.ignore_patterns(CACHE_NAME))
    return copy


def _edit_json(path: Path, change) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data, indent=4, sort_keys=True), encoding="utf-8")   # other formatting too


def _upgrade_libraries(folder: Path) -> None:
    """What a newer sentence-transformers/transformers release does to a folder it saves."""
    def versions(data):
        data["__version__"] = {"sentence_transformers": "9.9.9", "transformers": "9.9.9", "pytorch": "9.9.9"}

    _edit_json(folder / "config_sentence_transformers.json", versions)

    def config(data):
        data["transformers_version"] = "9.9.9"
        data["torch_dtype"] = data.pop("dtype", "float32")          # a renamed key
        data["position_embedding_type"] = "absolute"               # a default written out
        data["use_cache"] = True
        data["_name_or_path"] = "/somewhere/else"

    _edit_json(folder / "config.json", config)

    def modules(data):   # the 5.x import paths of the same classes
        for module, kind in zip(data, ("models.Transformer", "models.Pooling", "models.Normalize")):
            module["type"] = f"sentence_transformers.{kind}"

    _edit_json(folder / "modules.json", modules)

    def pooling(data):   # the 5.x layout of the same pooling
        data.clear()
        data.update({"word_embedding_dimension": 32, "pooling_mode_cls_token": False,
                     "pooling_mode_mean_tokens": True, "pooling_mode_max_tokens": False,
                     "pooling_mode_mean_sqrt_len_tokens": False, "include_prompt": True})

    _edit_json(folder / "1_Pooling" / "config.json", pooling)
    _rewrite_safetensors(folder / "model.safetensors", metadata={"format": "pt", "writer": "9.9.9"}, reverse=True)


def _rewrite_safetensors(path: Path, metadata: dict | None = None, reverse: bool = False, bump: str | None = None):
    """Same tensors, another header (metadata, key order); or one value of tensor ``bump`` changed."""
    from safetensors.numpy import load_file, save_file

    tensors = load_file(str(path))
    if bump is not None:
        values = tensors[bump].copy()
        values.flat[0] += np.float32(1e-3)
        tensors[bump] = values
    names = sorted(tensors, reverse=reverse)
    save_file({n: tensors[n] for n in names}, str(path), metadata=metadata)


def _vectors(folder: Path) -> np.ndarray:
    from sentence_transformers import SentenceTransformer

    st = SentenceTransformer(str(folder), device="cpu", local_files_only=True)
    return st.encode(["passage: tiếp công dân xã", "query: hòa giải phường"], normalize_embeddings=True)


def test_library_upgrade_keeps_the_identity_and_the_vectors(model, tiny_model):
    before = model_fingerprint(model)
    legacy_before = legacy_model_fingerprint(model)
    _upgrade_libraries(model)
    assert model_fingerprint(model) == before
    assert legacy_model_fingerprint(model) != legacy_before      # what the first scheme got wrong
    assert np.allclose(_vectors(model), _vectors(tiny_model), atol=1e-6)


def test_max_seq_length_written_or_implied_is_one_identity(model):
    before = model_fingerprint(model)
    # sentence-transformers 5 wrote the limit; 6 leaves it to the tokenizer's model_max_length (64 here).
    _edit_json(model / "sentence_bert_config.json", lambda d: d.update(max_seq_length=64, do_lower_case=False))
    assert model_fingerprint(model) == before
    _edit_json(model / "sentence_bert_config.json", lambda d: d.update(max_seq_length=32))
    assert model_fingerprint(model) != before


def test_one_changed_weight_changes_the_identity(model):
    before = model_fingerprint(model)
    _rewrite_safetensors(model / "model.safetensors", bump="encoder.layer.1.output.dense.weight")
    assert model_fingerprint(model) != before


@pytest.mark.parametrize("change", [
    ("tokenizer.json", lambda d: d.update(normalizer={"type": "NFKC"})),
    ("tokenizer.json", lambda d: d["model"]["vocab"].update({"thôn": 99})),
    ("1_Pooling/config.json", lambda d: d.update(pooling_mode="cls")),
    ("config.json", lambda d: d.update(layer_norm_eps=1e-5)),
    ("config_sentence_transformers.json", lambda d: d["prompts"].update(query="truy vấn: ")),
], ids=["normalizer", "vocabulary", "pooling", "layer-norm-eps", "prompt"])
def test_what_decides_the_vectors_changes_the_identity(model, change):
    name, edit = change
    before = model_fingerprint(model)
    _edit_json(model / name, edit)
    assert model_fingerprint(model) != before


def test_normalize_module_is_part_of_the_identity(model):
    before = model_fingerprint(model)
    _edit_json(model / "modules.json", lambda d: d.pop())
    assert model_fingerprint(model) != before


def test_build_record_model_card_onnx_and_hidden_files_are_not_the_model(model):
    before = model_fingerprint(model)
    (model / "soanthao_build.json").write_text('{"x": 1}')
    (model / "README.md").write_text("card")
    (model / "onnx").mkdir()
    (model / "onnx" / "model_qint8.onnx").write_bytes(b"int8 graph")
    (model / ".onnx.building-x").mkdir()
    (model / ".onnx.building-x" / "model_fp32.onnx").write_bytes(b"half written")
    assert model_fingerprint(model) == before


def test_the_cache_is_used_and_follows_edits(model, monkeypatch):
    import index.model_identity as identity

    first = model_fingerprint(model)
    assert json.loads((model / CACHE_NAME).read_text())["fingerprint"] == first
    calls = []
    monkeypatch.setattr(identity, "safetensors_digest", lambda p: calls.append(p) or safetensors_digest(p))
    assert model_fingerprint(model) == first and calls == []     # read from the cache
    _rewrite_safetensors(model / "model.safetensors", bump="embeddings.word_embeddings.weight")
    assert model_fingerprint(model) != first and len(calls) == 1   # the stamp changed: hashed again


def test_description_is_readable_and_has_no_version_strings(model):
    text = json.dumps(identity_description(model), ensure_ascii=False)
    assert "transformers_version" not in text and "__version__" not in text
    described = identity_description(model)["modules"]
    assert [m["kind"] for m in described] == ["Transformer", "Pooling", "Normalize"]
    assert described[0]["max_seq_length"] == 64 and described[1]["modes"] == ["mean"]


def test_damaged_safetensors_file_is_fingerprinted_by_its_bytes(tmp_path):
    (tmp_path / "model.safetensors").write_bytes(b"weights")
    first = model_fingerprint(tmp_path)
    (tmp_path / "model.safetensors").write_bytes(b"weightz")
    assert model_fingerprint(tmp_path) != first


def test_index_built_before_an_upgrade_opens_after_it_without_re_embedding(tiny_model, tmp_path):
    from assistant.retrieve import Retriever
    from index.build import IndexBuilder
    from index.embed import SentenceTransformerEmbedder
    from index.settings import Settings
    from index.store import IndexStore
    from tests.tiny_index import tiny_files

    folder = tmp_path / "model"
    shutil.copytree(tiny_model, folder, ignore=shutil.ignore_patterns(CACHE_NAME))
    settings = Settings(data_dir=tmp_path / "data", embedding_model=str(folder))
    before = SentenceTransformerEmbedder(folder)
    IndexBuilder(settings, before).build(tiny_files(), pipeline_fingerprint="p")
    # An index written under the first scheme records the folder's file hash as its fingerprint.
    store = IndexStore(settings)
    manifest_path = store.index_dir / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["model_fingerprint"] = legacy_model_fingerprint(folder)
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")

    _upgrade_libraries(folder)
    after = SentenceTransformerEmbedder(folder)
    assert after.fingerprint == before.fingerprint
    report = IndexBuilder(settings, after).build(tiny_files(), pipeline_fingerprint="p")
    assert report.chunks_embedded == 0 and after.passages_embedded <= 8      # the probe, nothing else
    assert store.read_manifest().model_fingerprint == after.fingerprint
    hits = Retriever(settings, SentenceTransformerEmbedder(folder)).search("hòa giải", k=3, mode="dense")
    assert hits
