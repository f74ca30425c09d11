"""Old exports are removed; a backup restores accounts, owners, the audit log, uploads and the index
byte for byte, and a damaged or hostile archive is refused before anything is replaced.
(The real server is restored from a backup in ``test_app_shared.py``.)"""

from __future__ import annotations

import io
import os
import tarfile
import time

import pytest

from assistant.access.accounts import AccountStore
from assistant.access.audit import AuditLog
from assistant.backup import backup, restore
from assistant.errors import InvalidRequestError
from assistant.retention import ExportSweeper, purge_exports


def _export(root, name, age_hours):
    folder = root / name
    folder.mkdir(parents=True)
    (folder / "du-thao.docx").write_bytes(b"PK")
    old = time.time() - age_hours * 3600
    os.utime(folder / "du-thao.docx", (old, old))
    os.utime(folder, (old, old))
    return folder


def test_exports_older_than_the_limit_are_removed(tmp_path):
    exports = tmp_path / "exports"
    _export(exports, "old", 30)
    _export(exports, "fresh", 1)
    assert purge_exports(exports, 24 * 3600) == ["old"]
    assert sorted(p.name for p in exports.iterdir()) == ["fresh"]
    assert purge_exports(tmp_path / "missing", 3600) == []
    removed = []
    _export(exports, "older", 48)
    sweeper = ExportSweeper(exports, 24 * 3600, on_removed=removed.extend).start()
    sweeper.stop()
    assert removed == ["older"]


def _data_dir(root):
    data = root / "data"
    store = AccountStore(data / "access.sqlite3")
    store.add("a.clerk", "long-enough-1", "clerk", "UBND xã A")
    AuditLog(data / "audit.jsonl").record("a.clerk", "upload", "bao-cao.txt")
    (data / "uploads").mkdir()
    (data / "uploads" / "bao-cao.txt").write_text("Báo cáo của xã A.", encoding="utf-8")
    (data / "index").mkdir()
    (data / "index" / "manifest.json").write_text('{"files": {}}', encoding="utf-8")
    (data / "exports").mkdir()
    (data / "exports" / "x.docx").write_bytes(b"PK")
    return data


def test_backup_then_restore_into_an_empty_folder(tmp_path):
    data = _data_dir(tmp_path)
    report = backup(data, tmp_path / "b.tar.gz")
    assert report.files == 4 and (tmp_path / "b.tar.gz").stat().st_mode & 0o077 == 0
    target = tmp_path / "restored"
    result = restore(tmp_path / "b.tar.gz", target)
    assert result["files"] == 4 and result["replaced_kept_in"] is None
    assert AccountStore(target / "access.sqlite3").authenticate("a.clerk", "long-enough-1") is not None
    assert (target / "uploads" / "bao-cao.txt").read_text(encoding="utf-8") == "Báo cáo của xã A."
    assert AuditLog(target / "audit.jsonl").verify() == []
    assert (target / "index" / "manifest.json").is_file()
    assert not (target / "exports").exists()                       # short-lived files are not backed up


def test_restore_over_data_needs_force_and_keeps_what_it_replaced(tmp_path):
    data = _data_dir(tmp_path)
    backup(data, tmp_path / "b.tar.gz")
    (data / "uploads" / "bao-cao.txt").write_text("changed", encoding="utf-8")
    with pytest.raises(InvalidRequestError, match="--force"):
        restore(tmp_path / "b.tar.gz", data)
    result = restore(tmp_path / "b.tar.gz", data, force=True)
    assert (data / "uploads" / "bao-cao.txt").read_text(encoding="utf-8") == "Báo cáo của xã A."
    kept = result["replaced_kept_in"]
    assert kept and (tmp_path / "data" / kept.split("/")[-1] / "uploads" / "bao-cao.txt").read_text() == "changed"


def test_damaged_or_hostile_archives_are_refused(tmp_path):
    data = _data_dir(tmp_path)
    backup(data, tmp_path / "b.tar.gz")
    with tarfile.open(tmp_path / "b.tar.gz") as tar:
        members = {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}
    members["uploads/bao-cao.txt"] = b"tampered"
    with tarfile.open(tmp_path / "bad.tar.gz", "w:gz") as tar:
        for name, blob in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(blob)
            tar.addfile(info, io.BytesIO(blob))
    with pytest.raises(InvalidRequestError, match="hỏng"):
        restore(tmp_path / "bad.tar.gz", tmp_path / "r1")
    assert not (tmp_path / "r1" / "uploads").exists()
    with tarfile.open(tmp_path / "evil.tar.gz", "w:gz") as tar:
        info = tarfile.TarInfo("../../escaped.txt")
        info.size = 1
        tar.addfile(info, io.BytesIO(b"x"))
    with pytest.raises(InvalidRequestError, match="không phải bản sao lưu"):
        restore(tmp_path / "evil.tar.gz", tmp_path / "r2")
    assert not (tmp_path / "escaped.txt").exists()


def test_cli_users_backup_restore_and_audit(tmp_path):
    from typer.testing import CliRunner

    from assistant.cli import app as cli

    runner = CliRunner()
    data = str(tmp_path / "data")
    added = runner.invoke(cli, ["users", "add", "a.clerk", "--unit", "UBND xã A", "--password-stdin", "--data-dir", data],
                          input="long-enough-1\n")
    assert added.exit_code == 0, added.output
    refused = runner.invoke(cli, ["users", "add", "b.clerk", "--password-stdin", "--data-dir", data], input="x\n")
    assert refused.exit_code == 2 and "cần --unit" in refused.output
    assert runner.invoke(cli, ["users", "passwd", "a.clerk", "--password-stdin", "--data-dir", data],
                         input="long-enough-2\n").exit_code == 0
    listed = runner.invoke(cli, ["users", "list", "--json", "--data-dir", data])
    assert '"username": "a.clerk"' in listed.output and "long-enough" not in listed.output
    audit = runner.invoke(cli, ["audit", "--data-dir", data])
    assert "user_passwd" in audit.output and "user_add" in audit.output and "nguyên vẹn" in audit.output
    assert runner.invoke(cli, ["backup", str(tmp_path / "b.tar.gz"), "--data-dir", data]).exit_code == 0
    assert runner.invoke(cli, ["users", "remove", "a.clerk", "--data-dir", data]).exit_code == 0
    again = runner.invoke(cli, ["restore", str(tmp_path / "b.tar.gz"), "--data-dir", data])
    assert again.exit_code == 2 and "--force" in again.output
    assert runner.invoke(cli, ["restore", str(tmp_path / "b.tar.gz"), "--force", "--data-dir", data]).exit_code == 0
    assert AccountStore(tmp_path / "data" / "access.sqlite3").authenticate("a.clerk", "long-enough-2") is not None
    help_text = runner.invoke(cli, ["serve", "--help"]).output
    assert "soanthao backup" in help_text and "access.sqlite3" in help_text
