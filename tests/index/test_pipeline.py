"""Ingestion pipeline, manifest and the ``soanthao ingest`` command."""

from __future__ import annotations

import json
import logging
import shutil
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from index import pipeline
from index.manifest import ManifestEntry, read_entries, write_entries
from index.pipeline import ingest_corpus, ingest_paths, pipeline_fingerprint
from index.schema import content_hash
from index.settings import Settings

SEED = "000_ad1bc2404d8aad29.txt"
LAW = "hoa-giai-o-co-so.md"


@pytest.fixture
def mixed_batch(tmp_path: Path, sample_corpus: Path) -> Path:
    """Two good files and three bad ones in one folder."""
    root = tmp_path / "kho"
    root.mkdir()
    shutil.copy(sample_corpus / "seeds" / SEED, root / SEED)
    shutil.copy(sample_corpus / "phapdien" / LAW, root / LAW)
    (root / "rong.txt").write_bytes(b"")
    (root / "nhi-phan.txt").write_bytes(b"\x00\x01\x02PK\x03\x04" * 50)
    (root / "bang.xlsx").write_bytes(b"not really a spreadsheet")
    return root


def _by_source(result):
    return {e.source: e for e in result.entries}


def test_bad_files_are_rejected_with_reasons_and_the_rest_indexed(mixed_batch: Path):
    files = sorted(mixed_batch.iterdir())
    result = ingest_paths(files, mixed_batch, Settings())
    entries = _by_source(result)
    assert set(entries) == {SEED, LAW, "rong.txt", "nhi-phan.txt", "bang.xlsx"}
    assert entries["rong.txt"].status == "rejected" and "file is empty" in entries["rong.txt"].reason
    assert "binary" in entries["nhi-phan.txt"].reason
    assert "'.xlsx'" in entries["bang.xlsx"].reason
    for name in ("rong.txt", "nhi-phan.txt", "bang.xlsx"):
        assert (entries[name].doc_id, entries[name].chunk_count) == (None, 0)
    assert entries["nhi-phan.txt"].content_hash == content_hash((mixed_batch / "nhi-phan.txt").read_bytes())

    seed, law = entries[SEED], entries[LAW]
    assert (seed.status, seed.doc_id, law.status, law.doc_id) == ("indexed", "000_ad1bc2404d8aad29", "indexed",
                                                                   "hoa-giai-o-co-so")
    assert seed.content_hash == content_hash((mixed_batch / SEED).read_bytes())
    assert seed.path == str((mixed_batch / SEED).resolve())
    assert [d.meta.doc_id for d in result.documents] == ["000_ad1bc2404d8aad29", "hoa-giai-o-co-so"]
    per_doc = {doc_id: sum(c.doc_id == doc_id for c in result.chunks) for doc_id in (seed.doc_id, law.doc_id)}
    assert per_doc == {seed.doc_id: seed.chunk_count, law.doc_id: law.chunk_count}
    assert seed.chunk_count > 0 and law.chunk_count > 0
    assert result.documents[1].meta.kind == "pháp điển"
    assert set(result.timings) == {"load", "normalize", "parse", "chunk", "directives"}


def test_the_same_good_files_give_the_same_chunks_with_or_without_bad_neighbours(mixed_batch: Path):
    alone = ingest_paths([mixed_batch / SEED], mixed_batch, Settings())
    mixed = ingest_paths(sorted(mixed_batch.iterdir()), mixed_batch, Settings())
    assert [c.chunk_id for c in alone.chunks] == [c.chunk_id for c in mixed.chunks if c.doc_id == alone.chunks[0].doc_id]


def test_a_folder_is_expanded_to_supported_files_only(mixed_batch: Path):
    result = ingest_paths([mixed_batch], mixed_batch, Settings())
    assert {e.source for e in result.entries} == {SEED, LAW, "rong.txt", "nhi-phan.txt"}


def test_a_parser_failure_rejects_only_that_file(mixed_batch: Path, monkeypatch, caplog):
    real_parse = pipeline.parse

    def failing(normalized, file_hash):
        if normalized.source == SEED:
            raise RuntimeError("hỏng giả lập")
        return real_parse(normalized, file_hash)

    monkeypatch.setattr(pipeline, "parse", failing)
    with caplog.at_level(logging.ERROR, logger="index.pipeline"):
        result = ingest_paths([mixed_batch / SEED, mixed_batch / LAW], mixed_batch, Settings())
    entries = _by_source(result)
    assert entries[SEED].status == "rejected"
    assert "failed at stage parse: RuntimeError: hỏng giả lập" in entries[SEED].reason
    assert entries[SEED].content_hash == content_hash((mixed_batch / SEED).read_bytes())
    assert entries[LAW].status == "indexed" and entries[LAW].chunk_count > 0
    assert any("rejected 000_ad1bc2404d8aad29.txt at stage parse" in r.getMessage() for r in caplog.records)


