"""Offline switches, applied before any ML library is imported.

No network is reachable at run time: Hugging Face must fail fast instead of
retrying for a minute, Gradio must not phone home, and tiktoken must read the BPE
files LlamaIndex ships instead of downloading them.
"""

from __future__ import annotations

import os
from pathlib import Path

OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",   # model loading bars on stderr; ours are tqdm/gr.Progress
    "GRADIO_ANALYTICS_ENABLED": "False",
    "TOKENIZERS_PARALLELISM": "false",
    "DO_NOT_TRACK": "1",
    "ORT_DISABLE_TELEMETRY": "1",          # ONNX Runtime >= 1.29 uploads usage events on Linux unless set
}


def llama_index_static_dir() -> Path | None:
    """Folder of LlamaIndex's bundled caches (tiktoken BPE, NLTK data), if installed."""
    import importlib.util

    spec = importlib.util.find_spec("llama_index.core")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0]) / "_static"


def apply_offline_env() -> None:
    """Set the offline variables (never overriding a value the user set).

    ``TIKTOKEN_CACHE_DIR`` is pointed at LlamaIndex's bundled cache only when that
    folder really holds the BPE files; ``NLTK_DATA`` is never touched, since
    LlamaIndex finds its own bundled copy and breaks when it points elsewhere.
    """
    for key, value in OFFLINE_ENV.items():
        os.environ.setdefault(key, value)
    static = llama_index_static_dir()
    if static is not None:
        cache = static / "tiktoken_cache"
        if cache.is_dir() and any(cache.iterdir()):
            os.environ.setdefault("TIKTOKEN_CACHE_DIR", str(cache))
