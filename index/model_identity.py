"""What makes two embedding models "the same": the vectors they compute, not their files' bytes.

An index, a support threshold and an ONNX export are all tied to one embedding model. The first
fingerprint hashed every file of the model folder, and sentence-transformers/transformers write
their own version numbers into ``config_sentence_transformers.json`` and ``config.json``: a
library upgrade gave the same weights a new identity, every index became a "model mismatch" and
the calibrated support threshold was silently dropped.

The fingerprint here hashes only what decides the vectors, read in a canonical form:

- the weight tensors (name, dtype, shape, bytes; read from the safetensors header, so neither the
  header's key order nor its metadata counts; deterministic buffers such as ``position_ids`` left out);
- the tokenizer's model, normalizer, pre-tokenizer, post-processor and added tokens;
- the architecture numbers of ``config.json`` that the forward pass reads (a whitelist);
- the module chain (class names, not their import paths), the pooling modes, normalization,
  ``max_seq_length``, lower-casing and the prompts.

Library version strings, file formatting, JSON key order and keys a newer release adds or drops
with their default value do not count. Fingerprints of the first scheme are still computed
(``legacy_model_fingerprint``) so indexes and thresholds written under them are recognised.

Hashing 470 MB of weights takes a second or two, so the result is cached in a hidden file of the
folder keyed by the files' names, sizes and modification times.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import struct
import tempfile
from pathlib import Path
from typing import Any, Iterable

logger = logging.getLogger(__name__)

# Bump when what the fingerprint covers changes (a new scheme gives every model a new identity).
IDENTITY_VERSION = 2
CACHE_NAME = ".soanthao_identity.json"
BUILD_INFO_NAME = "soanthao_build.json"
ONNX_DIRNAME = "onnx"
# Files that describe a folder but are not the model: never part of any fingerprint.
NOT_MODEL_FILES = frozenset({BUILD_INFO_NAME, "README.md"})

# config.json keys read by the forward pass of the encoders sentence-transformers loads. Keys
# outside this list (transformers_version, dtype, architectures, dropout, use_cache, …) do not
# change a vector at inference.
ARCHITECTURE_KEYS = (
    "model_type", "hidden_size", "num_hidden_layers", "num_attention_heads", "num_key_value_heads",
    "head_dim", "intermediate_size", "hidden_act", "hidden_activation", "layer_norm_eps", "rms_norm_eps",
    "max_position_embeddings", "type_vocab_size", "vocab_size", "position_embedding_type", "pad_token_id",
    "rope_theta", "rope_scaling", "sliding_window", "do_lower_case",
)
# Values that transformers releases have written out or left implicit: a missing key and its
# default are the same model.
ARCHITECTURE_DEFAULTS = {"position_embedding_type": "absolute"}
# Buffers every load recomputes (arange / zeros): older releases saved them, newer ones do not.
DETERMINISTIC_BUFFERS = ("position_ids", "token_type_ids")
# Raw tokenizer files hashed as bytes when there is no tokenizer.json (slow tokenizers only).
RAW_TOKENIZER_FILES = ("sentencepiece.bpe.model", "spiece.model", "tokenizer.model", "vocab.txt",
                       "vocab.json", "merges.txt")
POOLING_MODES = ("cls", "mean", "max", "mean_sqrt_len", "weightedmean", "lasttoken")


def _read_json(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return data if isinstance(data, dict) else {}


def _canonical_number(value: Any) -> Any:
    """Floats to 7 significant digits (a float32 written as 1e-12 or 9.999999960041972e-13 is one value)."""
    if isinstance(value, float):
        return float(f"{value:.7g}")
    if isinstance(value, dict):
        return {k: _canonical_number(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_canonical_number(v) for v in value]
    return value


def _canonical(value: Any) -> bytes:
    return json.dumps(_canonical_number(value), sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# --------------------------------------------------------------------------- weights


def safetensors_digest(path: Path) -> str:
    """sha256 over each tensor's name, dtype, shape and bytes, in name order.

    The file is ``u64 header length · JSON header · data``; the header's order and its
    ``__metadata__`` (e.g. ``{"format": "pt"}``) vary with the writer, the tensors do not.
    """
    digest = hashlib.sha256(b"safetensors-tensors\0")
    with open(path, "rb") as handle:
        (header_len,) = struct.unpack("<Q", handle.read(8))
        header = json.loads(handle.read(header_len))
        base = 8 + header_len
        for name in sorted(k for k in header if k != "__metadata__"):
            if name.rsplit(".", 1)[-1] in DETERMINISTIC_BUFFERS:
                continue
            info = header[name]
            start, end = info["data_offsets"]
            digest.update(_canonical({"name": name, "dtype": info["dtype"], "shape": info["shape"]}))
            handle.seek(base + start)
            remaining = end - start
            tensor = hashlib.sha256()
            while remaining:
                block = handle.read(min(remaining, 1 << 22))
                if not block:
                    raise ValueError(f"{path}: tensor {name} is cut short")
                tensor.update(block)
                remaining -= len(block)
            digest.update(tensor.hexdigest().encode("ascii"))
    return digest.hexdigest()


def _weights_part(folder: Path) -> dict[str, str]:
    """Digest of each weight file of one module folder (safetensors canonical, others as bytes)."""
    part = {}
    for path in sorted(folder.glob("*.safetensors")):
        try:
            part[path.name] = safetensors_digest(path)
        except (struct.error, ValueError, KeyError, TypeError) as exc:   # not a readable safetensors file:
            logger.warning("%s: %s; fingerprinted by its bytes", path, exc)   # loading it will say more
            part[path.name] = sha256_file(path)
    if not part:
        for path in sorted(folder.glob("*.bin")) + sorted(folder.glob("*.pt")):
            part[path.name] = sha256_file(path)
    return part


# --------------------------------------------------------------------------- tokenizer and config


def _tokenizer_part(folder: Path) -> dict[str, Any]:
    """The parts of ``tokenizer.json`` that turn text into ids (decoder, padding and truncation
    settings are left out: sentence-transformers sets its own)."""
    tokenizer = _read_json(folder / "tokenizer.json")
    if tokenizer:
        added = [
            {k: tok.get(k) for k in ("id", "content", "special", "normalized", "lstrip", "rstrip", "single_word")}
            for tok in tokenizer.get("added_tokens", [])
        ]
        part: dict[str, Any] = {k: tokenizer.get(k) for k in ("normalizer", "pre_tokenizer", "post_processor", "model")}
        part["added_tokens"] = sorted(added, key=lambda t: (t.get("id") or 0, t.get("content") or ""))
    else:
        part = {name: sha256_file(folder / name) for name in RAW_TOKENIZER_FILES if (folder / name).is_file()}
    config = _read_json(folder / "tokenizer_config.json")
    part["lower_case"] = bool(config.get("do_lower_case", False))
    return part


def _architecture_part(folder: Path) -> dict[str, Any]:
    config = _read_json(folder / "config.json")
    part = {key: config[key] for key in ARCHITECTURE_KEYS if key in config}
    for key, default in ARCHITECTURE_DEFAULTS.items():
        if part.get(key, default) == default:
            part.pop(key, None)
    return part


def effective_max_length(folder: Path, st_config: dict[str, Any] | None = None) -> int | None:
    """The token limit inputs are cut at: ``max_seq_length`` when the folder sets it (sentence-transformers
    5 wrote it, 6 leaves it out), else the smaller of the tokenizer's and the model's limits."""
    if st_config is None:
        st_config = _read_json(folder / "sentence_bert_config.json")
    if isinstance(st_config.get("max_seq_length"), int):
        return int(st_config["max_seq_length"])
    limits = (_read_json(folder / "tokenizer_config.json").get("model_max_length"),
              _read_json(folder / "config.json").get("max_position_embeddings"))
    return min((x for x in limits if isinstance(x, int)), default=None)


def _pooling_part(config: dict[str, Any]) -> dict[str, Any]:
    """Pooling modes from either config layout (``pooling_mode: "mean"`` or ``pooling_mode_mean_tokens: true``)."""
    modes = set()
    named = config.get("pooling_mode")
    if isinstance(named, str):
        modes.add(named.removesuffix("_tokens").removesuffix("_token"))
    for mode in POOLING_MODES:
        for key in (f"pooling_mode_{mode}", f"pooling_mode_{mode}_token", f"pooling_mode_{mode}_tokens"):
            if config.get(key) is True:
                modes.add(mode)
    return {"modes": sorted(modes), "include_prompt": bool(config.get("include_prompt", True))}


def _module_chain(folder: Path) -> list[dict[str, Any]]:
    """Each sentence-transformers module by class name with what it contributes to the vector."""
    modules = json.loads((folder / "modules.json").read_text(encoding="utf-8"))
    chain = []
    for module in sorted(modules, key=lambda m: int(m.get("idx", 0))):
        kind = str(module.get("type", "")).rsplit(".", 1)[-1]
        path = folder / module.get("path", "")
        entry: dict[str, Any] = {"kind": kind}
        if kind == "Transformer":
            st_config = _read_json(path / "sentence_bert_config.json") or _read_json(folder / "sentence_bert_config.json")
            entry.update(
                weights=_weights_part(path), tokenizer=_tokenizer_part(path), architecture=_architecture_part(path),
                max_seq_length=effective_max_length(path, st_config),
                lower_case=bool(st_config.get("do_lower_case", False)),
            )
        elif kind == "Pooling":
            entry.update(_pooling_part(_read_json(path / "config.json")))
        elif kind != "Normalize":   # Dense and anything else: its settings and its weights
            config = _read_json(path / "config.json")
            entry.update(config={k: v for k, v in config.items() if not k.startswith("__")}, weights=_weights_part(path))
        chain.append(entry)
    return chain


def identity_description(folder: Path) -> dict[str, Any]:
    """Everything the fingerprint covers, in canonical form (readable, for tests and debugging)."""
    folder = Path(folder)
    st_config = _read_json(folder / "config_sentence_transformers.json")
    return {
        "identity_version": IDENTITY_VERSION,
        "modules": _module_chain(folder),
        "prompts": st_config.get("prompts") or {},
        "default_prompt_name": st_config.get("default_prompt_name"),
    }


# --------------------------------------------------------------------------- fingerprints


def _hashed_files(folder: Path) -> list[Path]:
    """Model files of a folder: build record, model card, ONNX exports and hidden files excluded."""
    files = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        parts = path.relative_to(folder).parts
        if path.relative_to(folder).as_posix() in NOT_MODEL_FILES or parts[0] == ONNX_DIRNAME:
            continue
        if any(part.startswith(".") for part in parts):
            continue
        files.append(path)
    return files


def _stamp(folder: Path, files: Iterable[Path]) -> list[list[Any]]:
    return [[p.relative_to(folder).as_posix(), p.stat().st_size, p.stat().st_mtime_ns] for p in files]


def model_fingerprint(folder: Path) -> str:
    """sha256 of ``identity_description``: equal for folders that compute the same vectors.

    A sentence-transformers folder (``modules.json``) is read module by module; any other folder
    (tests, a bare file set) falls back to its weights and tokenizer files in canonical form.
    """
    folder = Path(folder)
    files = _hashed_files(folder)
    stamp = _stamp(folder, files)
    cache_path = folder / CACHE_NAME
    try:
        cached = _read_json(cache_path)
    except (OSError, json.JSONDecodeError):
        cached = {}
    if cached.get("identity_version") == IDENTITY_VERSION and cached.get("stamp") == stamp:
        return str(cached["fingerprint"])
    if (folder / "modules.json").is_file():
        description = identity_description(folder)
    else:
        description = {"identity_version": IDENTITY_VERSION, "weights": _weights_part(folder),
                       "other": {p.relative_to(folder).as_posix(): sha256_file(p) for p in files
                                 if p.suffix not in (".safetensors", ".bin", ".pt", ".json")},
                       "tokenizer": _tokenizer_part(folder), "architecture": _architecture_part(folder)}
    fingerprint = hashlib.sha256(_canonical(description)).hexdigest()
    _write_cache(cache_path, {"identity_version": IDENTITY_VERSION, "stamp": stamp, "fingerprint": fingerprint})
    return fingerprint


def _write_cache(path: Path, data: dict[str, Any]) -> None:
    """Best effort: a read-only model folder (shared, mounted) just pays the hashing again."""
    try:
        fd, tmp = tempfile.mkstemp(prefix=".identity-", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle)
        os.replace(tmp, path)
    except OSError as exc:
        logger.debug("model identity not cached in %s: %s", path.parent, exc)


def legacy_model_fingerprint(folder: Path) -> str:
    """The first scheme (every model file's bytes): only to recognise indexes and thresholds written
    under it. It changes with any library upgrade that rewrites a config file."""
    folder = Path(folder)
    digest = hashlib.sha256()
    for path in _hashed_files(folder):
        digest.update(path.relative_to(folder).as_posix().encode("utf-8") + b"\0")
        digest.update(sha256_file(path).encode("ascii"))
    return digest.hexdigest()
