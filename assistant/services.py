"""The heavy, shared objects of one process: settings, embedding model, retriever, registry.

The CLI, the Gradio app and the evaluation harness all go through one ``Services`` so
the model is loaded once and every caller sees the same index. After the index is
rebuilt, ``reload()`` drops what depends on it.
"""

from __future__ import annotations

import logging
import threading
from functools import cached_property
from pathlib import Path

from index.embed import Embedder
from index.settings import Settings

logger = logging.getLogger(__name__)

UPLOADS = "uploads"


class Services:
    """Lazily loaded, thread-safe holder of the embedder, retriever and directive registry.

    Example:
        >>> services = Services(Settings())
        >>> hits = services.retriever.search("tiếp công dân", k=3)   # doctest: +SKIP
    """

    def __init__(self, settings: Settings, embedder: Embedder | None = None):
        self.settings = settings
        self._embedder = embedder
        self._lock = threading.RLock()

    @property
    def uploads_dir(self) -> Path:
        return Path(self.settings.data_dir) / UPLOADS

    @cached_property
    def embedder(self) -> Embedder:
        with self._lock:
            if self._embedder is None:
                from index.embed import load_embedder

                self._embedder = load_embedder(self.settings)
            return self._embedder

    @cached_property
    def retriever(self):
        with self._lock:
            from assistant.retrieve import Retriever

            return Retriever(self.settings, embedder=self.embedder)

    @cached_property
    def registry(self):
        with self._lock:
            from index.registry import load_registry

            return load_registry(self.settings)

    @cached_property
    def support_notice(self) -> str | None:
        """One line when drafts are judged by the lexical fallback because no support threshold is
        calibrated for the loaded model (None when it is)."""
        from assistant.support import is_calibrated_for, load_support_config, uncalibrated_notice

        if not is_calibrated_for(load_support_config(self.embedder), self.embedder):
            return uncalibrated_notice(self.embedder)
        return None

    def reload(self) -> None:
        """Forget everything that was read from the index (after a rebuild)."""
        with self._lock:
            for name in ("retriever", "registry"):
                self.__dict__.pop(name, None)
