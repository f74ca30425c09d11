"""One index update at a time per data folder: two real concurrent runs lose nothing; a run that cannot
wait refuses clearly; an OS error (disk full) ends in one line with the old index intact."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from index.build import build_index
from index.datalock import index_lock, update_in_progress
from index.embed import FakeEmbedder
from index.errors import IndexBusyError, IndexWriteError
from index.registry import load_registry
from index.settings import PROJECT_ROOT, Settings
from index.store import IndexStore

REPORT = """ỦY BAN NHÂN DÂN XÃ QUANG KHẢI
BÁO CÁO
Kết quả thực hiện dân chủ ở cơ sở năm 2023
I. CÔNG TÁC CHỈ ĐẠO
Thực hiện Chỉ thị số 33/CT-TTg ngày 26/11/2021 của Thủ tướng Chính phủ, Ủy ban nhân dân xã tuyên truyền sâu rộng.
"""

#: One `index` run in its own process, adding one extra file (what `soanthao index FILE` does), with the
#: FakeEmbedder. With a marker path it announces when its new index is written (lock held, swap pending)
#: and lingers there, so the other run is sure to start while this one holds the folder.
INDEX_RUN = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from index.build import build_index
    from index.embed import FakeEmbedder
    from index.settings import Settings

    corpus, data, extra, marker = sys.argv[1:5]

    def linger():            # until the other run says it is waiting (at most a minute)
        if marker != "-":
            Path(marker).write_text("written, swap pending")
            deadline = time.monotonic() + 60
            while not Path(marker + ".waiting").exists() and time.monotonic() < deadline:
                time.sleep(0.05)

    def waiting(message):
        print("WAITING", message, flush=True)
        Path(sys.argv[5]).write_text(message)

    report = build_index(Settings(corpus_dir=corpus, data_dir=data), paths=[Path(extra)], embedder=FakeEmbedder(),
                         progress=False, before_swap=linger, on_wait=waiting)
    print("ADDED", ",".join(report.added), flush=True)
    """
)


@pytest.fixture
def corpus(tmp_path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "bao-cao.txt").write_text(REPORT, encoding="utf-8")
    return folder


def _extra(tmp_path: Path, name: str, directive: str) -> Path:
    path = tmp_path / "uploads" / name
    path.parent.mkdir(exist_ok=True)
    path.write_text(f"BÁO CÁO\nThực hiện {directive} của Ủy ban nhân dân tỉnh Bắc Giang về dân vận.\n",
                    encoding="utf-8")
    return path


