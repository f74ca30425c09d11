"""The real index of the bundled sample corpus with the real e5 model, built once per test session.

Import the fixture into a test module (``from tests.real_index import real_index  # noqa: F401``)
and mark the tests ``@pytest.mark.slow``. The index lives next to pytest's temp folders
(``/tmp/pytest-of-<user>/soanthao-real-index-<checkout>``, one per checkout of the project, so two
clones on one machine never share or race on it) and is updated incrementally, so only the
first session pays for embedding the corpus; later ones embed nothing unless the corpus,
the chunker or the model changed (a model change triggers a full rebuild).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import pytest

from index.build import BuildReport
from index.settings import PROJECT_ROOT, Settings


@dataclass(frozen=True)
class RealIndex:
    settings: Settings
    embedder: object
    report: BuildReport


def _start_from_the_project_index(settings: Settings) -> None:
    """Copy the project's own index (``make index``, which ``make test`` runs first) as the starting
    point, so CI embeds the corpus once for the tests and the evaluation instead of twice. The build
    below then updates it incrementally like any other index (a model change still rebuilds it)."""
    import shutil

    own = Settings().index_dir
    if not settings.index_dir.exists() and (own / "manifest.json").is_file():
        shutil.copytree(own, settings.index_dir)


@pytest.fixture(scope="session")
def real_index(tmp_path_factory) -> RealIndex:
    from index.build import build_index
    from index.embed import load_embedder
    from index.errors import ModelMismatchError

    checkout = hashlib.sha256(str(PROJECT_ROOT).encode()).hexdigest()[:10]
    data_dir = tmp_path_factory.getbasetemp().parent / f"soanthao-real-index-{checkout}"
    settings = Settings(data_dir=data_dir)
    _start_from_the_project_index(settings)
    embedder = load_embedder(settings)
    try:
        report = build_index(settings, embedder=embedder, progress=False)
    except ModelMismatchError:
        report = build_index(settings, embedder=embedder, progress=False, rebuild=True)
    from assistant.fusion_weight import ensure_calibrated

    ensure_calibrated(settings, embedder)   # as `soanthao index` does: hybrid search's calibrated dense weight
    return RealIndex(settings=settings, embedder=embedder, report=report)
