"""Incremental, atomic index builds (FakeEmbedder, tmp data folders)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from index.build import IndexBuilder, RejectedFile
from index.chunk import embed_text
from index.embed import FakeEmbedder
from index.errors import ModelMismatchError
from index.settings import PROJECT_ROOT, Settings
from index.store import SAME_MODEL_PROBE, IndexStore
from tests.tiny_index import tiny_files, with_changed_chunk


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(data_dir=tmp_path / "data")


def _build(settings, files, embedder=None, **kwargs):
    embedder = embedder or FakeEmbedder()
    return embedder, IndexBuilder(settings, embedder).build(files, pipeline_fingerprint="p", **kwargs)


def test_first_build_embeds_every_chunk(settings):
    embedder, report = _build(settings, tiny_files())
    assert embedder.passages_embedded == 7
    assert (report.chunks_total, report.chunks_embedded, report.chunks_reused) == (7, 7, 0)
    assert report.added == ("seeds/a.txt", "seeds/b.txt", "phapdien/luat.md")
    assert report.changed == report.removed == report.unchanged == ()


def test_unchanged_corpus_embeds_nothing(settings):
    _build(settings, tiny_files())
    before = IndexStore(settings).load()
    embedder, report = _build(settings, tiny_files())
    assert embedder.passages_embedded == 0
    assert (report.chunks_embedded, report.chunks_reused) == (0, 7)
    assert report.unchanged == ("seeds/a.txt", "seeds/b.txt", "phapdien/luat.md")
    after = IndexStore(settings).load()
    assert after.chunks == before.chunks
    assert (after.faiss_index.reconstruct_n(0, 7) == before.faiss_index.reconstruct_n(0, 7)).all()


def test_one_changed_file_re_embeds_only_its_changed_chunks(settings):
    _build(settings, tiny_files())
    files = tiny_files()
    files[1] = with_changed_chunk(files[1], 0, "Tổ hòa giải ở cơ sở hòa giải thành 15 vụ việc trong năm.")
    embedder, report = _build(settings, files)
    assert embedder.passages_embedded == 1
    assert report.changed == ("seeds/b.txt",)
    assert report.unchanged == ("seeds/a.txt", "phapdien/luat.md")
    loaded = IndexStore(settings).load()
    texts = [c.text for c in loaded.chunks]
    assert "Tổ hòa giải ở cơ sở hòa giải thành 15 vụ việc trong năm." in texts
    assert not any("12 vụ việc" in t for t in texts)
    # the new chunk's stored vector is its own embedding
    pos = texts.index("Tổ hòa giải ở cơ sở hòa giải thành 15 vụ việc trong năm.")
    expected = FakeEmbedder().embed_passages([embed_text(loaded.chunks[pos])])[0]   # section + passage
    assert (loaded.faiss_index.reconstruct(pos) == expected).all()


def test_deleted_file_is_gone_from_faiss_bm25_and_docstore(settings):
    from llama_index.core.embeddings import MockEmbedding

    _build(settings, tiny_files())
    law_ids = {c.chunk_id for c in tiny_files()[2].chunks}
    embedder, report = _build(settings, tiny_files()[:2])
    assert report.removed == ("phapdien/luat.md",)
    assert embedder.passages_embedded == 0
    store = IndexStore(settings)
    loaded = store.load()
    assert loaded.faiss_index.ntotal == 5 and loaded.lexical.size == 5
    assert not law_ids & {c.chunk_id for c in loaded.chunks}
    assert loaded.lexical.search("10/2022/QH15", k=5) == []
    assert not law_ids & set(store.as_llama_index(MockEmbedding(embed_dim=64)).docstore.docs)
    assert "phapdien/luat.md" not in loaded.manifest.files


def test_rejected_files_are_reported_and_the_rest_indexed(settings):
    rejected = [RejectedFile("seeds/broken.docx", "tệp hỏng / truncated docx")]
    _, report = _build(settings, tiny_files(), rejected=rejected)
    assert report.rejected == tuple(rejected)
    assert "seeds/broken.docx" in report.summary()
    assert IndexStore(settings).load().manifest.chunk_count == 7


def test_model_mismatch_is_an_error_and_rebuild_re_embeds_everything(settings):
    _build(settings, tiny_files())
    other = FakeEmbedder(model_id="other-model", fingerprint="other-v1", salt="other")
    with pytest.raises(ModelMismatchError, match="--rebuild") as info:
        IndexBuilder(settings, other).build(tiny_files())
    assert "fake-hash-embedder" in str(info.value) and "other-model" in str(info.value)
    assert other.passages_embedded <= SAME_MODEL_PROBE     # only the probe that told the vectors apart
    other.passages_embedded = 0
    assert IndexStore(settings).load().manifest.model_fingerprint == "fake-v1"   # never mixed

    IndexBuilder(settings, other).build(tiny_files(), rebuild=True)
    assert other.passages_embedded == 7
    assert IndexStore(settings).load(expected_fingerprint="other-v1").manifest.model_id == "other-model"


def test_same_model_under_a_new_fingerprint_is_adopted_without_re_embedding(settings):
    """An index written under the first fingerprint scheme (or before a library upgrade) keeps its
    vectors: a few chunks embedded again match, and the manifest takes the new fingerprint."""
    _build(settings, tiny_files())
    renamed = FakeEmbedder(model_id="fake-hash-embedder (new identity)", fingerprint="fake-v2")
    report = IndexBuilder(settings, renamed).build(tiny_files(), pipeline_fingerprint="p")
    assert report.chunks_embedded == 0 and renamed.passages_embedded <= SAME_MODEL_PROBE
    manifest = IndexStore(settings).read_manifest()
    assert manifest.model_fingerprint == "fake-v2"
    assert manifest.extra["previous_model_fingerprints"] == ["fake-v1"]
    probe = FakeEmbedder(fingerprint="fake-v2")
    IndexBuilder(settings, probe).build(tiny_files(), pipeline_fingerprint="p")
    assert probe.passages_embedded == 0        # recognised once, then plainly equal


def test_builder_rejects_a_non_embedder(settings):
    with pytest.raises(TypeError, match="Embedder"):
        IndexBuilder(settings, object())


CRASHING_BUILD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from index.build import IndexBuilder
    from index.embed import FakeEmbedder
    from index.settings import Settings
    from tests.tiny_index import tiny_files

    settings = Settings(data_dir=sys.argv[1])
    marker = Path(sys.argv[2])

    def hang():
        marker.write_text("written, not swapped")
        time.sleep(600)

    IndexBuilder(settings, FakeEmbedder()).build(tiny_files()[:1], before_swap=hang)
    """
)


