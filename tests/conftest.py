"""Shared fixtures. The offline switches are set before anything imports an ML library."""

from __future__ import annotations

import os

from index.offline import OFFLINE_ENV, apply_offline_env

# Forced (not setdefault): a developer's shell must not make the tests reach the network.
os.environ.update(OFFLINE_ENV)
apply_offline_env()

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from index.settings import PROJECT_ROOT, SAMPLE_CORPUS  # noqa: E402
from tests.real_index import real_index  # noqa: E402,F401  (session fixture: the real index, built once)

SEEDS = sorted((SAMPLE_CORPUS / "seeds").glob("*.txt"))


@pytest.fixture(scope="session")
def project_root() -> Path:
    return PROJECT_ROOT


@pytest.fixture(scope="session")
def sample_corpus() -> Path:
    return SAMPLE_CORPUS


@pytest.fixture(scope="session")
def seed_paths() -> list[Path]:
    assert len(SEEDS) == 5, "the five seed documents must be bundled in corpus/seeds"
    return SEEDS


@pytest.fixture
def fake_embedder():
    from index.embed import FakeEmbedder

    return FakeEmbedder()


@pytest.fixture(scope="session")
def parsed_document(sample_corpus):
    """``parsed_document(source)``: a corpus file through the real normalizer and parser, cached per session."""
    from index.normalize import normalize_vietnamese
    from index.structure import parse_document

    cache = {}

    def get(source: str):
        if source not in cache:
            text = (sample_corpus / source).read_text(encoding="utf-8")
            cache[source] = parse_document(normalize_vietnamese(text, source), "hash")
        return cache[source]

    return get


@pytest.fixture(scope="session")
def corpus_registry(tmp_path_factory):
    """The directive registry of the bundled corpus, as the ingestion pipeline derives it (no index, no model)."""
    from index.pipeline import ingest_corpus
    from index.settings import Settings

    return ingest_corpus(Settings(data_dir=tmp_path_factory.mktemp("registry-data"))).registry()