def test_duplicate_stems_get_their_folder_as_prefix(tmp_path: Path, sample_corpus: Path):
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        shutil.copy(sample_corpus / "seeds" / SEED, tmp_path / folder / "bao-cao.txt")
    result = ingest_paths([tmp_path], tmp_path, Settings())
    assert [e.doc_id for e in result.entries] == ["a-bao-cao", "b-bao-cao"]
    assert {c.doc_id for c in result.chunks} == {"a-bao-cao", "b-bao-cao"}
    assert all(c.meta["doc_id"] == c.doc_id for c in result.chunks)
    ids_a = {c.chunk_id for c in result.chunks if c.doc_id == "a-bao-cao"}
    ids_b = {c.chunk_id for c in result.chunks if c.doc_id == "b-bao-cao"}
    assert ids_a and not ids_a & ids_b  # same text, different documents → different ids


def test_fingerprint_names_what_changes_the_chunks():
    base = pipeline_fingerprint(Settings())
    assert "tokenizer=cl100k_base" in base and "chunk_tokens=350" in base and "overlap=40" in base
    assert pipeline_fingerprint(Settings(chunk_tokens=400)) != base
    assert pipeline_fingerprint(Settings()) == base


def test_manifest_round_trip(tmp_path: Path):
    entries = [
        ManifestEntry("seeds/a.txt", "ab", "indexed", None, "a", 3, "/x/a.txt"),
        ManifestEntry("b.pdf", "", "rejected", "tệp rỗng / file is empty", None, 0),
    ]
    write_entries(entries, tmp_path / "m.json")
    assert read_entries(tmp_path / "m.json") == entries
    assert "tệp rỗng" in (tmp_path / "m.json").read_text(encoding="utf-8")
    with pytest.raises(ValueError, match="needs a reason"):
        ManifestEntry("c.txt", "", "rejected", None, None, 0)
    with pytest.raises(ValueError, match="status"):
        ManifestEntry("c.txt", "", "done", None, None, 0)  # type: ignore[arg-type]


def test_the_whole_sample_corpus_is_indexed(sample_corpus: Path):
    started = time.perf_counter()
    result = ingest_corpus(Settings())
    seconds = time.perf_counter() - started
    assert len(result.entries) == 10
    assert all(e.status == "indexed" for e in result.entries), [e.reason for e in result.rejected]
    assert sum(e.chunk_count for e in result.entries) == len(result.chunks)
    assert len({c.chunk_id for c in result.chunks}) == len(result.chunks)
    print(f"\nsample corpus: {len(result.chunks)} chunks in {seconds:.1f} s "
          f"({', '.join(f'{k} {v:.2f}s' for k, v in result.timings.items())})")


# --- CLI ---------------------------------------------------------------------------------


def test_cli_ingest_json_reports_documents_headings_and_rejections(mixed_batch: Path):
    from assistant.cli import app

    run = CliRunner().invoke(app, ["ingest", str(mixed_batch / LAW), str(mixed_batch / "rong.txt"), "--json"])
    assert run.exit_code == 0, run.output
    payload = json.loads(run.stdout)
    doc = payload["documents"][0]
    assert (doc["doc_id"], doc["meta"]["kind"], doc["meta"]["number"]) == ("hoa-giai-o-co-so", "pháp điển",
                                                                           "35/2013/QH13")
    assert doc["headings"][0] == {"number": "I", "title": "Chương I. NHỮNG QUY ĐỊNH CHUNG", "level": 1,
                                  "path": ["Chương I. NHỮNG QUY ĐỊNH CHUNG"], "line_start": 29, "line_end": 31}
    assert len(doc["headings"]) == 49  # 8 chapters/sections + 41 articles
    assert payload["rejected"] == [{"source": "rong.txt", "reason": "tệp rỗng / file is empty"}]
    assert payload["chunk_count"] == doc["chunk_count"] > 0


def test_cli_ingest_exits_2_when_nothing_could_be_read(mixed_batch: Path):
    from assistant.cli import app

    run = CliRunner().invoke(app, ["ingest", str(mixed_batch / "rong.txt"), str(mixed_batch / "bang.xlsx")])
    assert run.exit_code == 2
    assert "rong.txt" in run.output and "bang.xlsx" in run.output