def _run(corpus: Path, data: Path, extra: Path, marker: str, waiting: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    return subprocess.Popen([sys.executable, "-c", INDEX_RUN, str(corpus), str(data), str(extra), marker, waiting],
                            cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_two_concurrent_index_runs_never_lose_a_file(tmp_path, corpus):
    data = tmp_path / "data"
    build_index(Settings(corpus_dir=corpus, data_dir=data), embedder=FakeEmbedder(), progress=False)
    first_file = _extra(tmp_path, "a.txt", "Quyết định số 11/QĐ-UBND ngày 02/01/2024")
    second_file = _extra(tmp_path, "b.txt", "Quyết định số 22/QĐ-UBND ngày 03/01/2024")
    marker = tmp_path / "first-holds-the-lock"
    first = _run(corpus, data, first_file, str(marker), str(tmp_path / "unused"))
    deadline = time.monotonic() + 120
    while not marker.exists():
        assert first.poll() is None, first.communicate()
        assert time.monotonic() < deadline, "the first run never reached its swap"
        time.sleep(0.05)
    assert update_in_progress(data)
    second = _run(corpus, data, second_file, "-", f"{marker}.waiting")   # starts while the first holds the folder
    out_first, err_first = first.communicate(timeout=120)
    out_second, err_second = second.communicate(timeout=120)
    assert first.returncode == 0, err_first
    assert second.returncode == 0, err_second
    assert "ADDED a.txt" in out_first
    assert "WAITING" in out_second and "Another index update is running" in out_second
    assert "ADDED b.txt" in out_second                      # it started from the first run's index
    manifest = IndexStore(Settings(data_dir=data)).read_manifest()
    assert set(manifest.files) == {"bao-cao.txt", "a.txt", "b.txt"}
    registry = load_registry(Settings(corpus_dir=corpus, data_dir=data))
    assert "11/QĐ-UBND@tỉnh Bắc Giang" in registry and "22/QĐ-UBND@tỉnh Bắc Giang" in registry
    assert not update_in_progress(data)


def test_a_run_that_cannot_wait_refuses_with_a_clear_message(tmp_path, corpus):
    settings = Settings(corpus_dir=corpus, data_dir=tmp_path / "data", index_lock_timeout=0.5)
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent("""
            import sys, time
            from index.datalock import index_lock
            from index.settings import Settings
            with index_lock(Settings(data_dir=sys.argv[1]), what="soanthao index (test)"):
                print("HELD", flush=True)
                time.sleep(30)
            """), str(settings.data_dir)],
        cwd=PROJECT_ROOT, env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "HELD"
        told = []
        with pytest.raises(IndexBusyError) as info:
            build_index(settings, embedder=FakeEmbedder(), progress=False, on_wait=told.append)
        assert f"pid {holder.pid}" in str(info.value) and "soanthao index (test)" in str(info.value)
        assert "run again when it has finished" in str(info.value)
        assert len(told) == 1 and "waiting" in told[0]
        assert not IndexStore(settings).exists()
    finally:
        holder.kill()
        holder.wait()
    build_index(settings, embedder=FakeEmbedder(), progress=False)     # the kernel released the dead holder's lock
    assert IndexStore(settings).exists()


def test_the_lock_is_reentrant_in_its_thread(tmp_path):
    settings = Settings(data_dir=tmp_path / "data", index_lock_timeout=0)
    with index_lock(settings):
        assert not update_in_progress(settings.data_dir)
        with index_lock(settings):
            pass
        assert (settings.data_dir / ".index.lock.owner").exists()
    assert not (settings.data_dir / ".index.lock.owner").exists()


# --- OS errors ------------------------------------------------------------------------------------


def _old_index(tmp_path: Path, corpus: Path) -> tuple[Settings, list[str]]:
    settings = Settings(corpus_dir=corpus, data_dir=tmp_path / "data")
    build_index(settings, embedder=FakeEmbedder(), progress=False)
    store = IndexStore(settings)
    return settings, [c.chunk_id for c in store.load().chunks]


def _assert_intact(settings: Settings, chunk_ids: list[str]) -> None:
    store = IndexStore(settings)
    assert [c.chunk_id for c in store.load().chunks] == chunk_ids
    assert "33/CT-TTg" in load_registry(settings)
    assert sorted(p.name for p in Path(settings.data_dir).iterdir() if p.name.startswith(".index-")) == []


def test_disk_full_while_writing_ends_in_one_line_and_keeps_the_old_index(tmp_path, corpus, monkeypatch):
    import numpy as np

    settings, ids = _old_index(tmp_path, corpus)
    (corpus / "moi.txt").write_text(REPORT.replace("QUANG KHẢI", "NGỌC KỲ"), encoding="utf-8")

    def full(path, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(np, "save", full)
    with pytest.raises(IndexWriteError) as info:
        build_index(settings, embedder=FakeEmbedder(), progress=False)
    message = str(info.value)
    assert message.count("\n") == 0, message
    assert "the disk is full" in message and ".index-tmp-" in message
    assert "The previous index is intact" in message
    monkeypatch.undo()
    _assert_intact(settings, ids)


def test_cli_index_prints_one_line_on_an_os_error(tmp_path, corpus, monkeypatch):
    from typer.testing import CliRunner

    import index.embed
    from assistant.cli import app

    settings, ids = _old_index(tmp_path, corpus)
    (corpus / "moi.txt").write_text(REPORT.replace("QUANG KHẢI", "NGỌC KỲ"), encoding="utf-8")
    monkeypatch.setenv("SOANTHAO_CORPUS_DIR", str(corpus))
    monkeypatch.setattr(index.embed, "load_embedder", lambda settings: FakeEmbedder())

    def denied(self, *args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied", str(self))

    monkeypatch.setattr(Path, "mkdir", denied)
    result = CliRunner().invoke(app, ["index", "--data-dir", str(settings.data_dir)])
    monkeypatch.undo()
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "permission denied" in lines[0] and "Traceback" not in result.output
    _assert_intact(settings, ids)


def _mount_tmpfs(folder: Path, size: str) -> bool:
    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                          capture_output=True)
    return done.returncode == 0


def test_a_really_full_disk_keeps_the_old_index(tmp_path, corpus):
    """On a 1 MiB file system (tmpfs, when this machine lets root mount one) the second build runs out of space."""
    mount = tmp_path / "small-disk"
    if os.geteuid() != 0 or not _mount_tmpfs(mount, "1m"):
        pytest.skip("cannot mount a small tmpfs here (needs root and CAP_SYS_ADMIN)")
    try:
        settings = Settings(corpus_dir=corpus, data_dir=mount / "data")
        build_index(settings, embedder=FakeEmbedder(), progress=False)
        ids = [c.chunk_id for c in IndexStore(settings).load().chunks]
        big = tmp_path / "lon.txt"                  # ~1.2 MB of distinct lines: its index cannot fit
        big.write_text("BÁO CÁO\n" + "\n".join(f"Đoạn {i}: công tác dân vận chính quyền ở xã năm {2000 + i % 25}."
                                                   for i in range(20000)), encoding="utf-8")
        with pytest.raises(IndexWriteError, match="the disk is full"):
            build_index(settings, paths=[big], embedder=FakeEmbedder(), progress=False)
        _assert_intact(settings, ids)
        manifest = json.loads((settings.index_dir / "manifest.json").read_text(encoding="utf-8"))
        assert set(manifest["files"]) == {"bao-cao.txt"}
    finally:
        subprocess.run(["umount", str(mount)], capture_output=True)