def test_killed_build_leaves_the_previous_index_loadable_and_answering(settings, tmp_path):
    from assistant.retrieve import Retriever

    _build(settings, tiny_files())
    before = [(h.chunk.chunk_id, h.score) for h in
              Retriever(settings, FakeEmbedder()).search("tiếp công dân", k=5)]
    marker = tmp_path / "marker"
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", CRASHING_BUILD, str(settings.data_dir), str(marker)],
                            cwd=PROJECT_ROOT, env=env, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            assert proc.poll() is None, proc.stderr.read().decode()
            assert time.monotonic() < deadline, "the build never reached the swap"
            time.sleep(0.1)
        # the new index is complete on disk, in a temp folder: kill before the swap
        assert any(p.name.startswith(".index-tmp-") for p in settings.data_dir.iterdir())
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    loaded = IndexStore(settings).load()
    assert loaded.manifest.chunk_count == 7
    after = [(h.chunk.chunk_id, h.score) for h in
             Retriever(settings, FakeEmbedder()).search("tiếp công dân", k=5)]
    assert after == before
    # the dead build's temp folder is cleaned up by the next load
    assert [p.name for p in settings.data_dir.iterdir()] == ["index"]
    manifest = json.loads((settings.index_dir / "manifest.json").read_text(encoding="utf-8"))
    assert set(manifest["files"]) == {"seeds/a.txt", "seeds/b.txt", "phapdien/luat.md"}


# --- through the real ingestion pipeline (tiny corpus on disk, FakeEmbedder) -------------

REPORT_TEXT = """ỦY BAN NHÂN DÂN
XÃ QUANG KHẢI
Số: 04/BC-UBND
Quang Khải, ngày 11 tháng 01 năm 2024
BÁO CÁO
Kết quả thực hiện dân chủ ở cơ sở năm 2023
I. CÔNG TÁC CHỈ ĐẠO
Thực hiện Chỉ thị số 33/CT-TTg ngày 26/11/2021 của Thủ tướng Chính phủ, Ủy ban nhân dân xã tuyên truyền sâu rộng.
II. KẾT QUẢ
1. Công tác tiếp dân
Công tác tiếp công dân được duy trì định kỳ, giải quyết khiếu nại, tố cáo đúng quy định.
2. Công tác hòa giải
Tổ hòa giải ở cơ sở hòa giải thành 12 vụ việc mâu thuẫn trong khu dân cư.
"""

PLAN_TEXT = """ỦY BAN NHÂN DÂN
PHƯỜNG SONG VÂN
KẾ HOẠCH
Tuyên truyền pháp luật năm 2024
I. MỤC ĐÍCH
Nâng cao nhận thức pháp luật cho cán bộ và nhân dân trên địa bàn phường.
II. NỘI DUNG
Tổ chức hội nghị phổ biến Luật Thực hiện dân chủ ở cơ sở số 10/2022/QH15.
"""


@pytest.fixture
def disk_corpus(tmp_path):
    corpus = tmp_path / "corpus"
    (corpus / "seeds").mkdir(parents=True)
    (corpus / "seeds" / "bao-cao.txt").write_text(REPORT_TEXT, encoding="utf-8")
    (corpus / "seeds" / "ke-hoach.md").write_text(PLAN_TEXT, encoding="utf-8")
    (corpus / "seeds" / "hong.docx").write_bytes(b"PK\x03\x04 not really a docx")
    return corpus


def test_build_index_on_disk_is_incremental_and_reports_bad_files(tmp_path, disk_corpus):
    from index.build import build_index

    settings = Settings(corpus_dir=disk_corpus, data_dir=tmp_path / "data")
    first = FakeEmbedder()
    report = build_index(settings, embedder=first, progress=False)
    assert set(report.added) == {"seeds/bao-cao.txt", "seeds/ke-hoach.md"}
    assert [r.source for r in report.rejected] == ["seeds/hong.docx"]
    assert first.passages_embedded == report.chunks_total > 0
    loaded = IndexStore(settings).load()
    assert {c.source for c in loaded.chunks} == {"seeds/bao-cao.txt", "seeds/ke-hoach.md"}
    assert loaded.manifest.pipeline_fingerprint.startswith("pipeline=")

    again = FakeEmbedder()
    report = build_index(settings, embedder=again, progress=False)
    assert again.passages_embedded == 0 and report.chunks_embedded == 0
    assert set(report.unchanged) == {"seeds/bao-cao.txt", "seeds/ke-hoach.md"}

    # one changed file: only chunks whose text changed are embedded
    plan_chunks = {c.chunk_id for c in loaded.chunks if c.source == "seeds/ke-hoach.md"}
    (disk_corpus / "seeds" / "ke-hoach.md").write_text(
        PLAN_TEXT.replace("Nâng cao nhận thức", "Nâng cao rõ rệt nhận thức"), encoding="utf-8")
    changed = FakeEmbedder()
    report = build_index(settings, embedder=changed, progress=False)
    assert report.changed == ("seeds/ke-hoach.md",)
    new_plan = {c.chunk_id for c in IndexStore(settings).load().chunks if c.source == "seeds/ke-hoach.md"}
    assert changed.passages_embedded == len(new_plan - plan_chunks) >= 1
    assert changed.passages_embedded <= len(new_plan)

    # deleted file: gone from every part
    (disk_corpus / "seeds" / "ke-hoach.md").unlink()
    report = build_index(settings, embedder=FakeEmbedder(), progress=False)
    assert report.removed == ("seeds/ke-hoach.md",)
    loaded = IndexStore(settings).load()
    assert {c.source for c in loaded.chunks} == {"seeds/bao-cao.txt"}
    assert loaded.faiss_index.ntotal == loaded.lexical.size == len(loaded.chunks)
    assert loaded.lexical.search("10/2022/QH15", k=3) == []


def test_paths_outside_the_corpus_are_added_and_kept_while_they_exist(tmp_path, disk_corpus):
    from index.build import build_index

    outside = tmp_path / "tai-len" / "ke-hoach-moi.txt"
    outside.parent.mkdir()
    outside.write_text(PLAN_TEXT, encoding="utf-8")
    settings = Settings(corpus_dir=disk_corpus, data_dir=tmp_path / "data")
    report = build_index(settings, paths=[outside], embedder=FakeEmbedder(), progress=False)
    added = set(report.added) - {"seeds/bao-cao.txt", "seeds/ke-hoach.md"}
    assert len(added) == 1
    report = build_index(settings, embedder=FakeEmbedder(), progress=False)
    assert added <= set(report.unchanged)
    outside.unlink()
    report = build_index(settings, embedder=FakeEmbedder(), progress=False)
    assert set(report.removed) == added


def test_a_copied_corpus_reuses_the_index_without_indexing_the_old_copy_again(tmp_path, disk_corpus):
    """Another checkout (or a moved project) with the same data folder: same sources, nothing re-embedded,
    and the old checkout's files — still on disk — are not pulled in as outside files."""
    import shutil

    from index.build import build_index

    settings = Settings(corpus_dir=disk_corpus, data_dir=tmp_path / "data")
    build_index(settings, embedder=FakeEmbedder(), progress=False)
    copy = shutil.copytree(disk_corpus, tmp_path / "checkout-2" / "corpus")
    again = FakeEmbedder()
    report = build_index(settings.model_copy(update={"corpus_dir": copy}), embedder=again, progress=False)
    assert set(report.unchanged) == {"seeds/bao-cao.txt", "seeds/ke-hoach.md"}
    assert report.added == () and report.removed == () and again.passages_embedded == 0
    assert {c.source for c in IndexStore(settings).load().chunks} == {"seeds/bao-cao.txt", "seeds/ke-hoach.md"}
